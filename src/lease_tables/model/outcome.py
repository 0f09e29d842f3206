"""Per-table results and the exit-code rule, shared by every command.

The statuses and exit codes are a contract (docs/json.md and docs/exit-codes.md, generated
from the data here): install scripts branch on them. Keeping them as data here, apart
from rendering, lets tests check the rule with plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lease_tables.config.naming import LeaseTable
from lease_tables.core.errors import EXIT_AWS, EXIT_DRIFT, EXIT_OK
from lease_tables.core.printable import row

if TYPE_CHECKING:  # preflight's rows only: a dry run never loads the probes' ledger
    from lease_tables.model.probes import Probe, Untried

# create
PLANNED = "planned"
CREATED = "created"
EXISTS = "exists"
UPDATED = "updated"  # create --add-index: this run added KCL 3's index to an existing table
DRIFT = "drift"
FAILED = "failed"
# verify
OK = "ok"
MISSING = "missing"
NOT_ACTIVE = "not-active"
# preflight
DENIED = "denied"
CREATE_ALLOWED = "create-allowed"


_EXIT_BY_STATUS = {
    **dict.fromkeys((PLANNED, CREATED, EXISTS, UPDATED, OK, CREATE_ALLOWED), EXIT_OK),
    FAILED: EXIT_AWS,
    **dict.fromkeys((DRIFT, MISSING, NOT_ACTIVE, DENIED), EXIT_DRIFT),
}

# Each status: the commands that give it and what it means, for the generated reference
# (docs/json.md). A status missing here fails the docs test, so none ships unexplained.
STATUS_MEANINGS: tuple[tuple[str, str, str], ...] = (
    (PLANNED, "create `--dry-run`", "would be created; nothing was called"),
    (CREATED, "create", "created by this run (and ACTIVE, with `--wait`)"),
    (EXISTS, "create", "already there with the right key; left exactly as it is"),
    (UPDATED, "create `--add-index`",
     "KCL 3: this run added the index `LeaseOwnerToLeaseKeyIndex` to an existing lease "
     "table (and waited for it, with `--wait`); nothing else was changed"),
    (DRIFT, "create, verify",
     "a table of that name has another key schema, or (KCL 3) a lease table lacks the "
     "index or has one of that name with other keys; left untouched. For a missing index: "
     "`create --kcl X --add-index`. For another key: DynamoDB can neither rename a table "
     "nor change its key, so check nothing uses it, keep its items if they matter, delete "
     "it by hand, rerun"),
    (FAILED, "all",
     "AWS said no or could not be reached (credentials, configuration, access denied, "
     "quota, network, timeout), or the table is in a state no wait will fix (DELETING, "
     "ARCHIVING, ARCHIVED, INACCESSIBLE_ENCRYPTION_CREDENTIALS, or one this version does "
     "not know); the message says which call, where, and what to do"),
    (OK, "verify, preflight",
     "exists, usable (ACTIVE or UPDATING: KCL accepts both), right key (KCL 3: its index "
     "ACTIVE, with KCL's keys); other capacity or billing, or (KCL 3) an index projecting "
     "more than KCL's keys, is a warning in the message (tell `verify` what `create` was "
     "given with `--billing-mode`, `--read-capacity`, `--write-capacity`)"),
    (MISSING, "verify, preflight",
     "does not exist; a near twin (other letter case or host part) is named as a hint"),
    (NOT_ACTIVE, "verify",
     "exists but is still CREATING; or (KCL 3) its index is CREATING or UPDATING (KCL 3 "
     "uses it only once it is ACTIVE)"),
    (DENIED, "preflight", "the adapter's identity may not call an action KCL needs; the "
                          "message names them"),
    (CREATE_ALLOWED, "preflight",
     "usable, but CreateTable is not denied to the adapter (a warning, shown even with "
     "`-q`)"),
)

HAPPY = frozenset(s for s, code in _EXIT_BY_STATUS.items() if code == EXIT_OK)
# What --quiet leaves out: results that need nobody's attention. `create-allowed`
# exits 0 but is the finding preflight exists for, so it is always shown.
ROUTINE = HAPPY - {CREATE_ALLOWED}
# Progress words a live display shows before a table has its final status.
QUEUED = "queued"
CREATING_NOTE = "creating"  # the message of a row still on its way


@dataclass(slots=True)
class TableResult:
    """What happened to one lease table, with the facts that identify it."""

    table: LeaseTable
    status: str
    message: str = ""
    # Findings worth a "warning:" line on stderr too (already part of `message`).
    warnings: tuple[str, ...] = ()
    # Rows that rest on probes (preflight): the probes that did not run; None elsewhere.
    untried: tuple[Untried, ...] | None = None
    # Of those rows, the probes sent whose answer never came (tried, but unanswered).
    unanswered: tuple[Probe, ...] = ()

    def __post_init__(self) -> None:
        # Escaped once, here, so every sink (text lines, JSON, the terminal's
        # summary table) shows the same characters: an AWS value carrying ESC or
        # U+202E arrives as `\x1b` / `\u202e` wherever it is read.
        self.message = row(self.message)

    def to_json(self) -> dict[str, object]:
        """One row of `--output json`; its fields are `JSON_FIELDS`, in this order."""
        t = self.table
        extra = getattr(t, "extra_json", None)  # a stream, consumer, bucket ... row (rows.py)
        # JSON_FIELDS' first ten are the table's own facts, under their attribute names.
        document: dict[str, object] = {name: getattr(t, name) for name, _ in JSON_FIELDS[:10]}
        document.update(sources=list(t.sources), status=self.status, message=self.message)
        if extra:
            document.update(extra())
        if self.untried is not None:
            from lease_tables.model.probes import no_answer, not_tried

            document["not_tried"] = not_tried(self.untried)
            document["no_answer"] = no_answer(self.unanswered)
        return document


# Every field a row of `--output json` can hold, and what it means, in `to_json`'s order,
# for the generated reference (docs/json.md; the values each can take are read from the
# code there). The docs test fails when `to_json` writes a field this list lacks.
JSON_FIELDS: tuple[tuple[str, str], ...] = (
    ("table_name", "the lease table's name; on a row of another resource, the lease table "
                   "it belongs to, or the resource's own name"),
    ("adapter_kind", "`connect` or `agent-events`; `null` for a `--table` name"),
    ("adapter_id", "the adapter's ID in `IntegrationService.xml`; `null` for a `--table` "
                   "name"),
    ("application_name", "the adapter's Application Name; `null` for a `--table` name"),
    ("host_name", "the RIS host name in an agent-events table's name; `null` where it does "
                  "not apply (a `connect` adapter, a `--table` name)"),
    ("host_name_source", "where the host name came from: `--host-name`, the server of a UNC "
                         "folder, or this machine's name"),
    ("region", "the table's region: the adapter's `Region` setting, else `--region`, else "
               "the AWS configuration's default"),
    ("role", "what the row is: a lease table, one of KCL 3's companion tables, or (with the "
             "footprint's options) another resource of the adapter"),
    ("sources", "the configuration files (or `--table`) the table came from"),
    ("enabled", "`false` when every adapter that needs the table is marked disabled in the "
                "file (it still gets its table, so enabling it later just works); `null` "
                "when the file does not say; text lines say `disabled`"),
    ("status", "what happened to it (see the statuses below)"),
    ("message", "explains any status other than the happy ones, and carries warnings; "
                "empty otherwise"),
    ("resource", "only on a row of another kind than a table (a stream consumer, a stream, "
                 "a bucket...): its ARN, or its name as given"),
    ("not_tried", "only on `preflight` rows: the actions whose probes did not run (empty "
                  "when every probe ran)"),
    ("no_answer", "only on `preflight` rows: the actions whose probes were sent and had no "
                  "answer before the run ended (`--timeout`, Ctrl+C); never also in "
                  "`not_tried`"),
)


def needs_attention(results: Iterable[TableResult]) -> list[TableResult]:
    """The results --quiet still shows."""
    return [r for r in results if r.status not in ROUTINE]


@dataclass
class Progress:
    """Hooks a display may attach to a run; the default does nothing."""

    on_status: Callable[[LeaseTable, str, str], None] = field(
        default=lambda table, status, note: None)


def exit_code(results: Iterable[TableResult]) -> int:
    """The highest code any table earns; 0 when all are fine."""
    return max((_EXIT_BY_STATUS[r.status] for r in results), default=EXIT_OK)


def sort_results(results: Iterable[TableResult]) -> list[TableResult]:
    return sorted(results, key=lambda r: r.table.key)


def no_answer_words(timeout: float, step: str) -> Callable[[LeaseTable], str]:
    """The words of a row that --timeout cut short: which `step` waited, where, and for how
    long, and what to check; the same for a table and for any other resource's row."""
    return lambda table: (f"{step} of {table.table_name} in {table.region} had no answer "
                          f"within {timeout:g} s (--timeout). Check the network path to the "
                          f"endpoint (proxy, firewall, --endpoint-url) and rerun; nothing was "
                          f"changed.")


def no_answer(tables: Iterable[LeaseTable], timeout: float, step: str) -> list[TableResult]:
    """Every table `failed`: a run that had no answer while still at `step`."""
    words = no_answer_words(timeout, step)
    return [TableResult(t, FAILED, words(t)) for t in tables]


def not_done_words(what: str, cause: str) -> Callable[[LeaseTable], str]:
    """The words of a row an interruption left unfinished: `not checked: interrupted by
    Ctrl+C`."""
    return lambda table: f"{what}: interrupted by {cause}"
