"""`lease-tables preflight` end to end, against a moto_server that enforces IAM.

The server is started with INITIAL_NO_AUTH_ACTION_COUNT=3: the first three
requests (CreateUser, PutUserPolicy, CreateAccessKey of an administrator) go
through unchecked; from then on every request must be signed with an access key
created through that server's IAM, and is checked against the caller's policies.
The administrator then creates the lease tables, seeds them with lease items, and
creates one adapter user per policy under test.

What moto 5.2 does with IAM for DynamoDB (checked by experiment, and in
moto/iam/access_control.py and moto/core/responses.py):
- Every DynamoDB request is evaluated against the resource "*": moto's DynamoDB
  handler does not work out the table ARN. A statement whose Resource is a table
  ARN therefore matches nothing: an Allow on table ARNs allows nothing (every call
  is denied), and a Deny on table ARNs denies nothing. The adapter policies below
  therefore name Resource "*", where `lease-tables policy` names each table's ARN.
  Real IAM matches the ARNs; only the resource matching is widened here.
- An explicit Deny with Resource "*" beats any Allow, as in AWS.
- Access denied comes back as HTTP 403 with an IAM-style XML body
  (<Code>AccessDenied</Code>, "User: arn:... is not authorized to perform:
  dynamodb:Scan"), which botocore cannot parse for a JSON protocol: the error code
  botocore reports is "403". That is the "bare HTTP 403" case, so these tests also
  prove that phrasing is recognised. The other phrasings real endpoints use
  (AccessDeniedException, UnrecognizedClientException) are injected by the
  recording proxy below.
- An unknown access key answers 403 with <Code>InvalidClientTokenId</Code>.
- Authorisation happens before the operation, as in AWS: a denied CreateTable
  never reaches the table code; an allowed one on an existing table answers
  ResourceInUseException. PutItem, UpdateItem and DeleteItem with the condition
  attribute_exists(leaseKey) on an absent key answer ConditionalCheckFailedException.
- moto makes tables ACTIVE at once, so the not-ACTIVE path is shown by having the
  proxy answer DescribeTable with a CREATING table.

Every call the CLI makes goes through a recording HTTP proxy on 127.0.0.1 that
forwards requests byte for byte (the Host header too, so SigV4 signatures still
match) and keeps each operation name (X-Amz-Target) and JSON body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from inline_snapshot import snapshot as pinned

from lease_tables.preflight.answers import denial_text, denied_principal
from lease_tables.preflight.run import PreflightRun, verdict
from lease_tables.preflight.streams import STREAM_ACTIONS as STREAM_PROBES
from lease_tables.preflight.tables import CALLED_ACTIONS, IMPOSSIBLE_CONDITION, PROBE_KEY_PREFIX
from tests.conftest import (
    REGION,
    SAMPLE_CONF,
    MotoServer,
    Run,
    clean_env,
    run_cli,
    start_moto,
    stop,
)
from tests.faultproxy import Canned, FaultProxy, described, hanging

ACCOUNT = "123456789012"
CONF_TABLES = ("verintAgentEvents_verintris.2", "verintCTREvents")  # sample_conf, host verintris
EXTRA_TABLE = "verintQueueEvents"
LEASE_TABLES = (*CONF_TABLES, EXTRA_TABLE)
WRONG_KEY_TABLE = "verintWrongKey"
GHOST_TABLE = "verintGhostEvents"
SELECTION = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris", "--table", EXTRA_TABLE]
WRITE_PROBES = ("PutItem", "UpdateItem", "DeleteItem")

STREAM_ACTIONS = ["kinesis:DescribeStreamSummary", "kinesis:GetRecords",
                  "kinesis:GetShardIterator", "kinesis:ListShards"]
SAMPLE_STREAMS = ("connect-agent-events", "connect-ctr-stream")  # what sample_conf names
KCL_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
               "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"]


def adapter_policy(actions: list[str], deny_create: bool = True,
                   allow_create: bool = False) -> dict[str, Any]:
    """The adapter policy (`lease-tables policy --role adapter`, docs/security.md).

    Resource is "*" instead of the table ARNs only because moto matches every
    DynamoDB request against "*" (see the module docstring).
    """
    allowed = [*actions, "dynamodb:CreateTable"] if allow_create else list(actions)
    statements: list[dict[str, Any]] = [
        {"Sid": "KclLeaseTables", "Effect": "Allow", "Action": allowed, "Resource": "*"},
        # The streams sample_conf names: preflight probes them with no option.
        {"Sid": "KinesisStreamRead", "Effect": "Allow", "Action": STREAM_ACTIONS,
         "Resource": "*"},
    ]
    if deny_create:
        statements.append({"Sid": "NoTableCreation", "Effect": "Deny",
                           "Action": "dynamodb:CreateTable", "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


ADAPTER_POLICIES = {
    "ris-adapter": adapter_policy(KCL_ACTIONS),
    "no-scan": adapter_policy([a for a in KCL_ACTIONS if a != "dynamodb:Scan"]),
    "no-create-deny": adapter_policy(KCL_ACTIONS, deny_create=False, allow_create=True),
    "no-describe": adapter_policy([a for a in KCL_ACTIONS if a != "dynamodb:DescribeTable"],
                                  deny_create=False, allow_create=True),
}


# ---------------------------------------------------------------- the IAM world

@dataclass
class IamWorld:
    """A moto_server with IAM enforced, its tables and its users' access keys."""

    server: MotoServer
    admin_keys: dict[str, str]
    users: dict[str, dict[str, str]] = field(default_factory=dict)

    def admin(self, service: str = "dynamodb") -> Any:
        return client(service, self.server.url, self.admin_keys)


def client(service: str, url: str, keys: dict[str, str]) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=url,
                        aws_access_key_id=keys["AccessKeyId"],
                        aws_secret_access_key=keys["SecretAccessKey"])


def create_lease_table(dynamodb: Any, name: str, key: str = "leaseKey") -> None:
    dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10})


def seed_leases(dynamodb: Any, name: str) -> None:
    """Leases as KCL writes them: what preflight must leave exactly as they are."""
    for shard, counter in (("shardId-000000000000", 7), ("shardId-000000000001", 3)):
        dynamodb.put_item(TableName=name, Item={
            "leaseKey": {"S": shard},
            "checkpoint": {"S": "49590338271490256608559692538361571095921575989136588898"},
            "leaseCounter": {"N": str(counter)}, "leaseOwner": {"S": "verintris-worker-1"},
            "ownerSwitchesSinceCheckpoint": {"N": "0"},
        })


@pytest.fixture(scope="module")
def iam_world() -> Iterator[IamWorld]:
    server = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    try:
        bootstrap = client("iam", server.url, {"AccessKeyId": "bootstrap",
                                               "SecretAccessKey": "bootstrap"})
        bootstrap.create_user(UserName="lease-admin")  # unchecked request 1 of 3
        bootstrap.put_user_policy(UserName="lease-admin", PolicyName="admin",  # 2 of 3
                                  PolicyDocument=json.dumps({
                                      "Version": "2012-10-17",
                                      "Statement": [{"Effect": "Allow", "Action": "*",
                                                     "Resource": "*"}]}))
        admin_keys = bootstrap.create_access_key(UserName="lease-admin")["AccessKey"]  # 3 of 3
        world = IamWorld(server, admin_keys)
        iam = world.admin("iam")
        for user, policy in ADAPTER_POLICIES.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="lease-tables-adapter",
                                PolicyDocument=json.dumps(policy))
            world.users[user] = iam.create_access_key(UserName=user)["AccessKey"]
        dynamodb = world.admin()
        for name in LEASE_TABLES:
            create_lease_table(dynamodb, name)
            seed_leases(dynamodb, name)
        create_lease_table(dynamodb, WRONG_KEY_TABLE, key="id")
        kinesis = world.admin("kinesis")
        for stream in SAMPLE_STREAMS:
            kinesis.create_stream(StreamName=stream, ShardCount=1)
        yield world
    finally:
        stop(server.process)


@pytest.fixture(scope="module")
def before(iam_world: IamWorld) -> dict[str, Any]:
    """The server's tables and items before any preflight ran."""
    return snapshot(iam_world.admin())


@pytest.fixture()
def proxy(iam_world: IamWorld) -> Iterator[FaultProxy]:
    recorder = FaultProxy(iam_world.server.url).start()
    yield recorder
    recorder.close()


def snapshot(dynamodb: Any) -> dict[str, Any]:
    """Every table's name and every item, in a comparable order."""
    names = sorted(dynamodb.list_tables()["TableNames"])
    state: dict[str, Any] = {}
    for name in names:
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name,
                                                            ConsistentRead=True):
            items.extend(page["Items"])
        state[name] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return state


def preflight(tmp_path: Path, proxy: FaultProxy, keys: dict[str, str] | None,
              *args: str, **env_extra: str) -> Run:
    """Run the CLI as the operator would: the adapter's keys in a named profile."""
    env_extra.setdefault("AWS_DEFAULT_REGION", REGION)
    if keys is not None:
        credentials = tmp_path / "credentials"
        credentials.write_text(
            f"[ris-adapter]\naws_access_key_id = {keys['AccessKeyId']}\n"
            f"aws_secret_access_key = {keys['SecretAccessKey']}\n", encoding="utf-8")
        env_extra["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials)
        args = (*args, "--profile", "ris-adapter")
    env = clean_env(tmp_path, **env_extra)
    return run_cli(["preflight", *args, "--endpoint-url", proxy.url], env)


def assert_only_safe_calls(proxy: FaultProxy) -> None:
    """The allow-list: DynamoDB calls of preflight only, and no write that could hold."""
    assert proxy.calls, "preflight made no call at all"
    keys: set[str] = set()
    described: set[str] = set()
    for call in proxy.calls:
        assert call.operation in (*CALLED_ACTIONS, *STREAM_PROBES), call
        body = call.body
        if call.operation == "DescribeTable":
            described.add(body["TableName"])
        if call.operation in (*WRITE_PROBES, "GetItem"):
            key = body["Item"] if call.operation == "PutItem" else body["Key"]
            assert list(key) == ["leaseKey"], call
            assert key["leaseKey"]["S"].startswith(PROBE_KEY_PREFIX), call
            keys.add(key["leaseKey"]["S"])
        if call.operation in WRITE_PROBES:
            assert body["ConditionExpression"] == IMPOSSIBLE_CONDITION, call
            assert "ReturnValuesOnConditionCheckFailure" not in body, call
        if call.operation == "PutItem":
            assert body["Item"] == {"leaseKey": body["Item"]["leaseKey"]}, call
        if call.operation == "Scan":
            assert body["Limit"] == 1, call
        if call.operation == "CreateTable":
            assert body["TableName"] in described, call
    assert len(keys) <= 1, f"one probe key per run, got {keys}"


def assert_nothing_changed(iam_world: IamWorld, before: dict[str, Any]) -> None:
    assert snapshot(iam_world.admin()) == before


def verdict_line(run: Run) -> str:
    return run.stdout.rstrip("\n").splitlines()[-1]


def table_lines(run: Run) -> list[str]:
    """The lease tables' rows of a text run (the streams' and CloudWatch's apart)."""
    return [line for line in run.stdout.splitlines()[:-1]
            if line.split()[1:2] and line.split()[1] in LEASE_TABLES]


# ---------------------------------------------------------------- the cases

def test_the_spec_adapter_policy_passes(tmp_path: Path, iam_world: IamWorld,
                                        before: dict[str, Any], proxy: FaultProxy) -> None:
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], *SELECTION)

    assert run.code == 0, run
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in table_lines(run)] == ["ok"] * 3
    # The streams the file names were probed with no option, each its own row.
    assert [[line.split()[0], line.split()[2]] for line in lines[:-1]
            if line.split()[1:2] == ["stream"]] == [
        ["ok", stream] for stream in SAMPLE_STREAMS]
    assert sorted(proxy.streams_called("ListShards")) == sorted(SAMPLE_STREAMS)
    assert verdict_line(run) == (
        f"PREFLIGHT PASSED: the identity arn:aws:iam::{ACCOUNT}:user/ris-adapter can use all "
        f"3 lease tables and cannot create tables; and its other resources "
        f"(2 streams, 1 metrics grant) answer as the adapter needs; retrieval proven: "
        f"polling only; enhanced fan-out, KCL's default retrieval, would still need its "
        f"consumers registered (`lease-tables create --enhanced-fan-out`) and "
        f"kinesis:DescribeStreamConsumer and SubscribeToShard granted: rerun preflight with "
        f"--enhanced-fan-out unless the adapter sets retrievalMode POLLING; not tried by "
        f"design (they would write or disturb the adapter; --simulate asks IAM): "
        f"cloudwatch:PutMetricData, kinesis:DescribeStream, kinesis:PutRecord (exit 0).")
    # Every table got every probe, CreateTable included (refused by the Deny); KCL 2
    # has no index, so no Query.
    for action in CALLED_ACTIONS:
        expected = [] if action == "Query" else sorted(LEASE_TABLES)
        assert sorted(proxy.tables_called(action)) == expected, action
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)


def test_json_output_is_only_the_spec_object(tmp_path: Path, iam_world: IamWorld,
                                             before: dict[str, Any],
                                             proxy: FaultProxy) -> None:
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], *SELECTION,
                    "--output", "json")

    assert run.code == 0, run
    document = run.json()
    assert set(document) == {"ok", "tables", "endpoint"} and document["ok"] is True
    leases = [t for t in document["tables"] if t["role"] == "lease"]
    assert [t["table_name"] for t in leases] == sorted(LEASE_TABLES)
    assert {t["status"] for t in document["tables"]} == {"ok"}
    assert sorted(t["table_name"] for t in document["tables"] if t["role"] == "stream") == [
        *SAMPLE_STREAMS]
    agent = leases[0]
    assert (agent["adapter_kind"], agent["adapter_id"], agent["host_name"],
            agent["host_name_source"]) == ("agent-events", "2", "verintris", "option")
    # The verdict, on stderr, after the note naming the endpoint (not AWS's own) once.
    assert run.stderr.strip().splitlines()[-1].startswith("PREFLIGHT PASSED")
    assert run.stderr.count(proxy.url) == 1
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)


def test_a_policy_without_scan_is_denied_naming_scan(tmp_path: Path, iam_world: IamWorld,
                                                     before: dict[str, Any],
                                                     proxy: FaultProxy) -> None:
    run = preflight(tmp_path, proxy, iam_world.users["no-scan"], *SELECTION, "--output", "json")

    assert run.code == 3, run
    tables = [t for t in run.json()["tables"] if t["role"] == "lease"]
    assert {t["status"] for t in tables} == {"denied"}
    for table in tables:
        assert "may not call dynamodb:Scan on" in table["message"]
        assert "dynamodb:PutItem" not in table["message"]
        assert "lease-tables policy" in table["message"]
    assert "PREFLIGHT FAILED" in run.stderr and "3 denied" in run.stderr
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)


def test_a_policy_that_allows_create_table_passes_with_a_warning(
        tmp_path: Path, iam_world: IamWorld, before: dict[str, Any],
        proxy: FaultProxy) -> None:
    run = preflight(tmp_path, proxy, iam_world.users["no-create-deny"], *SELECTION)

    assert run.code == 0, run
    lines = table_lines(run)
    assert [line.split()[0] for line in lines] == ["create-allowed"] * 3
    for line in lines:
        assert "dynamodb:CreateTable is NOT denied" in line
        assert "`lease-tables policy --role adapter`" in line
    assert verdict_line(run).startswith(
        "PREFLIGHT PASSED WITH A WARNING: the identity of profile ris-adapter can use all 3 "
        "lease tables, but dynamodb:CreateTable is NOT denied to it (seen on 3 of 3 tables)")
    # Every CreateTable reached DynamoDB and was refused only because the table exists.
    assert sorted(proxy.tables_called("CreateTable")) == sorted(LEASE_TABLES)
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)


def test_a_missing_table_is_missing_and_never_created(tmp_path: Path, iam_world: IamWorld,
                                                      before: dict[str, Any],
                                                      proxy: FaultProxy) -> None:
    # The identity that may create tables: a CreateTable call would have made it.
    run = preflight(tmp_path, proxy, iam_world.users["no-create-deny"],
                    "--table", GHOST_TABLE, "--table", EXTRA_TABLE)

    assert run.code == 3, run
    lines = run.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:-1]] == [["missing", GHOST_TABLE],
                                                         ["create-allowed", EXTRA_TABLE]]
    assert "lease-tables create" in lines[0] and "never creates it" in lines[0]
    assert verdict_line(run).startswith(
        "PREFLIGHT FAILED: the identity of profile ris-adapter cannot use 1 of 2")
    ghost_calls = [c.operation for c in proxy.calls if c.body.get("TableName") == GHOST_TABLE]
    assert ghost_calls == ["DescribeTable"]  # and nothing after it
    assert proxy.tables_called("CreateTable") == [EXTRA_TABLE]
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)
    assert GHOST_TABLE not in iam_world.admin().list_tables()["TableNames"]


def test_without_describe_table_nothing_is_created_even_when_allowed(
        tmp_path: Path, iam_world: IamWorld, before: dict[str, Any],
        proxy: FaultProxy) -> None:
    """DescribeTable denied: the item probes still run, CreateTable is never tried."""
    run = preflight(tmp_path, proxy, iam_world.users["no-describe"],
                    "--table", EXTRA_TABLE, "--table", GHOST_TABLE, "--output", "json")

    assert run.code == 3, run
    ghost, extra = run.json()["tables"]
    assert (ghost["status"], extra["status"]) == ("missing", "denied")
    assert "(GetItem said so)" in ghost["message"]
    assert "may not call dynamodb:DescribeTable on" in extra["message"]
    assert "Not tried: dynamodb:CreateTable" in extra["message"]
    assert "dynamodb:CreateTable" in extra["not_tried"]
    assert proxy.tables_called("CreateTable") == []
    assert [c.operation for c in proxy.calls if c.body.get("TableName") == GHOST_TABLE] == [
        "DescribeTable", "GetItem"]
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)
    assert GHOST_TABLE not in iam_world.admin().list_tables()["TableNames"]


def test_rejected_credentials_fail_as_credentials_not_as_policy(
        tmp_path: Path, iam_world: IamWorld, before: dict[str, Any],
        proxy: FaultProxy) -> None:
    unknown = {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "not-a-real-secret"}
    run = preflight(tmp_path, proxy, unknown, "--table", EXTRA_TABLE, "--output", "json")

    assert run.code == 1, run
    (table,) = run.json()["tables"]
    assert table["status"] == "failed"
    assert "InvalidClientTokenId" in table["message"]
    assert "not a permission problem" in table["message"]
    assert "lease-tables policy" not in table["message"]
    assert "not-a-real-secret" not in run.stdout + run.stderr
    assert "AKIAIOSFODNN7EXAMPLE" not in run.stdout + run.stderr
    assert proxy.tables_called("CreateTable") == []
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)


def test_a_table_with_another_key_fails_without_probes(tmp_path: Path, iam_world: IamWorld,
                                                       before: dict[str, Any],
                                                       proxy: FaultProxy) -> None:
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], "--table", WRONG_KEY_TABLE)

    assert run.code == 1, run
    assert run.stdout.split()[:2] == ["failed", WRONG_KEY_TABLE]
    assert "its key is id (S, HASH)" in run.stdout and "drift" in run.stdout
    assert [c.operation for c in proxy.calls] == ["DescribeTable"]
    assert_nothing_changed(iam_world, before)


# ------------------------------------------------- phrasings and states moto does not produce

DENIAL_PHRASINGS = {
    "AccessDeniedException": Canned(400, json.dumps({
        "__type": "com.amazonaws.dynamodb.v20120810#AccessDeniedException",
        "message": f"User: arn:aws:sts::{ACCOUNT}:assumed-role/RisAdapter/i-0abc is not "
                   f"authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:"
                   f"{REGION}:{ACCOUNT}:table/{EXTRA_TABLE} because no identity-based policy "
                   f"allows the dynamodb:Scan action"}).encode()),
    "bare 403": Canned(403, b"", "text/plain"),
}


@pytest.mark.parametrize("phrasing", sorted(DENIAL_PHRASINGS))
def test_access_denied_is_recognised_however_phrased(
        phrasing: str, tmp_path: Path, iam_world: IamWorld, before: dict[str, Any],
        proxy: FaultProxy) -> None:
    proxy.canned["Scan"] = DENIAL_PHRASINGS[phrasing]
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], "--table", EXTRA_TABLE,
                    "--output", "json", AWS_MAX_ATTEMPTS="1")

    assert run.code == 3, run
    (table,) = run.json()["tables"]
    assert table["status"] == "denied"
    assert "may not call dynamodb:Scan on" in table["message"]
    assert_only_safe_calls(proxy)
    assert_nothing_changed(iam_world, before)


def test_a_table_not_active_fails_and_is_not_probed(tmp_path: Path, iam_world: IamWorld,
                                                    proxy: FaultProxy) -> None:
    proxy.canned["DescribeTable"] = Canned(200, json.dumps({"Table": {
        "TableName": EXTRA_TABLE, "TableStatus": "CREATING",
        "KeySchema": [{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "leaseKey", "AttributeType": "S"}],
    }}).encode())
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], "--table", EXTRA_TABLE)

    assert run.code == 1, run
    assert run.stdout.split()[:2] == ["failed", EXTRA_TABLE]
    assert "is CREATING, not ACTIVE" in run.stdout
    assert [c.operation for c in proxy.calls] == ["DescribeTable"]


def test_a_server_error_is_a_failure_exit_1(tmp_path: Path, iam_world: IamWorld,
                                            before: dict[str, Any],
                                            proxy: FaultProxy) -> None:
    proxy.canned["GetItem"] = Canned(500, json.dumps({
        "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "message": "Internal server error"}).encode())
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], "--table", EXTRA_TABLE,
                    AWS_MAX_ATTEMPTS="1")

    assert run.code == 1, run
    assert run.stdout.split()[:2] == ["failed", EXTRA_TABLE]
    assert "GetItem of verintQueueEvents" in run.stdout
    assert [c.operation for c in proxy.calls] == ["DescribeTable", "GetItem"]
    assert_nothing_changed(iam_world, before)


# ---------------------------------------------------------------- plain CLI behaviour

def test_no_credentials_is_one_paragraph_exit_1(tmp_path: Path, iam_world: IamWorld,
                                                proxy: FaultProxy) -> None:
    run = preflight(tmp_path, proxy, None, "--table", EXTRA_TABLE)

    assert run.code == 1, run
    assert "No AWS credentials were found" in run.stderr
    assert "the adapter's own credentials" in run.stderr
    assert proxy.calls == []


def test_version_and_help(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    version = run_cli(["preflight", "--version"], env)
    assert version.code == 0 and version.stdout.startswith("lease-tables ")
    shown = run_cli(["preflight", "--help"], env)
    assert shown.code == 0
    assert "adapter's own" in shown.stdout and "--concurrency" in shown.stdout


# ---------------------------------------------------------------- pure helpers

def test_denial_text_reads_xml_bodies_and_bare_403() -> None:
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>'
           'AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/x is not '
           'authorized to perform: dynamodb:Scan</Message></Error></Errors></ErrorResponse>')
    exc = _client_error("403", xml, 403)
    assert denial_text(exc) == pinned(
        "AccessDenied: User: arn:aws:iam::123456789012:user/x is not "
        "authorized to perform: dynamodb:Scan")
    assert denied_principal(denial_text(exc)) == "arn:aws:iam::123456789012:user/x"
    assert denial_text(_client_error("403", "", 403)) == "HTTP 403"


def test_verdict_names_the_profile_when_no_answer_named_the_identity() -> None:
    from lease_tables.config.naming import LeaseTable
    from lease_tables.model.outcome import OK, TableResult

    run = PreflightRun([TableResult(LeaseTable("verintCTREvents", REGION), OK)])
    assert verdict(run, profile="ris-adapter") == pinned(
        "PREFLIGHT PASSED: the identity of profile ris-adapter can use the lease table "
        "verintCTREvents and cannot create tables (exit 0).")


def _client_error(code: str, message: str, status: int) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "Scan")


# ---------------------------------------------------------------- verdicts from probes run

ITEM_PROBES = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
               "dynamodb:DeleteItem", "dynamodb:Scan"]


@pytest.mark.parametrize("state", ["UPDATING", "CREATING"])
def test_create_table_not_tried_is_not_proven_never_cannot_create(
        tmp_path: Path, iam_world: IamWorld, before: dict[str, Any], proxy: FaultProxy,
        state: str) -> None:
    """An identity that CAN create tables, its table not ACTIVE: CreateTable is not tried,
    so the row is failed (exit 1) and the verdict says "not proven", never "cannot create"."""
    proxy.canned[("DescribeTable", EXTRA_TABLE)] = described(EXTRA_TABLE, state)
    run = preflight(tmp_path, proxy, iam_world.users["no-create-deny"], "--table", EXTRA_TABLE)
    as_json = preflight(tmp_path, proxy, iam_world.users["no-create-deny"],
                        "--table", EXTRA_TABLE, "--output", "json")

    assert (run.code, as_json.code) == (1, 1), run
    (row,) = as_json.json()["tables"]
    assert row["status"] == "failed"
    assert "dynamodb:CreateTable" in row["not_tried"]
    assert "Not tried: " in row["message"] and "dynamodb:CreateTable" in row["message"]
    assert "rerun preflight when the table is" in row["message"]
    assert "preflight when the table is ACTIVE" in row["message"]
    last = verdict_line(run)
    assert last.startswith("PREFLIGHT FAILED: not proven for the lease table"), last
    assert "dynamodb:CreateTable on verintQueue" in last
    assert "on verintQueueEvents not tried" in last
    assert "rerun preflight when the table is" in last
    assert "preflight when the table is ACTIVE" in last
    for text in (run.stdout, run.stderr, as_json.stdout, as_json.stderr):
        assert "cannot create tables (" not in text and "PASSED" not in text
    assert "CreateTable" not in proxy.operations()
    assert_nothing_changed(iam_world, before)


def test_every_row_names_what_did_not_run(tmp_path: Path, iam_world: IamWorld,
                                          proxy: FaultProxy) -> None:
    """not_tried on every row: empty when all ran; a probe that failed stops the rest,
    which are named, and the verdict is "not proven", naming them and when to rerun."""
    proxy.canned[("GetItem", EXTRA_TABLE)] = Canned(500, json.dumps({
        "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "message": "Internal server error"}).encode())
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], *SELECTION,
                    "--output", "json", AWS_MAX_ATTEMPTS="1")

    assert run.code == 1, run
    rows = {t["table_name"]: t for t in run.json()["tables"]}
    assert [rows[t]["not_tried"] for t in CONF_TABLES] == [[], []]
    assert [rows[t]["status"] for t in CONF_TABLES] == ["ok", "ok"]
    broken = rows[EXTRA_TABLE]
    assert broken["status"] == "failed"
    assert broken["not_tried"] == [*ITEM_PROBES[1:], "dynamodb:CreateTable"]
    assert "rerun preflight once the failure above" in broken["message"]
    assert "once the failure above is fixed" in broken["message"]
    last = run.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("PREFLIGHT FAILED: not proven for 1 of 3 lease tables"), last
    assert "dynamodb:PutItem" in last
    assert "cannot create tables (" not in run.stderr


@pytest.mark.parametrize("hangs", ["DescribeTable", "GetItem"])
def test_a_run_cut_short_names_the_probe_sent_as_unanswered_and_the_rest_as_untried(
        tmp_path: Path, iam_world: IamWorld, proxy: FaultProxy, hangs: str) -> None:
    """--timeout while a probe waits for its answer: no row claims anything; that probe
    was tried (`no_answer`), the ones after it were not (`not_tried`), and one answered
    before it is in neither."""
    proxy.canned[hangs] = hanging()
    run = preflight(tmp_path, proxy, iam_world.users["ris-adapter"], "--table", EXTRA_TABLE,
                    "--output", "json", "--timeout", "2")

    assert run.code == 1, run
    (row,) = run.json()["tables"]
    assert row["status"] == "failed"
    assert row["no_answer"] == [f"dynamodb:{hangs}"]
    after = ITEM_PROBES if hangs == "DescribeTable" else ITEM_PROBES[1:]
    assert row["not_tried"] == [*after, "dynamodb:CreateTable"]
    assert f"Sent, with no answer before the run ended: dynamodb:{hangs}, so it is not " \
           f"proven." in row["message"]
    assert "PREFLIGHT FAILED: not proven" in run.stderr
