"""One resource's probes and the row they earn (probe_group.py), with plain outcomes.

The outcomes are what `preflight_answers.attempt` returns; the words are the row's
message an operator reads, so they are compared whole.
"""

from __future__ import annotations

from botocore.exceptions import ClientError
from inline_snapshot import snapshot

from lease_tables.model.outcome import DENIED, FAILED, MISSING, OK
from lease_tables.model.probes import BY_DESIGN, NOT_NOW, Probe, Untried
from lease_tables.model.rows import ResourceRow
from lease_tables.preflight.answers import ABSENT, BROKEN, PROVEN, REFUSED, Outcome
from lease_tables.preflight.groups import RERUN, Group, judge, untried

ROLE = "arn:aws:sts::123456789012:assumed-role/RisAdapter/i-0abc"
OTHER = "arn:aws:sts::123456789012:assumed-role/Other/i-0def"


def denial(principal: str, action: str) -> str:
    return f"AccessDeniedException: User: {principal} is not authorized to perform: {action}"


def stream(**fields: object) -> Group:
    made = Group(ResourceRow(table_name="ctr", region="eu-west-1", role="stream",
                             resource="ctr"), "kinesis")
    for name, value in fields.items():
        setattr(made, name, value)
    return made


THROTTLED = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                         "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetShardIterator")


def test_a_refusal_is_recorded_with_its_words_and_the_first_identity_named() -> None:
    group = stream()
    first = denial(ROLE, "kinesis:GetRecords")
    assert group.record("GetRecords", Outcome(REFUSED, first)) is False
    assert group.record("ListShards", Outcome(REFUSED, denial(OTHER, "kinesis:ListShards"))) \
        is False
    assert group.refused == {"kinesis:GetRecords": first,
                             "kinesis:ListShards": denial(OTHER, "kinesis:ListShards")}
    assert group.identity == ROLE


def test_a_broken_answer_is_told_once_in_the_first_probes_words() -> None:
    group = stream()
    assert group.record("GetShardIterator", Outcome(BROKEN, "", THROTTLED)) is False
    said = ("kinesis:GetShardIterator on stream ctr in eu-west-1 had no usable answer "
            "(ClientError: An error occurred (ThrottlingException) when calling the "
            "GetShardIterator operation: Rate exceeded); nothing is proven about it.")
    assert group.broken == said
    group.record("GetRecords", Outcome(BROKEN, "", TimeoutError("read timed out")))
    assert group.broken == said  # the first failure is the one to fix


def test_only_a_proof_counts_as_proven() -> None:
    group = stream()
    assert group.record("DescribeStreamSummary", Outcome(PROVEN, "", {})) is True
    assert group.record("ListShards", Outcome(ABSENT, "ResourceNotFoundException")) is False
    assert (group.refused, group.broken, group.identity) == ({}, "", None)


def test_what_was_not_tried_now_comes_before_what_is_never_tried() -> None:
    group = stream(never={"kinesis:PutRecord": "it would write a record"})
    group.skip("GetRecords", "GetShardIterator gave no iterator")
    assert group.untried == {"kinesis:GetRecords": "GetShardIterator gave no iterator"}
    assert untried(group) == (
        Untried(Probe("kinesis:GetRecords"), "GetShardIterator gave no iterator", NOT_NOW,
                RERUN),
        Untried(Probe("kinesis:PutRecord"), "it would write a record", BY_DESIGN))


def test_a_clean_row_says_nothing() -> None:
    result = judge(stream())
    assert (result.status, result.message, result.untried) == (OK, "", ())


def test_one_refused_action_is_it_and_never_tried_names_the_simulator() -> None:
    result = judge(stream(refused={"kinesis:GetRecords": "AccessDeniedException: no"},
                          never={"kinesis:PutRecord": "it would write a record"}))
    assert result.status == DENIED
    assert result.message == snapshot(
        "This identity may not call kinesis:GetRecords on stream ctr in eu-west-1; the "
        "adapter needs it. Grant it (`lease-tables policy --role adapter` with the same "
        "resource options prints the policy), then rerun preflight. Not tried by design: "
        "kinesis:PutRecord (it would write a record). `preflight --simulate` asks IAM's "
        "policy simulator about what is not tried by design.")


def test_refused_and_simulated_denials_are_named_together_with_what_broke() -> None:
    result = judge(stream(refused={"kinesis:GetRecords": "x"},
                          simulated_denied={"kinesis:PutRecord": "implicitDeny",
                                            "kinesis:SubscribeToShard": "implicitDeny"},
                          never={"kinesis:PutRecord": "it would write a record"},
                          broken="ListShards had no usable answer.",
                          notes=["the stream is encrypted"]))
    assert result.status == DENIED
    assert result.message == snapshot(
        "This identity may not call kinesis:GetRecords, kinesis:PutRecord, "
        "kinesis:SubscribeToShard on stream ctr in eu-west-1; the adapter needs them. Grant "
        "them (`lease-tables policy --role adapter` with the same resource options prints "
        "the policy), then rerun preflight. (IAM's policy simulator said so for "
        "kinesis:PutRecord, kinesis:SubscribeToShard; they were not called.) ListShards had "
        "no usable answer. Not tried by design: kinesis:PutRecord (it would write a record). "
        "Note: the stream is encrypted.")


def test_missing_then_failed_carry_their_own_words() -> None:
    missing = judge(stream(missing="The stream ctr does not exist.", broken="ignored"))
    assert (missing.status, missing.message) == (MISSING, "The stream ctr does not exist.")
    broken = judge(stream(broken="ListShards had no usable answer."))
    assert (broken.status, broken.message) == (FAILED, "ListShards had no usable answer.")
    unproven = judge(stream(untried={"kinesis:GetRecords": "no iterator"}))
    assert unproven.status == FAILED
    assert unproven.message == snapshot(
        "Not tried: kinesis:GetRecords, because no iterator, so it is "
        "not proven; rerun preflight once that is fixed.")


def test_two_refused_actions_are_them() -> None:
    result = judge(stream(refused={"kinesis:GetRecords": "x", "kinesis:ListShards": "y"}))
    assert result.message.startswith(
        "This identity may not call kinesis:GetRecords, kinesis:ListShards on stream ctr in "
        "eu-west-1; the adapter needs them. Grant them (")


def test_a_broken_answer_names_the_endpoint_when_the_group_knows_it() -> None:
    group = stream(endpoint=lambda: "https://kinesis.eu-west-1.amazonaws.com")
    group.record("GetShardIterator", Outcome(BROKEN, "", TimeoutError("read timed out")))
    assert group.broken.startswith(
        "kinesis:GetShardIterator of stream ctr in eu-west-1 at "
        "https://kinesis.eu-west-1.amazonaws.com ")


def test_denials_no_grant_can_lift_say_who_refuses_them_in_the_plural() -> None:
    scp = ("AccessDeniedException: User: " + ROLE + " is not authorized to perform: "
           "kinesis:GetRecords with an explicit deny in a service control policy")
    result = judge(stream(refused={"kinesis:GetRecords": scp, "kinesis:ListShards": scp}))
    assert result.status == DENIED
    assert "needs them. They are refused by" in result.message
    assert "Grant them (" not in result.message
