"""Create lease tables idempotently, the way KCL's createTableIfNotExists does.

Describe first; create only when absent; `ResourceInUseException` means someone
else created it; `LimitExceededException` is a queue, not a failure; then wait
for ACTIVE. Nothing that exists is ever changed: a table with another key is
reported as drift and left exactly as it is. A rerun therefore always converges.

The one exception, asked for by name: `--add-index` adds KCL 3's index
(`LeaseOwnerToLeaseKeyIndex`) to an existing lease table that lacks it, with one
UpdateTable, as KCL 3 itself would (it cannot once UpdateTable is denied to it).
An index of that name in any state is never added again; one with other keys is
drift, one with another projection a warning (KCL reads only its keys). Without
`--add-index`, a lease table lacking the index is drift, untouched. KCL 3 accepts
the index only when it is ACTIVE, so an index CREATING or UPDATING is waited for
like a CREATING table: the same shared polling plan, `stop()` and `snapshot()`.

What is decided is `table_plan.next_step` (pure, tested with plain DescribeTable
answers); the pool, the polling plan, stop and snapshot are the engine's
(`engine.py`, which stream consumers use too). Here: the DynamoDB calls the plan
asks for, the queue behind limits on operations in flight, the near-twin hints,
and the rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lease_tables.aws.clients import Clients
from lease_tables.aws.failures import (
    IN_USE_CODE,
    LIMIT_CODE,
    NOT_FOUND_CODE,
    NotDynamoDBAnswer,
    answer_part,
    error_code,
    error_message,
    explain,
    was_retried,
)
from lease_tables.config.naming import LeaseTable, twins_phrase
from lease_tables.core.engine import DONE, Engine
from lease_tables.model import kcl, spec
from lease_tables.model.outcome import FAILED, QUEUED, Progress, TableResult
from lease_tables.provision.limits import behind_limit
from lease_tables.provision.plan import (
    ADD_INDEX,
    CREATE,
    Done,
    Goal,
    Step,
    Unfinished,
    after_index,
    index_added_note,
    next_step,
    result,
    unfinished_message,
)


@dataclass
class _Calls:
    """One table's calls, for the words of a run cut short (the plan's part is its Step)."""

    call: str = "DescribeTable"  # the call under way, for a message if it never ends
    queued: bool = False  # waiting behind a limit on operations in flight
    last_error: str = ""
    done: Done = field(default_factory=Done)  # what the run has done, while a step is made
    step: Step | None = None  # the plan's last step, as the engine holds it
    hints: list[str] = field(default_factory=list)  # near-twin notes
    hint_warnings: list[str] = field(default_factory=list)


class Provisioner:
    """One `create` run over many tables, all proceeding at once, on the engine.

    A bounded pool keeps requests in flight to `concurrency`; one loop polls
    every pending table for ACTIVE on the shared polling plan, instead of a
    waiter per table, so hundreds of CREATING tables cost one round of
    DescribeTable calls per interval. `stop()` (Ctrl+C, --timeout) ends every
    loop and back-off at once; `snapshot()` says where each table stood.
    """

    def __init__(self, clients: Clients, options: spec.TableOptions, *,
                 layout: kcl.Layout = kcl.DEFAULT_LAYOUT,
                 concurrency: int = 10, progress: Progress | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 add_index: bool = False, version: str = kcl.DEFAULT_VERSION) -> None:
        self.clients = clients
        self.options = options
        self.layout = layout  # KCL version: a lease table's index, a companion's key
        self.add_index = add_index  # --add-index: UpdateTable adds a missing index
        self.version = version  # the --kcl given, for the commands messages name
        self._deadline = float("inf")
        self.progress = progress or Progress()
        self.engine: Engine[int] = Engine(self._start, self._poll, concurrency=concurrency,
                                          clock=clock)
        self._goals: list[Goal] = []
        self._calls: list[_Calls] = []

    @property
    def concurrency(self) -> int:
        return self.engine.concurrency

    @property
    def clock(self) -> Callable[[], float]:
        return self.engine.clock

    def sleep(self, seconds: float) -> None:
        """Sleep that stop() cuts short, so Ctrl+C never waits on a back-off."""
        self.engine.sleep(seconds)

    def stop(self) -> None:
        self.engine.stop()

    # ------------------------------------------------------------------ public

    def run(self, tables: Sequence[LeaseTable], wait: bool, timeout: float,
            deadline: float | None = None) -> list[TableResult]:
        """Every table ensured (and waited for), by `deadline` (a `clock()` value;
        default `timeout` from now): the CLI passes the one its --timeout counts to."""
        deadline = self._deadline = self.clock() + timeout if deadline is None else deadline
        self._goals = [Goal(t, self.options, self.layout, self.add_index, self.version)
                       for t in tables]
        self._calls = [_Calls() for _ in tables]
        # ListTables (pages of 100 names, for near-twin hints) runs while the new
        # tables are CREATING, not after: in a big account it is seconds of paging.
        tracks = self.engine.run(range(len(tables)), wait, timeout, deadline=deadline,
                                 after_starts=self._hint_twins)
        if wait and not self.engine.stopping:
            for track in tracks:
                if track.step is not None and track.step.kind != DONE:
                    message = self._unfinished(track.item, timeout)
                    track.step = self._report(track.item, Step(
                        DONE, FAILED, message, self._calls[track.item].done))
        return [self._result(number, step, wait)
                for number, step in enumerate(self._steps())]

    def snapshot(self, timeout: float, interrupted_by: str | None = None) -> list[TableResult]:
        """Where every table stood when the run was cut short: by --timeout, or by
        the signal `interrupted_by` names ("Ctrl+C", "SIGTERM")."""
        results = []
        for number, step in enumerate(self._steps()):
            if step is not None and step.kind == DONE and not self._calls[number].queued:
                results.append(self._result(number, step, waited=True))
                continue
            results.append(TableResult(self._goals[number].table, FAILED,
                                       self._unfinished(number, timeout, interrupted_by)))
        return results

    def interrupt_summary(self) -> str:
        """What Ctrl+C left behind, truthfully: only what this run asked of AWS."""
        names = [(g.table.table_name, self._calls[n].done) for n, g in enumerate(self._goals)]
        steps = self._steps()
        requested = sorted(name for name, done in names if done.created)
        indexed = sorted(name for name, done in names if done.index_sent)
        pending = sorted(name for (name, done), step in zip(names, steps, strict=True)
                         if step is not None and step.waiting
                         and not done.created and not done.index_sent)
        done_words = []
        if requested:
            done_words.append(f"CreateTable had been accepted for {len(requested)} table(s) "
                              f"({', '.join(requested)})")
        if indexed:
            done_words.append(f"UpdateTable adding the index {spec.LEASE_OWNER_INDEX} had "
                              f"been accepted for {len(indexed)} table(s) "
                              f"({', '.join(indexed)})")
        if done_words:
            return "; ".join(done_words) + "; AWS finishes them on its own"
        if pending:
            return (f"{len(pending)} table(s) were found still CREATING, or with their "
                    f"index not ACTIVE yet ({', '.join(pending)}); AWS finishes them on "
                    f"its own")
        return "this run had created no table"

    # ------------------------------------------------------------------ steps

    def _steps(self) -> list[Step | None]:
        return [calls.step for calls in self._calls]

    def _client(self, table: LeaseTable) -> Any:
        return self.clients.dynamodb(table.region or "")

    def _endpoint(self, table: LeaseTable) -> str:
        return self.clients.endpoint_for(table.region or "")

    def _report(self, number: int, step: Step) -> Step:
        """The plan's step, made known: the run's record of what was done, the display."""
        calls = self._calls[number]
        calls.done, calls.queued, calls.step = step.done, False, step
        self.progress.on_status(self._goals[number].table, step.status, step.message)
        return step

    def _failed(self, number: int, exc: BaseException) -> Step:
        table, calls = self._goals[number].table, self._calls[number]
        return self._report(number, Step(DONE, FAILED, explain(
            exc, table.table_name, calls.call, self._endpoint(table), table.region),
            calls.done))

    def _start(self, number: int) -> Step:
        """Describe; create when absent; add the index when asked and absent."""
        goal, calls = self._goals[number], self._calls[number]
        try:
            step = next_step(goal, self._describe(goal.table), calls.done)
            if step.kind == CREATE:
                calls.call = "CreateTable"
                step = next_step(goal, self._create(number, step.request), calls.done)
            return self._settle(number, step)
        except Exception as exc:  # every failure becomes a per-table result
            return self._failed(number, exc)

    def _poll(self, number: int) -> Step:
        """One more look at a waiting table (may send the --add-index UpdateTable)."""
        goal, calls = self._goals[number], self._calls[number]
        last = calls.step
        assert last is not None  # only a table that started waits
        if self.engine.stopping:
            return last
        try:
            answer = self._describe(goal.table)
        except Exception as exc:
            calls.last_error = explain(exc, goal.table.table_name, "DescribeTable",
                                       self._endpoint(goal.table), goal.table.region)
            if isinstance(exc, NotDynamoDBAnswer):  # asking again will not make it DynamoDB
                return self._report(number, Step(DONE, FAILED, calls.last_error, calls.done))
            return last
        try:
            return self._settle(number, next_step(goal, answer, calls.done))
        except Exception as exc:
            return self._failed(number, exc)

    def _settle(self, number: int, step: Step) -> Step:
        """A step the engine can hold (WAIT or DONE): ADD_INDEX is sent first."""
        if step.kind == ADD_INDEX:
            self._calls[number].done = step.done
            step = after_index(self._goals[number], self._add_index(number, step.request),
                               self._calls[number].done)
        return self._report(number, step)

    def _describe(self, table: LeaseTable) -> dict[str, Any] | None:
        """The table's description, or None when it does not exist."""
        try:
            response = self._client(table).describe_table(TableName=table.table_name)
        except Exception as exc:
            if error_code(exc) == NOT_FOUND_CODE:
                return None
            raise
        return answer_part(response, "Table", "DescribeTable")

    def _create(self, number: int, request: dict[str, Any]) -> dict[str, Any]:
        """CreateTable, queued behind the operations-in-flight limit (`limits`)."""
        table, calls = self._goals[number].table, self._calls[number]

        def send() -> dict[str, Any]:
            try:
                response = self._client(table).create_table(**request)
            except Exception as exc:
                if error_code(exc) != IN_USE_CODE:
                    raise
                # Made since we looked: by someone else (another run, KCL), or by this
                # run's own first attempt whose answer was lost (`in_use_note`).
                calls.done = calls.done.note(in_use_note(exc))
                calls.call = "DescribeTable"
                return self._describe(table) or {"TableStatus": spec.CREATING,
                                                 "KeySchema": request["KeySchema"],
                                                 "AttributeDefinitions":
                                                     request["AttributeDefinitions"]}
            calls.done = replace(calls.done, created=True)
            return answer_part(response, "TableDescription", "CreateTable")

        return behind_limit(self.engine, send, _limit_words, self._deadline, lambda: self._queued(
            number, "account limit on table operations in flight; waiting"))

    def _queued(self, number: int, note: str) -> None:
        """A table waiting behind a limit on operations in flight, shown as such."""
        self._calls[number].queued = True
        self.progress.on_status(self._goals[number].table, QUEUED, note)

    def _add_index(self, number: int, request: dict[str, Any]) -> dict[str, Any]:
        """UpdateTable adding only the index, queued behind the limits on operations in
        flight (the account's, and DynamoDB's one index build per table)."""
        table, calls = self._goals[number].table, self._calls[number]
        calls.call = "UpdateTable"

        def send() -> dict[str, Any]:
            try:
                response = self._client(table).update_table(**request)
            except Exception as exc:
                if error_code(exc) != IN_USE_CODE:
                    raise
                # The table is busy (UPDATING): perhaps another run or KCL adding it.
                calls.call = "DescribeTable"
                found = self._describe(table)
                calls.call = "UpdateTable"
                if found is None or spec.find_index(found) is None:
                    raise
                calls.done = calls.done.note("another process added the index at the same time")
                return found
            calls.done = replace(calls.done.note(index_added_note(request)), index_sent=True)
            calls.call = "DescribeTable"
            return answer_part(response, "TableDescription", "UpdateTable")

        return behind_limit(self.engine, send, _limit_words, self._deadline, lambda: self._queued(
            number, "another table or index operation in flight; waiting"))

    def _unfinished(self, number: int, timeout: float,
                    interrupted_by: str | None = None) -> str:
        goal, calls = self._goals[number], self._calls[number]
        return unfinished_message(goal, Unfinished(
            calls.step, calls.call, calls.queued, calls.last_error,
            self._endpoint(goal.table)), timeout, interrupted_by)

    def _hint_twins(self) -> None:
        """Warn when a table we just created has a near twin: maybe the real one.

        Every region's listing starts at once and each is bounded by the hint budget
        (`aws.HINT_BUDGET`); one that fails or hangs leaves a note, never a status.
        """
        created = [n for n, calls in enumerate(self._calls) if calls.done.created]
        listings = {region: self.clients.start_table_names(region)
                    for region in dict.fromkeys(self._goals[n].table.region or ""
                                                for n in created)}
        for number in created:
            if self.engine.stopping:
                return
            table, calls = self._goals[number].table, self._calls[number]
            names = listings[table.region or ""].result()
            if names.note:
                calls.hints.append(names.note)
            twins = kcl.near_twins(table, names.names)
            if twins:
                warning = (f"{twins_phrase(twins)} ({'; '.join(kcl.twin_reasons(table, twins))}"
                           f"); check which one the adapter really uses")
                calls.hints.append(warning)
                calls.hint_warnings.append(warning)

    def _result(self, number: int, step: Step | None, waited: bool) -> TableResult:
        goal, calls = self._goals[number], self._calls[number]
        if step is None:  # stopped before its first look
            return TableResult(goal.table, FAILED, self._unfinished(number, 0.0))
        return result(goal, step, waited, tuple(calls.hints), tuple(calls.hint_warnings))


def _limit_words(exc: Exception) -> str | None:
    """What `limits.behind_limit` judges of a refused table operation: a
    LimitExceededException's words, None for a busy table (ResourceInUse: it clears);
    anything else fails the table now."""
    code = error_code(exc)
    if code == IN_USE_CODE:
        return None
    if code != LIMIT_CODE:
        raise exc
    return error_message(exc)


def in_use_note(exc: BaseException) -> str:
    """Who made a table CreateTable found already there, as far as is known: someone else
    (another run, KCL) when this was the only attempt; when an earlier attempt had no
    answer, possibly this run itself, and nothing more can be said."""
    if was_retried(exc):
        return ("the table exists now; this run's CreateTable had no answer on a first "
                "attempt and may have made it (its retry found it there)")
    return "another process created it at the same time"
