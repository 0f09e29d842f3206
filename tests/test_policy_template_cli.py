"""End to end: the installed `lease-tables policy` and `template`, and proof that the
provisioner policy covers every call `create` and `verify` really send to a
moto_server (recorded by a proxy on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cfnlint.api import ManualArgs, lint

from lease_tables import __version__
from tests.conftest import SAMPLE_CONF, MotoServer, aws_env, clean_env, run_cli
from tests.faultproxy import FaultProxy
from tests.policy_helpers import AGENT, CONNECT, Ad, arn, unexplained, write_conf

ACCOUNT = "123456789012"  # moto's default account, so recorded ARNs line up
SAMPLE = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris"]


def fleet(tmp_path: Path) -> list[str]:
    """Two folders: a shared connect table, per-adapter regions. The agent-events adapters
    are all in the one folder --host-name names (one --host-name over two servers' folders
    is refused: it would merge their tables)."""
    one = write_conf(tmp_path / "ris1" / "Conf", [
        Ad("1", CONNECT, "verintCTREvents", "us-east-1"),
        Ad("2", AGENT, "verintAgentEvents", "us-east-1"),
        Ad("7", AGENT, "euAgentEvents", "eu-west-1"),
        Ad("3", AGENT, "verintAgentEvents", None),
    ])
    two = write_conf(tmp_path / "ris2" / "conf", [
        Ad("1", CONNECT, "verintCTREvents", "us-east-1"),
    ])
    return ["--conf-dir", str(one), "--conf-dir", str(two), "--host-name", "verintris"]


FLEET_TABLES = {("verintCTREvents", "us-east-1"), ("verintAgentEvents_verintris.2", "us-east-1"),
                ("euAgentEvents_verintris.7", "eu-west-1"),
                ("verintAgentEvents_verintris.3", "ap-south-1")}


def one_paragraph_error(stderr: str) -> None:
    assert stderr.startswith("error: ")
    assert "\n\n" not in stderr.strip() and len(stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ policy


def test_adapter_policy_for_the_sample(tmp_path: Path) -> None:
    """The file alone: its streams are in the adapter's policy with no option, and a note
    names what neither the file nor an option told (enhanced fan-out among it)."""
    run = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    leases = [arn("us-east-1", ACCOUNT, "verintAgentEvents_verintris.2"),
              arn("us-east-1", ACCOUNT, "verintCTREvents")]
    lease_access = {"Sid": "LeaseTableAccess", "Effect": "Allow",
                    "Action": ["dynamodb:DeleteItem", "dynamodb:DescribeTable",
                               "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan",
                               "dynamodb:UpdateItem"],
                    "Resource": leases}
    deny = {"Sid": "DenyCreateTable", "Effect": "Deny", "Action": ["dynamodb:CreateTable"],
            "Resource": ["*"]}
    assert run.json() == {
        "Version": "2012-10-17",
        "Statement": [
            lease_access,
            {"Sid": "KinesisStreamRead", "Effect": "Allow",
             "Action": ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
                        "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards",
                        "kinesis:PutRecord"],
             "Resource": [f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/connect-agent-events",
                          f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/connect-ctr-stream"]},
            {"Sid": "CloudWatchKclMetrics", "Effect": "Allow",
             "Action": ["cloudwatch:PutMetricData"], "Resource": ["*"],
             "Condition": {"StringEquals": {"cloudwatch:namespace": [
                 "verintAgentEvents_verintris.2", "verintCTREvents"]}}},
            deny,
        ],
    }
    notes = run.stderr.splitlines()
    assert notes[0].startswith("note: stream connect-agent-events")
    assert "IntegrationService.xml" in notes[0]
    assert notes[-1].startswith("note: not covered")
    for option in ("--enhanced-fan-out", "--bucket", "--kms-key", "--video-stream",
                   "--connect-instance", "--cloudwatch-logs"):
        assert option in notes[-1]
    assert "polling only" in notes[-1]

    narrow = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, "--lease-tables-only"],
                     clean_env(tmp_path))
    assert narrow.code == 0, narrow.stderr
    assert narrow.json() == {"Version": "2012-10-17", "Statement": [lease_access, deny]}
    assert narrow.stderr.startswith("note: this is the lease-table policy only "
                                    "(--lease-tables-only)")
    assert "connect-ctr-stream" in narrow.stderr

    both = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, "--lease-tables-only",
                    "--stream", "other"], clean_env(tmp_path))
    assert both.code == 2 and "--lease-tables-only" in both.stderr and both.stdout == ""


def test_each_table_arn_is_in_its_own_region(tmp_path: Path) -> None:
    env = clean_env(tmp_path, AWS_DEFAULT_REGION="ap-south-1")
    run = run_cli(["policy", *fleet(tmp_path), "--account-id", ACCOUNT], env)
    assert run.code == 0, run.stderr
    resources = run.json()["Statement"][0]["Resource"]
    assert resources == sorted(arn(region, ACCOUNT, name) for name, region in FLEET_TABLES)


def test_region_option_fills_in_only_for_adapters_without_a_region(tmp_path: Path) -> None:
    """The Region setting, else --region. The adapter's KCL looks for its table
    in its own Region, so that is where the adapter's permission must point."""
    # (A region of the same partition: one document never mixes partitions.)
    run = run_cli(["policy", *fleet(tmp_path), "--account-id", ACCOUNT,
                   "--region", "ca-central-1"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    resources = run.json()["Statement"][0]["Resource"]
    expected = {(name, "ca-central-1" if name == "verintAgentEvents_verintris.3" else region)
                for name, region in FLEET_TABLES}  # only adapter 3 has no Region setting
    assert resources == sorted(arn(region, ACCOUNT, name) for name, region in expected)


def test_the_profiles_region_is_the_last_resort(tmp_path: Path) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile recording]\nregion = us-gov-west-1\n")
    env = clean_env(tmp_path, AWS_CONFIG_FILE=str(config))
    run = run_cli(["policy", "--table", "handMade1", "--account-id", ACCOUNT,
                   "--profile", "recording", "--role", "provisioner"], env)
    assert run.code == 0, run.stderr
    assert run.json()["Statement"][0]["Resource"] == [
        "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/handMade1"]


@pytest.mark.parametrize(("args", "words"), [
    (["--table", "t-one"], "--account-id is required"),
    (["--table", "t-one", "--account-id", "12345678901"], "exactly 12 digits"),
    (["--table", "t-one", "--account-id", "1234-5678-9012"], "exactly 12 digits"),
    (["--table", "t-one", "--account-id", ACCOUNT], "No AWS region is known for t-one"),
    (["--table", "t-one", "--account-id", ACCOUNT, "--region", "us-east1"], "region code"),
    (["--table", "t-one", "--account-id", ACCOUNT, "--region", "us-east-1",
      "--role", "provisioner", "--tag", "novalue"], "KEY=VALUE"),
    (["--table", "x", "--account-id", ACCOUNT, "--region", "us-east-1"], "not a valid"),
])
def test_policy_input_errors_exit_2_in_one_paragraph(tmp_path: Path, args: list[str],
                                                     words: str) -> None:
    run = run_cli(["policy", *args], clean_env(tmp_path))
    assert run.code == 2
    assert run.stdout == ""
    one_paragraph_error(run.stderr)
    assert words in run.stderr


def test_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    run = run_cli(["policy", "--table", "t-one", "--account-id", ACCOUNT, "--role", "admin"],
                  clean_env(tmp_path, AWS_REGION="us-east-1"))
    assert run.code == 2 and run.stdout == ""


def test_tags_with_the_adapter_role_only_warn(tmp_path: Path) -> None:
    base = ["policy", *SAMPLE, "--account-id", ACCOUNT]
    plain = run_cli(base, clean_env(tmp_path))
    tagged = run_cli([*base, "--tag", "owner=rec"], clean_env(tmp_path))
    assert tagged.code == 0 and tagged.stdout == plain.stdout
    assert "warning: --tag only changes the" in tagged.stderr
    assert "--tag only changes the provisioner" in tagged.stderr


def test_policy_output_is_byte_stable(tmp_path: Path) -> None:
    args = ["policy", *fleet(tmp_path), "--account-id", ACCOUNT, "--role", "provisioner",
            "--tag", "b=2", "--tag", "a=1"]
    env = clean_env(tmp_path, AWS_REGION="ap-south-1")
    first, second = run_cli(args, env), run_cli(args, env)
    assert first.code == 0 and first.stdout == second.stdout
    assert first.stdout == json.dumps(json.loads(first.stdout), indent=2, sort_keys=True) + "\n"


# ------------------------------------------------------------------ provisioner completeness


def _record_create_and_verify(tmp_path: Path, moto: MotoServer, selection: list[str],
                              tags: list[str]) -> FaultProxy:
    # A hand-made near twin, so the hint path (ListTables) has something to find.
    moto.client("us-east-1").create_table(
        TableName="verintAgentEvents_VERINTRIS.2",
        KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    env = aws_env(tmp_path, AWS_DEFAULT_REGION="ap-south-1")
    with FaultProxy(moto.url) as proxy:
        # verify before (all missing: exit 3, ListTables for hints), create, create
        # again (all exist), verify after (all fine).
        steps = ((["verify"], 3), (["create", *tags], 0), (["create", *tags], 0),
                 (["verify"], 0))
        for command, code in steps:
            run = run_cli([*command, *selection, "--endpoint-url", proxy.url,
                           "--output", "json"], env)
            assert run.code == code, run.stderr
    return proxy


@pytest.mark.parametrize("tags", [[], ["--tag", "owner=recording", "--tag", "env=prod"]],
                         ids=["default options", "with tags"])
def test_provisioner_policy_allows_every_call_create_and_verify_send(
        tmp_path: Path, moto: MotoServer, tags: list[str]) -> None:
    selection = fleet(tmp_path)
    proxy = _record_create_and_verify(tmp_path, moto, selection, tags)
    calls = proxy.calls
    # The recording saw the whole job, across regions, or proving it would mean little.
    assert {"CreateTable", "DescribeTable", "ListTables"} <= set(proxy.operations())
    assert {c.region for c in calls} == {"us-east-1", "eu-west-1", "ap-south-1"}
    created = {(c.table_name, c.region) for c in calls if c.operation == "CreateTable"}
    assert created == FLEET_TABLES
    creates = [c for c in calls if c.operation == "CreateTable"]
    assert all(bool(c.body.get("Tags")) == bool(tags) for c in creates)

    env = clean_env(tmp_path, AWS_DEFAULT_REGION="ap-south-1")
    policy = run_cli(["policy", *selection, "--account-id", ACCOUNT, "--role", "provisioner",
                      *tags], env).json()
    assert unexplained(calls, policy, ACCOUNT) == []

    # The same check does fail for a policy that is short of something.
    adapter = run_cli(["policy", *selection, "--account-id", ACCOUNT], env).json()
    assert any(m.startswith("dynamodb:CreateTable") for m in unexplained(calls, adapter, ACCOUNT))
    if tags:
        untagged = run_cli(["policy", *selection, "--account-id", ACCOUNT,
                            "--role", "provisioner"], env).json()
        missing = unexplained(calls, untagged, ACCOUNT)
        assert missing and all(m.startswith("dynamodb:TagResource") for m in missing)


@pytest.mark.parametrize("version", ["3.0", "3.5"])
def test_kcl_3_provisioner_policy_allows_every_call_create_and_verify_send(
        tmp_path: Path, moto: MotoServer, version: str) -> None:
    selection = fleet(tmp_path)
    kcl = ["--kcl", version]
    tags = ["--tag", "owner=recording"]
    env = aws_env(tmp_path, AWS_DEFAULT_REGION="ap-south-1")
    with FaultProxy(moto.url) as proxy:
        for command in (["create", *tags], ["verify"]):
            run = run_cli([*command, *selection, *kcl, "--endpoint-url", proxy.url], env)
            assert run.code == 0, run.stderr
    created = {c.table_name for c in proxy.calls if c.operation == "CreateTable"}
    companions = {n for n in created if n.endswith(("-CoordinatorState", "-WorkerMetricStats"))}
    assert len(companions) == (2 * len(FLEET_TABLES) if version == "3.0" else 0)
    plain = clean_env(tmp_path, AWS_DEFAULT_REGION="ap-south-1")
    policy = run_cli(["policy", *selection, "--account-id", ACCOUNT, "--role", "provisioner",
                      *tags, *kcl], plain).json()
    assert unexplained(proxy.calls, policy, ACCOUNT) == []
    if version == "3.0":  # the KCL 2 policy knows nothing of the companion tables
        kcl_2 = run_cli(["policy", *selection, "--account-id", ACCOUNT, "--role",
                         "provisioner", *tags], plain).json()
        assert unexplained(proxy.calls, kcl_2, ACCOUNT)


def test_moto_sees_the_tags_the_provisioner_policy_was_written_for(
        tmp_path: Path, moto: MotoServer) -> None:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION="us-east-1")
    run = run_cli(["create", "--table", "tagged1", "--tag", "owner=rec", "--endpoint-url",
                   moto.url], env)
    assert run.code == 0, run.stderr
    client = moto.client("us-east-1")
    table_arn = client.describe_table(TableName="tagged1")["Table"]["TableArn"]
    assert table_arn == arn("us-east-1", ACCOUNT, "tagged1")
    assert client.list_tags_of_resource(ResourceArn=table_arn)["Tags"] == [
        {"Key": "owner", "Value": "rec"}]


# ------------------------------------------------------------------ template


def test_cloudformation_for_a_multi_region_fleet(tmp_path: Path) -> None:
    env = clean_env(tmp_path, AWS_DEFAULT_REGION="ap-south-1")
    run = run_cli(["template", *fleet(tmp_path), "--format", "cloudformation",
                   "--tag", "owner=rec"], env)
    assert run.code == 0, run.stderr
    assert "note: the tables span the regions" in run.stderr
    assert "ap-south-1, eu-west-1, us-east-1" in run.stderr
    template = yaml.safe_load(run.stdout)
    declared = {(r["Properties"]["TableName"], template["Conditions"][r["Condition"]]
                 ["Fn::Equals"][1]) for r in template["Resources"].values()}
    assert declared == FLEET_TABLES
    assert lint(run.stdout, config=ManualArgs(regions=["us-east-1", "eu-west-1",
                                                       "ap-south-1"])) == []


def test_cloudformation_for_one_region_has_no_conditions_and_no_note(tmp_path: Path) -> None:
    run = run_cli(["template", *SAMPLE, "--format", "cloudformation", "--billing-mode",
                   "on-demand", "--no-deletion-protection"], clean_env(tmp_path))
    assert run.code == 0 and run.stderr == ""
    template = yaml.safe_load(run.stdout)
    assert "Conditions" not in template
    for resource in template["Resources"].values():
        assert resource["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert "ProvisionedThroughput" not in resource["Properties"]
        assert resource["Properties"]["DeletionProtectionEnabled"] is False
        assert resource["DeletionPolicy"] == "Retain"


def test_terraform_for_a_multi_region_fleet(tmp_path: Path) -> None:
    env = clean_env(tmp_path, AWS_DEFAULT_REGION="ap-south-1")
    run = run_cli(["template", *fleet(tmp_path), "--format", "terraform",
                   "--read-capacity", "5", "--write-capacity", "3"], env)
    assert run.code == 0, run.stderr
    config = json.loads(run.stdout)
    aliases = {p["alias"]: p["region"] for p in config["provider"]["aws"]}
    declared = {(r["name"], aliases[r["provider"].removeprefix("aws.")])
                for r in config["resource"]["aws_dynamodb_table"].values()}
    assert declared == FLEET_TABLES
    for resource in config["resource"]["aws_dynamodb_table"].values():
        assert (resource["read_capacity"], resource["write_capacity"]) == (5, 3)
        assert resource["lifecycle"] == {"prevent_destroy": True}


def test_template_without_any_region_is_region_agnostic(tmp_path: Path) -> None:
    run = run_cli(["template", "--table", "t-one", "--format", "terraform"],
                  clean_env(tmp_path))
    assert run.code == 0, run.stderr
    config = json.loads(run.stdout)
    assert "provider" not in config
    (resource,) = config["resource"]["aws_dynamodb_table"].values()
    assert resource["name"] == "t-one" and "provider" not in resource


@pytest.mark.parametrize(("args", "words"), [
    (["--table", "t-one"], "--format is required"),
    (["--table", "t-one", "--format", "terraform", "--read-capacity", "0"], "--read-capacity"),
    (["--table", "t-one", "--format", "terraform", "--tag", "aws:x=1"], "not a valid AWS tag"),
    (["--format", "cloudformation"], "No configuration to read"),
])
def test_template_input_errors_exit_2_in_one_paragraph(tmp_path: Path, args: list[str],
                                                       words: str) -> None:
    run = run_cli(["template", *args], clean_env(tmp_path))
    assert run.code == 2
    assert run.stdout == ""
    one_paragraph_error(run.stderr)
    assert words in run.stderr


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    run = run_cli(["template", "--table", "t-one", "--format", "pulumi"], clean_env(tmp_path))
    assert run.code == 2 and run.stdout == ""


# ------------------------------------------------------------------ both


@pytest.mark.parametrize("command", ["policy", "template"])
def test_help_and_version(tmp_path: Path, command: str) -> None:
    helped = run_cli([command, "--help"], clean_env(tmp_path))
    assert helped.code == 0
    for option in ("--conf-dir", "--host-name", "--table", "--region"):
        assert option in helped.stdout
    # template needs none: its policy's ARNs come from where the stack is deployed.
    assert ("--account-id" in helped.stdout) == (command == "policy")
    assert ("--format" in helped.stdout) == (command == "template")
    versioned = run_cli([command, "--version"], clean_env(tmp_path))
    assert versioned.code == 0 and versioned.stdout.strip() == f"lease-tables {__version__}"


@pytest.mark.parametrize(("args", "module"), [
    (["policy", *SAMPLE, "--account-id", ACCOUNT, "--role", "provisioner", "--tag", "a=b"],
     "lease_tables.render.policy"),
    (["template", *SAMPLE, "--format", "cloudformation"], "lease_tables.render.template"),
    (["template", *SAMPLE, "--format", "terraform"], "lease_tables.render.template"),
])
def test_no_aws_sdk_is_loaded(tmp_path: Path, args: list[str], module: str) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "lease_tables", *args],
                          env=clean_env(tmp_path), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert module in imported  # the measurement works
    assert not {m for m in imported if m.split(".")[0] in {"boto3", "botocore", "s3transfer"}}


def test_policy_keeps_each_adapters_own_region_and_region_fills_in(tmp_path: Path) -> None:
    """Each ARN in its own region (Region setting, else --region, else default), and
    create plans each table where policy grants it: one region rule for every command."""
    folder = write_conf(tmp_path / "Conf", [
        Ad("1", CONNECT, "euCtr", region="eu-west-1"),
        Ad("2", CONNECT, "plainCtr"),
    ])
    run = run_cli(["policy", "--conf-dir", str(folder), "--account-id", ACCOUNT,
                   "--region", "us-east-1"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    assert run.json()["Statement"][0]["Resource"] == sorted([
        arn("eu-west-1", ACCOUNT, "euCtr"), arn("us-east-1", ACCOUNT, "plainCtr")])
    assert "eu-west-1" in run.stderr and "euCtr" in run.stderr  # the warning names both
    for command in (["create", "--dry-run", "--output", "json"],
                    ["template", "--format", "terraform"]):
        dry = run_cli([*command, "--conf-dir", str(folder), "--region", "us-east-1"],
                      clean_env(tmp_path))
        assert dry.code == 0, dry.stderr
        assert "warning" in dry.stderr and "eu-west-1" in dry.stderr
        assert "us-east-1" in dry.stderr and "euCtr" in dry.stderr
    dry = run_cli(["create", "--dry-run", "--conf-dir", str(folder), "--region", "us-east-1",
                   "--output", "json"], clean_env(tmp_path))
    assert {t["table_name"]: t["region"] for t in dry.json()["tables"]} == {
        "euCtr": "eu-west-1", "plainCtr": "us-east-1"}
