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

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from lease_tables.aws import failures
from lease_tables.aws.clients import Clients
from lease_tables.config.naming import LeaseTable, twins_phrase
from lease_tables.core.engine import DONE, Engine
from lease_tables.model import kcl, spec
from lease_tables.model.outcome import FAILED, QUEUED, Progress, TableResult
from lease_tables.provision import plan
from lease_tables.provision.limits import behind_limit


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
                 add_index: bool = False, version: str = kcl.DEFAULT_VERSION) -> None:
        self.clients = clients
        # layout: KCL version (a lease table's index, a companion's key); add_index:
        # --add-index (UpdateTable adds a missing index); version: the --kcl given.
        self.goal = partial(plan.Goal, options=options, layout=layout, add_index=add_index,
                            version=version)
        self.progress = progress or Progress()
        self.engine: Engine[plan.TableRun] = Engine(self._look, self._poll,
                                                    concurrency=concurrency)
        self._tables: list[plan.TableRun] = []

    def stop(self) -> None:
        self.engine.stop()

    # ------------------------------------------------------------------ public

    def run(self, tables: Sequence[LeaseTable], wait: bool, timeout: float,
            deadline: float | None = None) -> list[TableResult]:
        """Every table ensured (and waited for), by `deadline` (a `clock()` value;
        default `timeout` from now): the CLI passes the one its --timeout counts to."""
        self._tables = [plan.TableRun(self.goal(table)) for table in tables]
        # ListTables (pages of 100 names, for near-twin hints) runs while the new
        # tables are CREATING, not after: in a big account it is seconds of paging.
        self.engine.run(self._tables, wait, timeout, deadline=deadline,
                        after_starts=self._hint_twins)
        if wait and not self.engine.stopping:
            for t in self._tables:
                if t.step is not None and t.step.kind != DONE:
                    self._report(t, plan.Step(DONE, FAILED, self._unfinished(t, timeout), t.done))
        return [self._result(t, wait) for t in self._tables]

    def snapshot(self, timeout: float, interrupted_by: str | None = None) -> list[TableResult]:
        """Where every table stood when the run was cut short: by --timeout, or by
        the signal `interrupted_by` names ("Ctrl+C", "SIGTERM")."""
        return [self._result(t, waited=True)
                if t.step is not None and t.step.kind == DONE and not t.queued
                else TableResult(t.table, FAILED, self._unfinished(t, timeout, interrupted_by))
                for t in self._tables]

    def interrupt_summary(self) -> str:
        """What Ctrl+C left behind, truthfully: only what this run asked of AWS."""
        def names(chosen: Callable[[plan.TableRun], bool]) -> list[str]:
            return sorted(t.table.table_name for t in self._tables if chosen(t))

        accepted = [f"{call} had been accepted for {len(which)} table(s) ({', '.join(which)})"
                    for call, which in (
                        ("CreateTable", names(lambda t: t.done.created)),
                        (f"UpdateTable adding the index {spec.LEASE_OWNER_INDEX}",
                         names(lambda t: t.done.index_sent))) if which]
        if accepted:
            return "; ".join(accepted) + "; AWS finishes them on its own"
        pending = names(lambda t: t.step is not None and t.step.waiting)  # none was sent
        if pending:
            return (f"{len(pending)} table(s) were found still CREATING, or with their "
                    f"index not ACTIVE yet ({', '.join(pending)}); AWS finishes them on "
                    f"its own")
        return "this run had created no table"

    # ------------------------------------------------------------------ steps

    def _client(self, table: LeaseTable) -> Any:
        return self.clients.dynamodb(table.region or "")

    def _explain(self, t: plan.TableRun, exc: BaseException, call: str) -> str:
        return failures.explain(exc, t.table.table_name, call,
                                self.clients.endpoint_for(t.table.region or ""), t.table.region)

    def _report(self, t: plan.TableRun, step: plan.Step) -> plan.Step:
        """The plan's step, made known: the run's record of what was done, the display."""
        t.done, t.queued, t.step = step.done, False, step
        self.progress.on_status(t.table, step.status, step.message)
        return step

    def _poll(self, t: plan.TableRun) -> plan.Step:
        """One more look at a waiting table (may send the --add-index UpdateTable)."""
        assert t.step is not None  # only a table that started waits
        return t.step if self.engine.stopping else self._look(t, t.step)

    def _look(self, t: plan.TableRun, last: plan.Step | None = None) -> plan.Step:
        """Describe, then send what the plan asks for (CreateTable, the --add-index
        UpdateTable) until it says WAIT or DONE. A poll's DescribeTable that fails (`last`:
        the table waits) keeps it waiting, its error kept for the words of a run cut short,
        unless the endpoint is not DynamoDB: asking again will not make it so."""
        try:
            answer = self._describe(t.table)
        except Exception as exc:
            if last is None:
                return self._failed(t, exc)
            t.last_error = self._explain(t, exc, "DescribeTable")
            if not isinstance(exc, failures.NotDynamoDBAnswer):
                return last
            return self._report(t, plan.Step(DONE, FAILED, t.last_error, t.done))
        try:
            step = plan.next_step(t.goal, answer, t.done)
            if step.kind == plan.CREATE:
                t.call = "CreateTable"
                step = plan.next_step(t.goal, self._create(t, step.request), t.done)
            if step.kind == plan.ADD_INDEX:
                t.done = step.done
                step = plan.index_step(t.goal, self._add_index(t, step.request), t.done)
            return self._report(t, step)
        except Exception as exc:  # every failure becomes a per-table result
            return self._failed(t, exc)

    def _failed(self, t: plan.TableRun, exc: Exception) -> plan.Step:
        return self._report(t, plan.Step(DONE, FAILED, self._explain(t, exc, t.call), t.done))

    def _describe(self, table: LeaseTable) -> dict[str, Any] | None:
        """The table's description, or None when it does not exist."""
        try:
            response = self._client(table).describe_table(TableName=table.table_name)
        except Exception as exc:
            if failures.error_code(exc) == failures.NOT_FOUND_CODE:
                return None
            raise
        return failures.answer_part(response, "Table", "DescribeTable")

    def _behind_limit(self, t: plan.TableRun, send: Callable[[], dict[str, Any]],
                      waiting: str) -> dict[str, Any]:
        """`send()`, queued behind the limits on operations in flight (`limits`); the row
        says `queued` while it waits."""
        def queued() -> None:
            t.queued = True
            self.progress.on_status(t.table, QUEUED, waiting)

        return behind_limit(self.engine, send, (failures.IN_USE_CODE,), queued)

    def _create(self, t: plan.TableRun, request: dict[str, Any]) -> dict[str, Any]:
        """CreateTable, queued behind the operations-in-flight limit."""
        def send() -> dict[str, Any]:
            try:
                response = self._client(t.table).create_table(**request)
            except Exception as exc:
                if failures.error_code(exc) != failures.IN_USE_CODE:
                    raise
                # Made since we looked: by someone else (another run, KCL), or by this
                # run's own first attempt whose answer was lost (`in_use_note`).
                t.done = t.done.note(in_use_note(exc))
                t.call = "DescribeTable"
                return self._describe(t.table) or {"TableStatus": spec.CREATING,
                                                   "KeySchema": request["KeySchema"],
                                                   "AttributeDefinitions":
                                                       request["AttributeDefinitions"]}
            t.done = replace(t.done, created=True)
            return failures.answer_part(response, "TableDescription", "CreateTable")

        return self._behind_limit(t, send, "account limit on table operations in flight; "
                                           "waiting")

    def _add_index(self, t: plan.TableRun, request: dict[str, Any]) -> dict[str, Any]:
        """UpdateTable adding only the index, queued behind the limits on operations in
        flight (the account's, and DynamoDB's one index build per table)."""
        t.call = "UpdateTable"

        def send() -> dict[str, Any]:
            try:
                response = self._client(t.table).update_table(**request)
            except Exception as exc:
                if failures.error_code(exc) != failures.IN_USE_CODE:
                    raise
                # The table is busy (UPDATING): perhaps another run or KCL adding it.
                t.call = "DescribeTable"
                found = self._describe(t.table)
                t.call = "UpdateTable"
                if found is None or spec.find_index(found) is None:
                    raise
                t.done = t.done.note("another process added the index at the same time")
                return found
            t.done = replace(t.done.note(plan.index_added_note(request)), index_sent=True)
            t.call = "DescribeTable"
            return failures.answer_part(response, "TableDescription", "UpdateTable")

        return self._behind_limit(t, send, "another table or index operation in flight; "
                                           "waiting")

    def _unfinished(self, t: plan.TableRun, timeout: float,
                    interrupted_by: str | None = None) -> str:
        return plan.unfinished_message(t, self.clients.endpoint_for(t.table.region or ""),
                                       timeout, interrupted_by)

    def _hint_twins(self) -> None:
        """Warn when a table we just created has a near twin: maybe the real one.

        Every region's listing starts at once and each is bounded by the hint budget
        (`aws.HINT_BUDGET`); one that fails or hangs leaves a note, never a status.
        """
        created = [t for t in self._tables if t.done.created]
        listings = {region: self.clients.start_table_names(region)
                    for region in dict.fromkeys(t.table.region or "" for t in created)}
        for t in created:
            if self.engine.stopping:
                return
            names = listings[t.table.region or ""].result()
            if names.note:
                t.hints.append(names.note)
            twins = kcl.near_twins(t.table, names.names)
            if twins:
                warning = (f"{twins_phrase(twins)} ({'; '.join(kcl.twin_reasons(t.table, twins))}"
                           f"); check which one the adapter really uses")
                t.hints.append(warning)
                t.hint_warnings.append(warning)

    def _result(self, t: plan.TableRun, waited: bool) -> TableResult:
        if t.step is None:  # stopped before its first look
            return TableResult(t.table, FAILED, self._unfinished(t, 0.0))
        return plan.result(t.goal, t.step, waited, tuple(t.hints), tuple(t.hint_warnings))


def in_use_note(exc: BaseException) -> str:
    """Who made a table CreateTable found already there, as far as is known: someone else
    (another run, KCL) when this was the only attempt; when an earlier attempt had no
    answer, possibly this run itself, and nothing more can be said."""
    if failures.was_retried(exc):
        return ("the table exists now; this run's CreateTable had no answer on a first "
                "attempt and may have made it (its retry found it there)")
    return "another process created it at the same time"
