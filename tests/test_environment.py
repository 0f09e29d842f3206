"""The environment is input: AWS settings from variables and config files are honoured as
boto3 honours them, a malformed one is one exit-2 error before any call that names it, and
messages name the endpoint the SDK really called.

boto3 itself is the oracle wherever it can answer without a network (the region of a
profile, the endpoint of a region); failures that need a call go to 127.0.0.1 only (a
closed port, or an HTTPS proxy on a closed port in front of AWS's real host names, so no
request leaves the machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lease_tables.config.sdk_settings import default_region
from lease_tables.config.selection import Selection, select
from tests.conftest import REGION, ROOT, aws_env, clean_env, free_port, run_cli
from tools.demo import demo_env

# --------------------------------------------------------------------------- regions


CONFIGS = {
    "profile default only": "[profile default]\nregion = eu-west-2\n",
    "default then profile default": "[default]\nregion = us-west-1\n"
                                    "[profile default]\nregion = ap-south-1\n",
    "profile default then default": "[profile default]\nregion = ap-south-1\n"
                                    "[default]\nregion = us-west-1\n",
    "quoted profile name": '[profile "ris ops"]\nregion = ca-central-1\n',
    "bare section is no profile": "[ris]\nregion = eu-north-1\n",
}
PROFILE_ENVS = [{}, {"AWS_PROFILE": "ris"}, {"AWS_DEFAULT_PROFILE": "ris", "AWS_PROFILE": "x"},
                {"AWS_PROFILE": "ris ops"}]


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("profile_env", PROFILE_ENVS, ids=lambda e: ",".join(e) or "none")
def test_the_default_region_is_the_one_boto3_picks(tmp_path, config, profile_env) -> None:
    """boto3 reads `[profile default]`, takes the later of two sections of one profile, and
    prefers AWS_DEFAULT_PROFILE to AWS_PROFILE: so must we, or a table lands elsewhere."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    path = tmp_path / "config"
    path.write_text(CONFIGS[config] + "[profile x]\nregion = sa-east-1\n", encoding="utf-8")
    env = {"AWS_CONFIG_FILE": str(path), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no"),
           **profile_env}
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        expected = boto3.Session().region_name
    except ProfileNotFound:
        expected = None
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert default_region(None, env) == expected


def test_a_profile_default_region_reaches_every_table(tmp_path) -> None:
    (tmp_path / "config").write_text("[profile default]\nregion = eu-west-2\n", encoding="utf-8")
    derivation = select(Selection(tables=("leasesA",)),
                        env={"AWS_CONFIG_FILE": str(tmp_path / "config")})
    assert [t.region for t in derivation.tables] == ["eu-west-2"]


# --------------------------------------------------------------------------- endpoints


def test_a_service_endpoint_variable_is_where_tables_are_made(moto, tmp_path) -> None:
    """AWS_ENDPOINT_URL_DYNAMODB is honoured as boto3 honours it (and wins over
    AWS_ENDPOINT_URL): the table is on that server."""
    env = aws_env(tmp_path, AWS_ENDPOINT_URL_DYNAMODB=moto.url,
                  AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    run = run_cli(["create", "--table", "leasesByVariable", "--region", REGION], env)
    assert run.code == 0, run.stderr
    described = moto.client().describe_table(TableName="leasesByVariable")["Table"]
    assert described["KeySchema"] == [{"AttributeName": "leaseKey", "KeyType": "HASH"}]


def test_a_message_names_the_endpoint_from_the_variable(tmp_path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    env = aws_env(tmp_path, AWS_ENDPOINT_URL_DYNAMODB=closed, AWS_MAX_ATTEMPTS="1")
    run = run_cli(["verify", "--table", "leasesX", "--region", REGION, "--output", "json",
                   "--timeout", "20"], env)
    assert run.code == 1
    message = run.json()["tables"][0]["message"]
    assert f"at {closed} (set by AWS_ENDPOINT_URL_DYNAMODB)" in message
    assert "amazonaws.com" not in message


@pytest.mark.parametrize(("region", "flags", "host"), [
    ("cn-north-1", {}, "dynamodb.cn-north-1.amazonaws.com.cn"),
    ("us-iso-east-1", {}, "dynamodb.us-iso-east-1.c2s.ic.gov"),
    ("us-gov-west-1", {}, "dynamodb.us-gov-west-1.amazonaws.com"),
    ("us-east-1", {"AWS_USE_FIPS_ENDPOINT": "true"}, "dynamodb-fips.us-east-1.amazonaws.com"),
    ("eu-west-1", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "dynamodb.eu-west-1.api.aws"),
])
@pytest.mark.parametrize("command", ["verify", "create", "preflight"])
def test_messages_name_the_host_the_sdk_called(tmp_path, region, flags, host, command) -> None:
    """Partitions, FIPS and dual-stack change the host; the message names the one used.
    An HTTPS proxy on a closed local port stops every request before it leaves."""
    expected = _sdk_endpoint(region, flags)
    assert expected == f"https://{host}"  # boto3's own answer, the oracle
    env = aws_env(tmp_path, HTTPS_PROXY=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS="1",
                  **flags)
    run = run_cli([command, "--table", "leasesP", "--region", region, "--output", "json",
                   "--timeout", "20"], env)
    assert run.code == 1, run.stderr
    message = run.json()["tables"][0]["message"]
    assert f"at {expected} " in message
    if host != "dynamodb.us-east-1.amazonaws.com":
        assert "dynamodb.us-east-1.amazonaws.com" not in message


def _sdk_endpoint(region: str, flags: dict[str, str]) -> str:
    import boto3

    saved = dict(os.environ)
    os.environ.update(flags)
    try:
        return str(boto3.Session(aws_access_key_id="a", aws_secret_access_key="b").client(
            "dynamodb", region_name=region).meta.endpoint_url)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize(("variables", "named"), [
    ({"AWS_ENDPOINT_URL": "127.0.0.1:5000"}, "AWS_ENDPOINT_URL"),
    ({"AWS_ENDPOINT_URL_DYNAMODB": "localhost:8000"}, "AWS_ENDPOINT_URL_DYNAMODB"),
    ({"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:99999"}, "AWS_ENDPOINT_URL_DYNAMODB"),
    ({"AWS_RETRY_MODE": "bogus"}, "AWS_RETRY_MODE"),
    ({"AWS_MAX_ATTEMPTS": "0"}, "AWS_MAX_ATTEMPTS"),
    ({"AWS_MAX_ATTEMPTS": "three"}, "AWS_MAX_ATTEMPTS"),
    ({"AWS_DEFAULTS_MODE": "bogus"}, "defaults mode"),
])
@pytest.mark.parametrize("command", ["create", "verify", "preflight"])
def test_a_malformed_setting_is_one_error_before_any_call(moto, tmp_path, variables, named,
                                                           command) -> None:
    """One exit-2 error naming the variable (never --endpoint-url, which was not given),
    not a failure per table; and no request reached any server."""
    from tests.faultproxy import FaultPlan, FaultProxy

    with FaultProxy(moto.url, FaultPlan(share=0.0)) as proxy:
        env = aws_env(tmp_path, AWS_ENDPOINT_URL_KINESIS=proxy.url, **variables)
        if "AWS_ENDPOINT_URL" not in variables and "AWS_ENDPOINT_URL_DYNAMODB" not in variables:
            env["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.url
        run = run_cli([command, "--table", "leasesA", "--table", "leasesB", "--region", REGION,
                       "--output", "json"], env)
        operations = proxy.operations()
    assert run.code == 2, run.stderr
    body = run.json()
    assert body["ok"] is False and body["tables"] == []
    assert named in body["error"]
    assert "--endpoint-url" not in body["error"].split(".")[0]
    assert run.stderr.count("error:") == 1
    assert operations == []
    assert moto.client().list_tables()["TableNames"] == []


def test_the_option_wins_over_a_malformed_variable(moto, tmp_path) -> None:
    """boto3 ignores AWS_ENDPOINT_URL* when an endpoint is passed: so do we."""
    env = aws_env(tmp_path, AWS_ENDPOINT_URL="127.0.0.1:5000")
    run = run_cli(["create", "--table", "leasesOption", "--region", REGION, "--endpoint-url",
                   moto.url], env)
    assert run.code == 0, run.stderr
    assert moto.client().describe_table(TableName="leasesOption")["Table"]["TableName"]


def test_a_malformed_config_file_setting_is_named(moto, tmp_path) -> None:
    (tmp_path / "config").write_text(
        "[profile ops]\nregion = us-east-1\nmax_attempts = 0\n", encoding="utf-8")
    env = aws_env(tmp_path, AWS_CONFIG_FILE=str(tmp_path / "config"))
    run = run_cli(["verify", "--table", "leasesA", "--profile", "ops", "--endpoint-url",
                   moto.url], env)
    assert run.code == 2
    assert "max_attempts of the AWS profile \"ops\"" in run.stderr


def test_a_malformed_config_file_endpoint_is_named(moto, tmp_path) -> None:
    (tmp_path / "config").write_text(
        "[default]\nregion = us-east-1\nendpoint_url = 127.0.0.1:4566\n", encoding="utf-8")
    env = aws_env(tmp_path, AWS_CONFIG_FILE=str(tmp_path / "config"))
    run = run_cli(["verify", "--table", "leasesA"], env)
    assert run.code == 2
    assert 'The endpoint_url of the AWS profile' in run.stderr
    assert 'profile "default" ("127.0.0.1:4566")' in run.stderr


# --------------------------------------------------------------------------- the rest


def test_the_software_dir_variable_is_named_not_conf_dir(tmp_path) -> None:
    env = aws_env(tmp_path, IMPACT360SOFTWAREDIR=str(tmp_path / "nowhere"))
    run = run_cli(["create", "--dry-run"], env)
    assert run.code == 2
    assert "IMPACT360SOFTWAREDIR" in run.stderr
    assert "from --conf-dir" not in run.stderr


def test_the_demo_ignores_the_users_aws_settings(tmp_path) -> None:
    """A stale profile, a foreign endpoint and a bad retry mode in the user's shell: the
    demo still runs on its own local endpoint, as a demo must."""
    (tmp_path / "config").write_text("[profile gone]\nregion = nowhere-1\n", encoding="utf-8")
    env = clean_env(tmp_path, AWS_PROFILE="stale-profile", AWS_DEFAULT_PROFILE="stale",
                    AWS_ENDPOINT_URL="127.0.0.1:1", AWS_RETRY_MODE="bogus",
                    AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_REGION="nowhere")
    proc = subprocess.run([sys.executable, str(ROOT / "dev.py"), "demo"], env=env,
                          capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verify passed" in proc.stdout + proc.stderr


def test_the_demo_environment_has_no_aws_setting_of_the_user(tmp_path) -> None:
    env = demo_env({"AWS_PROFILE": "stale", "aws_ca_bundle": "x", "PATH": "/bin"}, tmp_path)
    assert env["PATH"] == "/bin"
    assert "AWS_PROFILE" not in env and "aws_ca_bundle" not in env
    for variable in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        assert Path(env[variable]).read_text(encoding="utf-8") == ""
    assert json.dumps(env)  # plain strings only


@pytest.mark.parametrize(("variable", "value"), [
    ("AWS_ACCOUNT_ID_ENDPOINT_MODE", "bogus"), ("AWS_REQUEST_CHECKSUM_CALCULATION", "bogus"),
    ("AWS_STS_REGIONAL_ENDPOINTS", "bogus"), ("AWS_CA_BUNDLE", "/nonexistent/ca.pem")])
def test_any_setting_the_sdk_refuses_is_named_before_any_call(tmp_path, variable,
                                                               value) -> None:
    """Settings botocore checks only when it makes a client (or, for the CA bundle, at the
    first HTTPS call): one exit-2 error naming the variable, not a failure per table."""
    env = aws_env(tmp_path, HTTPS_PROXY=f"http://127.0.0.1:{free_port()}", **{variable: value})
    run = run_cli(["verify", "--table", "leasesA", "--table", "leasesB", "--region", REGION,
                   "--output", "json"], env)
    assert run.code == 2, run.stderr
    assert variable in run.json()["error"] and run.json()["tables"] == []


def test_a_stale_profile_is_named_not_reported_as_no_region(tmp_path) -> None:
    env = clean_env(tmp_path, AWS_PROFILE="stale-profile")
    for command in (["policy", "--account-id", "123456789012"], ["template", "--format",
                                                                 "terraform"]):
        run = run_cli([*command, "--table", "leasesA"], env)
        assert run.code == 2
        assert '"stale-profile" (from AWS_PROFILE)' in run.stderr
        assert "No AWS region is known" not in run.stderr
    (tmp_path / "config").write_text("[profile stale-profile]\nregion = eu-west-1\n",
                                     encoding="utf-8")
    env["AWS_CONFIG_FILE"] = str(tmp_path / "config")
    run = run_cli(["policy", "--account-id", "123456789012", "--table", "leasesA"], env)
    assert run.code == 0 and "eu-west-1" in run.stdout
