"""Check that every expected lease table exists, is usable and has KCL's key.

Read-only: DescribeTable per table, and ListTables once per region only when a
table is missing, to name a near twin (`VERINTRIS` vs `verintris`), which is
what usually went wrong.

KCL 3 layouts: a lease table's index LeaseOwnerToLeaseKeyIndex must be there,
with KCL's keys, and ACTIVE (KCL 3 waits at start until it is); missing or with
other keys is drift, CREATING or UPDATING is not-active, another projection than
KEYS_ONLY a warning (KCL reads only the keys). Companion tables (3.0-3.4) are
checked like lease tables, with their own key. For 3.5+, DescribeTable of the two
companion names: one existing is a warning on the lease table (`T-CoordinatorState`
puts KCL 3.5 in its legacy multi-table mode; `T-WorkerMetricStats` alone is a
leftover), the status stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lease_tables.aws.bounded import Board
from lease_tables.aws.clients import Clients, TableNames
from lease_tables.aws.failures import NOT_FOUND_CODE, answer_part, error_code, explain
from lease_tables.config.naming import LeaseTable, twins_phrase
from lease_tables.model import kcl, spec
from lease_tables.model.outcome import DRIFT, FAILED, MISSING, NOT_ACTIVE, OK, TableResult


def require_credentials(clients: Clients) -> None:
    """Fail once, in verify's words, when there are no usable credentials at all: verify
    needs an identity that may describe the tables, and it changes nothing either way."""
    clients.check_credentials(
        who="an identity that may describe the lease tables (the provisioner's, as "
            "`lease-tables policy --role provisioner` prints it)",
        nothing="Nothing was checked.")


def verify_tables(clients: Clients, tables: Sequence[LeaseTable], *, concurrency: int,
                  options: spec.TableOptions, board: Board[LeaseTable], layout: kcl.Layout,
                  version: str) -> list[TableResult]:
    """One result per table; `board` sees each as it is known."""
    verifier = _Verifier(clients, options, layout, version)

    def check(item: tuple[int, LeaseTable]) -> TableResult:
        index, table = item
        if board.stopped.is_set():
            return TableResult(table, FAILED, "not checked: the run was stopped")
        try:
            result = verifier.check(table, known=lambda r: board.record(index, r))
        except Exception as exc:  # a bug of ours still becomes one table's failure
            result = TableResult(table, FAILED, verifier.explain(exc, table, "verify"))
        return board.record(index, result)

    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="lease-tables-verify") as pool:
        return list(pool.map(check, enumerate(tables)))


@dataclass(frozen=True)
class _Verifier:
    """What every table of one `verify` run is checked against, and the AWS it asks."""

    clients: Clients
    options: spec.TableOptions
    layout: kcl.Layout
    version: str

    def explain(self, exc: BaseException, table: LeaseTable, call: str,
                name: str | None = None) -> str:
        return explain(exc, name or table.table_name, call,
                       self.clients.endpoint_for(table.region or ""), table.region)

    def check(self, table: LeaseTable, known: Callable[[TableResult], object]) -> TableResult:
        """One table's result. `known` sees a missing table's result before its near-twin
        hint is looked for, so a run cut short while the hint is pending still says what
        DescribeTable answered."""
        region = table.region or ""
        try:
            response = self.clients.dynamodb(region).describe_table(TableName=table.table_name)
            description = answer_part(response, "Table", "DescribeTable")
        except Exception as exc:
            if error_code(exc) != NOT_FOUND_CODE:
                return TableResult(table, FAILED, self.explain(exc, table, "DescribeTable"))
            listing = self.clients.start_table_names(region)
            known(TableResult(table, MISSING, self.missing_message(table, TableNames())))
            result = TableResult(table, MISSING, self.missing_message(table, listing.result()))
        else:
            result = self.judge(table, description)
        if table.role == kcl.ROLE_LEASE and self.layout.absent_companions:
            result = with_warnings(result, self.absent_companion_warnings(table))
        return result

    def absent_companion_warnings(self, table: LeaseTable) -> list[str]:
        """KCL 3.5+ looks up the old companion names at start and should not find them."""
        warnings, found, unchecked = [], [], []
        for companion in self.layout.absent_companions:
            name = companion.name(table.table_name)
            try:
                self.clients.dynamodb(table.region or "").describe_table(TableName=name)
            except Exception as exc:
                if error_code(exc) != NOT_FOUND_CODE:
                    unchecked.append(name)
                    warnings.append(f"could not check that {name} does not exist: "
                                    + self.explain(exc, table, "DescribeTable", name))
            else:
                found.append(name)
        return [*kcl.found_companion_warnings(table, found, self.layout, self.version,
                                              unchecked), *warnings]

    def missing_message(self, table: LeaseTable, existing: TableNames) -> str:
        twins = kcl.near_twins(table, existing.names)
        option = "" if self.version == kcl.DEFAULT_VERSION else f" --kcl {self.version}"
        message = (f"{table.table_name} does not exist in {table.region}. Run "
                   f"`lease-tables create{option}` with the same options to create it.")
        if twins:
            phrase = twins_phrase(twins)
            message += (f" {phrase[0].upper()}{phrase[1:]}. The adapter "
                        f"will not use {'it' if len(twins) == 1 else 'them'}: "
                        f"{'; '.join(kcl.twin_reasons(table, twins))}. Check the host name "
                        f"(--host-name) and the Application Name.")
        if existing.note:
            message += f" Note: {existing.note}."
        return message

    def judge(self, table: LeaseTable, description: spec.Answer) -> TableResult:
        """Status for one described table: drift, then unusable states, then (KCL 3 lease
        tables) its index, then ok."""
        where, version = f"{table.table_name} in {table.region}", self.version
        problem = spec.key_schema_problem(description, kcl.hash_key(table.role))
        if problem:
            return TableResult(table, DRIFT, spec.drift_message(where, problem, checked_only=True))
        status = description.get("TableStatus")
        unusable = spec.state_problem(where, status)
        if unusable:
            return TableResult(table, FAILED, unusable)
        if spec.is_pending(status):
            return TableResult(table, NOT_ACTIVE,
                               f"{where} is {status}, not ACTIVE yet. Wait and verify again (a "
                               f"new table takes seconds to a minute).")
        warnings: list[str] = []
        if table.role == kcl.ROLE_LEASE and self.layout.index:
            if spec.find_index(description) is None:
                return TableResult(table, DRIFT, spec.missing_index_message(
                    where, version, checked_only=True))
            problem = spec.index_problem(description)
            if problem:
                return TableResult(table, DRIFT, spec.index_drift_message(
                    where, problem, version, checked_only=True))
            status = spec.index_status(description)
            unusable = spec.index_state_problem(where, status, version)
            if unusable:
                return TableResult(table, FAILED, unusable)
            if spec.index_is_pending(status):
                return TableResult(table, NOT_ACTIVE, (
                    f"{where}: its index {spec.LEASE_OWNER_INDEX} is {status}, not ACTIVE yet; "
                    f"KCL {version} accepts the index only when it is ACTIVE and waits at start "
                    f"until then. Wait and verify again (on a table with many items this takes "
                    f"minutes; `lease-tables create --kcl {version}` waits for it)."))
            note = spec.index_projection_note(description, version)
            warnings.extend([note] if note else [])
        notes = spec.capacity_differences(description, kcl.table_options(table, self.options))
        message = ("warning: " + "; ".join(notes) + " (works, but not what `create` with these "
                   "options makes; pass --billing-mode/--read-capacity/--write-capacity as "
                   "given to create)" if notes else "")
        return with_warnings(TableResult(table, OK, message), warnings)


def with_warnings(result: TableResult, warnings: Sequence[str]) -> TableResult:
    """The result with warnings appended to its message (its status unchanged)."""
    if not warnings:
        return result
    text = "; ".join(f"warning: {w}" for w in warnings)
    message = f"{result.message}; {text}" if result.message else text
    return TableResult(result.table, result.status, message,
                       (*result.warnings, *warnings))
