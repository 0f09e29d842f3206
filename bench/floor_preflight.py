"""The P6 floor: the probe calls `lease-tables preflight` sends, and nothing else.

    python bench/floor_preflight.py ENDPOINT --key ARN --instance ID --bucket NAME
        --video-prefix PREFIX --stream NAME... --concurrency N TABLE...

Per lease table, in DynamoDB's pool of N: DescribeTable, the five item probes
(GetItem, then PutItem, UpdateItem and DeleteItem under a condition that cannot
hold, then a one-item Scan) and a CreateTable of the table just seen, seven calls in
a row. Beside it, in a pool of N of its own, the footprint's chains, longest first:
the Connect instance's five lookups, each stream's four reads (DescribeStreamSummary,
ListShards, GetShardIterator, GetRecords), the key's three DryRun calls, the
bucket's two, the video stream's one, then one DescribeStreamConsumer per table and
stream (the consumers are named after the tables, as `create --enhanced-fan-out`
registers them), each after its stream's DescribeStreamSummary, which is asked once.
Every answer is dropped unread but for what the next call needs (a shard ID, an
iterator, a stream's ARN). No judging, no rows, no report: a hand-written script
that knows the answers.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import boto3
from botocore.exceptions import ClientError

PROBE = "lease-tables-preflight-"


def refused(call: Callable[[], Any]) -> Any:
    """The call's answer, or None when the service refused it (as every write probe is)."""
    try:
        return call()
    except ClientError:
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    for option in ("--key", "--instance", "--bucket", "--video-prefix"):
        parser.add_argument(option, required=True)
    parser.add_argument("--stream", action="append", required=True)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("tables", nargs="+")
    args = parser.parse_args(argv)

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=args.endpoint)

    dynamodb = client("dynamodb")
    key = {"leaseKey": {"S": f"{PROBE}{uuid.uuid4()}"}}
    never = {"ConditionExpression": "attribute_exists(leaseKey)"}

    def table(name: str) -> None:
        dynamodb.describe_table(TableName=name)
        dynamodb.get_item(TableName=name, Key=key, ConsistentRead=True)
        refused(lambda: dynamodb.put_item(TableName=name, Item=key, **never))
        refused(lambda: dynamodb.update_item(
            TableName=name, Key=key, UpdateExpression="REMOVE #probe",
            ExpressionAttributeNames={"#probe": "leaseTablesPreflightProbe"}, **never))
        refused(lambda: dynamodb.delete_item(TableName=name, Key=key, **never))
        dynamodb.scan(TableName=name, Limit=1)
        refused(lambda: dynamodb.create_table(
            TableName=name, KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
            BillingMode="PROVISIONED", DeletionProtectionEnabled=True,
            ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}))

    def footprint() -> None:
        kinesis, s3, kms = client("kinesis"), client("s3"), client("kms")
        video, connect = client("kinesisvideo"), client("connect")
        arns: dict[str, Future[str]] = {stream: Future() for stream in args.stream}

        def stream(name: str) -> None:
            summary = kinesis.describe_stream_summary(StreamName=name)
            arns[name].set_result(summary["StreamDescriptionSummary"]["StreamARN"])
            shard = kinesis.list_shards(StreamName=name, MaxResults=1)["Shards"][0]["ShardId"]
            iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard,
                                                  ShardIteratorType="LATEST")
            kinesis.get_records(ShardIterator=iterator["ShardIterator"], Limit=1)

        def instance() -> None:
            connect.list_instance_attributes(InstanceId=args.instance, MaxResults=1)
            connect.list_instance_storage_configs(InstanceId=args.instance, MaxResults=1,
                                                  ResourceType="CALL_RECORDINGS")
            nobody = str(uuid.uuid4())
            refused(lambda: connect.describe_user(InstanceId=args.instance, UserId=nobody))
            refused(lambda: connect.describe_contact(InstanceId=args.instance,
                                                     ContactId=nobody))
            refused(lambda: connect.get_contact_attributes(InstanceId=args.instance,
                                                           InitialContactId=nobody))

        def kms_key() -> None:
            refused(lambda: kms.encrypt(KeyId=args.key, Plaintext=b"lease-tables",
                                        DryRun=True))
            refused(lambda: kms.decrypt(KeyId=args.key, CiphertextBlob=b"\x01" * 32,
                                        DryRun=True))
            refused(lambda: kms.generate_data_key(KeyId=args.key, KeySpec="AES_256",
                                                  DryRun=True))

        def bucket() -> None:
            s3.list_objects_v2(Bucket=args.bucket, MaxKeys=1)
            refused(lambda: s3.get_object(Bucket=args.bucket, Key=f"{PROBE}{uuid.uuid4()}"))

        def video_stream() -> None:
            refused(lambda: video.get_data_endpoint(
                StreamName=f"{args.video_prefix}{PROBE}{uuid.uuid4().hex[:12]}",
                APIName="GET_MEDIA"))

        def consumer(stream_name: str, name: str) -> None:
            kinesis.describe_stream_consumer(StreamARN=arns[stream_name].result(),
                                             ConsumerName=name)

        chains: list[Callable[[], None]] = [instance]
        chains += [lambda s=s: stream(s) for s in args.stream]
        chains += [kms_key, bucket, video_stream]
        chains += [lambda s=s, t=t: consumer(s, t) for s in args.stream for t in args.tables]
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(lambda chain: chain(), chains))

    with ThreadPoolExecutor(1) as side:
        others = side.submit(footprint)
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(table, args.tables))
        others.result()


if __name__ == "__main__":
    main()
