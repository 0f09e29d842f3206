"""Check that every expected lease table exists, is usable and has KCL's key.

Read-only: DescribeTable per table, and ListTables once per region only when a
table is missing, to name a near twin (`VERINTRIS` vs `verintris`), which is
what usually went wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lease_tables import kcl, spec
from lease_tables.aws import Clients
from lease_tables.bounded import Board
from lease_tables.failures import NOT_FOUND_CODE, answer_part, error_code, explain
from lease_tables.naming import LeaseTable, near_twins, twins_phrase
from lease_tables.outcome import DRIFT, FAILED, MISSING, NOT_ACTIVE, OK, TableResult


def verify_tables(clients: Clients, tables: Sequence[LeaseTable], concurrency: int = 10,
                  options: spec.TableOptions | None = None,
                  board: Board | None = None) -> list[TableResult]:
    """One result per table; `board` (if given) sees each as it is known."""
    board = board or Board(tables)

    def check(item: tuple[int, LeaseTable]) -> TableResult:
        index, table = item
        if board.stopped.is_set():
            return TableResult(table, FAILED, "not checked: the run was stopped")
        return board.record(index, check_one(clients, table, options))

    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="lease-tables-verify") as pool:
        return list(pool.map(check, enumerate(tables)))


def check_one(clients: Clients, table: LeaseTable,
              options: spec.TableOptions | None = None) -> TableResult:
    region = table.region or ""
    endpoint = clients.endpoint_for(region)
    try:
        response = clients.dynamodb(region).describe_table(TableName=table.table_name)
        description = answer_part(response, "Table", "DescribeTable")
    except Exception as exc:
        if error_code(exc) != NOT_FOUND_CODE:
            return TableResult(table, FAILED, explain(exc, table.table_name, "DescribeTable",
                                                      endpoint, table.region))
        return TableResult(table, MISSING, missing_message(table, clients.table_names(region)))
    return judge(table, description, options)


def missing_message(table: LeaseTable, existing: Sequence[str]) -> str:
    twins = near_twins(table, existing)
    message = (f"{table.table_name} does not exist in {table.region}. Run "
               f"`lease-tables create` with the same options to create it.")
    if twins:
        phrase = twins_phrase(twins)
        message += (f" {phrase[0].upper()}{phrase[1:]}. The adapter "
                    f"will not use {'it' if len(twins) == 1 else 'them'}, because table names "
                    f"are case-sensitive and must match exactly; check the host name "
                    f"(--host-name) and the Application Name.")
    return message


def judge(table: LeaseTable, description: dict[str, Any],
          options: spec.TableOptions | None = None) -> TableResult:
    """Status for one described table: drift, then unusable states, then ok."""
    where = f"{table.table_name} in {table.region}"
    problem = spec.key_schema_problem(description, kcl.hash_key(table.role))
    if problem:
        return TableResult(table, DRIFT, spec.drift_message(where, problem))
    status = description.get("TableStatus")
    unusable = spec.state_problem(where, status)
    if unusable:
        return TableResult(table, FAILED, unusable)
    if spec.is_pending(status):
        return TableResult(table, NOT_ACTIVE,
                           f"{where} is {status}, not ACTIVE yet. Wait and verify again (a "
                           f"new table takes seconds to a minute).")
    notes = spec.capacity_differences(
        description, kcl.table_options(table, options or spec.TableOptions()))
    message = ("warning: " + "; ".join(notes) + " (works, but not what `create` with these "
               "options makes; pass --billing-mode/--read-capacity/--write-capacity as "
               "given to create)" if notes else "")
    return TableResult(table, OK, message)
