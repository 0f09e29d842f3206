"""Honest at the edges: what AWS (or something pretending to be it) says, told truly.

Each case is built as production would see it: the installed CLI, a real
moto_server, and tests/faultproxy.py answering chosen calls with the exact
texts, states and silences AWS produces and a local endpoint cannot. The
assertions read the output an operator acts on, and the server's state.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REGION, aws_env, clean_env, cli_executable, run_cli, start_cli
from tests.faultproxy import (
    LIMIT_IN_FLIGHT_TEXT,
    LIMIT_QUOTA_TEXT,
    Canned,
    FaultProxy,
    SilentServer,
    aws_error,
    described,
)

TOKEN = "IQoJb3JpZ2luX2VjEJr" + "x" * 40 + "SessionTokenSecretTail"
KEY_ID = "ASIAQWERTYUIOPASDFGH"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecretvalue"
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

# What AWS answers for a request whose signature does not match: the message quotes
# the canonical request, session-token header included.
SIGNATURE_MISMATCH = aws_error("InvalidSignatureException", (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details.\n\nThe Canonical String for this request should have been\n'POST\n/\n\n"
    "content-type:application/x-amz-json-1.0\nhost:dynamodb.us-east-1.amazonaws.com\n"
    f"x-amz-date:20261128T120000Z\nx-amz-security-token:{TOKEN}\n"
    "x-amz-target:DynamoDB_20120810.DescribeTable\n\n"
    "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
    f"{SIGNATURE}'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n"
    f"20261128T120000Z\n20261128/us-east-1/dynamodb/aws4_request\n{SIGNATURE}'\n"
    f"Credential={KEY_ID}/20261128/us-east-1/dynamodb/aws4_request"))


def session_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return clean_env(tmp_path, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
                     AWS_SESSION_TOKEN=TOKEN, AWS_MAX_ATTEMPTS="1", **extra)


def create_json(table: str, endpoint: str, env: dict[str, str], *extra: str,
                timeout: float = 120):
    return run_cli(["create", "--table", table, "--region", REGION, "--endpoint-url",
                    endpoint, "--output", "json", *extra], env, timeout=timeout)


def no_secret_in(text: str) -> None:
    for secret in (TOKEN, SECRET, KEY_ID, SIGNATURE, "SessionTokenSecretTail"):
        assert secret not in text, f"{secret[:12]}... leaked"


# ------------------------------------------------------------------ secrets


def test_a_signature_error_quoting_the_session_token_leaks_nothing(moto, tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["DescribeTable"] = SIGNATURE_MISMATCH
        run = create_json("leasesSigned", proxy.url, session_env(tmp_path))
    no_secret_in(run.stdout + run.stderr)
    assert run.code == 1
    [table] = run.json()["tables"]
    assert table["status"] == "failed"
    # one line, named for what it is: credentials (or the clock), not the policy
    assert "\n" not in table["message"]
    assert "signature did not match" in table["message"] and "clock" in table["message"]
    assert "not a permission problem" in table["message"]
    assert "lease-tables policy" not in table["message"]
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_message_that_opens_with_the_token_is_redacted_not_just_cut(moto, tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["CreateTable"] = aws_error(
            "AccessDeniedException", f"x-amz-security-token:{TOKEN} Credential={KEY_ID}/x "
                                     f"is not authorized to perform: dynamodb:CreateTable")
        run = create_json("leasesEarly", proxy.url, session_env(tmp_path))
    no_secret_in(run.stdout + run.stderr)
    assert "x-amz-security-token:***" in run.json()["tables"][0]["message"]


def test_verbose_logs_no_signature_token_or_key(moto, tmp_path) -> None:
    run = run_cli(["verify", "--table", "leasesVerbose", "--region", REGION,
                   "--endpoint-url", moto.url, "--verbose"], session_env(tmp_path))
    # Verbose shows each attempt (operation, endpoint, status), never headers or signing.
    assert f"DescribeTable at {moto.url}: HTTP 400 ResourceNotFoundException" in run.stderr
    assert "signature" not in run.stderr.lower()
    assert "x-amz-security-token" not in run.stderr.lower()
    no_secret_in(run.stdout + run.stderr)
    assert run.code == 3  # missing: the run itself went through


# ------------------------------------------------------------------ classification


@pytest.mark.parametrize(("code", "words"), [
    ("ExpiredTokenException", "credentials have expired"),
    ("UnrecognizedClientException", "does not recognise the access key"),
    ("InvalidSignatureException", "signature did not match"),
])
def test_rejected_credentials_are_never_blamed_on_the_policy(moto, tmp_path, code: str,
                                                             words: str) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["DescribeTable"] = aws_error(code, "The security token included in "
                                                        "the request is expired or invalid")
        run = create_json("leasesCreds", proxy.url, session_env(tmp_path))
    assert run.code == 1
    [table] = run.json()["tables"]
    assert words in table["message"] and "not a permission problem" in table["message"]
    assert "policy" not in table["message"]
    assert proxy.operations() == ["DescribeTable"]  # nothing was tried after it


def test_access_denied_names_the_action_and_the_policy(moto, tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["CreateTable"] = aws_error(
            "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ops is not "
            "authorized to perform: dynamodb:CreateTable on resource: table/leasesDenied")
        run = create_json("leasesDenied", proxy.url, session_env(tmp_path))
    assert run.code == 1
    message = run.json()["tables"][0]["message"]
    assert "may not call dynamodb:CreateTable" in message
    assert "lease-tables policy --role provisioner" in message


@pytest.mark.parametrize("env_extra", [
    {"AWS_ACCESS_KEY_ID": "AKIAONLYTHEKEYID0000"},
    {"AWS_SECRET_ACCESS_KEY": "only-the-secret-value"},
])
def test_a_key_without_its_secret_is_a_credentials_error(moto, tmp_path,
                                                         env_extra: dict[str, str]) -> None:
    run = run_cli(["verify", "--table", "leasesHalf", "--region", REGION, "--endpoint-url",
                   moto.url, "--output", "json"], clean_env(tmp_path, **env_extra))
    assert run.code == 1
    document = run.json()
    assert document["ok"] is False and document["tables"] == []
    assert "credentials" in document["error"] and "internal error" not in document["error"]
    assert "only-the-secret-value" not in run.stdout + run.stderr


def test_a_failing_credential_process_is_named(moto, tmp_path) -> None:
    config = tmp_path / "config"
    failing = f'"{sys.executable}" -c "import sys; sys.exit(3)"'
    config.write_text(f"[profile broken]\ncredential_process = {failing}\n")
    env = clean_env(tmp_path, AWS_CONFIG_FILE=str(config))
    run = run_cli(["create", "--table", "leasesProc", "--region", REGION, "--profile",
                   "broken", "--endpoint-url", moto.url, "--output", "json"], env)
    assert run.code == 1
    assert "credential_process" in run.json()["error"]
    assert "internal error" not in run.stderr
    assert moto.client().list_tables()["TableNames"] == []


def test_an_aws_config_file_with_a_byte_order_mark_is_named(moto, tmp_path) -> None:
    config = tmp_path / "config"
    config.write_bytes(b"\xef\xbb\xbf[default]\nregion = us-east-1\n")
    env = aws_env(tmp_path, AWS_CONFIG_FILE=str(config))
    for args in (["create", "--dry-run"], ["verify", "--endpoint-url", moto.url]):
        run = run_cli([*args, "--table", "leasesBom", "--output", "json"], env)
        assert run.code == 2, run
        assert "byte-order mark" in run.json()["error"] and str(config) in run.stderr
        assert "internal error" not in run.stderr


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "htp://127.0.0.1:8000", "http://",
                                 "http://127.0.0.1:99999"])
def test_a_malformed_endpoint_url_is_bad_input_before_any_call(tmp_path, url: str) -> None:
    for command in (["create"], ["verify"], ["preflight"], ["create", "--dry-run"]):
        run = run_cli([*command, "--table", "leasesUrl", "--region", REGION, "--endpoint-url",
                       url, "--output", "json"], aws_env(tmp_path))
        assert run.code == 2, (command, run)
        assert "--endpoint-url" in run.json()["error"]


def test_a_proxy_html_page_is_not_called_dynamodb(moto, tmp_path) -> None:
    page = b"<!DOCTYPE html><html><body><h1>Access to this site is blocked</h1></body></html>"
    for status in (200, 403):
        with FaultProxy(moto.url) as proxy:
            proxy.canned["DescribeTable"] = Canned(status, page, "text/html")
            run = create_json("leasesHtml", proxy.url, aws_env(tmp_path))
        assert run.code == 1
        message = run.json()["tables"][0]["message"]
        assert "not DynamoDB's" in message or "not a DynamoDB error" in message, message
        assert "KeyError" not in run.stderr and "internal error" not in run.stderr
        assert proxy.operations() == ["DescribeTable"]


def test_a_table_quota_fails_within_a_minute_naming_the_quota(moto, tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["CreateTable"] = aws_error("LimitExceededException", LIMIT_QUOTA_TEXT)
        started = time.monotonic()
        run = create_json("leasesQuota", proxy.url, aws_env(tmp_path))
        elapsed = time.monotonic() - started
    assert run.code == 1
    message = run.json()["tables"][0]["message"]
    assert "table quota" in message and "Service Quotas" in message
    assert "Wait a minute" not in message
    # Sent once: botocore's standard mode would retry this code as a throttle (six
    # attempts), but no wait clears a quota, and no queueing of ours is added on top
    assert proxy.operations().count("CreateTable") == 1 and elapsed < 30


def test_the_operations_limit_is_waited_on_then_named(moto, tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["CreateTable"] = aws_error("LimitExceededException", LIMIT_IN_FLIGHT_TEXT)
        run = create_json("leasesBusy", proxy.url, aws_env(tmp_path, AWS_MAX_ATTEMPTS="1"),
                          "--timeout", "4")
    assert run.code == 1
    message = run.json()["tables"][0]["message"]
    assert "operations in progress at once" in message or "queued" in message
    assert proxy.operations().count("CreateTable") >= 2  # it did queue and retry


# ------------------------------------------------------------------ table states


@pytest.mark.parametrize("state", ["ARCHIVED", "ARCHIVING",
                                   "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "DELETING",
                                   "FROZEN_BY_A_FUTURE_API"])
@pytest.mark.parametrize("wait", ["--wait", "--no-wait"])
def test_an_unusable_state_fails_at_once_and_is_never_created(moto, tmp_path, state: str,
                                                              wait: str) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["DescribeTable"] = described("leasesState", state)
        started = time.monotonic()
        run = create_json("leasesState", proxy.url, aws_env(tmp_path), wait)
        elapsed = time.monotonic() - started
    assert run.code == 1, run
    [table] = run.json()["tables"]
    assert table["status"] == "failed" and state in table["message"]
    assert "creation was requested" not in table["message"].lower()
    assert elapsed < 20  # not the 300 s default --timeout
    assert "CreateTable" not in proxy.operations()


def test_updating_is_usable_for_create_and_verify(moto, tmp_path) -> None:
    with FaultProxy(moto.url) as proxy:
        proxy.canned["DescribeTable"] = described("leasesUpdating", "UPDATING")
        created = create_json("leasesUpdating", proxy.url, aws_env(tmp_path))
        verified = run_cli(["verify", "--table", "leasesUpdating", "--region", REGION,
                            "--endpoint-url", proxy.url, "--output", "json"], aws_env(tmp_path))
    assert created.code == 0 and created.json()["tables"][0]["status"] == "exists"
    assert verified.code == 0 and verified.json()["tables"][0]["status"] == "ok"


def test_verify_states(moto, tmp_path) -> None:
    expected = {"CREATING": ("not-active", 3), "ARCHIVED": ("failed", 1),
                "ACTIVE": ("ok", 0)}
    for state, (status, code) in expected.items():
        with FaultProxy(moto.url) as proxy:
            proxy.canned["DescribeTable"] = described("leasesVerify", state)
            run = run_cli(["verify", "--table", "leasesVerify", "--region", REGION,
                           "--endpoint-url", proxy.url, "--output", "json"], aws_env(tmp_path))
        assert (run.json()["tables"][0]["status"], run.code) == (status, code), state


# ------------------------------------------------------------------ bounded


@pytest.mark.parametrize(("command", "timeout"), [("create", 5), ("verify", 3),
                                                  ("preflight", 3)])
def test_a_silent_endpoint_is_bounded_by_timeout(tmp_path, command: str,
                                                 timeout: int) -> None:
    tables = [arg for i in range(12) for arg in ("--table", f"leasesSilent{i:02d}")]
    with SilentServer() as silent:
        started = time.monotonic()
        run = run_cli([command, *tables, "--region", REGION, "--endpoint-url", silent.url,
                       "--timeout", str(timeout), "--output", "json"], aws_env(tmp_path),
                      timeout=60)
        elapsed = time.monotonic() - started
    assert silent.accepted >= 1
    assert elapsed < timeout + 4, elapsed
    assert run.code == 1
    document = run.json()
    assert len(document["tables"]) == 12
    for table in document["tables"]:
        assert table["status"] == "failed"
        assert f"within {timeout} s (--timeout)" in table["message"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(("command", "word"), [("verify", "verify stopped"),
                                               ("preflight", "preflight stopped"),
                                               ("create", "create stopped")])
def test_ctrl_c_against_a_silent_endpoint_acts_within_two_seconds(tmp_path, command: str,
                                                                  word: str) -> None:
    with SilentServer() as silent:
        process = start_cli([command, "--table", "leasesHung", "--region", REGION,
                             "--endpoint-url", silent.url, "--output", "json"],
                            aws_env(tmp_path))
        deadline = time.monotonic() + 20
        while silent.accepted == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert silent.accepted >= 1, "the command never reached the endpoint"
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        took = time.monotonic() - sent
    assert took < 2, took
    assert process.returncode == 130
    assert word in err and "Traceback" not in err
    if command != "create":
        assert "creat" not in err.split(word, 1)[1]  # no talk of creating tables
    document = json.loads(out)
    assert document["ok"] is False and "interrupted" in document["error"]


# ------------------------------------------------------------------ output contract


def test_usage_errors_still_print_one_json_object(tmp_path) -> None:
    run = run_cli(["create", "--table", "x", "--output", "json", "--no-such-option"],
                  clean_env(tmp_path))
    assert run.code == 2
    document = run.json()
    assert document["ok"] is False and "--no-such-option" in document["error"]
    assert document["tables"] == []


def test_data_output_is_utf8_whatever_the_console_code_page(tmp_path) -> None:
    env = clean_env(tmp_path, PYTHONIOENCODING="cp1252")
    for args in (["template", "--format", "cloudformation"],
                 ["template", "--format", "terraform"],
                 ["create", "--dry-run"]):
        proc = subprocess.run([cli_executable(), *args, "--table", "leasesUtf",
                               "--region", REGION, "--tag", "Owner=日本", "--tag", "Team=Müller"],
                              env=env, capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
        text = proc.stdout.decode("utf-8")  # strict: not UTF-8 would raise
        if "terraform" in args:  # JSON: non-ASCII may be escaped; the value is what counts
            text = json.dumps(json.loads(text), ensure_ascii=False)
        assert "日本" in text and "Müller" in text and "internal error" not in text


def test_help_fits_80_columns_and_shows_every_switch_whole(tmp_path) -> None:
    env = clean_env(tmp_path, COLUMNS="80", TERM="dumb")
    for command in ("create", "verify", "preflight", "name", "policy", "template"):
        proc = subprocess.run([cli_executable(), command, "--help"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0
        assert "<bool>" not in proc.stdout
        assert max(len(line) for line in proc.stdout.splitlines()) <= 80, command
        if command in ("create", "template"):
            assert "--deletion-protection / --no-deletion" in proc.stdout


def test_verify_accepts_the_billing_mode_create_was_given(moto, tmp_path) -> None:
    env = aws_env(tmp_path)
    base = ["--table", "leasesOnDemand", "--region", REGION, "--endpoint-url", moto.url]
    assert run_cli(["create", *base, "--billing-mode", "on-demand"], env).code == 0
    warned = run_cli(["verify", *base, "--output", "json"], env)
    told = run_cli(["verify", *base, "--billing-mode", "on-demand", "--output", "json"], env)
    assert "PAY_PER_REQUEST" in warned.json()["tables"][0]["message"]
    assert told.code == 0 and told.json()["tables"][0]["message"] == ""


def test_near_twins_are_counted_right_and_drift_advice_is_possible(moto, tmp_path) -> None:
    client = moto.client()
    for name in ("leasesTwin_VERINTRIS.2", "LEASESTWIN_verintris.2"):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "leaseKey",
                                                   "AttributeType": "S"}])
    client.create_table(TableName="leasesDrifted", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    env = aws_env(tmp_path)
    run = run_cli(["verify", "--table", "leasesTwin_verintris.2", "--table", "leasesDrifted",
                   "--region", REGION, "--endpoint-url", moto.url, "--output", "json"], env)
    drift, missing = run.json()["tables"]
    assert "tables with near-identical names exist" in missing["message"].lower()
    # no advice DynamoDB cannot follow: it has no rename
    assert "rename or remove" not in drift["message"]
    assert "cannot" in drift["message"] and "delete it by hand" in drift["message"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX paths in the assertion")
def test_quiet_preflight_still_shows_create_allowed(moto, tmp_path) -> None:
    env = aws_env(tmp_path)
    assert run_cli(["create", "--table", "leasesQuiet", "--region", REGION, "--endpoint-url",
                    moto.url], env).code == 0
    # moto without IAM enforcement allows everything: CreateTable is not denied.
    run = run_cli(["preflight", "--table", "leasesQuiet", "--region", REGION,
                   "--endpoint-url", moto.url, "-q"], env)
    assert run.code == 0
    assert "create-allowed" in run.stdout and "leasesQuiet" in run.stdout
