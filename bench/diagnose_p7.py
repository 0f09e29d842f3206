"""P7: `lease-tables diagnose` over a 1 GiB log with the failure at its end.

    python3 bench/diagnose_p7.py [--size-mib 1024] [--runs 5] [--dir /tmp]

Writes the log of a Java service that runs KCL 3 (`FILLER`: the service's own lines,
KCL's worker lines, INFO and WARN, now and then an unrelated exception with its
stack trace; months of them) ending in a failed start (the real KCL 3.1.3's lines:
no lease table, CreateTable denied, 20 attempts, gave up); then times, from process
start to exit, `grep -F -c` of one fixed string over the file and `lease-tables
diagnose` over it, the two taking turns (so a change in the machine's load falls on
both alike), after one warm-up each (both read from the page cache). The ratio is
of the medians of wall time; the CPU time (user + system) of each is printed too,
being less swayed by other work on the machine. Diagnose's peak RSS is the kernel's
(wait4). Targets: at most 3 times grep's time, at most 150 MB. The log is deleted
afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = ROOT / ".venv" / ("Scripts" if os.name == "nt" else "bin") / "lease-tables"

# A Java service's log, as an adapter writes it: its own lines (calls, agents, the
# recorder), the AWS SDK's and KCL 3's worker lines (lease assignment, leader election,
# record delivery: the real KCL 3.1.3's texts), at INFO and WARN, and now and then an
# unrelated exception with its stack trace (a recorder that did not answer).
WORKER = "0ec5377b-797c-4f88-b3c2-64d3d44a4185"
FILLER = [
    "{t} [pool-4-thread-{k}] INFO  c.e.ris.adapter.AgentEventsHandler - Agent event LOGIN for "
    "agent {n}47 on extension 22{n} forwarded to recorder 10.20.3.14 in {k} ms",
    "{t} [pool-4-thread-{k}] INFO  c.e.ris.adapter.CallEventsHandler - Call "
    "0c1f{n}a7-5e2b-4b1d-9a3f-7d2c{n}e81b00 started on extension 22{n}, recording requested",
    "{t} [ShardRecordProcessor-000{k}] INFO  s.a.k.r.p.PrefetchRecordsPublisher [NONE] - "
    "adapter-events:shardId-00000000000{k} : Record delivery latency {n} ms",
    "{t} [http-nio-8443-exec-{k}] INFO  c.e.ris.adapter.web.HealthController - GET /health "
    "200 in {k} ms",
    "{t} [lam-thread] INFO  s.a.k.c.a.LeaseAssignmentManager [NONE] - Current worker "
    + WORKER + " is a leader, performing assignment",
    "{t} [lam-thread] INFO  s.a.k.c.a.LeaseAssignmentManager [NONE] - Total WorkerMetricStats "
    "available : {k}",
    "{t} [lam-thread] INFO  s.a.k.c.a.LeaseAssignmentManager [NONE] - Total Leases available "
    ": 2",
    "{t} [multi-lang-daemon-0000] INFO  s.a.k.l.DynamoDBLockBasedLeaderDecider [NONE] - "
    "Worker : " + WORKER + " is the current leader.",
    "{t} [pool-4-thread-{k}] WARN  c.e.ris.adapter.RecorderClient - Recorder 10.20.3.14:29522 "
    "answered in 15{n} ms (over 1000 ms); retrying on 10.20.3.15:29522",
    "{t} [pool-4-thread-{k}] INFO  c.e.ris.adapter.CallEventsHandler - Call "
    "0c1f{n}a7-5e2b-4b1d-9a3f-7d2c{n}e81b00 ended on extension 22{n} after {n}{k} s",
]
# The service's own lines are the most; KCL's worker lines come with every assignment.
CYCLE = [*FILLER[:4] * 3, *FILLER[4:8], FILLER[8], *FILLER[9:] * 3]
# Once in every block of filler: a failure that is not KCL's, with its stack trace.
UNRELATED = [
    "{t} [pool-4-thread-2] WARN  c.e.ris.adapter.RecorderClient - Recorder 10.20.3.14:29522 "
    "did not answer; the call's events are queued",
    "java.net.SocketTimeoutException: Read timed out",
    "\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)",
    "\tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:966)",
    "\tat c.e.ris.adapter.RecorderClient.send(RecorderClient.java:141)",
]
DENIED = ("User: arn:aws:sts::123456789012:assumed-role/adapter/kcl is not authorized to "
          "perform: dynamodb:CreateTable on resource: arn:aws:dynamodb:us-east-1:"
          "123456789012:table/APP because no identity-based policy allows the action "
          "(Service: DynamoDb, Status Code: 400, Request ID: null)")


def failure() -> str:
    lines = []
    for attempt in range(1, 21):
        t = f"2026-12-07 04:33:{attempt:02d},000"
        lines += [
            f"{t} [multi-lang-daemon-0000] INFO  s.a.kinesis.coordinator.Scheduler [NONE] - "
            f"Initializing LeaseCoordinator attempt {attempt}",
            f"{t} [multi-lang-daemon-0000] ERROR s.a.kinesis.coordinator.Scheduler [NONE] - "
            f"Caught exception when initializing LeaseCoordinator",
            "software.amazon.kinesis.leases.exceptions.DependencyException: software.amazon."
            "awssdk.services.dynamodb.model.DynamoDbException: " + DENIED,
            "\tat software.amazon.kinesis.leases.dynamodb.DynamoDBLeaseRefresher."
            "createTableIfNotExists(DynamoDBLeaseRefresher.java:265)",
            "Caused by: software.amazon.awssdk.services.dynamodb.model.DynamoDbException: "
            + DENIED,
            "\t... 3 common frames omitted",
        ]
    lines += ["2026-12-07 04:33:21,000 [multi-lang-daemon-0000] ERROR s.a.kinesis.coordinator."
              "Scheduler [NONE] - Unable to initialize after 20 attempts. Shutting down.",
              "java.lang.RuntimeException: software.amazon.kinesis.leases.exceptions."
              "DependencyException: software.amazon.awssdk.services.dynamodb.model."
              "DynamoDbException: " + DENIED,
              "\tat software.amazon.kinesis.coordinator.Scheduler.run(Scheduler.java:452)"]
    return "\n".join(lines) + "\n"


def make_log(path: Path, size: int) -> None:
    chunk_lines = []
    for i in range(20_000):
        t = (f"2026-{1 + i % 11:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:"
             f"{i % 60:02d},{i % 1000:03d}")
        chunk_lines.append(CYCLE[i % len(CYCLE)].format(t=t, n=i % 97, k=1 + i % 8))
        if i == 10_000:
            chunk_lines += [line.format(t=t) for line in UNRELATED]
    chunk = ("\n".join(chunk_lines) + "\n").encode()
    tail = failure().encode()
    with path.open("wb") as out:
        written = 0
        while written + len(chunk) + len(tail) <= size:
            out.write(chunk)
            written += len(chunk)
        out.write(chunk[:max(0, size - written - len(tail))].rsplit(b"\n", 1)[0] + b"\n")
        out.write(tail)


def timed(argv: list[str]) -> tuple[float, float, int, int]:
    """Seconds from start to exit, CPU seconds (user + system), peak RSS in bytes,
    exit code."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, child.returncode


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lease-tables-p7-", dir=args.dir))
    log = work / "adapter.log"
    try:
        make_log(log, args.size_mib * 1024 * 1024)
        grep = [shutil.which("grep") or "grep", "-F", "-c", "Initializing LeaseCoordinator",
                str(log)]
        diagnose = [str(EXE), "diagnose", "--log", str(log), "--output", "json"]
        timed(grep)  # warm-up: the page cache, for both alike
        timed(diagnose)
        began = load()
        runs: dict[str, list[tuple[float, float, int, int]]] = {"grep": [], "diagnose": []}
        for _ in range(args.runs):
            runs["grep"].append(timed(grep))
            runs["diagnose"].append(timed(diagnose))
        ended = load()
        found = json.loads(subprocess.run(diagnose, capture_output=True, text=True,
                                          check=False).stdout)
        grep_s, grep_cpu = (statistics.median(f[i] for f in runs["grep"]) for i in (0, 1))
        diag_s, diag_cpu = (statistics.median(f[i] for f in runs["diagnose"]) for i in (0, 1))
        rss = max(f[2] for f in runs["diagnose"])
        ratio = diag_s / grep_s
        print(f"load average (1, 5, 15 min): {began} when the runs began, {ended} when they "
              f"ended, on {os.cpu_count()} cores")
        print(f"log: {log.stat().st_size / 2**20:,.0f} MiB, failure at its end")
        print(f"grep -F -c: {grep_s:.2f} s, CPU {grep_cpu:.2f} s (medians of {args.runs})")
        print(f"diagnose:   {diag_s:.2f} s, CPU {diag_cpu:.2f} s (medians of {args.runs}), "
              f"exit {runs['diagnose'][0][3]}, peak RSS {rss / 1e6:.0f} MB")
        print(f"ratio {ratio:.2f} (CPU {diag_cpu / grep_cpu:.2f}) (target <= 3): "
              f"{'met' if ratio <= 3 else 'NOT met'}; RSS target <= 150 MB: "
              f"{'met' if rss <= 150e6 else 'NOT met'}")
        print(f"found: {', '.join(f['cause'] for f in found['findings']) or 'NOTHING'}; "
              f"KCL versions in the log: {', '.join(found['read']['kcl_versions']) or 'none'}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
