"""preflight --kcl 3.x end to end, against a moto_server that enforces IAM.

moto matches every DynamoDB call against Resource "*" (see tests/test_preflight.py),
so the policies below name "*": a refused action is refused on every table.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lease_tables.config.naming import LeaseTable
from lease_tables.model import kcl, spec
from tests.conftest import REGION, clean_env, run_cli, start_moto, stop
from tests.faultproxy import RewritingProxy, aws_error, index_in_state
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


def preflight(tmp_path: Path, world: IamWorld, user: str, *args: str,
              describe: Callable[[dict, dict], dict] | None = None, query=None):
    """Run preflight as `user` through a recording proxy; `describe` rewrites
    DescribeTable answers, `query` is a canned answer to every Query."""
    keys = world.users[user]
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[adapter]\naws_access_key_id = {keys['AccessKeyId']}\n"
                           f"aws_secret_access_key = {keys['SecretAccessKey']}\n")
    env = clean_env(tmp_path, AWS_SHARED_CREDENTIALS_FILE=str(credentials),
                    AWS_DEFAULT_REGION=REGION)
    with RewritingProxy(world.server.url) as proxy:
        if describe is not None:
            proxy.rewrites["DescribeTable"] = describe
        if query is not None:
            proxy.canned["Query"] = query
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
    assert "dynamodb:Query (on its index Lease" in message
    assert "on its index LeaseOwnerToLeaseKeyIndex)" in message


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
    assert "not tried by design: dynamodb:Update" in run.stderr
    assert "by design: dynamodb:UpdateTable" in run.stderr
    assert sorted(proxy.tables_called("DescribeTable")) == sorted(
        [T35, T35 + "-CoordinatorState", T35 + "-WorkerMetricStats"])


def test_kcl35_found_companion_tables_are_a_warning(tmp_path, world) -> None:
    run, _ = preflight(tmp_path, world, "kcl3", "--table", T3, "--kcl", "3.5")
    assert run.code == 0, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "ok"
    assert "legacy multi-table mode" in table["message"]
    assert "`lease-tables policy --kcl 3.5" in table["message"]
    assert "--kcl 3.5 --migrating --role adapter`" in table["message"]
    assert run.stderr.count("warning:") == 1  # one mode, one warning naming both tables


def test_kcl3_lease_table_without_the_index_fails_without_probes(tmp_path, world) -> None:
    world.admin().create_table(**spec.create_table_request("verintOldEvents",
                                                           spec.TableOptions()))
    run, proxy = preflight(tmp_path, world, "kcl3", "--table", "verintOldEvents",
                           "--kcl", "3.5")
    assert run.code == 1
    (table,) = run.json()["tables"]
    assert table["status"] == "failed" and "--add-index" in table["message"]
    assert set(proxy.operations()) == {"DescribeTable"}


# ------------------------------------------------ an index not ACTIVE yet, probed

def test_an_index_updating_is_probed_and_said_to_be_not_usable_yet(tmp_path, world) -> None:
    run, proxy = preflight(tmp_path, world, "kcl3", "--table", T35, "--kcl", "3.5",
                           describe=index_in_state(T35, itertools.repeat("UPDATING")))
    assert run.code == 1, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "failed"
    assert table["message"].startswith(
        f"{T35} in {REGION}: its index LeaseOwnerToLeaseKeyIndex is UPDATING, not ACTIVE, so "
        f"it is not usable yet: KCL 3.5+ accepts the index only when it is ACTIVE and waits "
        f"at start until then.")
    assert "The probes ran: every permission KCL" in table["message"]
    assert "every permission KCL needs was proven." in table["message"]
    assert "Rerun preflight once `lease-tables" in table["message"]
    assert "`lease-tables verify --kcl 3.5` says ok" in table["message"]
    assert "Query" in proxy.operations()  # the probe still means something
    assert "CreateTable" in proxy.operations()
    assert "PREFLIGHT FAILED" in run.stderr


def test_an_index_updating_and_query_refused_is_denied_and_says_both(tmp_path, world) -> None:
    run, _ = preflight(tmp_path, world, "kcl3-no-query", "--table", T35, "--kcl", "3.5",
                       describe=index_in_state(T35, itertools.repeat("UPDATING")))
    assert run.code == 3
    (table,) = run.json()["tables"]
    assert table["status"] == "denied"
    assert "dynamodb:Query (on its index Lease" in table["message"]
    assert "on its index LeaseOwnerToLeaseKeyIndex)" in table["message"]
    assert "is UPDATING, not ACTIVE, so it is not" in table["message"]
    assert "so it is not usable yet" in table["message"]


def test_a_backfilling_index_refusing_the_query_is_named_as_not_proven(tmp_path, world) -> None:
    run, _ = preflight(tmp_path, world, "kcl3", "--table", T35, "--kcl", "3.5",
                       describe=index_in_state(T35, itertools.repeat("CREATING")),
                       query=aws_error("ValidationException", "Cannot read from backfilling "
                                       "global secondary index: LeaseOwnerToLeaseKeyIndex"))
    assert run.code == 1
    (table,) = run.json()["tables"]
    assert table["status"] == "failed"
    assert "is CREATING, not ACTIVE, so it is not" in table["message"]
    assert "so it is not usable yet" in table["message"]
    assert "every permission KCL needs but Query" in table["message"]
    assert "needs but Query was proven" in table["message"]
    assert "Query on the index was not proven:" in table["message"]
    assert "was not proven: DynamoDB refuses reads" in table["message"]
    assert "refuses reads of an index it is still" in table["message"]
    assert "it is still building (Cannot read from" in table["message"]
    assert "(Cannot read from backfilling global" in table["message"]
    assert "backfilling global secondary index" in table["message"]


def test_an_index_with_projection_all_passes_with_a_warning(tmp_path, world) -> None:
    name = "verintAllEvents"
    request = spec.create_table_request(name, spec.TableOptions(deletion_protection=False),
                                        index=True)
    request["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "ALL"}
    world.admin().create_table(**request)
    run, proxy = preflight(tmp_path, world, "kcl3", "--table", name, "--kcl", "3.5")
    assert run.code == 0, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "ok"
    assert "has projection ALL; KCL creates" in table["message"]
    assert "KCL creates KEYS_ONLY and reads only" in table["message"]
    assert "reads only the keys" in table["message"]
    # --table names no stream: the tables pass, the adapter's start is not proven.
    assert "PREFLIGHT INCOMPLETE" in run.stderr and "do not restart" not in run.stderr
    assert "not proven: the Kinesis streams" in run.stderr
    assert "the Kinesis streams the adapter reads" in run.stderr
    assert "Query" in proxy.operations()


def test_kcl35_worker_metric_stats_alone_is_called_a_leftover(tmp_path, world) -> None:
    name = "verintWmsEvents"
    admin = world.admin()
    options = spec.TableOptions(deletion_protection=False)
    admin.create_table(**spec.create_table_request(name, options, index=True))
    admin.create_table(**spec.create_table_request(name + "-WorkerMetricStats", options,
                                                   hash_key="wid"))
    run, _ = preflight(tmp_path, world, "kcl3", "--table", name, "--kcl", "3.5")
    assert run.code == 0, run.stderr
    message = run.json()["tables"][0]["message"]
    assert f"but {name}-CoordinatorState does not" in message and "leftover" in message
    assert "runs in its legacy" not in message
