"""failures: every AWS or botocore failure named for what it is, with plain exceptions.

The exceptions are botocore's own classes built as botocore builds them (a
ClientError from a parsed error response), so the classification is tested
exactly as it meets them in production.
"""

from __future__ import annotations

import pytest
from botocore import exceptions as bex
from botocore.exceptions import ClientError
from inline_snapshot import snapshot

from lease_tables.aws import failures
from lease_tables.aws.failures import (
    BAD_INPUT,
    CONFIGURATION,
    CREDENTIALS,
    LIMIT,
    NETWORK,
    NOT_DYNAMODB,
    OTHER,
    PERMISSION,
    THROTTLING,
    NotDynamoDBAnswer,
    classify,
    error_code,
    error_message,
)
from lease_tables.core.errors import EXIT_AWS, EXIT_INPUT, AwsError, InputError

WHERE = {"table": "leasesT", "region": "us-east-1", "action": "CreateTable",
         "endpoint": "https://dynamodb.us-east-1.amazonaws.com"}


def client_error(code: str, message: str = "", status: int = 400,
                 operation: str = "CreateTable") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


@pytest.mark.parametrize(("code", "kind"), [
    ("ExpiredTokenException", CREDENTIALS),
    ("ExpiredToken", CREDENTIALS),
    ("UnrecognizedClientException", CREDENTIALS),
    ("InvalidClientTokenId", CREDENTIALS),
    ("InvalidSignatureException", CREDENTIALS),
    ("SignatureDoesNotMatch", CREDENTIALS),
    ("MissingAuthenticationTokenException", CREDENTIALS),
    ("AccessDeniedException", PERMISSION),
    ("ThrottlingException", THROTTLING),
    ("ProvisionedThroughputExceededException", THROTTLING),
    ("LimitExceededException", LIMIT),
    ("ValidationException", BAD_INPUT),
    ("InternalServerError", OTHER),
    ("502", NOT_DYNAMODB),
])
def test_codes_map_to_kinds(code: str, kind: str) -> None:
    failure = classify(client_error(code, "text"), **WHERE)
    assert failure.kind == kind
    assert "leasesT in us-east-1" in failure.message
    assert failure.message.startswith("CreateTable of leasesT")


def test_rejected_credentials_never_point_at_the_policy() -> None:
    for code in sorted(failures.CREDENTIAL_CODES):
        message = classify(client_error(code, "The security token is invalid"),
                           **WHERE).message
        assert "not a permission problem" in message or "no valid credentials" in message
        assert "policy" not in message, code


def test_access_denied_names_the_action_and_the_role_s_policy() -> None:
    provisioner = classify(client_error("AccessDeniedException", "User: x"), **WHERE).message
    assert "dynamodb:CreateTable" in provisioner
    assert "policy --role provisioner" in provisioner
    adapter = classify(client_error("AccessDeniedException"), role="adapter", **WHERE).message
    assert "policy --role adapter" in adapter


def test_a_bare_403_is_access_denied_but_a_throttle_403_is_not() -> None:
    assert failures.is_access_denied(client_error("403", "", 403))
    assert not failures.is_access_denied(client_error("ThrottlingException", "", 403))
    assert not failures.is_access_denied(client_error("ExpiredTokenException", "", 400))


def test_limit_exceeded_is_told_apart_by_aws_s_own_words() -> None:
    quota = classify(client_error("LimitExceededException", "Subscriber limit exceeded: "
                                  "There is a limit of 256 tables per subscriber"), **WHERE)
    in_flight = classify(client_error("LimitExceededException", "Subscriber limit exceeded: "
                                      "Only 10 tables can be created, updated, or deleted "
                                      "simultaneously"), **WHERE)
    assert "table quota" in quota.message and "Service Quotas" in quota.message
    assert "in progress at once" in in_flight.message
    assert failures.limit_is_quota("There is a limit of 256 tables per subscriber")
    assert not failures.limit_is_quota("Only 1 online index can be created or deleted "
                                       "simultaneously per table")


def test_xml_bodies_give_their_real_code_and_message() -> None:
    body = ('<?xml version="1.0"?><ErrorResponse><Errors><Error><Code>InvalidClientTokenId'
            '</Code><Message>The security token included in the request is invalid.</Message>'
            '</Error></Errors></ErrorResponse>')
    exc = client_error("403", body, 403)
    assert error_code(exc) == "InvalidClientTokenId"
    assert error_message(exc) == snapshot("The security token included in the request is invalid.")
    assert classify(exc, **WHERE).kind == CREDENTIALS


def test_aws_messages_become_one_redacted_line() -> None:
    exc = client_error("InvalidSignatureException",
                       "mismatch\n\nx-amz-security-token:IQoJsecretsecret\nSignature="
                       + "ab" * 32)
    message = classify(exc, **WHERE).message
    assert "\n" not in message and "IQoJsecretsecret" not in message and "ab" * 32 not in message


@pytest.mark.parametrize(("exc", "kind", "code"), [
    (bex.NoCredentialsError(), CREDENTIALS, EXIT_AWS),
    (bex.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
     CREDENTIALS, EXIT_AWS),
    (bex.CredentialRetrievalError(provider="custom-process", error_msg="exit 3"),
     CREDENTIALS, EXIT_AWS),
    (bex.ProfileNotFound(profile="nope"), CONFIGURATION, EXIT_INPUT),
    (bex.ConfigParseError(path="C:/Users/ops/.aws/config"), CONFIGURATION, EXIT_INPUT),
    (bex.InvalidRegionError(region_name="us_east_1"), BAD_INPUT, EXIT_INPUT),
    (bex.NoRegionError(), BAD_INPUT, EXIT_INPUT),
    (bex.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), NETWORK, EXIT_AWS),
    (bex.ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), NETWORK, EXIT_AWS),
    (bex.ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"), NETWORK, EXIT_AWS),
    (bex.ProxyConnectionError(proxy_url="http://proxy:8080", error="refused"), NETWORK,
     EXIT_AWS),
    (NotDynamoDBAnswer(200, "text/html", "DescribeTable"), NOT_DYNAMODB, EXIT_AWS),
    (ValueError("Invalid endpoint: 127.0.0.1:8000"), BAD_INPUT, EXIT_INPUT),
    (RuntimeError("surprise"), OTHER, EXIT_AWS),
])
def test_botocore_failures_map_to_kinds_and_exit_codes(exc: Exception, kind: str,
                                                       code: int) -> None:
    failure = classify(exc)
    assert (failure.kind, failure.exit_code) == (kind, code)
    assert "Traceback" not in failure.message and failure.message.strip()
    error = failures.setup_error(exc)
    assert isinstance(error, InputError if code == EXIT_INPUT else AwsError)
    assert error.exit_code == code


def test_a_failure_before_any_table_says_so() -> None:
    message = classify(bex.CredentialRetrievalError(provider="custom-process",
                                                    error_msg="")).message
    assert message.startswith("Setting up AWS access:") and "credential_process" in message


def test_answer_part_refuses_answers_without_the_part() -> None:
    whole = {"TableName": "abc", "TableStatus": "ACTIVE", "KeySchema": []}
    assert failures.answer_part({"Table": whole}, "Table", "Describe") == whole
    for response in ({}, {"Table": "x"}, None, "<html>", {"Table": {"TableStatus": "ACTIVE"}},
                     {"Table": {"TableName": "abc", "KeySchema": []}}):
        with pytest.raises(NotDynamoDBAnswer):
            failures.answer_part(response, "Table", "DescribeTable")


# ------------------------------------------------------------------ where and what, word for word

@pytest.mark.parametrize(("where", "start"), [
    ({"table": "t", "region": "us-east-1", "action": "CreateTable", "endpoint": "http://e"},
     "CreateTable of t in us-east-1 at http://e was refused"),
    ({"table": "t"}, "t was refused"),
    ({"table": "t", "action": "A"}, "A of t was refused"),
    ({"table": "t", "endpoint": "http://e"}, "t at http://e was refused"),
    ({"action": "A", "endpoint": "http://e"}, "A at http://e was refused"),
    ({"action": "A"}, "Setting up AWS access was refused"),
])
def test_a_message_says_where_with_what_is_known(where: dict[str, str], start: str) -> None:
    message = classify(client_error("ValidationException", "bad  key\nhere"), **where).message
    assert message.startswith(f"{start} as invalid (ValidationException: bad  key here). ")
    bare = classify(client_error("ValidationException", ""), **where).message
    assert bare.startswith(f"{start} as invalid (ValidationException). ")


def test_a_failure_as_an_error_carries_its_message() -> None:
    failure = classify(client_error("ValidationException", "bad"), **WHERE)
    assert str(failure.error()) == failure.message


def test_an_answer_that_is_not_dynamodbs_is_named_with_what_came() -> None:
    bare = NotDynamoDBAnswer(None, "")
    assert (str(bare), bare.status, bare.content_type, bare.operation) == (
        "HTTP None, no content type", None, "", "")
    for response, content in (({}, "an answer without Table"),
                              ({"Table": {"TableName": "t", "KeySchema": []}},
                               "Table without TableStatus")):
        with pytest.raises(NotDynamoDBAnswer) as caught:
            failures.answer_part(response, "Table", "DescribeTable")
        answer = caught.value
        assert (str(answer), answer.status, answer.content_type, answer.operation) == (
            f"HTTP 200, {content}", 200, content, "DescribeTable")
    message = classify(NotDynamoDBAnswer(200, "text/html", "DescribeTable"), table="t",
                       region="us-east-1", action="DescribeTable",
                       endpoint="http://e").message
    assert message == snapshot(
        "DescribeTable of t in us-east-1 at http://e: not DynamoDB's answer (HTTP 200, "
        "text/html). Something between this server and http://e (a proxy, a firewall's "
        "block page, a captive portal), or the endpoint itself, answered in a way DynamoDB "
        "never does. Check --endpoint-url and this server's proxy settings (HTTPS_PROXY, "
        "NO_PROXY), then rerun; it is safe to rerun.")


def test_error_code_and_message_of_anything_without_an_aws_answer_are_empty() -> None:
    assert (error_code(RuntimeError("x")), error_message(RuntimeError("x"))) == (None, "")
    plain = client_error("ValidationException", "plain <words")
    assert error_message(plain) == "plain <words"
    code_only = client_error("400", "<Error><Code>Throttling</Code></Error>", 400)
    assert (error_code(code_only), error_message(code_only)) == (
        "Throttling", "<Error><Code>Throttling</Code></Error>")
    no_code = ClientError({"Error": {"Message": "<Code>ExpiredToken</Code>"}}, "CreateTable")
    assert error_code(no_code) == "ExpiredToken"
    assert error_code(ClientError({"Error": {"Code": "Bare"}}, "CreateTable")) == "Bare"


@pytest.mark.parametrize(("action", "verb"), [
    ("kinesis:GetRecords", "kinesis:GetRecords"), ("CreateTable", "dynamodb:CreateTable"),
    ("create", "this action"), (None, "this action"), ("", "this action")])
def test_access_denied_names_the_call_it_refused(action: str | None, verb: str) -> None:
    for exc in (client_error("403", "", 403), client_error("AccessDeniedException", "no")):
        message = classify(exc, table="t", action=action).message
        assert f"was refused: the identity in use may not call {verb} (" in message
    ends = ("Grant it (`lease-tables policy --role provisioner --account-id ID` prints the "
            "policy that `create` and `verify` need), or run with an identity that has it, "
            "then rerun.")
    assert classify(client_error("403", "", 403), table="t").message.endswith(ends)
    assert classify(client_error("403", "", 403), table="t", role="other").message.endswith(ends)
    assert classify(client_error("ValidationException", "", 403), table="t").kind != PERMISSION


def test_explain_is_classify_on_one_table_for_the_role_given() -> None:
    exc = client_error("AccessDeniedException", "no")
    message = failures.explain(exc, "t", "CreateTable", "http://e", "eu-west-1", role="adapter")
    assert message == classify(exc, table="t", region="eu-west-1", action="CreateTable",
                               endpoint="http://e", role="adapter").message
    assert message.startswith("CreateTable of t in eu-west-1 at http://e was refused")
    assert "policy --role adapter" in message
    assert "policy --role provisioner" in failures.explain(exc, "t", "CreateTable", "http://e")


def test_one_index_at_a_time_is_its_own_limit() -> None:
    message = classify(client_error("LimitExceededException", "Subscriber limit exceeded: "
                                    "Only 1 Online Index can be created or deleted "
                                    "simultaneously per table"), table="t").message
    assert message.startswith(
        "t was refused because another index of this table is being created or deleted "
        "(LimitExceededException: Subscriber limit exceeded: Only 1 Online Index can be")


def test_an_answer_that_is_not_an_error_body_is_not_dynamodbs() -> None:
    failure = classify(client_error("502", "<html>x</html>", 502), table="t")
    assert failure.kind == NOT_DYNAMODB
    assert failure.message.startswith(
        "t: not DynamoDB's answer (HTTP 502 with a body that is not a DynamoDB error). "
        "Something between this server and the endpoint (a proxy,")
    bare = classify(NotDynamoDBAnswer(200, "text/html"), table="t").message
    assert bare == snapshot(
        "t: not DynamoDB's answer (HTTP 200, text/html). Something between this server and the "
        "endpoint (a proxy, a firewall's block page, a captive portal), or the endpoint itself, "
        "answered in a way DynamoDB never does. Check --endpoint-url and this server's proxy "
        "settings (HTTPS_PROXY, NO_PROXY), then rerun; it is safe to rerun.")
    assert str(NotDynamoDBAnswer(200, "x")) == "HTTP 200, x"
    with pytest.raises(NotDynamoDBAnswer, match=r"Table without TableStatus, KeySchema$"):
        failures.answer_part({"Table": {"TableName": "t"}}, "Table", "DescribeTable")


def test_botocores_own_failures_word_for_word() -> None:
    timeout = bex.ReadTimeoutError(endpoint_url="http://127.0.0.1:9")
    assert classify(timeout, table="t").message == snapshot(
        "t timed out (ReadTimeoutError). Check the network path to the endpoint (proxy, "
        "firewall, VPC endpoint) and rerun; it is safe to rerun.")
    assert classify(timeout, table="t", endpoint="http://e").message == snapshot(
        "t at http://e timed out (ReadTimeoutError). Check the network path to http://e "
        "(proxy, firewall, VPC endpoint) and rerun; it is safe to rerun.")
    refused = bex.ParamValidationError(report="Invalid length for parameter TableName.")
    assert classify(refused, table="t").message == snapshot(
        "t was refused before sending: Parameter validation failed: Invalid length for "
        "parameter TableName.")
    assert classify(ValueError("Invalid endpoint: 127.0.0.1:8000")).message == snapshot(
        "The endpoint URL is not one the AWS SDK accepts (Invalid endpoint: 127.0.0.1:8000). "
        "Give it with its scheme, e.g. http://127.0.0.1:8000, wherever it is set "
        "(--endpoint-url, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> or endpoint_url in the "
        "AWS config file).")
    assert classify(RuntimeError("an endpoint surprise")).kind == OTHER
    # Only the full stop botocore ends with goes; the detail's own last letters stay.
    ending_in_x = bex.ParamValidationError(report="Unknown parameter X.")
    assert classify(ending_in_x, table="t").message == snapshot(
        "t was refused before sending: Parameter validation failed: Unknown parameter X.")


def test_an_access_denial_from_an_scp_says_who_can_lift_it() -> None:
    message = ("User x is not authorized to perform: dynamodb:CreateTable with an explicit "
               "deny in a Service Control Policy")
    failure = classify(client_error("AccessDeniedException", message), **WHERE)
    assert failure.kind == PERMISSION
    assert failure.message == snapshot(
        "CreateTable of leasesT in us-east-1 at https://dynamodb.us-east-1.amazonaws.com was "
        "refused: the identity in use may not call dynamodb:CreateTable (AccessDeniedException:"
        " User x is not authorized to perform: dynamodb:CreateTable with an explicit deny in a "
        "Service Control Policy). This is an explicit deny in, or no allow from, a service "
        "control policy (SCP) of your AWS organization: no policy in this account can lift it. "
        "Ask whoever administers your organization's SCPs to allow dynamodb:CreateTable for "
        "this account or identity, then rerun.")


def test_grant_advice_names_the_barrier_of_the_first_denial_that_has_one() -> None:
    denials = ["not authorized", "no permissions boundary allows the action"]
    assert failures.grant_advice(denials, "them", "Grant them") == snapshot(
        "They are refused by this identity's permissions boundary: granting them in its own "
        "policies does not help while the boundary refuses them. Ask whoever administers the "
        "boundary (often the account's security team) to allow them in it")
    assert failures.grant_advice(denials[1:], "kinesis:GetRecords", "Grant it") == snapshot(
        "It is refused by this identity's permissions boundary: granting kinesis:GetRecords in "
        "its own policies does not help while the boundary refuses kinesis:GetRecords. Ask "
        "whoever administers the boundary (often the account's security team) to allow "
        "kinesis:GetRecords in it")
    assert failures.grant_advice(denials[:1], "them", "Grant them") == "Grant them"
    assert failures.grant_advice([], "them", "Grant them") == "Grant them"


@pytest.mark.parametrize(("metadata", "retried"), [
    ({"RetryAttempts": 2}, True), ({"RetryAttempts": 0}, False), ({}, False), (None, False),
    ("RetryAttempts", False)])
def test_was_retried_reads_botocores_retry_count(metadata: object, retried: bool) -> None:
    exc = client_error("ResourceInUseException")
    exc.response["ResponseMetadata"] = metadata
    assert failures.was_retried(exc) is retried
    assert failures.was_retried(ValueError("no answer")) is False
