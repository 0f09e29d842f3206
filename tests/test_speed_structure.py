"""The structural facts behind the speed figures, checked without timing anything.

- A rerun over tables that exist and are ACTIVE costs one DescribeTable per table,
  counted by a recording proxy between the CLI and moto_server.
- Commands that need no AWS never import boto3 or botocore (`python -X importtime`
  lists every module a run imported).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REGION, SAMPLE_CONF, aws_env, clean_env, run_cli
from tests.faultproxy import FaultProxy

TABLES = [f"leasesRerun{i}" for i in range(5)]


def _table_args() -> list[str]:
    return [arg for name in TABLES for arg in ("--table", name)]


def test_rerun_costs_exactly_one_describe_table_per_table(moto, tmp_path: Path) -> None:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    with FaultProxy(moto.url) as proxy:
        first = run_cli(["create", *_table_args(), "--endpoint-url", proxy.url], env)
        assert first.code == 0, first.stderr
        for name in TABLES:  # describe, find nothing, create
            assert proxy.by_table()[name]["CreateTable"] == 1
        proxy.reset()

        rerun = run_cli(["create", *_table_args(), "--endpoint-url", proxy.url,
                         "--output", "json"], env)
        assert rerun.code == 0, rerun.stderr
        assert {t["status"] for t in rerun.json()["tables"]} == {"exists"}
        assert proxy.by_table() == {name: Counter(DescribeTable=1) for name in TABLES}
        assert proxy.by_operation() == Counter(DescribeTable=len(TABLES))


# Commands that must start without the AWS SDK.
NO_AWS_COMMANDS: dict[str, list[str]] = {
    "policy": ["policy", "--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris",
               "--account-id", "123456789012", "--role", "provisioner"],
    "template cloudformation": ["template", "--conf-dir", str(SAMPLE_CONF), "--format",
                                "cloudformation"],
    "template terraform": ["template", "--conf-dir", str(SAMPLE_CONF), "--format",
                           "terraform"],
    "create --dry-run": ["create", "--dry-run", "--conf-dir", str(SAMPLE_CONF),
                         "--host-name", "verintris"],
    "create --dry-run --output json": ["create", "--dry-run", "--table", "leasesX",
                                       "--output", "json"],
    "name": ["name", "--kind", "agent-events", "--application-name", "verintAgentEvents",
             "--host-name", "verintris", "--adapter-id", "2"],
    "--help": ["--help"],
    "create --help": ["create", "--help"],
}


def imports(importtime_log: str) -> set[str]:
    """The full name of every module listed by `-X importtime`."""
    return {line.rsplit("|", 1)[1].strip() for line in importtime_log.splitlines()
            if line.startswith("import time:") and "|" in line}


def top_level_imports(importtime_log: str) -> set[str]:
    """Top-level package names of every module listed by `-X importtime`."""
    return {name.split(".")[0] for name in imports(importtime_log)}


def imported_modules(args: list[str], tmp_path: Path, env: dict[str, str] | None = None,
                     expect_code: int = 0) -> set[str]:
    """Every module a real run of the CLI imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lease_tables", *args],
        capture_output=True, text=True, env=env or clean_env(tmp_path, COLUMNS="80"),
        timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == expect_code, proc.stderr[-2000:]
    modules = top_level_imports(proc.stderr)
    assert "lease_tables" in modules  # the parsing works: we do see our own package
    return modules


@pytest.mark.parametrize("label", sorted(NO_AWS_COMMANDS))
def test_commands_without_aws_never_import_the_sdk(label: str, tmp_path: Path) -> None:
    modules = imported_modules(NO_AWS_COMMANDS[label], tmp_path)
    assert not modules & {"boto3", "botocore", "s3transfer", "urllib3"}, label


def test_a_dry_run_loads_no_footprint_model(tmp_path: Path) -> None:
    """Without --enhanced-fan-out a dry run needs nothing of the footprint (its services,
    rules and ARNs): a fleet's dry run (P4 in bench/README.md) does not pay for it."""
    def loaded(*extra: str) -> set[str]:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "lease_tables", "create", "--dry-run",
             "--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris", *extra],
            capture_output=True, text=True, env=clean_env(tmp_path), timeout=60,
            stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return imports(proc.stderr)

    assert "lease_tables.model.footprint" not in loaded()
    assert "lease_tables.model.footprint" in loaded("--enhanced-fan-out")  # the check sees it


def test_the_import_check_can_fail(moto, tmp_path: Path) -> None:
    """A command that does call AWS shows up as importing botocore: the check sees it."""
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    modules = imported_modules(["verify", "--table", "leasesAbsent", "--endpoint-url",
                                moto.url], tmp_path, env=env, expect_code=3)
    assert {"boto3", "botocore"} <= modules


def test_connection_pool_is_sized_to_concurrency(tmp_path: Path, monkeypatch) -> None:
    """As many HTTP connections as requests in flight: none waits for a socket."""
    from lease_tables.aws.clients import Clients

    for key, value in aws_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    clients = Clients(profile=None, endpoint_url="http://127.0.0.1:9", pool_size=25)
    assert clients.dynamodb(REGION).meta.config.max_pool_connections == 25


def test_a_made_client_is_handed_out_while_another_is_being_made(tmp_path: Path,
                                                                  monkeypatch) -> None:
    """Making a client holds the clients' lock for tens of milliseconds; a probe whose
    client exists must not wait for it (the table probes stalled while the footprint's
    S3, KMS and Connect clients were made)."""
    import threading

    from lease_tables.aws.clients import Clients

    for key, value in aws_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    clients = Clients(profile=None, endpoint_url="http://127.0.0.1:9")
    made = clients.dynamodb(REGION)
    got: list[object] = []
    with clients._lock:  # as while another service's client is being made
        asking = threading.Thread(target=lambda: got.append(clients.dynamodb(REGION)),
                                  daemon=True)
        asking.start()
        asking.join(timeout=5)
        assert got == [made]


def test_the_footprints_longest_chains_start_first(tmp_path: Path, monkeypatch) -> None:
    """The plan gives each row its chain's length (a Connect instance's five lookups, a
    stream's four reads, a consumer's one), and the pool starts the longest first, so
    no long chain waits behind eighty one-call consumers; rows keep the plan's order."""
    from lease_tables.aws.bounded import Board
    from lease_tables.aws.clients import Clients
    from lease_tables.cli.footprint_options import options
    from lease_tables.config.naming import LeaseTable
    from lease_tables.model.consumers import UNKNOWN_ACCOUNT
    from lease_tables.model.footprint import resolve
    from lease_tables.preflight.footprint import plan, preflight_footprint

    for key, value in aws_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    clients = Clients(profile=None, endpoint_url="http://127.0.0.1:9")
    tables = [LeaseTable(f"leasesChain{i}", REGION) for i in range(3)]
    found = resolve(options(["ctr"], True, ["ris-recordings"], None, ["connect-live-"],
                            ["1111aaaa-2222-bbbb-3333-cccc4444dddd"], "/ris"),
                    tables, UNKNOWN_ACCOUNT, REGION)
    planned = plan(clients, tables, found)
    calls = {p.group.row.role: p.calls for p in planned}
    assert calls == {"stream": 4, "stream-consumer": 1, "bucket": 2, "video-stream": 1,
                     "connect-instance": 5, "log-group": 0, "cloudwatch-metrics": 0}
    started: list[str] = []
    for each in planned:
        each.probe = lambda group: started.append(group.row.role)
    rows = preflight_footprint(clients, planned, Board([p.group.row for p in planned]),
                               concurrency=1)
    assert started[:2] == ["connect-instance", "stream"]
    assert started.index("bucket") < started.index("stream-consumer")
    assert [r.table for r in rows] == [p.group.row for p in planned]
