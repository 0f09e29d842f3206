"""What KCL and the AWS SDK for Java write when a consumer cannot start: the vocabulary.

Every fact is read from what KCL's scheduler and lease coordinator and the AWS
SDK print, never from a line format and never from the MultiLangDaemon's own
lines (`KinesisClientLibConfigurator`, `MultiLangDaemonConfig`: its configuration
echo): the adapters run KCL as a library inside their own Java service, so
their logs do not have them. Names (tables, streams, the application) come from
the ARNs in AWS's own messages.

The texts, from KCL's source (`Scheduler`, `DynamoDBLeaseRefresher`) and from
AWS's error messages:

- "Initializing LeaseCoordinator attempt 1": KCL starts (attempt N: it retries);
- "Starting LeaseCoordinator" (or "... is already running"), then "Initialization
  complete. Starting worker loop.": it started;
- "Caught exception when initializing LeaseCoordinator": one attempt failed;
- "Unable to initialize after 20 attempts. Shutting down.": it gave up (the
  JVM then exits with status 0);
- "User: ARN is not authorized to perform: ACTION on resource: ARN [because no
  identity-based policy allows ... | with an explicit deny in a service control
  policy ...]": IAM said no;
- ResourceNotFoundException ("Stream S under account A not found.",
  "Requested resource not found: Table: T not found", a consumer's ARN);
- ExpiredTokenException, UnrecognizedClientException, InvalidSignatureException
  ("Signature expired": the clock), "Unable to load credentials": credentials;
- ProvisionedThroughputExceededException, ThrottlingException,
  LimitExceededException ("Rate exceeded"): throttling;
- "The provided key element does not match the schema", "Missing the key X in
  the item": the lease table has another key;
- "GSI status is not active", "Waiting for Lease table GSI creation": KCL 3
  waits for its index.

Pure: text in, facts out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Fact kinds.
START = "start"
READY = "ready"
GAVE_UP = "gave-up"
INIT_FAILED = "init-failed"
DENIED = "denied"
NOT_FOUND = "not-found"
CREDENTIALS = "credentials"
THROTTLED = "throttled"
WRONG_KEY = "wrong-key"
INDEX_WAIT = "index-wait"

# What a NOT_FOUND names.
STREAM = "stream"
CONSUMER = "consumer"
TABLE = "table"

# Credential failures, in the operator's words.
EXPIRED = "expired"
UNRECOGNISED = "unrecognised"
CLOCK = "clock"
SIGNATURE = "signature"
NO_CREDENTIALS = "none"

# The lines of the MultiLangDaemon itself, which an adapter's log never has: never
# evidence (their configuration echo names the application and stream).
DAEMON_LINES = ("KinesisClientLibConfigurator", "MultiLangDaemonConfig",
                "AwsCredentialsProviderPropertyValueDecoder")


@dataclass(frozen=True)
class Fact:
    """One thing an event shows. `resource` is an ARN or a name; `detail` the kind of
    refusal (an explicit deny's source), of credential failure, or a count."""

    kind: str
    action: str = ""
    resource: str = ""
    detail: str = ""
    sample: str = ""


@dataclass(frozen=True)
class Seen:
    """One event, judged: when (as the log wrote it), what it shows, and the names it
    gives (tables and streams from ARNs; retrieval mode; KCL version)."""

    time: str | None
    facts: tuple[Fact, ...]
    tables: tuple[str, ...] = ()
    streams: tuple[str, ...] = ()
    retrieval: str | None = None
    version: str | None = None
    kcl3: bool = False


_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?"
    # java.util.logging's SimpleFormatter: "Dec 07, 2026 4:32:55 AM"
    r"|[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M"
    # log4j's ABSOLUTE / DATE: "07 Dec 2026 04:32:55,543"
    r"|\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?")

_START = re.compile(r"Initializing LeaseCoordinator attempt (\d+)")
_READY = re.compile(r"Initialization complete|Starting LeaseCoordinator"
                    r"|LeaseCoordinator is already running")
_GAVE_UP = re.compile(r"Unable to initialize after (\d+) attempts")
_INIT_FAILED = re.compile(r"Caught exception when initializing")
_ARN = r"arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:[^\s()\"',;]+"
_DENIED = re.compile(
    r"is not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)"
    r"(?: on resource: (" + _ARN + r"))?"
    r"(?:[^\n]*?with an explicit deny in an? ([a-z -]*?(?:policy|boundary)))?")
_STREAM_NOT_FOUND = re.compile(
    r"Stream ([A-Za-z0-9_.-]+) under account [0-9]+ not found"
    # KCL's KinesisShardDetector, on ListShards' ResourceNotFoundException
    r"|fetching shard list for ([A-Za-z0-9_.-]+)\. Stream no longer exists")
_TABLE_NOT_FOUND = re.compile(
    r"Requested resource not found(?:: Table: ([A-Za-z0-9_.-]+) not found)?"
    r"|Cannot do operations on a non-existent table")
_CONSUMER_ARN = re.compile(r"arn:[a-z-]+:kinesis:[a-z0-9-]+:[0-9]+:stream/[A-Za-z0-9_.-]+"
                           r"/consumer/[A-Za-z0-9_.-]+(?::[0-9]+)?")
_RESOURCE_NOT_FOUND = "ResourceNotFoundException"
_CREDENTIALS = (
    (re.compile(r"ExpiredToken|security token included in the request is expired"
                r"|token has expired|The provided token has expired"), EXPIRED),
    (re.compile(r"Signature expired|Signature not yet current|RequestTimeTooSkewed"
                r"|request time and the current time is too large"), CLOCK),
    (re.compile(r"UnrecognizedClientException|InvalidClientTokenId"
                r"|security token included in the request is invalid"), UNRECOGNISED),
    (re.compile(r"InvalidSignatureException|SignatureDoesNotMatch"
                r"|request signature we calculated does not match"), SIGNATURE),
    (re.compile(r"Unable to load credentials from any of the providers"), NO_CREDENTIALS),
)
_THROTTLED = re.compile(
    r"ProvisionedThroughputExceeded|ThrottlingException|LimitExceededException"
    r"|RequestLimitExceeded|Rate exceeded|Throughput exceeds the current capacity")
_WRONG_KEY = re.compile(
    r"The provided key element does not match the schema"
    r"|One of the required keys was not given a value"
    r"|Missing the key ([A-Za-z0-9_.-]+) in the item")
_INDEX_WAIT = re.compile(r"GSI status (?:is|was) not active|Waiting for Lease table GSI creation")
_TABLE_ARN = re.compile(r"arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]+:table/([A-Za-z0-9_.-]+)")
_STREAM_ARN = re.compile(r"arn:[a-z-]+:kinesis:[a-z0-9-]+:[0-9]+:stream/([A-Za-z0-9_.-]+)")
_FAN_OUT = re.compile(r"FanOutRecordsPublisher|SubscribeToShard|/consumer/")
_POLLING = re.compile(r"PrefetchRecordsPublisher|PollingRecordsFetcher|KinesisDataFetcher"
                      r"|BlockingRecordsPublisher|GetRecords")
_VERSION = re.compile(r"amazon-kinesis-client(?:-library-java)?[-/ ]v?([0-9]+\.[0-9]+\.[0-9]+)")
# What only KCL 3 writes: its companion tables and index, its worker-metrics classes
# (`software.amazon.kinesis.worker`: "WorkerMetricStatsManager", "WorkerMetricsSelector"),
# its migration state machine (`software.amazon.kinesis.coordinator.migration`), its
# lease assignment.
_KCL3 = re.compile(r"-CoordinatorState|-WorkerMetricStats|LeaseOwnerToLeaseKeyIndex"
                   r"|Lease table GSI|GSI status|LeaseAssignmentManager|WorkerMetricStats"
                   r"|WorkerMetricsSelector|MigrationStateMachine|coordinator\.migration")


def timestamp(line: str) -> str | None:
    """The time a line was written, as the log wrote it (None when it shows none)."""
    found = _TIME.search(line, 0, 200)
    return found.group(0) if found else None


def _sample(lines: Sequence[str], pattern: re.Pattern[str]) -> str:
    return next((line for line in lines if pattern.search(line)), lines[0] if lines else "")


def _strip_arn(arn: str) -> str:
    return arn.rstrip(".:")


def _is_daemon_line(line: str) -> bool:
    return any(name in line for name in DAEMON_LINES)


def judge_lines(lines: Sequence[str], before: str = "") -> Seen | None:
    """What one event (a line and its continuation lines) shows; None if nothing."""
    if not lines or _is_daemon_line(lines[0]):
        return None
    if timestamp(lines[0]) is None and _is_daemon_line(before):
        return None  # java.util.logging: the logger's name is on the line above
    text = "\n".join(lines)
    facts: list[Fact] = []
    head = lines[0]
    if started := _START.search(head):
        if started.group(1) == "1":
            facts.append(Fact(START, sample=head))
    elif _READY.search(head):
        facts.append(Fact(READY, sample=head))
    if gave_up := _GAVE_UP.search(head):
        facts.append(Fact(GAVE_UP, detail=gave_up.group(1), sample=head))
    elif _INIT_FAILED.search(head):
        facts.append(Fact(INIT_FAILED, sample=head))
    facts += _refusals(lines, text)
    tables = tuple(dict.fromkeys(_TABLE_ARN.findall(text)))
    streams = tuple(dict.fromkeys(_STREAM_ARN.findall(text)))
    retrieval = ("fan-out" if _FAN_OUT.search(text)
                 else "polling" if _POLLING.search(text) else None)
    version = named.group(1) if (named := _VERSION.search(text)) else None
    kcl3 = bool(_KCL3.search(text))
    if not (facts or tables or streams or version or kcl3):
        return None
    time = timestamp(head) or timestamp(before)
    return Seen(time, tuple(dict.fromkeys(facts)), tables, streams, retrieval, version, kcl3)


def _refusals(lines: Sequence[str], text: str) -> list[Fact]:
    """AWS's answers inside one event: each kind once per event (the SDK's exception
    is printed twice, as the cause and inside KCL's wrapper)."""
    facts: list[Fact] = []
    for found in _DENIED.finditer(text):
        facts.append(Fact(DENIED, found.group(1), _strip_arn(found.group(2) or ""),
                          found.group(3) or "", _sample(lines, _DENIED)))
    if stream := _STREAM_NOT_FOUND.search(text):
        facts.append(Fact(NOT_FOUND, resource=stream.group(1) or stream.group(2), detail=STREAM,
                          sample=_sample(lines, _STREAM_NOT_FOUND)))
    elif _RESOURCE_NOT_FOUND in text and (consumer := _CONSUMER_ARN.search(text)):
        facts.append(Fact(NOT_FOUND, resource=consumer.group(0), detail=CONSUMER,
                          sample=_sample(lines, _CONSUMER_ARN)))
    elif table := _TABLE_NOT_FOUND.search(text):
        arn = _TABLE_ARN.search(text)
        name = table.group(1) or (arn.group(1) if arn else "")
        facts.append(Fact(NOT_FOUND, resource=name, detail=TABLE,
                          sample=_sample(lines, _TABLE_NOT_FOUND)))
    for pattern, kind in _CREDENTIALS:
        if pattern.search(text):
            facts.append(Fact(CREDENTIALS, detail=kind, sample=_sample(lines, pattern)))
            break
    if throttled := _THROTTLED.search(text):
        service = "kinesis" if "Service: Kinesis" in text else "dynamodb"
        facts.append(Fact(THROTTLED, service, detail=throttled.group(0),
                          sample=_sample(lines, _THROTTLED)))
    if wrong := _WRONG_KEY.search(text):
        arn = _TABLE_ARN.search(text)
        facts.append(Fact(WRONG_KEY, resource=arn.group(1) if arn else "",
                          detail=wrong.group(0), sample=_sample(lines, _WRONG_KEY)))
    if _INDEX_WAIT.search(lines[0]):
        facts.append(Fact(INDEX_WAIT, sample=lines[0]))
    return facts
