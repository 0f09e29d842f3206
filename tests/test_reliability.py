"""Faults on the wire, concurrent and interrupted runs, and the AWS allow-list.

Real servers only: moto_server (tables ACTIVE at once) and dynalite (tables stay
CREATING / DELETING like the real service), with tests/faultproxy.py in front
where the network must misbehave. State is checked on the server directly.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import (
    REGION,
    SAMPLE_CONF,
    aws_env,
    cli_executable,
    run_cli,
    start_cli,
    start_dynalite,
    stop,
)
from tests.faultproxy import DELAY, DROP, ERROR_500, LIMIT, THROTTLE, FaultPlan, FaultProxy

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and node")

ALLOWED = {"DescribeTable", "CreateTable", "ListTables", "TagResource"}


def tables_args(count: int, prefix: str = "leaseTable") -> list[str]:
    args: list[str] = []
    for i in range(count):
        args += ["--table", f"{prefix}{i:03d}"]
    return args


def test_thirty_percent_spoiled_still_creates_all_twenty(moto, tmp_path) -> None:
    plan = FaultPlan(share=0.3, faults=(ERROR_500, THROTTLE, LIMIT, DROP, DELAY), seed=11)
    with FaultProxy(moto.url, plan) as proxy:
        run = run_cli(["create", *tables_args(20), "--region", REGION, "--endpoint-url",
                       proxy.url, "--output", "json"], aws_env(tmp_path), timeout=180)
    assert run.code == 0, run.stdout + run.stderr
    spoiled = [c for c in proxy.calls if c.fault]
    assert len(spoiled) >= 10, "the proxy must really have spoiled requests"
    names = moto.client().list_tables()["TableNames"]
    assert sorted(names) == [f"leaseTable{i:03d}" for i in range(20)]
    for name in names:
        assert moto.client().describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    assert {t["status"] for t in run.json()["tables"]} <= {"created", "exists"}


def test_limit_exceeded_is_queueing_not_failure(moto, tmp_path) -> None:
    """With botocore retries off (AWS_MAX_ATTEMPTS=1), our own back-off must carry it."""
    plan = FaultPlan(share=0.7, faults=(LIMIT,), operations=frozenset({"CreateTable"}), seed=3)
    with FaultProxy(moto.url, plan) as proxy:
        run = run_cli(["create", *tables_args(5), "--region", REGION, "--endpoint-url",
                       proxy.url], aws_env(tmp_path, AWS_MAX_ATTEMPTS="1"), timeout=180)
    assert run.code == 0, run.stdout + run.stderr
    assert sum(c.fault == LIMIT for c in proxy.calls) >= 3
    assert len(moto.client().list_tables()["TableNames"]) == 5


def test_everything_spoiled_fails_in_bounded_time_naming_endpoint_table_error(
        moto, tmp_path) -> None:
    plan = FaultPlan(share=1.0, faults=(ERROR_500, THROTTLE, DROP), seed=5)
    with FaultProxy(moto.url, plan) as proxy:
        started = time.monotonic()
        run = run_cli(["create", "--table", "leasesDoomed", "--region", REGION,
                       "--endpoint-url", proxy.url, "--output", "json"], aws_env(tmp_path),
                      timeout=120)
        elapsed = time.monotonic() - started
    assert run.code == 1
    assert elapsed < 90  # docs/errors.md's stated bound with default retry settings
    [table] = run.json()["tables"]
    assert table["status"] == "failed"
    assert proxy.url.removeprefix("http://") in table["message"]
    assert "leasesDoomed" in table["message"]
    last = proxy.calls[-1].fault
    expected = {ERROR_500: "InternalServerError", THROTTLE: "ThrottlingException",
                DROP: "could not connect"}[last]
    assert expected in table["message"]
    # botocore's standard mode made exactly its default number of attempts.
    assert proxy.operations() == ["DescribeTable"] * 6
    assert moto.client().list_tables()["TableNames"] == []


def test_a_failed_create_names_createtable_and_creates_nothing(moto, tmp_path) -> None:
    plan = FaultPlan(share=1.0, faults=(ERROR_500,), operations=frozenset({"CreateTable"}))
    with FaultProxy(moto.url, plan) as proxy:
        run = run_cli(["create", "--table", "leasesRefused", "--region", REGION,
                       "--endpoint-url", proxy.url, "--output", "json"],
                      aws_env(tmp_path, AWS_MAX_ATTEMPTS="1"))
    assert run.code == 1
    [table] = run.json()["tables"]
    assert table["status"] == "failed"
    assert table["message"].startswith(f"CreateTable of leasesRefused in {REGION} at ")
    assert "InternalServerError" in table["message"]
    # No near-twin ListTables for a table that was never created.
    assert proxy.operations() == ["DescribeTable", "CreateTable"]
    assert moto.client().list_tables()["TableNames"] == []


@pytest.mark.parametrize(("variable", "value", "attempts"),
                         [("AWS_MAX_ATTEMPTS", "2", 2), ("AWS_RETRY_MODE", "legacy", 6)])
def test_retry_settings_from_the_environment_are_honoured(moto, tmp_path, variable, value,
                                                          attempts) -> None:
    plan = FaultPlan(share=1.0, faults=(ERROR_500,))
    with FaultProxy(moto.url, plan) as proxy:
        run = run_cli(["verify", "--table", "leasesTuned", "--region", REGION, "--endpoint-url",
                       proxy.url], aws_env(tmp_path, **{variable: value}), timeout=120)
    assert run.code == 1
    if variable == "AWS_MAX_ATTEMPTS":
        assert proxy.operations() == ["DescribeTable"] * attempts
    else:
        # legacy mode with no max_attempts: DynamoDB's legacy policy (10 retries) applies,
        # ours (6 attempts) is not forced on it.
        assert len(proxy.operations()) > attempts


def test_two_runs_at_once_both_succeed(moto, tmp_path) -> None:
    command = [cli_executable(), "create", *tables_args(10), "--region", REGION,
               "--endpoint-url", moto.url]
    env = aws_env(tmp_path)
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outputs
    assert len(moto.client().list_tables()["TableNames"]) == 10
    for out, err in outputs:
        assert "Traceback" not in err and out.count("\n") == 11


@pytest.fixture()
def slow_dynalite():
    server = start_dynalite(create_ms=6000, delete_ms=8000)
    yield server
    stop(server.process)


def test_interrupt_while_waiting_then_rerun_finishes(slow_dynalite, tmp_path) -> None:
    env = aws_env(tmp_path)
    args = ["create", *tables_args(3, "leasesSlow"), "--region", REGION,
            "--endpoint-url", slow_dynalite.url]
    process = start_cli(args, env)
    client = slow_dynalite.client()
    deadline = time.monotonic() + 20
    while len(client.list_tables()["TableNames"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # let the CLI read its CreateTable answers; tables stay CREATING 6 s
    assert client.describe_table(TableName="leasesSlow000")["Table"]["TableStatus"] == "CREATING"
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=15)
    assert process.returncode == 130
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "leasesSlow000" in lines[0] and "safe" in lines[0] and "Traceback" not in err

    rerun = run_cli([*args, "--output", "json"], env, timeout=60)
    assert rerun.code == 0, rerun.stderr
    assert {t["status"] for t in rerun.json()["tables"]} == {"exists"}
    for name in client.list_tables()["TableNames"]:
        assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    assert len(client.list_tables()["TableNames"]) == 3


def test_table_being_deleted_is_failed_with_rerun_advice(slow_dynalite, tmp_path) -> None:
    client = slow_dynalite.client()
    client.create_table(TableName="leasesGoing", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "leaseKey",
                                               "AttributeType": "S"}])
    deadline = time.monotonic() + 20
    while (client.describe_table(TableName="leasesGoing")["Table"]["TableStatus"] != "ACTIVE"
           and time.monotonic() < deadline):
        time.sleep(0.2)
    client.delete_table(TableName="leasesGoing")
    run = run_cli(["create", "--table", "leasesGoing", "--region", REGION, "--endpoint-url",
                   slow_dynalite.url, "--output", "json"], aws_env(tmp_path))
    assert run.code == 1
    [table] = run.json()["tables"]
    assert table["status"] == "failed"
    assert "being deleted" in table["message"] and "once it is gone" in table["message"]


def test_timeout_reports_failed_and_rerun_waits(slow_dynalite, tmp_path) -> None:
    env = aws_env(tmp_path)
    args = ["create", "--table", "leasesLate", "--region", REGION, "--endpoint-url",
            slow_dynalite.url, "--output", "json"]
    # CREATING lasts 6 s: 3 s is past CreateTable even on a loaded machine, never past ACTIVE.
    run = run_cli([*args, "--timeout", "3"], env)
    assert run.code == 1
    [table] = run.json()["tables"]
    assert table["status"] == "failed" and "--timeout" in table["message"]
    rerun = run_cli(args, env)
    assert rerun.code == 0 and rerun.json()["tables"][0]["status"] == "exists"
    described = slow_dynalite.client().describe_table(TableName="leasesLate")["Table"]
    assert described["TableStatus"] == "ACTIVE"


def every_command(folder: Path, endpoint: str) -> list[list[str]]:
    """Every command and mode, for the allow-list and read-only checks."""
    selection = ["--conf-dir", str(folder), "--host-name", "verintris", "--region", REGION]
    aws = ["--endpoint-url", endpoint]
    return [
        ["create", "--dry-run", *selection],
        ["verify", *selection, *aws],
        ["create", *selection, *aws, "--tag", "owner=recording"],
        ["create", *selection, *aws],
        ["verify", *selection, *aws, "--output", "json"],
        ["preflight", *selection, *aws],
        ["policy", *selection, "--account-id", "123456789012"],
        ["policy", *selection, "--account-id", "123456789012", "--role", "provisioner"],
        ["template", *selection, "--format", "cloudformation"],
        ["template", *selection, "--format", "terraform"],
        ["name", "--kind", "connect", "--application-name", "verintCTREvents"],
    ]


def test_only_allowed_aws_operations_are_ever_called(moto, tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        for args in every_command(SAMPLE_CONF, proxy.url):
            if args[0] != "preflight":  # its item probes are checked on their own below
                run_cli(args, aws_env(tmp_path))
    operations = set(proxy.operations())
    assert operations, "the proxy recorded nothing: the test would prove nothing"
    assert operations <= ALLOWED, operations - ALLOWED
    assert {"DescribeTable", "CreateTable"} <= operations


def test_update_table_is_sent_only_with_add_index(moto, tmp_path) -> None:
    """The one update the product makes: only `create --add-index`, and only the index."""
    selection = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris", "--region", REGION]
    env = aws_env(tmp_path)
    with FaultProxy(moto.url) as proxy:
        assert run_cli(["create", *selection, "--endpoint-url", proxy.url], env).code == 0
        for args in every_command(SAMPLE_CONF, proxy.url):
            if args[0] in {"create", "verify"}:  # KCL 3 over the KCL 2 tables: drift
                run_cli([*args, "--kcl", "3.0"], env)
        before_add = set(proxy.operations())
        proxy.clear()
        added = run_cli(["create", *selection, "--kcl", "3.0", "--add-index",
                         "--endpoint-url", proxy.url], env)
    assert before_add <= ALLOWED, before_add - ALLOWED
    assert added.code == 0, added.stderr
    assert set(proxy.operations()) <= ALLOWED | {"UpdateTable"}
    updates = [c.body for c in proxy.calls if c.operation == "UpdateTable"]
    assert sorted(u["TableName"] for u in updates) == [
        "verintAgentEvents_verintris.2", "verintCTREvents"]
    for update in updates:
        assert set(update) == {"TableName", "AttributeDefinitions",
                               "GlobalSecondaryIndexUpdates"}
        (change,) = update["GlobalSecondaryIndexUpdates"]
        assert list(change) == ["Create"]
        assert change["Create"]["IndexName"] == "LeaseOwnerToLeaseKeyIndex"


def sample_streams(moto) -> None:
    """The Kinesis streams sample_conf's adapters name, in their region."""
    import boto3

    kinesis = boto3.client("kinesis", region_name=REGION, endpoint_url=moto.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    for stream in ("connect-agent-events", "connect-ctr-stream"):
        kinesis.create_stream(StreamName=stream, ShardCount=1)


def test_preflight_writes_only_through_impossible_conditions(moto, tmp_path) -> None:
    """preflight's item probes are the only item calls any command makes, and none can write."""
    selection = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris", "--region", REGION]
    assert run_cli(["create", *selection, "--endpoint-url", moto.url], aws_env(tmp_path)).code == 0
    client = moto.client()
    client.put_item(TableName="verintCTREvents", Item={"leaseKey": {"S": "shardId-0"}})
    sample_streams(moto)
    with FaultProxy(moto.url) as proxy:
        run = run_cli(["preflight", *selection, "--endpoint-url", proxy.url], aws_env(tmp_path))
    assert run.code == 0, run.stdout + run.stderr  # moto allows CreateTable: create-allowed
    probes = {"GetItem", "Scan", "PutItem", "UpdateItem", "DeleteItem"}
    # The streams the file names are read too, each by a call that writes nothing.
    reads = {"DescribeStreamSummary", "ListShards", "GetShardIterator", "GetRecords"}
    assert set(proxy.operations()) == ALLOWED & {"DescribeTable", "CreateTable"} | probes | reads
    for call in proxy.calls:
        if call.operation in {"PutItem", "UpdateItem", "DeleteItem"}:
            assert call.body["ConditionExpression"] == "attribute_exists(leaseKey)"
            key = call.body.get("Key") or call.body.get("Item")
            assert key["leaseKey"]["S"].startswith("lease-tables-preflight-")
    assert client.scan(TableName="verintCTREvents")["Items"] == [
        {"leaseKey": {"S": "shardId-0"}}]
    assert client.scan(TableName="verintAgentEvents_verintris.2")["Items"] == []


def test_configuration_folder_untouched_by_every_command(moto, tmp_path) -> None:
    import shutil

    folder = tmp_path / "Conf"
    shutil.copytree(SAMPLE_CONF, folder)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    sample_streams(moto)  # preflight probes the streams the folder's file names
    codes = [run_cli(args, aws_env(tmp_path)).code for args in every_command(folder, moto.url)]
    # Each command really read the folder and ran (verify before create: missing, 3),
    # so an unchanged folder means something; failing at start would leave it unchanged too.
    assert codes == [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0], codes
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before


FAKE_KEY = "AKIALEASETABLESFAKE7"
FAKE_SECRET = "LeaseTablesFakeSecret/DoNotPrint+0123456789"


def test_credentials_never_appear_even_in_verbose_logs(moto, tmp_path) -> None:
    env = aws_env(tmp_path)
    env.update(AWS_ACCESS_KEY_ID=FAKE_KEY, AWS_SECRET_ACCESS_KEY=FAKE_SECRET,
               AWS_SESSION_TOKEN="FakeSessionTokenLeaseTables0123456789")
    outputs = []
    for args in (["create", "--verbose"], ["create", "--verbose"], ["verify", "-v"],
                 ["verify", "-v", "--output", "json"]):
        run = run_cli([*args, "--conf-dir", str(SAMPLE_CONF), "--region", REGION,
                       "--endpoint-url", moto.url], env)
        outputs.append(run.stdout + run.stderr)
    unreachable = run_cli(["create", "-v", "--table", "leasesX", "--region", REGION,
                           "--endpoint-url", "http://127.0.0.1:9"],
                          {**env, "AWS_MAX_ATTEMPTS": "1"})
    outputs.append(unreachable.stdout + unreachable.stderr)
    text = "\n".join(outputs)
    assert "DEBUG" in text and "DescribeTable" in text, "verbose logging must really be on"
    assert "(attempt 1)" in text and "no answer (EndpointConnectionError)" in text
    assert "Authorization" not in text and "Signature" not in text  # no headers at all
    for secret in (FAKE_KEY, FAKE_SECRET, "FakeSessionTokenLeaseTables0123456789"):
        assert secret not in text
