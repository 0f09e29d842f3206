"""One lease table, as KCL's createTableIfNotExists would make it: the pure decision.

`next_step(goal, answer, done)` says, from the latest DescribeTable answer about a
table (None when DynamoDB said ResourceNotFound; CreateTable's or UpdateTable's
`TableDescription` right after those calls) and what this run has done for it,
what comes next: CREATE (send `step.request`), ADD_INDEX (`--add-index`: send
`step.request`, an UpdateTable adding only KCL 3's index, then hand its answer to
`index_step`), WAIT (ask again later) or DONE (the row's status and message).
No AWS and no clock, so every table state, drift case and index case is tested
with plain dicts; the engine (`engine.py`) runs it for every table at once and
`tables.py` makes the calls, queueing behind limits on operations in flight.

The rules it holds: nothing that exists is ever changed. A table with another key
is drift, left as it is; one in a state that waiting will not fix (DELETING,
ARCHIVED, INACCESSIBLE_ENCRYPTION_CREDENTIALS, ...) fails, named; CREATING is
waited for. Under a KCL 3 layout an existing lease table's index is checked: absent
is drift unless `--add-index` (then one UpdateTable, once the table is ACTIVE, never
a second), other keys are drift, another projection a warning, CREATING or UPDATING
waited for (KCL 3 uses it only ACTIVE), DELETING or unknown a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lease_tables.aws.failures import limit_is_quota
from lease_tables.config.naming import LeaseTable
from lease_tables.core.engine import DONE, LIMIT_BACKOFF_MAX, LIMIT_BUDGET, WAIT
from lease_tables.model import kcl, outcome, spec

# What comes next for one table, besides the engine's WAIT and DONE.
CREATE = "create"  # CreateTable: `step.request`
ADD_INDEX = "add-index"  # UpdateTable adding only the index: `step.request`

# What a waiting table is waiting for.
WAIT_TABLE = "table"  # the table to turn ACTIVE (this run created it, or found it CREATING)
WAIT_INDEX = "index"  # its index to turn ACTIVE (this run added it, or found it CREATING)
WAIT_TABLE_THEN_INDEX = "table, then index"  # --add-index on a table not ACTIVE yet


@dataclass(frozen=True)
class Goal:
    """One table to exist as KCL needs it, and how this run was asked to make it."""

    table: LeaseTable
    options: spec.TableOptions = field(default_factory=spec.TableOptions)
    layout: kcl.Layout = kcl.DEFAULT_LAYOUT  # the KCL version: a lease table's index
    add_index: bool = False  # --add-index: UpdateTable adds a missing index
    version: str = kcl.DEFAULT_VERSION  # the --kcl given, for the commands messages name

    @property
    def where(self) -> str:
        return f"{self.table.table_name} in {self.table.region}"


@dataclass(frozen=True)
class Done:
    """What this run has done for one table, and what it has already said about it."""

    created: bool = False  # this run's CreateTable was accepted
    index_sent: bool = False  # this run's UpdateTable adding the index was accepted
    waiting_for: str = ""  # what the run waits for since its last look ("" before any wait)
    index_status: str = ""  # the index's IndexStatus when last seen on its way
    noted: bool = False  # capacity differences already noted
    notes: tuple[str, ...] = ()  # the row's notes, in the order they were learned
    warnings: tuple[str, ...] = ()  # the warnings among them

    def note(self, text: str) -> Done:
        return replace(self, notes=(*self.notes, text))


@dataclass(frozen=True)
class Step:
    """What comes next; for WAIT and DONE the row's status and message so far."""

    kind: str
    status: str = ""
    message: str = ""
    done: Done = field(default_factory=Done)  # what the run has done, with what this answer taught
    request: Any = None  # CREATE, ADD_INDEX: the request to send

    @property
    def waiting(self) -> bool:
        return self.kind == WAIT


def verdict(done: Done) -> str:
    """The status of a table that is, or will be, usable."""
    return (outcome.CREATED if done.created
            else outcome.UPDATED if done.index_sent else outcome.EXISTS)


def next_step(goal: Goal, answer: Any, done: Done) -> Step:
    """From the latest answer about a table (see the module docstring), what comes next."""
    if answer is None:
        if done.created:
            # DynamoDB is eventually consistent: right after this run's own CreateTable,
            # DescribeTable may say ResourceNotFound for a while. Not caught up yet, not
            # deleted: waited for like CREATING, within the run's bound.
            return _wait(done, done.waiting_for or WAIT_TABLE)
        if done.waiting_for:
            return _final(done, outcome.FAILED, (
                f"{goal.where} disappeared while this run waited for it (deleted by someone "
                f"else?). Rerun to create it again."))
        return Step(CREATE, done=done,
                    request=kcl.create_table_request(goal.table, goal.options, goal.layout))
    status = answer.get("TableStatus")
    if done.waiting_for and spec.is_pending(status):
        return Step(WAIT, verdict(done), outcome.CREATING_NOTE, done)  # nothing new to learn yet
    problem = spec.key_schema_problem(answer, kcl.hash_key(goal.table.role))
    if problem and not done.created:
        return _final(done, outcome.DRIFT, spec.drift_message(goal.where, problem))
    unusable = spec.state_problem(goal.where, status)
    if unusable:
        return _final(done, outcome.FAILED, unusable)
    if not done.created and not done.noted:
        done = replace(done, noted=True, notes=(*done.notes, *spec.capacity_differences(
            answer, kcl.table_options(goal.table, goal.options))))
    if checks_index(goal, done):
        return index_step(goal, answer, done)
    if spec.is_pending(status):
        return _wait(done, WAIT_TABLE)
    return _final(done, verdict(done), "")


def checks_index(goal: Goal, done: Done) -> bool:
    """An existing lease table of a KCL 3 layout: its index is checked (a table this run
    created got the index in its CreateTable)."""
    return goal.table.role == kcl.ROLE_LEASE and goal.layout.index and not done.created


def index_step(goal: Goal, answer: Any, done: Done) -> Step:
    """Check, add (--add-index) or wait for the index of an existing lease table; also
    what comes next once this run's UpdateTable was accepted (its `TableDescription`,
    `done.index_sent`) or found the index added by someone else.

    Never a second UpdateTable: an index of that name in any state counts as there
    (KCL does the same), and this run sends at most one.
    """
    status = answer.get("TableStatus")
    if spec.find_index(answer) is None:
        if done.index_sent:  # accepted; DescribeTable has not caught up yet
            return _wait(done, WAIT_INDEX)
        if not goal.add_index:
            return _final(done, outcome.DRIFT, spec.missing_index_message(goal.where, goal.version))
        if status != spec.ACTIVE:  # UpdateTable is refused until the table is ACTIVE
            return _wait(done, WAIT_TABLE_THEN_INDEX)
        return Step(ADD_INDEX, done=done, request=spec.add_index_request(
            goal.table.table_name, answer, goal.options))
    problem = spec.index_problem(answer)
    if problem:
        return _final(done, outcome.DRIFT,
                      spec.index_drift_message(goal.where, problem, goal.version))
    note = spec.index_projection_note(answer, goal.version)
    if note and note not in done.warnings:
        done = replace(done, notes=(*done.notes, f"warning: {note}"),
                       warnings=(*done.warnings, note))
    index_status = spec.index_status(answer)
    unusable = spec.index_state_problem(goal.where, index_status, goal.version)
    if unusable:
        return _final(done, outcome.FAILED, unusable)
    if spec.index_is_pending(index_status):
        return _wait(replace(done, index_status=str(index_status)), WAIT_INDEX)
    if spec.is_pending(status):
        return _wait(done, WAIT_TABLE)
    return _final(done, verdict(done), "")


def _wait(done: Done, waiting_for: str) -> Step:
    done = replace(done, waiting_for=waiting_for)
    return Step(WAIT, verdict(done), outcome.CREATING_NOTE, done)


def _final(done: Done, status: str, message: str) -> Step:
    return Step(DONE, status, message, replace(done, waiting_for=""))


def index_added_note(request: Any) -> str:
    """The note of an accepted UpdateTable: the capacity the index took, nothing else."""
    throughput = request["GlobalSecondaryIndexUpdates"][0]["Create"].get("ProvisionedThroughput")
    capacity = (f"{throughput['ReadCapacityUnits']} RCU / "
                f"{throughput['WriteCapacityUnits']} WCU, the table's own"
                if throughput else "on-demand, as the table")
    return f"index {spec.LEASE_OWNER_INDEX} added ({capacity}); nothing else was changed"


def result(goal: Goal, step: Step, waited: bool, hints: tuple[str, ...] = (),
           hint_warnings: tuple[str, ...] = ()) -> outcome.TableResult:
    """The row of a table the run has finished with (or left waiting, with --no-wait);
    `hints` are the near-twin notes (a created table's only notes)."""
    done = step.done
    warnings = (*done.warnings, *hint_warnings)
    if step.waiting and not waited and done.waiting_for == WAIT_TABLE_THEN_INDEX:
        return outcome.TableResult(goal.table, outcome.DRIFT, (
            f"{goal.where} is not ACTIVE yet and has no index {spec.LEASE_OWNER_INDEX}, "
            f"which KCL {goal.version} needs; with --no-wait it could not be added yet. "
            f"Rerun `lease-tables create --kcl {goal.version} --add-index` once the table "
            f"is ACTIVE."), warnings)
    if step.status not in (outcome.CREATED, outcome.EXISTS, outcome.UPDATED):
        return outcome.TableResult(goal.table, step.status, step.message, warnings)
    notes = [*done.notes, *hints]
    if step.waiting and not waited:
        notes.insert(0, f"index {spec.LEASE_OWNER_INDEX} still "
                        f"{done.index_status or 'CREATING'} (--no-wait)"
                     if done.waiting_for == WAIT_INDEX else "still CREATING (--no-wait)")
    return outcome.TableResult(goal.table, step.status, "; ".join(notes), warnings)


@dataclass
class TableRun:
    """One table of a `create` run: its goal, the calls made for it (the plan's part is
    its Step), for the rows and for the words of a run cut short."""

    goal: Goal
    call: str = "DescribeTable"  # the call under way, for a message if it never ends
    queued: bool = False  # waiting behind a limit on operations in flight
    last_error: str = ""  # the last poll's error, if any
    done: Done = field(default_factory=Done)  # what the run has done, while a step is made
    step: Step | None = None  # the plan's last step (None: the first look had no answer)
    hints: list[str] = field(default_factory=list)  # near-twin notes
    hint_warnings: list[str] = field(default_factory=list)

    @property
    def table(self) -> LeaseTable:
        return self.goal.table


def unfinished_message(stood: TableRun, endpoint: str, timeout: float,
                       interrupted_by: str | None = None) -> str:
    """A table the run could not finish within --timeout (or before the signal named by
    `interrupted_by` stopped it), in true words; `endpoint` is the one its calls went to."""
    if interrupted_by is None:
        after, within = f"after {timeout:g} s (--timeout)", f"within {timeout:g} s (--timeout)"
    else:
        after = f"when {interrupted_by} interrupted the run"
        within = f"before {interrupted_by} interrupted the run"
    done = stood.step.done if stood.step is not None else Done()
    pending = stood.step is not None and stood.step.waiting
    goal, where = stood.goal, stood.goal.where
    last = f" Last error: {stood.last_error}" if stood.last_error else ""
    index = spec.LEASE_OWNER_INDEX
    again = f"`lease-tables create --kcl {goal.version} --add-index`"
    if pending and done.index_sent:
        return (f"{where}: its index {index} was not ACTIVE {after}.{last} "
                f"This run's UpdateTable was accepted and AWS goes on "
                f"building it (minutes on a table with many items); rerun {again} to "
                f"wait for it (it will not be added twice).")
    if pending and done.waiting_for == WAIT_INDEX:
        return (f"{where}: its index {index} was still {done.index_status or 'CREATING'} "
                f"{after}, and KCL {goal.version} uses it only once it is ACTIVE; this run "
                f"did not add it.{last} Rerun `lease-tables create --kcl {goal.version}` to "
                f"wait for it.")
    if pending and done.waiting_for == WAIT_TABLE_THEN_INDEX:
        return (f"{where} was not ACTIVE {after}, so its index "
                f"{index} could not be added yet.{last} Rerun {again} once it is ACTIVE.")
    if stood.queued and stood.call == "UpdateTable":
        return (f"{where}: adding its index {index} was still queued behind another "
                f"table or index operation {after}; the index "
                f"was not added. Rerun {again} when it is done.")
    if pending and done.created:
        return (f"{where} was not ACTIVE {after}.{last} This run's "
                f"CreateTable was accepted and AWS goes on creating it; rerun "
                f"`lease-tables create` to wait for it (it will not be created twice).")
    if pending:
        return (f"{where} was still CREATING {after}; this run "
                f"did not create it.{last} Rerun `lease-tables create` to wait for it.")
    if stood.queued:
        return (f"{where} was still queued behind the account's limit on table "
                f"operations in flight {after}; it was not "
                f"created. Rerun `lease-tables create` when other table operations "
                f"in the account are done.")
    if stood.call == "UpdateTable":
        return (f"UpdateTable adding the index {index} to {where} at "
                f"{endpoint} did not complete {within}: "
                f"no answer, or its retries still under way (DynamoDB "
                f"refuses a new index while another table or index operation is in "
                f"flight); the index is not known to have been added.{last} Rerun {again}; "
                f"it is safe to rerun (an index already there is never added twice).")
    return (f"{stood.call} of {where} at {endpoint} did not complete "
            f"{within}: no answer, or its retries still under "
            f"way; nothing is known to have been created. Check the network path to the "
            f"endpoint (proxy, firewall) and rerun; it is safe to rerun.")


@dataclass(frozen=True)
class LimitQueue:
    """One call's wait behind a limit on table or index operations in flight: until when
    it may wait (set at the first refusal) and the next pause before jitter."""

    deadline: float  # the run's --timeout, past which no wait goes
    until: float | None = None
    backoff: float = 1.0


def after_limit(message: str | None, queue: LimitQueue, now: float,
                stopping: bool = False) -> tuple[float, LimitQueue] | None:
    """A CreateTable or UpdateTable refused with LimitExceededException (its `message`),
    or an UpdateTable refused because the table is busy (ResourceInUse: `None`): the
    pause before sending it again and the queue after that pause, or None when the call
    must fail now.

    AWS sends LimitExceeded for two things that want opposite answers. A limit on
    operations in flight ("simultaneously") clears as others finish, as a busy table
    does, so it is a queue of about a minute (`LIMIT_BUDGET`, never past --timeout),
    with doubling pauses of at most `LIMIT_BACKOFF_MAX`; the account's table quota never
    clears by waiting, so it fails at once, as does a run that is stopping or has spent
    its budget.
    """
    if (message is not None and limit_is_quota(message)) or stopping:
        return None
    until = min(now + LIMIT_BUDGET, queue.deadline) if queue.until is None else queue.until
    if now >= until:
        return None
    pause = min(queue.backoff, LIMIT_BACKOFF_MAX, until - now)
    return pause, replace(queue, until=until, backoff=queue.backoff * 2)
