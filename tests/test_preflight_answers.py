"""The one judgement of a probe's answer (preflight_answers.py), with botocore's own errors.

The errors are ClientErrors built as botocore builds them from a parsed answer, so
what a probe proves is tested exactly as it meets AWS's, moto's or a proxy's answers.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from inline_snapshot import snapshot

from lease_tables.preflight.answers import (
    ABSENT,
    BROKEN,
    PROVEN,
    REFUSED,
    Outcome,
    attempt,
    broken_words,
    denial_text,
    denied_principal,
    identity_of,
)

DENIAL = ("User: arn:aws:sts::123456789012:assumed-role/RisAdapter/i-0abc is not "
          "authorized to perform: kinesis:GetRecords on resource: "
          "arn:aws:kinesis:eu-west-1:123456789012:stream/ctr because no identity-based "
          "policy allows the kinesis:GetRecords action")


def answered(code: str | None, message: str = "", status: int = 400,
             operation: str = "GetRecords") -> ClientError:
    error = {"Message": message} if code is None else {"Code": code, "Message": message}
    return ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}},
                       operation)


def raising(exc: BaseException) -> Callable[[], object]:
    def call() -> object:
        raise exc
    return call


def test_an_answer_proves_the_grant_and_is_kept_for_the_caller() -> None:
    described = {"StreamDescriptionSummary": {"StreamStatus": "ACTIVE"}}
    assert attempt(lambda: described) == Outcome(PROVEN, "", described)


def test_a_proving_error_names_its_code() -> None:
    # The caller tells a DryRun refusal (proof) from an expected one by the code.
    dry_run = raising(answered("DryRunOperationException", "Request would have succeeded"))
    assert attempt(dry_run, allowed=("DryRunOperationException",)) == Outcome(
        PROVEN, "DryRunOperationException")
    in_use = raising(answered("ResourceInUseException", "Table already exists: T"))
    assert attempt(in_use, "ResourceInUseException") == Outcome(PROVEN, "ResourceInUseException")


def test_a_missing_resource_is_absent_by_its_code() -> None:
    gone = raising(answered("ResourceNotFoundException", "Stream ctr not found"))
    assert attempt(gone) == Outcome(ABSENT, "ResourceNotFoundException")
    assert attempt(raising(answered("NoSuchBucket")), absent=("NoSuchBucket",)) == Outcome(
        ABSENT, "NoSuchBucket")


def test_a_refusal_carries_the_denial_in_words() -> None:
    refused = attempt(raising(answered("AccessDeniedException", DENIAL)))
    assert refused == Outcome(REFUSED, f"AccessDeniedException: {DENIAL}")
    video = attempt(raising(answered("NotAuthorizedException", "not authorised", 401)),
                    denied=("NotAuthorizedException",))
    assert video == Outcome(REFUSED, "NotAuthorizedException: not authorised")


def test_anything_else_is_broken_and_keeps_the_error() -> None:
    throttled = answered("ThrottlingException", "Rate exceeded")
    assert attempt(raising(throttled)) == Outcome(BROKEN, "", throttled)
    offline = EndpointConnectionError(endpoint_url="https://kinesis.eu-west-1.amazonaws.com")
    assert attempt(raising(offline), allowed=("DryRunOperationException",)) == Outcome(
        BROKEN, "", offline)


@pytest.mark.parametrize(("error", "text"), [
    (answered("AccessDeniedException", DENIAL), f"AccessDeniedException: {DENIAL}"),
    (answered("AccessDenied", ""), "AccessDenied"),  # a code alone
    (answered("403", "Forbidden", 403), "HTTP 403: Forbidden"),  # botocore's bare 403
    (answered(None, "", 403), "HTTP 403"),  # no code, no message
    # A query-protocol XML body under a bare status (moto, proxies): its code and message.
    (answered("403", "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>"
                     "</Error></ErrorResponse>", 403), "AccessDenied: no"),
])
def test_denial_text(error: ClientError, text: str) -> None:
    assert denial_text(error) == text


def test_the_denied_identity_is_read_from_the_message() -> None:
    assert denied_principal(f"AccessDeniedException: {DENIAL}") == snapshot(
        "arn:aws:sts::123456789012:assumed-role/RisAdapter/i-0abc")
    assert denied_principal("AccessDenied: Access Denied") is None


def test_the_identity_is_the_one_known_else_the_one_a_denial_names() -> None:
    refused = Outcome(REFUSED, f"AccessDeniedException: {DENIAL}")
    role = "arn:aws:sts::123456789012:assumed-role/RisAdapter/i-0abc"
    assert identity_of(refused) == role
    assert identity_of(refused, "arn:aws:iam::123456789012:user/ops") == (
        "arn:aws:iam::123456789012:user/ops")
    assert identity_of(Outcome(PROVEN, DENIAL)) is None  # only a refusal names one


KINESIS = "https://kinesis.eu-west-1.amazonaws.com"


def test_a_broken_probe_is_told_with_what_where_and_what_to_do() -> None:
    offline = EndpointConnectionError(endpoint_url=KINESIS)
    assert broken_words(Outcome(BROKEN, "", offline), "stream ctr", "kinesis:GetRecords",
                        KINESIS, "eu-west-1") == (
        f"kinesis:GetRecords of stream ctr in eu-west-1 at {KINESIS} could not connect (Could "
        f'not connect to the endpoint URL: "{KINESIS}"). Check --endpoint-url, --region and '
        "the network path (proxy, firewall) from this server, then rerun; it is safe to rerun.")
    for detail, said in (("", "no answer"), ("a 200 with HTML", "a 200 with HTML")):
        assert broken_words(Outcome(BROKEN, detail), "stream ctr", "kinesis:GetRecords",
                            KINESIS, "eu-west-1") == (
            f"kinesis:GetRecords of stream ctr in eu-west-1 at {KINESIS} failed unexpectedly "
            f"(RuntimeError: {said}). Nothing beyond what was reported was changed; it is safe "
            "to rerun.")
