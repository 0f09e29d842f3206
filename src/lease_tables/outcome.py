"""Per-table results and the exit-code rule, shared by every command.

The statuses and exit codes are a contract (SPEC 6): install scripts branch on
them. Keeping them as data here, apart from rendering, lets tests check the
rule with plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lease_tables.naming import LeaseTable

# create
PLANNED = "planned"
CREATED = "created"
EXISTS = "exists"
DRIFT = "drift"
FAILED = "failed"
# verify
OK = "ok"
MISSING = "missing"
NOT_ACTIVE = "not-active"
# preflight
DENIED = "denied"
CREATE_ALLOWED = "create-allowed"

EXIT_OK = 0
EXIT_AWS = 1
EXIT_INPUT = 2
EXIT_DRIFT = 3
EXIT_INTERRUPTED = 130

_EXIT_BY_STATUS = {
    PLANNED: EXIT_OK,
    CREATED: EXIT_OK,
    EXISTS: EXIT_OK,
    OK: EXIT_OK,
    CREATE_ALLOWED: EXIT_OK,
    FAILED: EXIT_AWS,
    DRIFT: EXIT_DRIFT,
    MISSING: EXIT_DRIFT,
    NOT_ACTIVE: EXIT_DRIFT,
    DENIED: EXIT_DRIFT,
}

HAPPY = frozenset(s for s, code in _EXIT_BY_STATUS.items() if code == EXIT_OK)


@dataclass(slots=True)
class TableResult:
    """What happened to one lease table, with the facts that identify it."""

    table: LeaseTable
    status: str
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        t = self.table
        return {
            "table_name": t.table_name,
            "adapter_kind": t.adapter_kind,
            "adapter_id": t.adapter_id,
            "application_name": t.application_name,
            "host_name": t.host_name,
            "host_name_source": t.host_name_source,
            "region": t.region,
            "role": t.role,
            "sources": list(t.sources),
            "status": self.status,
            "message": self.message,
        }


def exit_code(results: Iterable[TableResult]) -> int:
    """SPEC 6: the highest code any table earns; 0 when all are fine."""
    return max((_EXIT_BY_STATUS[r.status] for r in results), default=EXIT_OK)


def sort_results(results: Iterable[TableResult]) -> list[TableResult]:
    return sorted(results, key=lambda r: (r.table.table_name, r.table.region or ""))
