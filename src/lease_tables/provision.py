"""Create lease tables idempotently, the way KCL's createTableIfNotExists does.

Describe first; create only when absent; `ResourceInUseException` means someone
else created it; `LimitExceededException` is a queue, not a failure; then wait
for ACTIVE. Nothing that exists is ever changed: a table with another key is
reported as drift and left exactly as it is. A rerun therefore always converges.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lease_tables import kcl, spec
from lease_tables.aws import Clients
from lease_tables.failures import (
    IN_USE_CODE,
    LIMIT_CODE,
    NOT_FOUND_CODE,
    answer_part,
    error_code,
    error_message,
    explain,
    limit_is_quota,
)
from lease_tables.naming import LeaseTable, near_twins, twins_phrase
from lease_tables.outcome import CREATED, DRIFT, EXISTS, FAILED, QUEUED, Progress, TableResult
from lease_tables.polling import PollPlan

LIMIT_BACKOFF_MAX = 15.0
# How long one table may queue behind the account's limit on table operations in
# flight before it fails naming that limit (about a minute, and never past --timeout).
LIMIT_BUDGET = 60.0


@dataclass
class _State:
    table: LeaseTable
    status: str = ""
    message: str = ""
    created: bool = False  # this run's CreateTable was accepted
    pending: bool = False  # CREATING: waiting for ACTIVE
    since: float = 0.0  # clock time it was created, or found CREATING
    last_error: str = ""
    step: str = "DescribeTable"  # the call under way, for a message if it never ends
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Provisioner:
    """One `create` run over many tables, all proceeding at once.

    A bounded pool keeps requests in flight to `concurrency`; one loop polls
    every pending table for ACTIVE with a short, capped back-off, instead of a
    waiter per table, so hundreds of CREATING tables cost one round of
    DescribeTable calls per interval. `stop()` (Ctrl+C, --timeout) ends every
    loop and back-off at once; `snapshot()` says where each table stood.
    """

    def __init__(self, clients: Clients, options: spec.TableOptions, *,
                 layout: kcl.Layout = kcl.DEFAULT_LAYOUT,
                 concurrency: int = 10, progress: Progress | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clients = clients
        self.options = options
        self.layout = layout  # KCL version: a lease table's index, a companion's key
        self.concurrency = max(1, concurrency)
        self.progress = progress or Progress()
        self.clock = clock
        self._stop = threading.Event()
        self._states: list[_State] = []

    def sleep(self, seconds: float) -> None:
        """Sleep that stop() cuts short, so Ctrl+C never waits on a back-off."""
        self._stop.wait(max(seconds, 0))

    def stop(self) -> None:
        self._stop.set()

    # ------------------------------------------------------------------ public

    def run(self, tables: Sequence[LeaseTable], wait: bool, timeout: float) -> list[TableResult]:
        deadline = self.clock() + timeout
        states = self._states = [_State(t) for t in tables]
        with ThreadPoolExecutor(max_workers=self.concurrency,
                                thread_name_prefix="lease-tables") as pool:
            list(pool.map(lambda s: self._ensure(s, deadline), states))
            # ListTables (pages of 100 names, for near-twin hints) runs while the new
            # tables are CREATING, not after: in a big account it is seconds of paging.
            hints = pool.submit(self._hint_twins, [s for s in states if s.created])
            if wait:
                self._wait_active([s for s in states if s.pending], deadline, timeout, pool)
            hints.result()
        return [self._result(s, wait) for s in states]

    def snapshot(self, timeout: float) -> list[TableResult]:
        """Where every table stood when the run was cut short by --timeout."""
        results = []
        for state in self._states:
            if state.status and not state.pending and state.status != QUEUED:
                results.append(self._result(state, waited=True))
                continue
            results.append(TableResult(state.table, FAILED, self._unfinished(state, timeout)))
        return results

    def interrupt_summary(self) -> str:
        """What Ctrl+C left behind, truthfully: only what this run asked of AWS."""
        requested = sorted(s.table.table_name for s in self._states if s.created)
        pending = sorted(s.table.table_name for s in self._states
                         if s.pending and not s.created)
        if requested:
            return (f"CreateTable had been accepted for {len(requested)} table(s) "
                    f"({', '.join(requested)}); AWS finishes creating them on its own")
        if pending:
            return (f"{len(pending)} table(s) were found still CREATING "
                    f"({', '.join(pending)}); AWS finishes them on its own")
        return "this run had created no table"

    # ------------------------------------------------------------------ steps

    def _client(self, table: LeaseTable) -> Any:
        return self.clients.dynamodb(table.region or "")

    def _endpoint(self, table: LeaseTable) -> str:
        return self.clients.endpoint_for(table.region or "")

    def _set(self, state: _State, status: str, message: str = "") -> None:
        state.status, state.message = status, message
        self.progress.on_status(state.table, status, message)

    def _ensure(self, state: _State, deadline: float) -> None:
        table = state.table
        if self._stop.is_set():
            return
        try:
            description = self._describe(table)
            if description is None:
                state.step = "CreateTable"
                description = self._create(state, deadline)
            self._classify(state, description)
        except Exception as exc:  # every failure becomes a per-table result
            self._set(state, FAILED, explain(exc, table.table_name, state.step,
                                             self._endpoint(table), table.region))

    def _describe(self, table: LeaseTable) -> dict[str, Any] | None:
        """The table's description, or None when it does not exist."""
        try:
            response = self._client(table).describe_table(TableName=table.table_name)
        except Exception as exc:
            if error_code(exc) == NOT_FOUND_CODE:
                return None
            raise
        return answer_part(response, "Table", "DescribeTable")

    def _create(self, state: _State, deadline: float) -> dict[str, Any]:
        """CreateTable, queueing on the operations-in-flight limit for about a minute."""
        table = state.table
        request = kcl.create_table_request(table, self.options, self.layout)
        backoff = 1.0
        queued_until: float | None = None
        while True:
            try:
                response = self._client(table).create_table(**request)
                state.created = True
                return answer_part(response, "TableDescription", "CreateTable")
            except Exception as exc:
                code = error_code(exc)
                if code == IN_USE_CODE:
                    # Created by someone else (another run, KCL) since we looked.
                    state.notes.append("another process created it at the same time")
                    state.step = "DescribeTable"
                    return self._describe(table) or {"TableStatus": spec.CREATING,
                                                     "KeySchema": request["KeySchema"],
                                                     "AttributeDefinitions":
                                                         request["AttributeDefinitions"]}
                if code != LIMIT_CODE or limit_is_quota(error_message(exc)):
                    raise  # a table quota does not clear by waiting: say so now
                now = self.clock()
                queued_until = queued_until or min(now + LIMIT_BUDGET, deadline)
                if now >= queued_until or self._stop.is_set():
                    raise
                self._set(state, QUEUED, "account limit on table operations in flight; "
                                         "waiting")
                pause = min(backoff, LIMIT_BACKOFF_MAX, max(queued_until - now, 0))
                self.sleep(pause * (0.5 + random.random() / 2))
                backoff *= 2

    def _classify(self, state: _State, description: dict[str, Any]) -> None:
        table = state.table
        where = f"{table.table_name} in {table.region}"
        problem = spec.key_schema_problem(description, kcl.hash_key(table.role))
        status = description.get("TableStatus")
        if problem and not state.created:
            self._set(state, DRIFT, spec.drift_message(where, problem))
            return
        unusable = spec.state_problem(where, status)
        if unusable:
            self._set(state, FAILED, unusable)
            return
        if not state.created:
            state.notes.extend(spec.capacity_differences(
                description, kcl.table_options(table, self.options)))
        verdict = CREATED if state.created else EXISTS
        if spec.is_pending(status):
            state.pending, state.since = True, self.clock()
            self._set(state, verdict, "creating")
        else:
            self._set(state, verdict)

    def _wait_active(self, pending: list[_State], deadline: float, timeout: float,
                     pool: ThreadPoolExecutor) -> None:
        """One loop for all pending tables; `PollPlan` says which to ask, and when."""
        plan = PollPlan()
        for number, state in enumerate(pending):
            plan.add(number, state.since)
        while plan and not self._stop.is_set():
            now = self.clock()
            if now >= deadline:
                break
            batch = plan.due(now)
            if not batch:
                wake = plan.wake_at(now) or now
                self.sleep(max(0.0, min(wake, deadline) - now))
                continue
            for number, done in zip(batch, pool.map(self._poll, [pending[n] for n in batch]),
                                    strict=True):
                if done:
                    plan.finished(number, now, active=pending[number].status != FAILED)
                else:
                    plan.creating(number, now)
        if self._stop.is_set():
            return
        for number in plan:
            state = pending[number]  # type: ignore[index]
            self._set(state, FAILED, self._unfinished(state, timeout))
            state.pending = False

    def _unfinished(self, state: _State, timeout: float) -> str:
        """A table the run could not finish within --timeout, in true words."""
        where = f"{state.table.table_name} in {state.table.region}"
        last = f" Last error: {state.last_error}" if state.last_error else ""
        if state.pending and state.created:
            return (f"{where} was not ACTIVE after {timeout:g} s (--timeout).{last} This run's "
                    f"CreateTable was accepted and AWS goes on creating it; rerun "
                    f"`lease-tables create` to wait for it (it will not be created twice).")
        if state.pending:
            return (f"{where} was still CREATING after {timeout:g} s (--timeout); this run "
                    f"did not create it.{last} Rerun `lease-tables create` to wait for it.")
        if state.status == QUEUED:
            return (f"{where} was still queued behind the account's limit on table "
                    f"operations in flight after {timeout:g} s (--timeout); it was not "
                    f"created. Rerun `lease-tables create` when other table operations "
                    f"in the account are done.")
        return (f"{state.step} of {where} at {self._endpoint(state.table)} did not complete "
                f"within {timeout:g} s (--timeout): no answer, or its retries still under "
                f"way; nothing is known to have been created. Check the network path to the "
                f"endpoint (proxy, firewall) and rerun; it is safe to rerun.")

    def _poll(self, state: _State) -> bool:
        if self._stop.is_set():
            return False
        try:
            description = self._describe(state.table)
        except Exception as exc:
            state.last_error = explain(exc, state.table.table_name, "DescribeTable",
                                       self._endpoint(state.table), state.table.region)
            return False
        table = state.table
        if description is None:
            state.pending = False
            self._set(state, FAILED,
                      f"{table.table_name} in {table.region} disappeared while being "
                      f"created (deleted by someone else?). Rerun to create it again.")
            return True
        status = description.get("TableStatus")
        if spec.is_usable(status):
            state.pending = False
            self._set(state, state.status)
            return True
        if spec.is_pending(status):
            return False
        state.pending = False
        self._classify(state, description)  # a state no wait will fix: failed now
        return True

    def _hint_twins(self, created: Iterable[_State]) -> None:
        """Warn when a table we just created has a near twin: maybe the real one."""
        for state in created:
            if self._stop.is_set():
                return
            twins = near_twins(state.table, self.clients.table_names(state.table.region or ""))
            if twins:
                warning = (f"{twins_phrase(twins)}; check which one the adapter really "
                           f"uses")
                state.notes.append(warning)
                state.warnings.append(warning)

    def _result(self, state: _State, waited: bool) -> TableResult:
        message = state.message
        if state.status in (CREATED, EXISTS):
            notes = list(state.notes)
            if state.pending and not waited:
                notes.insert(0, "still CREATING (--no-wait)")
            message = "; ".join(notes)
        return TableResult(state.table, state.status, message, tuple(state.warnings))
