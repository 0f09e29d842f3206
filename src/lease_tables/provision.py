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
from lease_tables.aws import Clients, error_code, explain
from lease_tables.naming import LeaseTable, near_twins
from lease_tables.outcome import CREATED, DRIFT, EXISTS, FAILED, TableResult
from lease_tables.polling import PollPlan

ACTIVE = "ACTIVE"
CREATING = "CREATING"
DELETING = "DELETING"

LIMIT_BACKOFF_MAX = 15.0


@dataclass
class Progress:
    """Hooks a display may attach to; the default does nothing."""

    on_status: Callable[[LeaseTable, str, str], None] = lambda table, status, note: None


@dataclass
class _State:
    table: LeaseTable
    status: str = ""
    message: str = ""
    created: bool = False
    pending: bool = False
    since: float = 0.0  # clock time it was created, or found CREATING
    last_error: str = ""
    notes: list[str] = field(default_factory=list)


class Interrupted(KeyboardInterrupt):
    """Ctrl+C during a run, carrying what had already been asked of AWS.

    The operator needs to know which creations are under way (they finish in
    AWS on their own) and that rerunning is safe; the CLI says exactly that.
    """

    def __init__(self, requested: list[str], pending: list[str]) -> None:
        super().__init__()
        self.requested = requested
        self.pending = pending

    def summary(self) -> str:
        if self.requested:
            names = ", ".join(self.requested)
            return (f"CreateTable had been requested for {len(self.requested)} table(s) "
                    f"({names}); AWS finishes creating them on its own")
        if self.pending:
            return f"{len(self.pending)} table(s) were still CREATING ({', '.join(self.pending)})"
        return "no table had been created yet"


class Provisioner:
    """One `create` run over many tables, all proceeding at once.

    A bounded pool keeps requests in flight to `concurrency`; one loop polls
    every pending table for ACTIVE with a short, capped back-off, instead of a
    waiter per table, so hundreds of CREATING tables cost one round of
    DescribeTable calls per interval.
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

    def sleep(self, seconds: float) -> None:
        """Sleep that an interrupt cuts short, so Ctrl+C never waits on a back-off."""
        self._stop.wait(max(seconds, 0))

    # ------------------------------------------------------------------ public

    def run(self, tables: Sequence[LeaseTable], wait: bool, timeout: float) -> list[TableResult]:
        deadline = self.clock() + timeout
        states = [_State(t) for t in tables]
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="lease-tables")
        try:
            list(pool.map(lambda s: self._ensure(s, deadline), states))
            # ListTables (pages of 100 names, for near-twin hints) runs while the new
            # tables are CREATING, not after: in a big account it is seconds of paging.
            hints = pool.submit(self._hint_twins, [s for s in states if s.created])
            if wait:
                self._wait_active([s for s in states if s.pending], deadline, timeout, pool)
            hints.result()
        except KeyboardInterrupt:
            self._stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise Interrupted(
                requested=sorted(s.table.table_name for s in states if s.created),
                pending=sorted(s.table.table_name for s in states if s.pending),
            ) from None
        pool.shutdown(wait=True)
        return [self._result(s, wait) for s in states]

    # ------------------------------------------------------------------ steps

    def _client(self, table: LeaseTable) -> Any:
        assert table.region is not None
        return self.clients.dynamodb(table.region)

    def _endpoint(self, table: LeaseTable) -> str:
        return self.clients.endpoint_for(table.region or "")

    def _set(self, state: _State, status: str, message: str = "") -> None:
        state.status, state.message = status, message
        self.progress.on_status(state.table, status, message)

    def _ensure(self, state: _State, deadline: float) -> None:
        table = state.table
        action = "DescribeTable"  # the call a failure message names
        try:
            description = self._describe(table)
            if description is None:
                action = "CreateTable"
                description = self._create(state, deadline)
            self._classify(state, description)
        except Exception as exc:  # every failure becomes a per-table result
            self._set(state, FAILED, explain(exc, table.table_name, action, self._endpoint(table)))

    def _describe(self, table: LeaseTable) -> dict[str, Any] | None:
        """The table's description, or None when it does not exist."""
        try:
            return self._client(table).describe_table(TableName=table.table_name)["Table"]
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise

    def _create(self, state: _State, deadline: float) -> dict[str, Any]:
        """CreateTable, queueing politely on LimitExceededException until the deadline."""
        table = state.table
        request = kcl.create_table_request(table, self.options, self.layout)
        backoff = 1.0
        while True:
            try:
                response = self._client(table).create_table(**request)
                state.created = True
                return response["TableDescription"]
            except Exception as exc:
                code = error_code(exc)
                if code == "ResourceInUseException":
                    # Created by someone else (another run, KCL) since we looked.
                    state.notes.append("another process created it at the same time")
                    return self._describe(table) or {"TableStatus": CREATING,
                                                     "KeySchema": request["KeySchema"],
                                                     "AttributeDefinitions":
                                                         request["AttributeDefinitions"]}
                if code == "LimitExceededException" and self.clock() < deadline:
                    self.progress.on_status(table, "queued",
                                            "account table-operation limit; waiting")
                    pause = min(backoff, LIMIT_BACKOFF_MAX, max(deadline - self.clock(), 0))
                    self.sleep(pause * (0.5 + random.random() / 2))
                    backoff *= 2
                    continue
                raise

    def _classify(self, state: _State, description: dict[str, Any]) -> None:
        table = state.table
        problem = spec.key_schema_problem(description, kcl.hash_key(table.role))
        status = description.get("TableStatus", "")
        if problem and not state.created:
            self._set(state, DRIFT,
                      f"{table.table_name} exists in {table.region} but {problem}. It was "
                      f"left untouched. KCL cannot use it: rename or remove it by hand "
                      f"(after checking nothing else uses it), then rerun.")
            return
        if status == DELETING:
            self._set(state, FAILED,
                      f"{table.table_name} in {table.region} is being deleted. Rerun "
                      f"`lease-tables create` once it is gone; it will be created afresh.")
            return
        if not state.created:
            state.notes.extend(spec.capacity_differences(
                description, kcl.table_options(table, self.options)))
        if status == ACTIVE:
            self._set(state, CREATED if state.created else EXISTS)
        else:
            state.pending, state.since = True, self.clock()
            self._set(state, CREATED if state.created else EXISTS, f"{status.lower()}")

    def _wait_active(self, pending: list[_State], deadline: float, timeout: float,
                     pool: ThreadPoolExecutor) -> None:
        """One loop for all pending tables; `PollPlan` says which to ask, and when."""
        plan = PollPlan()
        for number, state in enumerate(pending):
            plan.add(number, state.since)
        while plan:
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
        for number in plan:
            state = pending[number]  # type: ignore[index]
            last = f" Last error: {state.last_error}" if state.last_error else ""
            self._set(state, FAILED,
                      f"{state.table.table_name} in {state.table.region} was not ACTIVE "
                      f"after {timeout:g} s (--timeout).{last} Its creation was requested "
                      f"and goes on; rerun `lease-tables create` to wait for it (it will "
                      f"not be created twice).")

    def _poll(self, state: _State) -> bool:
        try:
            description = self._describe(state.table)
        except Exception as exc:
            state.last_error = explain(exc, state.table.table_name, "DescribeTable",
                                       self._endpoint(state.table))
            return False
        if description is None:
            self._set(state, FAILED,
                      f"{state.table.table_name} in {state.table.region} disappeared while "
                      f"being created (deleted by someone else?). Rerun to create it again.")
            return True
        status = description.get("TableStatus")
        if status == ACTIVE:
            state.pending = False
            self._set(state, state.status)
            return True
        if status == DELETING:
            self._classify(state, description)
            return True
        return False

    def _hint_twins(self, created: Iterable[_State]) -> None:
        """Warn when a table we just created has a near twin: maybe the real one."""
        for state in created:
            twins = near_twins(state.table, self.clients.table_names(state.table.region or ""))
            if twins:
                state.notes.append(
                    "a table with a near-identical name exists: " + ", ".join(twins)
                    + "; check which one the adapter really uses"
                )

    def _result(self, state: _State, waited: bool) -> TableResult:
        message = state.message
        if state.status in (CREATED, EXISTS):
            notes = list(state.notes)
            if state.pending and not waited:
                notes.insert(0, "still CREATING (--no-wait)")
            message = "; ".join(notes)
        return TableResult(state.table, state.status, message)
