"""The real KCL's logs kept as test data (`tests/data/kcl-logs/`), held to the jars.

Fast: every situation has its capture for every KCL version it names, each capture holds
its situation's markers (outside the MultiLangDaemon's configuration echo, which an
adapter's log does not have), a marker of a failure is never in the healthy run's log,
and the README beside them says what `tests/kcllogs.py` says. Slow: a capture made now
from the jars holds the same markers and the same kinds of error line as the kept one,
so the fixtures cannot drift from the jars. `diagnose_names_the_cause` is where the
reader of these logs is proven on each one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import kcllogs, kclproof

CAPTURES = [(version, situation) for situation in kcllogs.SITUATIONS
            for version in situation.versions]


def _ids(capture: tuple[str, kcllogs.Situation]) -> str:
    return f"kcl-{capture[0]}-{capture[1].name}"


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def lease_tables(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `lease-tables`, as an operator runs it."""
    exe = Path(sys.executable).with_name("lease-tables")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120,
                          check=False)


def accepts(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a fix as the tool would: `create` as a dry run (every option and value
    checked, nothing made), `policy` as it is (it only prints); a command that needs
    AWS (verify, preflight) with --help after it (its options are parsed and must exist)."""
    assert command[0] == "lease-tables", command
    verb, rest = command[1], command[2:]
    extra = {"create": ["--dry-run"], "policy": []}.get(verb, ["--help"])
    return lease_tables(verb, *rest, *extra)


def diagnose_names_the_cause(situation: kcllogs.Situation, version: str, log: Path) -> None:
    """`lease-tables diagnose --log LOG` (no --kcl: the log shows KCL 3) on one real KCL
    log must name `situation.cause` first, with a fix, and exit 3; on the healthy run
    (`situation.cause == ""`) nothing, exit 0. A fix that is a command must be one the
    tool accepts, and use KCL 3's layout."""
    done = lease_tables("diagnose", "--log", str(log), "--output", "json")
    assert done.returncode == (3 if situation.cause else 0), (version, done.stdout,
                                                              done.stderr)
    document = json.loads(done.stdout)
    causes = [finding["cause"] for finding in document["findings"]]
    assert document["read"]["kcl_versions"] == ["3.x"], (version, document["read"])
    assert document["read"]["last_start"], "the start was not found"
    if not situation.cause:
        assert causes == [] and document["ok"] and document["read"]["initialized"]
        return
    assert causes and causes[0] == situation.cause, (version, causes)
    first = document["findings"][0]
    assert first["fix"] and first["evidence"], first
    if first["command"] is not None:
        assert first["command"][first["command"].index("--kcl") + 1] == "3.0"
        accepted = accepts(first["command"])
        assert accepted.returncode == 0, (first["command"], accepted.stdout + accepted.stderr)


@pytest.mark.parametrize("capture", CAPTURES, ids=_ids)
def test_diagnose_names_the_cause_of_each_real_log(
        capture: tuple[str, kcllogs.Situation]) -> None:
    version, situation = capture
    diagnose_names_the_cause(situation, version, kcllogs.fixture(version, situation.name))


@pytest.mark.parametrize("capture", CAPTURES, ids=_ids)
def test_each_capture_holds_its_markers_outside_the_daemons_own_lines(
        capture: tuple[str, kcllogs.Situation]) -> None:
    version, situation = capture
    path = kcllogs.fixture(version, situation.name)
    assert path.is_file(), f"{path} is missing: run `python3 dev.py kcl-logs`"
    assert kcllogs.missing_markers(situation, _text(path)) == []
    assert not any(logger in marker for marker in situation.markers
                   for logger in kcllogs.DAEMON_ONLY)


@pytest.mark.parametrize("version", sorted({v for v, _ in CAPTURES}))
def test_no_failure_marker_is_in_a_healthy_log(version: str) -> None:
    healthy = _text(kcllogs.fixture(version, "healthy"))
    for situation in kcllogs.SITUATIONS:
        for marker in situation.markers if situation.cause else ():
            assert marker not in healthy, (situation.name, marker)


def test_the_readme_says_what_the_captures_are() -> None:
    readme = (kcllogs.FIXTURES / "README.md").read_text(encoding="utf-8")
    assert readme == kcllogs.readme(), "run `python3 dev.py kcl-logs` (or write readme())"


def test_a_long_log_loses_only_its_middle_and_says_so() -> None:
    log = b"".join(b"line %06d of a repeated attempt\n" % n for n in range(20_000))
    trimmed = kcllogs.trim(log, limit=10_000)
    assert trimmed.startswith(b"line 000000 ") and trimmed.endswith(b"line 019999 of a "
                                                                    b"repeated attempt\n")
    assert len(trimmed) < 10_200
    note = re.search(rb"\[kcl-logs: (\d+) lines \((\d+) bytes\) of repeated attempts cut "
                     rb"here\]\n", trimmed)
    assert note is not None
    assert len(trimmed) - len(note.group(0)) + int(note.group(2)) == len(log)
    assert kcllogs.trim(log[:5_000], limit=10_000) == log[:5_000]


def test_the_stream_refused_policy_loses_only_its_kinesis_statement() -> None:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"},
        {"Sid": "K", "Effect": "Allow", "Action": ["kinesis:GetRecords"], "Resource": "*"},
        {"Sid": "M", "Effect": "Allow", "Action": "kinesis:ListShards", "Resource": "*"}]}
    assert [s["Sid"] for s in kcllogs._without_kinesis(policy)["Statement"]] == ["A"]


# ------------------------------------------------------------------ from the jars, slow

_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
_NUMBERS = re.compile(r"\d+")


def error_kinds(log: str) -> set[str]:
    """The kinds of ERROR line in a log (logger and message, numbers masked), outside the
    daemon's own lines: what a new KCL could add or drop without changing a marker."""
    kinds = set()
    for line in log.splitlines():
        if " ERROR " in line and not any(logger in line for logger in kcllogs.DAEMON_ONLY):
            kinds.add(_NUMBERS.sub("N", _TIME.sub("", line).split("] ", 1)[-1]).strip())
    return kinds


@pytest.mark.slow
def test_a_capture_made_now_matches_the_kept_one(tmp_path: Path) -> None:
    kclproof.require_kcl()
    situation, version = kcllogs.BY_NAME["no-tables"], "3.1.3"
    fresh = kcllogs.capture(situation, version, tmp_path / "run", kclproof.kcl_jars())
    print("\n" + fresh.describe())
    assert fresh.problems() == []
    kept = _text(kcllogs.fixture(version, situation.name))
    assert error_kinds(fresh.log.decode("utf-8", "replace")) == error_kinds(kept)
    path = tmp_path / "no-tables.log"
    path.write_bytes(fresh.log)
    diagnose_names_the_cause(situation, version, path)
