"""The per-table plan of `create`, with plain DescribeTable answers (no server, no threads).

Every table state, every drift case and every index case are decided by
`table_plan.next_step` / `index_step`, the limit case (wait or fail) by `after_limit`;
the rows and the words of an unfinished table by `result` / `unfinished_message`. The
end-to-end tests (test_kcl3_aws.py, test_reliability.py, test_edges.py) prove the same
rules against a server.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from inline_snapshot import snapshot

from lease_tables.config.naming import LeaseTable
from lease_tables.core.engine import DONE, LIMIT_BACKOFF_MAX, LIMIT_BUDGET, WAIT
from lease_tables.model import kcl, spec
from lease_tables.model.outcome import CREATED, CREATING_NOTE, DRIFT, EXISTS, FAILED, UPDATED
from lease_tables.provision.plan import (
    ADD_INDEX,
    CREATE,
    WAIT_INDEX,
    WAIT_TABLE,
    WAIT_TABLE_THEN_INDEX,
    Done,
    Goal,
    LimitQueue,
    Step,
    TableRun,
    after_limit,
    checks_index,
    index_added_note,
    index_step,
    next_step,
    result,
    unfinished_message,
    verdict,
)

KCL3 = kcl.layout_for("3.0")
LEASE = LeaseTable("verintConnect", "eu-west-1")
GOAL2 = Goal(LEASE)  # KCL 2: no index
GOAL3 = Goal(LEASE, layout=KCL3, version="3.0")
GOAL3_ADD = replace(GOAL3, add_index=True)
COMPANIONS = [t for t in kcl.expand([LEASE], KCL3) if t.role != kcl.ROLE_LEASE]
WORKER = next(t for t in COMPANIONS if t.role == kcl.ROLE_WORKER_METRICS)
COORDINATOR = next(t for t in COMPANIONS if t.role == kcl.ROLE_COORDINATOR_STATE)
WHERE = "verintConnect in eu-west-1"


def index(status: str = "ACTIVE", projection: str = "KEYS_ONLY",
          keys: tuple[tuple[str, str], ...] = (("leaseOwner", "HASH"),
                                               ("leaseKey", "RANGE"))) -> dict[str, Any]:
    return {"IndexName": spec.LEASE_OWNER_INDEX, "IndexStatus": status,
            "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in keys],
            "Projection": {"ProjectionType": projection}}


def table(status: str = "ACTIVE", key: str = "leaseKey", key_type: str = "S",
          indexes: list[dict[str, Any]] | None = None, read: int = 10, write: int = 10,
          billing: str | None = None, sort_key: bool = False) -> dict[str, Any]:
    """A DescribeTable `Table` as DynamoDB gives it."""
    answer: dict[str, Any] = {
        "TableName": "verintConnect", "TableStatus": status,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": key_type},
                                 {"AttributeName": "leaseOwner", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write},
    }
    if sort_key:
        answer["KeySchema"].append({"AttributeName": "checkpoint", "KeyType": "RANGE"})
    if billing:
        answer["BillingModeSummary"] = {"BillingMode": billing}
    if indexes is not None:
        answer["GlobalSecondaryIndexes"] = indexes
    return answer


def waited(done: Done | None = None, waiting_for: str = WAIT_TABLE) -> Done:
    """Done of a table the run is waiting for (a later look is a poll)."""
    return replace(done or Done(), waiting_for=waiting_for)


# ------------------------------------------------------------------ absent, created

def test_absent_table_is_created_with_kcls_request() -> None:
    step = next_step(GOAL2, None, Done())
    assert step.kind == CREATE
    assert step.request == kcl.create_table_request(LEASE, spec.TableOptions(),
                                                    kcl.DEFAULT_LAYOUT)
    assert step.done == Done()
    assert next_step(GOAL2, None, Done(noted=True)).done == Done(noted=True)


def test_absent_lease_table_of_kcl3_is_created_with_its_index() -> None:
    step = next_step(GOAL3, None, Done())
    assert step.kind == CREATE
    indexes = step.request["GlobalSecondaryIndexes"]
    assert [i["IndexName"] for i in indexes] == [spec.LEASE_OWNER_INDEX]


def test_created_table_waits_then_is_created() -> None:
    done = Done(created=True)
    step = next_step(GOAL3, table("CREATING", indexes=[index("CREATING")]), done)
    assert (step.kind, step.status, step.message) == (WAIT, CREATED, CREATING_NOTE)
    assert step.done.waiting_for == WAIT_TABLE
    again = next_step(GOAL3, table("CREATING"), step.done)  # still CREATING: nothing new
    assert (again.kind, again.status, again.message) == (WAIT, CREATED, CREATING_NOTE)
    assert again.done == step.done
    final = next_step(GOAL3, table(indexes=[index()]), again.done)
    assert (final.kind, final.status, final.message) == (DONE, CREATED, "")
    assert final.done.waiting_for == ""
    assert final.done.notes == ()


def test_created_table_never_gets_capacity_notes_or_an_index_check() -> None:
    """What this run created is what it asked for: no notes, no second UpdateTable."""
    done = Done(created=True)
    step = next_step(GOAL3_ADD, table("ACTIVE", read=1, write=1), done)
    assert (step.kind, step.status) == (DONE, CREATED)
    assert step.done.notes == ()
    assert not checks_index(GOAL3_ADD, done)


def test_a_table_found_creating_then_gone_fails() -> None:
    """A table someone else was creating, gone while this run waited: named, not waited."""
    step = next_step(GOAL2, None, waited(Done()))
    assert (step.kind, step.status) == (DONE, FAILED)
    assert step.message == (f"{WHERE} disappeared while this run waited for it (deleted "
                            f"by someone else?). Rerun to create it again.")
    assert step.done.waiting_for == ""


def test_own_table_not_found_yet_is_waited_for() -> None:
    """DynamoDB is eventually consistent: right after this run's own CreateTable,
    DescribeTable may say ResourceNotFound; that is "not caught up", never "deleted"."""
    for done in (Done(created=True), waited(Done(created=True))):
        step = next_step(GOAL2, None, done)
        assert (step.kind, step.status, step.message) == (WAIT, CREATED, "creating")
        assert step.done.created and step.done.waiting_for


# ------------------------------------------------------------------ table states

@pytest.mark.parametrize("status", ["ACTIVE", "UPDATING"])
def test_usable_states_exist(status: str) -> None:
    step = next_step(GOAL2, table(status), Done())
    assert (step.kind, step.status, step.message) == (DONE, EXISTS, "")
    assert step.done.noted


def test_found_creating_is_waited_for() -> None:
    step = next_step(GOAL2, table("CREATING"), Done())
    assert (step.kind, step.status, step.message) == (WAIT, EXISTS, CREATING_NOTE)
    assert step.done.waiting_for == WAIT_TABLE
    assert step.waiting
    assert next_step(GOAL2, table(), step.done).kind == DONE


@pytest.mark.parametrize("status", [
    "DELETING", "ARCHIVING", "ARCHIVED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS",
    "REPLICATION_NOT_AUTHORIZED", "SOMETHING_NEW", None,
])
def test_states_waiting_will_not_fix_fail_named(status: str | None) -> None:
    answer = table("ACTIVE")
    answer["TableStatus"] = status
    for done in (Done(), Done(created=True), waited()):
        step = next_step(GOAL3_ADD, answer, done)
        assert (step.kind, step.status) == (DONE, FAILED)
        assert step.message == spec.state_problem(WHERE, status)
        assert step.done.waiting_for == ""


# ------------------------------------------------------------------ drift

@pytest.mark.parametrize("answer", [
    table(key="shardId"),  # another key name
    table(key_type="N"),  # another key type
    table(sort_key=True),  # a sort key besides
    {"TableStatus": "ACTIVE"},  # no key at all
])
def test_another_key_is_drift_left_untouched(answer: dict[str, Any]) -> None:
    step = next_step(GOAL3_ADD, answer, Done())
    assert (step.kind, step.status) == (DONE, DRIFT)
    problem = spec.key_schema_problem(answer)
    assert problem
    assert step.message == spec.drift_message(WHERE, problem)
    assert step.done.notes == ()  # drift is decided before any note


def test_drift_is_judged_before_the_state() -> None:
    step = next_step(GOAL2, table("DELETING", key="shardId"), Done())
    assert step.status == DRIFT


def test_our_own_table_is_never_drift() -> None:
    """An answer of ours (CreateTable's) is not checked against itself."""
    step = next_step(GOAL2, table("CREATING", key="shardId"), Done(created=True))
    assert (step.kind, step.status) == (WAIT, CREATED)


def test_a_companion_is_judged_by_its_own_key() -> None:
    worker = Goal(WORKER, layout=KCL3, version="3.0")
    key = kcl.hash_key(WORKER.role)
    assert key != spec.LEASE_KEY
    step = next_step(worker, table(key=key, billing="PAY_PER_REQUEST"), Done())
    assert (step.kind, step.status, step.done.notes) == (DONE, EXISTS, ())
    assert next_step(worker, table(), Done()).status == DRIFT


def test_companions_have_no_index_to_check() -> None:
    coordinator = Goal(COORDINATOR, layout=KCL3, version="3.0", add_index=True)
    assert not checks_index(coordinator, Done())
    step = next_step(coordinator, table(key=kcl.hash_key(COORDINATOR.role),
                                        billing="PAY_PER_REQUEST"), Done())
    assert (step.kind, step.status) == (DONE, EXISTS)


# ------------------------------------------------------------------ capacity notes

def test_capacity_differences_are_noted_once() -> None:
    step = next_step(GOAL2, table("CREATING", read=5, write=7), Done())
    assert step.done.notes == ("capacity is 5 RCU / 7 WCU, expected 10 / 10",)
    assert step.done.noted
    final = next_step(GOAL2, table("ACTIVE", read=5, write=7), step.done)
    assert final.done.notes == step.done.notes  # not a second time
    assert result(GOAL2, final, waited=True).message == snapshot(
        "capacity is 5 RCU / 7 WCU, expected 10 / 10")


def test_billing_difference_is_noted() -> None:
    step = next_step(GOAL2, table(billing="PAY_PER_REQUEST"), Done())
    assert step.done.notes == ("billing mode is PAY_PER_REQUEST, expected PROVISIONED",)


def test_notes_already_learned_are_kept_first() -> None:
    done = Done().note("another process created it at the same time")
    step = next_step(GOAL2, table(read=5), done)
    assert step.done.notes == ("another process created it at the same time",
                               "capacity is 5 RCU / 10 WCU, expected 10 / 10")


def test_companion_capacity_is_judged_as_on_demand() -> None:
    worker = Goal(WORKER, layout=KCL3, version="3.0")
    step = next_step(worker, table(key=kcl.hash_key(WORKER.role)), Done())
    assert step.done.notes == ("billing mode is PROVISIONED, expected PAY_PER_REQUEST",)


# ------------------------------------------------------------------ the index

def test_kcl2_never_looks_at_the_index() -> None:
    assert not checks_index(GOAL2, Done())
    step = next_step(GOAL2, table(), Done())
    assert (step.kind, step.status) == (DONE, EXISTS)


def test_missing_index_without_add_index_is_drift() -> None:
    for answer in (table(), table(indexes=[]),
                   table(indexes=[{"IndexName": "other", "IndexStatus": "ACTIVE"}])):
        step = next_step(GOAL3, answer, Done())
        assert (step.kind, step.status) == (DONE, DRIFT)
        assert step.message == spec.missing_index_message(WHERE, "3.0")


def test_missing_index_with_add_index_is_added_with_the_tables_capacity() -> None:
    answer = table(read=4, write=6)
    step = next_step(GOAL3_ADD, answer, Done())
    assert step.kind == ADD_INDEX
    assert step.request == spec.add_index_request("verintConnect", answer, spec.TableOptions())
    assert step.done.notes == ("capacity is 4 RCU / 6 WCU, expected 10 / 10",)
    assert index_added_note(step.request) == (
        f"index {spec.LEASE_OWNER_INDEX} added (4 RCU / 6 WCU, the table's own); nothing "
        f"else was changed")


def test_index_without_capacity_in_the_answer_takes_the_options() -> None:
    answer = table()
    del answer["ProvisionedThroughput"]
    goal = replace(GOAL3_ADD, options=spec.TableOptions(read_capacity=3, write_capacity=4))
    step = next_step(goal, answer, Done())
    assert step.kind == ADD_INDEX
    assert index_added_note(step.request).startswith(
        f"index {spec.LEASE_OWNER_INDEX} added (3 RCU / 4 WCU, the table's own)")


def test_a_creating_answer_while_waiting_is_judged_once_it_is_not_creating() -> None:
    """While the run waits, an answer still CREATING teaches nothing new: the wait goes
    on as it was (what is waited for included); the answer after it is judged whole."""
    index_wait = waited(Done(index_status="CREATING"), WAIT_INDEX)
    step = next_step(GOAL3, table("CREATING", indexes=[index()]), index_wait)
    assert (step.kind, step.done) == (WAIT, index_wait)
    keyed = next_step(GOAL2, table("CREATING", key="shardId"), waited())
    assert (keyed.kind, keyed.status) == (WAIT, EXISTS)
    assert next_step(GOAL2, table("ACTIVE", key="shardId"), waited()).status == DRIFT


def test_index_added_note_of_an_on_demand_table() -> None:
    request = spec.add_index_request("t", table(billing="PAY_PER_REQUEST"),
                                     spec.TableOptions())
    assert index_added_note(request) == (
        f"index {spec.LEASE_OWNER_INDEX} added (on-demand, as the table); nothing else was "
        f"changed")


@pytest.mark.parametrize("status", ["CREATING", "UPDATING"])
def test_add_index_waits_for_the_table_to_be_active(status: str) -> None:
    step = next_step(GOAL3_ADD, table(status), Done())
    if status == "CREATING":
        assert (step.kind, step.status) == (WAIT, EXISTS)
        assert step.done.waiting_for == WAIT_TABLE_THEN_INDEX
        # still CREATING at the next look: nothing new; ACTIVE: now it is added
        assert next_step(GOAL3_ADD, table(status), step.done).done == step.done
        assert next_step(GOAL3_ADD, table(), step.done).kind == ADD_INDEX
    else:  # UPDATING is usable but refuses UpdateTable: waited for, then added
        assert (step.kind, step.done.waiting_for) == (WAIT, WAIT_TABLE_THEN_INDEX)
        assert next_step(GOAL3_ADD, table(), step.done).kind == ADD_INDEX


def test_index_sent_is_never_sent_again() -> None:
    sent = Done(index_sent=True)
    step = next_step(GOAL3_ADD, table("UPDATING"), sent)  # DescribeTable not caught up
    assert (step.kind, step.status, step.done.waiting_for) == (WAIT, UPDATED, WAIT_INDEX)
    step = next_step(GOAL3_ADD, table(indexes=[index("CREATING")]), step.done)
    assert (step.kind, step.status, step.done.index_status) == (WAIT, UPDATED, "CREATING")
    step = next_step(GOAL3_ADD, table(indexes=[index()]), step.done)
    assert (step.kind, step.status) == (DONE, UPDATED)


def test_after_index_with_the_index_in_the_answer() -> None:
    sent = Done(index_sent=True)
    step = index_step(GOAL3_ADD, table("UPDATING", indexes=[index("CREATING")]), sent)
    assert (step.kind, step.status, step.done.waiting_for, step.done.index_status) == (
        WAIT, UPDATED, WAIT_INDEX, "CREATING")
    step = index_step(GOAL3_ADD, table("UPDATING", indexes=[index()]), sent)
    assert (step.kind, step.status) == (DONE, UPDATED)  # the table was ACTIVE when sent


def test_after_index_without_the_index_in_the_answer_waits_for_it() -> None:
    step = index_step(GOAL3_ADD, table("UPDATING"), Done(index_sent=True))
    assert (step.kind, step.status, step.done.waiting_for) == (WAIT, UPDATED, WAIT_INDEX)


def test_after_index_added_by_someone_else_exists() -> None:
    raced = Done().note("another process added the index at the same time")
    step = index_step(GOAL3_ADD, table(indexes=[index()]), raced)
    assert (step.kind, step.status) == (DONE, EXISTS)
    assert step.done.notes == ("another process added the index at the same time",)


def test_after_index_judges_the_index_it_finds() -> None:
    step = index_step(GOAL3_ADD, table(indexes=[index(keys=(("leaseKey", "HASH"),))]),
                       Done())
    assert step.status == DRIFT


@pytest.mark.parametrize("add", [False, True])
def test_index_active_on_an_active_table_exists(add: bool) -> None:
    step = next_step(replace(GOAL3, add_index=add), table(indexes=[index()]), Done())
    assert (step.kind, step.status, step.message) == (DONE, EXISTS, "")


@pytest.mark.parametrize("status", ["CREATING", "UPDATING"])
def test_index_on_its_way_is_waited_for(status: str) -> None:
    step = next_step(GOAL3, table(indexes=[index(status)]), Done())
    assert (step.kind, step.status, step.message) == (WAIT, EXISTS, CREATING_NOTE)
    assert (step.done.waiting_for, step.done.index_status) == (WAIT_INDEX, status)


def test_index_of_no_state_is_waited_for_never() -> None:
    answer = table(indexes=[index()])
    del answer["GlobalSecondaryIndexes"][0]["IndexStatus"]
    step = next_step(GOAL3, answer, Done())
    assert (step.kind, step.status) == (DONE, FAILED)
    assert step.message == spec.index_state_problem(WHERE, "", "3.0")


def test_index_active_on_a_creating_table_waits_for_the_table() -> None:
    step = next_step(GOAL3, table("CREATING", indexes=[index()]), Done())
    assert (step.kind, step.done.waiting_for, step.done.index_status) == (WAIT, WAIT_TABLE, "")


@pytest.mark.parametrize("status", ["DELETING", "SOMETHING_NEW"])
def test_index_in_a_state_waiting_will_not_fix_fails(status: str) -> None:
    step = next_step(GOAL3_ADD, table(indexes=[index(status)]), Done())
    assert (step.kind, step.status) == (DONE, FAILED)
    assert step.message == spec.index_state_problem(WHERE, status, "3.0")


@pytest.mark.parametrize("keys", [
    (("leaseKey", "HASH"),),
    (("leaseOwner", "HASH"), ("checkpoint", "RANGE")),
    (),
])
def test_index_with_other_keys_is_drift(keys: tuple[tuple[str, str], ...]) -> None:
    answer = table(indexes=[index(keys=keys)])
    step = next_step(GOAL3_ADD, answer, Done())
    assert (step.kind, step.status) == (DONE, DRIFT)
    problem = spec.index_problem(answer)
    assert problem
    assert step.message == spec.index_drift_message(WHERE, problem, "3.0")


def test_index_with_another_projection_is_a_warning_once() -> None:
    answer = table(indexes=[index("CREATING", projection="ALL")])
    note = spec.index_projection_note(answer, "3.0")
    assert note
    step = next_step(GOAL3, answer, Done())
    assert (step.kind, step.done.warnings, step.done.notes) == (
        WAIT, (note,), (f"warning: {note}",))
    final = next_step(GOAL3, table(indexes=[index(projection="ALL")]), step.done)
    assert (final.kind, final.status) == (DONE, EXISTS)
    assert (final.done.warnings, final.done.notes) == ((note,), (f"warning: {note}",))
    row = result(GOAL3, final, waited=True)
    assert (row.message, row.warnings) == (f"warning: {note}", (note,))


def test_index_drift_is_judged_before_its_state() -> None:
    step = next_step(GOAL3, table(indexes=[index("DELETING", keys=())]), Done())
    assert step.status == DRIFT


# ------------------------------------------------------------------ verdicts

def test_verdict() -> None:
    assert verdict(Done()) == EXISTS
    assert verdict(Done(created=True)) == CREATED
    assert verdict(Done(index_sent=True)) == UPDATED
    assert verdict(Done(created=True, index_sent=True)) == CREATED


def test_done_note_appends() -> None:
    assert Done().note("a").note("b").notes == ("a", "b")


# ------------------------------------------------------------------ rows

def test_row_of_a_finished_table_joins_its_notes_and_the_hints() -> None:
    step = Step(DONE, CREATED, "", Done(created=True, notes=("a",), warnings=("w",)))
    row = result(GOAL2, step, waited=True, hints=("twin",), hint_warnings=("tw",))
    assert (row.table, row.status, row.message, row.warnings) == (
        LEASE, CREATED, "a; twin", ("w", "tw"))


def test_row_of_a_failed_table_is_its_message() -> None:
    step = Step(DONE, FAILED, "why", Done(notes=("a",), warnings=("w",)))
    row = result(GOAL2, step, waited=True)
    assert (row.table, row.status, row.message, row.warnings) == (LEASE, FAILED, "why", ("w",))


def test_row_with_no_wait_says_what_is_still_on_its_way() -> None:
    table_step = Step(WAIT, CREATED, CREATING_NOTE, Done(created=True, waiting_for=WAIT_TABLE))
    assert result(GOAL2, table_step, waited=False).message == "still CREATING (--no-wait)"
    assert result(GOAL2, table_step, waited=True).message == ""
    index_step = Step(WAIT, EXISTS, CREATING_NOTE,
                      Done(waiting_for=WAIT_INDEX, index_status="UPDATING", notes=("n",)))
    assert result(GOAL3, index_step, waited=False).message == (
        f"index {spec.LEASE_OWNER_INDEX} still UPDATING (--no-wait); n")
    sent = Step(WAIT, UPDATED, CREATING_NOTE, Done(index_sent=True, waiting_for=WAIT_INDEX))
    assert result(GOAL3, sent, waited=False).message == (
        f"index {spec.LEASE_OWNER_INDEX} still CREATING (--no-wait)")


def test_row_with_no_wait_before_the_index_could_be_added_is_drift() -> None:
    step = Step(WAIT, EXISTS, CREATING_NOTE, Done(waiting_for=WAIT_TABLE_THEN_INDEX))
    row = result(GOAL3_ADD, step, waited=False, hint_warnings=("tw",))
    assert (row.table, row.status, row.warnings) == (LEASE, DRIFT, ("tw",))
    assert row.message == (
        f"{WHERE} is not ACTIVE yet and has no index {spec.LEASE_OWNER_INDEX}, which KCL "
        f"3.0 needs; with --no-wait it could not be added yet. Rerun `lease-tables create "
        f"--kcl 3.0 --add-index` once the table is ACTIVE.")
    assert result(GOAL3_ADD, step, waited=True).status == EXISTS


# ------------------------------------------------------------------ unfinished words

ENDPOINT = "https://dynamodb.eu-west-1.amazonaws.com"


def stood(goal: Goal, done: Done | None = None, kind: str = WAIT, **calls: Any) -> TableRun:
    step = None if done is None else Step(kind, EXISTS, CREATING_NOTE, done)
    return TableRun(goal, step=step, **calls)


AGAIN = "`lease-tables create --kcl 3.0 --add-index`"


def test_unfinished_index_sent() -> None:
    text = unfinished_message(stood(GOAL3_ADD, Done(index_sent=True, waiting_for=WAIT_INDEX),
                                               last_error="boom"), ENDPOINT, 30)
    assert text == (f"{WHERE}: its index {spec.LEASE_OWNER_INDEX} was not ACTIVE after 30 s "
                    f"(--timeout). Last error: boom This run's UpdateTable was accepted and "
                    f"AWS goes on building it (minutes on a table with many items); rerun "
                    f"{AGAIN} to wait for it (it will not be added twice).")


def test_unfinished_index_found_on_its_way() -> None:
    text = unfinished_message(stood(GOAL3, Done(waiting_for=WAIT_INDEX,
                                                index_status="UPDATING")), ENDPOINT, 30)
    assert text == (f"{WHERE}: its index {spec.LEASE_OWNER_INDEX} was still UPDATING after "
                    f"30 s (--timeout), and KCL 3.0 uses it only once it is ACTIVE; this run "
                    f"did not add it. Rerun `lease-tables create --kcl 3.0` to wait for it.")
    assert "was still CREATING after" in unfinished_message(
        stood(GOAL3, Done(waiting_for=WAIT_INDEX)), ENDPOINT, 30)


def test_unfinished_table_then_index() -> None:
    text = unfinished_message(stood(GOAL3_ADD, Done(waiting_for=WAIT_TABLE_THEN_INDEX),
                                               call="UpdateTable", queued=True), ENDPOINT, 30)
    assert text == (f"{WHERE} was not ACTIVE after 30 s (--timeout), so its index "
                    f"{spec.LEASE_OWNER_INDEX} could not be added yet. Rerun {AGAIN} once it "
                    f"is ACTIVE.")


def test_unfinished_index_queued() -> None:
    text = unfinished_message(stood(GOAL3_ADD, None, call="UpdateTable", queued=True), ENDPOINT, 30)
    assert text == (f"{WHERE}: adding its index {spec.LEASE_OWNER_INDEX} was still queued "
                    f"behind another table or index operation after 30 s (--timeout); the "
                    f"index was not added. Rerun {AGAIN} when it is done.")


def test_unfinished_created() -> None:
    text = unfinished_message(stood(GOAL2, Done(created=True, waiting_for=WAIT_TABLE),
                                           last_error="slow"), ENDPOINT, 2.5)
    assert text == (f"{WHERE} was not ACTIVE after 2.5 s (--timeout). Last error: slow This "
                    f"run's CreateTable was accepted and AWS goes on creating it; rerun "
                    f"`lease-tables create` to wait for it (it will not be created twice).")


def test_unfinished_found_creating() -> None:
    text = unfinished_message(stood(GOAL2, Done(waiting_for=WAIT_TABLE)), ENDPOINT, 30,
                              interrupted_by="Ctrl+C")
    assert text == (f"{WHERE} was still CREATING when Ctrl+C interrupted the run; this run "
                    f"did not create it. Rerun `lease-tables create` to wait for it.")


def test_unfinished_create_queued() -> None:
    text = unfinished_message(stood(GOAL2, None, call="CreateTable", queued=True), ENDPOINT, 30)
    assert text == (f"{WHERE} was still queued behind the account's limit on table "
                    f"operations in flight after 30 s (--timeout); it was not created. Rerun "
                    f"`lease-tables create` when other table operations in the account are "
                    f"done.")


def test_unfinished_update_table_without_an_answer() -> None:
    text = unfinished_message(stood(GOAL3_ADD, None, call="UpdateTable", last_error="x"),
                              ENDPOINT, 30, interrupted_by="SIGTERM")
    assert text == (f"UpdateTable adding the index {spec.LEASE_OWNER_INDEX} to {WHERE} at "
                    f"https://dynamodb.eu-west-1.amazonaws.com did not complete before "
                    f"SIGTERM interrupted the run: no answer, or its retries still under way "
                    f"(DynamoDB refuses a new index while another table or index operation "
                    f"is in flight); the index is not known to have been added. Last error: "
                    f"x Rerun {AGAIN}; it is safe to rerun (an index already there is never "
                    f"added twice).")


def test_unfinished_call_without_an_answer() -> None:
    text = unfinished_message(stood(GOAL2, None), ENDPOINT, 30)
    assert text == (f"DescribeTable of {WHERE} at https://dynamodb.eu-west-1.amazonaws.com "
                    f"did not complete within 30 s (--timeout): no answer, or its retries "
                    f"still under way; nothing is known to have been created. Check the "
                    f"network path to the endpoint (proxy, firewall) and rerun; it is safe "
                    f"to rerun.")
    done_step = stood(GOAL2, Done(created=True), kind=DONE, call="CreateTable")
    assert unfinished_message(done_step, ENDPOINT, 30).startswith(f"CreateTable of {WHERE}")


# ------------------------------------------------------------------ limits

IN_FLIGHT = ("Subscriber limit exceeded: Only 10 tables can be created, updated, or "
             "deleted simultaneously")
ONE_INDEX = ("Subscriber limit exceeded: Only 1 online index can be created or deleted "
             "simultaneously per table")
QUOTA = "Subscriber limit exceeded: There is a limit of 256 tables per subscriber"


def test_a_table_quota_fails_at_once_for_waiting_never_clears_it() -> None:
    assert after_limit(QUOTA, LimitQueue(deadline=1_000.0), now=0.0) is None


@pytest.mark.parametrize("message", [IN_FLIGHT, ONE_INDEX, None])
def test_a_limit_on_operations_in_flight_is_a_queue_of_doubling_pauses(message) -> None:
    """In flight (either wording) or a busy table (None): 1, 2, 4, 8 s, then at most
    LIMIT_BACKOFF_MAX, for LIMIT_BUDGET seconds from the first refusal."""
    queue, now, pauses = LimitQueue(deadline=1_000.0), 100.0, []
    while (decided := after_limit(message, queue, now)) is not None:
        pause, queue = decided
        assert queue.until == 100.0 + LIMIT_BUDGET  # set once, at the first refusal
        pauses.append(pause)
        now += pause
    assert pauses[:5] == [1.0, 2.0, 4.0, 8.0, LIMIT_BACKOFF_MAX]
    assert max(pauses) == LIMIT_BACKOFF_MAX
    assert now == 100.0 + LIMIT_BUDGET  # the last pause ends exactly at the budget


def test_the_queue_never_waits_past_the_runs_timeout() -> None:
    decided = after_limit(IN_FLIGHT, LimitQueue(deadline=10.5, backoff=8.0), now=10.0)
    assert decided is not None
    pause, queue = decided
    assert (pause, queue.until, queue.backoff) == (0.5, 10.5, 16.0)
    assert after_limit(IN_FLIGHT, queue, now=10.5) is None


def test_a_stopping_run_does_not_queue() -> None:
    assert after_limit(IN_FLIGHT, LimitQueue(deadline=1_000.0), now=0.0, stopping=True) is None
