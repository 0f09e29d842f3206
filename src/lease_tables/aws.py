"""The one place boto3 clients are made, and the AWS options checked.

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
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lease_tables import failures
from lease_tables.errors import AwsError
from lease_tables.failures import NotDynamoDBAnswer, classify, setup_error
from lease_tables.printable import quote, redact, register_secrets

if TYPE_CHECKING:  # pragma: no cover
    import boto3

DEFAULT_MAX_ATTEMPTS = 6
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
# Seconds ListTables (near-twin hints only) may take, apart from the run's own work:
# past it the hint is dropped with a note, and nothing else waits (README "Hints").
HINT_BUDGET = 3.0


class Clients:
    """DynamoDB clients for one run, one per region, sharing one session.

    Retries use botocore's standard mode (exponential back-off with jitter,
    throttling-aware) unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS or the
    profile's config say otherwise, so operators tune it the way they tune the
    AWS CLI. Every failure while setting up (an unknown profile, a config file
    botocore cannot parse, a failing credential_process) is classified by
    `failures`, never left to surface as an internal error.
    """

    def __init__(self, profile: str | None, endpoint_url: str | None,
                 pool_size: int = 10, env: Mapping[str, str] | None = None,
                 read_timeout: float = READ_TIMEOUT) -> None:
        self.env = os.environ if env is None else env
        self.endpoint_url = endpoint_url
        self.pool_size = max(pool_size, 1)
        self.read_timeout = max(1.0, min(read_timeout, READ_TIMEOUT))
        try:
            import boto3

            self.session: boto3.Session = boto3.Session(profile_name=profile)
            self._retries = self._retry_settings()
        except Exception as exc:
            raise setup_error(exc) from None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._listings: dict[str, _Listing] = {}
        self._names_lock = threading.Lock()
        self.hint_budget = HINT_BUDGET

    def endpoint_for(self, region: str, service: str = "dynamodb") -> str:
        """The endpoint a message names: --endpoint-url, else the service's regional one."""
        if self.endpoint_url:
            return self.endpoint_url
        if service == "s3":
            return f"https://s3.{region}.amazonaws.com"
        return f"https://{service}.{region}.amazonaws.com"

    def credentials(self) -> Any:
        """The resolved credentials (or None), failures classified, secrets registered."""
        try:
            credentials = self.session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except Exception as exc:
            raise setup_error(exc) from None
        if frozen is not None:
            register_secrets([frozen.access_key, frozen.secret_key, frozen.token])
        return frozen

    def check_credentials(self, who: str = "an identity that may create the lease tables",
                          nothing: str = "Nothing was created.") -> None:
        """Fail once, clearly, before any table is tried, when credentials are unusable."""
        frozen = self.credentials()
        if frozen is None:
            raise AwsError(
                f"No AWS credentials were found (environment variables, --profile, the "
                f"shared credentials file, or an instance role). Run with --profile naming "
                f"{who}, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. {nothing}"
            )
        if not frozen.access_key or not frozen.secret_key:
            missing = "secret access key" if frozen.access_key else "access key ID"
            raise AwsError(
                f"The AWS credentials in use have no {missing}: an access key needs its "
                f"secret (AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY, or both lines in the "
                f"profile). Set both and rerun. {nothing}"
            )

    def _retry_settings(self) -> dict[str, Any]:
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
        return self.client("dynamodb", region)

    def client(self, service: str, region: str) -> Any:
        """A thread-safe client of any service the footprint touches (kinesis, s3, kms,
        kinesisvideo, connect, sts, iam), one per service and region, with the same
        retries, timeouts and pool, and --endpoint-url for every one of them."""
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                try:
                    client = self._make_client(region, service)
                except Exception as exc:
                    raise setup_error(exc) from None
                self._clients[(service, region)] = client
            return client

    def _make_client(self, region: str, service: str = "dynamodb") -> Any:
        from botocore.config import Config

        config = Config(
            retries=dict(self._retries),  # type: ignore[arg-type]
            connect_timeout=min(CONNECT_TIMEOUT, self.read_timeout),
            read_timeout=self.read_timeout,
            max_pool_connections=self.pool_size,
            user_agent_extra="lease-tables",
        )
        client = self.session.client(service, region_name=region,  # type: ignore[call-overload]
                                     endpoint_url=self.endpoint_url, config=config)
        if service == "dynamodb":
            client.meta.events.register("before-parse.dynamodb", refuse_foreign_answers)
        if service == "kinesis":
            client.meta.events.register("before-parse.kinesis.GetRecords", drop_records)
        return client

    def hint_client(self, region: str) -> Any:
        """A client of its own for hint work: its own pool (a hung ListTables holds
        none of the run's connections), timeouts within the hint budget, one retry."""
        from botocore.config import Config

        budget = max(self.hint_budget, 0.1)
        config = Config(retries={"mode": "standard", "total_max_attempts": 2},
                        connect_timeout=budget, read_timeout=budget,
                        max_pool_connections=1, user_agent_extra="lease-tables")
        with self._lock:
            try:
                client = self.session.client("dynamodb", region_name=region,
                                             endpoint_url=self.endpoint_url, config=config)
            except Exception as exc:
                raise setup_error(exc) from None
        client.meta.events.register("before-parse.dynamodb", refuse_foreign_answers)
        return client

    def start_table_names(self, region: str) -> _Listing:
        """Start listing a region's table names (once per run), without waiting."""
        with self._names_lock:
            listing = self._listings.get(region)
            if listing is None:
                listing = self._listings[region] = _Listing(self, region)
            return listing

    def table_names(self, region: str) -> TableNames:
        """Every table name in a region, for near-twin hints only: listed once per run,
        shared by all tables, waited for at most the hint budget from its start.

        A refused, failed or silent ListTables gives no names and a note saying so,
        never a failure: a hint never decides a result.
        """
        return self.start_table_names(region).result()


@dataclass(frozen=True)
class TableNames:
    """A region's table names for hints, or none and `note` saying why not."""

    names: tuple[str, ...] = ()
    note: str = ""


class _Listing:
    """One region's ListTables in a daemon thread, bounded by the hint budget: the
    thread may hang in a socket read; whoever asks waits no longer than the budget."""

    def __init__(self, clients: Clients, region: str) -> None:
        self.clients = clients
        self.region = region
        self.budget = clients.hint_budget
        self.deadline = time.monotonic() + self.budget
        self._done = threading.Event()
        self._answer = TableNames()
        threading.Thread(target=self._list, name="lease-tables-hints", daemon=True).start()

    def _list(self) -> None:
        endpoint = self.clients.endpoint_for(self.region)
        try:
            names: list[str] = []
            client = self.clients.hint_client(self.region)
            for page in client.get_paginator("list_tables").paginate():
                found = page.get("TableNames", [])
                if not isinstance(found, list) or not all(isinstance(n, str) for n in found):
                    raise NotDynamoDBAnswer(200, "TableNames that are not a list of names",
                                            "ListTables")
                names.extend(found)
                if time.monotonic() >= self.deadline:
                    raise TimeoutError
            self._answer = TableNames(tuple(names))
        except TimeoutError:
            self._answer = self._late()
        except Exception as exc:
            self._answer = TableNames((), hint_note(exc, endpoint))
        finally:
            self._done.set()

    def result(self) -> TableNames:
        if self._done.wait(max(0.0, self.deadline - time.monotonic())):
            return self._answer
        return self._late()

    def _late(self) -> TableNames:
        return TableNames((), (
            f"near-identical names were not looked for: ListTables at "
            f"{self.clients.endpoint_for(self.region)} had no complete answer within "
            f"{self.budget:g} s, the hint's own bound"))


def hint_note(exc: BaseException, endpoint: str) -> str:
    """Why a hint's ListTables gave no names, in a clause (the one classifier's kind)."""
    failure = classify(exc, action="ListTables", endpoint=endpoint)
    return (f"near-identical names were not looked for: ListTables at {endpoint} failed "
            f"({HINT_FAILURE_WORDS.get(failure.kind, failure.kind)})")


HINT_FAILURE_WORDS = {
    failures.PERMISSION: ("access denied: hints need dynamodb:ListTables on \"*\", as the "
                          "provisioner policy grants"),
    failures.CREDENTIALS: "the credentials were refused",
    failures.THROTTLING: "throttled",
    failures.NETWORK: "no connection or no answer",
    failures.NOT_DYNAMODB: "not DynamoDB's answer",
}


def drop_records(response_dict: dict[str, Any], **_: Any) -> None:
    """botocore hook (before-parse of GetRecords): the records of preflight's one GetRecords
    never reach the parser, the debug log (--verbose) or this program; the tool never
    reads a stream's content, only whether the call was allowed."""
    if response_dict.get("status_code") == 200:
        response_dict["body"] = b'{"Records": []}'


def refuse_foreign_answers(operation_model: Any, response_dict: Mapping[str, Any],
                           **_: Any) -> None:
    """botocore hook: an HTML page (a proxy, a firewall's block page) is no DynamoDB answer.

    Without it botocore parses such a page as an empty result and the caller
    finds no `Table` in it. The body decides, not the content type (moto labels
    its XML errors text/html). Server errors (5xx) are left to botocore's
    retries: a load balancer's brief 503 page is worth another attempt.
    """
    status = response_dict.get("status_code")
    if isinstance(status, int) and status >= 500:
        return
    body = response_dict.get("body") or b""
    start = bytes(body[:64]).lstrip().lower() if isinstance(body, bytes | bytearray) else b""
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        headers = response_dict.get("headers") or {}
        content_type = str(headers.get("content-type") or headers.get("Content-Type") or "")
        raise NotDynamoDBAnswer(status, content_type.split(";")[0] or "an HTML page",
                                getattr(operation_model, "name", ""))


_ENDPOINT = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)"
                       r"(:[0-9]{1,5})?(/[^\s]*)?", re.IGNORECASE)


def endpoint_problem(url: str) -> str | None:
    """Why --endpoint-url is unusable, or None. Checked before any AWS call."""
    usage = ("Give it with its scheme, e.g. http://127.0.0.1:8000 for a local endpoint or "
             "https://dynamodb.eu-west-1.amazonaws.com.")
    if not _ENDPOINT.fullmatch(url):
        return f"--endpoint-url {quote(url)} is not an http:// or https:// URL. {usage}"
    try:
        urlsplit(url).port  # noqa: B018 -- raises for a port out of range
    except ValueError:
        return f"--endpoint-url {quote(url)} has a port no server can listen on. {usage}"
    return None


class RedactingFormatter(logging.Formatter):
    """Formats log records, then removes every credential from the final text.

    Redacting the formatted text (not the record) also covers botocore's dumps of
    request headers, canonical requests and signatures.
    """

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei: Any) -> str:
        """The exception's last line only: even verbose output shows no traceback."""
        _kind, value, _tb = ei
        return f"  caused by {type(value).__name__}: {value}"


def enable_debug_logging(clients: Clients, stream: Any = None) -> None:
    """--verbose: botocore's and our own debug log on stderr, credentials removed."""
    clients.credentials()  # registers them, so every log line is redacted of them
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
