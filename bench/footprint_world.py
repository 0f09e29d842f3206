"""P6's world on a moto_server: the adapters' streams, bucket, key, video stream and
Connect instance. Prints the key's ARN and the instance ID as JSON.

    python bench/footprint_world.py ENDPOINT STREAM...
"""

from __future__ import annotations

import json
import sys

import boto3


def main(endpoint: str, streams: list[str]) -> None:
    def client(service: str):
        return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint)

    for stream in streams:
        client("kinesis").create_stream(StreamName=stream, ShardCount=1)
    client("s3").create_bucket(Bucket="ris-recordings")
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    client("kinesisvideo").create_stream(StreamName="connect-live-0001")
    instance = client("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED", InboundCallsEnabled=True,
        OutboundCallsEnabled=True)["Id"]
    print(json.dumps({"key": key, "instance": instance}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
