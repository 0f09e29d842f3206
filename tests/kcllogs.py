"""The real KCL's own logs, in every situation the KCL harness can make, as test data.

An adapter whose KCL cannot initialize says why only in its log. To read such logs
`lease-tables diagnose` needs to know what the real KCL and the AWS SDK for Java write
in each situation; this module captures that from the jars themselves: each situation is
a run of `tests/kclproof.py` (the MultiLangDaemon of a `kclpy-ext` wheel on Java 17,
against moto_server behind the h2c policy gate, CreateTable/UpdateTable denied), and the
JVM's stdout and stderr are kept byte for byte under
`tests/data/kcl-logs/kcl-<version>/<situation>.log`.

Each situation names the lines that mark it (`markers`): fixed strings from what KCL's
scheduler, its lease coordinator and the AWS SDK write, never from the MultiLangDaemon's
configuration echo (`KinesisClientLibConfigurator`, `MultiLangDaemonConfig`), which an
adapter that runs KCL as a library inside its own service does not write. A capture
that lacks a marker is reported, so the fixtures cannot drift from the jars silently.

`python3 dev.py kcl-logs [--out DIR]` runs `main()`; `tests/test_kcl_logs.py` holds the
fixtures to their markers and regenerates one in the slow tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests import kclproof
from tests.faultproxy import expired_token
from tests.kclproof import KCL, TABLE, Layout

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "kcl-logs"
# The KCL versions captured, and the PyPI wheel whose jars run each. 3.1.3 is the lock's
# own; older ones are installed at run time into a folder of the (ignored) .cache/,
# never into the lock or the venv.
WHEELS = {"3.1.3": "kclpy-ext==3.1.3.post4", "3.0.3": "kclpy-ext==3.0.5"}
CACHE = ROOT / ".cache"
# Logs larger than this lose their middle (whole lines), marked by one line saying so.
TRIM_LIMIT = 300_000
# The daemon's own loggers: their lines may be in a capture, never in a marker.
DAEMON_ONLY = ("KinesisClientLibConfigurator", "MultiLangDaemonConfig")

DENIED = "is not authorized to perform: "
GAVE_UP = kclproof.GAVE_UP
INIT_FAILED = "Caught exception when initializing LeaseCoordinator"
SYNC_FAILED = "Caught exception while sync'ing Kinesis shards and leases"
# What every capture holds where KCL starts (its scheduler's lines, not the daemon's):
# KCL 3's worker metrics, built just before (how `diagnose` knows KCL 3 without
# --kcl), the stream it reads, then the first of its initialization attempts.
START = ("Completed initialization with maxMetricStatsCount",
         f"Initial state: [StreamConfig(streamIdentifier={kclproof.STREAM},",
         "Initializing LeaseCoordinator attempt 1 ")


def _without_kinesis(policy: dict | list[dict]) -> dict | list[dict]:
    """The adapter policy with its Kinesis statement left out: the stream is refused."""
    documents = policy if isinstance(policy, list) else [policy]
    kept = [{**document, "Statement": [
        statement for statement in document["Statement"]
        if not all(str(action).startswith("kinesis:")
                   for action in ([statement["Action"]] if isinstance(statement["Action"], str)
                                  else statement["Action"]))]}
        for document in documents]
    return kept if isinstance(policy, list) else kept[0]


def _create_all(cli, _dynamodb) -> None:  # type: ignore[no-untyped-def]
    cli("create", "--kcl", KCL, "--table", TABLE)


@dataclass(frozen=True)
class Situation:
    """One situation: how the harness makes it, what `diagnose` must say, and the lines
    (fixed strings, case as written) every capture of it holds."""

    name: str
    layout: Layout
    cause: str  # the cause `diagnose` must name ("" for the healthy run: no finding)
    markers: tuple[str, ...]
    versions: tuple[str, ...] = ("3.1.3",)
    note: str = ""  # what KCL does there, as its log shows it


_BY_NAME = {layout.name: layout for layout in (*kclproof.STARTS, *kclproof.CONTROLS)}
# KCL syncs shards only after a random 1-30 s wait while the lease table is empty (not
# settable), so a failure in the shard sync takes minutes to reach 20 attempts: the
# capture holds its first few attempts.
_SHARD_SYNC_BOUND = 60.0
_TABLE_ARN = f"arn:aws:dynamodb:{kclproof.REGION}:{kclproof.ACCOUNT}:table/{TABLE}"

SITUATIONS: tuple[Situation, ...] = (
    Situation(
        "no-tables", _BY_NAME["no-tables"], "table-missing",
        (INIT_FAILED, f"{DENIED}dynamodb:CreateTable on resource: {_TABLE_ARN} ", GAVE_UP),
        versions=("3.1.3", "3.0.3"),
        note="Every attempt: CreateTable of the lease table, refused (AccessDeniedException "
             "in a DependencyException); after 20 attempts KCL gives up and its JVM exits 0."),
    Situation(  # KCL 3 stops at the first companion table; the index is never reached
        "kcl2-layout", _BY_NAME["kcl2-layout"], "table-missing",
        (INIT_FAILED, f"{DENIED}dynamodb:CreateTable on resource: "
         f"{_TABLE_ARN}-CoordinatorState ", GAVE_UP), versions=("3.1.3", "3.0.3"),
        note="The lease table is there: the first attempt's shard sync writes its leases; "
             "then every attempt: CreateTable of the companion `APP-CoordinatorState`, "
             "refused. KCL never reaches the index or `APP-WorkerMetricStats`; gives up."),
    Situation(
        "no-index", _BY_NAME["kcl2-no-add-index"], "index-missing",
        (INIT_FAILED, "Creating Lease table GSI LeaseOwnerToLeaseKeyIndex",
         f"{DENIED}dynamodb:UpdateTable on resource: {_TABLE_ARN} ", GAVE_UP),
        note="Companions there (\"Skipping DDB table APP-CoordinatorState creation as it "
             "already exists\"); every attempt: UpdateTable adding the index to the lease "
             "table, refused; gives up."),
    Situation(
        "wrong-key", _BY_NAME["wrong-key"], "wrong-key",
        (INIT_FAILED, SYNC_FAILED,
         "One or more parameter values were invalid: Missing the key id in the item"),
        note="The shard sync's PutItem of a lease is rejected by the table's key schema "
             "(DynamoDB's validation text names the table's own key, `id`). The sync comes "
             "after KCL's random 1-30 s wait on an empty lease table, so the capture holds "
             "a few attempts: stopped after 75 s, before KCL gives up."),
    Situation(
        "stream-refused",
        Layout("stream-refused", f"`create --kcl {KCL}`; the policy without its Kinesis "
               "statement", _create_all, should_start=False, bound=_SHARD_SYNC_BOUND,
               policy_edit=_without_kinesis),
        "access-denied",
        (INIT_FAILED, SYNC_FAILED, f"{DENIED}kinesis:ListShards on resource: "
         f"{kclproof.stream_arn()} "), versions=("3.1.3", "3.0.3"),
        note="The tables are fine; the shard sync's ListShards is refused "
             "(kinesis AccessDeniedException). Stopped after 60 s (the random wait "
             "before each sync), before KCL gives up."),
    Situation(
        "stream-missing",
        Layout("stream-missing", f"`create --kcl {KCL}`; the stream KCL reads does not "
               "exist", _create_all, should_start=False, bound=_SHARD_SYNC_BOUND,
               stream=False),
        "stream-missing",
        (INIT_FAILED, SYNC_FAILED, f"Got ResourceNotFoundException when fetching shard "
         f"list for {kclproof.STREAM}. Stream no longer exists."),
        note="ListShards answers ResourceNotFoundException, which KCL logs as a WARN "
             "(\"Stream no longer exists\") and then fails the sync with "
             "\"No shards found when attempting to validate complete hash range.\". "
             "Stopped after 60 s, before KCL gives up."),
    Situation(
        "expired-credentials",
        Layout("expired-credentials", f"`create --kcl {KCL}`; the gate answers every call "
               "`ExpiredTokenException` (HTTP 400)", _create_all, should_start=False,
               gate_answer=expired_token),
        "credentials",
        (INIT_FAILED, f"Failed to get table status for {TABLE}",
         "The security token included in the request is expired", GAVE_UP),
        versions=("3.1.3", "3.0.3"),
        note="The first call of each attempt, DescribeTable of the lease table, is "
             "answered ExpiredTokenException (the SDK does not retry it: \"SDK Attempt "
             "Count: 1\"); KCL logs \"Failed to get table status\" and gives up."),
    Situation(
        "healthy", _BY_NAME[kclproof.POSITIVE.name], "",
        ("Initialization complete. Starting worker loop.", "Created new shardConsumer for"),
        versions=("3.1.3", "3.0.3"),
        note="KCL takes both leases and delivers all 20 records; stopped by us once they "
             "are checkpointed, so it ends with the daemon's shutdown lines (below)."),
)
BY_NAME = {situation.name: situation for situation in SITUATIONS}


def fixture(version: str, situation: str, root: Path = FIXTURES) -> Path:
    return root / f"kcl-{version}" / f"{situation}.log"


def missing_markers(situation: Situation, log: str) -> list[str]:
    """The markers of `situation` (and of every start) that `log` lacks, looking only at
    lines that are not the MultiLangDaemon's configuration echo."""
    lines = [line for line in log.splitlines()
             if not any(logger in line for logger in DAEMON_ONLY)]
    return [marker for marker in (*START, *situation.markers)
            if not any(marker in line for line in lines)]


# ------------------------------------------------------------------ the jars


def jars_for(version: str, cache: Path = CACHE) -> Path:
    """The MultiLangDaemon jars of KCL `version`: the venv's for the lock's version, else
    its wheel installed (no dependencies: the wheel carries every jar) into `cache`."""
    own = kclproof.kcl_jars()
    if any(own.glob(f"amazon-kinesis-client-multilang-{version}.jar")):
        return own
    if version not in WHEELS:
        raise kclproof.KclUnavailable(f"no PyPI wheel known for KCL {version}: "
                                      f"known are {', '.join(WHEELS)}")
    wheel = WHEELS[version]
    target = cache / wheel.replace("==", "-")
    jars = target / "amazon_kclpy" / "jars"
    if not any(jars.glob(f"amazon-kinesis-client-multilang-{version}.jar")):
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                               "--disable-pip-version-check", "--target", str(target),
                               "--upgrade", wheel], capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0 or not any(
                jars.glob(f"amazon-kinesis-client-multilang-{version}.jar")):
            raise kclproof.KclUnavailable(
                f"KCL {version} cannot be had: `pip install --target {target} {wheel}` "
                f"failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return jars


# ------------------------------------------------------------------ one capture


def trim(log: bytes, limit: int = TRIM_LIMIT) -> bytes:
    """`log` as written when it is at most `limit` bytes; else its first and last
    `limit // 2` bytes (whole lines) with one line between saying what was cut. KCL's
    failures repeat the same attempt, so the middle holds nothing the ends do not."""
    if len(log) <= limit:
        return log
    head_end = log.rfind(b"\n", 0, limit // 2) + 1
    tail_start = log.find(b"\n", len(log) - limit // 2) + 1
    cut = log[head_end:tail_start]
    lines = cut.count(b"\n")
    note = (f"[kcl-logs: {lines} lines ({len(cut)} bytes) of repeated attempts "
            "cut here]\n").encode()
    return log[:head_end] + note + log[tail_start:]


@dataclass
class Capture:
    version: str
    situation: Situation
    run: kclproof.KclRun
    log: bytes

    def problems(self) -> list[str]:
        found = [f"marker missing: {marker!r}"
                 for marker in missing_markers(self.situation, self.log.decode(
                     "utf-8", "replace"))]
        if self.run.started != self.situation.layout.should_start:
            found.append("KCL started" if self.run.started else "KCL did not start")
        return found

    def describe(self) -> str:
        run = self.run
        ended = (f"KCL exited {run.exit_code} after {run.exit_s} s"
                 + (" (gave up)" if run.gave_up else "") if run.exit_code is not None
                 else "stopped by us while running")
        delivered = len({d["data"] for d in run.delivered})
        problems = "; ".join(self.problems()) or "markers found"
        return (f"kcl-{self.version}/{self.situation.name}.log: {len(self.log)} bytes, "
                f"{ended}, delivered {delivered} of {len(run.put)}; {problems}")


def capture(situation: Situation, version: str, workdir: Path,
            jars: Path | None = None) -> Capture:
    """One run of `situation` on KCL `version`; the JVM's output as written (trimmed)."""
    run = kclproof.run_kcl(situation.layout, workdir, jars=jars or jars_for(version))
    return Capture(version, situation, run, trim((workdir / "kcl.log").read_bytes()))


# ------------------------------------------------------------------ the README


def readme() -> str:
    """The README beside the fixtures, from the same table the captures come from."""
    lines = [
        "# The real KCL's logs",
        "",
        "Written by `python3 dev.py kcl-logs` (`tests/kcllogs.py`); do not edit by hand.",
        "",
        "Each file is the stdout and stderr of one run of the KCL MultiLangDaemon from",
        "PyPI's `kclpy-ext` wheel on Java 17 (`tests/kclproof.py`): moto_server on",
        "127.0.0.1 with a 2-shard stream holding 20 records, behind the h2c policy gate",
        "that answers CreateTable and UpdateTable AccessDenied and holds every call against",
        f"`lease-tables policy --kcl {KCL} --role adapter --stream ARN`. KCL's intervals",
        "are shortened (`kclproof.TUNING`, initialization backoff 250 ms), so a failing",
        "run gives up after its 20 attempts within seconds; a run still going after its",
        "bound (the wrong key: KCL waits a random 1-30 s before each shard sync) is",
        "stopped, and its log ends there. The healthy run is stopped once every record",
        "is delivered and checkpointed. The credentials are moto's fakes (`testing`).",
        f"Logs over {TRIM_LIMIT // 1000} KB lose their middle, marked by one "
        "`[kcl-logs: ...]` line.",
        "",
        "| situation | how it is made | `diagnose` must name | KCL versions |",
        "|---|---|---|---|",
    ]
    for situation in SITUATIONS:
        lines.append(f"| `{situation.name}` | {situation.layout.description} | "
                     f"`{situation.cause or 'nothing wrong'}` | "
                     f"{', '.join(situation.versions)} |")
    lines += [
        "",
        "## Reading them",
        "",
        "The layout is the MultiLangDaemon's logback pattern: `yyyy-MM-dd HH:mm:ss,SSS",
        "[thread] LEVEL logger [MDC] - message`, loggers abbreviated (`s.a.k.` is",
        "`software.amazon.kinesis.`); a stack trace follows its line (`\\tat ...`,",
        "`Caused by: ...`, `\\t... N common frames omitted`) and carries the AWS SDK's",
        "message, e.g. `... (Service: DynamoDb, Status Code: 400, Request ID: ...) (SDK",
        "Attempt Count: 1)`. An adapter's own layout differs; the markers are message",
        "text only.",
        "",
        "- A start: KCL 3 builds its worker metrics (`WorkerMetricsSelector`, then",
        "  `WorkerMetricStatsManager`'s `Completed initialization with maxMetricStatsCount",
        "  : 10 and total WorkerMetricStats : 0`: KCL 2 has neither, so `diagnose` names",
        "  KCL 3 from them); KCL's scheduler writes `Initial state: [StreamConfig(",
        "  streamIdentifier=STREAM, ...` and then `Initializing LeaseCoordinator attempt",
        "  1`; each attempt `Initializing LeaseCoordinator attempt N`, each failed one",
        "  `Caught exception when initializing LeaseCoordinator` with the cause's stack",
        "  trace after it; at the end `Unable to initialize after 20 attempts. Shutting",
        "  down.` (JVM exit 0).",
        "- While the lease table is empty, KCL writes `Lease table is still empty.",
        "  Checking again in 3000 ms` for a random 1-30 s before its shard sync (`Worker",
        "  ID is initiating the lease sync.`): failures in the sync (wrong key, stream",
        "  refused or missing) come one every 15 s or so.",
        "- The application name appears only in table names (`table/APP`, `Failed to get",
        "  table status for APP`, `APP-CoordinatorState`), the stream name in `Initial",
        "  state` and the shard sync's lines.",
        "- The daemon's own lines, which an adapter's log does not have: its configuration",
        "  echo (`KinesisClientLibConfigurator`, `MultiLangDaemonConfig`,",
        "  `AwsCredentialsProviderPropertyValueDecoder`), the record processors' plumbing",
        "  (`MultiLangShardRecordProcessor`, `MultiLangProtocol`, `MessageWriter`,",
        "  `LineReaderTask`), and",
        "  `s.a.k.multilang.MultiLangDaemon`'s shutdown hook when a run is stopped by us:",
        "  `Process terminated, will initiate shutdown.`, then `Encountered an error during",
        "  shutdown.` with a `java.util.concurrent.TimeoutException` (the 2 s grace passed).",
        "  Not a cause.",
        "",
        "## Markers",
        "",
        "The fixed strings (case as written) that every capture of a situation holds, in",
        "lines KCL's scheduler and lease coordinator or the AWS SDK wrote; never the",
        "MultiLangDaemon's configuration echo, which an adapter running KCL as a library",
        "does not write. A trailing space is part of a marker (`table/APP ` is the lease",
        "table, not `table/APP-CoordinatorState`; `attempt 1 ` is not `attempt 10`).",
        "Every capture holds the start's markers:",
        "",
        *(f"- `{marker}`" for marker in START),
        "",
        "`tests/test_kcl_logs.py` holds every file to them, and no failure's marker is in",
        "a healthy log. Each situation's own:",
        "",
    ]
    for situation in SITUATIONS:
        lines.append(f"- `{situation.name}` ({situation.cause or 'nothing wrong'}): "
                     f"{situation.note}")
        lines += [f"  - `{marker}`" for marker in situation.markers]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dev.py kcl-logs",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIXTURES,
                        help="folder to write into (default: tests/data/kcl-logs)")
    parser.add_argument("--situation", action="append", choices=sorted(BY_NAME),
                        help="only these situations (repeatable; default: all)")
    parser.add_argument("--kcl", action="append", choices=sorted(WHEELS),
                        help="only these KCL versions (repeatable; default: all)")
    args = parser.parse_args(argv)
    wanted = [(version, situation) for situation in SITUATIONS
              for version in situation.versions
              if (not args.situation or situation.name in args.situation)
              and (not args.kcl or version in args.kcl)]
    try:
        kclproof.java_executable()
    except kclproof.KclUnavailable as error:
        print(f"kcl-logs: {error}", file=sys.stderr)
        return 2
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(readme(), encoding="utf-8", newline="\n")
    failed = 0
    jars: dict[str, Path | None] = {}
    with tempfile.TemporaryDirectory(prefix="kcl-logs-") as scratch:
        for version, situation in wanted:  # one JVM at a time: the machine may have two cores
            if version not in jars:
                try:
                    jars[version] = jars_for(version)
                except kclproof.KclUnavailable as error:
                    print(f"kcl-logs: {error}", file=sys.stderr)
                    jars[version] = None
            if jars[version] is None:
                failed += 1
                continue
            taken = capture(situation, version, Path(scratch) / version / situation.name,
                            jars[version])
            path = fixture(version, situation.name, out)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(taken.log)
            print(taken.describe(), flush=True)
            failed += bool(taken.problems())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
