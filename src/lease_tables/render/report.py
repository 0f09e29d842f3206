"""Results to text or JSON. Data to stdout, messages to stderr.

Text is meant to be pasted into a change ticket: one table a line with every
fact that identifies it (name, region, adapter, host and where the host came
from, file), then one summary line. A KCL 3.0-3.4 lease table's companion tables
follow it, indented and named by their role, so one adapter's set reads together;
JSON stays in plain name order.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TextIO

from lease_tables.config.naming import HOST_LOCAL, HOST_OPTION, HOST_UNC, LeaseTable
from lease_tables.core.printable import clean, line, row
from lease_tables.model import kcl, rows
from lease_tables.model.outcome import TableResult, exit_code, needs_attention

_HOST_SOURCE_WORDS = {
    HOST_OPTION: "from --host-name",
    HOST_UNC: "from the UNC path",
    HOST_LOCAL: "this machine's name",
}


def origin(table: LeaseTable) -> str:
    """Where a table name came from, in words an operator can check against RIS.

    Adapter ID, application, host and file names came from a file or an option:
    each is escaped and cut, so none can start a line of its own.
    """
    if table.adapter_kind is None:
        if isinstance(table, rows.ResourceRow) and not table.origins:
            # a stream, bucket ... row: named by an option or an adapter's file
            listed = ", ".join(clean(s) for s in dict.fromkeys(table.sources))
            return f"from {listed}" if listed else "from the footprint's options"
        return "given with --table"
    ident = f" {clean(table.adapter_id)}" if table.adapter_id else ""
    text = (f'{table.adapter_kind} adapter{ident}, application '
            f'"{clean(table.application_name)}"')
    if table.enabled is False:
        text += " (disabled)"
    if table.host_name is not None:
        words = _HOST_SOURCE_WORDS[table.host_name_source or ""]
        text += f", host {clean(table.host_name)} ({words})"
    files = [clean(s) for s in dict.fromkeys(table.sources) if s != "--table"]
    if files:
        text += " in " + " and ".join(files)
    if len(table.origins) > 1:
        text += f" (shared by {len(table.origins)} adapters)"
    return text


# A phrase after each table's line: the same for all, or one per table role (a dry
# run says what it would create, and a companion is not made like a lease table).
Extra = str | Mapping[str, str]


def extra_lines(extra: Extra) -> list[str]:
    """Each phrase once, for a summary below a table (on a terminal), by role."""
    if isinstance(extra, str):
        return [extra] if extra else []
    if len(extra) == 1:
        return list(extra.values())
    return [f"{role} tables, {text}" for role, text in extra.items()]


_ROLE_ORDER = {kcl.ROLE_LEASE: 0, kcl.ROLE_COORDINATOR_STATE: 1, kcl.ROLE_WORKER_METRICS: 2}
COMPANION_INDENT = "  "


def grouped(results: Sequence[TableResult]) -> list[TableResult]:
    """Each lease table followed by its companions (in role order), sets in name order."""
    return sorted(results, key=lambda r: (kcl.lease_name(r.table), r.table.region or "",
                                          _ROLE_ORDER.get(r.table.role, len(_ROLE_ORDER)),
                                          r.table.table_name))


def subject(table: LeaseTable) -> str:
    """What a row is about, as its line starts: a table's name, or another resource's kind
    and name (`stream-consumer stream/S/consumer/T`), never its lease table's name, so a
    consumer's row does not read as a row of that table."""
    if isinstance(table, rows.ResourceRow):
        return f"{table.role} {clean(table.resource)}"
    return table.table_name


def role_words(table: LeaseTable) -> str:
    """'' for a lease table and for a row that names its own kind (`subject`); for a
    companion, its role and its lease table."""
    if table.role == kcl.ROLE_LEASE or isinstance(table, rows.ResourceRow):
        return ""
    return f"{table.role} table of {clean(kcl.lease_name(table))}, "


def text_line(result: TableResult, extra: Extra = "") -> str:
    """One table, one line, whatever its values hold (they pass `printable.row`)."""
    table = result.table
    extra = extra if isinstance(extra, str) else extra.get(table.role, "")
    indent = "" if table.role == kcl.ROLE_LEASE else COMPANION_INDENT
    text = (f"{result.status:<14} {indent}{subject(table)}  "
            f"[{table.region or 'region ?'}]  ")
    text += role_words(table) + origin(table)
    if extra:
        text += f"; {extra}"
    if result.message:
        text += f" -- {result.message}"
    return row(text)


def tally(results: Sequence[TableResult], verb: str = "") -> str:
    """What a run did, counted by kind, without a verdict: `create: 2 tables: 2 created;
    2 consumers: 2 exists` (tables first; a kind with no rows is not named)."""
    counted = Counter((rows.kind(r.table), r.status) for r in results)  # one pass over rows
    parts = []
    for kind in sorted({k for k, _ in counted} or {rows.TABLE}, key=rows.kind_order):
        counts = {status: n for (k, status), n in sorted(counted.items()) if k == kind}
        total = sum(counts.values())
        statuses = ", ".join(f"{n} {status}" for status, n in counts.items())
        parts.append(f"{total} {rows.noun(kind, total)}: {statuses}")
    return (f"{verb}: " if verb else "") + "; ".join(parts)


def summary(results: Sequence[TableResult], verb: str = "") -> str:
    code = exit_code(results)
    verdict = "all fine" if code == 0 else "attention needed"
    return f"{tally(results, verb)}. {verdict} (exit {code})."


# The fields of the one JSON object `--output json` prints, for the generated reference
# (docs/json.md). `error` is written by the CLI when a run stops before its results.
DOCUMENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("ok", "`true` when the exit code is 0"),
    ("error", "only when the run stopped before any result (bad input, usage errors, "
              "credentials, Ctrl+C, a bug): the paragraph printed on stderr"),
    ("tables", "one object per table or resource, in name order (whatever was known, when "
               "the run stopped)"),
    ("endpoint", "only when the calls went to an endpoint other than AWS's own "
                 "(`--endpoint-url`, `AWS_ENDPOINT_URL*`): that endpoint, a password in it "
                 "masked"),
)


def json_document(results: Sequence[TableResult],
                  endpoint: str | None = None) -> dict[str, object]:
    """The one JSON object; `endpoint` (only when the calls went to an endpoint other than
    AWS's own) names where, as the text output's note does."""
    return {"ok": exit_code(results) == 0, "tables": [r.to_json() for r in results],
            **({"endpoint": endpoint} if endpoint else {})}


def endpoint_note(endpoints: Sequence[str]) -> str | None:
    """The once-per-run line naming endpoints that are not AWS's own, or None."""
    if not endpoints:
        return None
    return (f"note: the AWS calls went to {'; '.join(endpoints)}, not to AWS's own "
            f"endpoint{'s' if len(endpoints) > 1 else ''}.")


def emit(results: Sequence[TableResult], output: str, verb: str = "",
         extra: Extra = "", out: TextIO | None = None, quiet: bool = False,
         closing: str | None = None, endpoint: str | None = None) -> None:
    """Plain text or JSON. `quiet` text keeps only the tables that need attention
    (and the last line only when something does); JSON is data and never shrinks.
    `closing` replaces the summary line when a command has a better last word."""
    out = out or sys.stdout
    if output == "json":
        out.write(json.dumps(json_document(results, endpoint), indent=2) + "\n")
        return
    shown = grouped(needs_attention(results) if quiet else results)
    lines = [text_line(result, extra) for result in shown]
    if shown or not quiet:
        lines.append(line(closing or summary(results, verb)))
    if lines:
        out.write("\n".join(lines) + "\n")  # one write: a fleet is thousands of lines


def dry_run_plans(plans: Mapping[str, str], add_index: bool,
                  consumers: bool) -> dict[str, str]:
    """A dry run's phrase per role ("would create: ..."), from the layout's `plans`: what
    `--add-index` would do to existing tables, and the consumers it would register."""
    phrases = dict(plans)
    if add_index:
        phrases[kcl.ROLE_LEASE] += ("; and, to existing lease tables that lack it, only the "
                                    "index (UpdateTable, with the table's current capacity)")
    if consumers:
        phrases[rows.ROLE_STREAM_CONSUMER] = ("the consumer, if it is absent "
                                         "(RegisterStreamConsumer, enhanced fan-out)")
    return {role: "would create: " + plan for role, plan in phrases.items()}


def create_stopped(done: str, registered: Sequence[str]) -> str:
    """What an interrupted `create` had done (`done`, the provisioner's account), with the
    consumers whose registration AWS had accepted, and why rerunning is safe."""
    if registered:
        done += (f"; RegisterStreamConsumer had been accepted for {len(registered)} "
                 f"consumer(s) ({', '.join(registered)})")
    return (f"create stopped; {done}. Rerunning the same command is safe: it creates "
            f"only what is missing and waits for tables (and indexes) still CREATING")


def read_only_stopped(verb: str, finished: int, total: int, safe: str) -> str:
    """What an interrupted `verify` or `preflight` had done; `safe` says why rerunning is."""
    return f"{verb} stopped after {finished} of {total} tables; {safe}, so rerunning is safe"
