"""P7: `lease-tables diagnose` over a 1 GiB log with the failure at its end.

    python3 bench/diagnose_p7.py [--size-mib 1024] [--runs 3] [--dir /tmp]

Writes a log of realistic healthy KCL lines (a worker's renewals and lease-taker
lines, months of them) ending in a failed start (the real KCL 3.1.3's lines: no
lease table, CreateTable denied, 20 attempts, gave up); then times, from process
start to exit, `grep -F -c` of one fixed string over the file and `lease-tables
diagnose` over it (medians of --runs, after one warm-up each, so both read from
the page cache), and takes diagnose's peak RSS from the kernel (wait4). Targets:
at most 3 times grep's time, at most 150 MB. The log is deleted afterwards.
"""

from __future__ import annotations

import argparse
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

FILLER = [
    "{t} [LeaseRenewer-0001] INFO  s.a.k.l.d.DynamoDBLeaseRenewer [NONE] - Renewed {n} leases "
    "for worker e81e3dec-a3fb-4714-8f6d-12bfa211bdc2 in 12 ms",
    "{t} [LeaseTaker-0001] INFO  s.a.k.l.d.DynamoDBLeaseTaker [NONE] - Worker "
    "e81e3dec-a3fb-4714-8f6d-12bfa211bdc2 saw 2 total leases, 0 available leases, 1 workers. "
    "Target is 2 leases, I have 2 leases, I will take 0 leases",
    "{t} [ShardRecordProcessor-0002] INFO  s.a.k.r.p.PrefetchRecordsPublisher [NONE] - "
    "kclproof:shardId-000000000001 : Record delivery latency {n} ms",
    "{t} [multi-lang-daemon-0000] INFO  s.a.kinesis.coordinator.Scheduler [NONE] - Current "
    "stream shard assignments: shardId-000000000000, shardId-000000000001",
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
    lines.append("2026-12-07 04:33:21,000 [multi-lang-daemon-0000] ERROR s.a.kinesis.coordinator."
                 "Scheduler [NONE] - Unable to initialize after 20 attempts. Shutting down.")
    return "\n".join(lines) + "\n"


def make_log(path: Path, size: int) -> None:
    chunk_lines = []
    for i in range(20_000):
        t = (f"2026-{1 + i % 11:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:"
             f"{i % 60:02d},{i % 1000:03d}")
        chunk_lines.append(FILLER[i % len(FILLER)].format(t=t, n=i % 97))
    chunk = ("\n".join(chunk_lines) + "\n").encode()
    tail = failure().encode()
    with path.open("wb") as out:
        written = 0
        while written + len(chunk) + len(tail) <= size:
            out.write(chunk)
            written += len(chunk)
        out.write(chunk[:max(0, size - written - len(tail))].rsplit(b"\n", 1)[0] + b"\n")
        out.write(tail)


def timed(argv: list[str]) -> tuple[float, int, int]:
    """Seconds from start to exit, peak RSS in bytes, exit code."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss * 1024, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lease-tables-p7-", dir=args.dir))
    log = work / "adapter.log"
    try:
        make_log(log, args.size_mib * 1024 * 1024)
        grep = [shutil.which("grep") or "grep", "-F", "-c", "Initializing LeaseCoordinator",
                str(log)]
        diagnose = [str(EXE), "diagnose", "--log", str(log), "--output", "json"]
        figures: dict[str, list[tuple[float, int, int]]] = {"grep": [], "diagnose": []}
        for name, argv in (("grep", grep), ("diagnose", diagnose)):
            timed(argv)  # warm-up: the page cache, for both alike
            figures[name] = [timed(argv) for _ in range(args.runs)]
        found = subprocess.run(diagnose, capture_output=True, text=True, check=False)
        grep_s = statistics.median(f[0] for f in figures["grep"])
        diag_s = statistics.median(f[0] for f in figures["diagnose"])
        rss = max(f[1] for f in figures["diagnose"])
        ratio = diag_s / grep_s
        print(f"log: {log.stat().st_size / 2**20:,.0f} MiB, failure at its end")
        print(f"grep -F -c: {grep_s:.2f} s (median of {args.runs})")
        print(f"diagnose:   {diag_s:.2f} s (median of {args.runs}), exit "
              f"{figures['diagnose'][0][2]}, peak RSS {rss / 1e6:.0f} MB")
        print(f"ratio {ratio:.2f} (target <= 3): {'met' if ratio <= 3 else 'NOT met'}; "
              f"RSS target <= 150 MB: {'met' if rss <= 150e6 else 'NOT met'}")
        print("found: " + ("table-missing" if '"table-missing"' in found.stdout else "NOTHING"))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
