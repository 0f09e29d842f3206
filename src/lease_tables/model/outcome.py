"""Per-table results and the exit-code rule, shared by every command.

The statuses and exit codes are a contract (README "Exit codes"): install scripts branch on
them. Keeping them as data here, apart from rendering, lets tests check the
rule with plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lease_tables.config.naming import LeaseTable
from lease_tables.core.errors import EXIT_AWS, EXIT_DRIFT, EXIT_OK
from lease_tables.core.printable import row

if TYPE_CHECKING:  # preflight's rows only: a dry run never loads the probes' ledger
    from lease_tables.model.probes import Untried

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
    PLANNED: EXIT_OK,
    CREATED: EXIT_OK,
    EXISTS: EXIT_OK,
    UPDATED: EXIT_OK,
    OK: EXIT_OK,
    CREATE_ALLOWED: EXIT_OK,
    FAILED: EXIT_AWS,
    DRIFT: EXIT_DRIFT,
    MISSING: EXIT_DRIFT,
    NOT_ACTIVE: EXIT_DRIFT,
    DENIED: EXIT_DRIFT,
}

HAPPY = frozenset(s for s, code in _EXIT_BY_STATUS.items() if code == EXIT_OK)
# What --quiet leaves out: results that need nobody's attention. `create-allowed`
# exits 0 but is the finding preflight exists for, so it is always shown.
ROUTINE = frozenset({PLANNED, CREATED, EXISTS, UPDATED, OK})
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

    def __post_init__(self) -> None:
        # Escaped once, here, so every sink (text lines, JSON, the terminal's
        # summary table) shows the same characters: an AWS value carrying ESC or
        # U+202E arrives as `\x1b` / `\u202e` wherever it is read.
        self.message = row(self.message)

    def to_json(self) -> dict[str, object]:
        t = self.table
        extra = getattr(t, "extra_json", None)  # a stream, consumer, bucket ... row (rows.py)
        document: dict[str, object] = {
            "table_name": t.table_name,
            "adapter_kind": t.adapter_kind,
            "adapter_id": t.adapter_id,
            "application_name": t.application_name,
            "host_name": t.host_name,
            "host_name_source": t.host_name_source,
            "region": t.region,
            "role": t.role,
            "sources": list(t.sources),
            "enabled": t.enabled,
            "status": self.status,
            "message": self.message,
        }
        if extra:
            document.update(extra())
        if self.untried is not None:
            from lease_tables.model.probes import not_tried

            document["not_tried"] = not_tried(self.untried)
        return document


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
    def words(table: LeaseTable) -> str:
        return (f"{step} of {table.table_name} in {table.region} had no answer within "
                f"{timeout:g} s (--timeout). Check the network path to the endpoint (proxy, "
                f"firewall, --endpoint-url) and rerun; nothing was changed.")
    return words


def no_answer(tables: Iterable[LeaseTable], timeout: float, step: str) -> list[TableResult]:
    """Every table `failed`: a run that had no answer while still at `step`."""
    words = no_answer_words(timeout, step)
    return [TableResult(t, FAILED, words(t)) for t in tables]


def not_done_words(what: str, cause: str) -> Callable[[LeaseTable], str]:
    """The words of a row an interruption left unfinished: `not checked: interrupted by
    Ctrl+C`."""
    return lambda table: f"{what}: interrupted by {cause}"
