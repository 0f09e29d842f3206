"""Every AWS or botocore failure, named for what it is, in the operator's words.

An operator acts on what this prints: "grant the policy" sent to the security
team for an expired session token, or "internal error" for a Notepad
byte-order mark, costs a change window. So one place turns any exception from
the AWS side into a kind, a one-paragraph message (what, where, what to do)
and an exit code, and every command uses it, per table and before any table.

Kinds: credentials, configuration, permission, throttling, limit, bad input,
not-DynamoDB, network, and other (an AWS error we have no better words for).
We match botocore's exception classes and AWS error codes, never message text,
except where AWS gives only text (a table quota and the concurrent-operations
limit are both LimitExceededException).

No boto3 at import time: dry runs, `policy` and `template` never load it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lease_tables.core.errors import EXIT_AWS, EXIT_INPUT, AwsError, InputError, LeaseTablesError
from lease_tables.core.printable import aws_text

CREDENTIALS = "credentials"
CONFIGURATION = "configuration"
PERMISSION = "permission"
THROTTLING = "throttling"
LIMIT = "limit"
BAD_INPUT = "bad-input"
NOT_DYNAMODB = "not-dynamodb"
NETWORK = "network"
OTHER = "other"

# Codes that say "this identity may not do this".
ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
LIMIT_CODE = "LimitExceededException"
NOT_FOUND_CODE = "ResourceNotFoundException"
IN_USE_CODE = "ResourceInUseException"

# The policy each command's identity should have, for "access denied" advice.
POLICY_FOR = {
    "provisioner": "`lease-tables policy --role provisioner --account-id ID` prints the "
                   "policy that `create` and `verify` need",
    "adapter": "`lease-tables policy --role adapter --account-id ID` prints the policy the "
               "adapter needs",
}


class NotDynamoDBAnswer(Exception):
    """The endpoint answered, but with something DynamoDB never sends (a proxy's page)."""

    def __init__(self, status: int | None, content_type: str, operation: str = "") -> None:
        super().__init__(f"HTTP {status}, {content_type or 'no content type'}")
        self.status = status
        self.content_type = content_type
        self.operation = operation


@dataclass(frozen=True)
class Failure:
    """What went wrong, in one paragraph, and the exit code it earns."""

    kind: str
    message: str

    @property
    def exit_code(self) -> int:
        return EXIT_INPUT if self.kind in (CONFIGURATION, BAD_INPUT) else EXIT_AWS

    def error(self) -> LeaseTablesError:
        """As an exception for failures before any table (the CLI prints it and exits)."""
        return (InputError if self.exit_code == EXIT_INPUT else AwsError)(self.message)


def _response(exc: BaseException) -> dict[str, Any]:
    """A ClientError's parsed response (botocore's untyped dict: the AWS edge); {} for
    other exceptions, so that each reader below finds nothing in it."""
    response = getattr(exc, "response", None)
    return response if isinstance(response, dict) else {}


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ClientError, or None for other exceptions.

    Some endpoints (moto, proxies in front of AWS) answer in the XML of AWS's
    query protocol, which botocore's JSON parser leaves in the message under a
    bare HTTP status as the code; the real code is read from it then.
    """
    error = _response(exc).get("Error") or {}
    code: str | None = error.get("Code")  # botocore's parsed error: text, or absent
    if code is None or str(code).isdigit():
        return dict(_XML_FIELD.findall(str(error.get("Message") or ""))).get("Code") or code
    return code


def error_message(exc: BaseException) -> str:
    """The AWS error message of a ClientError ('' when there is none)."""
    message = str((_response(exc).get("Error") or {}).get("Message") or "")
    return str(dict(_XML_FIELD.findall(message)).get("Message", message))


# An XML error body's fields, as (name, text) pairs.
_XML_FIELD = re.compile(r"<(Code|Message)>([^<]*)</\1>")


def http_status(exc: BaseException) -> int | None:
    return (_response(exc).get("ResponseMetadata") or {}).get("HTTPStatusCode")


# Fields DynamoDB always sends in a table description, which the commands read.
TABLE_FIELDS = ("TableName", "TableStatus", "KeySchema")


def answer_part(response: object, key: str, action: str) -> dict[str, Any]:
    """A part of a DynamoDB answer that DynamoDB always sends (`Table`, say), with the
    `TABLE_FIELDS` it always holds; without them the answer came from something else (a
    proxy that said 200 with its own body). Their types were checked against the
    operation's shape when the answer was parsed (`aws.GuardedParser`): the AWS edge,
    so the values stay Any (`spec.Answer` reads them)."""
    part = response.get(key) if isinstance(response, dict) else None
    if not isinstance(part, dict):
        raise NotDynamoDBAnswer(200, f"an answer without {key}", action)
    missing = [f for f in TABLE_FIELDS if f not in part]
    if missing:
        raise NotDynamoDBAnswer(200, f"{key} without {', '.join(missing)}", action)
    return part


# Where AWS says an access-denied came from ("... with an explicit deny in a service
# control policy", "... because no permissions boundary allows the ... action"): a deny
# that no grant to this identity lifts, each with who can lift it. First match wins.
_BARRIERS: tuple[tuple[str, str], ...] = (
    ("service control policy",
     "an explicit deny in, or no allow from, a service control policy (SCP) of your AWS "
     "organization: no policy in this account can lift it. Ask whoever administers your "
     "organization's SCPs to allow {them} for this account or identity"),
    ("resource control policy",
     "a resource control policy (RCP) of your AWS organization: no policy in this account "
     "can lift it. Ask whoever administers your organization's RCPs to allow {them}"),
    ("permissions boundary",
     "this identity's permissions boundary: granting {them} in its own policies does not "
     "help while the boundary refuses {them}. Ask whoever administers the boundary (often "
     "the account's security team) to allow {them} in it"),
    ("session policy",
     "the session policy of this role session: granting {them} to the role does not help. "
     "Start the session without that session policy, or with one that allows {them}"),
    ("explicit deny in an identity-based policy",
     "an explicit Deny in a policy attached to this identity: an Allow never overrides a "
     "Deny. Remove {them} from that Deny (or use another identity)"),
    ("explicit deny in a resource-based policy",
     "an explicit Deny in the resource's own policy (a stream's or key's resource-based "
     "policy): an Allow in the identity's policy never overrides it. Remove {them} from "
     "that Deny"),
)


def barrier(message: str) -> str | None:
    """Why a grant cannot help, when AWS's access-denied message says (an SCP, a
    permissions boundary, a session policy, an explicit Deny), with `{them}` where the
    refused actions go; None for an ordinary "not authorized" that a grant lifts."""
    lower = message.lower()
    return next((words for marker, words in _BARRIERS if marker in lower), None)


def grant_advice(denials: Iterable[str], them: str, grant: str) -> str:
    """What to do about refused actions: `grant` (e.g. "Grant them (policy ...)") when a
    grant lifts them; otherwise who can, named from the denial (`barrier`)."""
    found = next(filter(None, map(barrier, denials)), None)
    if found is None:
        return grant
    return f"{'They are' if them == 'them' else 'It is'} refused by {found.format(them=them)}"


def was_retried(exc: BaseException) -> bool:
    """Whether botocore sent the call more than once before this answer: an earlier
    attempt may have done the work and lost its answer (a reset connection), so an
    answer such as ResourceInUse says nothing about who did it."""
    metadata = _response(exc).get("ResponseMetadata")
    return bool(isinstance(metadata, dict) and metadata.get("RetryAttempts"))


def is_access_denied(exc: BaseException) -> bool:
    """However the endpoint phrases it: a known code, or a bare HTTP 403 with no code."""
    code = error_code(exc)
    return code in ACCESS_DENIED_CODES or (http_status(exc) == 403
                                           and (code is None or code.isdigit()))


def limit_is_quota(message: str) -> bool:
    """A LimitExceededException for the account's table quota, not for operations in
    flight: AWS says "simultaneously" only for the latter (and nothing else tells)."""
    return "simultaneous" not in message.lower()


# botocore's refusals of a configured value (a bad AWS_DEFAULTS_MODE, say): configuration,
# named by `aws.Clients` with the setting that holds the value.
VALUE_REFUSALS = ("InvalidDefaultsMode", "InvalidRetryConfigurationError",
                  "InvalidRetryModeError", "InvalidMaxRetryAttemptsError",
                  "InvalidEndpointConfigurationError", "InvalidConfigError")

# botocore's own exceptions (no AWS error code): which kind each is, in the operator's
# words. First match wins, so the specific classes come before their bases.
_BOTOCORE_RULES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("NoCredentialsError",), CREDENTIALS,
     "{where} needs AWS credentials and none were found (environment variables, --profile, "
     "the shared credentials file, or an instance role). Set them or pass --profile. "
     "Nothing was changed."),
    (("PartialCredentialsError",), CREDENTIALS,
     "{where}: the AWS credentials are incomplete ({detail}): an access key without its "
     "secret, or the reverse. Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or fix "
     "the profile in the credentials file). Nothing was changed."),
    (("SSOTokenLoadError", "UnauthorizedSSOTokenError"), CREDENTIALS,
     "{where}: the AWS profile signs in through IAM Identity Center (SSO), and its login is "
     "missing or has expired ({detail}). Run `aws sso login` with that profile (--profile "
     "or AWS_PROFILE), then rerun. Nothing was changed."),
    (("CredentialRetrievalError", "SSOError", "TokenRetrievalError",
      "RefreshWithMFAUnsupportedError", "MetadataRetrievalError"), CREDENTIALS,
     "{where}: the AWS credentials could not be obtained ({detail}). If the profile uses "
     "credential_process, run that command by hand to see why it fails; for SSO, run `aws "
     "sso login`. Then rerun. Nothing was changed."),
    (("ProfileNotFound",), CONFIGURATION,
     "The AWS profile named by --profile, AWS_DEFAULT_PROFILE or AWS_PROFILE is not in the "
     "AWS config or credentials files ({detail}). Check its spelling with `aws configure "
     "list-profiles`."),
    (("ConfigParseError", "ConfigNotFound"), CONFIGURATION,
     "The AWS configuration could not be read ({detail}). A common cause is a config or "
     "credentials file saved by Notepad as \"UTF-8 with BOM\": save it as plain UTF-8 (or "
     "ANSI). Check AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE too."),
    (VALUE_REFUSALS, CONFIGURATION,
     "The AWS configuration holds a value the AWS SDK refuses ({detail}). Fix or unset it "
     "(an AWS_* environment variable or the profile in the AWS config file), then rerun. "
     "Nothing was changed."),
    (("NoRegionError", "InvalidRegionError", "UnknownRegionError"), BAD_INPUT,
     "{where}: the AWS region is missing or malformed ({detail}). Pass --region with a "
     "region code such as us-east-1."),
    (("ParamValidationError", "ValidationError"), BAD_INPUT,
     "{where} was refused before sending: {detail}."),
    (("ConnectTimeoutError", "ReadTimeoutError"), NETWORK,
     "{where} timed out ({error}). Check the network path to {endpoint} (proxy, firewall, "
     "VPC endpoint) and rerun; it is safe to rerun."),
    (("SSLError",), NETWORK,
     "{where} failed in the TLS handshake ({detail}). A TLS-inspecting proxy needs its CA "
     "certificate in AWS_CA_BUNDLE; otherwise check --endpoint-url."),
    (("ProxyConnectionError",), NETWORK,
     "{where} could not reach the HTTP proxy ({detail}). Check HTTPS_PROXY and NO_PROXY on "
     "this server, then rerun."),
    (("EndpointConnectionError", "ConnectionClosedError", "HTTPClientError",
      "ConnectionError"), NETWORK,
     "{where} could not connect ({detail}). Check --endpoint-url, --region and the network "
     "path (proxy, firewall) from this server, then rerun; it is safe to rerun."),
    (("BotoCoreError",), OTHER,
     "{where} failed: {detail}. Rerun once the cause is fixed; it is safe to rerun."),
)


def classify(exc: BaseException, *, table: str | None = None, region: str | None = None,
             action: str | None = None, endpoint: str | None = None,
             role: str = "provisioner") -> Failure:
    """The kind and the one-paragraph message for any exception from the AWS side.

    `table`, `action` and `endpoint` say where it happened (a failure before any
    table has none); `role` picks the policy named in access-denied advice.
    """
    from botocore import exceptions as bex

    where = _where(table, region, action, endpoint)
    code = error_code(exc)
    if isinstance(exc, NotDynamoDBAnswer):
        return Failure(NOT_DYNAMODB, _not_dynamodb_words(where, str(exc), endpoint))
    if code is not None:
        return _classify_code(exc, code, where, action, role)
    for names, kind, words in _BOTOCORE_RULES:
        if isinstance(exc, tuple(getattr(bex, name) for name in names)):
            # botocore's own sentences end in a full stop; ours follows the detail.
            return Failure(kind, words.format(where=where, detail=aws_text(exc).rstrip("."),
                                              error=type(exc).__name__,
                                              endpoint=endpoint or "the endpoint"))
    if isinstance(exc, ValueError) and "endpoint" in str(exc).lower():
        return Failure(BAD_INPUT, (
            f"The endpoint URL is not one the AWS SDK accepts ({aws_text(exc)}). Give it "
            f"with its scheme, e.g. http://127.0.0.1:8000, wherever it is set (--endpoint-url, "
            f"AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> or endpoint_url in the AWS config "
            f"file)."))
    return Failure(OTHER, (
        f"{where} failed unexpectedly ({type(exc).__name__}: {aws_text(exc)}). Nothing beyond "
        f"what was reported was changed; it is safe to rerun."))


# AWS error codes whose meaning needs no more than the code: kind and words.
# Credential codes say "these credentials are not accepted at all": never a policy matter.
_CODE_RULES: tuple[tuple[frozenset[str], str, str], ...] = (
    (frozenset({"ExpiredTokenException", "ExpiredToken", "RequestExpired",
                "TokenRefreshRequired"}), CREDENTIALS,
     "{where} was refused because the credentials have expired ({detail}). This is not a "
     "permission problem: get fresh credentials (a new session token, `aws sso login`, or "
     "the role's) and rerun; it is safe to rerun."),
    (frozenset({"UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId"}),
     CREDENTIALS,
     "{where} was refused because AWS does not recognise the access key ({detail}). This is "
     "not a permission problem: the key may be mistyped, deleted, or from another partition "
     "(China, GovCloud). Check AWS_ACCESS_KEY_ID or the profile, then rerun."),
    (frozenset({"InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
                "IncompleteSignatureException"}), CREDENTIALS,
     "{where} was refused because the request signature did not match ({detail}). This is "
     "not a permission problem: the secret access key does not belong to the access key ID, "
     "or this server's clock is more than 5 minutes off (check the time and time zone, e.g. "
     "`w32tm /query /status`). Fix it and rerun."),
    (frozenset({"MissingAuthenticationTokenException", "MissingAuthenticationToken"}),
     CREDENTIALS,
     "{where} was refused because the request carried no valid credentials ({detail}). Set "
     "AWS credentials or pass --profile, then rerun."),
    (frozenset({"ThrottlingException", "Throttling", "ProvisionedThroughputExceededException",
                "RequestLimitExceeded", "TooManyRequestsException"}), THROTTLING,
     "{where} was throttled by DynamoDB ({detail}) beyond the retry budget. Wait a minute "
     "and rerun (it is safe to rerun), or lower --concurrency."),
    (frozenset({"ValidationException", "SerializationException"}), BAD_INPUT,
     "{where} was refused as invalid ({detail}). Check the table name and options; nothing "
     "was changed."),
)
CREDENTIAL_CODES = frozenset().union(*(codes for codes, kind, _ in _CODE_RULES
                                      if kind == CREDENTIALS))
_QUOTA_WORDS = (
    "{where} was refused by the account's table quota ({detail}): this account and region "
    "hold as many tables as DynamoDB allows them. Delete tables that are no longer used, or "
    "ask for a higher \"Maximum number of tables\" in the Service Quotas console, then "
    "rerun. Waiting does not help.")
_ONE_INDEX_WORDS = (
    "{where} was refused because another index of this table is being created or deleted "
    "({detail}): DynamoDB builds one index per table at a time. It still was after retrying "
    "for up to a minute (within --timeout). Wait until the table's other index operation is "
    "done (DynamoDB console, Indexes), then rerun; it is safe to rerun.")
_IN_FLIGHT_WORDS = (
    "{where} was refused by the account's limit on table operations in progress at once "
    "({detail}), and still was after retrying for up to a minute (within --timeout). Other "
    "jobs in this account are creating, updating or deleting tables; rerun when they are "
    "done (it is safe to rerun), or use a smaller --concurrency.")


def _classify_code(exc: BaseException, code: str, where: str, action: str | None,
                   role: str) -> Failure:
    message = error_message(exc)
    detail = f"{code}: {aws_text(message)}" if message else code
    for codes, kind, words in _CODE_RULES:
        if code in codes:
            return Failure(kind, words.format(where=where, detail=detail))
    if is_access_denied(exc):
        verb = (action if action and ":" in action  # another service's, e.g. kinesis:...
                else f"dynamodb:{action}" if action and action[:1].isupper() else "this action")
        blocked = barrier(message)
        advice = (f"This is {blocked.format(them=verb)}" if blocked else
                  f"Grant it ({POLICY_FOR.get(role, POLICY_FOR['provisioner'])}), or run with "
                  f"an identity that has it")
        return Failure(PERMISSION, (
            f"{where} was refused: the identity in use may not call {verb} ({detail}). "
            f"{advice}, then rerun."))
    if code == LIMIT_CODE:
        words = (_QUOTA_WORDS if limit_is_quota(message)
                 else _ONE_INDEX_WORDS if "online index" in message.lower()
                 else _IN_FLIGHT_WORDS)
        return Failure(LIMIT, words.format(where=where, detail=detail))
    if code.isdigit():  # botocore could not read an error body: not DynamoDB's answer
        return Failure(NOT_DYNAMODB, _not_dynamodb_words(
            where, f"HTTP {code} with a body that is not a DynamoDB error", None))
    return Failure(OTHER, (
        f"{where} failed ({detail}). Rerun once the cause is fixed; it is safe to rerun."))


def _not_dynamodb_words(where: str, what: str, endpoint: str | None) -> str:
    """Any answer DynamoDB never sends (an HTML page, a body that is not JSON or not
    UTF-8, fields of the wrong type), in one set of words."""
    return (f"{where}: not DynamoDB's answer ({aws_text(what)}). Something between this "
            f"server and {endpoint or 'the endpoint'} (a proxy, a firewall's block page, a "
            f"captive portal), or the endpoint itself, answered in a way DynamoDB never "
            f"does. Check --endpoint-url and this server's proxy settings (HTTPS_PROXY, "
            f"NO_PROXY), then rerun; it is safe to rerun.")


def _where(table: str | None, region: str | None, action: str | None,
           endpoint: str | None) -> str:
    if table is None:
        return f"{action} at {endpoint}" if action and endpoint else "Setting up AWS access"
    place = f"{table} in {region}" if region else table
    text = f"{action} of {place}" if action else place
    return f"{text} at {endpoint}" if endpoint else text


def explain(exc: BaseException, table: str, action: str, endpoint: str,
            region: str | None = None, role: str = "provisioner") -> str:
    """One paragraph for a failed call on one table: what, where, what to do."""
    return classify(exc, table=table, region=region, action=action, endpoint=endpoint,
                    role=role).message


def setup_error(exc: BaseException) -> LeaseTablesError:
    """A failure while making clients or resolving credentials, as our own error."""
    if isinstance(exc, LeaseTablesError):
        return exc
    return classify(exc).error()
