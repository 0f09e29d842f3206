"""Any answer DynamoDB never sends is one table's `failed`, "not DynamoDB's answer".

A TableStatus that is a number, a KeySchema that is a string, a table description
without its status, a body that is not JSON or not UTF-8 (with a 200 or a 400): each
comes from something that is not DynamoDB (a proxy, a broken emulator), and each is
named so, with the endpoint, for the one table it concerns, while every other table
keeps its own result. Never "unexpected internal error", never "failed unexpectedly
(UnicodeDecodeError)". End to end through tests/faultproxy.py in front of moto_server,
in `verify`, `create` and `preflight`; the server's state is checked.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tests.conftest import REGION, MotoServer, aws_env, run_cli
from tests.faultproxy import Canned, FaultProxy, described_as, raw_answer

ODD = "leasesOdd"
FINE = ("leasesFineOne", "leasesFineTwo")

ODD_DESCRIPTIONS = {
    "status-a-number": described_as(ODD, TableStatus=5),
    "status-a-list": described_as(ODD, TableStatus=["ACTIVE"]),
    "status-null": described_as(ODD, TableStatus=None),
    "key-schema-a-string": described_as(ODD, KeySchema="leaseKey"),
    "key-element-a-number": described_as(ODD, KeySchema=[7]),
    "indexes-an-object": described_as(ODD, GlobalSecondaryIndexes={"IndexName": "x"}),
    "capacity-a-string": described_as(ODD, ProvisionedThroughput="10"),
    "table-a-string": raw_answer(200, '{"Table": "ACTIVE"}'),
    "body-a-list": raw_answer(200, "[1, 2]"),
    "body-not-json": raw_answer(200, "hello, I am a proxy"),
    "body-not-utf8": raw_answer(200, b'{"Table": "\xff\xfe"}'),
    "400-not-utf8": raw_answer(400, b"\xff\xfe\x00\x81 refused"),
    "400-not-json": raw_answer(400, "denied by policy"),
    "400-type-a-number": raw_answer(400, '{"__type": 5, "message": []}'),
}


def admin(moto: MotoServer):
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=moto.url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def make(moto: MotoServer, name: str) -> None:
    admin(moto).create_table(
        TableName=name, KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10})


def run(tmp_path: Path, proxy: FaultProxy, command: str, *names: str):
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1")
    args = [a for name in names for a in ("--table", name)]
    return run_cli([command, *args, "--output", "json", "--endpoint-url", proxy.url], env)


@pytest.fixture()
def proxy(moto: MotoServer):
    with FaultProxy(moto.url) as recorder:
        yield recorder


def odd_row(done, proxy: FaultProxy) -> dict:
    """The odd table's row, checked: failed, named, the endpoint in it, no bug words."""
    assert "Traceback" not in done.stderr
    for text in (done.stdout, done.stderr):
        assert "unexpected" not in text and "UnicodeDecodeError" not in text, text
    rows = {t["table_name"]: t for t in done.json()["tables"]}
    row = rows.pop(ODD)
    assert row["status"] == "failed", row
    assert "not DynamoDB's answer" in row["message"], row["message"]
    assert proxy.url in row["message"], row["message"]
    return rows


@pytest.mark.parametrize("answer", ODD_DESCRIPTIONS.values(), ids=ODD_DESCRIPTIONS.keys())
def test_verify_fails_only_the_table_with_the_odd_answer(tmp_path, moto, proxy,
                                                          answer: Canned) -> None:
    for name in (ODD, *FINE):
        make(moto, name)
    proxy.canned[("DescribeTable", ODD)] = answer
    done = run(tmp_path, proxy, "verify", ODD, *FINE)

    assert done.code == 1, done
    others = odd_row(done, proxy)
    assert {n: r["status"] for n, r in others.items()} == dict.fromkeys(FINE, "ok")


@pytest.mark.parametrize("which", ["status-a-number", "body-not-utf8", "400-not-utf8",
                                   "key-schema-a-string"])
def test_create_fails_only_the_table_with_the_odd_answer(tmp_path, moto, proxy,
                                                          which: str) -> None:
    proxy.canned[("DescribeTable", ODD)] = ODD_DESCRIPTIONS[which]
    done = run(tmp_path, proxy, "create", ODD, *FINE)

    assert done.code == 1, done
    others = odd_row(done, proxy)
    assert {n: r["status"] for n, r in others.items()} == dict.fromkeys(FINE, "created")
    assert sorted(admin(moto).list_tables()["TableNames"]) == sorted(FINE)
    assert ODD not in proxy.tables_called("CreateTable")


def test_create_with_an_odd_create_table_answer_fails_that_table(tmp_path, moto,
                                                                 proxy) -> None:
    proxy.canned[("CreateTable", ODD)] = raw_answer(200, '{"TableDescription": '
                                                         '{"TableStatus": {"s": 1}}}')
    done = run(tmp_path, proxy, "create", ODD, *FINE)

    assert done.code == 1, done
    others = odd_row(done, proxy)
    assert {n: r["status"] for n, r in others.items()} == dict.fromkeys(FINE, "created")


@pytest.mark.parametrize(("operation", "which"), [
    ("DescribeTable", "status-a-number"), ("DescribeTable", "400-not-utf8"),
    ("GetItem", "body-a-list"), ("Scan", "400-not-utf8"), ("PutItem", "400-type-a-number"),
])
def test_preflight_fails_only_the_table_with_the_odd_answer(tmp_path, moto, proxy,
                                                             operation: str,
                                                             which: str) -> None:
    for name in (ODD, *FINE):
        make(moto, name)
    proxy.canned[(operation, ODD)] = ODD_DESCRIPTIONS[which]
    done = run(tmp_path, proxy, "preflight", ODD, *FINE)

    assert done.code == 1, done
    others = odd_row(done, proxy)
    # moto enforces no IAM here, so CreateTable is allowed: the warning, exit 0 alone.
    assert {n: r["status"] for n, r in others.items()} == dict.fromkeys(FINE,
                                                                        "create-allowed")
    assert "not proven" in done.stderr
