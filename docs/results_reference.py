"""The JSON fields, statuses and exit codes pages, rendered from the code (run by cog).

`cog -r docs/json.md docs/exit-codes.md` rewrites the blocks between the cog markers;
`cog --check` over the pages (tests/test_docs.py, and `dev.py test` before the site's
strict build) fails when one is stale. The words live beside the code that writes the
fields (`outcome.JSON_FIELDS`, `outcome.STATUS_MEANINGS`, `report.DOCUMENT_FIELDS`,
`errors.EXIT_MEANINGS`); the values a field can take are read here from the constants
the code uses, so a new role or status shows up without touching this file.
"""

from __future__ import annotations

from lease_tables.config import naming, ris
from lease_tables.config.naming import LeaseTable
from lease_tables.core import errors
from lease_tables.model import footprint as fp
from lease_tables.model import kcl, outcome, rows
from lease_tables.preflight import footprint as preflight_footprint
from lease_tables.preflight import services, streams
from lease_tables.render import report

# Which rows carry each role: KCL's tables, then the footprint's resources.
ROLES: tuple[tuple[str, str], ...] = (
    (kcl.ROLE_LEASE, "the lease table"),
    (kcl.ROLE_COORDINATOR_STATE, "KCL 3.0-3.4's coordinator table `T-CoordinatorState`"),
    (kcl.ROLE_WORKER_METRICS, "KCL 3.0-3.4's worker-metrics table `T-WorkerMetricStats`"),
    (rows.ROLE_STREAM_CONSUMER, "an enhanced fan-out consumer (`create`, `verify`, "
                                "`preflight` with `--enhanced-fan-out`)"),
    (streams.ROLE_STREAM, "a Kinesis data stream (`preflight --stream`)"),
    (services.ROLE_BUCKET, "the recordings bucket (`preflight --bucket`)"),
    (services.ROLE_KEY, "a KMS key (`preflight --kms-key`)"),
    (services.ROLE_VIDEO, "the live-media video streams (`preflight --video-stream`)"),
    (services.ROLE_CONNECT, "the Amazon Connect instance (`preflight --connect-instance`)"),
    (fp.KIND_LOG_GROUP, "a CloudWatch Logs group (`preflight --cloudwatch-logs`)"),
    (preflight_footprint.ROLE_METRICS, "KCL's CloudWatch metrics (`preflight` with any of "
                                       "the footprint's options)"),
)

# The values of the fields that take a fixed set of them.
HOST_SOURCES = (naming.HOST_OPTION, naming.HOST_UNC, naming.HOST_LOCAL, None)


def _value(value: object) -> str:
    """A JSON value as the JSON shows it: `null`, `true`, `"text"` without its quotes."""
    if value is None:
        return "`null`"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def values() -> dict[str, str]:
    """The values each enumerated field can hold, as Markdown."""
    return {
        "adapter_kind": ", ".join(_value(v) for v in (ris.KIND_CONNECT, ris.KIND_AGENT_EVENTS,
                                                        None)),
        "host_name_source": ", ".join(_value(v) for v in HOST_SOURCES),
        "role": ", ".join(_value(role) for role, _ in ROLES),
        "enabled": ", ".join(_value(v) for v in (True, False, None)),
        "status": ", ".join(_value(s) for s, _, _ in outcome.STATUS_MEANINGS),
        "ok": ", ".join(_value(v) for v in (True, False)),
    }


def fields() -> str:
    """The object's fields, then each row's fields, with their values."""
    known = values()
    lines = ["| field | values | meaning |", "|---|---|---|"]
    for name, meaning in report.DOCUMENT_FIELDS:
        lines.append(f"| `{name}` | {known.get(name, '')} | {meaning} |")
    lines += ["", "Each object in `tables`:", "",
              "| field | values | meaning |", "|---|---|---|"]
    for name, meaning in outcome.JSON_FIELDS:
        lines.append(f"| `{name}` | {known.get(name, '')} | {meaning} |")
    return "\n".join(lines) + "\n"


def roles() -> str:
    lines = ["| `role` | the row is about |", "|---|---|"]
    lines += [f"| `{role}` | {words} |" for role, words in ROLES]
    return "\n".join(lines) + "\n"


def statuses() -> str:
    """Status | commands | meaning | exit code, the exit code from the code's own rule."""
    lines = ["| status | command | meaning | exit |", "|---|---|---|---|"]
    for status, commands, meaning in outcome.STATUS_MEANINGS:
        code = outcome.exit_code([outcome.TableResult(LeaseTable("t", None), status)])
        lines.append(f"| `{status}` | {commands} | {meaning} | {code} |")
    return "\n".join(lines) + "\n"


def exit_codes() -> str:
    lines = ["| code | meaning |", "|---|---|"]
    lines += [f"| {code} | {meaning} |" for code, meaning in errors.EXIT_MEANINGS]
    return "\n".join(lines) + "\n"
