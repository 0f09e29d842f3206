"""A small fault-injecting, recording HTTP proxy for tests, on 127.0.0.1 only.

It sits between lease-tables and a DynamoDB-compatible server, records every
operation (from the `X-Amz-Target` header) with its JSON body, and spoils a
chosen share of requests the ways the real service and networks do: HTTP 500,
throttling, LimitExceededException on CreateTable, a dropped connection, or a
delay. Bounded in time: every socket has a timeout and `stop()` ends it.
"""

from __future__ import annotations

import gzip
import http.client
import json
import random
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ERROR_500 = "500"
THROTTLE = "throttle"
LIMIT = "limit"
DROP = "drop"
DELAY = "delay"
ALL_FAULTS = (ERROR_500, THROTTLE, LIMIT, DROP, DELAY)
LOSE = "lose"  # a queued entry: forward the request, then drop its answer

_PREFIX = "com.amazonaws.dynamodb.v20120810#"
# What AWS says for each kind of LimitExceededException (the code is the same).
LIMIT_IN_FLIGHT_TEXT = ("Subscriber limit exceeded: Only 10 tables can be created, updated, or "
                        "deleted simultaneously")
LIMIT_QUOTA_TEXT = "Subscriber limit exceeded: There is a limit of 256 tables per subscriber"


_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/dynamodb/aws4_request")


@dataclass
class Call:
    """One operation as it went over the wire, and what the proxy did to it."""

    operation: str
    body: dict
    fault: str | None
    status: int | None = None
    region: str = "?"  # from the SigV4 credential scope: the region the client signed for
    at: float = field(default_factory=time.monotonic)
    path: str = ""  # the request path (REST services name their resources there)

    @property
    def table_name(self) -> str | None:
        return self.body.get("TableName")


@dataclass
class Canned:
    """A fixed answer for one operation, e.g. an access-denied phrasing to test."""

    status: int
    body: bytes
    content_type: str = "application/x-amz-json-1.0"
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to sit on the request before answering: longer than the client waits is
    # a hang. Cut short when the proxy stops, so no test waits on it.
    hold: float = 0.0


@dataclass
class FaultPlan:
    """What to spoil: a share of requests, the kinds, and which operations."""

    share: float = 0.0
    faults: tuple[str, ...] = ALL_FAULTS
    operations: frozenset[str] | None = None  # None: every operation
    delay: float = 1.5
    seed: int = 7
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def choose(self, operation: str) -> str | None:
        if self.operations is not None and operation not in self.operations:
            return None
        if self.rng.random() >= self.share:
            return None
        kinds = [f for f in self.faults if f != LIMIT or operation == "CreateTable"]
        return self.rng.choice(kinds) if kinds else None


class FaultProxy:
    """Start with `with FaultProxy(upstream, FaultPlan(...)) as proxy:`; use `proxy.url`."""

    def __init__(self, upstream: str, plan: FaultPlan | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.plan = plan or FaultPlan()
        self.calls: list[Call] = []
        # (operation, the upstream's error code) -> the answer to give instead: the
        # upstream decides (IAM included), the real service's phrasing is shown.
        self.rephrased: dict[tuple[str, str], Canned] = {}
        # Keyed by operation, or by (operation, table name) for one table only.
        self.canned: dict[str | tuple[str, str], Canned] = {}
        # Keyed like `canned`: answers given once each, in order, before the upstream's.
        # An entry is a `Canned` (given instead of forwarding) or `LOSE` (forwarded, so
        # the upstream does the work, and then the answer is dropped, as a reset
        # connection loses it): eventual consistency and lost answers, as AWS shows them.
        self.queued: dict[str | tuple[str, str], list[Canned | str]] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    close = stop

    def operations(self) -> list[str]:
        with self._lock:
            return [c.operation for c in self.calls]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    reset = clear

    def by_operation(self) -> Counter[str]:
        with self._lock:
            return Counter(c.operation for c in self.calls)

    def by_table(self) -> dict[str, Counter[str]]:
        """For each table name, how many calls of each operation named it."""
        result: dict[str, Counter[str]] = {}
        with self._lock:
            for call in self.calls:
                if isinstance(call.table_name, str):
                    result.setdefault(call.table_name, Counter())[call.operation] += 1
        return result

    def timeline(self) -> dict[str, tuple[float, float]]:
        """For each operation, seconds from the first call of all to its first and last."""
        with self._lock:
            if not self.calls:
                return {}
            start = self.calls[0].at
            spans: dict[str, tuple[float, float]] = {}
            for call in self.calls:
                first, _last = spans.get(call.operation, (call.at - start, call.at - start))
                spans[call.operation] = (first, call.at - start)
            return spans

    def tables_called(self, operation: str) -> list[str]:
        with self._lock:
            return [c.body.get("TableName", "") for c in self.calls if c.operation == operation]

    def streams_called(self, operation: str) -> list[str]:
        """The stream each recorded Kinesis `operation` named (by name or ARN)."""
        with self._lock:
            return [str(c.body.get("StreamName") or c.body.get("StreamARN", "")
                        ).rsplit("/", 1)[-1] for c in self.calls if c.operation == operation]

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _choose(self, operation: str) -> str | None:
        with self._lock:
            return self.plan.choose(operation)

    def _next_queued(self, operation: str, table: str) -> Canned | str | None:
        with self._lock:
            for key in ((operation, table), operation):
                waiting = self.queued.get(key)
                if waiting:
                    return waiting.pop(0)
            return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30
            # The headers and the body go out in two writes; without TCP_NODELAY the
            # body waits for the client's delayed ACK (40 ms on Linux), a delay no AWS
            # endpoint adds, and every figure measured through the proxy carried it.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                operation = ((self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                             or rest_operation(self.command, self.path)
                             or query_operation(raw))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                fault = proxy._choose(operation)
                scope = _CREDENTIAL_SCOPE.search(self.headers.get("Authorization") or "")
                call = Call(operation, body, fault, region=scope.group(1) if scope else "?",
                            path=self.path)
                proxy._record(call)
                queued = proxy._next_queued(operation, call.table_name or "")
                if queued == LOSE:
                    call.status, _headers, _payload = self._forward(raw)
                    call.fault = LOSE
                    self.close_connection = True
                    return
                canned = (queued if isinstance(queued, Canned)
                          else proxy.canned.get((operation, call.table_name or ""))
                          or proxy.canned.get(operation))
                if canned is not None:
                    if canned.hold and proxy._stopping.wait(canned.hold):
                        self.close_connection = True
                        return
                    call.status = canned.status
                    self._reply(canned.status, {"Content-Type": canned.content_type,
                                                **canned.headers},
                                canned.body)
                    return
                if fault == DROP:
                    self.close_connection = True
                    return
                if fault in (ERROR_500, THROTTLE, LIMIT):
                    status, kind, text = {
                        ERROR_500: (500, "InternalServerError", "injected internal error"),
                        THROTTLE: (400, "ThrottlingException", "Rate of requests exceeds"),
                        LIMIT: (400, "LimitExceededException", LIMIT_IN_FLIGHT_TEXT),
                    }[fault]
                    call.status = status
                    self._reply(status, {"Content-Type": "application/x-amz-json-1.0"},
                                json.dumps({"__type": _PREFIX + kind, "message": text}).encode())
                    return
                if fault == DELAY:
                    time.sleep(proxy.plan.delay)
                status, headers, payload = self._forward(raw)
                rewrite = proxy.rephrased.get((operation, upstream_code(status, headers,
                                                                        payload)))
                if rewrite is not None:
                    status, headers, payload = (rewrite.status,
                                                {"Content-Type": rewrite.content_type,
                                                 **rewrite.headers}, rewrite.body)
                call.status = status
                self._reply(status, headers, payload)

            do_GET = do_POST

            def _forward(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
                up = proxy.upstream
                connection = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in {"connection", "keep-alive"}}
                    connection.request(self.command, self.path, body=raw, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                    kept = {k: v for k, v in response.getheaders()
                            if k.lower() not in {"connection", "transfer-encoding",
                                                 "content-length", "keep-alive"}}
                    return response.status, kept, payload
                finally:
                    connection.close()

            def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


class SilentServer:
    """Accepts connections on 127.0.0.1, reads what is sent, and never answers.

    What a black-holing firewall or a hung endpoint looks like to a client:
    the connection succeeds, then nothing. Bounded: `stop()` closes everything.
    """

    def __init__(self) -> None:
        import socket

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.2)
        self._held: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.accepted = 0

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            self.accepted += 1
            self._held.append(connection)  # kept open, never answered

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()
        self._socket.close()


def aws_error(code: str, message: str, status: int = 400) -> Canned:
    """A DynamoDB JSON error answer, as the service sends it."""
    body = json.dumps({"__type": _PREFIX + code, "message": message}).encode()
    return Canned(status, body)


def described(name: str, status: str, key: str = "leaseKey") -> Canned:
    """A DescribeTable answer for a lease table in any state, even ones no local server has."""
    return Canned(200, json.dumps({"Table": {
        "TableName": name, "TableStatus": status,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
    }}).encode())


# REST services (no X-Amz-Target): the operation from the method and path, for the
# footprint's probes. First match wins.
_REST_OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/getDataEndpoint$"), "GetDataEndpoint"),
    ("GET", re.compile(r"/instance/[^/]+/attributes(\?|$)"), "ListInstanceAttributes"),
    ("GET", re.compile(r"/instance/[^/]+/storage-configs(\?|$)"),
     "ListInstanceStorageConfigs"),
    ("GET", re.compile(r"/users/[^/]+/[^/?]+$"), "DescribeUser"),
    ("GET", re.compile(r"/contacts/[^/]+/[^/?]+$"), "DescribeContact"),
    ("GET", re.compile(r"/contact/attributes/[^/]+/[^/?]+$"), "GetContactAttributes"),
    ("GET", re.compile(r"/[^/?]+\?(.*&)?list-type=2"), "ListObjectsV2"),
    ("GET", re.compile(r"/[^/?]+/[^?]+"), "GetObject"),
)


def rest_operation(method: str, path: str) -> str:
    """The operation a REST request (Kinesis Video, Connect, S3 path-style) is."""
    for verb, pattern, name in _REST_OPERATIONS:
        if method == verb and pattern.search(path):
            return name
    return ""


def upstream_code(status: int, headers: dict[str, str], payload: bytes) -> str:
    """The error code of an upstream answer (JSON `__type`, an XML `<Code>`, or the
    REST `x-amzn-ErrorType` header), "" for a success."""
    if status < 300:
        return ""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "x-amzn-errortype" in lowered:
        return lowered["x-amzn-errortype"].split(":")[0]
    try:
        kind = json.loads(payload or b"{}").get("__type", "")
        if kind:
            return str(kind).rpartition("#")[2]
    except (ValueError, AttributeError):
        pass
    found = re.search(rb"<Code>([^<]+)</Code>", payload or b"")
    return found.group(1).decode() if found else str(status)


def rest_error(code: str, message: str, status: int = 400) -> Canned:
    """A REST-JSON service's error (Kinesis Video, Connect): the code in a header."""
    return Canned(status, json.dumps({"message": message, "Message": message}).encode(),
                  "application/json", {"x-amzn-ErrorType": code})


def rest_answer(document: dict) -> Canned:
    """A REST-JSON service's success answer."""
    return Canned(200, json.dumps(document).encode(), "application/json")


def hanging(seconds: float = 120.0) -> Canned:
    """An operation that never answers within any client's patience (a hung ListTables
    behind a proxy, say): the request is read, then nothing until `seconds` pass."""
    return Canned(200, b"{}", hold=seconds)


def raw_answer(status: int, body: bytes | str,
               content_type: str = "application/x-amz-json-1.0") -> Canned:
    """Any body at all, as an odd endpoint sends it: not JSON, not UTF-8, wrong types."""
    return Canned(status, body.encode() if isinstance(body, str) else body, content_type)


def described_as(name: str, **fields: object) -> Canned:
    """A DescribeTable answer of a healthy ACTIVE lease table with `fields` replaced
    (None removes one): a TableStatus that is a number, a KeySchema that is a string."""
    table: dict[str, object] = json.loads(described(name, "ACTIVE").body)["Table"]
    for key, value in fields.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return Canned(200, json.dumps({"Table": table}).encode())


def query_operation(raw: bytes) -> str:
    """The operation of a query-protocol request (IAM, STS): its form's `Action`."""
    from urllib.parse import parse_qs

    try:
        return parse_qs(raw.decode("ascii")).get("Action", [""])[0]
    except (UnicodeDecodeError, ValueError):
        return ""


def simulated(decision: str) -> Canned:
    """IAM's SimulatePrincipalPolicy answer with one decision for whatever was asked
    (moto has no policy simulator)."""
    body = (
        '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>"
        f"<member><EvalActionName>any</EvalActionName><EvalResourceName>*</EvalResourceName>"
        f"<EvalDecision>{decision}</EvalDecision></member></EvaluationResults>"
        "</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>1</RequestId>"
        "</ResponseMetadata></SimulatePrincipalPolicyResponse>")
    return Canned(200, body.encode(), "text/xml")


class RewritingProxy(FaultProxy):
    """A FaultProxy that may change the upstream's successful answers before passing them on.

    `proxy.rewrites[operation] = fn(request_body, answer) -> answer` edits one
    operation's JSON answer (its CRC32 header is recomputed, as botocore checks it),
    so a test can show a real table in a state a local server never has (an index
    UPDATING, say) while every other call, Query on that index included, is real.
    """

    def __init__(self, upstream: str, plan: FaultPlan | None = None) -> None:
        self.rewrites: dict[str, Callable[[dict, dict], dict]] = {}
        super().__init__(upstream, plan)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        base = super()._handler()

        class Handler(base):  # type: ignore[valid-type, misc]
            def _forward(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
                status, headers, payload = super()._forward(raw)
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                rewrite = proxy.rewrites.get(operation)
                if rewrite is None or status != 200:
                    return status, headers, payload
                payload = json.dumps(rewrite(json.loads(raw or b"{}"),
                                             json.loads(payload))).encode()
                headers = {k: v for k, v in headers.items() if k.lower() != "x-amz-crc32"}
                headers["x-amz-crc32"] = str(zlib.crc32(payload))
                return status, headers, payload

        return Handler


def index_in_state(table_name: str, states: Iterable[str]) -> Callable[[dict, dict], dict]:
    """A DescribeTable rewrite: `table_name`'s LeaseOwnerToLeaseKeyIndex shows each of
    `states` in turn (one answer each; `itertools.repeat` for ever), then its real
    state; other tables as they are."""
    pending = iter(states)
    lock = threading.Lock()

    def rewrite(request: dict, answer: dict) -> dict:
        if request.get("TableName") != table_name:
            return answer
        with lock:
            state = next(pending, None)
        if state is None:
            return answer
        for index in answer.get("Table", {}).get("GlobalSecondaryIndexes") or []:
            if index.get("IndexName") == "LeaseOwnerToLeaseKeyIndex":
                index["IndexStatus"] = state
        return answer

    return rewrite


# ------------------------------------------------------------------ the real consumer's gate
#
# KCL 3 forces HTTP/2 on its Kinesis client, and moto_server speaks HTTP/1.1 only; so the
# real KCL reaches moto through `PolicyGate`: hypercorn (which accepts h2c with prior
# knowledge as well as HTTP/1.1) serving a small ASGI app that forwards each request to
# moto over HTTP/1.1. On the way it names each call (service, action, the real resource
# ARNs) and holds it against an IAM policy document with moto's own evaluator
# (`moto.iam.access_control`): moto_server's IAM enforcement checks DynamoDB calls against
# resource `*` only, so it cannot judge a policy scoped to table, index and stream ARNs.
# A call the policy does not allow is answered AccessDenied, as AWS would; CreateTable and
# UpdateTable are always answered AccessDenied, whatever the policy says.

_SCOPE_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
ALWAYS_DENIED = frozenset({"dynamodb:CreateTable", "dynamodb:UpdateTable"})
# SigV4 signing names that differ from the service's IAM prefix.
_IAM_PREFIX = {"monitoring": "cloudwatch"}
# The per-item action IAM authorises inside a DynamoDB transaction.
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


@dataclass
class GatedCall:
    """One call as the gate saw it: who it was for, and whether the policy allows it."""

    service: str  # IAM's service prefix: dynamodb, kinesis, cloudwatch
    action: str  # the operation name, e.g. GetItem
    resources: tuple[str, ...]
    allowed: bool  # every (IAM action, resource) of the call allowed by the policy
    status: int | None = None
    http_version: str = "?"  # "2" for KCL's Kinesis client (h2c), "1.1" for the others
    at: float = field(default_factory=time.monotonic)

    @property
    def iam_action(self) -> str:
        return f"{self.service}:{self.action}"


def iam_allows(policy: dict | list[dict], action: str, resource: str,
               conditions: dict[str, str] | None = None) -> bool:
    """moto's own IAM evaluator: an explicit Deny in any document wins, else some Allow
    must match (`policy` may be one document or several, as when a policy is split)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    verdicts = {IAMPolicy(json.dumps(document)).is_action_permitted(
        action, resource, incoming_condition_values=conditions)
        for document in (policy if isinstance(policy, list) else [policy])}
    return PermissionResult.PERMITTED in verdicts and PermissionResult.DENIED not in verdicts


EXPIRED_TOKEN_TEXT = "The security token included in the request is expired"


def expired_token(service: str) -> tuple[int, dict[str, str], bytes]:
    """What AWS answers a call signed with an expired session token: HTTP 400 with
    `ExpiredTokenException` in the service's own protocol (DynamoDB's JSON 1.0 names the
    coral namespace, Kinesis's JSON 1.1 does not; CloudWatch's query protocol says
    `ExpiredToken` in XML). A `PolicyGate` answer (`PolicyGate(..., answer=expired_token)`)."""
    if service == "dynamodb":
        body = {"__type": "com.amazon.coral.service#ExpiredTokenException",
                "message": EXPIRED_TOKEN_TEXT}
        return 400, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body).encode()
    if service == "cloudwatch":
        xml = ('<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">'
               f"<Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>"
               f"{EXPIRED_TOKEN_TEXT}</Message></Error><RequestId>"
               "00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")
        return 400, {"Content-Type": "text/xml"}, xml.encode()
    body = {"__type": "ExpiredTokenException", "message": EXPIRED_TOKEN_TEXT}
    return 400, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(body).encode()


# Kinesis actions IAM authorises on a stream consumer rather than on its stream
# (RegisterStreamConsumer is authorised on the stream).
_CONSUMER_ACTIONS = ("DescribeStreamConsumer", "SubscribeToShard", "DeregisterStreamConsumer")


class PolicyGate:
    """`with PolicyGate(moto_url, policy, account, region) as gate:`; point KCL at `gate.url`.

    `answer(service)`, when given, answers every call itself (the call is still named
    and judged, and recorded): a fault no local server shows, such as `expired_token`.
    """

    def __init__(self, upstream: str, policy: dict | list[dict], account: str,
                 region: str,
                 answer: Callable[[str], tuple[int, dict[str, str], bytes]] | None = None
                 ) -> None:
        self.upstream = urlsplit(upstream)
        self.policy = policy
        self.answer = answer
        self.account = account
        self.region = region
        self.calls: list[GatedCall] = []
        self._iterators: dict[str, str] = {}  # shard iterator -> stream ARN
        self._lock = threading.Lock()
        self._stopped: object = None
        self._loop: object = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._ready = threading.Event()
        import socket

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> PolicyGate:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the h2c gate did not start within 30 s")
        return self

    def __exit__(self, *exc: object) -> None:
        import asyncio

        loop, stopped = self._loop, self._stopped
        if isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stopped, asyncio.Event):
            loop.call_soon_threadsafe(stopped.set)
        self._thread.join(timeout=15)

    def snapshot(self) -> list[GatedCall]:
        with self._lock:
            return list(self.calls)

    # -- naming a call

    def _arn(self, service: str, kind: str, name: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{kind}/{name}"

    def _stream_arn(self, body: dict) -> str:
        if isinstance(body.get("StreamARN"), str):
            return body["StreamARN"]
        if isinstance(body.get("StreamName"), str):
            return self._arn("kinesis", "stream", body["StreamName"])
        with self._lock:
            return self._iterators.get(str(body.get("ShardIterator")), "unknown-stream")

    def _consumer_arn(self, body: dict) -> str:
        """IAM authorises DescribeStreamConsumer and SubscribeToShard on the consumer's
        ARN (`stream/NAME/consumer/CONSUMER:CREATION`); a call by stream and name gets
        one such ARN."""
        if isinstance(body.get("ConsumerARN"), str):
            return body["ConsumerARN"]
        return f"{self._stream_arn(body)}/consumer/{body.get('ConsumerName', '')}:0"

    def _dynamodb_items(self, action: str, body: dict) -> list[tuple[str, str]]:
        """(operation, resource ARN) pairs IAM authorises for one DynamoDB request."""
        if action in ("TransactWriteItems", "TransactGetItems"):
            pairs = []
            for item in body.get("TransactItems", []):
                for kind, request in item.items():
                    pairs.append((_TRANSACT_ACTIONS.get(kind, kind),
                                  self._arn("dynamodb", "table", request.get("TableName", ""))))
            return pairs
        if action in ("BatchGetItem", "BatchWriteItem"):
            return [(action, self._arn("dynamodb", "table", name))
                    for name in body.get("RequestItems", {})]
        table = str(body.get("TableName", ""))
        if body.get("IndexName"):
            table = f"{table}/index/{body['IndexName']}"
        return [(action, self._arn("dynamodb", "table", table))]

    def name_call(self, headers: dict[str, str], path: str, raw: bytes
                  ) -> tuple[str, str, list[tuple[str, str]], dict[str, str]]:
        """(service, operation, [(IAM operation, resource)], condition values) of a request."""
        scope = _SCOPE_SERVICE.search(headers.get("authorization", ""))
        service = _IAM_PREFIX.get(scope.group(2), scope.group(2)) if scope else "?"
        target = headers.get("x-amz-target", "")
        if "gzip" in headers.get("content-encoding", ""):
            # The Java SDK gzips a large PutMetricData (request compression past 10 KB):
            # read the form inside it; the request is forwarded as it came.
            raw = gzip.decompress(raw)
        body: dict = {}
        conditions: dict[str, str] = {}
        if target:
            action = target.rpartition(".")[2]
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
        elif "/operation/" in path:  # smithy RPCv2 (CBOR): /service/X/operation/Action
            action = path.rstrip("/").rpartition("/")[2]
        else:  # the query protocol: Action=PutMetricData&Namespace=...
            from urllib.parse import parse_qs

            form = parse_qs(raw.decode("utf-8", "replace"))
            action = form.get("Action", ["?"])[0]
            if "Namespace" in form:
                conditions["cloudwatch:namespace"] = form["Namespace"][0]
        if service == "dynamodb":
            items = self._dynamodb_items(action, body)
        elif service == "kinesis" and action in _CONSUMER_ACTIONS:
            items = [(action, self._consumer_arn(body))]
        elif service == "kinesis":
            items = [(action, self._stream_arn(body))]
        else:
            items = [(action, "*")]
        return service, action, items, conditions

    def judge(self, service: str, items: list[tuple[str, str]],
              conditions: dict[str, str]) -> bool:
        return all(iam_allows(self.policy, f"{service}:{op}", resource, conditions or None)
                   for op, resource in items)

    # -- serving

    def _serve(self) -> None:
        import asyncio

        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"fd://{self._socket.detach()}"]
        config.accesslog = None
        config.errorlog = None
        config.keep_alive_timeout = 30

        async def main() -> None:
            self._stopped = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            self._ready.set()
            await serve(self._app, config, shutdown_trigger=self._stopped.wait)  # type: ignore[arg-type]

        asyncio.run(main())

    async def _app(self, scope: dict, receive, send) -> None:  # ASGI
        import asyncio

        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope["headers"]}
        path = scope["raw_path"].decode("latin-1") or "/"
        if scope.get("query_string"):
            path += "?" + scope["query_string"].decode("latin-1")
        service, action, items, conditions = self.name_call(headers, scope["path"], raw)
        allowed = self.judge(service, items, conditions)
        call = GatedCall(service, action, tuple(r for _, r in items), allowed,
                         http_version=str(scope.get("http_version", "?")))
        with self._lock:
            self.calls.append(call)
        if self.answer is not None:
            status, out_headers, payload = self.answer(service)
        elif not allowed or any(f"{service}:{op}" in ALWAYS_DENIED for op, _ in items):
            status, out_headers, payload = self._denied(service, items)
        else:
            status, out_headers, payload = await asyncio.to_thread(
                self._forward, scope["method"], path, headers, raw)
            if service == "kinesis" and status == 200:
                self._remember_iterators(items[0][1], payload)
        call.status = status
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                for k, v in out_headers.items()]
                    + [(b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    def _remember_iterators(self, stream_arn: str, payload: bytes) -> None:
        try:
            answer = json.loads(payload or b"{}")
        except ValueError:
            return
        with self._lock:
            for key in ("ShardIterator", "NextShardIterator"):
                if isinstance(answer.get(key), str):
                    self._iterators[answer[key]] = stream_arn

    def _denied(self, service: str, items: list[tuple[str, str]]
                ) -> tuple[int, dict[str, str], bytes]:
        """The answer AWS gives a call its policy does not allow."""
        op, resource = items[0] if items else ("?", "*")
        text = (f"User: arn:aws:sts::{self.account}:assumed-role/adapter/kcl is not "
                f"authorized to perform: {service}:{op} on resource: {resource} "
                "because no identity-based policy allows the action")
        kind = ("com.amazon.coral.service#AccessDeniedException" if service == "dynamodb"
                else "AccessDeniedException")
        body = json.dumps({"__type": kind, "message": text}).encode()
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body

    def _forward(self, method: str, path: str, headers: dict[str, str], raw: bytes
                 ) -> tuple[int, dict[str, str], bytes]:
        up = self.upstream
        connection = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items()
                    if k not in {"connection", "keep-alive", "host", "content-length",
                                 "transfer-encoding", "upgrade", "http2-settings"}}
            sent["Host"] = up.netloc
            connection.request(method, path, body=raw, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            kept = {k: v for k, v in response.getheaders()
                    if k.lower() not in {"connection", "transfer-encoding", "content-length",
                                         "keep-alive", "server", "date"}}
            return response.status, kept, payload
        finally:
            connection.close()
