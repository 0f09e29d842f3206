"""Check that every expected lease table exists, is ACTIVE and has KCL's key.

Read-only: DescribeTable per table, and ListTables once per region only when a
table is missing, to name a near twin (`VERINTRIS` vs `verintris`), which is
what usually went wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lease_tables import kcl, spec
from lease_tables.aws import Clients, error_code, explain
from lease_tables.naming import LeaseTable, near_twins
from lease_tables.outcome import DRIFT, FAILED, MISSING, NOT_ACTIVE, OK, TableResult
from lease_tables.provision import ACTIVE


def verify_tables(clients: Clients, tables: Sequence[LeaseTable],
                  concurrency: int = 10) -> list[TableResult]:
    def check(table: LeaseTable) -> TableResult:
        assert table.region is not None
        client = clients.dynamodb(table.region)
        endpoint = clients.endpoint_for(table.region)
        try:
            description = client.describe_table(TableName=table.table_name)["Table"]
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                return TableResult(table, FAILED,
                                   explain(exc, table.table_name, "DescribeTable", endpoint))
            return TableResult(table, MISSING,
                               missing_message(table, clients.table_names(table.region)))
        return judge(table, description)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(check, tables))


def missing_message(table: LeaseTable, existing: Sequence[str]) -> str:
    twins = near_twins(table, existing)
    message = (f"{table.table_name} does not exist in {table.region}. Run "
               f"`lease-tables create` with the same options to create it.")
    if twins:
        message += (" A table with a near-identical name exists: " + ", ".join(twins)
                    + ". The adapter will not use it, because table names are "
                    "case-sensitive and must match exactly; check the host name "
                    "(--host-name) and the Application Name.")
    return message


def judge(table: LeaseTable, description: dict[str, Any]) -> TableResult:
    """Status for one described table: drift beats not-active beats ok."""
    problem = spec.key_schema_problem(description, kcl.hash_key(table.role))
    if problem:
        return TableResult(table, DRIFT,
                           f"{table.table_name} in {table.region}: {problem}. KCL cannot use "
                           f"it; rename or remove it by hand, then run `lease-tables create`.")
    status = description.get("TableStatus")
    if status != ACTIVE:
        return TableResult(table, NOT_ACTIVE,
                           f"{table.table_name} in {table.region} is {status}, not ACTIVE. "
                           f"Wait and verify again (a new table takes seconds to a minute).")
    notes = spec.capacity_differences(description,
                                      kcl.table_options(table, spec.TableOptions()))
    message = ("warning: " + "; ".join(notes) + " (works, but not the vendor's default)"
               if notes else "")
    return TableResult(table, OK, message)
