"""`lease-tables diagnose`: the judge on plain values, the reader on every layout, the CLI.

The lines below are the real KCL 3.1.3's (from a run of the KCL harness with no
lease table and CreateTable denied), cut to what matters; the layout tests put the
same events through other encodings, line ends and logging layouts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lease_tables.cli.app import run as cli_run
from lease_tables.diagnose import events as ev
from lease_tables.diagnose.judge import Context, Judge, command_text
from lease_tables.diagnose.read import find_logs
from lease_tables.diagnose.run import diagnose

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/APP"
DENIED = ("User: arn:aws:sts::123456789012:assumed-role/adapter/kcl is not authorized to "
          "perform: dynamodb:CreateTable on resource: " + ARN + " because no "
          "identity-based policy allows the action (Service: DynamoDb, Status Code: 400, "
          "Request ID: null) (SDK Attempt Count: 1)")
TRACE = [
    "software.amazon.kinesis.leases.exceptions.DependencyException: software.amazon.awssdk."
    "services.dynamodb.model.DynamoDbException: " + DENIED,
    "\tat software.amazon.kinesis.leases.dynamodb.DynamoDBLeaseRefresher.createTableIfNotExists"
    "(DynamoDBLeaseRefresher.java:265)",
    "\tat software.amazon.kinesis.coordinator.Scheduler.initialize(Scheduler.java:481)",
    "Caused by: software.amazon.awssdk.services.dynamodb.model.DynamoDbException: " + DENIED,
    "\tat software.amazon.awssdk.services.dynamodb.model.DynamoDbException$BuilderImpl.build"
    "(DynamoDbException.java:113)",
    "\t... 3 common frames omitted",
]
CONFIG_ECHO = ("2026-12-07 04:32:50,668 [main] INFO  s.a.k.m.c.KinesisClientLibConfigurator "
               "[NONE] - Processing (key=streamArn, value=arn:aws:kinesis:us-east-1:"
               "123456789012:stream/OTHER) Initializing")


def logback(time: str, level: str, logger: str, message: str) -> str:
    return f"2026-12-07 {time} [multi-lang-daemon-0000] {level} {logger} [NONE] - {message} "


def failing_run(attempts: int = 3, gave_up: bool = True) -> list[str]:
    lines = [CONFIG_ECHO]
    for attempt in range(1, attempts + 1):
        lines.append(logback(f"04:32:5{attempt},000", "INFO ", "s.a.kinesis.coordinator.Scheduler",
                             f"Initializing LeaseCoordinator attempt {attempt}"))
        lines.append(logback(f"04:32:5{attempt},500", "ERROR", "s.a.kinesis.coordinator.Scheduler",
                             "Caught exception when initializing LeaseCoordinator"))
        lines += TRACE
    if gave_up:
        lines.append(logback("04:33:01,588", "ERROR", "s.a.kinesis.coordinator.Scheduler",
                             f"Unable to initialize after {attempts} attempts. Shutting down."))
        lines.append("java.lang.RuntimeException: software.amazon.kinesis.leases.exceptions."
                     "DependencyException: x")
        lines.append("\tat software.amazon.kinesis.coordinator.Scheduler.initialize"
                     "(Scheduler.java:531)")
    return lines


def healthy_run() -> list[str]:
    return [
        logback("05:00:00,000", "INFO ", "s.a.kinesis.coordinator.Scheduler",
                "Initializing LeaseCoordinator attempt 1"),
        logback("05:00:01,000", "INFO ", "s.a.kinesis.coordinator.Scheduler",
                "Starting LeaseCoordinator"),
        logback("05:00:01,100", "INFO ", "s.a.kinesis.coordinator.Scheduler",
                "Initialization complete. Starting worker loop."),
    ]


def write(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n",
          bom: bytes = b"") -> Path:
    path.write_bytes(bom + newline.join(lines).encode(encoding) + newline.encode(encoding))
    return path


def judged(*paths: Path):  # type: ignore[no-untyped-def]
    return diagnose(find_logs([str(p) for p in paths]), Context()).verdict


# ------------------------------------------------------------------ the judge, plain values


def denied(action: str, arn: str, detail: str = "") -> ev.Fact:
    return ev.Fact(ev.DENIED, action, arn, detail, sample=f"not authorized {action}")


def seen(*facts: ev.Fact, time: str = "t", tables: tuple[str, ...] = ()) -> ev.Seen:
    return ev.Seen(time, facts, tables)


def test_a_denied_create_table_is_a_missing_table_with_the_create_command() -> None:
    judge = Judge()
    judge.add(seen(ev.Fact(ev.START)))
    for time in ("t1", "t2"):
        judge.add(seen(ev.Fact(ev.INIT_FAILED), denied("dynamodb:CreateTable", ARN), time=time,
                       tables=("APP",)))
    verdict = judge.verdict(Context(kcl="3.1"))
    [finding] = verdict.findings
    assert (finding.cause, finding.application, finding.count) == ("table-missing", "APP", 2)
    assert (finding.first_seen, finding.last_seen) == ("t1", "t2")
    assert finding.command == ("lease-tables", "create", "--table", "APP", "--region",
                               "us-east-1", "--kcl", "3.1")


def test_findings_before_the_most_recent_start_are_earlier_and_do_not_count() -> None:
    judge = Judge()
    judge.add(seen(ev.Fact(ev.START)))
    judge.add(seen(denied("dynamodb:CreateTable", ARN), tables=("APP",)))
    judge.add(seen(ev.Fact(ev.START)))
    judge.add(seen(ev.Fact(ev.READY)))
    verdict = judge.verdict()
    assert verdict.ok and not verdict.findings and verdict.started
    assert [f.cause for f in verdict.earlier] == ["table-missing"]


def test_update_table_refused_is_the_missing_index() -> None:
    judge = Judge()
    judge.add(seen(denied("dynamodb:UpdateTable", ARN)))
    [finding] = judge.verdict(Context(kcl="3.1")).findings
    assert finding.cause == "index-missing"
    assert finding.command is not None and finding.command[-3:] == ("--kcl", "3.1", "--add-index")


def test_a_denied_companion_table_needs_the_kcl_3_layout() -> None:
    judge = Judge()
    judge.add(seen(denied("dynamodb:CreateTable", ARN + "-CoordinatorState")))
    [finding] = judge.verdict(Context(kcl="3.0")).findings
    assert (finding.cause, finding.application, finding.resource) == (
        "table-missing", "APP", "APP-CoordinatorState")


def test_a_stream_refused_names_the_policy_option_that_grants_it() -> None:
    judge = Judge()
    judge.add(seen(denied("dynamodb:PutItem", ARN)))
    judge.add(seen(denied("kinesis:ListShards",
                          "arn:aws:kinesis:us-east-1:123456789012:stream/kclproof")))
    findings = judge.verdict(Context(kcl="3.1")).findings
    stream = next(f for f in findings if f.action == "kinesis:ListShards")
    assert stream.cause == "access-denied" and stream.application == "APP"
    assert stream.command is not None
    assert stream.command[:6] == ("lease-tables", "policy", "--role", "adapter",
                                  "--account-id", "123456789012")
    assert stream.command[-2:] == ("--stream", "kclproof")


def test_an_explicit_deny_from_an_scp_names_who_must_lift_it() -> None:
    judge = Judge()
    judge.add(seen(denied("dynamodb:GetItem", ARN, "service control policy")))
    [finding] = judge.verdict().findings
    assert finding.cause == "access-denied" and finding.command is None
    assert "organization's administrators" in finding.fix


def test_the_host_name_case_is_named_as_the_option_that_derives_kcls_name() -> None:
    from lease_tables.config.naming import KIND_AGENT_EVENTS, LeaseTable

    derived = LeaseTable("verintAgentEvents_verintris.2", "us-east-1",
                         adapter_kind=KIND_AGENT_EVENTS, adapter_id="2",
                         application_name="verintAgentEvents", host_name="verintris")
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/verintAgentEvents_VERINTRIS.2"
    judge = Judge()
    judge.add(seen(denied("dynamodb:CreateTable", arn),
                   tables=("verintAgentEvents_VERINTRIS.2",)))
    verdict = judge.verdict(Context(("--conf-dir", "C:\\Conf"), (derived,), None))
    causes = {f.cause: f for f in verdict.findings}
    assert set(causes) == {"table-missing", "name-mismatch"}
    assert "--host-name VERINTRIS" in causes["name-mismatch"].fix
    assert causes["table-missing"].command == (
        "lease-tables", "create", "--conf-dir", "C:\\Conf", "--host-name", "VERINTRIS",
        "--region", "us-east-1")


def test_credentials_and_throttling() -> None:
    judge = Judge()
    judge.add(seen(ev.Fact(ev.CREDENTIALS, detail=ev.EXPIRED, sample="ExpiredTokenException")))
    judge.add(seen(ev.Fact(ev.THROTTLED, "dynamodb", detail="Rate exceeded")))  # once: absorbed
    [finding] = judge.verdict().findings
    assert finding.cause == "credentials" and "renew" in finding.fix


def test_a_command_with_spaces_is_quoted() -> None:
    folder = "C:\\Program Files\\Conf"
    assert command_text(["lease-tables", "create", "--conf-dir", folder]) == (
        f'lease-tables create --conf-dir "{folder}"')


# ------------------------------------------------------------------ the events


def test_the_daemons_configuration_echo_is_never_evidence() -> None:
    assert ev.judge_lines([CONFIG_ECHO]) is None


def test_a_denial_inside_a_trace_is_one_fact() -> None:
    found = ev.judge_lines([logback("04:32:55,543", "ERROR", "Scheduler",
                                    "Caught exception when initializing LeaseCoordinator"),
                            *TRACE])
    assert found is not None
    assert [f.kind for f in found.facts] == [ev.INIT_FAILED, ev.DENIED]
    assert found.time == "2026-12-07 04:32:55,543" and found.tables == ("APP",)


# ------------------------------------------------------------------ layouts


def assert_table_missing(verdict, count: int = 3) -> None:  # type: ignore[no-untyped-def]
    causes = [f.cause for f in verdict.findings]
    assert causes == ["table-missing", "gave-up"], causes
    assert verdict.findings[0].command[:4] == ("lease-tables", "create", "--table", "APP")
    assert verdict.findings[0].count == count
    assert verdict.applications == ("APP",)
    assert verdict.streams == ()  # never OTHER, from the daemon's configuration echo


@pytest.mark.parametrize(("encoding", "bom", "newline"), [
    ("utf-8", b"", "\n"), ("utf-8", b"\xef\xbb\xbf", "\r\n"), ("utf-16-le", b"\xff\xfe", "\r\n"),
    ("utf-16-be", b"\xfe\xff", "\n"), ("cp1252", b"", "\r\n")])
def test_encodings_and_line_ends(tmp_path: Path, encoding: str, bom: bytes, newline: str) -> None:
    lines = ["2026-12-07 04:30:00,000 [main] INFO  adapter - Démarrage de l'adaptateur é€",
             *failing_run()]
    verdict = judged(write(tmp_path / "adapter.log", lines, encoding, newline, bom))
    assert_table_missing(verdict)


def test_log4j_pattern(tmp_path: Path) -> None:
    lines = [line.replace("2026-12-07 ", "07 Dec 2026 ").replace(" [NONE] -", " -")
             .replace("[multi-lang-daemon-0000] ", "") for line in failing_run()]
    lines = [f"{line[:24]} ERROR [pool-3-thread-1] {line[24:]}" if line[:2] == "07" else line
             for line in lines]
    verdict = judged(write(tmp_path / "adapter.log", lines))
    assert_table_missing(verdict)
    assert verdict.findings[0].first_seen is not None
    assert verdict.findings[0].first_seen.startswith("07 Dec 2026")


def test_kcl_3_shows_itself_before_its_first_attempt_in_any_encoding(tmp_path: Path) -> None:
    """KCL 3 builds its worker metrics before its first attempt (the real KCL 3.x's
    lines); a KCL 2 log has none of that, and the fixes keep the default layout."""
    built = [logback("04:32:49,000", "WARN ", "s.a.k.worker.WorkerMetricsSelector",
                     "Did not find an operating range metadata provider."),
             logback("04:32:49,100", "INFO ", "s.a.k.w.m.WorkerMetricStatsManager",
                     "Completed initialization with maxMetricStatsCount : 10 and total "
                     "WorkerMetricStats : 0")]
    for encoding, bom in (("utf-8", b""), ("utf-16-le", b"\xff\xfe")):
        path = write(tmp_path / f"{encoding}.log", [*built, *failing_run()], encoding, bom=bom)
        verdict = judged(path)
        assert (verdict.versions, verdict.kcl, verdict.kcl_assumed) == (("3.x",), "3.0", True)
        assert verdict.findings[0].command is not None
        assert verdict.findings[0].command[-2:] == ("--kcl", "3.0")
    kcl2 = judged(write(tmp_path / "kcl2.log", failing_run()))
    assert (kcl2.versions, kcl2.kcl, kcl2.kcl_assumed) == ((), "2", False)
    assert kcl2.findings[0].command is not None and "--kcl" not in kcl2.findings[0].command


def test_java_util_logging(tmp_path: Path) -> None:
    lines: list[str] = []
    for line in failing_run():
        if line.startswith("2026"):
            message = line.split(" - ", 1)[1]
            level = "SEVERE" if " ERROR " in line else "INFO"
            logger = ("software.amazon.kinesis.multilang.config.KinesisClientLibConfigurator"
                      if "Configurator" in line
                      else "software.amazon.kinesis.coordinator.Scheduler")
            lines += [f"Dec 07, 2026 4:32:55 AM {logger} run", f"{level}: {message}"]
        else:
            lines.append(line)
    verdict = judged(write(tmp_path / "adapter.log", lines))
    assert_table_missing(verdict)
    assert verdict.findings[0].first_seen == "Dec 07, 2026 4:32:55 AM"


def test_a_trace_interleaved_with_other_threads(tmp_path: Path) -> None:
    lines = failing_run()
    at = lines.index(TRACE[2])
    lines.insert(at, "2026-12-07 04:32:51,700 [ShardRecordProcessor-0001] INFO  s.a.k.l.Other "
                     "[NONE] - something else")
    verdict = judged(write(tmp_path / "adapter.log", lines))
    assert [f.cause for f in verdict.findings] == ["table-missing", "gave-up"]


def test_a_log_rotated_mid_failure(tmp_path: Path) -> None:
    lines = failing_run()
    cut = lines.index(TRACE[3])  # inside the first attempt's stack trace
    older = write(tmp_path / "adapter.log.1", lines[:cut])
    write(tmp_path / "adapter.log", lines[cut:])
    os.utime(older, (1_000_000, 1_000_000))
    verdict = judged(tmp_path)
    # The trace cut in two by the rotation is one event: counted once.
    assert_table_missing(verdict, count=3)
    assert verdict.starts == 1


def test_a_stack_trace_cut_anywhere_by_rotation_counts_once(tmp_path: Path) -> None:
    """Wherever the rotation falls (between two events or inside one), each attempt's
    refusal counts once, and a third file that goes on with nothing does not glue the
    first two files' events to its own."""
    lines = failing_run()
    for cut in range(1, len(lines)):
        folder = tmp_path / f"cut{cut}"
        folder.mkdir()
        older = write(folder / "adapter.log.1", lines[:cut])
        write(folder / "adapter.log", lines[cut:])
        os.utime(older, (1_000_000, 1_000_000))
        verdict = judged(folder)
        assert [(f.cause, f.count) for f in verdict.findings] == [
            ("table-missing", 3), ("gave-up", 1)], (cut, lines[cut])


def test_a_restart_that_worked_leaves_the_failure_as_earlier(tmp_path: Path) -> None:
    verdict = judged(write(tmp_path / "a.log", [*failing_run(), *healthy_run()]))
    assert verdict.ok and verdict.started
    assert [f.cause for f in verdict.earlier] == ["table-missing", "gave-up"]


@pytest.mark.parametrize("mapped", [True, False], ids=["mapped", "read"])
def test_big_logs_are_read_window_by_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            mapped: bool) -> None:
    """Events across window boundaries stay whole (the smallest windows force many),
    whether the file is mapped or (a file system that cannot map it) read; the failures
    before the most recent start are earlier, the ones after it current."""
    import mmap

    from lease_tables.diagnose import read

    monkeypatch.setattr(read, "WINDOW", 2 * mmap.ALLOCATIONGRANULARITY)
    monkeypatch.setattr(read, "MAP", mapped)
    filler = [f"2026-12-07 04:31:{i % 60:02d},000 [main] INFO  x - line {i}"
              for i in range(mmap.ALLOCATIONGRANULARITY // 8)]
    for shift in range(0, 3000, 250):  # the windows' edges fall elsewhere each time
        lines = ["#" * shift, *filler, *failing_run(), *filler, *healthy_run(), *filler,
                 *failing_run(4)]
        verdict = judged(write(tmp_path / f"big{shift}.log", lines))
        assert_table_missing(verdict, count=4)
        assert [(f.cause, f.count) for f in verdict.earlier] == [("table-missing", 3),
                                                                ("gave-up", 1)], shift


def test_the_most_recent_start_is_found_from_the_end_wherever_the_windows_fall(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`last_start` searches backwards window by window: a start cut by a window's edge
    is found whole, attempt 10 to 19 is no start, and a start on the last line (no
    line end) counts."""
    import mmap

    from lease_tables.diagnose import read

    window = 2 * mmap.ALLOCATIONGRANULARITY
    monkeypatch.setattr(read, "WINDOW", window)
    start = "2026-12-07 04:32:51,000 [main] INFO  Scheduler - Initializing LeaseCoordinator "
    for pad in range(window - 60, window + 10, 7):
        path = tmp_path / f"pad{pad}.log"
        body = b"x" * (pad - 1) + b"\n" + start.encode() + b"attempt 1 \n"
        body += (start + "attempt 12 \n").encode() + b"y" * window + b"\n"
        path.write_bytes(body)
        found = read.last_start(find_logs([str(path)]))
        assert found is not None and (found.index, found.offset) == (0, pad), pad
    last = tmp_path / "last.log"
    last.write_bytes(b"z" * window * 3 + b"\n" + (start + "attempt 1").encode())
    found = read.last_start(find_logs([str(last)]))
    assert found is not None and found.offset == window * 3 + 1
    none = write(tmp_path / "none.log", [start + "attempt 10", start + "attempt 2"])
    assert read.last_start(find_logs([str(none)])) is None


def test_before_the_most_recent_start_failures_are_read_from_their_stack_traces(
        tmp_path: Path) -> None:
    """A one-line warning naming an exception counts after the start, not before it
    (where only stack traces are read: one byte search instead of a string search)."""
    shard = logback("04:32:40,000", "WARN ", "s.a.k.leases.KinesisShardDetector",
                    "Got ResourceNotFoundException when fetching shard list for gone. Stream "
                    "no longer exists.")
    before = judged(write(tmp_path / "before.log", [shard, *failing_run()]))
    assert "stream-missing" not in [f.cause for f in (*before.findings, *before.earlier)]
    after = judged(write(tmp_path / "after.log", [*failing_run(gave_up=False), shard]))
    assert "stream-missing" in [f.cause for f in after.findings]


def test_a_layout_with_tabs_between_its_fields(tmp_path: Path) -> None:
    """Tabs that start no stack frame: the names of exceptions are searched instead, so
    the failures before the most recent start are still found."""
    def tabbed(line: str) -> str:
        return line.replace(" [multi-lang-daemon-0000] ", "\t").replace(" [NONE] - ", "\t")

    filler = [f"2026-12-07 04:31:{i % 60:02d},000\tINFO\tx\tline {i}" for i in range(500)]
    lines = [*filler, *map(tabbed, failing_run()), *map(tabbed, healthy_run())]
    verdict = judged(write(tmp_path / "tabs.log", lines))
    assert verdict.ok and [f.cause for f in verdict.earlier] == ["table-missing", "gave-up"]


# ------------------------------------------------------------------ the installed CLI


def lease_tables(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lease-tables")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60,
                          check=False)


def test_cli_findings_exit_3_and_the_fix_is_a_command_the_tool_accepts(tmp_path: Path) -> None:
    log = write(tmp_path / "adapter.log", failing_run())
    done = lease_tables("diagnose", "--log", str(log), "--kcl", "3.1", "--output", "json")
    assert done.returncode == 3, done.stderr
    document = json.loads(done.stdout)
    assert document["ok"] is False
    first = document["findings"][0]
    assert {k for k in first} >= {"cause", "application", "resource", "action", "count",
                                  "first_seen", "last_seen", "evidence", "fix"}
    assert first["cause"] == "table-missing"
    assert cli_run([*first["command"][1:], "--dry-run"]) == 0


def test_cli_healthy_exit_0_and_text(tmp_path: Path) -> None:
    done = lease_tables("diagnose", "--log", str(write(tmp_path / "a.log", healthy_run())))
    assert done.returncode == 0, done.stderr
    assert "Nothing wrong at the most recent start" in done.stdout


def test_cli_bad_input_exit_2(tmp_path: Path) -> None:
    assert lease_tables("diagnose", "--log", str(tmp_path / "absent.log")).returncode == 2
    other = write(tmp_path / "other.log", ["2026-12-07 04:00:00 INFO nothing of KCL's"])
    done = lease_tables("diagnose", "--log", str(other))
    assert done.returncode == 2 and "KCL" in done.stderr


def test_cli_never_shows_a_secret(tmp_path: Path) -> None:
    secret = "AKIAIOSFODNN7EXAMPLE"
    lines = failing_run()
    lines[lines.index(TRACE[3])] = TRACE[3] + f" Credential={secret}/20261207/us-east-1"
    done = lease_tables("diagnose", "--log", str(write(tmp_path / "a.log", lines)),
                        "--output", "json")
    assert done.returncode == 3
    assert secret not in done.stdout + done.stderr


# ------------------------------------------------------------------ the real KCL's own logs

REAL = Path(__file__).resolve().parent / "data" / "kcl-logs"
EXPECTED = {  # situation -> (the causes at the most recent start, the fix's command verb)
    "no-tables": (["table-missing", "gave-up"], "create"),
    "kcl2-layout": (["table-missing", "gave-up"], "create"),
    "no-index": (["index-missing", "gave-up"], "create"),
    "wrong-key": (["wrong-key"], None),
    "stream-refused": (["access-denied"], None),
    "stream-missing": (["stream-missing"], None),
    "expired-credentials": (["credentials", "gave-up"], None),
    "healthy": ([], None),
}
REAL_LOGS = sorted(REAL.glob("kcl-*/*.log"))


@pytest.mark.parametrize("given", [True, False], ids=["--kcl", "from-the-log"])
@pytest.mark.parametrize("log", REAL_LOGS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_real_kcls_log_names_the_cause_and_a_fix_the_tool_accepts(log: Path,
                                                                      given: bool) -> None:
    """With --kcl, or without it: every real KCL 3 log shows KCL 3 (its worker metrics
    while it is built, before the first attempt), so the fixes use KCL 3's layout."""
    real = log.parent.name.removeprefix("kcl-")
    version = real if given else "3.0"
    causes, verb = EXPECTED[log.stem]
    verdict = diagnose(find_logs([str(log)]), Context(kcl=real if given else None)).verdict
    assert verdict.versions == ("3.x",)
    assert (verdict.kcl, verdict.kcl_assumed) == (version, not given)
    assert [f.cause for f in verdict.findings] == causes
    assert verdict.ok is (log.stem == "healthy")
    assert verdict.started is (log.stem == "healthy")
    assert "OTHER" not in verdict.applications
    first = verdict.findings[0] if verdict.findings else None
    if verb is not None:
        assert first is not None and first.command is not None
        assert (first.command[1] == verb and ("--kcl", version) == first.command[-2:]) or (
            "--add-index" in first.command)
        assert cli_run([*first.command[1:], "--dry-run"]) == 0
    if log.stem == "stream-refused":
        assert first is not None and first.action == "kinesis:ListShards"
        assert "--stream kclproof" in first.fix
    if log.stem == "kcl2-layout":
        assert first is not None and first.resource == "APP-CoordinatorState"


def test_the_real_healthy_log_exits_0_from_the_installed_cli() -> None:
    done = lease_tables("diagnose", "--log", str(REAL / "kcl-3.1.3" / "healthy.log"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KCL initialized." in done.stdout


SAMPLE_CONF = Path(__file__).resolve().parent.parent / "sample_conf"


def test_a_real_log_against_a_selection_whose_table_has_another_case(tmp_path: Path) -> None:
    """KCL used APP; `--table app` derives another table: the finding names the option
    that derives KCL's own name, and the other fixes use it."""
    done = lease_tables("diagnose", "--log", str(REAL / "kcl-3.1.3" / "no-tables.log"),
                        "--table", "app", "--output", "json")
    assert done.returncode == 3, done.stderr
    findings = {f["cause"]: f for f in json.loads(done.stdout)["findings"]}
    assert set(findings) == {"table-missing", "name-mismatch", "gave-up"}
    assert findings["name-mismatch"]["resource"] == "APP"
    assert "--table APP" in findings["name-mismatch"]["fix"]
    assert findings["table-missing"]["command"][:4] == ["lease-tables", "create", "--table",
                                                       "APP"]


def test_a_real_log_names_the_host_name_as_kcls_table_has_it(tmp_path: Path) -> None:
    """The real log, its table named as the sample IntegrationService.xml's agent-events
    adapter on a server whose name KCL's table has in capitals; `--host-name verintris`
    derives the lower-case name: the finding says --host-name VERINTRIS, and the
    create command it gives (with the selection as typed, the host name corrected) is
    one the tool accepts and derives KCL's own table."""
    import re as regex

    kcl_name = "verintAgentEvents_VERINTRIS.2"
    raw = (REAL / "kcl-3.1.3" / "no-tables.log").read_bytes()
    log = tmp_path / "adapter.log"
    log.write_bytes(regex.sub(rb"\bAPP\b", kcl_name.encode(), raw))
    done = lease_tables("diagnose", "--log", str(log), "--conf-dir", str(SAMPLE_CONF),
                        "--host-name", "verintris", "--output", "json")
    assert done.returncode == 3, done.stderr
    findings = {f["cause"]: f for f in json.loads(done.stdout)["findings"]}
    assert findings["name-mismatch"]["application"] == kcl_name
    assert "--host-name VERINTRIS" in findings["name-mismatch"]["fix"]
    assert "verintAgentEvents_verintris.2" in findings["name-mismatch"]["fix"]
    command = findings["table-missing"]["command"]
    assert command[:6] == ["lease-tables", "create", "--conf-dir", str(SAMPLE_CONF),
                           "--host-name", "VERINTRIS"]
    planned = lease_tables(*command[1:], "--dry-run")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert kcl_name in planned.stdout
