"""The consumer plan, the probe judgement and the footprint verdict, with plain values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from inline_snapshot import snapshot

from lease_tables.config.naming import LeaseTable
from lease_tables.core.engine import DONE, WAIT
from lease_tables.model import footprint
from lease_tables.model.consumers import (
    REGISTER,
    STREAM_MISSING,
    UNKNOWN_ACCOUNT,
    Consumer,
    ConsumerDone,
    next_step,
    unfinished_message,
    verify_status,
)
from lease_tables.model.outcome import TableResult
from lease_tables.model.rows import ROLE_STREAM_CONSUMER, ResourceRow
from lease_tables.preflight.answers import ABSENT, BROKEN, PROVEN, REFUSED, attempt
from lease_tables.preflight.footprint import principal_arn, simulation_target
from lease_tables.preflight.groups import Group, judge
from lease_tables.preflight.run import footprint_verdict
from lease_tables.preflight.streams import stream_group

TABLE = LeaseTable("verintConnect", "eu-west-1")
CONSUMER = Consumer("ctr", "verintConnect", "eu-west-1", TABLE)


def described(status: str) -> dict[str, str]:
    return {"ConsumerName": "verintConnect", "ConsumerStatus": status}


# ------------------------------------------------------------------ next_step

@pytest.mark.parametrize(("answer", "done", "kind", "status"), [
    (None, ConsumerDone(), REGISTER, ""),  # absent: register
    (None, ConsumerDone(registered=True), WAIT, "created"),  # accepted, describe not caught up
    (None, ConsumerDone(raced=True), WAIT, "exists"),  # someone else's registration, on its way
    (described("CREATING"), ConsumerDone(registered=True), WAIT, "created"),
    (described("CREATING"), ConsumerDone(), WAIT, "exists"),  # found CREATING: waited for
    (described("ACTIVE"), ConsumerDone(), DONE, "exists"),
    (described("ACTIVE"), ConsumerDone(registered=True), DONE, "created"),
    (described("ACTIVE"), ConsumerDone(raced=True), DONE, "exists"),
    (described("DELETING"), ConsumerDone(), DONE, "failed"),  # never registered over a deletion
    (described("UPDATING"), ConsumerDone(), DONE, "failed"),  # a state not known
    (STREAM_MISSING, ConsumerDone(), DONE, "failed"),
])
def test_next_step(answer: object, done: ConsumerDone, kind: str, status: str) -> None:
    step = next_step(CONSUMER, answer, done)
    assert (step.kind, step.status) == (kind, status)


def test_an_existing_consumer_is_never_registered_again() -> None:
    for status in ("ACTIVE", "CREATING", "DELETING", "SOMETHING"):
        assert next_step(CONSUMER, described(status), ConsumerDone()).kind != REGISTER


def test_messages_say_what_happened() -> None:
    assert "another process" in next_step(CONSUMER, described("ACTIVE"),
                                           ConsumerDone(raced=True)).message
    assert next_step(CONSUMER, described("ACTIVE"), ConsumerDone()).message == ""
    assert "DELETING" in next_step(CONSUMER, described("DELETING"), ConsumerDone()).message
    assert "'UPDATING'" in next_step(CONSUMER, described("UPDATING"), ConsumerDone()).message
    missing = next_step(CONSUMER, STREAM_MISSING, ConsumerDone())
    assert "does not exist in eu-west-1" in missing.message
    assert "accepted" in unfinished_message(CONSUMER, ConsumerDone(registered=True), 5, WAIT)
    assert "did not register" in unfinished_message(CONSUMER, ConsumerDone(), 5, WAIT)
    assert "nothing is known" in unfinished_message(CONSUMER, ConsumerDone(), 5, "")


def test_a_registration_whose_first_answer_was_lost_may_be_this_runs_own() -> None:
    step = next_step(CONSUMER, described("ACTIVE"), ConsumerDone(raced=True, lost_answer=True))
    assert (step.kind, step.status) == (DONE, "exists")
    assert step.message == snapshot(
        "it is registered now; this run's RegisterStreamConsumer had no answer on a first attempt "
        "and may have registered it (its retry found it there)")


@pytest.mark.parametrize(("answer", "status"), [
    (described("ACTIVE"), "ok"), (described("CREATING"), "not-active"),
    (described("DELETING"), "not-active"), (None, "missing"), (STREAM_MISSING, "missing"),
])
def test_verify_status(answer: object, status: str) -> None:
    assert verify_status(CONSUMER, answer)[0] == status


def test_verify_names_the_command_that_registers_it() -> None:
    assert "create --enhanced-fan-out --stream ctr" in verify_status(CONSUMER, None)[1]
    assert "deregistered" in verify_status(CONSUMER, described("DELETING"))[1]


def test_a_consumer_row_keeps_its_tables_facts() -> None:
    table = LeaseTable("verintAgentEvents_ris.2", "eu-west-1", adapter_kind="agent-events",
                       adapter_id="2", sources=["/conf/IntegrationService.xml"])
    row = Consumer("arn:aws:kinesis:eu-west-1:123456789012:stream/aes",
                   table.table_name, "eu-west-1", table).row()
    document = TableResult(row, "created").to_json()
    assert document["role"] == "stream-consumer"
    assert document["adapter_id"] == "2"
    assert document["sources"] == ["/conf/IntegrationService.xml"]
    assert document["resource"] == snapshot(
        "arn:aws:kinesis:eu-west-1:123456789012:stream/aes/consumer/verintAgentEvents_ris.2")
    assert "not_tried" not in document  # only preflight's rows list what was not tried
    assert row.key != table.key  # a consumer row never stands in for its table's


def test_from_footprint_asks_by_name_unless_an_arn_was_given() -> None:
    tables = [LeaseTable("T1", "eu-west-1"), LeaseTable("T1-CoordinatorState", "eu-west-1",
                                                        role="coordinator-state")]
    found = footprint.resolve(footprint.FootprintOptions(
        streams=("ctr", "arn:aws:kinesis:eu-west-1:210987654321:stream/shared"),
        enhanced_fan_out=True), tables, UNKNOWN_ACCOUNT)
    made = footprint.consumers(found, tables)
    assert sorted((c.stream, c.name) for c in made) == [
        ("arn:aws:kinesis:eu-west-1:210987654321:stream/shared", "T1"), ("ctr", "T1")]
    assert all(c.table is tables[0] for c in made)


# ------------------------------------------------------------------ the judgement

class Coded(Exception):
    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": f"{code} happened"},
                         "ResponseMetadata": {"HTTPStatusCode": status}}


def fails(code: str, status: int = 400):
    def call() -> None:
        raise Coded(code, status)
    return call


@pytest.mark.parametrize(("call", "options", "kind"), [
    (lambda: {"ok": 1}, {}, PROVEN),
    (fails("DryRunOperationException"), {"allowed": ("DryRunOperationException",)}, PROVEN),
    (fails("ResourceNotFoundException"), {"allowed": ("ResourceNotFoundException",),
                                          "absent": ()}, PROVEN),
    (fails("ResourceNotFoundException"), {}, ABSENT),
    (fails("NoSuchBucket"), {"absent": ("NoSuchBucket",)}, ABSENT),
    (fails("AccessDeniedException"), {}, REFUSED),
    (fails("NotAuthorizedException"), {"denied": ("NotAuthorizedException",)}, REFUSED),
    (fails("NotAuthorizedException"), {}, BROKEN),  # another service's code: not a denial
    (fails("InvalidCiphertextException"), {"allowed": ("DryRunOperationException",)}, BROKEN),
    (fails("ThrottlingException"), {}, BROKEN),
])
def test_attempt(call, options: dict, kind: str) -> None:
    assert attempt(call, **options).kind == kind


def group(**fields) -> Group:
    made = stream_group("ctr", "eu-west-1")
    for name, value in fields.items():
        setattr(made, name, value)
    return made


@pytest.mark.parametrize(("fields", "status"), [
    ({}, "ok"),
    ({"refused": {"kinesis:GetRecords": "AccessDenied"}}, "denied"),
    ({"refused": {"kinesis:GetRecords": "x"}, "missing": "gone"}, "denied"),
    ({"missing": "gone"}, "missing"),
    ({"broken": "no answer"}, "failed"),
    ({"untried": {"kinesis:GetRecords": "no iterator"}}, "failed"),
    ({"simulated_denied": {"kinesis:PutRecord": "implicitDeny"}}, "denied"),
])
def test_judge(fields: dict, status: str) -> None:
    assert judge(group(**fields)).status == status


def test_judge_lists_what_was_not_tried_and_names_the_refused() -> None:
    result = judge(group(refused={"kinesis:GetRecords": "AccessDenied"},
                         untried={"kinesis:GetShardIterator": "why"}))
    assert "kinesis:GetRecords" in result.message
    assert result.to_json()["not_tried"] == ["kinesis:GetShardIterator", "kinesis:PutRecord",
                                             "kinesis:DescribeStream"]
    ok = judge(group())
    assert ok.to_json()["not_tried"] == ["kinesis:PutRecord", "kinesis:DescribeStream"]
    assert "Not tried by design" in ok.message and "--simulate" in ok.message
    simulated = judge(group(simulated_denied={"kinesis:PutRecord": "implicitDeny"}))
    assert "policy simulator" in simulated.message


# ------------------------------------------------------------------ --simulate, verdict

def test_principal_arn_of_an_assumed_role_is_its_role() -> None:
    assert principal_arn("arn:aws:sts::123456789012:assumed-role/RisAdapter/i-0abc") == snapshot(
        "arn:aws:iam::123456789012:role/RisAdapter")
    assert principal_arn("arn:aws:iam::123456789012:user/ris") == (
        "arn:aws:iam::123456789012:user/ris")


def test_simulation_targets() -> None:
    stream = simulation_target(group(), "kinesis:PutRecord", "123456789012")
    assert stream == ("arn:aws:kinesis:eu-west-1:123456789012:stream/ctr", [])
    metrics = Group(ResourceRow(table_name="cloudwatch", region="eu-west-1",
                                role="cloudwatch-metrics", resource="*"), "cloudwatch",
                    context=["T1", "T2"])
    resource, context = simulation_target(metrics, "cloudwatch:PutMetricData", "1")
    assert resource == "*"
    assert context[0]["ContextKeyName"] == "cloudwatch:namespace"
    assert context[0]["ContextKeyValues"] == ["T1", "T2"]


def run_of(*results: TableResult) -> SimpleNamespace:
    return SimpleNamespace(results=list(results), identity=None)


def test_the_verdict_counts_the_other_resources() -> None:
    table_ok = TableResult(TABLE, "ok")
    stream = judge(group())
    passed = footprint_verdict(run_of(table_ok, stream))
    assert passed.startswith("PREFLIGHT PASSED")
    assert "kinesis:PutRecord" in passed and passed.endswith("(exit 0).")
    denied = judge(group(refused={"kinesis:GetRecords": "x"}))
    failed = footprint_verdict(run_of(table_ok, denied))
    assert failed.startswith("PREFLIGHT FAILED: the lease tables passed")
    assert "but 1 of its other resources" in failed
    assert "resources (1 stream) is not usable" in failed
    assert failed.endswith("(exit 3).")
    both = footprint_verdict(run_of(TableResult(TABLE, "missing"), stream))
    assert both.startswith("PREFLIGHT FAILED") and "(exit 3)" in both
    assert footprint_verdict(run_of(table_ok)) == footprint_verdict(run_of(table_ok))
    assert "other resources" not in footprint_verdict(run_of(table_ok))


def test_no_verdict_passes_an_adapter_whose_stream_is_unproven() -> None:
    """Tables alone (no file or option names a stream): never a pass; a missing stream
    fails (exit 3), an unreadable one fails (exit 1)."""
    table_ok = TableResult(TABLE, "ok")
    alone = footprint_verdict(run_of(table_ok))
    assert alone.startswith("PREFLIGHT INCOMPLETE: ") and "PASSED" not in alone
    assert alone == snapshot(
        "PREFLIGHT INCOMPLETE: the identity in use can use the lease table verintConnect and "
        "cannot create tables; not proven: the Kinesis streams the adapter reads (neither the "
        "adapters' files nor --stream name one; without them KCL cannot even list its shards): "
        "rerun with --stream NAME, or with the adapter's --conf-dir (exit 0).")
    missing = footprint_verdict(run_of(table_ok, judge(group(missing="gone"))))
    assert missing.startswith("PREFLIGHT FAILED") and missing.endswith("(exit 3).")
    assert "stream ctr (missing)" in missing
    unreadable = footprint_verdict(run_of(table_ok, judge(group(broken="no answer"))))
    assert unreadable.startswith("PREFLIGHT FAILED") and unreadable.endswith("(exit 1).")


def test_the_verdict_names_the_retrieval_mode_it_proved() -> None:
    table_ok = TableResult(TABLE, "ok")
    stream = judge(group())
    polling = footprint_verdict(run_of(table_ok, stream))
    assert polling == snapshot(
        "PREFLIGHT PASSED: the identity in use can use the lease table verintConnect and cannot "
        "create tables; and its other resources (1 stream) answer as the adapter needs; retrieval "
        "proven: polling only; enhanced fan-out, KCL's default retrieval, would still need its "
        "consumers registered (`lease-tables create --enhanced-fan-out`) and "
        "kinesis:DescribeStreamConsumer and SubscribeToShard granted: rerun preflight with "
        "--enhanced-fan-out unless the adapter sets retrievalMode POLLING; not tried by design "
        "(they would write or disturb the adapter; --simulate asks IAM): kinesis:DescribeStream, "
        "kinesis:PutRecord (exit 0).")
    consumer = TableResult(ResourceRow(table_name="APP", region="eu-west-1",
                                       role=ROLE_STREAM_CONSUMER,
                                       resource="stream/ctr/consumer/APP"), "ok")
    both = footprint_verdict(run_of(table_ok, stream, consumer))
    assert both == snapshot(
        "PREFLIGHT PASSED: the identity in use can use the lease table verintConnect and cannot "
        "create tables; and its other resources (1 consumer, 1 stream) answer as the adapter "
        "needs; retrieval proven: polling and enhanced fan-out (its 1 consumer registered; "
        "SubscribeToShard is never tried), so either mode can start; not tried by design (they "
        "would write or disturb the adapter; --simulate asks IAM): kinesis:DescribeStream, "
        "kinesis:PutRecord (exit 0).")
    refused = TableResult(consumer.table, "denied", "no DescribeStreamConsumer")
    cut = footprint_verdict(run_of(table_ok, stream, refused))
    assert "retrieval proven: polling only;" in cut
    assert "is not: 1 of its 1 consumer not usable" in cut
    assert "polling and enhanced fan-out" not in cut


@pytest.mark.parametrize("others", [(), ("stream-denied",), ("stream-ok",)])
@pytest.mark.parametrize("tables", ["passed", "missing", "unproven"])
def test_a_create_allowed_warning_is_kept_in_every_verdict(tables: str,
                                                           others: tuple[str, ...]) -> None:
    allowed = TableResult(TABLE, "create-allowed")
    rows = [allowed, *{"passed": [], "missing": [TableResult(
        LeaseTable("verintGhost", "eu-west-1"), "missing")], "unproven": [TableResult(
        LeaseTable("verintSlow", "eu-west-1"), "failed")]}[tables]]
    for other in others:
        rows.append(judge(group(refused={"kinesis:GetRecords": "x"})) if other ==
                    "stream-denied" else judge(group()))
    said = footprint_verdict(run_of(*rows))
    assert "dynamodb:CreateTable is NOT denied" in said, said
    assert said.count("CreateTable is NOT denied") == 1, said


# ------------------------------------------------------------------ the engine

def test_the_engine_waits_until_each_item_is_done_and_reports_the_rest() -> None:
    from lease_tables.core.engine import Engine
    from lease_tables.model.consumers import ConsumerStep

    looks: dict[str, int] = {}

    def start(item: str) -> ConsumerStep:
        if item == "ready":
            return ConsumerStep(DONE, "exists")
        return ConsumerStep(WAIT, "created", "creating")

    def poll(item: str) -> ConsumerStep:
        looks[item] = looks.get(item, 0) + 1
        if item == "slow" and looks[item] >= 2:
            return ConsumerStep(DONE, "created")
        return ConsumerStep(WAIT, "created", "creating")

    engine: Engine[str] = Engine(start, poll, concurrency=2)
    engine.run(["ready", "slow", "stuck"], wait=True, timeout=3.0)
    rows = engine.snapshot(lambda item, step: f"{item} unfinished")
    assert rows == [("ready", "exists", ""), ("slow", "created", ""),
                    ("stuck", "failed", "stuck unfinished")]
    assert "ready" not in looks and looks["slow"] == 2 and looks["stuck"] >= 2


def test_a_stopped_engine_starts_nothing() -> None:
    from lease_tables.core.engine import Engine
    from lease_tables.model.consumers import ConsumerStep

    started: list[str] = []
    engine: Engine[str] = Engine(lambda i: started.append(i) or ConsumerStep(DONE, "exists"),
                                 lambda i: ConsumerStep(DONE, "exists"))
    engine.stop()
    engine.run(["a"], wait=True, timeout=1.0)
    assert started == []
    assert engine.snapshot(lambda item, step: "not started") == [("a", "failed",
                                                                  "not started")]


# ------------------------------------------------------------------ the words and rows, whole

WHERE = "consumer verintConnect of stream ctr in eu-west-1"


def test_a_missing_stream_says_what_the_command_did_not_do() -> None:
    check = ("Check --stream (the name or ARN of the stream the adapter reads) and --region, "
             "then rerun.")
    assert next_step(CONSUMER, STREAM_MISSING, ConsumerDone()).message == (
        "the stream ctr does not exist in eu-west-1 (DescribeStreamSummary said so), so "
        f"nothing was registered. {check}")
    assert verify_status(CONSUMER, STREAM_MISSING) == ("missing", (
        "the stream ctr does not exist in eu-west-1 (DescribeStreamSummary said so), so no "
        f"consumer can exist on it. {check}"))


def test_verify_words_for_each_state() -> None:
    assert verify_status(CONSUMER, described("ACTIVE")) == ("ok", "")
    assert verify_status(CONSUMER, described("CREATING")) == ("not-active", (
        f"{WHERE} is CREATING, not ACTIVE; rerun verify in a few seconds (a new consumer "
        "takes about that long)."))
    assert verify_status(CONSUMER, described("DELETING")) == ("not-active", (
        f"{WHERE} is DELETING, not ACTIVE: someone deregistered it; once it is gone, "
        "`lease-tables create --enhanced-fan-out` registers it again."))


def test_a_registration_whose_answer_was_lost_is_not_blamed_on_another_process() -> None:
    """ResourceInUse met only by botocore's retry: the first attempt may have registered
    it and lost its answer, so who did it is not known and not claimed."""
    message = next_step(CONSUMER, described("ACTIVE"), ConsumerDone(raced=True, lost_answer=True)
                        ).message
    assert "another process" not in message
    assert "may have registered it" in message


def test_a_raced_registration_is_named() -> None:
    assert next_step(CONSUMER, described("ACTIVE"), ConsumerDone(raced=True)).message == snapshot(
        "another process registered it at the same time")


def test_a_consumer_row_carries_every_fact_of_its_table() -> None:
    table = LeaseTable("verintAgentEvents_ris.2", "eu-west-1", adapter_kind="agent-events",
                       adapter_id="2", application_name="verintAgentEvents", host_name="ris",
                       host_name_source="HostName", sources=["/conf/IntegrationService.xml"],
                       origins=[None], enabled=True)
    facts = {name: getattr(table, name) for name in (
        "table_name", "region", "adapter_kind", "adapter_id", "application_name", "host_name",
        "host_name_source", "sources", "origins", "enabled")}
    by_name = Consumer("aes", table.table_name, "eu-west-1", table).row()
    assert by_name == ResourceRow(**facts, role="stream-consumer",
                                  resource="stream/aes/consumer/verintAgentEvents_ris.2")
    assert by_name.sources is not table.sources  # a row's lists are its own


def test_from_footprint_keeps_each_consumers_region_and_its_tables_facts() -> None:
    # A stream given by ARN in another region than its table: the consumer is there, and
    # its row still names the adapter that reads it.
    tables = [LeaseTable("T1", "eu-west-1", adapter_kind="contact-records")]
    found = footprint.resolve(footprint.FootprintOptions(
        streams=("ctr", "arn:aws:kinesis:us-east-1:210987654321:stream/shared"),
        enhanced_fan_out=True), tables, UNKNOWN_ACCOUNT)
    made = footprint.consumers(found, tables)
    assert sorted((c.stream_name, c.region) for c in made) == [("ctr", "eu-west-1"),
                                                               ("shared", "us-east-1")]
    assert all(c.table is tables[0] for c in made)
    assert {c.row().region for c in made} == {"eu-west-1", "us-east-1"}
    assert {c.row().adapter_kind for c in made} == {"contact-records"}


def test_from_footprint_names_a_consumer_whose_table_is_not_given() -> None:
    tables = [LeaseTable("T1", "eu-west-1")]
    found = footprint.resolve(footprint.FootprintOptions(streams=("ctr",),
                                                         enhanced_fan_out=True),
                              tables, UNKNOWN_ACCOUNT)
    [made] = footprint.consumers(found)
    assert (made.name, made.region, made.table) == ("T1", "eu-west-1",
                                                   LeaseTable("T1", "eu-west-1"))


def test_a_table_of_the_same_name_in_two_regions_gives_each_consumer_its_own() -> None:
    tables = [LeaseTable("T1", "eu-west-1", adapter_id="1"),
              LeaseTable("T1", "us-east-1", adapter_id="2")]
    found = footprint.resolve(footprint.FootprintOptions(
        streams=("arn:aws:kinesis:eu-west-1:210987654321:stream/ctr",
                 "arn:aws:kinesis:us-east-1:210987654321:stream/ctr"),
        enhanced_fan_out=True), tables, UNKNOWN_ACCOUNT)
    made = footprint.consumers(found, tables)
    assert sorted((c.region, c.row().adapter_id) for c in made) == [("eu-west-1", "1"),
                                                                    ("us-east-1", "2")]
