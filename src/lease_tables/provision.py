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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lease_tables import kcl, spec
from lease_tables.aws import Clients
from lease_tables.engine import LIMIT_BACKOFF_MAX, LIMIT_BUDGET, jittered, wait_loop
from lease_tables.failures import (
    IN_USE_CODE,
    LIMIT_CODE,
    NOT_FOUND_CODE,
    NotDynamoDBAnswer,
    answer_part,
    error_code,
    error_message,
    explain,
    limit_is_quota,
)
from lease_tables.naming import LeaseTable, twins_phrase
from lease_tables.outcome import (
    CREATED,
    DRIFT,
    EXISTS,
    FAILED,
    QUEUED,
    UPDATED,
    Progress,
    TableResult,
)

# What a pending table is waiting for.
WAIT_TABLE = "table"  # the table to turn ACTIVE (this run created it, or found it CREATING)
WAIT_INDEX = "index"  # its index to turn ACTIVE (this run added it, or found it CREATING)
WAIT_TABLE_THEN_INDEX = "table, then index"  # --add-index on a table not ACTIVE yet

# How `_index_step` left a lease table's index.
_SETTLED, _WAIT, _FINAL = "settled", "wait", "final"


@dataclass
class _Queue:
    """One table's wait behind a limit on table or index operations in flight."""

    deadline: float
    until: float | None = None
    backoff: float = 1.0


@dataclass
class _State:
    table: LeaseTable
    status: str = ""
    message: str = ""
    created: bool = False  # this run's CreateTable was accepted
    pending: bool = False  # CREATING: waiting for ACTIVE
    waiting_for: str = WAIT_TABLE  # while pending: the table, or its index
    index_status: str = ""  # the index's IndexStatus when last seen not ACTIVE
    index_sent: bool = False  # this run's UpdateTable adding the index was accepted
    noted: bool = False  # capacity differences already noted
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
                 clock: Callable[[], float] = time.monotonic,
                 add_index: bool = False, version: str = kcl.DEFAULT_VERSION) -> None:
        self.clients = clients
        self.options = options
        self.layout = layout  # KCL version: a lease table's index, a companion's key
        self.add_index = add_index  # --add-index: UpdateTable adds a missing index
        self.version = version  # the --kcl given, for the commands messages name
        self._deadline = float("inf")
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

    def run(self, tables: Sequence[LeaseTable], wait: bool, timeout: float,
            deadline: float | None = None) -> list[TableResult]:
        """Every table ensured (and waited for), by `deadline` (a `clock()` value;
        default `timeout` from now): the CLI passes the one its --timeout counts to."""
        deadline = self._deadline = self.clock() + timeout if deadline is None else deadline
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

    def snapshot(self, timeout: float, interrupted_by: str | None = None) -> list[TableResult]:
        """Where every table stood when the run was cut short: by --timeout, or by
        the signal `interrupted_by` names ("Ctrl+C", "SIGTERM")."""
        results = []
        for state in self._states:
            if state.status and not state.pending and state.status != QUEUED:
                results.append(self._result(state, waited=True))
                continue
            results.append(TableResult(state.table, FAILED,
                                       self._unfinished(state, timeout, interrupted_by)))
        return results

    def interrupt_summary(self) -> str:
        """What Ctrl+C left behind, truthfully: only what this run asked of AWS."""
        requested = sorted(s.table.table_name for s in self._states if s.created)
        indexed = sorted(s.table.table_name for s in self._states if s.index_sent)
        pending = sorted(s.table.table_name for s in self._states
                         if s.pending and not s.created and not s.index_sent)
        done = []
        if requested:
            done.append(f"CreateTable had been accepted for {len(requested)} table(s) "
                        f"({', '.join(requested)})")
        if indexed:
            done.append(f"UpdateTable adding the index {spec.LEASE_OWNER_INDEX} had been "
                        f"accepted for {len(indexed)} table(s) ({', '.join(indexed)})")
        if done:
            return "; ".join(done) + "; AWS finishes them on its own"
        if pending:
            return (f"{len(pending)} table(s) were found still CREATING, or with their "
                    f"index not ACTIVE yet ({', '.join(pending)}); AWS finishes them on "
                    f"its own")
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
        queue = _Queue(deadline)
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
                # A table quota does not clear by waiting: it fails now, named.
                if (code != LIMIT_CODE or limit_is_quota(error_message(exc))
                        or not self._queue(state, queue, "account limit on table operations "
                                                         "in flight; waiting")):
                    raise

    def _queue(self, state: _State, queue: _Queue, note: str) -> bool:
        """Wait once behind a limit on operations in flight, backing off; False when the
        budget (about a minute, never past --timeout) is spent or the run is stopping."""
        now = self.clock()
        if queue.until is None:
            queue.until = min(now + LIMIT_BUDGET, queue.deadline)
        if now >= queue.until or self._stop.is_set():
            return False
        self._set(state, QUEUED, note)
        pause = min(queue.backoff, LIMIT_BACKOFF_MAX, max(queue.until - now, 0))
        self.sleep(jittered(pause))
        queue.backoff *= 2
        return True

    def _classify(self, state: _State, description: dict[str, Any]) -> None:
        """A described table's status: drift, unusable, its index (KCL 3), then fine.

        Called when the table is first seen and again by the wait loop; sets
        `pending` while the table or its index is still on its way.
        """
        table = state.table
        where = f"{table.table_name} in {table.region}"
        problem = spec.key_schema_problem(description, kcl.hash_key(table.role))
        status = description.get("TableStatus")
        if problem and not state.created:
            self._final(state, DRIFT, spec.drift_message(where, problem))
            return
        unusable = spec.state_problem(where, status)
        if unusable:
            self._final(state, FAILED, unusable)
            return
        if not state.created and not state.noted:
            state.noted = True
            state.notes.extend(spec.capacity_differences(
                description, kcl.table_options(table, self.options)))
        step = _SETTLED
        if self._checks_index(state):
            step = self._index_step(state, description)
            if step == _FINAL:
                return
        elif spec.is_pending(status):
            step, state.waiting_for = _WAIT, WAIT_TABLE
        verdict = CREATED if state.created else UPDATED if state.index_sent else EXISTS
        if step == _WAIT:
            if not state.pending:
                state.pending, state.since = True, self.clock()
            self._set(state, verdict, "creating")
        else:
            state.pending = False
            self._set(state, verdict)

    def _final(self, state: _State, status: str, message: str) -> None:
        state.pending = False
        self._set(state, status, message)

    def _checks_index(self, state: _State) -> bool:
        """An existing lease table of a KCL 3 layout: its index is checked (a table this
        run created got the index in its CreateTable)."""
        return (state.table.role == kcl.ROLE_LEASE and self.layout.index
                and not state.created)

    def _index_step(self, state: _State, description: dict[str, Any]) -> str:
        """Check, add (--add-index) or wait for the index of an existing lease table.

        Never a second UpdateTable: an index of that name in any state counts as
        there (KCL does the same), and this run sends at most one.
        """
        table = state.table
        where = f"{table.table_name} in {table.region}"
        status = description.get("TableStatus")
        if spec.find_index(description) is None:
            if state.index_sent:  # accepted; DescribeTable has not caught up yet
                state.waiting_for = WAIT_INDEX
                return _WAIT
            if not self.add_index:
                self._final(state, DRIFT, spec.missing_index_message(where, self.version))
                return _FINAL
            if status != spec.ACTIVE:  # UpdateTable is refused until the table is ACTIVE
                state.waiting_for = WAIT_TABLE_THEN_INDEX
                return _WAIT
            description = self._add_index(state, description)
            if spec.find_index(description) is None:
                state.waiting_for = WAIT_INDEX
                return _WAIT
        problem = spec.index_problem(description)
        if problem:
            self._final(state, DRIFT, spec.index_drift_message(where, problem, self.version))
            return _FINAL
        note = spec.index_projection_note(description, self.version)
        if note and note not in state.warnings:
            state.notes.append(f"warning: {note}")
            state.warnings.append(note)
        index_status = spec.index_status(description)
        unusable = spec.index_state_problem(where, index_status, self.version)
        if unusable:
            self._final(state, FAILED, unusable)
            return _FINAL
        if spec.index_is_pending(index_status):
            state.waiting_for, state.index_status = WAIT_INDEX, index_status or ""
            return _WAIT
        if spec.is_pending(status):
            state.waiting_for = WAIT_TABLE
            return _WAIT
        return _SETTLED

    def _add_index(self, state: _State, description: dict[str, Any]) -> dict[str, Any]:
        """UpdateTable adding only the index; queues on the limits on operations in flight
        (the account's, and DynamoDB's one index build per table) for about a minute."""
        table = state.table
        request = spec.add_index_request(table.table_name, description, self.options)
        create = request["GlobalSecondaryIndexUpdates"][0]["Create"]
        throughput = create.get("ProvisionedThroughput")
        capacity = (f"{throughput['ReadCapacityUnits']} RCU / "
                    f"{throughput['WriteCapacityUnits']} WCU, the table's own"
                    if throughput else "on-demand, as the table")
        queue = _Queue(self._deadline)
        state.step = "UpdateTable"
        while True:
            try:
                response = self._client(table).update_table(**request)
                state.index_sent = True
                state.step = "DescribeTable"
                state.notes.append(f"index {spec.LEASE_OWNER_INDEX} added ({capacity}); "
                                   f"nothing else was changed")
                return answer_part(response, "TableDescription", "UpdateTable")
            except Exception as exc:
                code = error_code(exc)
                if code == IN_USE_CODE:
                    # The table is busy (UPDATING): perhaps another run or KCL adding it.
                    state.step = "DescribeTable"
                    found = self._describe(table)
                    state.step = "UpdateTable"
                    if found is not None and spec.find_index(found) is not None:
                        state.notes.append("another process added the index at the same time")
                        return found
                elif code != LIMIT_CODE or limit_is_quota(error_message(exc)):
                    raise
                if not self._queue(state, queue, "another table or index operation in "
                                                 "flight; waiting"):
                    raise

    def _wait_active(self, pending: list[_State], deadline: float, timeout: float,
                     pool: ThreadPoolExecutor) -> None:
        """One loop for all pending tables (the engine's), on one `PollPlan`."""
        def look(number: int) -> tuple[bool, bool]:
            done = self._poll(pending[number])
            return done, pending[number].status != FAILED

        left = wait_loop([s.since for s in pending], look, deadline, pool, clock=self.clock,
                         sleep=self.sleep, stopped=self._stop.is_set)
        if self._stop.is_set():
            return
        for number in left:
            state = pending[number]
            self._set(state, FAILED, self._unfinished(state, timeout))
            state.pending = False

    def _unfinished(self, state: _State, timeout: float,
                    interrupted_by: str | None = None) -> str:
        """A table the run could not finish within --timeout (or before a signal
        stopped it), in true words."""
        if interrupted_by is None:
            after, within = f"after {timeout:g} s (--timeout)", f"within {timeout:g} s (--timeout)"
        else:
            after = f"when {interrupted_by} interrupted the run"
            within = f"before {interrupted_by} interrupted the run"
        where = f"{state.table.table_name} in {state.table.region}"
        last = f" Last error: {state.last_error}" if state.last_error else ""
        index = spec.LEASE_OWNER_INDEX
        again = f"`lease-tables create --kcl {self.version} --add-index`"
        if state.pending and state.index_sent:
            return (f"{where}: its index {index} was not ACTIVE {after}.{last} "
                    f"This run's UpdateTable was accepted and AWS goes on "
                    f"building it (minutes on a table with many items); rerun {again} to "
                    f"wait for it (it will not be added twice).")
        if state.pending and state.waiting_for == WAIT_INDEX:
            return (f"{where}: its index {index} was still {state.index_status or 'CREATING'} "
                    f"{after}, and KCL {self.version} uses it only once it is ACTIVE; this run "
                    f"did not add it.{last} Rerun `lease-tables create --kcl {self.version}` to "
                    f"wait for it.")
        if state.pending and state.waiting_for == WAIT_TABLE_THEN_INDEX:
            return (f"{where} was not ACTIVE {after}, so its index "
                    f"{index} could not be added yet.{last} Rerun {again} once it is ACTIVE.")
        if state.status == QUEUED and state.step == "UpdateTable":
            return (f"{where}: adding its index {index} was still queued behind another "
                    f"table or index operation {after}; the index "
                    f"was not added. Rerun {again} when it is done.")
        if state.pending and state.created:
            return (f"{where} was not ACTIVE {after}.{last} This run's "
                    f"CreateTable was accepted and AWS goes on creating it; rerun "
                    f"`lease-tables create` to wait for it (it will not be created twice).")
        if state.pending:
            return (f"{where} was still CREATING {after}; this run "
                    f"did not create it.{last} Rerun `lease-tables create` to wait for it.")
        if state.status == QUEUED:
            return (f"{where} was still queued behind the account's limit on table "
                    f"operations in flight {after}; it was not "
                    f"created. Rerun `lease-tables create` when other table operations "
                    f"in the account are done.")
        if state.step == "UpdateTable":
            return (f"UpdateTable adding the index {index} to {where} at "
                    f"{self._endpoint(state.table)} did not complete {within}: "
                    f"no answer, or its retries still under way (DynamoDB "
                    f"refuses a new index while another table or index operation is in "
                    f"flight); the index is not known to have been added.{last} Rerun {again}; "
                    f"it is safe to rerun (an index already there is never added twice).")
        return (f"{state.step} of {where} at {self._endpoint(state.table)} did not complete "
                f"{within}: no answer, or its retries still under "
                f"way; nothing is known to have been created. Check the network path to the "
                f"endpoint (proxy, firewall) and rerun; it is safe to rerun.")

    def _poll(self, state: _State) -> bool:
        """One look at a pending table; True when it needs no more looks."""
        if self._stop.is_set():
            return False
        try:
            description = self._describe(state.table)
        except Exception as exc:
            state.last_error = explain(exc, state.table.table_name, "DescribeTable",
                                       self._endpoint(state.table), state.table.region)
            if isinstance(exc, NotDynamoDBAnswer):  # asking again will not make it DynamoDB
                self._final(state, FAILED, state.last_error)
                return True
            return False
        table = state.table
        if description is None:
            self._final(state, FAILED,
                        f"{table.table_name} in {table.region} disappeared while this run "
                        f"waited for it (deleted by someone else?). Rerun to create it again.")
            return True
        if spec.is_pending(description.get("TableStatus")):
            return False
        try:
            self._classify(state, description)  # may send the --add-index UpdateTable
        except Exception as exc:
            self._final(state, FAILED, explain(exc, table.table_name, state.step,
                                               self._endpoint(table), table.region))
        return not state.pending

    def _hint_twins(self, created: Iterable[_State]) -> None:
        """Warn when a table we just created has a near twin: maybe the real one.

        Every region's listing starts at once and each is bounded by the hint budget
        (`aws.HINT_BUDGET`); one that fails or hangs leaves a note, never a status.
        """
        created = list(created)
        listings = {region: self.clients.start_table_names(region)
                    for region in dict.fromkeys(s.table.region or "" for s in created)}
        for state in created:
            if self._stop.is_set():
                return
            names = listings[state.table.region or ""].result()
            if names.note:
                state.notes.append(names.note)
            twins = kcl.near_twins(state.table, names.names)
            if twins:
                warning = (f"{twins_phrase(twins)}; check which one the adapter really "
                           f"uses")
                state.notes.append(warning)
                state.warnings.append(warning)

    def _result(self, state: _State, waited: bool) -> TableResult:
        message = state.message
        table = state.table
        if state.pending and not waited and state.waiting_for == WAIT_TABLE_THEN_INDEX:
            where = f"{table.table_name} in {table.region}"
            return TableResult(table, DRIFT, (
                f"{where} is not ACTIVE yet and has no index {spec.LEASE_OWNER_INDEX}, "
                f"which KCL {self.version} needs; with --no-wait it could not be added yet. "
                f"Rerun `lease-tables create --kcl {self.version} --add-index` once the table "
                f"is ACTIVE."), tuple(state.warnings))
        if state.status in (CREATED, EXISTS, UPDATED):
            notes = list(state.notes)
            if state.pending and not waited:
                notes.insert(0, f"index {spec.LEASE_OWNER_INDEX} still "
                                f"{state.index_status or 'CREATING'} (--no-wait)"
                             if state.waiting_for == WAIT_INDEX
                             else "still CREATING (--no-wait)")
            message = "; ".join(notes)
        return TableResult(table, state.status, message, tuple(state.warnings))
