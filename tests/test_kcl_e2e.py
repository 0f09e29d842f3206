"""End to end: `create --kcl` builds each KCL layout on a real server, checked with
DescribeTable on that server (moto_server, and dynalite, which keeps tables CREATING)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lease_tables.model import spec
from tests.conftest import MotoServer, aws_env, run_cli, start_dynalite, stop

T = "verintCTREvents"
COMPANIONS = {"-CoordinatorState": "key", "-WorkerMetricStats": "wid"}
INDEX_KEYS = [{"AttributeName": "leaseOwner", "KeyType": "HASH"},
              {"AttributeName": "leaseKey", "KeyType": "RANGE"}]


def assert_kcl_30_tables(client, read: int, write: int) -> None:
    lease = client.describe_table(TableName=T)["Table"]
    assert spec.key_schema_problem(lease) is None
    (index,) = lease["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "LeaseOwnerToLeaseKeyIndex"
    assert index["KeySchema"] == INDEX_KEYS
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert (index["ProvisionedThroughput"]["ReadCapacityUnits"],
            index["ProvisionedThroughput"]["WriteCapacityUnits"]) == (read, write)
    for suffix, key in COMPANIONS.items():
        companion = client.describe_table(TableName=T + suffix)["Table"]
        assert companion["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
        assert companion["AttributeDefinitions"] == [{"AttributeName": key,
                                                      "AttributeType": "S"}]
        assert companion["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_create_kcl_30_makes_the_index_and_on_demand_companions(cli, moto: MotoServer) -> None:
    run = cli("create", "--table", T, "--kcl", "3.0", "--read-capacity", "12",
              "--write-capacity", "7", "--tag", "owner=rec", "--output", "json")
    assert run.code == 0, run.stderr
    assert sorted((t["table_name"], t["role"], t["status"]) for t in run.json()["tables"]) == [
        (T, "lease", "created"),
        (T + "-CoordinatorState", "coordinator-state", "created"),
        (T + "-WorkerMetricStats", "worker-metrics", "created")]
    client = moto.client()
    assert sorted(client.list_tables()["TableNames"]) == sorted(
        [T, *(T + s for s in COMPANIONS)])
    assert_kcl_30_tables(client, 12, 7)
    for suffix in COMPANIONS:
        companion = client.describe_table(TableName=T + suffix)["Table"]
        assert companion["DeletionProtectionEnabled"] is True
        tags = client.list_tags_of_resource(ResourceArn=companion["TableArn"])["Tags"]
        assert tags == [{"Key": "owner", "Value": "rec"}]
    # A rerun converges: everything exists, nothing is drift (the companions' keys
    # are not the lease key), and no capacity warning for on-demand companions.
    again = cli("create", "--table", T, "--kcl", "3.0", "--read-capacity", "12",
                "--write-capacity", "7", "--output", "json")
    assert again.code == 0, again.stderr
    assert {(t["status"], t["message"]) for t in again.json()["tables"]} == {("exists", "")}
    verified = cli("verify", "--table", T, "--kcl", "3.0", "--output", "json")
    assert verified.code == 0, verified.stderr
    assert {t["status"] for t in verified.json()["tables"]} == {"ok"}
    assert [t["message"] for t in verified.json()["tables"] if t["role"] != "lease"] == ["", ""]


def test_create_kcl_35_makes_only_the_indexed_lease_table(cli, moto: MotoServer) -> None:
    run = cli("create", "--table", T, "--kcl", "3.5.1", "--billing-mode", "on-demand")
    assert run.code == 0, run.stderr
    client = moto.client()
    assert client.list_tables()["TableNames"] == [T]
    lease = client.describe_table(TableName=T)["Table"]
    assert spec.index_problem(lease) is None
    assert lease["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("version", [None, "2", "2.6.0", "1.14.10"])
def test_create_kcl_2_makes_no_index(cli, moto: MotoServer, version: str | None) -> None:
    run = cli("create", "--table", T, *(["--kcl", version] if version else []))
    assert run.code == 0, run.stderr
    client = moto.client()
    assert client.list_tables()["TableNames"] == [T]
    lease = client.describe_table(TableName=T)["Table"]
    assert not lease.get("GlobalSecondaryIndexes")  # moto answers an empty list
    assert lease["AttributeDefinitions"] == [{"AttributeName": "leaseKey",
                                              "AttributeType": "S"}]


def test_create_kcl_30_on_dynalite_waits_for_all_three(tmp_path: Path) -> None:
    server = start_dynalite(create_ms=1500)
    try:
        env = aws_env(tmp_path, AWS_DEFAULT_REGION="us-east-1")
        run = run_cli(["create", "--table", T, "--kcl", "3.0", "--endpoint-url", server.url,
                       "--output", "json"], env, timeout=120)
        assert run.code == 0, run.stderr
        assert {t["status"] for t in run.json()["tables"]} == {"created"}
        client = server.client()
        for name in (T, *(T + s for s in COMPANIONS)):
            assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
        assert_kcl_30_tables(client, 10, 10)
    finally:
        stop(server.process)
