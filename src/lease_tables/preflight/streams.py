"""Preflight of the adapter's Kinesis data streams and enhanced fan-out consumers.

Per stream, what KCL calls at start and while reading, each writing nothing:
DescribeStreamSummary, ListShards (one shard), GetShardIterator (LATEST, so no
old record is even addressed) and GetRecords with Limit 1, whose records are
dropped before botocore parses or logs the answer (`aws.drop_records`): preflight
never holds, prints or logs a record. PutRecord (the vendor lists it) would write,
and DescribeStream is one KCL 2.6+ never calls: neither is tried.

Per consumer (`--enhanced-fan-out`): DescribeStreamConsumer by the stream's ARN
and KCL's consumer name. SubscribeToShard is never tried: it would take over
the running adapter's subscription to that shard.

A stream's DescribeStreamSummary is called once per run (`StreamSummaries`) and
shared by its stream row and all its consumers' rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from lease_tables.aws.clients import Clients
from lease_tables.aws.failures import NOT_FOUND_CODE
from lease_tables.core.engine import Once
from lease_tables.model.consumers import Consumer
from lease_tables.model.footprint import KIND_STREAM, SERVICE_STREAMS
from lease_tables.preflight.answers import ABSENT, PROVEN, Outcome, attempt
from lease_tables.preflight.groups import Group
from lease_tables.preflight.services import group_of

ROLE_STREAM = KIND_STREAM
SUMMARY, LIST, ITERATOR, RECORDS = ("DescribeStreamSummary", "ListShards",
                                    "GetShardIterator", "GetRecords")
STREAM_ACTIONS = (SUMMARY, LIST, ITERATOR, RECORDS)
CONSUMER = "DescribeStreamConsumer"
# A well-formed shard id, for GetShardIterator when ListShards showed none.
FIRST_SHARD = "shardId-000000000000"


class StreamRef(TypedDict, total=False):
    """How a call names its stream: by ARN when one was given, else by name."""

    StreamName: str
    StreamARN: str


def stream_params(stream: str) -> StreamRef:
    return {"StreamARN": stream} if stream.startswith("arn:") else {"StreamName": stream}


# Each stream's DescribeStreamSummary outcome, by (region, stream): asked once per run.
StreamSummaries = Once[tuple[str, str], Outcome]


def summary_of(clients: Clients, summaries: StreamSummaries, stream: str,
               region: str) -> Outcome:
    client = clients.client("kinesis", region)
    return summaries.get((region, stream), lambda: attempt(
        lambda: client.describe_stream_summary(**stream_params(stream))))


def stream_group(stream: str, region: str, sources: Sequence[str] = ()) -> Group:
    """A stream's row, named by the name an ARN holds after its last slash; an ARN's own
    region wins over the table's."""
    if stream.startswith("arn:"):
        region = stream.split(":")[3]
    return group_of(SERVICE_STREAMS, stream.rsplit("/", 1)[-1], region, stream, sources)


def probe_stream(clients: Clients, summaries: StreamSummaries, group: Group) -> None:
    """The stream's four read probes, in KCL's order."""
    stream, region = group.row.resource, group.row.region or ""
    client = clients.client("kinesis", region)
    summary = summary_of(clients, summaries, stream, region)
    if summary.kind == ABSENT:
        group.missing = (f"The stream {group.row.table_name} does not exist in {region} "
                         f"(DescribeStreamSummary said so): the adapter has nothing to read. "
                         f"Check --stream and --region (and the adapter's settings), then "
                         f"rerun preflight.")
        return
    group.record(SUMMARY, summary)
    params = stream_params(stream)
    listed = attempt(lambda: client.list_shards(**params, MaxResults=1))
    shards = (listed.value or {}).get("Shards") or [] if group.record(LIST, listed) else []
    shard = shards[0]["ShardId"] if shards else FIRST_SHARD
    if listed.kind == ABSENT:  # gone since it was described
        group.missing = f"The stream {group.row.table_name} vanished during preflight."
        return
    # ResourceNotFound for a shard is an answer IAM let through: the grant is proven.
    iterator = attempt(lambda: client.get_shard_iterator(
        **params, ShardId=shard, ShardIteratorType="LATEST"), allowed=(NOT_FOUND_CODE,),
        absent=())
    proven = group.record(ITERATOR, iterator)
    token = (iterator.value or {}).get("ShardIterator") if proven else None
    if token is None:
        group.skip(RECORDS, "the stream has no shard to read from" if proven else
                   "it needs a shard iterator, and GetShardIterator gave none")
        return
    records = attempt(lambda: client.get_records(ShardIterator=token, Limit=1),
                      allowed=("ExpiredIteratorException",))
    group.record(RECORDS, records)


def probe_consumer(clients: Clients, summaries: StreamSummaries, consumer: Consumer,
                   group: Group) -> None:
    """DescribeStreamConsumer, as KCL calls it at start (never SubscribeToShard)."""
    summary = summary_of(clients, summaries, consumer.stream, consumer.region)
    if summary.kind == ABSENT:
        group.missing = (f"The stream {consumer.stream_name} does not exist in "
                         f"{consumer.region}, so it has no consumer.")
        return
    arn = summary.value.get("StreamDescriptionSummary", {}).get("StreamARN") if (
        summary.kind == PROVEN and summary.value) else (
        consumer.stream if consumer.stream.startswith("arn:") else None)
    if arn is None:
        group.skip(CONSUMER, "the stream's ARN is unknown: DescribeStreamSummary "
                                        "gave none; pass --stream as an ARN")
        return
    client = clients.client("kinesis", consumer.region)
    described = attempt(lambda: client.describe_stream_consumer(
        StreamARN=arn, ConsumerName=consumer.name))
    if described.kind == ABSENT:
        group.missing = (f"{consumer.where} is not registered: KCL would call "
                         f"RegisterStreamConsumer, which the adapter's policy does not grant. "
                         f"Register it with the provisioning identity (`lease-tables create "
                         f"--enhanced-fan-out --stream {consumer.stream}`), then rerun "
                         f"preflight.")
        return
    if group.record(CONSUMER, described):
        status = (described.value or {}).get("ConsumerDescription", {}).get("ConsumerStatus")
        if status not in (None, "ACTIVE"):
            group.broken = (f"{consumer.where} is {status}, not ACTIVE: KCL cannot subscribe "
                            f"with it yet. Rerun preflight once `lease-tables verify "
                            f"--enhanced-fan-out` says ok.")

