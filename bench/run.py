#!/usr/bin/env python3
"""The lease-tables benchmark: one command, its results written to bench/results.json.

    python3 bench/run.py            # everything, a few minutes on 2 cores
    python3 bench/run.py --quick    # fewer repetitions, for a smoke run
    python3 bench/run.py --only tricks --before REV --after REV   # the tricks table only

It installs what it needs on first use (dynalite from npm into bench/node_modules,
pinned by bench/package-lock.json; awscli from PyPI into bench/.work/awscli), starts
dynalite on 127.0.0.1 with `--createTableMs 1000` (a new table stays CREATING for
1.0 s, as the real service keeps it for seconds), runs every case as a real
subprocess, stops dynalite, and writes the raw figures with the date and the machine
(CPU model, cores, Python) to bench/results.json; then `cog -r bench/README.md`
renders the README's tables from that file (bench/figures.py), and `cog --check` in
the tests keeps the two in step. Only 127.0.0.1 is ever contacted. Figures only:
nothing here is a pass/fail test.

P1, P4, P5 and P6 are each timed against a floor: a bare script that does only what
the case cannot avoid (bench/floor_*.py). The tricks table times P1's and P4's dry
runs on two revisions of `src/` (exported by `git archive` into bench/.work and run
on the project's venv): what removing the speed tricks cost.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import time
import venv
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
README = BENCH / "README.md"
RESULTS = BENCH / "results.json"
CREATE_TABLE_MS = 1000
FLOOR = CREATE_TABLE_MS / 1000
CONF_FILE = "IntegrationService.xml"
CONCURRENCY = 10  # preflight's --concurrency, and its floor's
# The last commit with every trick issue 26 removed (gc.freeze, the hand-made memo dicts,
# awsconfig.py, the one-command app), the tricks table's "before" unless --before says.
BEFORE = "83dc78a7188b90f969207114a385c23815448fe7"

sys.path.insert(0, str(ROOT))
from bench.figures import load, render  # noqa: E402
from tests.faultproxy import FaultProxy  # noqa: E402
from tools.paths import PYTHON  # noqa: E402
from tools.servers import DYNALITE, ensure_dynalite, free_port, stop_process  # noqa: E402
from tools.venv import ensure_venv  # noqa: E402


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


# ------------------------------------------------------------------ set-up

def project_python() -> Path:
    """The repo's .venv (made by `python3 dev.py test`), else this interpreter."""
    if not PYTHON.exists():
        say("no .venv yet: creating it with dev.py's installer")
        ensure_venv()
    return PYTHON if PYTHON.exists() else Path(sys.executable)


def ensure_awscli() -> Path:
    """awscli (v1, from PyPI) in its own venv, so it cannot change the project's botocore."""
    home = WORK / "awscli"
    exe = home / ("Scripts" if os.name == "nt" else "bin") / "aws"
    if not exe.exists():
        say("installing awscli from PyPI into bench/.work/awscli (first run only)")
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        python = home / ("Scripts" if os.name == "nt" else "bin") / "python"
        with (WORK / "awscli-install.log").open("w") as log:
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "awscli"],
                           check=True, stdout=log, stderr=subprocess.STDOUT)
    return exe


@contextmanager
def dynalite() -> Iterator[str]:
    """A fresh in-memory dynalite on 127.0.0.1 for one section, stopped afterwards."""
    port = free_port()
    node = shutil.which("node") or "node"
    proc = subprocess.Popen([node, str(DYNALITE), "--host", "127.0.0.1", "--port", str(port),
                             "--createTableMs", str(CREATE_TABLE_MS)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield listening(proc, port, "dynalite", 20)
    finally:
        stop_process(proc)


def listening(proc: subprocess.Popen, port: int, what: str, bound: float) -> str:
    """The server's URL once it accepts connections on 127.0.0.1:port (within `bound` s)."""
    deadline = time.monotonic() + bound
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


def bench_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(WORK / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(WORK / "no-aws-credentials"),
        "AWS_PAGER": "", "NO_COLOR": "1",
    })
    return env


# ------------------------------------------------------------------ measuring

def children_cpu_s() -> float:
    """CPU seconds (user + system) of every child process waited for so far; 0 where the
    OS does not say (Windows). A run's share is the difference across it: less swayed by
    the other work of a shared machine than its wall time."""
    try:
        import resource
    except ImportError:
        return 0.0
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


@dataclass
class Runner:
    python: Path
    env: dict[str, str] = field(default_factory=bench_env)
    last_cpu_s: float = 0.0  # the CPU time of the last `timed` run

    def lease_tables(self, *args: str) -> list[str]:
        script = self.python.parent / ("lease-tables.exe" if os.name == "nt" else "lease-tables")
        return [str(script), *args] if script.exists() else [
            str(self.python), "-m", "lease_tables", *args]

    def timed(self, command: Sequence[str], ok: Sequence[int] = (0,),
              env: dict[str, str] | None = None) -> float:
        """Wall seconds of one run, process start to exit, output discarded."""
        cpu = children_cpu_s()
        started = time.perf_counter()
        proc = subprocess.run(command, env=env or self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=600)
        elapsed = time.perf_counter() - started
        self.last_cpu_s = children_cpu_s() - cpu
        if proc.returncode not in ok:
            raise RuntimeError(f"{command[:3]} exited {proc.returncode}: {proc.stderr[-800:]!r}")
        return elapsed

    def peak_rss_mb(self, command: Sequence[str], env: dict[str, str] | None = None) -> float:
        """Peak resident memory of one run, measured by a fresh parent process."""
        probe = ("import resource, subprocess, sys; "
                 "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", probe, *command], env=env or self.env,
                             capture_output=True, text=True, check=True, timeout=600)
        return int(out.stdout.strip()) / 1024  # Linux reports KiB


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def interleaved(runs: int, *cases: Callable[[int], float]) -> list[list[float]]:
    """Run the cases turn by turn, so drift in machine load hits all of them alike."""
    samples: list[list[float]] = [[] for _ in cases]
    for i in range(runs):
        for sample, case in zip(samples, cases, strict=True):
            sample.append(case(i))
    return samples


def table_args(names: Sequence[str]) -> list[str]:
    return [arg for name in names for arg in ("--table", name)]


def names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:04}" for i in range(count)]


def generated_conf(adapters: int) -> Path:
    """An IntegrationService.xml with `adapters` Amazon adapters (half of each kind)."""
    folder = WORK / f"conf-{adapters}"
    path = folder / CONF_FILE
    if path.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<IFService version="15.3">\n'
             "  <Integrations>\n"]
    for i in range(1, adapters + 1):
        if i % 2:
            parts.append(f'    <Integration id="{i}" type="AmazonConnectAdapter" '
                         f'name="CTR {i}">\n'
                         f'      <set key="ApplicationName" value="ctrEvents{i:05}"/>\n'
                         f'      <set key="Region" value="us-east-1"/>\n'
                         f'      <set key="KinesisStreamName" value="ctr-stream-{i}"/>\n'
                         "    </Integration>\n")
        else:
            parts.append(f'    <Integration id="{i}" type="AmazonAgentEventStreamAdapter" '
                         f'name="Agents {i}">\n'
                         f'      <set key="Application Name" value="agentEvents{i:05}"/>\n'
                         f'      <set key="Region" value="us-east-1"/>\n'
                         "    </Integration>\n")
    parts.append("  </Integrations>\n</IFService>\n")
    path.write_text("".join(parts), encoding="utf-8")
    return folder


# ------------------------------------------------------------------ the cases

@dataclass
class Figures:
    """Raw numbers only; bench/figures.py words them and judges the targets."""

    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    scaling: list[dict[str, Any]] = field(default_factory=list)
    p4_profile: dict[str, Any] = field(default_factory=dict)  # ms, from profile_p4.py
    tricks: dict[str, Any] = field(default_factory=dict)  # what the removed tricks cost
    # The 1-minute load average when the run began (None where the OS has none): a shared
    # machine's other work slows every figure, and the reader should know it.
    load_at_start: float | None = field(
        default_factory=lambda: round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg")
        else None)

    def add(self, ident: str, **values: Any) -> None:
        self.cases[ident] = values
        say(f"{ident}: {values}")


def byte_compile(python: Path) -> None:
    """Our sources compiled once, as an installed copy has them, before anything is timed.

    pip byte-compiles a package it installs, and typer's modules (the baseline's) are
    compiled; the editable install of `src/` is not, and where PYTHONDONTWRITEBYTECODE
    is set every run would compile our modules from source again, a cost of tens of
    milliseconds no installed copy pays. The project's own interpreter compiles them,
    so the cache tag is the one it reads.
    """
    subprocess.run([str(python), "-m", "compileall", "-q", str(ROOT / "src")], check=True,
                   stdout=subprocess.DEVNULL, timeout=300)


# A table named by --table carries no region of its own: botocore is asked for it.
P1_DRY_RUN = ("create", "--dry-run", "--table", "ctrEvents")


def region_from_config(env: dict[str, str]) -> dict[str, str]:
    """`env` as on a machine whose region is only in the AWS config file (no AWS_REGION,
    no AWS_DEFAULT_REGION): a dry run of a table that names no region asks botocore."""
    config = WORK / "p1-aws-config"
    config.write_text("[default]\nregion = us-east-1\n", encoding="utf-8")
    changed = {k: v for k, v in env.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    changed["AWS_CONFIG_FILE"] = str(config)
    return changed


def dry_runs(lease_tables: Callable[..., list[str]]) -> tuple[list[str], list[str]]:
    """P1's dry run (a --table whose region botocore gives) and the sample's (every
    adapter carries its Region: botocore is never imported), as `lease_tables` runs them."""
    return (lease_tables(*P1_DRY_RUN),
            lease_tables("create", "--dry-run", "--conf-dir", str(ROOT / "sample_conf"),
                         "--host-name", "verintris"))


def p1(run: Runner, figures: Figures, reps: int) -> None:
    """The dry run that asks botocore for the region vs a typer program that asks only that."""
    env = region_from_config(run.env)
    ours, sample = dry_runs(run.lease_tables)
    floor = [str(run.python), str(BENCH / "floor_dry_run.py"), *P1_DRY_RUN]
    ours_t, floor_t, sample_t = interleaved(
        reps,
        lambda _: run.timed(ours, env=env),
        lambda _: run.timed(floor, env=env),
        lambda _: run.timed(sample),
    )
    figures.add("P1", ours_s=median(ours_t), bare_s=median(floor_t),
                ratio=median(ours_t) / median(floor_t), sample_s=median(sample_t), runs=reps)


def p2(run: Runner, figures: Figures, reps: int) -> None:
    with dynalite() as url:
        walls = [run.timed(run.lease_tables("create", *table_args(names(f"p2r{i}t", 40)),
                                            "--endpoint-url", url)) for i in range(reps)]
    figures.add("P2", median_s=median(walls), min_s=min(walls), max_s=max(walls),
                floor_s=FLOOR, ratio=median(walls) / FLOOR, runs=reps)


def p3(run: Runner, figures: Figures, reps: int) -> None:
    forty, one = names("p3many", 40), names("p3one", 1)
    with dynalite() as url:
        for group in (forty, one):
            run.timed(run.lease_tables("create", *table_args(group), "--endpoint-url", url))
        many_t, one_t = interleaved(
            reps,
            lambda _: run.timed(run.lease_tables("create", *table_args(forty),
                                                 "--endpoint-url", url)),
            lambda _: run.timed(run.lease_tables("create", *table_args(one),
                                                 "--endpoint-url", url)),
        )
        with FaultProxy(url) as proxy:
            run.timed(run.lease_tables("create", *table_args(forty), "--endpoint-url",
                                       proxy.url))
            calls = proxy.by_operation()
    figures.add("P3", many_s=median(many_t), one_s=median(one_t),
                ratio=median(many_t) / median(one_t), calls=dict(calls), runs=reps)


def big_dry_run(lease_tables: Callable[..., list[str]]) -> list[str]:
    """P4's dry run over the generated 20,000-adapter file."""
    return lease_tables("create", "--dry-run", "--conf-dir", str(generated_conf(20_000)),
                        "--host-name", "verintris")


def p4(run: Runner, figures: Figures, reps: int) -> None:
    """The dry run over 20,000 adapters vs a bare lxml script reading the same file."""
    folder = generated_conf(20_000)
    args = big_dry_run(run.lease_tables)
    floor = [str(run.python), str(BENCH / "floor_read.py"), str(folder / CONF_FILE)]
    ours, bare = interleaved(reps, lambda _: run.timed(args), lambda _: run.timed(floor))
    rss = max(run.peak_rss_mb(args) for _ in range(2))
    size = (folder / CONF_FILE).stat().st_size / 1e6
    figures.add("P4", wall_s=median(ours), bare_s=median(bare), ratio=median(ours) / median(bare),
                rss_mb=rss, file_mb=size, adapters=20_000, runs=reps)
    profiled = subprocess.run([str(run.python), str(BENCH / "profile_p4.py"), "--json",
                               str(folder)], capture_output=True, text=True, timeout=600,
                              env=bench_env())
    if profiled.returncode:  # the reader's functions changed: the run's figures still count
        say(f"profile_p4.py failed, so the phase table is left out: {profiled.stderr[-800:]}")
        return
    figures.p4_profile = json.loads(profiled.stdout)


def scaling(run: Runner, figures: Figures, sizes: Sequence[int]) -> None:
    with dynalite() as url:
        for size in sizes:
            wall = run.timed(run.lease_tables("create", *table_args(names(f"s{size}w", size)),
                                              "--endpoint-url", url))
            with FaultProxy(url) as proxy:
                run.timed(run.lease_tables("create", *table_args(names(f"s{size}c", size)),
                                           "--endpoint-url", proxy.url))
                calls = proxy.by_operation()
                spans = proxy.timeline()
            row: dict[str, Any] = {"tables": size, "wall_s": wall, "calls": dict(calls),
                                   "last_create_s": None, "describe_after_s": None}
            if "CreateTable" in spans and "DescribeTable" in spans:
                row["last_create_s"] = spans["CreateTable"][1]
                row["describe_after_s"] = spans["DescribeTable"][1] - spans["CreateTable"][1]
            figures.scaling.append(row)
            say(f"scaling {size}: {row}")


def peer(run: Runner, figures: Figures, aws: Path) -> None:
    """Three tables the AWS CLI way: create-table, then wait table-exists, one by one."""
    tables = names("peerAws", 3)
    with dynalite() as url:
        started = time.perf_counter()
        for name in tables:
            run.timed([str(aws), "dynamodb", "create-table", "--table-name", name,
                       "--attribute-definitions", "AttributeName=leaseKey,AttributeType=S",
                       "--key-schema", "AttributeName=leaseKey,KeyType=HASH",
                       "--provisioned-throughput", "ReadCapacityUnits=10,WriteCapacityUnits=10",
                       "--deletion-protection-enabled", "--endpoint-url", url])
            run.timed([str(aws), "dynamodb", "wait", "table-exists", "--table-name", name,
                       "--endpoint-url", url])
        theirs = time.perf_counter() - started
        ours = run.timed(run.lease_tables("create", *table_args(names("peerOurs", 3)),
                                          "--endpoint-url", url))
    figures.add("Peer", theirs_s=theirs, ours_s=ours)


def p5(run: Runner, figures: Figures, reps: int) -> None:
    """KCL 3.0's layout for 40 adapters: 120 tables, the 40 lease tables with the index."""
    with dynalite() as url:
        ours, floor = interleaved(
            reps,
            lambda i: run.timed(run.lease_tables("create", "--kcl", "3.0",
                                                 *table_args(names(f"p5o{i}t", 40)),
                                                 "--endpoint-url", url)),
            lambda i: run.timed([str(run.python), str(BENCH / "floor_create.py"), url, "3.0",
                                 *names(f"p5f{i}t", 40)]),
        )
        with FaultProxy(url) as proxy:
            run.timed(run.lease_tables("create", "--kcl", "3.0",
                                       *table_args(names("p5o0t", 40)),
                                       "--endpoint-url", proxy.url))
            calls = proxy.by_operation()
    figures.add("P5", ours_s=median(ours), bare_s=median(floor),
                ratio=median(ours) / median(floor), calls=dict(calls), runs=reps)


@contextmanager
def moto_server(python: Path) -> Iterator[str]:
    """A fresh moto_server on 127.0.0.1 (the project's dev dependency), stopped afterwards."""
    port = free_port()
    exe = python.parent / ("moto_server.exe" if os.name == "nt" else "moto_server")
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield listening(proc, port, "moto_server", 30)
    finally:
        stop_process(proc)


def aws_stand_ins(proxy: FaultProxy) -> FaultProxy:
    """What moto cannot answer (Connect's lookups, KMS DryRun), as AWS would."""
    from tests.faultproxy import aws_error, rest_answer, rest_error

    proxy.rephrased[("Decrypt", "InvalidCiphertextException")] = aws_error(
        "DryRunOperationException", "DryRun", 412)
    proxy.canned["ListInstanceAttributes"] = rest_answer({"Attributes": []})
    proxy.canned["ListInstanceStorageConfigs"] = rest_answer({"StorageConfigs": []})
    for operation in ("DescribeUser", "DescribeContact", "GetContactAttributes"):
        proxy.canned[operation] = rest_error("ResourceNotFoundException", "not found", 404)
    return proxy


def p6(run: Runner, figures: Figures, reps: int) -> None:
    """preflight of the whole footprint of 40 adapters vs a bare script of the same calls."""
    streams = ["ctr-events", "agent-events"]
    tables = names("p6t", 40)
    with moto_server(run.python) as url, aws_stand_ins(FaultProxy(url)) as proxy:
        made = subprocess.run([str(run.python), str(BENCH / "footprint_world.py"), url,
                               *streams], env=run.env, capture_output=True, text=True,
                              timeout=120)
        if made.returncode:
            raise RuntimeError(f"footprint_world.py failed: {made.stderr[-800:]}")
        world = json.loads(made.stdout)
        stream_args = [a for s in streams for a in ("--stream", s)]
        run.timed(run.lease_tables("create", *table_args(tables), *stream_args,
                                   "--enhanced-fan-out", "--endpoint-url", url))
        ours = run.lease_tables(
            "preflight", *table_args(tables), *stream_args, "--enhanced-fan-out",
            "--bucket", "ris-recordings", "--kms-key", world["key"], "--video-stream",
            "connect-live-", "--connect-instance", world["instance"], "--cloudwatch-logs",
            "/ris", "--concurrency", str(CONCURRENCY), "--region", "us-east-1",
            "--endpoint-url", proxy.url)
        floor = [str(run.python), str(BENCH / "floor_preflight.py"), proxy.url,
                 *stream_args, "--bucket", "ris-recordings", "--key", world["key"],
                 "--video-prefix", "connect-live-", "--instance", world["instance"],
                 "--concurrency", str(CONCURRENCY), *tables]
        ours_t, floor_t = interleaved(reps, lambda _: run.timed(ours),
                                      lambda _: run.timed(floor))
        counted = []
        for command in (ours, floor):
            proxy.clear()
            run.timed(command)
            counted.append(proxy.by_operation())
        calls, floor_calls = counted
    once = {op: calls[op] for op in ("DescribeStreamSummary", "ListShards", "ListObjectsV2",
                                     "Encrypt", "GetDataEndpoint", "ListInstanceAttributes")}
    figures.add("P6", whole_s=median(ours_t), bare_s=median(floor_t),
                ratio=median(ours_t) / median(floor_t), calls_total=sum(calls.values()),
                same_calls=calls == floor_calls, once=once, runs=reps)


# ------------------------------------------------------------------ the removed tricks

def revision(rev: str, python: Path) -> dict[str, Any]:
    """A revision's `src/`, exported once into bench/.work and byte-compiled, with the
    environment that runs it on the project's venv (its PYTHONPATH ahead of the
    editable install), checked to import from there."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True, timeout=60).stdout.strip()

    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    src = WORK / f"rev-{sha[:12]}" / "src"
    if not (src / "lease_tables").is_dir():
        archive = subprocess.run(["git", "archive", "--format=tar", sha, "src"], cwd=ROOT,
                                 capture_output=True, check=True, timeout=120).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):  # Python 3.10.12+: plain files only
                tar.extractall(src.parent, filter="data")
            else:
                tar.extractall(src.parent)
        subprocess.run([str(python), "-m", "compileall", "-q", str(src)], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
    env = {**bench_env(), "PYTHONPATH": str(src)}
    where = subprocess.run([str(python), "-c", "import lease_tables; print(lease_tables.__file__)"],
                           env=env, capture_output=True, text=True, check=True, timeout=60)
    if not Path(where.stdout.strip()).is_relative_to(src):
        raise RuntimeError(f"{rev} imports lease_tables from {where.stdout.strip()}, not {src}")
    return {"rev": rev, "commit": sha, "date": git("log", "-1", "--format=%cd",
                                                   "--date=format:%Y-%m-%d %H:%M", sha),
            "env": env}


def tricks(run: Runner, figures: Figures, before: str, after: str, reps: int,
           big_reps: int) -> None:
    """P1's and P4's dry runs on two revisions, turn by turn: what the removed tricks cost."""
    load = Figures().load_at_start  # now, not when a full run began
    revisions = [revision(rev, run.python) for rev in (before, after)]

    def module(*args: str) -> list[str]:
        return [str(run.python), "-m", "lease_tables", *args]

    p1_cmd, sample_cmd = dry_runs(module)
    big = big_dry_run(module)
    envs = [r["env"] for r in revisions]
    cpu: dict[tuple[str, int], list[float]] = {}

    def case(what: str, i: int, command: list[str], env: dict[str, str]) -> Callable[[int], float]:
        def one(_: int) -> float:
            wall = run.timed(command, env=env)
            cpu.setdefault((what, i), []).append(run.last_cpu_s)
            return wall
        return one

    small = interleaved(reps, *[case("p1", i, p1_cmd, region_from_config(env))
                                for i, env in enumerate(envs)],
                        *[case("sample", i, sample_cmd, env) for i, env in enumerate(envs)])
    big_t = interleaved(big_reps, *[case("p4", i, big, env) for i, env in enumerate(envs)])
    walls = {"p1": small[:2], "sample": small[2:], "p4": big_t}
    for i, rev in enumerate(revisions):
        env = rev.pop("env")
        for what, times in walls.items():
            rev[f"{what}_s"] = median(times[i])
            rev[f"{what}_cpu_s"] = median(cpu[(what, i)])
        rev["p4_rss_mb"] = max(run.peak_rss_mb(big, env=env) for _ in range(2))
    figures.tricks = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "load_at_start": load, "runs": reps,
                      "big_runs": big_reps, "before": revisions[0], "after": revisions[1]}
    say(f"tricks: {figures.tricks}")


# ------------------------------------------------------------------ report

def results(figures: Figures, started: float, quick: bool) -> dict[str, Any]:
    """What bench/results.json holds: the figures, when, and on what machine."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "system": platform.system(),
                    "arch": platform.machine(), "python": platform.python_version(),
                    "node": node_version(), "load_at_start": figures.load_at_start},
        "settings": {"create_table_ms": CREATE_TABLE_MS, "quick": quick},
        "duration_s": round(time.monotonic() - started, 1),
        "cases": figures.cases,
        "scaling": figures.scaling,
        "p4_profile_ms": figures.p4_profile,
        "tricks": figures.tricks,
    }


def cpu_model() -> str:
    """The CPU's marketing name, as the OS reports it (platform.processor() is often
    empty or just the architecture on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except OSError:
        return "?"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--no-write", action="store_true",
                        help="print, do not touch bench/results.json or the README")
    parser.add_argument("--only", nargs="*", default=None, metavar="CASE",
                        help="run only these of: p1 p2 p3 p4 p5 p6 scaling peer tricks "
                             "(implies --no-write, except `--only tricks` alone, which "
                             "rewrites only the tricks table)")
    parser.add_argument("--before", default=BEFORE, metavar="REV",
                        help="the tricks table's revision with the tricks (default: the "
                             "last commit that had them all)")
    parser.add_argument("--after", default="HEAD", metavar="REV",
                        help="the tricks table's revision without them (default: HEAD)")
    options = parser.parse_args(argv)
    wanted = set(options.only) if options.only is not None else None

    def want(case: str) -> bool:
        return wanted is None or case in wanted

    started = time.monotonic()
    WORK.mkdir(exist_ok=True)
    if want("p2") or want("p3") or want("p5") or want("scaling") or want("peer"):
        ensure_dynalite()
    run = Runner(project_python())
    byte_compile(run.python)
    reps = 5 if options.quick else 15
    big_reps = 3 if options.quick else 5
    figures = Figures()
    if want("p1"):
        say("P1: startup")
        p1(run, figures, reps)
    if want("p2"):
        say("P2: 40 new tables")
        p2(run, figures, 3 if options.quick else 7)
    if want("p3"):
        say("P3: reruns")
        p3(run, figures, reps)
    if want("p4"):
        say("P4: 20,000 adapters")
        p4(run, figures, big_reps)
    if want("p5"):
        say("P5: KCL 3.0, 40 adapters")
        p5(run, figures, big_reps)
    if want("p6"):
        say("P6: preflight of the whole footprint")
        p6(run, figures, big_reps)
    if want("scaling"):
        say("scaling")
        scaling(run, figures, (10, 100) if options.quick else (10, 100, 500))
    if want("peer"):
        say("peer: the AWS CLI way (its waiter polls every 20 s)")
        peer(run, figures, ensure_awscli())
    if want("tricks"):
        say(f"tricks: P1's and P4's dry runs on {options.before} and {options.after}")
        tricks(run, figures, options.before, options.after, reps, big_reps)
    measured = results(figures, started, options.quick)
    if wanted == {"tricks"}:  # only the tricks table changes; the other figures stay
        measured = {**load(), "tricks": figures.tricks}
    print(render(measured))
    if not options.no_write and wanted in (None, {"tricks"}):
        RESULTS.write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")
        say(f"results written to {RESULTS.relative_to(ROOT)}")
        # The README's tables and the site's benchmark page are rendered from that file by
        # cog (the project's venv has it); the site's chart by bench/chart.py.
        site_page = ROOT / "docs" / "benchmark.md"
        subprocess.run([str(run.python), "-m", "cogapp", "-r", str(README), str(site_page)],
                       cwd=ROOT, check=True)
        subprocess.run([str(run.python), str(ROOT / "bench" / "chart.py")], cwd=ROOT,
                       check=True)
        say(f"figures in {README.relative_to(ROOT)}, {site_page.relative_to(ROOT)} and "
            f"docs/img/bench-scaling.svg regenerated from it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
