"""End to end: the installed `lease-tables` against a real moto_server on 127.0.0.1.

Every test that creates something asserts on the server's state through its own
boto3 client (DescribeTable, items), not only on what the CLI printed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import (
    REGION,
    SAMPLE_CONF,
    aws_env,
    clean_env,
    free_port,
    run_cli,
    start_moto,
    stop,
)

AGENT = "verintAgentEvents_verintris.2"
CTR = "verintCTREvents"
SAMPLE_ARGS = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris"]


def write_conf(folder: Path, body: str, name: str = "IntegrationService.xml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<IFService><Integrations>'
                    f"{body}</Integrations></IFService>", encoding="utf-8")
    return folder


def test_first_run_creates_the_vendor_tables(cli, moto) -> None:
    run = cli("create", *SAMPLE_ARGS, "--output", "json")
    assert run.code == 0, run.stderr
    document = run.json()
    assert document["ok"] is True
    assert [(t["table_name"], t["status"]) for t in document["tables"]] == [
        (AGENT, "created"), (CTR, "created")]
    agent = document["tables"][0]
    assert (agent["adapter_kind"], agent["adapter_id"], agent["host_name"],
            agent["host_name_source"], agent["region"]) == (
        "agent-events", "2", "verintris", "option", REGION)
    assert agent["sources"] == [str(SAMPLE_CONF / "IntegrationService.xml")]

    client = moto.client()
    assert sorted(client.list_tables()["TableNames"]) == [AGENT, CTR]
    for name in (AGENT, CTR):
        table = client.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == [{"AttributeName": "leaseKey", "KeyType": "HASH"}]
        assert table["AttributeDefinitions"] == [{"AttributeName": "leaseKey",
                                                  "AttributeType": "S"}]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
        assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 10
        assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
        assert table["DeletionProtectionEnabled"] is True
        assert table["TableStatus"] == "ACTIVE"


def test_rerun_reports_exists_and_changes_nothing(cli, moto) -> None:
    assert cli("create", *SAMPLE_ARGS).code == 0
    client = moto.client()
    client.put_item(TableName=AGENT, Item={"leaseKey": {"S": "shardId-000000000000"},
                                           "checkpoint": {"S": "49590338271490256608559692538"}})
    before = client.describe_table(TableName=AGENT)["Table"]["CreationDateTime"]

    run = cli("create", *SAMPLE_ARGS, "--output", "json")
    assert run.code == 0, run.stderr
    assert {t["status"] for t in run.json()["tables"]} == {"exists"}
    assert client.describe_table(TableName=AGENT)["Table"]["CreationDateTime"] == before
    items = client.scan(TableName=AGENT)["Items"]
    assert items == [{"leaseKey": {"S": "shardId-000000000000"},
                      "checkpoint": {"S": "49590338271490256608559692538"}}]


def test_wrong_key_is_drift_exit_3_and_untouched(cli, moto) -> None:
    client = moto.client()
    client.create_table(TableName=CTR, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    client.put_item(TableName=CTR, Item={"id": {"S": "keep-me"}})
    before = client.describe_table(TableName=CTR)["Table"]

    run = cli("create", *SAMPLE_ARGS)
    assert run.code == 3, run.stdout + run.stderr
    drift_line = next(line for line in run.stdout.splitlines() if CTR + " " in line)
    assert drift_line.startswith("drift") and "id (S, HASH)" in drift_line
    after = client.describe_table(TableName=CTR)["Table"]
    assert after["KeySchema"] == before["KeySchema"]
    assert after["CreationDateTime"] == before["CreationDateTime"]
    assert client.scan(TableName=CTR)["Items"] == [{"id": {"S": "keep-me"}}]
    # The other table was still created: drift of one does not stop the rest.
    assert client.describe_table(TableName=AGENT)["Table"]["TableStatus"] == "ACTIVE"


def test_verify_missing_then_ok(cli, moto) -> None:
    run = cli("verify", *SAMPLE_ARGS, "--output", "json")
    assert run.code == 3
    assert {t["status"] for t in run.json()["tables"]} == {"missing"}
    assert "lease-tables create" in run.json()["tables"][0]["message"]
    assert cli("create", *SAMPLE_ARGS).code == 0
    run = cli("verify", *SAMPLE_ARGS)
    assert run.code == 0, run.stdout
    assert run.stdout.count("\nok ") + run.stdout.startswith("ok ") == 2


def test_verify_names_the_near_twin_and_create_warns(cli, moto) -> None:
    moto.client().create_table(
        TableName="verintAgentEvents_VERINTRIS.2",
        KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    run = cli("verify", *SAMPLE_ARGS, "--output", "json")
    agent = next(t for t in run.json()["tables"] if t["table_name"] == AGENT)
    assert agent["status"] == "missing"
    assert "verintAgentEvents_VERINTRIS.2" in agent["message"]

    run = cli("create", *SAMPLE_ARGS)
    assert run.code == 0
    assert "warning" in run.stderr and "verintAgentEvents_VERINTRIS.2" in run.stderr


def test_verify_warns_but_passes_on_other_capacity(cli, moto) -> None:
    assert cli("create", "--table", "ctrSmall", "--read-capacity", "5").code == 0
    run = cli("verify", "--table", "ctrSmall", "--output", "json")
    assert run.code == 0
    [table] = run.json()["tables"]
    assert table["status"] == "ok" and "5 RCU" in table["message"]


def test_table_options_reach_the_server(cli, moto) -> None:
    run = cli("create", "--table", "leasesOnDemand", "--billing-mode", "on-demand",
              "--no-deletion-protection", "--tag", "owner=recording", "--tag", "env=prod")
    assert run.code == 0, run.stderr
    client = moto.client()
    table = client.describe_table(TableName="leasesOnDemand")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is False
    tags = client.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "prod"),
                                                            ("owner", "recording")]


def test_adapter_region_setting_wins_over_region_option(cli, moto, tmp_path) -> None:
    """The adapter's KCL looks for its table in its own Region: create makes it there,
    as policy grants it there; --region fills in only for adapters without one."""
    folder = write_conf(tmp_path / "Conf", '<Integration id="1" type="AmazonConnectAdapter">'
                        '<set key="ApplicationName" value="euCtr"/>'
                        '<set key="Region" value="eu-west-1"/></Integration>'
                        '<Integration id="2" type="AmazonConnectAdapter">'
                        '<set key="ApplicationName" value="plainCtr"/></Integration>')
    assert cli("create", "--conf-dir", str(folder)).code == 0
    assert moto.client("eu-west-1").list_tables()["TableNames"] == ["euCtr"]
    assert moto.client(REGION).list_tables()["TableNames"] == ["plainCtr"]
    run = cli("create", "--conf-dir", str(folder), "--region", "us-west-2")
    assert run.code == 0, run.stderr
    assert moto.client("us-west-2").list_tables()["TableNames"] == ["plainCtr"]
    assert moto.client("eu-west-1").list_tables()["TableNames"] == ["euCtr"]
    assert "warning" in run.stderr and "us-west-2" in run.stderr and "eu-west-1" in run.stderr


@pytest.mark.parametrize("command", [["create", "--dry-run"], ["create"], ["verify"],
                                     ["template", "--format", "cloudformation"],
                                     ["policy", "--account-id", "123456789012"]])
def test_a_region_setting_that_is_no_region_code_is_exit_2(tmp_path, command) -> None:
    folder = write_conf(tmp_path / "Conf", '<Integration id="5" type="AmazonConnectAdapter">'
                        '<set key="ApplicationName" value="ctrApp"/>'
                        '<set key="Region" value="US East (N. Virginia)"/></Integration>')
    run = run_cli([*command, "--conf-dir", str(folder)], aws_env(tmp_path, AWS_REGION=REGION))
    assert run.code == 2, run.stderr
    assert "IntegrationService.xml" in run.stderr and "ID 5" in run.stderr
    assert '"US East (N. Virginia)"' in run.stderr


@pytest.mark.parametrize("command", [["create", "--dry-run"], ["create"], ["verify"],
                                     ["preflight"], ["template", "--format", "terraform"],
                                     ["policy", "--account-id", "123456789012"]])
def test_a_malformed_region_option_is_exit_2_before_anything_else(tmp_path, command) -> None:
    run = run_cli([*command, "--table", "someTable", "--region", "us_east_1",
                   "--endpoint-url", "http://127.0.0.1:9"][:None if command[0] in (
                       "create", "verify", "preflight") else -2], aws_env(tmp_path))
    assert run.code == 2, run.stderr
    assert '--region "us_east_1"' in run.stderr and "internal error" not in run.stderr


def test_one_host_name_over_several_folders_is_refused(cli, moto, tmp_path) -> None:
    """One --host-name over two servers' (non-UNC) folders would merge their adapters into
    one server's table: refused like the fallback to this machine's name, nothing made."""
    body = ('<Integration id="3" type="AmazonAgentEventStreamAdapter">'
            '<set key="ApplicationName" value="agents"/></Integration>')
    first = write_conf(tmp_path / "risA" / "Conf", body)
    second = write_conf(tmp_path / "risB" / "conf", body, name="integrationservice.xml")
    run = cli("create", "--conf-dir", str(first), "--conf-dir", str(second),
              "--host-name", "ris01", "--output", "json")
    assert run.code == 2, run.stderr
    assert "silently share lease tables" in run.json()["error"]
    assert moto.client().list_tables()["TableNames"] == []
    run = cli("create", "--conf-dir", str(first), "--host-name", "ris01", "--output", "json")
    assert run.code == 0, run.stderr
    assert [t["table_name"] for t in run.json()["tables"]] == ["agents_ris01.3"]


def test_default_conf_dir_from_impact360softwaredir(cli, moto, tmp_path) -> None:
    software = tmp_path / "Impact360" / "Software"
    shutil.copytree(SAMPLE_CONF, software / "Conf")
    run = cli("create", "--host-name", "verintris",
              env_extra={"IMPACT360SOFTWAREDIR": str(software)})
    assert run.code == 0, run.stderr
    assert sorted(moto.client().list_tables()["TableNames"]) == [AGENT, CTR]


def test_dry_run_needs_no_aws_at_all(tmp_path) -> None:
    env = clean_env(tmp_path)  # no credentials, no region, no endpoint
    run = run_cli(["create", "--dry-run", *SAMPLE_ARGS], env)
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("planned") and AGENT in lines[0]
    assert "host verintris (from --host-name)" in lines[0]
    assert "would create: key leaseKey (String," in lines[0]
    assert "leaseKey (String, HASH), provisioned" in lines[0]
    assert "provisioned 10 RCU / 10 WCU" in lines[0]
    assert "IntegrationService.xml" in lines[0]
    assert lines[-1].startswith("dry run, nothing created: 2 tables: 2 planned")


def test_dry_run_local_host_name_is_shown(tmp_path) -> None:
    run = run_cli(["create", "--dry-run", "--conf-dir", str(SAMPLE_CONF), "--output", "json"],
                  clean_env(tmp_path))
    agent = next(t for t in run.json()["tables"] if t["adapter_kind"] == "agent-events")
    import socket
    assert agent["host_name"] == socket.gethostname().split(".")[0]
    assert agent["host_name_source"] == "local"


def test_no_credentials_exit_1_with_a_message(tmp_path) -> None:
    env = clean_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    run = run_cli(["create", *SAMPLE_ARGS, "--endpoint-url", "http://127.0.0.1:9"], env)
    assert run.code == 1
    assert "No AWS credentials" in run.stderr and "--profile" in run.stderr


def test_unknown_profile_is_bad_usage(tmp_path) -> None:
    env = clean_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    run = run_cli(["verify", *SAMPLE_ARGS, "--profile", "adapter-identity"], env)
    assert run.code == 2 and "adapter-identity" in run.stderr


def test_nothing_listening_exits_1_within_bounded_time(tmp_path) -> None:
    port = free_port()  # bound and released: nothing listens there now
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s",
                    AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="2")
    started = time.monotonic()
    run = run_cli(["create", *SAMPLE_ARGS, "--endpoint-url", f"http://127.0.0.1:{port}",
                   "--output", "json"], env, timeout=90)
    elapsed = time.monotonic() - started
    assert run.code == 1
    assert elapsed < 60
    tables = run.json()["tables"]
    assert {t["status"] for t in tables} == {"failed"}
    message = tables[0]["message"]
    assert f"127.0.0.1:{port}" in message and "could not connect" in message


@pytest.fixture(scope="module")
def denying_moto():
    """A moto_server that checks IAM on every request: unknown keys are refused."""
    server = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    yield server
    stop(server.process)


def test_access_denied_is_exit_1_and_says_what_to_do(denying_moto, tmp_path) -> None:
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAUNKNOWNKEY000000",
                    AWS_SECRET_ACCESS_KEY="unknown-secret", AWS_DEFAULT_REGION=REGION)
    run = run_cli(["create", *SAMPLE_ARGS, "--endpoint-url", denying_moto.url,
                   "--output", "json"], env)
    assert run.code == 1, run.stdout + run.stderr
    message = run.json()["tables"][0]["message"]
    # An unknown key is a credentials problem, never the policy's: no policy advice.
    assert "does not recognise the access key" in message
    assert "not a permission problem" in message and "lease-tables policy" not in message
    assert "unknown-secret" not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty. Point --conf-dir"),  # ours, not lxml's "Document is empty"
        (b"<IFService><Integrations><Integration", "not well-formed"),
        (b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><IFService/>',
         "DOCTYPE"),
        (b"<IFService><Integrations><Integration id='1' type='AvayaCMAPIAdapter'/>"
         b"</Integrations></IFService>", "No Amazon"),
        (b"<IFService><Integrations><Integration id='4' type='AmazonConnectAdapter'/>"
         b"</Integrations></IFService>", "ID 4"),
    ],
)
def test_bad_configuration_is_exit_2_one_paragraph(tmp_path, content: bytes,
                                                   fragment: str) -> None:
    folder = tmp_path / "Conf"
    folder.mkdir()
    (folder / "IntegrationService.xml").write_bytes(content)
    run = run_cli(["create", "--conf-dir", str(folder), "--output", "json"],
                  clean_env(tmp_path, AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s"))
    assert run.code == 2
    assert fragment in run.stderr
    assert str(folder) in run.stderr
    assert run.stderr.count("\n") == 1  # one paragraph
    # stdout still holds one JSON object, with the same paragraph as the reason
    assert run.json() == {"ok": False, "tables": [],
                          "error": run.stderr.removeprefix("error: ").strip()}


def test_missing_folder_and_no_selection_are_exit_2(tmp_path) -> None:
    env = clean_env(tmp_path)
    run = run_cli(["verify", "--conf-dir", str(tmp_path / "absent")], env)
    assert run.code == 2 and "does not exist" in run.stderr
    run = run_cli(["verify"], env)
    assert run.code == 2 and "IMPACT360SOFTWAREDIR" in run.stderr


def test_no_region_is_exit_2_naming_the_table(tmp_path) -> None:
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s")
    run = run_cli(["create", "--table", "leasesNoRegion"], env)
    assert run.code == 2 and "leasesNoRegion" in run.stderr and "--region" in run.stderr


def test_bad_options_are_exit_2(tmp_path) -> None:
    env = clean_env(tmp_path)
    assert run_cli(["create", "--dry-run", "--table", "abc", "--tag", "nokey"], env).code == 2
    assert run_cli(["create", "--dry-run", "--table", "abc", "--billing-mode", "x"], env).code == 2
    assert run_cli(["create", "--dry-run", "--table", "a b"], env).code == 2
    assert run_cli(["create", "--no-such-flag"], env).code == 2


def test_configuration_folder_is_left_byte_identical(cli, tmp_path) -> None:
    folder = tmp_path / "Conf"
    shutil.copytree(SAMPLE_CONF, folder)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    for args in (["create", "--dry-run"], ["create"], ["verify"], ["create"]):
        cli(*args, "--conf-dir", str(folder), "--host-name", "verintris")
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before


def test_name_command(tmp_path) -> None:
    env = clean_env(tmp_path)
    run = run_cli(["name", "--kind", "agent-events", "--application-name", "verintAgentEvents",
                   "--host-name", "verintris", "--adapter-id", "2"], env)
    assert (run.code, run.stdout) == (0, "verintAgentEvents_verintris.2\n")
    run = run_cli(["name", "--kind", "connect", "--application-name", "verintCTREvents"], env)
    assert (run.code, run.stdout) == (0, "verintCTREvents\n")
    run = run_cli(["name", "--kind", "agent-events", "--application-name", "x"], env)
    assert run.code == 2 and "--adapter-id" in run.stderr
    run = run_cli(["name", "--kind", "connect", "--application-name", "bad name"], env)
    assert run.code == 2 and '" "' in run.stderr


def _commands() -> list[str]:
    from lease_tables.cli.app import app

    return sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_the_spec_commands_are_all_there() -> None:
    assert set(_commands()) == {"create", "verify", "preflight", "policy", "template", "name",
                                "diagnose"}


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_and_version(tmp_path, command: str) -> None:
    env = clean_env(tmp_path)
    assert "Usage" in run_cli([command, "--help"], env).stdout
    assert run_cli([command, "--version"], env).stdout.startswith("lease-tables ")


def test_python_dash_m_works(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "lease_tables", "--version"],
                          capture_output=True, text=True, env=clean_env(tmp_path), timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("lease-tables 0.")


def test_two_adapters_sharing_a_name_in_one_file(tmp_path) -> None:
    folder = write_conf(tmp_path / "Conf",
                        '<Integration id="1" type="AmazonConnectAdapter">'
                        '<set key="ApplicationName" value="sharedCtr"/></Integration>'
                        '<Integration id="4" type="Amazon Connect Adapter">'
                        '<set key="AppName" value="sharedCtr"/></Integration>')
    run = run_cli(["create", "--dry-run", "--conf-dir", str(folder), "--output", "json"],
                  clean_env(tmp_path))
    assert run.code == 0
    [table] = run.json()["tables"]
    assert table["table_name"] == "sharedCtr"
    assert table["sources"] == [str(folder / "IntegrationService.xml")] * 2
    assert "warning" in run.stderr and "ID 1" in run.stderr and "ID 4" in run.stderr


def test_disabled_adapter_still_gets_its_table_and_says_so(tmp_path) -> None:
    folder = write_conf(tmp_path / "Conf",
                        '<Integration id="1" type="AmazonConnectAdapter" enabled="false">'
                        '<set key="ApplicationName" value="offCtr"/></Integration>'
                        '<Integration id="2" type="AmazonConnectAdapter">'
                        '<set key="ApplicationName" value="onCtr"/>'
                        '<set key="Enabled" value="True"/></Integration>'
                        '<Integration id="3" type="AmazonConnectAdapter">'
                        '<set key="ApplicationName" value="quietCtr"/></Integration>')
    args = ["create", "--dry-run", "--conf-dir", str(folder), "--region", REGION]
    run = run_cli([*args, "--output", "json"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    tables = run.json()["tables"]
    assert {t["table_name"]: t["enabled"] for t in tables} == {
        "offCtr": False, "onCtr": True, "quietCtr": None}
    assert list(tables[0])[list(tables[0]).index("sources") + 1] == "enabled"
    text = run_cli(args, clean_env(tmp_path)).stdout.splitlines()
    assert [("(disabled)" in line) for line in text[:3]] == [True, False, False]


def test_a_line_feed_in_an_adapter_id_cannot_forge_a_result_line(tmp_path) -> None:
    folder = write_conf(tmp_path / "Conf",
                        '<Integration id="1&#10;created        payroll-prod  [us-east-1]" '
                        'type="AmazonConnectAdapter" name="a&#x202E;b&#x85;">'
                        '<set key="ApplicationName" value="ctrApp"/></Integration>')
    run = run_cli(["create", "--dry-run", "--conf-dir", str(folder), "--region", REGION],
                  clean_env(tmp_path))
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("planned") and "1\\x0acreated" in lines[0]
    assert not any(line.startswith("created") for line in lines)


def test_same_folder_twice_and_two_mapped_servers(tmp_path) -> None:
    body = ('<Integration id="3" type="AmazonAgentEventStreamAdapter">'
            '<set key="ApplicationName" value="agents"/></Integration>')
    first = write_conf(tmp_path / "risA" / "Conf", body)
    twice = run_cli(["create", "--dry-run", "--conf-dir", str(first), "--conf-dir",
                     f"{first}/", "--region", REGION, "--output", "json"], clean_env(tmp_path))
    assert twice.code == 0, twice.stderr
    [table] = twice.json()["tables"]
    assert len(table["sources"]) == 1 and "shared by" not in twice.stderr
    second = write_conf(tmp_path / "risB" / "Conf", body)
    both = run_cli(["create", "--dry-run", "--conf-dir", str(first), "--conf-dir", str(second),
                    "--region", REGION], clean_env(tmp_path))
    assert both.code == 2 and "--host-name" in both.stderr and "UNC" in both.stderr
