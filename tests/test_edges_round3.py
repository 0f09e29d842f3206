"""Honest at the edges, third round: what an unlucky operator or a careful attacker meets.

Eventual consistency, lost answers, empty and absurd values, loopback UNC servers,
credential helpers, secrets in URLs, other services' rules, endpoints named on
success, and denies no policy can lift. Each case runs the installed CLI against a
real moto_server, through tests/faultproxy.py where AWS behaves in a way moto cannot
show; plain-value tests where the rule is a pure function.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from inline_snapshot import snapshot

from tests.conftest import REGION, aws_env, clean_env, run_cli
from tests.faultproxy import LOSE, FaultProxy, RewritingProxy, aws_error

NOT_FOUND = aws_error("ResourceNotFoundException", "Requested resource not found")


def create_json(table: str, endpoint: str, env: dict[str, str], *extra: str,
                timeout: float = 120):
    return run_cli(["create", "--table", table, "--region", REGION, "--endpoint-url",
                    endpoint, "--output", "json", *extra], env, timeout=timeout)


# ------------------------------------------------------------------ eventual consistency


def test_own_table_not_yet_described_is_waited_for_not_called_deleted(moto, tmp_path) -> None:
    with RewritingProxy(moto.url) as proxy:
        # CreateTable answers CREATING, as AWS does; the first look (before it) is the
        # true "absent"; the next three lag behind this run's own CreateTable.
        proxy.rewrites["CreateTable"] = lambda _request, answer: {
            "TableDescription": {**answer["TableDescription"], "TableStatus": "CREATING"}}
        proxy.queued["DescribeTable"] = [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND]
        run = create_json("leasesLagging", proxy.url, aws_env(tmp_path))
        assert proxy.by_operation()["CreateTable"] == 1
        assert proxy.by_operation()["DescribeTable"] >= 5  # it asked again until it saw it
    assert run.code == 0, run.stderr
    [table] = run.json()["tables"]
    assert table["status"] == "created"
    assert "disappeared" not in run.stdout + run.stderr
    assert "leasesLagging" in moto.client().list_tables()["TableNames"]


def test_a_consumer_gone_while_waited_for_is_named_not_registered_again(moto, tmp_path) -> None:
    """A consumer found CREATING (someone else registered it) and then absent while this
    run waited for it was deregistered: one failed row that says so, and no register."""
    import json

    import boto3

    from tests.faultproxy import Canned

    kinesis = boto3.client("kinesis", region_name=REGION, endpoint_url=moto.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    kinesis.create_stream(StreamName="ctr-gone", ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(
        StreamName="ctr-gone")["StreamDescriptionSummary"]["StreamARN"]
    creating = Canned(200, json.dumps({"ConsumerDescription": {
        "ConsumerName": "leasesGone", "ConsumerARN": f"{stream_arn}/consumer/leasesGone:1",
        "ConsumerStatus": "CREATING", "ConsumerCreationTimestamp": 1, "StreamARN": stream_arn,
    }}).encode())
    with FaultProxy(moto.url) as proxy:
        proxy.queued["DescribeStreamConsumer"] = [creating, NOT_FOUND]
        run = create_json("leasesGone", proxy.url, aws_env(tmp_path), "--stream", "ctr-gone",
                          "--enhanced-fan-out")
        assert proxy.by_operation()["DescribeStreamConsumer"] == 2
        assert proxy.by_operation()["RegisterStreamConsumer"] == 0
    assert run.code != 0
    [consumer] = [row for row in run.json()["tables"] if row["role"] == "stream-consumer"]
    assert consumer["status"] == "failed"
    assert consumer["message"].endswith(
        "disappeared while this run waited for it (deregistered by someone else?). Rerun "
        "to register it again.")
    assert kinesis.list_stream_consumers(StreamARN=stream_arn)["Consumers"] == []


# ------------------------------------------------------------------ lost answers


def test_a_create_whose_answer_was_lost_is_not_blamed_on_another_process(moto,
                                                                         tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.queued["CreateTable"] = [LOSE]  # the table is made, its answer lost
        run = create_json("leasesLost", proxy.url, aws_env(tmp_path))
        assert proxy.by_operation()["CreateTable"] == 2  # botocore's retry met ResourceInUse
    assert run.code == 0, run.stderr
    [table] = run.json()["tables"]
    assert "another process" not in table["message"]
    assert "may have made it" in table["message"]
    assert "leasesLost" in moto.client().list_tables()["TableNames"]


def test_a_real_race_is_still_named_as_one(moto, tmp_path) -> None:
    """Only the first attempt's ResourceInUse means someone else made it."""
    from tests.faultproxy import described

    with FaultProxy(moto.url) as proxy:
        proxy.queued["DescribeTable"] = [NOT_FOUND]
        proxy.canned["CreateTable"] = aws_error("ResourceInUseException", "Table already exists")
        proxy.queued["DescribeTable"].append(described("leasesRaced", "ACTIVE"))
        run = create_json("leasesRaced", proxy.url, aws_env(tmp_path))
    [table] = run.json()["tables"]
    assert "another process created it" in table["message"]


# ------------------------------------------------------------------ empty and absurd values

EMPTY_VALUES = [
    ["create", "--dry-run", "--conf-dir", ""],
    ["create", "--dry-run", "--table", ""],
    ["create", "--table", "leasesE", "--profile", ""],
    ["create", "--table", "leasesE", "--region", ""],
    ["create", "--table", "leasesE", "--endpoint-url", ""],
    ["create", "--dry-run", "--table", "leasesE", "--host-name", ""],
    ["create", "--dry-run", "--table", "leasesE", "--tag", ""],
    ["verify", "--table", "leasesE", "--conf-dir", "", "--output", "json"],
    ["policy", "--table", "leasesE", "--account-id", ""],
    ["template", "--format", "terraform", "--conf-dir", ""],
    ["name", "--kind", "connect", "--application-name", ""],
]


@pytest.mark.parametrize("args", EMPTY_VALUES, ids=lambda a: f"{a[0]} {a[-2]}")
def test_an_empty_option_value_is_bad_input_before_anything(moto, tmp_path,
                                                             args: list[str]) -> None:
    """`--conf-dir ""` once read the current folder and created what it found there."""
    (tmp_path / "IntegrationService.xml").write_text("<not-read/>")
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, AWS_ENDPOINT_URL=moto.url)
    run = run_cli(args, env, cwd=tmp_path)
    assert run.code == 2, run.stderr
    flag = args[args.index("") - 1]
    assert f"{flag} was given an empty value" in run.stderr
    assert moto.client().list_tables()["TableNames"] == []


@pytest.mark.parametrize("value", ["1e300", "inf", "1e10"])
def test_a_timeout_past_the_platform_clock_is_bad_input_before_anything(moto, tmp_path,
                                                                        value: str) -> None:
    """Once: the table was created, then a traceback and no tables reported."""
    run = create_json("leasesForever", moto.url, aws_env(tmp_path), "--timeout", value)
    assert run.code == 2, run.stderr
    assert "--timeout" in run.json()["error"]
    assert moto.client().list_tables()["TableNames"] == []
    dry = run_cli(["create", "--dry-run", "--table", "leasesForever", "--timeout", value],
                  aws_env(tmp_path))
    assert dry.code == 2


def test_the_longest_timeout_the_platform_holds_still_runs(moto, tmp_path) -> None:
    import threading

    run = create_json("leasesLong", moto.url, aws_env(tmp_path), "--timeout",
                      f"{threading.TIMEOUT_MAX:.0f}")
    assert run.code == 0, run.stderr


# ------------------------------------------------------------------ secrets in URLs

PASSWORD = "Hunter2Secret"


def test_a_password_in_an_endpoint_url_is_redacted_on_every_sink(moto, tmp_path) -> None:
    """The SDK takes such a URL from the environment; --endpoint-url refuses it as
    malformed. Either way the password is never shown: errors, rows, --verbose, JSON."""
    with FaultProxy(moto.url) as proxy:
        proxy.canned[("DescribeTable", "leasesDenied")] = aws_error(
            "AccessDeniedException", "User is not authorized to perform dynamodb:DescribeTable")
        endpoint = proxy.url.replace("http://", f"http://ops:{PASSWORD}@")
        env = aws_env(tmp_path, AWS_MAX_ATTEMPTS="1", AWS_ENDPOINT_URL_DYNAMODB=endpoint)

        def create(table: str, *extra: str):
            return run_cli(["create", "--table", table, "--region", REGION, *extra], env)

        runs = [create("leasesDenied", "--output", "json"),
                create("leasesDenied", "--output", "json", "--verbose"),
                create("leasesDenied"),
                create("leasesFine", "--output", "json"),
                create("leasesFine"),
                create("leasesFine", "--endpoint-url", endpoint),
                create("leasesFine", "--endpoint-url", endpoint, "--dry-run")]
    for run in runs:
        assert PASSWORD not in run.stdout + run.stderr
    assert runs[0].code == 1 and "ops:***@127.0.0.1" in runs[0].stdout
    assert runs[3].code == 0
    # As an option too: the same endpoint, the same masked password.
    assert runs[-2].code == runs[-1].code == 0, runs[-2].stderr
    assert "ops:***@127.0.0.1" in runs[-2].stderr


def test_a_password_in_a_proxy_url_is_redacted(moto, tmp_path) -> None:
    """botocore names the proxy it could not reach; the password must not come along."""
    env = aws_env(tmp_path, AWS_MAX_ATTEMPTS="1",
                  HTTPS_PROXY=f"http://ops:{PASSWORD}@127.0.0.1:9",
                  HTTP_PROXY=f"http://ops:{PASSWORD}@127.0.0.1:9", NO_PROXY="")
    run = run_cli(["create", "--table", "leasesProxied", "--region", REGION, "--endpoint-url",
                   moto.url, "--output", "json", "--verbose", "--timeout", "20"], env)
    assert run.code == 1
    assert PASSWORD not in run.stdout + run.stderr


# ------------------------------------------------------------------ denies no grant lifts

ARN = "arn:aws:sts::123456789012:assumed-role/ris-adapter/i-0abc"
SCP_DENY = ("User: {arn} is not authorized to perform: dynamodb:{action} on resource: "
            "arn:aws:dynamodb:us-east-1:123456789012:table/{table} with an explicit deny "
            "in a service control policy")
BOUNDARY_DENY = ("User: {arn} is not authorized to perform: dynamodb:{action} on resource: "
                 "arn:aws:dynamodb:us-east-1:123456789012:table/{table} because no "
                 "permissions boundary allows the dynamodb:{action} action")


@pytest.mark.parametrize(("text", "who"), [
    (SCP_DENY, "administers your organization's SCPs"),
    (BOUNDARY_DENY, "administers the boundary"),
])
def test_create_names_a_deny_no_grant_can_lift(moto, tmp_path, text: str, who: str) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["CreateTable"] = aws_error("AccessDeniedException", text.format(
            arn=ARN, action="CreateTable", table="leasesFenced"))
        run = create_json("leasesFenced", proxy.url, aws_env(tmp_path, AWS_MAX_ATTEMPTS="1"))
    assert run.code == 1
    [table] = run.json()["tables"]
    assert who in table["message"]
    assert "Grant it" not in table["message"]


@pytest.mark.parametrize(("text", "who"), [
    (SCP_DENY, "administers your organization's SCPs"),
    (BOUNDARY_DENY, "administers the boundary"),
])
def test_preflight_names_a_deny_no_grant_can_lift(moto, tmp_path, text: str, who: str) -> None:
    moto.client().create_table(
        TableName="leasesFenced", KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    with FaultProxy(moto.url) as proxy:
        proxy.canned["GetItem"] = aws_error("AccessDeniedException", text.format(
            arn=ARN, action="GetItem", table="leasesFenced"))
        run = run_cli(["preflight", "--table", "leasesFenced", "--region", REGION,
                       "--endpoint-url", proxy.url, "--output", "json"],
                      aws_env(tmp_path, AWS_MAX_ATTEMPTS="1"))
    [table] = run.json()["tables"]
    assert table["status"] == "denied"
    assert who in table["message"]
    assert "Grant it" not in table["message"] and "Grant them" not in table["message"]


def test_an_ordinary_denial_still_asks_for_the_grant() -> None:
    from lease_tables.aws.failures import barrier, grant_advice

    plain = "User: arn:aws:iam::1:user/x is not authorized to perform: dynamodb:GetItem"
    assert barrier(plain) is None
    assert grant_advice([plain], "it", "Grant it") == "Grant it"
    for words in ("with an explicit deny in a service control policy",
                  "because no service control policy allows the dynamodb:GetItem action",
                  "with an explicit deny in a permissions boundary",
                  "with an explicit deny in a resource control policy",
                  "with an explicit deny in a session policy",
                  "with an explicit deny in an identity-based policy"):
        assert barrier(f"{plain} {words}") is not None


# ------------------------------------------------------------------ other services' rules

STREAM_CN = "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/calls"


@pytest.mark.parametrize("args", [
    ["--table", "a" * 129, "--stream", "calls"],
    ["--table", "leasesChina", "--stream", STREAM_CN],
])
def test_what_kinesis_would_refuse_is_bad_input_before_any_table(moto, tmp_path,
                                                                 args: list[str]) -> None:
    """Once: the table was created, then RegisterStreamConsumer (or the stream) refused."""
    env = aws_env(tmp_path)
    for extra in (["--dry-run"], ["--endpoint-url", moto.url]):
        run = run_cli(["create", "--region", REGION, "--enhanced-fan-out", *args, *extra,
                       "--output", "json"], env)
        assert run.code == 2, run.stderr
        assert "Kinesis allows at most 128" in run.stderr or "partition aws-cn" in run.stderr
    assert moto.client().list_tables()["TableNames"] == []


def test_a_consumer_name_kinesis_accepts_passes() -> None:
    from lease_tables.model.footprint import consumer_name_problem

    assert consumer_name_problem("a" * 128) is None
    assert consumer_name_problem("verint.Agent-Events_x.2") is None
    assert consumer_name_problem("a" * 129) is not None


def test_policy_never_mixes_partitions_in_one_document() -> None:
    from lease_tables.config.naming import LeaseTable
    from lease_tables.core.errors import InputError
    from lease_tables.render.policy import policy_documents

    tables = [LeaseTable("leasesWorld", "us-east-1"), LeaseTable("leasesChina", "cn-north-1")]
    with pytest.raises(InputError) as err:
        policy_documents("adapter", tables, "123456789012")
    assert "aws (" in str(err.value) and "aws-cn (" in str(err.value)
    one = policy_documents("adapter", tables[1:], "123456789012")[0]
    assert "arn:aws-cn:dynamodb:cn-north-1" in str(one)


def test_policy_refuses_a_resource_of_another_partition(tmp_path) -> None:
    run = run_cli(["policy", "--table", "leasesWorld", "--region", REGION, "--account-id",
                   "123456789012", "--stream", STREAM_CN], aws_env(tmp_path))
    assert run.code == 2
    assert run.stdout == ""
    assert "aws-cn" in run.stderr and "us-east-1" in run.stderr


# ------------------------------------------------------------------ endpoints on success


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"])
def test_an_endpoint_from_the_environment_is_named_once_on_success(moto, tmp_path,
                                                                   variable: str) -> None:
    env = aws_env(tmp_path, **{variable: moto.url})
    text = run_cli(["create", "--table", "leasesLocal", "--region", REGION], env)
    assert text.code == 0, text.stderr
    assert text.stderr.count(moto.url) == 1
    assert f"(set by {variable})" in text.stderr and "not to AWS's own" in text.stderr
    as_json = run_cli(["verify", "--table", "leasesLocal", "--region", REGION, "--output",
                       "json"], env)
    assert as_json.code == 0, as_json.stderr
    assert as_json.json()["endpoint"] == f"{moto.url} (set by {variable})"
    assert as_json.stderr.count(moto.url) == 1
    assert "leasesLocal" in moto.client().list_tables()["TableNames"]


def test_the_endpoint_option_is_named_on_success_and_aws_own_is_not(moto, tmp_path) -> None:
    run = run_cli(["create", "--table", "leasesLocal", "--region", REGION, "--endpoint-url",
                   moto.url, "--output", "json"], aws_env(tmp_path))
    assert run.code == 0
    assert run.json()["endpoint"] == moto.url
    from lease_tables.render.report import endpoint_note, json_document

    assert endpoint_note([]) is None
    assert "endpoint" not in json_document([])


# ------------------------------------------------------------------ credential helpers

HANGING_HELPER = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open(sys.argv[1], "w").write(f"{os.getpid()} {child.pid}")
time.sleep(120)
"""


def helper_profile(tmp_path: Path, line: str, **env: str) -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(f"[profile helper]\n{line}\nregion = {REGION}\n")
    return clean_env(tmp_path, AWS_CONFIG_FILE=str(config), AWS_PROFILE="helper", **env)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(
        f"/proc/{pid}/stat").read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups and /proc")
def test_a_hanging_credential_process_is_bounded_and_never_outlives_the_run(moto,
                                                                            tmp_path) -> None:
    from lease_tables.aws.bounded import GRACE

    script, pids = tmp_path / "helper.py", tmp_path / "pids"
    script.write_text(HANGING_HELPER)
    env = helper_profile(tmp_path, f'credential_process = "{sys.executable}" "{script}" '
                                   f'"{pids}"')
    started = time.monotonic()
    run = run_cli(["create", "--table", "leasesHelper", "--endpoint-url", moto.url,
                   "--timeout", "3", "--output", "json"], env, timeout=60)
    took = time.monotonic() - started
    assert run.code == 1, run.stderr
    assert took < 3 + GRACE + 5, took  # the helper would sleep 120 s; start-up under load
    error = run.json()["error"]
    assert "credential_process" in error and "gave no credentials within" in error
    assert "network" not in error
    helper, grandchild = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 5
    while (alive(helper) or alive(grandchild)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(helper) and not alive(grandchild)
    assert moto.client().list_tables()["TableNames"] == []


@pytest.mark.parametrize(("line", "said"), [
    ('credential_process = "/nonexistent/bin/aws-vault" exec ris', "could not be started"),
    (f'credential_process = "{sys.executable}" -c "print(\'hello, I am not JSON\')"',
     "not the JSON document"),
    (f'credential_process = "{sys.executable}" -c "import sys; sys.stderr.write(\'vault '
     f'sealed: run vault login\'); sys.exit(4)"', "exit code 4) and said: vault sealed"),
])
def test_a_failing_credential_process_is_named_as_the_helpers(moto, tmp_path, line: str,
                                                              said: str) -> None:
    env = helper_profile(tmp_path, line)
    for command in (["create", "--table", "leasesHelper"], ["verify", "--table", "leasesHelper"],
                    ["preflight", "--table", "leasesHelper"]):
        run = run_cli([*command, "--endpoint-url", moto.url, "--output", "json"], env)
        assert run.code == 1, run.stderr
        error = run.json()["error"]
        assert "credential_process" in error and said in error, error
        assert "JSONDecodeError" not in error and "file" not in error.split("credential")[0]
    assert moto.client().list_tables()["TableNames"] == []


def test_an_mfa_prompt_with_no_terminal_is_a_clear_error(moto, tmp_path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/provisioner\n"
        "source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/ops\n"
        f"region = {REGION}\n")
    env = clean_env(tmp_path, AWS_CONFIG_FILE=str(config), AWS_PROFILE="mfa")
    run = run_cli(["create", "--table", "leasesMfa", "--endpoint-url", moto.url, "--output",
                   "json"], env)
    assert run.code == 1, run.stderr
    assert "MFA code" in run.json()["error"] and "EOFError" not in run.stderr
    assert moto.client().list_tables()["TableNames"] == []


def test_a_missing_sso_login_is_named_as_such(moto, tmp_path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile sso]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n"
        f"region = {REGION}\n")
    env = clean_env(tmp_path, AWS_CONFIG_FILE=str(config), AWS_PROFILE="sso",
                    HOME=str(tmp_path), USERPROFILE=str(tmp_path))
    run = run_cli(["verify", "--table", "leasesSso", "--endpoint-url", moto.url, "--output",
                   "json"], env)
    assert run.code == 1, run.stderr
    error = run.json()["error"]
    assert "IAM Identity Center (SSO)" in error and "aws sso login" in error


# ------------------------------------------------------------------ no home directory

NO_HOME_UID = 54321  # a uid with no passwd entry: ~ cannot be resolved at all


def homeless(args: list[str], tmp_path: Path, **env: str):
    """The CLI as a service account or container user with no home directory: HOME unset
    and a uid that the passwd file does not know."""
    import shutil
    import subprocess

    from tests.conftest import cli_executable, skip_unless_end_to_end

    skip_unless_end_to_end()
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to run as a uid with no home")
    base = {k: v for k, v in clean_env(tmp_path).items()
            if k not in ("HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "USERPROFILE")}
    proc = subprocess.run(
        [setpriv, f"--reuid={NO_HOME_UID}", f"--regid={NO_HOME_UID}", "--clear-groups",
         cli_executable(), *args], env={**base, **env}, capture_output=True, text=True,
        timeout=120, stdin=subprocess.DEVNULL, cwd="/")
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize("args", [
    ["create", "--dry-run", "--conf-dir", str(Path(__file__).parent.parent / "sample_conf")],
    ["create", "--dry-run", "--table", "leasesHomeless", "--region", REGION],
    ["policy", "--conf-dir", str(Path(__file__).parent.parent / "sample_conf"), "--account-id",
     "123456789012"],
    ["template", "--format", "cloudformation", "--table", "leasesHomeless", "--region", REGION],
    ["name", "--kind", "connect", "--application-name", "leasesHomeless"],
])
def test_no_home_directory_runs_what_needs_no_aws_config(tmp_path, args: list[str]) -> None:
    assert homeless(args, tmp_path).returncode == 0


def test_no_home_directory_says_how_to_name_the_aws_files(moto, tmp_path) -> None:
    no_region = homeless(["create", "--table", "leasesHomeless", "--endpoint-url", moto.url],
                         tmp_path)
    assert no_region.returncode == 2
    assert "AWS_CONFIG_FILE" in no_region.stderr and "home directory" in no_region.stderr
    no_keys = homeless(["create", "--table", "leasesHomeless", "--region", REGION,
                        "--endpoint-url", moto.url], tmp_path)
    assert no_keys.returncode == 1
    assert "AWS_SHARED_CREDENTIALS_FILE" in no_keys.stderr
    made = homeless(["create", "--table", "leasesHomeless", "--endpoint-url", moto.url],
                    tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_REGION=REGION)
    assert made.returncode == 0, made.stderr
    assert "leasesHomeless" in moto.client().list_tables()["TableNames"]


def test_only_a_retried_answer_counts_as_possibly_ours() -> None:
    from botocore.exceptions import ClientError

    from lease_tables.aws.failures import was_retried
    from lease_tables.provision.tables import in_use_note

    def in_use(attempts: int) -> ClientError:
        return ClientError({"Error": {"Code": "ResourceInUseException", "Message": "exists"},
                            "ResponseMetadata": {"RetryAttempts": attempts}}, "CreateTable")

    assert not was_retried(in_use(0)) and was_retried(in_use(2))
    assert in_use_note(in_use(0)) == snapshot("another process created it at the same time")
    assert "may have made it" in in_use_note(in_use(1))
    assert not was_retried(ValueError("no response at all"))
