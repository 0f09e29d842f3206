"""The adapter's whole footprint end to end: consumers made beforehand, and preflight.

One moto_server with IAM enforced (INITIAL_NO_AUTH_ACTION_COUNT=3, as in
test_preflight.py) holds a lease table, a stream, a bucket, a KMS key, a video
stream and a Connect instance. `create --enhanced-fan-out` registers the stream
consumer (checked with the server's ListStreamConsumers), a rerun only describes;
`preflight` with every footprint option passes for an identity with the generated
policy and names exactly the grant that an identity lacking one grant of each
service does not have.

What moto cannot show comes from the recording proxy (tests/faultproxy.py):
- moto checks actions, not resource ARNs (every request is matched against "*"), so
  the identities get the generated policy's actions on "*", and the resource side
  is checked apart: the generated document, evaluated by moto's own
  `moto.iam.access_control.IAMPolicy`, must allow every probe call on the ARN that
  call names (taken from the recorded requests).
- KMS Decrypt with DryRun: moto ignores DryRun and answers InvalidCiphertextException
  once IAM let the call through; the proxy turns that into AWS's
  DryRunOperationException. moto's refusal stays a refusal.
- Kinesis Video's access denied is NotAuthorizedException; moto says AccessDenied,
  which the proxy rewrites.
- moto has none of the Connect calls preflight makes (ListInstanceAttributes ...),
  so their answers are canned: ResourceNotFound for the random ids, as Connect
  answers an allowed lookup of an id that does not exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from tests.conftest import REGION, MotoServer, Run, clean_env, run_cli, start_moto, stop
from tests.faultproxy import (
    Canned,
    FaultProxy,
    aws_error,
    rest_answer,
    rest_error,
    simulated,
)

ACCOUNT = "123456789012"
TABLE = "verintConnect"
STREAM = "ctr-events"
BUCKET = "ris-recordings"
VIDEO_PREFIX = "connect-live-"
LOG_GROUP = "/ris/adapters"


@dataclass
class World:
    server: MotoServer
    admin_keys: dict[str, str]
    key_arn: str = ""
    instance_id: str = ""
    users: dict[str, dict[str, str]] = field(default_factory=dict)

    def admin(self, service: str) -> Any:
        return client(service, self.server.url, self.admin_keys)

    def footprint_args(self) -> list[str]:
        return ["--table", TABLE, "--region", REGION, "--stream", STREAM, "--enhanced-fan-out",
                "--bucket", BUCKET, "--kms-key", self.key_arn, "--video-stream",
                VIDEO_PREFIX, "--connect-instance", self.instance_id,
                "--cloudwatch-logs", LOG_GROUP]


def client(service: str, url: str, keys: dict[str, str]) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=url,
                        aws_access_key_id=keys["AccessKeyId"],
                        aws_secret_access_key=keys["SecretAccessKey"])


def generated_policy(world: World, tmp_path: Path) -> dict[str, Any]:
    """`lease-tables policy --role adapter` with the same footprint options."""
    run = run_cli(["policy", "--role", "adapter", "--account-id", ACCOUNT,
                   *world.footprint_args()], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    assert isinstance(document, dict), "one document expected for one adapter"
    return document


def widened(document: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    """The document's actions on "*" (moto matches every request against "*"), without
    `drop`; conditions left out (nothing preflight calls has one)."""
    statements = []
    for statement in document["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        kept = [a for a in actions if a != drop]
        if kept:
            statements.append({"Sid": statement["Sid"], "Effect": statement["Effect"],
                               "Action": kept, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


# One grant of each service the footprint's probes can prove.
LACKING = ("kinesis:GetRecords", "kinesis:DescribeStreamConsumer", "s3:GetObject",
           "kms:Encrypt", "kinesisvideo:GetDataEndpoint")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    try:
        bootstrap = client("iam", server.url, {"AccessKeyId": "bootstrap",
                                               "SecretAccessKey": "bootstrap"})
        bootstrap.create_user(UserName="admin")
        bootstrap.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        world = World(server, bootstrap.create_access_key(UserName="admin")["AccessKey"])
        world.admin("kinesis").create_stream(StreamName=STREAM, ShardCount=1)
        world.admin("kinesis").put_record(StreamName=STREAM, Data=b"a customer's CTR",
                                          PartitionKey="p")
        world.admin("s3").create_bucket(Bucket=BUCKET)
        world.key_arn = world.admin("kms").create_key()["KeyMetadata"]["Arn"]
        world.admin("kinesisvideo").create_stream(StreamName=f"{VIDEO_PREFIX}abc")
        world.instance_id = world.admin("connect").create_instance(
            IdentityManagementType="CONNECT_MANAGED", InboundCallsEnabled=True,
            OutboundCallsEnabled=True)["Id"]
        document = generated_policy(world, tmp_path_factory.mktemp("policy"))
        iam = world.admin("iam")
        for user, policy in {"adapter": widened(document),
                             **{a: widened(document, drop=a) for a in LACKING}}.items():
            name = re.sub(r"[^A-Za-z0-9]", "-", user)
            iam.create_user(UserName=name)
            iam.put_user_policy(UserName=name, PolicyName="adapter",
                                PolicyDocument=json.dumps(policy))
            world.users[user] = iam.create_access_key(UserName=name)["AccessKey"]
        yield world
    finally:
        stop(server.process)


def as_identity(tmp_path: Path, keys: dict[str, str], proxy: FaultProxy, *args: str) -> Run:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[who]\naws_access_key_id = {keys['AccessKeyId']}\n"
                           f"aws_secret_access_key = {keys['SecretAccessKey']}\n",
                           encoding="utf-8")
    env = clean_env(tmp_path, AWS_SHARED_CREDENTIALS_FILE=str(credentials),
                    AWS_DEFAULT_REGION=REGION)
    return run_cli([*args, "--profile", "who", "--endpoint-url", proxy.url, "--output", "json"],
                   env)


def aws_answers(proxy: FaultProxy) -> FaultProxy:
    """What AWS answers where moto cannot (see the module docstring)."""
    proxy.rephrased[("Decrypt", "InvalidCiphertextException")] = aws_error(
        "DryRunOperationException", "The request would have succeeded, but the DryRun "
                                    "parameter was set.", 412)
    for code in ("AccessDenied", "AccessDeniedException", "403"):
        proxy.rephrased[("GetDataEndpoint", code)] = rest_error(
            "NotAuthorizedException", "User is not authorized to perform "
                                      "kinesisvideo:GetDataEndpoint", 401)
    proxy.canned["ListInstanceAttributes"] = rest_answer({"Attributes": []})
    proxy.canned["ListInstanceStorageConfigs"] = rest_answer({"StorageConfigs": []})
    for operation in ("DescribeUser", "DescribeContact", "GetContactAttributes"):
        proxy.canned[operation] = rest_error("ResourceNotFoundException", "not found", 404)
    return proxy


@pytest.fixture()
def proxy(world: World) -> Iterator[FaultProxy]:
    recorder = aws_answers(FaultProxy(world.server.url)).start()
    yield recorder
    recorder.stop()


def consumers_of(world: World, stream: str = STREAM) -> list[str]:
    kinesis = world.admin("kinesis")
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
        "StreamARN"]
    return sorted(c["ConsumerName"] for c in kinesis.list_stream_consumers(
        StreamARN=arn)["Consumers"])


def rows(run: Run, role: str | None = None) -> list[dict[str, Any]]:
    return [r for r in run.json()["tables"] if role is None or r["role"] == role]


# ------------------------------------------------------------------ create / verify


@pytest.fixture(scope="module")
def created(world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run, Any]:
    """`create --enhanced-fan-out` twice as the administrator; the calls of each run."""
    tmp_path = tmp_path_factory.mktemp("create")
    runs, calls = [], []
    for _ in range(2):
        with FaultProxy(world.server.url) as recorder:
            runs.append(as_identity(tmp_path, world.admin_keys, recorder, "create",
                                    "--table", TABLE, "--region", REGION, "--stream", STREAM,
                                    "--enhanced-fan-out"))
            calls.append(recorder.by_operation())
    return runs[0], runs[1], calls


def test_create_registers_the_consumer_named_after_the_lease_table(
        world: World, created: tuple[Run, Run, Any]) -> None:
    first, _, calls = created
    assert first.code == 0, first.stderr
    assert consumers_of(world) == [TABLE]
    [row] = rows(first, "stream-consumer")
    assert (row["table_name"], row["status"]) == (TABLE, "created")
    assert row["resource"] == f"stream/{STREAM}/consumer/{TABLE}"
    assert calls[0]["RegisterStreamConsumer"] == 1
    assert calls[0]["DescribeStreamSummary"] == 1


def test_a_rerun_registers_nothing_and_describes_each_resource_once(
        world: World, created: tuple[Run, Run, Any]) -> None:
    _, second, calls = created
    assert second.code == 0, second.stderr
    assert [(r["role"], r["status"]) for r in rows(second)] == [
        ("lease", "exists"), ("stream-consumer", "exists")]
    kinesis = {op: n for op, n in calls[1].items() if op != "DescribeTable"}
    assert kinesis == {"DescribeStreamSummary": 1, "DescribeStreamConsumer": 1}
    assert calls[1]["DescribeTable"] == 1
    assert consumers_of(world) == [TABLE]


def test_verify_checks_the_consumer(world: World, created: Any, tmp_path: Path,
                                    proxy: FaultProxy) -> None:
    ok = as_identity(tmp_path, world.admin_keys, proxy, "verify", "--table", TABLE,
                     "--region", REGION, "--stream", STREAM, "--enhanced-fan-out")
    assert ok.code == 0, ok.stdout
    assert [r["status"] for r in rows(ok, "stream-consumer")] == ["ok"]
    world.admin("kinesis").create_stream(StreamName="agent-events", ShardCount=1)
    missing = as_identity(tmp_path, world.admin_keys, proxy, "verify", "--table", TABLE,
                          "--region", REGION, "--stream", "agent-events",
                          "--enhanced-fan-out")
    assert missing.code == 3
    [row] = rows(missing, "stream-consumer")
    assert row["status"] == "missing"
    assert "enhanced-fan-out --stream agent-events" in row["message"]
    assert consumers_of(world, "agent-events") == []  # verify registers nothing


def test_dry_run_plans_the_consumer_without_a_call(tmp_path: Path) -> None:
    run = run_cli(["create", "--dry-run", "--table", TABLE, "--region", REGION, "--stream",
                   STREAM, "--enhanced-fan-out", "--output", "json"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    assert [(r["role"], r["status"]) for r in rows(run)] == [
        ("lease", "planned"), ("stream-consumer", "planned")]


# ------------------------------------------------------------------ preflight

# The calls preflight may make for the footprint: reads, DryRuns, lookups of random ids.
FOOTPRINT_CALLS = {
    "DescribeStreamSummary", "ListShards", "GetShardIterator", "GetRecords",
    "DescribeStreamConsumer", "ListObjectsV2", "GetObject", "Encrypt", "Decrypt",
    "GenerateDataKey", "GetDataEndpoint", "ListInstanceAttributes",
    "ListInstanceStorageConfigs", "DescribeUser", "DescribeContact", "GetContactAttributes",
}
TABLE_CALLS = {"DescribeTable", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan",
               "CreateTable"}


@pytest.fixture()
def passing(world: World, created: Any, tmp_path: Path, proxy: FaultProxy) -> tuple[Run, Any]:
    run = as_identity(tmp_path, world.users["adapter"], proxy, "preflight",
                      *world.footprint_args())
    return run, list(proxy.calls)


def test_preflight_passes_with_the_generated_policy(passing: tuple[Run, Any]) -> None:
    run, calls = passing
    assert run.code == 0, run.stdout + run.stderr
    statuses = {(r["role"], r["table_name"]): r["status"] for r in rows(run)}
    assert set(statuses.values()) == {"ok"}, statuses
    assert {role for role, _ in statuses} == {
        "lease", "stream", "stream-consumer", "bucket", "kms-key", "video-stream",
        "connect-instance", "log-group", "cloudwatch-metrics"}
    assert "PREFLIGHT PASSED" in run.stderr
    # Only probes that write nothing; never the ones that would (or would disturb KCL).
    operations = {c.operation for c in calls}
    assert operations <= FOOTPRINT_CALLS | TABLE_CALLS, operations - FOOTPRINT_CALLS
    assert operations >= FOOTPRINT_CALLS
    # The stream's row and its consumer's share one DescribeStreamSummary.
    assert sum(c.operation == "DescribeStreamSummary" for c in calls) == 1
    for call in calls:
        if call.operation == "GetRecords":
            assert call.body["Limit"] == 1
        if call.operation in ("Encrypt", "Decrypt", "GenerateDataKey"):
            assert call.body["DryRun"] is True


def test_never_tried_actions_are_listed_and_not_passed(passing: tuple[Run, Any]) -> None:
    run, _ = passing
    not_tried = {r["role"]: set(r["not_tried"]) for r in rows(run) if r["role"] != "lease"}
    assert not_tried["stream"] == {"kinesis:PutRecord", "kinesis:DescribeStream"}
    assert not_tried["stream-consumer"] == {"kinesis:SubscribeToShard"}
    assert not_tried["video-stream"] == {"kinesisvideo:GetMedia", "kinesisvideo:PutMedia"}
    assert not_tried["connect-instance"] == {"connect:SuspendContactRecording",
                                             "connect:ResumeContactRecording"}
    assert not_tried["cloudwatch-metrics"] == {"cloudwatch:PutMetricData"}
    assert not_tried["log-group"] == {"logs:CreateLogGroup", "logs:CreateLogStream",
                                      "logs:PutLogEvents"}
    assert not_tried["bucket"] == not_tried["kms-key"] == set()
    assert "cloudwatch:PutMetricData" in run.stderr  # the verdict names what is unproven


def test_a_record_never_reaches_the_output(passing: tuple[Run, Any]) -> None:
    run, _ = passing
    assert "customer" not in run.stdout + run.stderr


def test_our_kinesis_clients_never_hold_a_record(world: World,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """GetRecords through `aws.Clients` parses no record (so --verbose logs none): the
    answer's records are dropped before botocore parses or logs it."""
    from lease_tables.aws.clients import Clients

    raw = world.admin("kinesis")
    shard = raw.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]

    def first_records(kinesis: Any) -> list[Any]:
        iterator = kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")
        return kinesis.get_records(ShardIterator=iterator["ShardIterator"], Limit=1)["Records"]

    assert first_records(raw), "the world's stream holds a record"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", world.admin_keys["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", world.admin_keys["SecretAccessKey"])
    ours = Clients(profile=None, endpoint_url=world.server.url).client("kinesis", REGION)
    assert first_records(ours) == []


@pytest.mark.parametrize("lacking", LACKING)
def test_preflight_names_exactly_the_missing_grant(world: World, created: Any, lacking: str,
                                                   tmp_path: Path,
                                                   proxy: FaultProxy) -> None:
    run = as_identity(tmp_path, world.users[lacking], proxy, "preflight",
                      *world.footprint_args())
    assert run.code == 3, run.stdout
    bad = [r for r in rows(run) if r["status"] != "ok"]
    assert [r["status"] for r in bad] == ["denied"], bad
    assert lacking in bad[0]["message"]
    others = set(LACKING) - {lacking}
    assert not any(other in bad[0]["message"] for other in others)


def test_a_connect_refusal_is_named(world: World, created: Any, tmp_path: Path,
                                    proxy: FaultProxy) -> None:
    proxy.canned["DescribeUser"] = rest_error(
        "AccessDeniedException", "User: arn:aws:iam::123456789012:user/adapter is not "
                                 "authorized to perform: connect:DescribeUser", 403)
    run = as_identity(tmp_path, world.users["adapter"], proxy, "preflight",
                      *world.footprint_args())
    assert run.code == 3
    [bad] = [r for r in rows(run) if r["status"] != "ok"]
    assert (bad["role"], bad["status"]) == ("connect-instance", "denied")
    assert "connect:DescribeUser" in bad["message"]
    assert "connect:DescribeContact" not in bad["message"]


# ------------------------------------------------------------------ the resource side

def probe_arns(calls: list[Any], world: World) -> list[tuple[str, str]]:
    """(IAM action, ARN) for every footprint call preflight made, from the requests."""
    stream = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{STREAM}"
    instance = f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{world.instance_id}"
    out = []
    for call in calls:
        op, body, path = call.operation, call.body, call.path
        if op in ("DescribeStreamSummary", "ListShards", "GetShardIterator"):
            out.append((f"kinesis:{op}", stream))
        elif op == "GetRecords":
            out.append(("kinesis:GetRecords", stream))
        elif op == "DescribeStreamConsumer":
            assert body["StreamARN"] == stream
            out.append(("kinesis:DescribeStreamConsumer",
                        f"{stream}/consumer/{body['ConsumerName']}:1700000000"))
        elif op == "ListObjectsV2":
            out.append(("s3:ListBucket", f"arn:aws:s3:::{BUCKET}"))
        elif op == "GetObject":
            out.append(("s3:GetObject", f"arn:aws:s3:::{path.lstrip('/').split('?')[0]}"))
        elif op in ("Encrypt", "Decrypt", "GenerateDataKey"):
            assert body["KeyId"] == world.key_arn
            out.append((f"kms:{op}", world.key_arn))
        elif op == "GetDataEndpoint":
            out.append(("kinesisvideo:GetDataEndpoint", f"arn:aws:kinesisvideo:{REGION}:"
                        f"{ACCOUNT}:stream/{body['StreamName']}/1700000000000"))
        elif op in ("ListInstanceAttributes", "ListInstanceStorageConfigs"):
            out.append((f"connect:{op}", instance))
        elif op == "DescribeUser":
            out.append(("connect:DescribeUser", f"{instance}/agent/{path.rsplit('/', 1)[1]}"))
        elif op in ("DescribeContact", "GetContactAttributes"):
            out.append((f"connect:{op}", f"{instance}/contact/{path.rsplit('/', 1)[1]}"))
    return out


def test_the_generated_policy_allows_every_probe_on_its_arn(
        world: World, passing: tuple[Run, Any], tmp_path: Path) -> None:
    _, calls = passing
    document = generated_policy(world, tmp_path)
    policy = IAMPolicy(json.dumps(document))
    checked = probe_arns(calls, world)
    assert {action for action, _ in checked} >= {f"kinesis:{a}" for a in (
        "DescribeStreamSummary", "ListShards", "GetShardIterator", "GetRecords",
        "DescribeStreamConsumer")} | {"s3:ListBucket", "s3:GetObject", "kms:Decrypt",
        "kinesisvideo:GetDataEndpoint", "connect:DescribeUser", "connect:DescribeContact"}
    refused = [(a, arn) for a, arn in checked
               if policy.is_action_permitted(a, arn) != PermissionResult.PERMITTED]
    assert refused == []
    # ... and the evaluator does look at the resource: another stream is not covered.
    assert policy.is_action_permitted(
        "kinesis:GetRecords", f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/other"
    ) != PermissionResult.PERMITTED


def test_canned_answers_are_what_they_claim() -> None:
    """The proxy's stand-ins carry the codes botocore reads (a guard on the fixture)."""
    denied = rest_error("NotAuthorizedException", "no", 401)
    assert isinstance(denied, Canned) and denied.headers["x-amzn-ErrorType"] == (
        "NotAuthorizedException")


@pytest.mark.parametrize(("decision", "code"), [("implicitDeny", 3), ("allowed", 0)])
def test_simulate_asks_iam_about_what_is_never_tried(world: World, created: Any,
                                                     tmp_path: Path, proxy: FaultProxy,
                                                     decision: str, code: int) -> None:
    proxy.canned["SimulatePrincipalPolicy"] = simulated(decision)
    run = as_identity(tmp_path, world.users["adapter"], proxy, "preflight", "--table", TABLE,
                      "--region", REGION, "--stream", STREAM, "--simulate")
    assert run.code == code, run.stdout
    stream = next(r for r in rows(run, "stream"))
    asked = [c for c in proxy.calls if c.operation == "SimulatePrincipalPolicy"]
    assert len(asked) == len(stream["not_tried"]) + 1  # PutRecord, DescribeStream; metrics
    assert any(c.operation == "GetCallerIdentity" for c in proxy.calls)
    if decision == "allowed":
        assert stream["status"] == "ok"
        assert "simulator allows kinesis:PutRecord" in stream["message"]
        assert "kinesis:PutRecord" in stream["not_tried"]  # simulated is not tried
    else:
        assert stream["status"] == "denied"
        assert "kinesis:PutRecord" in stream["message"]
        assert "policy simulator" in stream["message"]
