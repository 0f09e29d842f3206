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
from inline_snapshot import snapshot
from rich.console import Console

from lease_tables.config.naming import LeaseTable
from lease_tables.model.outcome import TableResult
from lease_tables.render.display import LiveTable, print_summary
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
    assert "tables: 1 creating, 1 exists, 1 waiting" in lines[-1]


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
    # A name longer than the terminal is left whole, to the terminal's soft wrap.
    assert all(len(line) <= 80 or LONG in line for line in text.splitlines())
    assert any(LONG in line for line in text.splitlines())
    assert "wrong key: id (S, HASH)" in text and "given with --table" in text
    assert text.rstrip().endswith("attention needed (exit 3).")


def test_a_dry_run_summary_says_each_role_s_plan_once() -> None:
    from lease_tables.model import kcl, spec

    tables = kcl.expand([table("app")], kcl.layout_for("3.0"))
    plans = kcl.layout_for("3.0").plans(spec.TableOptions())
    out, buffer = plain_console(width=200)
    print_summary([TableResult(t, "planned") for t in tables], io.StringIO(),
                  extra={role: f"would create: {plan}" for role, plan in plans.items()},
                  out=out)
    lines = [line.strip() for line in buffer.getvalue().splitlines()]
    assert [line for line in lines if "tables, would create" in line] == snapshot([
        "lease tables, would create: key leaseKey (String, HASH), provisioned 10 RCU / 10 WCU, "
        "deletion protection on; KCL 3.0-3.4: index LeaseOwnerToLeaseKeyIndex (leaseOwner HASH + "
        "leaseKey RANGE, KEYS_ONLY)",
        "coordinator-state tables, would create: key key (String, HASH), on-demand, deletion "
        "protection on",
        "worker-metrics tables, would create: key wid (String, HASH), on-demand, deletion "
        "protection on",
    ])
    assert sum(line.startswith("lease tables, would create: key leaseKey") for line in lines) == 1


def run_in_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on one pseudo-terminal (80x24)."""
    proc, leader = start_in_terminal(args, env)
    try:
        screen = read_terminal(proc, leader, timeout=timeout)
    finally:
        os.close(leader)
    return proc.wait(timeout=10), screen


pytestmark_pty = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


@pytestmark_pty
def test_on_a_tty_create_shows_the_summary_table(moto, tmp_path: Path) -> None:
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, TERM="xterm-256color")
    env.pop("NO_COLOR")
    code, screen = run_in_pty(["create", "--conf-dir", str(SAMPLE_CONF), "--host-name",
                               "verintris", "--endpoint-url", moto.url], env)
    assert code == 0, screen
    plain = ANSI.sub("", screen)
    assert "2 tables: 2 created. all fine (exit 0)." in plain
    assert "Events_verintris.2  us-east-1" in plain  # the columns, not a line
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


# ------------------------------------------------------------------ one escaping path, TTY too

CSI = re.compile(r"\x1b\[([0-9;?]*)([@-~])")
OTHER_ESCAPE = re.compile(r"\x1b(?:\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")


class Screen:
    """What a VT100-style terminal shows after `feed`: just the controls rich and a tty
    line discipline use (text with auto-wrap, CR, LF, cursor up/down/column, erase
    line/screen), enough to see which lines a live display left behind."""

    def __init__(self, width: int = 80, height: int = 24) -> None:
        self.width, self.height = width, height
        self.scrolled: list[str] = []
        self.rows = [[" "] * width for _ in range(height)]
        self.row = self.col = 0
        self.wrap = False  # the cursor sits past the last column, as after a full line

    def _down(self) -> None:
        if self.row == self.height - 1:
            self.scrolled.append("".join(self.rows.pop(0)))
            self.rows.append([" "] * self.width)
        else:
            self.row += 1

    def feed(self, text: str) -> Screen:
        i = 0
        while i < len(text):
            match = CSI.match(text, i) or OTHER_ESCAPE.match(text, i)
            if match and match.re is CSI:
                self._control(match.group(1), match.group(2))
                i = match.end()
                continue
            if match:
                i = match.end()
                continue
            char = text[i]
            i += 1
            if char == "\r":
                self.col, self.wrap = 0, False
            elif char == "\n":
                self._down()
                self.wrap = False
            elif char == "\b":
                self.col, self.wrap = max(self.col - 1, 0), False
            elif char.isprintable():
                if self.wrap:
                    self.col, self.wrap = 0, False
                    self._down()
                self.rows[self.row][self.col] = char
                if self.col == self.width - 1:
                    self.wrap = True
                else:
                    self.col += 1
        return self

    def _control(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return  # cursor visibility and other modes
        numbers = [int(n) for n in params.split(";") if n] or [0]
        count = max(numbers[0], 1)
        self.wrap = False
        if final == "A":
            self.row = max(self.row - count, 0)
        elif final == "B":
            self.row = min(self.row + count, self.height - 1)
        elif final == "G":
            self.col = min(count - 1, self.width - 1)
        elif final == "K":
            left, right = {0: (self.col, self.width), 1: (0, self.col + 1),
                           2: (0, self.width)}[numbers[0]]
            self.rows[self.row][left:right] = [" "] * (right - left)
        elif final == "J" and numbers[0] == 2:
            self.rows = [[" "] * self.width for _ in range(self.height)]

    def lines(self) -> list[str]:
        shown = self.scrolled + ["".join(r) for r in self.rows]
        return [line.rstrip() for line in shown if line.strip()]


def start_in_terminal(args: list[str], env: dict[str, str]):
    """The CLI on a fresh pty that is its controlling terminal (80x24), as in an
    operator's shell: a Ctrl+C typed there (\\x03) reaches it as SIGINT, echoed "^C"."""
    import fcntl
    import pty
    import struct
    import termios

    from tests.conftest import default_signals

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def session() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        default_signals()

    proc = subprocess.Popen([cli_executable(), *args], stdin=follower, stdout=follower,
                            stderr=follower, env=env, close_fds=True, preexec_fn=session)
    os.close(follower)
    return proc, leader


def read_terminal(proc, leader: int, until=None, timeout: float = 60) -> str:
    """What the terminal received, until `until(text so far)` or the process ends."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until is not None and until(text := b"".join(chunks).decode("utf-8", "replace")):
            return text
        ready, _, _ = select.select([leader], [], [], 0.1)
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
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture()
def slow_dynalite():
    from tests.conftest import start_dynalite, stop

    server = start_dynalite(create_ms=8000)
    yield server
    stop(server.process)


@pytestmark_pty
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupt_leaves_no_stale_live_row_above_the_message(slow_dynalite, tmp_path,
                                                                 how: str) -> None:
    import signal

    env = aws_env(tmp_path, TERM="xterm-256color")
    proc, leader = start_in_terminal(
        ["create", "--table", "leasesLiveA", "--table", "leasesLiveB", "--region", REGION,
         "--endpoint-url", slow_dynalite.url], env)
    try:
        seen = read_terminal(proc, leader, until=lambda text: text.count("creating") >= 6)
        assert "creating" in seen, seen
        if how == "ctrl-c":
            os.write(leader, b"\x03")  # typed at the terminal: SIGINT, and "^C" echoed
        else:
            proc.send_signal(signal.SIGTERM)
        seen += read_terminal(proc, leader)
    finally:
        os.close(leader)
    code = proc.wait(timeout=10)
    lines = Screen().feed(seen).lines()
    assert code == (130 if how == "ctrl-c" else 143), lines
    assert not [line for line in lines if "creating" in line or "s leasesLive" in line], lines
    closing = " ".join(line.strip() for line in lines)
    assert "create stopped; CreateTable had been" in closing
    assert "had been accepted for 2 table(s)" in closing


ODD_STATE = "ACT\x1b[2J\u202eIVE"
ODD_STATE_SHOWN = "ACT\\x1b[2J\\u202eIVE"


@pytestmark_pty
@pytest.mark.parametrize("command", ["verify", "create"])
def test_a_value_from_aws_is_escaped_alike_on_a_terminal_in_a_pipe_and_in_json(
        moto, tmp_path, command: str) -> None:
    from tests.faultproxy import FaultProxy, described

    env = aws_env(tmp_path, TERM="xterm-256color")
    with FaultProxy(moto.url) as proxy:
        proxy.canned["DescribeTable"] = described("leasesOdd", ODD_STATE)
        args = [command, "--table", "leasesOdd", "--region", REGION, "--endpoint-url",
                proxy.url]
        text = run_cli(args, env)
        document = run_cli([*args, "--output", "json"], env)
        code, screen = run_in_pty(args, env)
    [table] = document.json()["tables"]
    message = table["message"]
    assert code == text.code == document.code == 1
    raw = ("\x1b[2J", "\u202e")
    for sink in (text.stdout, message, screen):
        assert not any(r in sink for r in raw), repr(sink)
    squeezed = "".join(ANSI.sub("", screen).split())  # the summary wraps long details
    assert ODD_STATE_SHOWN in message
    assert ODD_STATE_SHOWN in text.stdout
    assert ODD_STATE_SHOWN in squeezed


def test_the_terminal_summary_prints_values_never_markup() -> None:
    """Tags, paths and messages are text on the terminal: `[/]` is no markup error and
    `[recording-team]` is not swallowed as a style."""
    out = Console(file=io.StringIO(), width=80, height=24, force_terminal=True,
                  color_system="truecolor")
    named = LeaseTable(table_name="leasesMarkup", region=REGION,
                       sources=("/srv/[bold]RIS[/]/Conf/IntegrationService.xml",),
                       adapter_kind="connect", application_name="leasesMarkup")
    results = [TableResult(named, "failed", "state [red]ACT\x1b[31mIVE[/red] \u202e")]
    print_summary(results, out.file, verb="dry run, nothing created", out=out,
                  extra="would create: tags owner=[recording-team], note=use [/] carefully")
    screen = out.file.getvalue()
    plain = "".join(ANSI.sub("", screen).split())
    assert "owner=[recording-team],note=use[/]" in plain
    assert "note=use[/]carefully" in plain
    assert "/srv/[bold]RIS[/]/Conf/Integration" in plain
    assert "state[red]ACT\\x1b[31mIVE[/red]\\u202e" in plain
    assert "\x1b[31m" not in screen and "\u202e" not in screen


def test_the_live_table_prints_values_never_markup() -> None:
    out = Console(file=io.StringIO(), width=80, height=24, force_terminal=True)
    live = LiveTable([table("leases[bold]x[/]")], out)
    live.on_status(table("leases[bold]x[/]"), "created", "")
    out.print(live.render())
    assert "leases[bold]x[/]" in ANSI.sub("", out.file.getvalue())


@pytestmark_pty
@pytest.mark.parametrize("tag", ["owner=[recording-team]", "note=use [/] carefully"])
def test_a_tag_on_a_terminal_dry_run_shows_as_typed(tmp_path, tag: str) -> None:
    from tests.conftest import clean_env

    env = clean_env(tmp_path, TERM="xterm-256color")
    code, screen = run_in_pty(["create", "--dry-run", "--table", "leasesTagged", "--region",
                               REGION, "--tag", tag], env)
    plain = ANSI.sub("", screen)
    assert "internal error" not in plain and "Traceback" not in plain
    # Shown as typed, whether the plan takes it or the tag rules refuse it (exit 2);
    # compared without white space, as the terminal wraps long lines.
    assert code in (0, 2), plain
    assert "".join(tag.split()) in "".join(plain.split()), plain


@pytestmark_pty
@pytest.mark.parametrize("command", ["verify", "preflight"])
def test_verify_and_preflight_show_live_rows_on_a_terminal_as_create_does(
        tmp_path, command: str) -> None:
    """A person watching a long verify or preflight sees it work (a silent endpoint
    holds every row waiting): the live table's rows and count, then the summary."""
    from tests.faultproxy import SilentServer

    env = aws_env(tmp_path, TERM="xterm-256color")
    with SilentServer() as silent:
        proc, leader = start_in_terminal(
            [command, "--table", "leasesWatchA", "--table", "leasesWatchB", "--region",
             REGION, "--endpoint-url", silent.url, "--timeout", "3"], env)
        try:
            seen = read_terminal(proc, leader, until=lambda text: "2 tables: 2 waiting" in text)
            assert "2 tables: 2 waiting" in seen, seen
            seen += read_terminal(proc, leader)
        finally:
            os.close(leader)
        code = proc.wait(timeout=15)
    lines = Screen().feed(seen).lines()
    assert code == 1, lines
    assert not [line for line in lines if "waiting" in line], lines  # the live rows are gone
    assert any("leasesWatchA" in line for line in lines), lines
