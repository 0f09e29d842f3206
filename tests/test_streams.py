"""Closed, full and cut-off stdout and stderr, for every command, in text and JSON.

Real descriptors, not stand-ins: a descriptor closed before the program starts (a
service with no console), /dev/full (a full disk), a pipe whose reader is gone
(`| head -1` that has already exited). Losing stdout loses the data, so the run
fails (exit 1) after its work, saying on stderr what it did; losing stderr loses
only messages, so stdout and the exit code are what they would have been.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.conftest import REGION, SAMPLE_CONF, aws_env, cli_executable, default_signals

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists() or sys.platform == "win32",
                                reason="needs /dev/full and POSIX descriptors")

# Every command, over sample_conf with a --region its adapters overrule: that is a
# warning on stderr for each of them, so a lost stderr is really written to.
SELECTION = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris", "--region",
             "eu-west-1"]
TABLES = ["verintAgentEvents_verintris.2", "verintCTREvents"]
SAMPLE_STREAMS = ["connect-agent-events", "connect-ctr-stream"]
COMMANDS = {
    "create": ["create", *SELECTION],
    "dry-run": ["create", "--dry-run", *SELECTION],
    "verify": ["verify", *SELECTION],
    "preflight": ["preflight", *SELECTION],
    "policy": ["policy", *SELECTION, "--account-id", "123456789012"],
    "template": ["template", *SELECTION, "--format", "terraform"],
    "name": ["name", "--kind", "agent-events", "--application-name", "verintAgentEvents",
             "--adapter-id", "2", "--host-name", "verintris"],
}
AWS = {"create", "verify", "preflight"}
CASES = [(c, o) for c in COMMANDS for o in ("text", "json")
         if o == "text" or c in AWS or c == "dry-run"]
DONE = {
    "create": "The run itself had finished: create: 2 tables: 2 created.",
    "dry-run": "The run itself had finished: dry run, nothing created: 2 tables: 2 planned.",
    "verify": "The run itself had finished: verify: 2 tables: 2 ok.",
    "preflight": "The run itself had finished: preflight: ",
    "policy": "The run itself had finished: it made no AWS call and changed nothing.",
    "template": "The run itself had finished: it made no AWS call and changed nothing.",
    "name": "The run itself had finished: it made no AWS call and changed nothing.",
}
REASONS = {"closed": "the stream was closed when the program started",
           "full": "no space left on the device", "no-reader": "the reader closed the pipe"}


def command_line(command: str, output: str, endpoint: str) -> list[str]:
    args = list(COMMANDS[command])
    if command in AWS:
        args += ["--endpoint-url", endpoint]
    if output == "json":
        args += ["--output", "json"]
    return args


def prepare(moto, tmp_path: Path, command: str) -> None:
    """A fresh account; the tables already made for the commands that read them."""
    moto.reset()
    if command in ("verify", "preflight"):
        assert run(COMMANDS["create"] + ["--endpoint-url", moto.url], tmp_path)[0] == 0
    if command == "preflight":  # it probes the streams sample_conf names
        kinesis = boto3.client("kinesis", region_name=REGION, endpoint_url=moto.url,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
        for stream in SAMPLE_STREAMS:
            kinesis.create_stream(StreamName=stream, ShardCount=1)


def run(args: list[str], tmp_path: Path, lose: str | None = None, fd: int = 1,
        ) -> tuple[int, str, str]:
    """The CLI with descriptor `fd` (1 or 2) lost as `lose` says; the other one captured."""
    captured = {1: tmp_path / "stdout", 2: tmp_path / "stderr"}
    streams = {number: open(path, "w") for number, path in captured.items()}  # noqa: SIM115
    close: list[int] = []
    if lose == "full":
        streams[fd].close()
        streams[fd] = open("/dev/full", "w")  # noqa: SIM115
    elif lose == "no-reader":
        reader, writer = os.pipe()
        os.close(reader)  # the reader is gone before the first write
        streams[fd].close()
        streams[fd] = os.fdopen(writer, "w")
    elif lose == "closed":
        close.append(fd)

    def child() -> None:
        default_signals()
        for number in close:
            os.close(number)

    try:
        proc = subprocess.run([cli_executable(), *args], env=aws_env(tmp_path),
                              stdin=subprocess.DEVNULL, stdout=streams[1], stderr=streams[2],
                              preexec_fn=child, timeout=120)
    finally:
        for stream in streams.values():
            stream.close()
    texts = {n: p.read_text(encoding="utf-8") if p.exists() else "" for n, p in captured.items()}
    kept = {n: ("" if n == fd and lose else texts[n]) for n in (1, 2)}
    return proc.returncode, kept[1], kept[2]


def the_stdout_notice(err: str) -> str:
    """The one line that says stdout was lost (there must be exactly one)."""
    notice = [line for line in err.splitlines() if "could not be written" in line]
    assert len(notice) == 1, err
    return notice[0]


@pytest.mark.parametrize("lose", list(REASONS))
@pytest.mark.parametrize(("command", "output"), CASES)
def test_lost_stdout_fails_after_the_work_and_says_what_was_done(
        moto, tmp_path, command: str, output: str, lose: str) -> None:
    args = command_line(command, output, moto.url)
    prepare(moto, tmp_path, command)
    code, _, err = run(args, tmp_path, lose=lose, fd=1)

    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err
    assert "all fine" not in err and "Nothing beyond" not in err
    notice = the_stdout_notice(err)
    assert notice.startswith(f"error: the output on stdout could not be written ({REASONS[lose]})")
    assert DONE[command] in notice
    if command == "create":  # the work was done all the same
        client = moto.client()
        for name in TABLES:
            assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


@pytest.mark.parametrize("lose", ["closed", "full"])
@pytest.mark.parametrize(("command", "output"), CASES)
def test_lost_stderr_keeps_stdout_whole_and_the_exit_code_true(
        moto, tmp_path, command: str, output: str, lose: str) -> None:
    args = command_line(command, output, moto.url)
    prepare(moto, tmp_path, command)
    code, out, _ = run(args, tmp_path, lose=lose, fd=2)
    prepare(moto, tmp_path, command)
    expected_code, expected_out, expected_err = run(args, tmp_path)

    assert expected_err.strip() or command == "name", "nothing was written to stderr"
    assert code == expected_code
    assert out == expected_out
    assert out.strip()
    if output == "json":
        json.loads(out)
    if command == "policy":  # a full stderr never stops the policy
        assert json.loads(out)["Statement"]
    if command == "create":
        client = moto.client()
        assert sorted(client.list_tables()["TableNames"]) == TABLES


def test_a_stdout_that_swallows_everything_is_not_lost(moto, tmp_path) -> None:
    """/dev/null takes every write: nothing is lost, so nothing fails."""
    with open(os.devnull, "w") as null:
        proc = subprocess.run([cli_executable(), *COMMANDS["dry-run"]], env=aws_env(tmp_path),
                              stdout=null, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 0 and "could not be written" not in proc.stderr


def test_lost_stdout_keeps_a_higher_exit_code(moto, tmp_path) -> None:
    """verify of tables that are not there: exit 3, stdout lost or not."""
    code, _, err = run(command_line("verify", "json", moto.url), tmp_path, lose="full")
    assert code == 3 and "could not be written" in err
    assert "verify: 2 tables: 2 missing" in err and REGION in err


# Outputs far beyond a pipe's 64 KB, so that the reader is gone part-way through.
FLEET = [a for i in range(800) for a in ("--table", f"leasesFleet{i:04d}")]
MANY = {
    "dry-run text": (["create", "--dry-run", *FLEET, "--region", REGION], 1,
                     "dry run, nothing created: 800 tables: 800 planned."),
    "dry-run json": (["create", "--dry-run", *FLEET, "--region", REGION, "--output", "json"],
                     1, "dry run, nothing created: 800 tables: 800 planned."),
    "template": (["template", *FLEET, "--region", REGION, "--format", "terraform"], 1,
                 "it made no AWS call and changed nothing."),
    "verify": (["verify", *FLEET[:800], "--region", REGION], 3,  # 400 tables
               "verify: 400 tables: 400 missing"),
}


@pytest.mark.skipif(shutil.which("head") is None, reason="needs head")
@pytest.mark.parametrize("case", list(MANY))
def test_a_reader_that_stops_after_the_first_line_is_no_silent_success(
        moto, tmp_path, case: str) -> None:
    """`... | head -1`: head reads its line and exits while most of the output is still
    to be written. CPython's buffered writer drops the rest of one big write without an
    error when that happens; the run must still know its output was cut short."""
    args, code, done = MANY[case]
    if case == "verify":
        moto.reset()
        args = [*args, "--endpoint-url", moto.url]
    head = subprocess.Popen([shutil.which("head") or "head", "-1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        proc = subprocess.run([cli_executable(), *args], env=aws_env(tmp_path),
                              stdin=subprocess.DEVNULL, stdout=head.stdin,
                              stderr=subprocess.PIPE, text=True, preexec_fn=default_signals,
                              timeout=120)
    finally:
        assert head.stdin is not None and head.stdout is not None
        head.stdin.close()
        first = head.stdout.read()
        head.stdout.close()
        head.wait(timeout=10)
    assert first.strip(), "head read nothing"
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    notice = the_stdout_notice(proc.stderr)
    assert "(the reader closed the pipe)" in notice and done in notice


def test_a_closed_stdout_that_was_never_written_to_loses_nothing(tmp_path) -> None:
    """Bad usage in text mode writes only to stderr: a closed stdout lost no data, so the
    run says nothing about stdout and keeps its own exit code."""
    code, _, err = run(["create", "--no-such-option"], tmp_path, lose="closed", fd=1)
    assert code == 2, err
    assert "No such option" in err and "could not be written" not in err
