"""preflight --kcl 3.x end to end, against a moto_server that enforces IAM.

moto matches every DynamoDB call against Resource "*" (see tests/test_preflight.py),
so the policies below name "*": a refused action is refused on every table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lease_tables import kcl, spec
from lease_tables.naming import LeaseTable
from tests.conftest import REGION, clean_env, run_cli, start_moto, stop
from tests.faultproxy import FaultProxy
from tests.test_preflight import KCL_ACTIONS, IamWorld, adapter_policy

T3 = "verintCTREvents"  # KCL 3.0 layout: index and both companions
T35 = "verintQueueEvents"  # KCL 3.5 layout: index, no companions
T3_NAMES = (T3, T3 + "-CoordinatorState", T3 + "-WorkerMetricStats")
QUERY = "dynamodb:Query"

USERS = {
    "kcl3": adapter_policy([*KCL_ACTIONS, QUERY]),
    "kcl3-no-query": adapter_policy(KCL_ACTIONS),
    "kcl3-no-describe": adapter_policy(
        [*(a for a in KCL_ACTIONS if a != "dynamodb:DescribeTable"), QUERY]),
}


@pytest.fixture(scope="module")
def world() -> Iterator[IamWorld]:
    server = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    try:
        from tests.test_preflight import client

        bootstrap = client("iam", server.url, {"AccessKeyId": "b", "SecretAccessKey": "b"})
        bootstrap.create_user(UserName="admin")
        bootstrap.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        world = IamWorld(server, bootstrap.create_access_key(UserName="admin")["AccessKey"])
        iam = world.admin("iam")
        for user, policy in USERS.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="adapter",
                                PolicyDocument=json.dumps(policy))
            world.users[user] = iam.create_access_key(UserName=user)["AccessKey"]
        dynamodb = world.admin()
        for layout, name in ((kcl.layout_for("3.0"), T3), (kcl.layout_for("3.5"), T35)):
            for table in kcl.expand([LeaseTable(name, REGION)], layout):
                dynamodb.create_table(**kcl.create_table_request(
                    table, spec.TableOptions(deletion_protection=False), layout))
        dynamodb.put_item(TableName=T3, Item={"leaseKey": {"S": "shardId-0"},
                                              "leaseOwner": {"S": "worker-1"}})
        yield world
    finally:
        stop(server.process)


def preflight(tmp_path: Path, world: IamWorld, user: str, *args: str):
    keys = world.users[user]
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[adapter]\naws_access_key_id = {keys['AccessKeyId']}\n"
                           f"aws_secret_access_key = {keys['SecretAccessKey']}\n")
    env = clean_env(tmp_path, AWS_SHARED_CREDENTIALS_FILE=str(credentials),
                    AWS_DEFAULT_REGION=REGION)
    with FaultProxy(world.server.url) as proxy:
        run = run_cli(["preflight", *args, "--profile", "adapter", "--output", "json",
                       "--endpoint-url", proxy.url], env)
    return run, proxy


def statuses(run) -> dict[str, str]:
    return {t["table_name"]: t["status"] for t in run.json()["tables"]}


def test_kcl30_policy_with_query_passes_and_probes_every_table(tmp_path, world) -> None:
    run, proxy = preflight(tmp_path, world, "kcl3", "--table", T3, "--kcl", "3.0")
    assert run.code == 0, run.stderr
    assert statuses(run) == dict.fromkeys(T3_NAMES, "ok")
    (query,) = [c.body for c in proxy.calls if c.operation == "Query"]
    assert query["TableName"] == T3 and query["IndexName"] == "LeaseOwnerToLeaseKeyIndex"
    assert query["KeyConditionExpression"] == "leaseOwner = :owner"
    assert query["ExpressionAttributeValues"][":owner"]["S"].startswith("lease-tables-preflight-")
    assert query["Limit"] == 1
    for name, key in ((T3 + "-CoordinatorState", "key"), (T3 + "-WorkerMetricStats", "wid")):
        writes = [c.body for c in proxy.calls
                  if c.table_name == name and c.operation in ("PutItem", "UpdateItem",
                                                              "DeleteItem")]
        assert len(writes) == 3
        for body in writes:
            # `key` is a reserved word: the condition names it through a placeholder.
            assert body["ConditionExpression"] == "attribute_exists(#key)"
            assert body["ExpressionAttributeNames"]["#key"] == key
            assert list(body.get("Key") or body["Item"]) == [key]
        assert name in proxy.tables_called("CreateTable")  # the Deny is proven there too
    assert "Query" not in {c.operation for c in proxy.calls if c.table_name != T3}
    admin = world.admin()
    for name in T3_NAMES[1:]:
        assert admin.scan(TableName=name)["Items"] == []


def test_kcl30_without_query_is_denied_naming_it(tmp_path, world) -> None:
    run, _ = preflight(tmp_path, world, "kcl3-no-query", "--table", T3, "--kcl", "3.0")
    assert run.code == 3
    assert statuses(run) == {T3: "denied", T3_NAMES[1]: "ok", T3_NAMES[2]: "ok"}
    message = next(t["message"] for t in run.json()["tables"] if t["table_name"] == T3)
    assert "dynamodb:Query (on its index LeaseOwnerToLeaseKeyIndex)" in message


def test_kcl35_refused_lookup_of_a_companion_name_is_denied(tmp_path, world) -> None:
    run, proxy = preflight(tmp_path, world, "kcl3-no-describe", "--table", T35, "--kcl", "3.5")
    assert run.code == 3
    (table,) = run.json()["tables"]
    assert table["status"] == "denied"
    for name in (T35 + "-CoordinatorState", T35 + "-WorkerMetricStats"):
        assert f"dynamodb:DescribeTable on {name}" in table["message"]
        assert name in proxy.tables_called("DescribeTable")
    assert "CreateTable" not in proxy.operations()


def test_kcl35_not_found_companion_names_pass(tmp_path, world) -> None:
    run, proxy = preflight(tmp_path, world, "kcl3", "--table", T35, "--kcl", "3.5")
    assert run.code == 0, run.stderr
    assert statuses(run) == {T35: "ok"}
    (row,) = run.json()["tables"]
    # UpdateTable is denied to KCL 3 adapters but never called: named, status unchanged.
    assert row["message"].startswith("Not tried by design: dynamodb:UpdateTable")
    assert row["not_tried"] == ["dynamodb:UpdateTable"]
    assert "not tried by design: dynamodb:UpdateTable" in run.stderr
    assert sorted(proxy.tables_called("DescribeTable")) == sorted(
        [T35, T35 + "-CoordinatorState", T35 + "-WorkerMetricStats"])


def test_kcl35_found_companion_tables_are_a_warning(tmp_path, world) -> None:
    run, _ = preflight(tmp_path, world, "kcl3", "--table", T3, "--kcl", "3.5")
    assert run.code == 0, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "ok"
    assert "legacy multi-table mode" in table["message"]
    assert run.stderr.count("warning:") >= 2


def test_kcl3_lease_table_without_the_index_fails_without_probes(tmp_path, world) -> None:
    world.admin().create_table(**spec.create_table_request("verintOldEvents",
                                                           spec.TableOptions()))
    run, proxy = preflight(tmp_path, world, "kcl3", "--table", "verintOldEvents",
                           "--kcl", "3.5")
    assert run.code == 1
    (table,) = run.json()["tables"]
    assert table["status"] == "failed" and "--add-index" in table["message"]
    assert set(proxy.operations()) == {"DescribeTable"}
