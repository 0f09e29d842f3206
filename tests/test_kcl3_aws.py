"""KCL 3 in the commands that call AWS: create's drift and --add-index, verify's index
and companion checks, end to end on moto_server (which, unlike dynalite, builds an
index that UpdateTable adds), asserting on the server's state with DescribeTable.
Plus the pure parts those commands use, with plain values."""

from __future__ import annotations

import itertools
import json

import pytest
from botocore.exceptions import ClientError

from lease_tables.aws import failures
from lease_tables.config.naming import LeaseTable
from lease_tables.model import kcl, spec
from lease_tables.model.outcome import EXISTS, ROUTINE, UPDATED, TableResult, exit_code
from lease_tables.render.report import grouped, text_line
from tests.conftest import REGION, MotoServer, aws_env, run_cli
from tests.faultproxy import Canned, FaultProxy, RewritingProxy, aws_error, index_in_state

T = "verintCTREvents"
COMPANION_NAMES = (T + "-CoordinatorState", T + "-WorkerMetricStats")
INDEX = "LeaseOwnerToLeaseKeyIndex"
INDEX_KEYS = [{"AttributeName": "leaseOwner", "KeyType": "HASH"},
              {"AttributeName": "leaseKey", "KeyType": "RANGE"}]
LEASES = [{"leaseKey": {"S": "shardId-000000000000"}, "leaseOwner": {"S": "worker-1"},
           "leaseCounter": {"N": "7"}},
          {"leaseKey": {"S": "shardId-000000000001"}, "leaseOwner": {"S": "worker-2"},
           "leaseCounter": {"N": "3"}}]


def kcl2_table(client, name: str = T, read: int = 5, write: int = 3, **extra) -> dict:
    """A lease table as KCL 2 made it (no index), with leases in it."""
    client.create_table(
        TableName=name, KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"},
                              *extra.pop("attributes", [])],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": read, "WriteCapacityUnits": write},
        **extra)
    for item in LEASES:
        client.put_item(TableName=name, Item=item)
    return client.describe_table(TableName=name)["Table"]


def items(client, name: str = T) -> list[dict]:
    return sorted(client.scan(TableName=name, ConsistentRead=True)["Items"],
                  key=lambda i: i["leaseKey"]["S"])


def by_name(run) -> dict[str, dict]:
    return {t["table_name"]: t for t in run.json()["tables"]}


# ---------------------------------------------------------------- create

def test_kcl2_table_is_drift_then_add_index_adds_only_the_index(cli, moto: MotoServer,
                                                                tmp_path) -> None:
    client = moto.client()
    before = kcl2_table(client)

    drift = cli("create", "--table", T, "--kcl", "3.0", "--output", "json")
    assert drift.code == 3, drift.stderr
    tables = by_name(drift)
    assert tables[T]["status"] == "drift"
    assert "--kcl 3.0 --add-index" in tables[T]["message"]
    assert "verify --kcl 3.0" in tables[T]["message"]
    assert {tables[n]["status"] for n in COMPANION_NAMES} == {"created"}
    untouched = client.describe_table(TableName=T)["Table"]
    assert not untouched.get("GlobalSecondaryIndexes")
    assert untouched["CreationDateTime"] == before["CreationDateTime"]
    assert untouched["AttributeDefinitions"] == before["AttributeDefinitions"]

    verified = cli("verify", "--table", T, "--kcl", "3.0", "--output", "json")
    assert verified.code == 3
    assert by_name(verified)[T]["status"] == "drift"
    assert "`lease-tables create --kcl 3.0 --add" in by_name(verified)[T]["message"]
    assert "create --kcl 3.0 --add-index`" in by_name(verified)[T]["message"]

    added = cli("create", "--table", T, "--kcl", "3.0", "--add-index", "--output", "json")
    assert added.code == 0, added.stderr
    tables = by_name(added)
    assert tables[T]["status"] == "updated"
    assert tables[T]["role"] == "lease"
    assert "5 RCU / 3 WCU" in tables[T]["message"]
    assert {tables[n]["status"] for n in COMPANION_NAMES} == {"exists"}
    after = client.describe_table(TableName=T)["Table"]
    (index,) = after["GlobalSecondaryIndexes"]
    assert index["IndexName"] == INDEX
    assert index["KeySchema"] == INDEX_KEYS
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert index["IndexStatus"] == "ACTIVE"
    # The table's CURRENT capacity, not --read-capacity/--write-capacity's defaults.
    assert (index["ProvisionedThroughput"]["ReadCapacityUnits"],
            index["ProvisionedThroughput"]["WriteCapacityUnits"]) == (5, 3)
    assert after["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert after["CreationDateTime"] == before["CreationDateTime"]
    assert after["KeySchema"] == before["KeySchema"]
    assert items(client) == sorted(LEASES, key=lambda i: i["leaseKey"]["S"])

    # Rerun: one DescribeTable per table and nothing else, no second UpdateTable.
    with FaultProxy(moto.url) as proxy:
        env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION)
        again = run_cli(["create", "--table", T, "--kcl", "3.0", "--add-index", "--output",
                         "json", "--endpoint-url", proxy.url], env)
    assert again.code == 0, again.stderr
    assert {t["status"] for t in again.json()["tables"]} == {"exists"}
    assert sorted(proxy.operations()) == ["DescribeTable"] * 3
    assert sorted(proxy.tables_called("DescribeTable")) == sorted([T, *COMPANION_NAMES])

    ok = cli("verify", "--table", T, "--kcl", "3.0", "--output", "json")
    assert ok.code == 0, ok.stderr
    assert {t["status"] for t in ok.json()["tables"]} == {"ok"}


def test_add_index_sends_exactly_one_update_table(moto: MotoServer, tmp_path) -> None:
    kcl2_table(moto.client(), read=4, write=2)
    with FaultProxy(moto.url) as proxy:
        run = run_cli(["create", "--table", T, "--kcl", "3.5.1", "--add-index",
                       "--endpoint-url", proxy.url], aws_env(tmp_path, AWS_DEFAULT_REGION=REGION))
    assert run.code == 0, run.stderr
    updates = [c.body for c in proxy.calls if c.operation == "UpdateTable"]
    assert updates == [{
        "TableName": T,
        "AttributeDefinitions": [{"AttributeName": "leaseKey", "AttributeType": "S"},
                                 {"AttributeName": "leaseOwner", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {
            "IndexName": INDEX, "KeySchema": INDEX_KEYS,
            "Projection": {"ProjectionType": "KEYS_ONLY"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 4, "WriteCapacityUnits": 2}}}],
    }]
    assert set(proxy.operations()) == {"DescribeTable", "UpdateTable"}  # 3.5: no companions


def test_add_index_on_an_on_demand_table_gives_the_index_no_capacity(cli, moto) -> None:
    client = moto.client()
    client.create_table(TableName=T, KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    run = cli("create", "--table", T, "--kcl", "3.5", "--add-index", "--billing-mode",
              "on-demand", "--output", "json")
    assert run.code == 0, run.stderr
    assert by_name(run)[T]["status"] == "updated"
    after = client.describe_table(TableName=T)["Table"]
    assert spec.index_problem(after) is None
    assert after["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_add_index_with_a_kcl2_layout_is_bad_input_and_calls_nothing(moto, tmp_path) -> None:
    kcl2_table(moto.client())
    with FaultProxy(moto.url) as proxy:
        run = run_cli(["create", "--table", T, "--add-index", "--endpoint-url", proxy.url],
                      aws_env(tmp_path, AWS_DEFAULT_REGION=REGION))
    assert run.code == 2
    assert "--add-index" in run.stderr and "--kcl 3.0" in run.stderr
    assert proxy.operations() == []


def test_an_index_of_that_name_with_other_keys_is_drift_and_never_touched(cli, moto) -> None:
    client = moto.client()
    kcl2_table(client, attributes=[{"AttributeName": "leaseOwner", "AttributeType": "S"}],
               GlobalSecondaryIndexes=[{
                   "IndexName": INDEX,
                   "KeySchema": [{"AttributeName": "leaseOwner", "KeyType": "HASH"}],
                   "Projection": {"ProjectionType": "ALL"},
                   "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}])
    before = client.describe_table(TableName=T)["Table"]["GlobalSecondaryIndexes"]
    run = cli("create", "--table", T, "--kcl", "3.5", "--add-index", "--output", "json")
    assert run.code == 3
    message = by_name(run)[T]["message"]
    assert by_name(run)[T]["status"] == "drift"
    assert "its key is leaseOwner (S, HASH); KCL" in message
    assert "needs leaseOwner (S, HASH) + leaseKey" in message
    assert "delete that index by hand" in message
    assert client.describe_table(TableName=T)["Table"]["GlobalSecondaryIndexes"] == before
    verified = cli("verify", "--table", T, "--kcl", "3.5", "--output", "json")
    assert verified.code == 3 and by_name(verified)[T]["status"] == "drift"


def creating_index_answer() -> Canned:
    """DescribeTable of a lease table whose index is still being built (moto never shows it)."""
    return Canned(200, json.dumps({"Table": {
        "TableName": T, "TableStatus": "ACTIVE",
        "KeySchema": [{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "leaseKey", "AttributeType": "S"},
                                 {"AttributeName": "leaseOwner", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        "GlobalSecondaryIndexes": [{"IndexName": INDEX, "KeySchema": INDEX_KEYS,
                                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                                    "IndexStatus": "CREATING"}],
    }}).encode())


def test_an_index_found_creating_is_waited_for_and_never_added_again(moto, tmp_path) -> None:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    with FaultProxy(moto.url) as proxy:
        proxy.canned["DescribeTable"] = creating_index_answer()
        run = run_cli(["create", "--table", T, "--kcl", "3.5", "--add-index", "--timeout", "3",
                       "--output", "json", "--endpoint-url", proxy.url], env)
        verified = run_cli(["verify", "--table", T, "--kcl", "3.5", "--output", "json",
                            "--endpoint-url", proxy.url], env)
    assert run.code == 1, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "failed"
    assert "still CREATING" in table["message"] and "did not add it" in table["message"]
    assert "UpdateTable" not in proxy.operations()
    assert proxy.operations().count("DescribeTable") >= 3  # waited, polling
    assert verified.code == 3
    assert verified.json()["tables"][0]["status"] == "not-active"


def test_update_table_refused_by_the_one_index_build_limit_names_it(moto, tmp_path) -> None:
    kcl2_table(moto.client())
    with FaultProxy(moto.url) as proxy:
        proxy.canned["UpdateTable"] = aws_error(
            "LimitExceededException",
            "Subscriber limit exceeded: Only 1 online index can be created or deleted "
            "simultaneously per table")
        run = run_cli(["create", "--table", T, "--kcl", "3.5", "--add-index", "--timeout", "3",
                       "--output", "json", "--endpoint-url", proxy.url],
                      aws_env(tmp_path, AWS_DEFAULT_REGION=REGION))
    assert run.code == 1, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "failed"
    # Retried (botocore's retries, then our queue of about a minute), not failed at once;
    # cut short by --timeout, it says so in the index's words.
    assert "UpdateTable adding the index" in table["message"]
    assert "the index LeaseOwnerToLeaseKeyIndex" in table["message"]
    assert "not known to have been added" in table["message"]
    assert "--kcl 3.5 --add-index" in table["message"]
    assert proxy.operations().count("UpdateTable") >= 2
    assert not moto.client().describe_table(TableName=T)["Table"].get("GlobalSecondaryIndexes")


def test_one_run_never_sends_a_second_update_table(moto, tmp_path) -> None:
    """UpdateTable accepted, but DescribeTable does not show the index yet (AWS's
    eventual consistency): the run waits for it rather than adding it again."""
    kcl2_table(moto.client())
    accepted = Canned(200, json.dumps({"TableDescription": {
        "TableName": T, "TableStatus": "UPDATING",
        "KeySchema": [{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "leaseKey", "AttributeType": "S"}]}}).encode())
    with FaultProxy(moto.url) as proxy:
        proxy.canned["UpdateTable"] = accepted  # never reaches moto: no index ever shows
        run = run_cli(["create", "--table", T, "--kcl", "3.5", "--add-index", "--timeout", "3",
                       "--output", "json", "--endpoint-url", proxy.url],
                      aws_env(tmp_path, AWS_DEFAULT_REGION=REGION))
    assert run.code == 1, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "failed"
    assert "This run's UpdateTable was accepted" in table["message"]
    assert proxy.operations().count("UpdateTable") == 1
    assert proxy.operations().count("DescribeTable") >= 3


# ---------------------------------------------------------------- verify

def test_verify_kcl30_names_missing_companions(cli, moto) -> None:
    kcl2_table(moto.client())
    cli("create", "--table", T, "--kcl", "3.0", "--add-index", "--no-deletion-protection")
    moto.client().delete_table(TableName=COMPANION_NAMES[1])
    run = cli("verify", "--table", T, "--kcl", "3.0", "--output", "json")
    assert run.code == 3
    tables = by_name(run)
    assert tables[T]["status"] == "ok"
    assert tables[COMPANION_NAMES[0]]["status"] == "ok"
    assert tables[COMPANION_NAMES[1]]["status"] == "missing"
    assert tables[COMPANION_NAMES[1]]["role"] == "worker-metrics"
    assert "`lease-tables create --kcl 3.0`" in tables[COMPANION_NAMES[1]]["message"]


def test_verify_kcl35_warns_when_the_old_companion_tables_exist(cli, moto) -> None:
    assert cli("create", "--table", T, "--kcl", "3.0", "--no-deletion-protection").code == 0
    run = cli("verify", "--table", T, "--kcl", "3.5", "--output", "json")
    assert run.code == 0, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "ok"
    assert "legacy multi-table mode" in table["message"]
    assert all(name in table["message"] for name in COMPANION_NAMES)
    assert "`lease-tables policy --kcl 3.5" in table["message"]
    assert "--kcl 3.5 --migrating --role adapter`" in table["message"]
    assert run.stderr.count("warning:") == 1  # one mode, one warning naming both tables
    moto.client().delete_table(TableName=COMPANION_NAMES[0])
    moto.client().delete_table(TableName=COMPANION_NAMES[1])
    clean = cli("verify", "--table", T, "--kcl", "3.5", "--output", "json")
    assert clean.code == 0 and clean.json()["tables"][0]["message"] == ""


def test_text_output_groups_a_lease_table_with_its_companions(cli, moto) -> None:
    # "T-A..." sorts between T and T-CoordinatorState by name: grouping must undo that.
    other = T + "-A"
    run = cli("create", "--table", T, "--table", other, "--kcl", "3.0")
    assert run.code == 0, run.stderr
    names = [line.split()[1] for line in run.stdout.splitlines()[:-1]]
    assert names == [T, *COMPANION_NAMES, other,
                     other + "-CoordinatorState", other + "-WorkerMetricStats"]
    as_json = cli("verify", "--table", T, "--table", other, "--kcl", "3.0", "--output", "json")
    assert [t["table_name"] for t in as_json.json()["tables"]] == sorted(
        [T, *COMPANION_NAMES, other, other + "-CoordinatorState",
         other + "-WorkerMetricStats"])


# ---------------------------------------------------------------- pure parts

def test_add_index_request_takes_the_tables_current_capacity() -> None:
    described = {"TableName": T, "BillingModeSummary": {"BillingMode": "PROVISIONED"},
                 "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 2,
                                           "NumberOfDecreasesToday": 0}}
    request = spec.add_index_request(T, described, spec.TableOptions())
    (update,) = request["GlobalSecondaryIndexUpdates"]
    assert update["Create"]["ProvisionedThroughput"] == {"ReadCapacityUnits": 7,
                                                         "WriteCapacityUnits": 2}
    assert update["Create"]["KeySchema"] == INDEX_KEYS
    assert {a["AttributeName"] for a in request["AttributeDefinitions"]} == {
        "leaseKey", "leaseOwner"}
    assert set(request) == {"TableName", "AttributeDefinitions", "GlobalSecondaryIndexUpdates"}
    on_demand = spec.add_index_request(
        T, {"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}}, spec.TableOptions())
    assert "ProvisionedThroughput" not in on_demand["GlobalSecondaryIndexUpdates"][0]["Create"]


@pytest.mark.parametrize(("status", "problem"), [
    ("ACTIVE", False), ("UPDATING", False), ("CREATING", False), ("DELETING", True),
    ("SOMETHING_NEW", True), (None, True)])
def test_index_states(status, problem) -> None:
    assert (spec.index_state_problem("t in r", status, "3.0") is not None) is problem
    assert spec.index_is_pending(status) is (status in ("CREATING", "UPDATING"))


def test_updated_is_a_happy_routine_status() -> None:
    table = LeaseTable(T, REGION)
    assert exit_code([TableResult(table, UPDATED)]) == 0
    assert UPDATED in ROUTINE
    assert exit_code([TableResult(table, UPDATED), TableResult(table, EXISTS)]) == 0


def test_the_one_index_build_limit_has_its_own_words() -> None:
    exc = ClientError({"Error": {"Code": "LimitExceededException", "Message": (
        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
        "simultaneously per table")}}, "UpdateTable")
    failure = failures.classify(exc, table=T, action="UpdateTable")
    assert failure.kind == failures.LIMIT
    assert "another index of this table" in failure.message
    assert "quota" not in failure.message


def test_grouped_puts_companions_after_their_lease_table() -> None:
    lease = LeaseTable("abc", REGION)
    other = LeaseTable("abc-A", REGION)  # sorts between abc and its companions by name
    tables = kcl.expand([lease, other], kcl.layout_for("3.0"))
    results = [TableResult(t, "ok") for t in sorted(tables, key=lambda t: t.table_name)]
    order = [r.table.table_name for r in grouped(results)]
    assert order == ["abc", "abc-CoordinatorState", "abc-WorkerMetricStats",
                     "abc-A", "abc-A-CoordinatorState", "abc-A-WorkerMetricStats"]
    line = text_line(TableResult(tables[1], "ok"))
    assert line.startswith("ok               abc-CoordinatorState  [us-east-1]  "
                           "coordinator-state table of abc, ")


# ------------------------------------------- the index's state: only ACTIVE is usable

def test_create_waits_for_an_index_updating_then_finds_the_table_as_it_is(
        cli, moto: MotoServer, tmp_path) -> None:
    assert cli("create", "--table", T, "--kcl", "3.1").code == 0
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    with RewritingProxy(moto.url) as proxy:
        proxy.rewrites["DescribeTable"] = index_in_state(T, ["UPDATING"] * 3)
        run = run_cli(["create", "--table", T, "--kcl", "3.1", "--output", "json",
                       "--timeout", "60", "--endpoint-url", proxy.url], env)
    assert run.code == 0, run.stderr
    assert {t["status"] for t in run.json()["tables"]} == {"exists"}
    # Three answers UPDATING, then ACTIVE: waited for in the polling loop, not accepted.
    assert proxy.tables_called("DescribeTable").count(T) == 4
    assert "UpdateTable" not in proxy.operations()


def test_an_index_still_updating_fails_create_at_the_timeout_and_is_not_active_in_verify(
        cli, moto: MotoServer, tmp_path) -> None:
    assert cli("create", "--table", T, "--kcl", "3.1").code == 0
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    with RewritingProxy(moto.url) as proxy:
        proxy.rewrites["DescribeTable"] = index_in_state(T, itertools.repeat("UPDATING"))
        run = run_cli(["create", "--table", T, "--kcl", "3.1", "--output", "json",
                       "--timeout", "3", "--endpoint-url", proxy.url], env)
        verified = run_cli(["verify", "--table", T, "--kcl", "3.1", "--output", "json",
                            "--endpoint-url", proxy.url], env)
    assert run.code == 1, run.stderr
    lease = by_name(run)[T]
    assert lease["status"] == "failed"
    assert "its index LeaseOwnerToLeaseKeyIndex was" in lease["message"]
    assert "was still UPDATING after 3 s" in lease["message"]
    assert "did not add it" in lease["message"]
    assert {by_name(run)[n]["status"] for n in COMPANION_NAMES} == {"exists"}
    assert verified.code == 3, verified.stderr
    checked = by_name(verified)[T]
    assert checked["status"] == "not-active"
    assert "is UPDATING, not ACTIVE yet" in checked["message"]
    assert "waits at start" in checked["message"]
    # The table itself stays usable when UPDATING (only its index must be ACTIVE).
    assert moto.client().describe_table(TableName=T)["Table"]["TableStatus"] == "ACTIVE"


# ----------------------------------- an index with KCL's keys and another projection

@pytest.mark.parametrize("projection", [
    {"ProjectionType": "ALL"},
    {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["checkpoint"]}])
def test_an_index_with_kcl_s_keys_and_more_projected_works_with_a_warning(
        cli, moto: MotoServer, projection: dict) -> None:
    client = moto.client()
    kcl2_table(client, attributes=[{"AttributeName": "leaseOwner", "AttributeType": "S"}],
               GlobalSecondaryIndexes=[{
                   "IndexName": INDEX, "KeySchema": INDEX_KEYS, "Projection": projection,
                   "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3}}])
    before = client.describe_table(TableName=T)["Table"]["GlobalSecondaryIndexes"]
    run = cli("create", "--table", T, "--kcl", "3.5", "--add-index", "--read-capacity", "5",
              "--write-capacity", "3", "--output", "json")
    assert run.code == 0, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "exists"
    kind = projection["ProjectionType"]
    assert f"has projection {kind}; KCL creates KEYS_ONLY and reads only the keys" in (
        table["message"])
    assert f"warning: {T}: its index {INDEX} has projection {kind}" in run.stderr
    assert client.describe_table(TableName=T)["Table"]["GlobalSecondaryIndexes"] == before

    verified = cli("verify", "--table", T, "--kcl", "3.5", "--read-capacity", "5",
                   "--write-capacity", "3", "--output", "json")
    assert verified.code == 0, verified.stderr
    (checked,) = verified.json()["tables"]
    assert checked["status"] == "ok"
    assert checked["message"].startswith(f"warning: its index {INDEX} has projection {kind}")


# --------------------------------------- KCL 3.5: which old table switches its mode

def companion_table(client, name: str, key: str) -> None:
    client.create_table(TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")


def test_verify_kcl35_names_migrating_when_coordinator_state_exists(cli, moto) -> None:
    assert cli("create", "--table", T, "--kcl", "3.5").code == 0
    companion_table(moto.client(), COMPANION_NAMES[0], "key")
    run = cli("verify", "--table", T, "--kcl", "3.5.1", "--output", "json")
    assert run.code == 0, run.stderr
    (table,) = run.json()["tables"]
    assert table["status"] == "ok"
    message = table["message"]
    assert f"warning: {COMPANION_NAMES[0]} exists in {REGION}: KCL 3.5+ finds it at start " \
           f"and runs in its legacy multi-table mode" in message
    assert "until its own migration to the lease" in message
    assert "the lease table reaches COMPLETE" in message
    assert "`lease-tables policy --kcl 3.5.1" in message
    assert "--kcl 3.5.1 --migrating --role adapter`" in message
    assert COMPANION_NAMES[1] not in message


def test_verify_kcl35_calls_worker_metric_stats_alone_a_leftover(cli, moto) -> None:
    assert cli("create", "--table", T, "--kcl", "3.5").code == 0
    companion_table(moto.client(), COMPANION_NAMES[1], "wid")
    run = cli("verify", "--table", T, "--kcl", "3.5", "--output", "json")
    assert run.code == 0, run.stderr
    message = run.json()["tables"][0]["message"]
    assert (f"warning: {COMPANION_NAMES[1]} exists in {REGION}, but {COMPANION_NAMES[0]} "
            f"does not: KCL 3.5+ does not switch to its legacy multi-table mode") in message
    assert "leftover" in message
    assert "runs in its legacy" not in message and "--migrating" not in message
