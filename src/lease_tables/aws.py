"""The one place boto3 clients are made, and AWS errors turned into operator words.

Everything that talks to DynamoDB gets its client here, so retries, timeouts,
the connection pool and the endpoint are decided once. boto3 is imported
lazily: dry runs, `name`, `policy` and `template` never need it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lease_tables.errors import AwsError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import boto3

DEFAULT_MAX_ATTEMPTS = 6
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20

ACCESS_DENIED_CODES = frozenset({
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
})


class Clients:
    """DynamoDB clients for one run, one per region, sharing one session.

    Retries use botocore's standard mode (exponential back-off with jitter,
    throttling-aware) unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS or the
    profile's config say otherwise, so operators tune it the way they tune the
    AWS CLI.
    """

    def __init__(self, profile: str | None, endpoint_url: str | None,
                 pool_size: int = 10, env: Mapping[str, str] | None = None) -> None:
        import boto3
        from botocore.exceptions import ProfileNotFound

        self.env = os.environ if env is None else env
        self.endpoint_url = endpoint_url
        self.pool_size = max(pool_size, 1)
        try:
            self.session: boto3.Session = boto3.Session(profile_name=profile)
        except ProfileNotFound:
            raise InputError(
                f"The AWS profile {profile!r} (from --profile or AWS_PROFILE) is not in the "
                f"AWS config or credentials files of this account. Check its spelling with "
                f"`aws configure list-profiles`."
            ) from None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._table_names: dict[str, list[str]] = {}
        self._names_lock = threading.Lock()

    def endpoint_for(self, region: str) -> str:
        return self.endpoint_url or f"https://dynamodb.{region}.amazonaws.com"

    def check_credentials(self) -> None:
        """Fail once, clearly, before any table is tried, when there are no credentials."""
        if self.session.get_credentials() is None:
            raise AwsError(
                "No AWS credentials were found (environment variables, --profile, the "
                "shared credentials file, or an instance role). Run with --profile naming an "
                "identity that may create the lease tables, or set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY. Nothing was created."
            )

    def retries(self) -> dict[str, Any]:
        """Our defaults only where the operator configured nothing.

        A chosen mode keeps that mode's own attempt count unless one is set too,
        exactly as the AWS CLI would behave with the same settings.
        """
        config = self.session._session.get_scoped_config()  # the profile's own settings
        mode_set = bool(self.env.get("AWS_RETRY_MODE") or config.get("retry_mode"))
        attempts_set = bool(self.env.get("AWS_MAX_ATTEMPTS") or config.get("max_attempts"))
        retries: dict[str, Any] = {}
        if not mode_set:
            retries["mode"] = "standard"
            if not attempts_set:
                retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
        return retries

    def dynamodb(self, region: str) -> Any:
        """A thread-safe DynamoDB client for one region (boto3 clients are)."""
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                from botocore.config import Config

                config = Config(
                    retries=self.retries(),  # type: ignore[arg-type]
                    connect_timeout=CONNECT_TIMEOUT,
                    read_timeout=READ_TIMEOUT,
                    max_pool_connections=self.pool_size,
                    user_agent_extra="lease-tables",
                )
                client = self.session.client(
                    "dynamodb", region_name=region, endpoint_url=self.endpoint_url,
                    config=config,
                )
                self._clients[region] = client
            return client


    def table_names(self, region: str) -> list[str]:
        """Every table name in a region, listed once per run and shared by all tables.

        Only used for near-twin hints, so a refused or failed ListTables just
        means no hint (an empty list), never a failure.
        """
        with self._names_lock:
            names = self._table_names.get(region)
            if names is None:
                names = self._table_names[region] = _list_table_names(self.dynamodb(region))
            return names


def _list_table_names(client: Any) -> list[str]:
    try:
        names: list[str] = []
        for page in client.get_paginator("list_tables").paginate():
            names.extend(page.get("TableNames", []))
        return names
    except Exception:
        return []


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ClientError, or None for other exceptions."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code")
    return None


def error_message(exc: BaseException) -> str:
    """The AWS error message of a ClientError ('' when there is none)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Message") or "")
    return ""


def http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return None


def is_access_denied(exc: BaseException) -> bool:
    """However the endpoint phrases it: a known code, or a bare HTTP 403."""
    code = error_code(exc)
    if code in ACCESS_DENIED_CODES:
        return True
    return http_status(exc) == 403 and code not in {"ThrottlingException"}


def explain(exc: BaseException, table: str, action: str, endpoint: str) -> str:
    """One paragraph: what failed, where, and what to do next. Never credentials."""
    from botocore import exceptions as bex

    where = f"{action} of {table} at {endpoint}"
    code = error_code(exc)
    if code is not None:
        text = error_message(exc)
        detail = f"{code}: {text}" if text else code
        if is_access_denied(exc):
            return (f"{where} was refused ({detail}). The identity in use may not call "
                    f"dynamodb:{action}; run with one that may (see `lease-tables policy "
                    f"--role provisioner`), or ask your AWS administrator.")
        if code in {"ThrottlingException", "LimitExceededException",
                    "ProvisionedThroughputExceededException", "RequestLimitExceeded"}:
            return (f"{where} was throttled ({detail}) beyond the retry budget. Wait a "
                    f"minute and rerun; it is safe to rerun.")
        return f"{where} failed ({detail}). Rerun once the cause is fixed; it is safe to rerun."
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        return (f"{where} needs AWS credentials and none were usable ({exc}). Set them or "
                f"pass --profile.")
    if isinstance(exc, bex.ConnectTimeoutError | bex.ReadTimeoutError):
        return (f"{where} timed out ({type(exc).__name__}). Check the network path to "
                f"{endpoint} (proxy, firewall, VPC endpoint) and rerun; it is safe to rerun.")
    if isinstance(exc, bex.EndpointConnectionError | bex.ConnectionClosedError):
        return (f"{where} could not connect: {exc}. Check --endpoint-url, --region and the "
                f"network path (proxy, firewall) from this server, then rerun.")
    if isinstance(exc, bex.NoRegionError):
        return f"{where} has no region. Pass --region."
    if isinstance(exc, bex.BotoCoreError):
        return f"{where} failed: {exc}. Rerun once the cause is fixed; it is safe to rerun."
    return f"{where} failed unexpectedly: {type(exc).__name__}: {exc}. It is safe to rerun."


_SIGV4_PARTS = re.compile(
    r"(Credential=)[^,\s'\"]+|(Signature=)[0-9a-fA-F]+|"
    r"((?:X-Amz-Security-Token|x-amz-security-token)['\"]?\s*[:=]\s*b?['\"]?)[^'\",\s}]+"
)


class RedactingFormatter(logging.Formatter):
    """Formats log records, then removes every credential from the final text.

    Redacting the formatted text (not the record) also covers exception
    tracebacks and botocore's dumps of request headers, where SigV4 puts the
    access key ID; the secret itself is never sent, but we remove it too in
    case a library ever logs it.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)

    def formatException(self, ei: Any) -> str:
        """The exception's last line only: even verbose output shows no traceback."""
        _kind, value, _tb = ei
        return f"  caused by {type(value).__name__}: {value}"


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return _SIGV4_PARTS.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "***", text)


def enable_debug_logging(clients: Clients, stream: Any = None) -> None:
    """--verbose: botocore's and our own debug log on stderr, credentials removed."""
    secrets: list[str] = []
    credentials = clients.session.get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        secrets = [frozen.access_key, frozen.secret_key, frozen.token or ""]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
