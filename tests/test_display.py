"""The terminal experience: live table and summary on a TTY, plain lines off it, --quiet.

The TTY cases run the installed CLI inside a real pseudo-terminal (the `pty`
module), so rich decides exactly as it would for an operator.
"""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from lease_tables.display import LiveTable, print_summary
from lease_tables.naming import LeaseTable
from lease_tables.outcome import TableResult
from tests.conftest import REGION, SAMPLE_CONF, aws_env, cli_executable, run_cli

ANSI = re.compile(r"\x1b[\[\]()][0-9;?]*[A-Za-z]?")
LONG = "verintAgentEvents_" + "a-very-long-ris-host-name-that-goes-on" * 3 + ".2"


def table(name: str) -> LeaseTable:
    return LeaseTable(table_name=name, region=REGION, sources=("--table",))


def plain_console(width: int = 80, height: int = 24) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, height=height, color_system=None,
                   force_terminal=False), buffer


def test_live_rows_show_status_elapsed_and_fit_80_columns() -> None:
    tables = [table("verintCTREvents"), table(LONG), table("ctrLeasesApac")]
    out, buffer = plain_console()
    live = LiveTable(tables, out)
    live.on_status(tables[0], "created", "creating")
    live.on_status(tables[2], "exists", "")
    out.print(live.render())
    lines = buffer.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    creating = next(line for line in lines if "verintCTREvents" in line)
    assert "creating" in creating and re.search(r"\d+\.\d s", creating)
    assert any("exists" in line and "ctrLeasesApac" in line for line in lines)
    assert any("waiting" in line and "verintAgentEvents_" in line for line in lines)
    assert "3 tables: 1 creating, 1 exists, 1 waiting" in lines[-1]


def test_a_big_fleet_shows_rows_in_progress_and_counts_the_rest() -> None:
    tables = [table(f"lease{i:03}") for i in range(200)]
    out, buffer = plain_console(height=12)
    live = LiveTable(tables, out)
    for t in tables[:150]:
        live.on_status(t, "created", "")
    live.on_status(tables[170], "created", "creating")
    out.print(live.render())
    lines = buffer.getvalue().splitlines()
    assert len(lines) <= 12
    assert "lease170" in lines[0]  # in progress comes first
    assert "more not shown" in lines[-1] and "150 created" in lines[-1]


def test_summary_fits_80_columns_and_keeps_every_fact() -> None:
    results = [TableResult(table(LONG), "created"),
               TableResult(table("verintCTREvents"), "drift", "wrong key: id (S, HASH)")]
    out, buffer = plain_console()
    print_summary(results, io.StringIO(), verb="create", out=out)
    text = buffer.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "wrong key: id (S, HASH)" in text and "given with --table" in text
    assert text.rstrip().endswith("attention needed (exit 3).")


def test_a_dry_run_summary_says_each_role_s_plan_once() -> None:
    from lease_tables import kcl, spec

    tables = kcl.expand([table("app")], kcl.layout_for("3.0"))
    plans = kcl.layout_for("3.0").plans(spec.TableOptions())
    out, buffer = plain_console(width=200)
    print_summary([TableResult(t, "planned") for t in tables], io.StringIO(),
                  extra={role: f"would create: {plan}" for role, plan in plans.items()},
                  out=out)
    lines = [line.strip() for line in buffer.getvalue().splitlines()]
    assert ("coordinator-state tables, would create: key key (String, HASH), on-demand, "
            "deletion protection on") in lines
    assert ("worker-metrics tables, would create: key wid (String, HASH), on-demand, "
            "deletion protection on") in lines
    assert sum(line.startswith("lease tables, would create: key leaseKey") for line in lines) == 1


def run_in_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on one pseudo-terminal (80x24)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen([cli_executable(), *args], stdin=follower, stdout=follower,
                            stderr=follower, env=env, close_fds=True)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(leader)
    code = proc.wait(timeout=10)
    return code, b"".join(chunks).decode("utf-8", "replace")


pytestmark_pty = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


@pytestmark_pty
def test_on_a_tty_create_shows_the_summary_table(moto, tmp_path: Path) -> None:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, TERM="xterm-256color")
    env.pop("NO_COLOR")
    code, screen = run_in_pty(["create", "--conf-dir", str(SAMPLE_CONF), "--host-name",
                               "verintris", "--endpoint-url", moto.url], env)
    assert code == 0, screen
    plain = ANSI.sub("", screen)
    assert "create: 2 tables: 2 created. all fine (exit 0)." in plain
    assert "verintAgentEvents_verintris.2  us-east-1" in plain  # the columns, not a line
    assert "\x1b[" in screen  # colour and cursor control: a person is watching
    assert sorted(moto.client().list_tables()["TableNames"]) == [
        "verintAgentEvents_verintris.2", "verintCTREvents"]


@pytestmark_pty
def test_on_a_tty_no_color_means_no_colour(moto, tmp_path: Path) -> None:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, TERM="xterm-256color")
    code, screen = run_in_pty(["create", "--table", "leasesNoColour", "--endpoint-url",
                               moto.url], env)
    assert code == 0, screen
    sgr = [int(n) for params in re.findall(r"\x1b\[([0-9;]*)m", screen)
           for n in params.split(";") if n]
    assert "\x1b[" in screen  # still a live display: cursor control, bold
    assert not [n for n in sgr if 30 <= n <= 49 or 90 <= n <= 107], repr(screen)


@pytestmark_pty
def test_on_a_tty_quiet_prints_nothing_when_all_is_fine(moto, tmp_path: Path) -> None:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, TERM="xterm-256color")
    code, screen = run_in_pty(["create", "--quiet", "--table", "leasesQuiet",
                               "--endpoint-url", moto.url], env)
    assert (code, screen) == (0, "")


def test_off_a_tty_output_is_plain_lines_without_control_codes(cli, moto) -> None:
    run = cli("create", "--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris")
    assert run.code == 0
    assert "\x1b" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["created", "created", "create:"]
    assert lines[0].startswith("created        verintAgentEvents_verintris.2  [us-east-1]")


def test_quiet_shows_only_what_needs_attention(cli, moto) -> None:
    assert cli("create", "--quiet", "--table", "leasesFine").stdout == ""
    moto.client().create_table(
        TableName="leasesWrongKey", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    run = cli("create", "--quiet", "--table", "leasesFine", "--table", "leasesWrongKey")
    assert run.code == 3
    lines = run.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("drift") and "leasesWrongKey" in lines[0]
    assert lines[1].startswith("create: 2 tables: 1 drift, 1 exists.")
    run = cli("verify", "--quiet", "--table", "leasesFine")
    assert (run.code, run.stdout, run.stderr) == (0, "", "")


def test_json_output_is_only_the_object_even_with_quiet(cli, moto) -> None:
    run = cli("create", "--quiet", "--table", "leasesJson", "--output", "json")
    assert run.code == 0
    assert run.json()["tables"][0]["status"] == "created"


def test_dry_run_quiet_prints_nothing(tmp_path: Path) -> None:
    from tests.conftest import clean_env

    run = run_cli(["create", "--dry-run", "--quiet", "--table", "leasesDry"],
                  clean_env(tmp_path))
    assert (run.code, run.stdout, run.stderr) == (0, "", "")
