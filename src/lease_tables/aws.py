"""The one place boto3 clients are made, and the AWS options checked.

Everything that talks to DynamoDB gets its client here, so retries, timeouts,
the connection pool and the endpoint are decided once. boto3 is imported
lazily: dry runs, `name`, `policy` and `template` never need it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lease_tables.errors import AwsError, InputError, LeaseTablesError
from lease_tables.failures import OTHER, VALUE_REFUSALS, NotDynamoDBAnswer, classify, setup_error
from lease_tables.printable import aws_text, quote, redact, register_secrets

if TYPE_CHECKING:  # pragma: no cover
    import boto3

DEFAULT_MAX_ATTEMPTS = 6
RETRY_MODES = ("standard", "adaptive", "legacy")  # botocore's own list
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20


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
                 pool_size: int = 10, env: Mapping[str, str] | None = None,
                 read_timeout: float = READ_TIMEOUT,
                 services: tuple[str, ...] = ("dynamodb",)) -> None:
        self.env = os.environ if env is None else env
        self.endpoint_url = endpoint_url
        self.pool_size = max(pool_size, 1)
        self.read_timeout = max(1.0, min(read_timeout, READ_TIMEOUT))
        try:
            import boto3

            self.session: boto3.Session = boto3.Session(profile_name=profile)
            self._retries = self._retry_settings()
            self._configured = {service: self._configured_endpoint(service)
                                for service in services}
        except Exception as exc:
            raise setup_error(exc) from None
        self._clients: dict[tuple[str, str], Any] = {}
        self._called: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._table_names: dict[str, list[str]] = {}
        self._names_lock = threading.Lock()

    def endpoint_for(self, region: str, service: str = "dynamodb") -> str:
        """The endpoint of `service` in `region` as the SDK really calls it, and where that
        endpoint was set when it is not AWS's own (an operator with a forgotten
        AWS_ENDPOINT_URL_DYNAMODB learns it from the message)."""
        url = self._called.get((service, region))
        if url is None:
            try:
                url = str(self.client(service, region).meta.endpoint_url)
            except LeaseTablesError:
                url = f"the {service} endpoint of {region}"
        setting = None if self.endpoint_url else self._configured_setting(service)
        return f"{url} (set by {setting})" if setting else url

    def _configured_setting(self, service: str) -> str | None:
        if service not in self._configured:
            self._configured[service] = self._configured_endpoint(service)
        found = self._configured[service]
        return found[1] if found else None

    def _configured_endpoint(self, service: str) -> tuple[str, str] | None:
        """The endpoint URL botocore takes for `service` from the environment or the config
        files, and the setting it comes from; checked now, so that a malformed one is one
        error that names it rather than a failure per table."""
        if self.endpoint_url:
            return None  # --endpoint-url wins over every configured one, as in boto3
        found = configured_endpoint(self.session, service)
        if found is not None and (problem := endpoint_problem(*found)):
            raise InputError(problem)
        return found

    def prepare(self, regions: Iterable[str], service: str = "dynamodb") -> None:
        """Make the clients a run needs before its first call, so that a setting the SDK
        refuses only when making one (AWS_DEFAULTS_MODE, AWS_ACCOUNT_ID_ENDPOINT_MODE,
        say) stops the run once, as bad input naming the setting. Making a client calls
        nothing, so whatever fails here is the configuration's."""
        self._check_ca_bundle()
        for region in sorted(set(regions)):
            with self._lock:
                if (service, region) in self._clients:
                    continue
                try:
                    self._clients[service, region] = self._make_client(service, region)
                except LeaseTablesError:
                    raise
                except Exception as exc:
                    failure = classify(exc)
                    if failure.kind != OTHER and type(exc).__name__ not in VALUE_REFUSALS:
                        raise failure.error() from None  # credentials, a profile, a file
                    raise InputError(self._refused_setting(exc)) from None

    def _refused_setting(self, exc: BaseException) -> str:
        """The setting the SDK refused, named from botocore's own table of its settings
        (logical name, config key, environment variable) and the values set."""
        from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES as SETTINGS

        text = aws_text(exc)
        config = self.session._session.get_scoped_config()
        named = []
        for logical, (key, variables, *_rest) in SETTINGS.items():
            for variable in [variables] if isinstance(variables, str) else (variables or []):
                value = self.env.get(variable)
                if value and (logical in text or (key and key in text)
                              or (len(value) > 2 and value in text)):
                    named.append(f"the environment variable {variable} ({quote(value)})")
            value = str(config.get(key) or "") if key else ""
            if value and (logical in text or key in text or (len(value) > 2 and value in text)):
                named.append(f"the setting {key} of the AWS profile "
                             f"{quote(self.session.profile_name or 'default')} ({quote(value)})")
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
        where = ("The environment variable AWS_CA_BUNDLE" if self.env.get("AWS_CA_BUNDLE")
                 else f"The setting ca_bundle of the AWS profile "
                      f"{quote(self.session.profile_name or 'default')}")
        raise InputError(f"{where} names {quote(bundle)}, which is not a file, so no HTTPS "
                         f"call could verify AWS's certificate. Point it at the CA "
                         f"certificate file (a TLS-inspecting proxy's, say), or unset it. "
                         f"Nothing was changed.")

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
        """Our defaults only where the operator configured nothing; what is configured, as
        botocore reads it, checked before any call.

        A chosen mode keeps that mode's own attempt count unless one is set too,
        exactly as the AWS CLI would behave with the same settings.
        """
        core = self.session._session
        config = core.get_scoped_config()  # the profile's own settings
        mode_setting = self._setting("AWS_RETRY_MODE", "retry_mode", config)
        attempts_setting = self._setting("AWS_MAX_ATTEMPTS", "max_attempts", config)
        if mode_setting is not None:
            mode = str(core.get_config_variable("retry_mode"))
            if mode not in RETRY_MODES:
                raise InputError(
                    f"{mode_setting[0]} is {quote(mode)}, which is not a retry mode of the AWS "
                    f"SDK: use one of {', '.join(RETRY_MODES)} (standard is what this tool "
                    f"uses when none is set), or unset it. Nothing was changed.")
        if attempts_setting is not None:
            where, raw = attempts_setting
            if not re.fullmatch(r"\s*[0-9]+\s*", raw) or int(raw) < 1:
                raise InputError(
                    f"{where} is {quote(raw)}, which is not a number of attempts: give a "
                    f"whole number, 1 or more (1 means no retries; this tool uses "
                    f"{DEFAULT_MAX_ATTEMPTS} when none is set), or unset it. Nothing was "
                    f"changed.")
        retries: dict[str, Any] = {}
        if mode_setting is None:
            retries["mode"] = "standard"
            if attempts_setting is None:
                retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
        return retries

    def _setting(self, variable: str, key: str,
                 config: Mapping[str, Any]) -> tuple[str, str] | None:
        """Where botocore reads a setting from (its environment variable first, then the
        profile's key) and its raw value, or None when it is set nowhere."""
        if self.env.get(variable):
            return f"The environment variable {variable}", str(self.env[variable])
        if config.get(key):
            profile = self.session.profile_name or "default"
            return (f"The setting {key} of the AWS profile {quote(profile)} (AWS config "
                    f"file)", str(config[key]))
        return None

    def dynamodb(self, region: str) -> Any:
        """A thread-safe DynamoDB client for one region (boto3 clients are)."""
        return self.client("dynamodb", region)

    def client(self, service: str, region: str) -> Any:
        """A thread-safe client of `service` for one region, made once per run."""
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                try:
                    client = self._make_client(service, region)
                except Exception as exc:
                    raise setup_error(exc) from None
                self._clients[service, region] = client
            return client

    def _make_client(self, service: str, region: str) -> Any:
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
        client.meta.events.register(f"before-send.{client.meta.service_model.endpoint_prefix}",
                                    functools.partial(self._record_endpoint, service, region))
        if service == "dynamodb":
            client.meta.events.register("before-parse.dynamodb", refuse_foreign_answers)
        return client

    def _record_endpoint(self, service: str, region: str, request: Any, **_: Any) -> None:
        """botocore hook: the scheme and host a request really goes to (an account-based
        DynamoDB endpoint, FIPS, a partition's domain), for the messages."""
        parts = urlsplit(str(getattr(request, "url", "")))
        if parts.scheme and parts.netloc:
            self._called[service, region] = f"{parts.scheme}://{parts.netloc}"

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


def endpoint_problem(url: str, setting: str = "--endpoint-url") -> str | None:
    """Why an endpoint URL is unusable, or None. Checked before any AWS call.

    `setting` names where the URL was set (--endpoint-url, AWS_ENDPOINT_URL,
    AWS_ENDPOINT_URL_<SERVICE>, the config file), so the message blames what
    the operator actually set.
    """
    option = setting == "--endpoint-url"
    usage = ("Give it with its scheme, e.g. http://127.0.0.1:8000 for a local endpoint or "
             "https://dynamodb.eu-west-1.amazonaws.com.")
    if not option:
        usage += " Or unset it to use AWS's own endpoint. Nothing was changed."
    if option:
        named = f"--endpoint-url {quote(url)}"
    elif setting.startswith("AWS_"):
        named = f"The environment variable {setting} ({quote(url)})"
    else:
        named = f"{setting[:1].upper()}{setting[1:]} ({quote(url)})"
    if not _ENDPOINT.fullmatch(url) and (option or not _sdk_accepts(url)):
        return f"{named} is not an http:// or https:// URL. {usage}"
    try:
        urlsplit(url).port  # noqa: B018 -- raises for a port out of range
    except ValueError:
        return f"{named} has a port no server can listen on. {usage}"
    return None


def _sdk_accepts(url: str) -> bool:
    """botocore's own test of an endpoint URL (it refuses the rest when making a client)."""
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    return bool(is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url))


def configured_endpoint(session: Any, service: str) -> tuple[str, str] | None:
    """The endpoint URL botocore's own lookup gives `service` from the environment and the
    config files (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services
    section, its endpoint_url, in that order), with the setting that holds it."""
    from botocore.configprovider import ConfiguredEndpointProvider
    from botocore.utils import ensure_boolean

    core = session._session
    if ensure_boolean(core.get_config_variable("ignore_configured_endpoint_urls") or False):
        return None
    # Private parts of botocore's provider (its lookup order, its variable's name) are used
    # on purpose: the point is to follow the SDK's own resolution, not a copy of it.
    provider: Any = ConfiguredEndpointProvider(full_config=core.full_config,
                                               scoped_config=core.get_scoped_config(),
                                               client_name=service)
    profile = quote(session.profile_name or "default")
    names = {
        "environment_service": provider._get_service_env_var_name(),
        "environment_global": "AWS_ENDPOINT_URL",
        "config_service": f"the {service} endpoint_url in the services section of the AWS "
                          f"profile {profile}",
        "config_global": f"the endpoint_url of the AWS profile {profile}",
    }
    for location in provider._ENDPOINT_URL_LOOKUP_ORDER:
        url = getattr(provider, f"_get_endpoint_url_{location}")()
        if url:
            return str(url), names[location]
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
