"""The one place boto3 clients are made, and the AWS options checked.

Everything that talks to DynamoDB gets its client here, so retries, timeouts,
the connection pool and the endpoint are decided once. boto3 is imported
lazily: dry runs, `name`, `policy` and `template` never need it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from lease_tables.aws import credential_helpers, failures
from lease_tables.config.sdk_settings import home_hint
from lease_tables.core import printable
from lease_tables.core.errors import AwsError, InputError, LeaseTablesError

if TYPE_CHECKING:  # pragma: no cover
    # Types only (the stubs are dev tools; the installed tool never imports them).
    from types import TracebackType

    import boto3
    from botocore.client import BaseClient
    from botocore.config import _RetryDict  # botocore-stubs' name for Config's retries
    from botocore.credentials import ReadOnlyCredentials
    from botocore.model import Shape
    from types_boto3_dynamodb.client import DynamoDBClient

DEFAULT_MAX_ATTEMPTS = 6
RETRY_MODES = ("standard", "adaptive", "legacy")  # botocore's own list
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
# Seconds a credential_process may take when the caller gives no run bound (--timeout).
HELPER_TIMEOUT = 60.0
# Seconds ListTables (near-twin hints only) may take, apart from the run's own work:
# past it the hint is dropped with a note, and nothing else waits (docs/errors.md, "Hints").
HINT_BUDGET = 3.0


@contextlib.contextmanager
def _setting_up() -> Iterator[None]:
    """Any failure while making clients or resolving credentials (an unknown profile, a
    config file botocore cannot parse, a failing credential_process), classified by
    `failures` as our own error, never left to surface as an internal one."""
    try:
        yield
    except Exception as exc:
        raise failures.setup_error(exc) from None


Typed = TypeVar("Typed")


def _typed_as(_model: Typed, made: Callable[[str, str], BaseClient]) -> Typed:
    """`made`, typed as `_model`: a callable that callers call as they call `made`, with
    (service, region), whose typing says which client each service's name gives."""
    return cast(Typed, made)


# Where a proxy (with its password, if any) is set for every HTTP client on the machine.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                   "all_proxy")


def register_url_passwords(urls: Iterable[str | None]) -> None:
    """The passwords in these URLs (an endpoint's, a proxy's) are never shown, in any
    form: in a URL, `printable.redact` hides them anyway; registered, they are hidden
    wherever else they appear (a proxy's error quoting them, say)."""
    printable.register_secrets([printable.url_password(url) for url in urls if url])


class Clients:
    """AWS clients for one run, one per service and region, sharing one session.

    Retries use botocore's standard mode (exponential back-off with jitter,
    throttling-aware) unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS or the
    profile's config say otherwise, so operators tune it the way they tune the
    AWS CLI. The endpoint is botocore's own choice (AWS_ENDPOINT_URL,
    AWS_ENDPOINT_URL_<SERVICE>, the config's `endpoint_url` and services
    section, FIPS and dual-stack flags, the region's partition) unless
    --endpoint-url says otherwise; messages name the endpoint really called.
    Every setting botocore would refuse only at the first call is checked
    here, before any call, and named. Every failure while setting up (an
    unknown profile, a config file botocore cannot parse, a failing
    credential_process) is classified by `failures`, never left to surface as
    an internal error.
    """

    def __init__(self, profile: str | None, endpoint_url: str | None,
                 pool_size: int = 10, timeout: float = HELPER_TIMEOUT,
                 helper_deadline: float | None = None) -> None:
        """`timeout` is the run's --timeout: a credential_process's bound (without
        `helper_deadline`) and, within `READ_TIMEOUT`, each socket read's."""
        self.endpoint_url = endpoint_url
        register_url_passwords([endpoint_url, *map(os.environ.get, PROXY_VARIABLES)])
        self.pool_size = max(pool_size, 1)
        self.read_timeout = max(1.0, min(timeout, READ_TIMEOUT))
        with _setting_up():
            import boto3

            self.session: boto3.Session = boto3.Session(profile_name=profile)
            # The profile as messages name it.
            self.profile = printable.quote(self.session.profile_name or "default")
            self.session._session.register_component("response_parser_factory",
                                                     GuardedParserFactory())
            # credential_process bounded and killable, MFA prompts refused: see the module.
            credential_helpers.install(self.session._session, timeout, helper_deadline)
            self._retries = self._retry_settings()
            self._configured: dict[str, str | None] = {}
            self._configured_setting("dynamodb")  # a malformed one named now, once
        self._clients: dict[tuple[str, str], BaseClient] = {}
        self._called: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._listings: dict[str, _Listing] = {}
        # Typed as the session's own client(), whose overloads (types-boto3) give each
        # service's name its typed client: callers get theirs, said once.
        self.client = _typed_as(self.session.client, self._classified_client)

    def endpoint_for(self, region: str, service: str = "dynamodb") -> str:
        """The endpoint of `service` in `region` as the SDK really calls it, and where that
        endpoint was set when it is not AWS's own (an operator with a forgotten
        AWS_ENDPOINT_URL_DYNAMODB learns it from the message)."""
        url = self._called.get((service, region))
        if url is None:
            try:
                url = str(self._client(service, region).meta.endpoint_url)
            except Exception:  # not made: the message says which endpoint it was for
                url = f"the {service} endpoint of {region}"
        setting = self._configured_setting(service)  # None under --endpoint-url
        url = printable.hide_password(url)  # rows skip the redaction messages get
        return f"{url} (set by {setting})" if setting else url

    def custom_endpoints(self) -> list[str]:
        """The endpoints this run's clients call that are not AWS's own (set by
        --endpoint-url, AWS_ENDPOINT_URL*, or the config file), as `endpoint_for` names
        them: a run that made a table there must say so on success too, or an operator
        reads "created" and believes it is in AWS."""
        with self._lock:
            made = sorted(self._clients)
        return list(dict.fromkeys(
            self.endpoint_for(region, service) for service, region in made
            if self.endpoint_url or self._configured_setting(service)))

    def _configured_setting(self, service: str) -> str | None:
        """The setting that holds the endpoint URL botocore takes for `service` from the
        environment or the config files (None: AWS's own, or --endpoint-url's, which wins
        over every configured one, as in boto3); checked on first use, so that a malformed
        one is one error that names it rather than a failure per table.

        botocore's own lookup finds it (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
        profile's services section, its endpoint_url, in that order)."""
        if service in self._configured:
            return self._configured[service]
        core = self.session._session
        setting = None
        # botocore's boolean, ignore_configured_endpoint_urls, turns them all off.
        if not (self.endpoint_url or core.get_config_variable("ignore_configured_endpoint_urls")):
            from botocore.configprovider import ConfiguredEndpointProvider

            # Private parts of botocore's provider (its lookup order, its variable's name) are
            # used on purpose: the point is to follow the SDK's own resolution, not a copy of it.
            provider: Any = ConfiguredEndpointProvider(full_config=core.full_config,
                                                       scoped_config=core.get_scoped_config(),
                                                       client_name=service)
            names = {
                "environment_service": provider._get_service_env_var_name(),
                "environment_global": "AWS_ENDPOINT_URL",
                "config_service": f"the {service} endpoint_url in the services section of the "
                                  f"AWS profile {self.profile}",
                "config_global": f"the endpoint_url of the AWS profile {self.profile}",
            }
            for location in provider._ENDPOINT_URL_LOOKUP_ORDER:
                if url := getattr(provider, f"_get_endpoint_url_{location}")():
                    setting = names[location]
                    register_url_passwords([str(url)])
                    if problem := endpoint_problem(str(url), setting):
                        raise InputError(problem)
                    break
        self._configured[service] = setting
        return setting

    def prepare(self, regions: Iterable[str]) -> None:
        """Make the clients a run needs before its first call, so that a setting the SDK
        refuses only when making one (AWS_DEFAULTS_MODE, AWS_ACCOUNT_ID_ENDPOINT_MODE,
        say) stops the run once, as bad input naming the setting. Making a client calls
        nothing, so whatever fails here is the configuration's."""
        self._check_ca_bundle()
        for region in sorted(set(regions)):
            try:
                self._client("dynamodb", region)
            except LeaseTablesError:
                raise
            except Exception as exc:
                failure = failures.classify(exc)
                if (failure.kind != failures.OTHER
                        and type(exc).__name__ not in failures.VALUE_REFUSALS):
                    raise failure.error() from None  # credentials, a profile, a file
                raise InputError(self._refused_setting(exc)) from None

    def _refused_setting(self, exc: BaseException) -> str:
        """The setting the SDK refused, named from botocore's own table of its settings
        (logical name, config key, environment variable) and the values set."""
        from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES as SETTINGS

        text = printable.aws_text(exc)
        config = self.session._session.get_scoped_config()
        named = []
        for logical, (key, variables, *_rest) in SETTINGS.items():
            places = [(f"the environment variable {variable}", os.environ.get(variable))
                      for variable in ([variables] if isinstance(variables, str)
                                       else variables or [])]
            places.append((f"the setting {key} of the AWS profile {self.profile}",
                           str(config.get(key) or "") if key else ""))
            named += [f"{place} ({printable.quote(value)})" for place, value in places
                      if value and (logical in text or (key and key in text)
                                    or (len(value) > 2 and value in text))]
        where = " and ".join(dict.fromkeys(named)) or (
            "an AWS_* environment variable or the profile in the AWS config file")
        return (f"The AWS SDK refuses {where}: {text.rstrip('.')}. Fix or unset it, then "
                f"rerun. Nothing was changed.")

    def _check_ca_bundle(self) -> None:
        """AWS_CA_BUNDLE (or the profile's ca_bundle) naming no file fails every HTTPS call
        only once it is made: named now instead."""
        if self.endpoint_url and self.endpoint_url.lower().startswith("http://"):
            return
        bundle = self.session._session.get_config_variable("ca_bundle")
        if not bundle or os.path.isfile(os.path.expanduser(str(bundle))):
            return
        where = ("The environment variable AWS_CA_BUNDLE" if os.environ.get("AWS_CA_BUNDLE")
                 else f"The setting ca_bundle of the AWS profile {self.profile}")
        raise InputError(f"{where} names {printable.quote(bundle)}, which is not a file, so no "
                         f"HTTPS call could verify AWS's certificate. Point it at the CA "
                         f"certificate file (a TLS-inspecting proxy's, say), or unset it. "
                         f"Nothing was changed.")

    def credentials(self) -> ReadOnlyCredentials | None:
        """The resolved credentials (or None), failures classified, secrets registered."""
        with _setting_up():
            credentials = self.session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        if frozen is not None:
            printable.register_secrets([frozen.access_key, frozen.secret_key, frozen.token])
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
                f"{home_hint(os.environ)}"
            )
        if not frozen.access_key or not frozen.secret_key:
            missing = "secret access key" if frozen.access_key else "access key ID"
            raise AwsError(
                f"The AWS credentials in use have no {missing}: an access key needs its "
                f"secret (AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY, or both lines in the "
                f"profile). Set both and rerun. {nothing}"
            )

    def _retry_settings(self) -> _RetryDict:
        """Our defaults only where the operator configured nothing; what is configured, as
        botocore reads it, checked before any call.

        A chosen mode keeps that mode's own attempt count unless one is set too,
        exactly as the AWS CLI would behave with the same settings.
        """
        mode_setting = self._setting("retry_mode")
        attempts_setting = self._setting("max_attempts")
        mode = str(self.session._session.get_config_variable("retry_mode"))
        if mode_setting is not None and mode not in RETRY_MODES:
            raise InputError(
                f"{mode_setting[0]} is {printable.quote(mode)}, which is not a retry mode of the "
                f"AWS SDK: use one of {', '.join(RETRY_MODES)} (standard is what this tool "
                f"uses when none is set), or unset it. Nothing was changed.")
        where, raw = attempts_setting or ("", "1")
        if not re.fullmatch(r"\s*[0-9]+\s*", raw) or int(raw) < 1:
            raise InputError(
                f"{where} is {printable.quote(raw)}, which is not a number of attempts: give a "
                f"whole number, 1 or more (1 means no retries; this tool uses "
                f"{DEFAULT_MAX_ATTEMPTS} when none is set), or unset it. Nothing was "
                f"changed.")
        if mode_setting is not None:
            return {}
        if attempts_setting is not None:
            return {"mode": "standard"}
        return {"mode": "standard", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}

    def _setting(self, key: str) -> tuple[str, str] | None:
        """Where botocore reads a setting from (its environment variable, AWS_ and the key in
        capitals, first; then the profile's key) and its raw value, or None when it is set
        nowhere."""
        variable = f"AWS_{key.upper()}"
        if os.environ.get(variable):
            return f"The environment variable {variable}", os.environ[variable]
        if value := self.session._session.get_scoped_config().get(key):  # the profile's own
            return (f"The setting {key} of the AWS profile {self.profile} (AWS config file)",
                    str(value))
        return None

    def dynamodb(self, region: str) -> DynamoDBClient:
        """A thread-safe DynamoDB client for one region (boto3 clients are)."""
        return self.client("dynamodb", region)

    def _classified_client(self, service: str, region: str) -> BaseClient:
        """A thread-safe client of any service the footprint touches (kinesis, s3, kms,
        kinesisvideo, connect, sts, iam), one per service and region, with the same
        retries, timeouts and pool, and --endpoint-url for every one of them; a failure
        to make it classified (`client` is this, typed per service)."""
        with _setting_up():
            return self._client(service, region)

    def _client(self, service: str, region: str) -> BaseClient:
        """The client, made on first use; botocore's own failures as they are."""
        client = self._clients.get((service, region))
        if client is not None:  # made already: no wait while another one is being made
            return client
        # One at a time: a boto3 session is not thread-safe, and making a client takes
        # tens of milliseconds of botocore's work.
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self._clients[service, region] = self._make_client(
                    service, region, self._retries.copy(), self.read_timeout, self.pool_size)
                client.meta.events.register(
                    f"before-send.{client.meta.service_model.endpoint_prefix}",
                    functools.partial(self._record_endpoint, service, region))
                # Each hook's event names its service: on another service's client it never fires.
                client.meta.events.register_first("needs-retry.dynamodb", quota_is_final)
                client.meta.events.register("before-parse.kinesis.GetRecords", drop_records)
            return client

    def _make_client(self, service: str, region: str, retries: _RetryDict,
                     read_timeout: float, pool: int) -> BaseClient:
        """A new client with these retries, read timeout (a connection's, within
        `CONNECT_TIMEOUT`) and pool, and the hook every client of a run carries: attempts
        logged (`log_attempt`; foreign answers are refused by its parser, `GuardedParser`)."""
        from botocore.config import Config

        config = Config(retries=retries, connect_timeout=min(CONNECT_TIMEOUT, read_timeout),
                        read_timeout=read_timeout, max_pool_connections=pool,
                        user_agent_extra="lease-tables")
        # The stubs type boto3's client() per literal service name; this one is a variable.
        client: BaseClient = self.session.client(  # type: ignore[call-overload]
            service, region_name=region, endpoint_url=self.endpoint_url, config=config)
        client.meta.events.register("response-received",
                                    functools.partial(log_attempt, client.meta.endpoint_url))
        return client

    # botocore's event hooks (here and below) get its untyped request, response and
    # context objects as keyword arguments: the AWS edge, so Any.
    def _record_endpoint(self, service: str, region: str, request: Any, **_: Any) -> None:
        """botocore hook: the scheme and host a request really goes to (an account-based
        DynamoDB endpoint, FIPS, a partition's domain), for the messages."""
        parts = urlsplit(str(getattr(request, "url", "")))
        if parts.scheme and parts.netloc:
            self._called[service, region] = f"{parts.scheme}://{parts.netloc}"

    def hint_client(self, region: str) -> BaseClient:
        """A client of its own for hint work: its own pool (a hung ListTables holds
        none of the run's connections), timeouts within the hint budget, one retry."""
        with self._lock, _setting_up():
            return self._make_client("dynamodb", region, {"mode": "standard",
                                                          "total_max_attempts": 2},
                                     HINT_BUDGET, 1)

    def start_table_names(self, region: str) -> _Listing:
        """Start listing a region's table names (once per run), without waiting."""
        with self._lock:  # starting one takes no time: nothing waits behind it
            listing = self._listings.get(region)
            if listing is None:
                listing = self._listings[region] = _Listing(self, region)
            return listing


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
        self.deadline = time.monotonic() + HINT_BUDGET
        self._done = threading.Event()
        self._answer: TableNames | None = None  # None: no complete answer within the budget
        threading.Thread(target=self._list, name="lease-tables-hints", daemon=True).start()

    def _list(self) -> None:
        endpoint = self.clients.endpoint_for(self.region)
        try:
            names: list[str] = []
            client = self.clients.hint_client(self.region)
            for page in client.get_paginator("list_tables").paginate():
                names.extend(page.get("TableNames", []))
                if time.monotonic() >= self.deadline:
                    return  # too late: `result` says so
            self._answer = TableNames(tuple(names))
        except Exception as exc:  # why no names, in a clause (the one classifier's kind)
            kind = failures.classify(exc, action="ListTables", endpoint=endpoint).kind
            self._answer = TableNames((), f"{NOT_LOOKED_FOR} {endpoint} failed "
                                          f"({HINT_FAILURE_WORDS.get(kind, kind)})")
        finally:
            self._done.set()

    def result(self) -> TableNames:
        if self._done.wait(max(0.0, self.deadline - time.monotonic())) and self._answer:
            return self._answer
        return TableNames((), f"{NOT_LOOKED_FOR} {self.clients.endpoint_for(self.region)} had "
                              f"no complete answer within {HINT_BUDGET:g} s, the hint's own bound")


NOT_LOOKED_FOR = "near-identical names were not looked for: ListTables at"


HINT_FAILURE_WORDS = {
    failures.PERMISSION: ("access denied: hints need dynamodb:ListTables on \"*\", as the "
                          "provisioner policy grants"),
    failures.CREDENTIALS: "the credentials were refused",
    failures.THROTTLING: "throttled",
    failures.NETWORK: "no connection or no answer",
    failures.NOT_DYNAMODB: "not DynamoDB's answer",
}


def quota_is_final(response: Any = None, **_: Any) -> Any:  # botocore: False, or None
    """botocore hook (needs-retry, ahead of its retry handler): a LimitExceededException for
    the account's table quota is not sent again. botocore's standard mode retries that code
    as throttling, up to the client's attempts; no wait clears a quota, so the first answer
    is the last (False: no retry). Anything else is left to botocore (None)."""
    parsed = response[1] if isinstance(response, tuple) and len(response) == 2 else None
    error = parsed.get("Error") if isinstance(parsed, dict) else None
    if (isinstance(error, dict) and error.get("Code") == failures.LIMIT_CODE
            and failures.limit_is_quota(str(error.get("Message") or ""))):
        return False
    return None


def drop_records(response_dict: dict[str, Any], **_: Any) -> None:
    """botocore hook (before-parse of GetRecords): the records of preflight's one GetRecords
    never reach the parser, the debug log (--verbose) or this program; the tool never
    reads a stream's content, only whether the call was allowed."""
    if response_dict.get("status_code") == 200:
        response_dict["body"] = b'{"Records": []}'


class GuardedParserFactory:
    """botocore's response parsers, each behind `GuardedParser`: the one place where an
    answer that is not DynamoDB's becomes `NotDynamoDBAnswer`, for every operation of
    every client this run makes (the hint client and other services' clients too)."""

    def create_parser(self, protocol_name: str) -> GuardedParser:  # all botocore asks of it
        from botocore.parsers import create_parser

        return GuardedParser(create_parser(protocol_name))


class GuardedParser:
    """A botocore parser that refuses what the service never sends.

    botocore parses leniently: a body that is not UTF-8 raises UnicodeDecodeError, a
    JSON array where an object belongs raises AttributeError, and a TableStatus that
    is a number passes through to whoever reads it. Here any of these is one call's
    `NotDynamoDBAnswer` (so one table's `failed`, classified by `failures`): the
    parse is guarded, and a successful answer is checked against the operation's own
    output shape with botocore's validator. A server error (5xx) whose body cannot be
    read is parsed as a bare 5xx instead, so botocore's retries still see it.

    An HTML page (a proxy, a firewall's block page) below 500 is refused before it is
    parsed: botocore would parse it as an empty result, and the caller would find no
    `Table` in it. The body decides, not the content type (moto labels its XML errors
    text/html). Server errors (5xx) are left to botocore's retries: a load balancer's
    brief 503 page is worth another attempt.
    """

    # botocore's parser. Any, as botocore-stubs' ResponseParser.parse takes only a Shape,
    # while botocore passes None when an operation has no output shape.
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    # botocore's raw response (status_code, headers, body) and its parse: the AWS edge.
    # botocore asks its parser for nothing else.
    def parse(self, response: dict[str, Any], shape: Shape | None) -> Any:
        status = response.get("status_code")
        server_error = isinstance(status, int) and status >= 500
        body = response.get("body") or b""
        start = bytes(body[:64]).lstrip().lower() if isinstance(body, bytes | bytearray) else b""
        if not server_error and start.startswith((b"<!doctype html", b"<html", b"<head",
                                                  b"<body")):
            headers = response.get("headers") or {}
            content_type = str(headers.get("content-type") or headers.get("Content-Type") or "")
            raise failures.NotDynamoDBAnswer(status, content_type.split(";")[0] or "an HTML page")
        try:
            parsed = self._inner.parse(response, shape)
        except Exception as exc:
            if server_error:
                return self._inner.parse({**response, "body": b""}, shape)
            raise failures.NotDynamoDBAnswer(
                status, "a body that is not UTF-8 text" if isinstance(exc, UnicodeError)
                else f"a body botocore could not read ({type(exc).__name__})") from None
        if (isinstance(status, int) and status < 300 and shape is not None
                and (problem := shape_problem(parsed, shape))):
            raise failures.NotDynamoDBAnswer(status, problem)
        return parsed


def shape_problem(parsed: object, shape: Shape) -> str | None:
    """What in a parsed answer its output shape does not allow (wrong types, a list
    where an object belongs), in one clause; None when it fits."""
    from botocore.validate import ParamValidator

    if not isinstance(parsed, dict):
        return "an answer that is not a JSON object"
    body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)  # its report is "" when it fits
    # Types only: the shapes' ranges are for requests (real answers say 0 where a
    # request's minimum is 1, e.g. NumberOfDecreasesToday), and output members are
    # not all sent every time.
    lines = [ln.strip() for ln in report.generate_report().splitlines()
             if ln.strip().startswith("Invalid type")]
    if not lines:
        return None
    return "fields of the wrong type: " + printable.aws_text("; ".join(lines).replace(
        "for parameter ", "for "), limit=300)


# A user and password before the host (`http://user:pw@proxy:8000`) are accepted, as the SDK
# accepts them from AWS_ENDPOINT_URL; every sink masks the password (core/printable.py).
_ENDPOINT = re.compile(r"https?://([^\s/@]+@)?"
                       r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)"
                       r"(:[0-9]{1,5})?(/[^\s]*)?", re.IGNORECASE)


def endpoint_problem(url: str, setting: str = "--endpoint-url") -> str | None:
    """Why an endpoint URL is unusable, or None. Checked before any AWS call.

    `setting` names where the URL was set (--endpoint-url, AWS_ENDPOINT_URL,
    AWS_ENDPOINT_URL_<SERVICE>, the config file), so the message blames what
    the operator actually set.
    """
    option = setting == "--endpoint-url"
    usage = ("Give it with its scheme, e.g. http://127.0.0.1:8000 for a local endpoint or "
             "https://dynamodb.eu-west-1.amazonaws.com."
             + ("" if option else " Or unset it to use AWS's own endpoint. Nothing was changed."))
    named = (f"--endpoint-url {printable.quote(url)}" if option
             else f"The environment variable {setting} ({printable.quote(url)})"
             if setting.startswith("AWS_")
             else f"{setting[:1].upper()}{setting[1:]} ({printable.quote(url)})")
    if not _ENDPOINT.fullmatch(url):
        # botocore's own test of an endpoint URL (it refuses the rest when making a client)
        from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

        if option or not (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)):
            return f"{named} is not an http:// or https:// URL. {usage}"
    try:
        urlsplit(url).port  # noqa: B018 -- raises for a port out of range
    except ValueError:
        return f"{named} has a port no server can listen on. {usage}"
    return None


# --verbose shows what happened on the wire, never what was in it: per attempt the
# operation, endpoint, HTTP status, error code and request id (our own line, below);
# connections (urllib3's request lines: method, path, status, length); retry decisions;
# where credentials came from; and warnings from anywhere. Not request parameters,
# headers, signing steps or bodies: those hold signatures and tokens, and answers hold
# item data (a lease's owner and checkpoint, from preflight's Scan).
VERBOSE_LOGGERS = ("lease_tables", "urllib3.connectionpool", "botocore.retries",
                   "botocore.retryhandler", "botocore.credentials")
_log = logging.getLogger("lease_tables.aws.clients")


def verbose_shows(record: logging.LogRecord) -> bool:
    """The one decision of what --verbose shows (a handler's filter): records of
    `VERBOSE_LOGGERS` (and their children), and warnings or worse from any logger.
    Everything else (botocore.endpoint's parameters, botocore.parsers' bodies,
    botocore.auth's canonical requests) is dropped whatever level its logger is set to."""
    return record.levelno >= logging.WARNING or any(
        logging.Filter(allowed).filter(record) for allowed in VERBOSE_LOGGERS)


def log_attempt(endpoint: str, event_name: str = "", response_dict: Any = None,
                parsed_response: Any = None, context: Any = None,
                exception: BaseException | None = None, **_: Any) -> None:
    """botocore hook (response-received): one line per attempt, without its content."""
    if not _log.isEnabledFor(logging.DEBUG):
        return
    operation = event_name.rpartition(".")[2] or "?"
    attempt = ((context or {}).get("retries") or {}).get("attempt", 1)
    if exception is not None:
        outcome = f"no answer ({type(exception).__name__})"
    else:
        headers = (response_dict or {}).get("headers") or {}
        request_id = headers.get("x-amzn-requestid") or headers.get("x-amz-request-id")
        outcome = f"HTTP {(response_dict or {}).get('status_code')}"
        error = parsed_response.get("Error") if isinstance(parsed_response, dict) else None
        if isinstance(error, dict) and error.get("Code"):
            outcome += f" {error['Code']}"
        if request_id:
            outcome += f", request id {request_id}"
    _log.debug("%s at %s: %s (attempt %s)", operation, endpoint, outcome, attempt)


class RedactingFormatter(logging.Formatter):
    """Formats log records, then removes every credential from the final text.

    Redacting the formatted text (not the record) also covers botocore's dumps of
    request headers, canonical requests and signatures.
    """

    def format(self, record: logging.LogRecord) -> str:
        return printable.redact(super().format(record))

    def formatException(self, ei: tuple[type[BaseException], BaseException, TracebackType | None]
                        | tuple[None, None, None]) -> str:
        """The exception's last line only: even verbose output shows no traceback."""
        _kind, value, _tb = ei
        return f"  caused by {type(value).__name__}: {value}"


def enable_debug_logging(clients: Clients) -> None:
    """--verbose: what `verbose_shows` lets through, on stderr, credentials removed."""
    clients.credentials()  # registers them, so every log line is redacted of them
    handler = logging.StreamHandler()  # stderr
    handler.setFormatter(RedactingFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(verbose_shows)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in VERBOSE_LOGGERS:  # only these are asked for debug records at all
        logging.getLogger(name).setLevel(logging.DEBUG)
