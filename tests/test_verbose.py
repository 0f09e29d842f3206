"""`--verbose` shows what happened on the wire, never what was in it.

Per attempt: the operation, the endpoint, the HTTP status (and error code), the
request id; connections; retries. Never request parameters, headers, signing steps
or bodies: preflight's Scan answers with a real lease item (its owner and
checkpoint), which must not reach the log, and neither may a key, a secret, a
session token or a signature. End to end against moto_server, through the
recording proxy so that the test knows what went over the wire.
"""

from __future__ import annotations

import boto3
import pytest

from tests.conftest import REGION, clean_env, run_cli
from tests.faultproxy import FaultProxy

TABLE = "leasesVerboseCheck"
OWNER = "verintris-worker-owner-7f3a"
CHECKPOINT = "49590338271490256608559692538361571095921575989136588898"
KEY_ID = "AKIAVERBOSELEASETBL7"
SECRET = "VerboseSecret/DoNotLog+abcdefghijklmnopqrstu"
TOKEN = "VerboseSessionTokenThatMustNeverBeLogged0123456789"


@pytest.fixture()
def world(moto):
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto.url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    dynamodb.create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    dynamodb.put_item(TableName=TABLE, Item={
        "leaseKey": {"S": "shardId-000000000000"}, "leaseOwner": {"S": OWNER},
        "checkpoint": {"S": CHECKPOINT}, "leaseCounter": {"N": "7"}})
    with FaultProxy(moto.url) as proxy:
        yield proxy


@pytest.mark.parametrize("command", ["preflight", "verify", "create"])
def test_verbose_shows_attempts_not_data_or_secrets(tmp_path, world, command) -> None:
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
                    AWS_SESSION_TOKEN=TOKEN, AWS_DEFAULT_REGION=REGION)
    run = run_cli([command, "--table", TABLE, "--table", "leasesVerboseAbsent", "-v",
                   "--endpoint-url", world.url], env)

    log = run.stderr
    # What it shows: every attempt, by operation, endpoint and status, and connections.
    assert f"DescribeTable at {world.url}: HTTP 200" in log, log
    assert f"DescribeTable at {world.url}: HTTP 400 ResourceNotFoundException" in log
    assert "request id" in log and "(attempt 1)" in log
    assert '"POST / HTTP/1.1" 200' in log  # urllib3's request line: method, path, status
    if command == "preflight":
        assert "Scan" in world.operations()
        assert f"Scan at {world.url}: HTTP 200" in log
    # What it never shows: item data (Scan's answer), parameters, headers, signing.
    for data in (OWNER, CHECKPOINT, "shardId-000000000000", "lease-tables-preflight-",
                 "leaseCounter"):
        assert data not in log, f"{data} leaked into the verbose log"
    for secret in (KEY_ID, SECRET, TOKEN):
        assert secret not in log
    lowered = log.lower()
    for word in ("signature", "authorization", "x-amz-security-token", "response body",
                 "canonicalrequest", "stringtosign", "with params"):
        assert word not in lowered, word
