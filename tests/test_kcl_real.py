"""The real consumer as judge: KCL 3.1.3 itself, on the tables `lease-tables` makes.

The slow tests run the MultiLangDaemon from the `kclpy-ext` wheel on Java 17 against
moto_server (`tests/kclproof.py`), with CreateTable and UpdateTable denied and every call
held against `lease-tables policy --kcl 3.1 --role adapter --stream ARN` (the lease
tables, the stream's Kinesis reads, CloudWatch in KCL's namespace) by moto's own IAM
evaluator. On the tables from `create --kcl 3.1` KCL must take
its leases and deliver every record; on each broken layout `verify` must say exit 3
beforehand and KCL must deliver nothing.

Without Java: skipped locally with the reason; a failure in CI (`CI=true`), never a skip.
The fast tests pin how the gate names a call's resource and judges it.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests import kclproof
from tests.faultproxy import PolicyGate, iam_allows

ACCOUNT, REGION, TABLE = kclproof.ACCOUNT, kclproof.REGION, kclproof.TABLE
ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
INDEX_ARN = f"{ARN}/index/LeaseOwnerToLeaseKeyIndex"
STREAM_ARN = kclproof.stream_arn()


def _run(layout: kclproof.Layout, tmp_path: Path, record_property) -> kclproof.KclRun:
    """One real-KCL run, and the figures docs/proven.md quotes: timings and the actions KCL
    called on each resource (in the JUnit report, and printed with `-s`)."""
    kclproof.require_kcl()
    run = kclproof.run_kcl(layout, tmp_path)
    record_property("first_record_s", run.first_record_s)
    record_property("all_records_s", run.all_records_s)
    record_property("exit_code", run.exit_code)
    record_property("actions_by_resource", json.dumps(run.actions_by_resource()))
    print("\n" + kclproof.describe(run))
    return run


# ------------------------------------------------------------------ the real KCL


@pytest.mark.slow
@pytest.mark.parametrize("layout", kclproof.STARTS, ids=lambda layout: layout.name)
def test_kcl_takes_its_leases_and_delivers_on_tables_from_create(
        layout: kclproof.Layout, tmp_path: Path, record_property) -> None:
    run = _run(layout, tmp_path, record_property)
    log_tail = run.log[-3000:]

    assert run.verify_code == 0
    # Every record put on the stream reached the processor (both shards had some).
    assert sorted({d["data"] for d in run.delivered}) == sorted(run.put), log_tail
    assert len({d["shard"] for d in run.delivered}) == 2
    # Lease items: one per shard, owned by this worker, checkpointed at its last record.
    assert sorted(item["leaseKey"] for item in run.lease_items) == [
        "shardId-000000000000", "shardId-000000000001"]
    assert all(item.get("leaseOwner") for item in run.lease_items), run.lease_items
    assert kclproof.checkpoints_caught_up(run.lease_items, run.delivered), run.lease_items
    # Never CreateTable or UpdateTable, and nothing outside the policy.
    actions = {call.iam_action for call in run.calls}
    assert not actions & {"dynamodb:CreateTable", "dynamodb:UpdateTable"}, actions
    assert run.refused() == [], [(c.iam_action, c.resources) for c in run.refused()]
    # What the policy grants is what KCL used: the index only by Query, both companions.
    by_resource = run.actions_by_resource()
    assert by_resource[INDEX_ARN] == ["Query"]
    assert "Query" not in by_resource[ARN]
    for companion in ("CoordinatorState", "WorkerMetricStats"):
        assert "DescribeTable" in by_resource[f"{ARN}-{companion}"]
    assert {"GetRecords", "GetShardIterator", "ListShards"} <= set(by_resource[STREAM_ARN])
    # KCL's Kinesis client spoke HTTP/2 (h2c) to the gate: the reason the gate exists.
    assert {c.http_version for c in run.calls if c.service == "kinesis"} == {"2"}
    # CloudWatch only when KCL's metrics are on; then PutMetricData in KCL's namespace,
    # which the policy's condition allowed (every call was allowed, above).
    cloudwatch = {c.action for c in run.calls if c.service == "cloudwatch"}
    metrics_on = dict(layout.properties).get("metricsLevel", "NONE") != "NONE"
    assert cloudwatch == ({"PutMetricData"} if metrics_on else set()), cloudwatch


@pytest.mark.slow
@pytest.mark.parametrize("layout", kclproof.CONTROLS, ids=lambda layout: layout.name)
def test_kcl_does_not_start_where_verify_says_exit_3(
        layout: kclproof.Layout, tmp_path: Path, record_property) -> None:
    run = _run(layout, tmp_path, record_property)

    assert run.verify_code == 3, "verify must warn before the adapter is restarted"
    assert run.delivered == [], run.delivered
    assert not any(item.get("leaseOwner") for item in run.lease_items), run.lease_items
    assert "Caught exception when initializing" in run.log, run.log[-3000:]
    assert "when initializing LeaseCoordinator" in run.log, run.log[-3000:]
    if run.exit_code is not None:
        # KCL gave up by itself: and its JVM says "success" to whatever supervises it.
        assert run.gave_up, run.log[-3000:]
        assert run.exit_code == 0


@pytest.mark.slow
def test_the_readme_walkthrough_starts_the_real_kcl_under_the_files_policy(
        tmp_path: Path, record_property) -> None:
    """`create`, then `policy --role adapter` on the file alone (no footprint option):
    under exactly that policy, CreateTable and UpdateTable denied, the real KCL lists
    the stream the file names, takes its leases and delivers every record."""
    kclproof.require_kcl()
    walk = kclproof.run_walkthrough(tmp_path, kclproof.POLLING)
    run = walk.run
    record_property("first_record_s", run.first_record_s)
    record_property("all_records_s", run.all_records_s)
    log_tail = run.log[-3000:]

    assert [walk.commands[c].code for c in ("create", "verify", "policy")] == [0, 0, 0], {
        c: r.stderr for c, r in walk.commands.items()}
    assert "--stream" not in walk.commands["policy"].stderr.split("not covered")[0]
    assert sorted({d["data"] for d in run.delivered}) == sorted(run.put), log_tail
    assert len({d["shard"] for d in run.delivered}) == 2
    assert sorted(item["leaseKey"] for item in run.lease_items) == [
        "shardId-000000000000", "shardId-000000000001"]
    assert all(item.get("leaseOwner") for item in run.lease_items), run.lease_items
    actions = {call.iam_action for call in run.calls}
    assert not actions & {"dynamodb:CreateTable", "dynamodb:UpdateTable"}, actions
    assert run.refused() == [], [(c.iam_action, c.resources) for c in run.refused()]
    stream = kclproof.stream_arn()
    assert {"GetRecords", "GetShardIterator", "ListShards"} <= set(
        run.actions_by_resource()[stream])


@pytest.mark.slow
def test_in_enhanced_fan_out_the_real_kcl_finds_the_consumer_create_registered(
        tmp_path: Path, record_property) -> None:
    """KCL's default retrieval: `create --enhanced-fan-out` registered the consumer,
    so KCL describes it and subscribes, and never calls RegisterStreamConsumer (which
    the adapter's policy does not grant). moto cannot serve SubscribeToShard, so the
    proof ends at the subscription: that KCL asked for it, allowed by the policy."""
    kclproof.require_kcl()
    walk = kclproof.run_walkthrough(tmp_path, kclproof.FANOUT, bound=120.0)
    run = walk.run
    log_tail = run.log[-3000:]

    assert [walk.commands[c].code for c in ("create", "verify", "policy")] == [0, 0, 0], {
        c: r.stderr for c, r in walk.commands.items()}
    created = walk.commands["create"]
    assert "stream-consumer" in created.stdout or "consumer" in created.stdout, created.stdout
    actions = [call.action for call in run.calls if call.service == "kinesis"]
    assert "RegisterStreamConsumer" not in actions, actions
    described = [c for c in run.calls if c.action == "DescribeStreamConsumer"]
    assert described and all(c.allowed and c.status == 200 for c in described), described
    consumer = f"{kclproof.stream_arn()}/consumer/{kclproof.WALK_TABLE}"
    assert all(r.startswith(consumer) for c in described for r in c.resources), described
    subscribed = [c for c in run.calls if c.action == "SubscribeToShard"]
    assert subscribed and all(c.allowed for c in subscribed), log_tail
    assert not {c.iam_action for c in run.calls} & {"dynamodb:CreateTable",
                                                     "dynamodb:UpdateTable"}
    assert run.refused() == [], [(c.iam_action, c.resources) for c in run.refused()]
    record_property("kinesis_actions", json.dumps(sorted(set(actions))))


# ------------------------------------------------------------------ the gate, fast


def _gate(policy: dict) -> PolicyGate:
    return PolicyGate("http://127.0.0.1:9", policy, ACCOUNT, REGION)  # never started


def _dynamodb(action: str, body: dict) -> tuple[dict[str, str], str, bytes]:
    headers = {"x-amz-target": f"DynamoDB_20120810.{action}",
               "authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/"
                                "dynamodb/aws4_request, SignedHeaders=host, Signature=00"}
    return headers, "/", json.dumps(body).encode()


POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DescribeTable"],
     "Resource": [ARN]},
    {"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": [f"{ARN}/index/*"]},
    {"Effect": "Allow", "Action": ["kinesis:GetRecords", "kinesis:GetShardIterator"],
     "Resource": [STREAM_ARN]},
    {"Effect": "Deny", "Action": ["dynamodb:CreateTable"], "Resource": ["*"]},
]}


def test_gate_names_the_index_of_a_query_and_judges_its_arn() -> None:
    gate = _gate(POLICY)
    service, action, items, _ = gate.name_call(
        *_dynamodb("Query", {"TableName": TABLE, "IndexName": "LeaseOwnerToLeaseKeyIndex"}))
    assert (service, action, items) == ("dynamodb", "Query", [("Query", INDEX_ARN)])
    assert gate.judge(service, items, {})
    # The same Query on the table itself is outside a policy that grants only index/*.
    service, _, items, _ = gate.name_call(*_dynamodb("Query", {"TableName": TABLE}))
    assert items == [("Query", ARN)]
    assert not gate.judge(service, items, {})


def test_gate_judges_each_table_and_honours_an_explicit_deny() -> None:
    gate = _gate(POLICY)
    assert gate.judge("dynamodb", [("GetItem", ARN)], {})
    assert not gate.judge("dynamodb", [("GetItem", f"{ARN}-Other")], {})
    assert not gate.judge("dynamodb", [("CreateTable", ARN)], {})
    assert not iam_allows({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:CreateTable", "Resource": "*"}]},
        "dynamodb:CreateTable", ARN)
    # A transaction is authorised per item: one item on an ungranted table refuses it all.
    _, _, items, _ = gate.name_call(*_dynamodb("TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": TABLE}}, {"ConditionCheck": {"TableName": f"{TABLE}-X"}}]}))
    assert items == [("UpdateItem", ARN), ("ConditionCheckItem", f"{ARN}-X")]
    assert not gate.judge("dynamodb", items, {})


def test_gate_finds_the_stream_of_a_get_records_call_by_its_iterator() -> None:
    gate = _gate(POLICY)
    headers = {"x-amz-target": "Kinesis_20131202.GetShardIterator",
               "authorization": "Credential=AKID/20261201/us-east-1/kinesis/aws4_request"}
    _, _, items, _ = gate.name_call(headers, "/", b'{"StreamName": "kclproof"}')
    assert items == [("GetShardIterator", STREAM_ARN)]
    gate._remember_iterators(STREAM_ARN, b'{"ShardIterator": "it-1"}')
    headers["x-amz-target"] = "Kinesis_20131202.GetRecords"
    _, _, items, _ = gate.name_call(headers, "/", b'{"ShardIterator": "it-1"}')
    assert items == [("GetRecords", STREAM_ARN)]
    assert gate.judge("kinesis", items, {})
    _, _, items, _ = gate.name_call(headers, "/", b'{"ShardIterator": "unseen"}')
    assert not gate.judge("kinesis", items, {})


def test_an_explicit_deny_in_any_document_of_a_split_policy_wins() -> None:
    allow = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "dynamodb:UpdateTable", "Resource": "*"}]}
    assert iam_allows([deny, allow], "dynamodb:GetItem", ARN)
    assert not iam_allows([allow, deny], "dynamodb:UpdateTable", ARN)
    assert not iam_allows([deny], "dynamodb:GetItem", ARN)


def test_cloudwatch_metrics_are_judged_by_their_namespace() -> None:
    gate = _gate({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": [TABLE]}}}]})
    headers = {"authorization": "Credential=AKID/20261201/us-east-1/monitoring/aws4_request"}
    service, action, items, conditions = gate.name_call(
        headers, "/", f"Action=PutMetricData&Namespace={TABLE}&Version=2010-08-01".encode())
    assert (service, action, items) == ("cloudwatch", "PutMetricData", [("PutMetricData", "*")])
    assert conditions == {"cloudwatch:namespace": TABLE}
    assert gate.judge(service, items, conditions)
    assert not gate.judge(service, items, {"cloudwatch:namespace": "Other"})


def test_a_gzipped_put_metric_data_is_named_and_judged_like_a_plain_one() -> None:
    """The Java SDK gzips a large PutMetricData (request compression past 10 KB); the
    gate reads the form inside, or KCL's metrics would be refused as an unknown call."""
    gate = _gate({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": [TABLE]}}}]})
    headers = {"authorization": "Credential=AKID/20261201/us-east-1/monitoring/aws4_request",
               "content-encoding": "gzip"}
    form = f"Action=PutMetricData&Namespace={TABLE}&Version=2010-08-01".encode()
    service, action, items, conditions = gate.name_call(headers, "/", gzip.compress(form))
    assert (service, action, conditions) == ("cloudwatch", "PutMetricData",
                                             {"cloudwatch:namespace": TABLE})
    assert gate.judge(service, items, conditions)
