"""Near-twin hints never decide a result, and never name a table's own family.

ListTables feeds only the hint "a table with a near-identical name exists". It is
bounded on its own (docs/errors.md, "Hints never decide results"): when it hangs, fails or
answers oddly, the hint is dropped with a note, and the table's status, the exit
code and the run's duration stay what they would be without it. A table's own
companion tables (KCL 3's `T-CoordinatorState`, `T-WorkerMetricStats`) and its lease
table are never its near twins. End to end, through tests/faultproxy.py in front of
moto_server, with the server's state checked.
"""

from __future__ import annotations

import time
from pathlib import Path

import boto3
import pytest

from lease_tables.aws.clients import HINT_BUDGET
from tests.conftest import REGION, SAMPLE_CONF, MotoServer, aws_env, run_cli
from tests.faultproxy import FaultProxy, aws_error, hanging, raw_answer

AGENT = "verintAgentEvents_verintris.2"
CTR = "verintCTREvents"
SELECTION = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris"]
# A run whose hint hangs takes the hint's bound and the run's own work, never more.
SLACK = 8.0


def admin(moto: MotoServer):
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=moto.url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def make(moto: MotoServer, name: str, key: str = "leaseKey") -> None:
    admin(moto).create_table(
        TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")


def run(tmp_path: Path, proxy: FaultProxy, *args: str) -> tuple[object, float]:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1")
    start = time.monotonic()
    done = run_cli([*args, "--endpoint-url", proxy.url], env, timeout=120)
    return done, time.monotonic() - start


@pytest.fixture()
def proxy(moto: MotoServer):
    with FaultProxy(moto.url) as recorder:
        yield recorder


# ---------------------------------------------------------------- class 2: bounded hints

def test_verify_with_a_hanging_list_tables_still_says_missing(tmp_path, moto, proxy) -> None:
    make(moto, "verintAgentEvents_VERINTRIS.2")  # a twin the hint would have named
    make(moto, CTR)
    proxy.canned["ListTables"] = hanging()
    done, took = run(tmp_path, proxy, "verify", *SELECTION, "--output", "json")

    assert done.code == 3, done
    rows = {t["table_name"]: t for t in done.json()["tables"]}
    assert (rows[AGENT]["status"], rows[CTR]["status"]) == ("missing", "ok")
    message = rows[AGENT]["message"]
    assert "does not exist" in message and "had no answer" not in message
    assert "identical names were not looked for" in message
    assert f"within {HINT_BUDGET:g} s" in message
    assert took < HINT_BUDGET + SLACK, took


def test_verify_shorter_than_the_hint_bound_keeps_describe_tables_answer(
        tmp_path, moto, proxy) -> None:
    """--timeout shorter than the hint's bound: the answer DescribeTable gave stands."""
    proxy.canned["ListTables"] = hanging()
    done, took = run(tmp_path, proxy, "verify", "--table", CTR, "--timeout", "1",
                     "--output", "json")

    assert done.code == 3, done
    (row,) = done.json()["tables"]
    assert row["status"] == "missing" and "had no answer" not in row["message"], row
    assert took < HINT_BUDGET + SLACK, took


def test_create_with_a_hanging_list_tables_finishes_within_the_hint_bound(
        tmp_path, moto, proxy) -> None:
    proxy.canned["ListTables"] = hanging()
    done, took = run(tmp_path, proxy, "create", *SELECTION, "--output", "json",
                     "--timeout", "120")

    assert done.code == 0, done
    rows = done.json()["tables"]
    assert [r["status"] for r in rows] == ["created", "created"]
    assert all("identical names were not looked for" in r["message"] for r in rows)
    assert took < HINT_BUDGET + SLACK, took
    assert sorted(admin(moto).list_tables()["TableNames"]) == sorted([AGENT, CTR])


@pytest.mark.parametrize("answer", [
    aws_error("AccessDeniedException", "User: arn:aws:iam::1:user/p is not authorized"),
    raw_answer(200, '{"TableNames": [1, {"x": 2}]}'),
    raw_answer(200, b"\xff\xfe not json"),
    raw_answer(400, b"\xff\xfe\x00garbage"),
], ids=["denied", "names-not-strings", "not-json", "400-not-utf8"])
def test_a_failing_list_tables_drops_the_hint_with_a_note(tmp_path, moto, proxy,
                                                          answer) -> None:
    proxy.canned["ListTables"] = answer
    done, _ = run(tmp_path, proxy, "verify", "--table", CTR, "--output", "json")

    assert done.code == 3, done
    (row,) = done.json()["tables"]
    assert row["status"] == "missing", row
    assert "identical names were not looked for" in row["message"]
    assert "were not looked for: ListTables at" in row["message"]
    assert "unexpected" not in done.stdout + done.stderr


# ---------------------------------------------------------------- class 3: own family

def test_kcl3_create_names_no_companion_as_a_near_twin(tmp_path, moto, proxy) -> None:
    done, _ = run(tmp_path, proxy, "create", *SELECTION, "--kcl", "3.0", "--output", "json")

    assert done.code == 0, done
    assert len(admin(moto).list_tables()["TableNames"]) == 6
    assert "near-identical" not in done.stdout + done.stderr, done


@pytest.mark.parametrize("kcl", ["3.0", "3.5", "2"])
def test_verify_names_no_family_member_as_a_twin(tmp_path, moto, proxy, kcl) -> None:
    """Whatever is missing of one adapter's family, the rest of it is never its twin;
    a true twin (the same host in other letter case, same role) still is."""
    other = "verintAgentEvents_VERINTRIS.2-CoordinatorState"
    for name, key in ((AGENT, "leaseKey"), (f"{AGENT}-WorkerMetricStats", "wid"),
                      (f"{CTR}-CoordinatorState", "key"), (other, "key")):
        make(moto, name, key)
    done, _ = run(tmp_path, proxy, "verify", *SELECTION, "--kcl", kcl, "--output", "json")

    missing = {t["table_name"]: t["message"] for t in done.json()["tables"]
               if t["status"] == "missing"}
    assert CTR in missing, done
    for name, message in missing.items():
        if name == f"{AGENT}-CoordinatorState":
            assert message.endswith(f"A table with a near-identical name exists: {other}. "
                                    f"The adapter will not use it: {other} differs only in "
                                    f"letter case, and table names are case-sensitive. Check "
                                    f"the host name (--host-name) and the Application Name."
                                    ), message
        else:
            assert "near-identical" not in message, (name, message)
            assert "--host-name" not in message, (name, message)
