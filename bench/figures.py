"""The benchmark's figures as Markdown, from the results file the benchmark wrote.

`bench/run.py` measures and writes `bench/results.json` (raw numbers, the date and
the machine); this module is the one place that turns those numbers into the tables
of `bench/README.md` and decides each target, so the tables can only say what the
run measured. The README renders them with cog:

    cog -r bench/README.md        # after a benchmark run
    cog --check bench/README.md   # what tests/test_docs.py runs

Pure: no clock, no machine, no subprocess.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"

# Each case: what it measures, the figure in words, its target and the target's test.
Case = tuple[str, Callable[[Mapping[str, Any]], str], str, Callable[[Mapping[str, Any]], bool]]
CASES: dict[str, Case] = {
    "P1": ("`create --dry-run --table` (its region from the AWS config file, by botocore) vs "
           "a typer program of `create`'s shape that asks botocore for the region "
           "(`bench/floor_dry_run.py`)",
           lambda v: f"{v['ours_s'] * 1000:.0f} ms vs {v['bare_s'] * 1000:.0f} ms: ratio "
                     f"**{v['ratio']:.2f}**; the sample's dry run (no botocore) "
                     f"{v['sample_s'] * 1000:.0f} ms",
           "<= 1.3", lambda v: v["ratio"] <= 1.3),
    "P2": ("`create` of 40 new tables (CREATING lasts {floor:.1f} s), process start to exit",
           lambda v: f"{v['median_s']:.2f} s (min {v['min_s']:.2f}, max {v['max_s']:.2f}; "
                     f"{v['runs']} runs): **{v['ratio']:.2f}x** the {v['floor_s']:.1f} s floor",
           "<= 2.0x", lambda v: v["ratio"] <= 2.0),
    "P3": ("rerun of `create` over 40 existing tables vs over 1",
           lambda v: f"{v['many_s'] * 1000:.0f} ms vs {v['one_s'] * 1000:.0f} ms: ratio "
                     f"**{v['ratio']:.2f}**; calls for 40: "
                     + ", ".join(f"{op} {n}" for op, n in sorted(v["calls"].items())),
           "<= 1.2", lambda v: v["ratio"] <= 1.2),
    "P4": ("dry run over a generated {adapters:,}-adapter file ({file_mb:.1f} MB) vs a bare "
           "lxml script that reads every adapter's attributes and settings "
           "(`bench/floor_read.py`)",
           lambda v: f"{v['wall_s']:.2f} s vs {v['bare_s']:.2f} s: ratio **{v['ratio']:.2f}**; "
                     f"peak RSS **{v['rss_mb']:.0f} MB**",
           "<= 3 and <= 200 MB", lambda v: v["ratio"] <= 3 and v["rss_mb"] <= 200),
    "P5": ("`create --kcl 3.0` of 40 adapters (120 new tables, 40 with the index) vs a bare "
           "script's describe, create and 50 ms DescribeTable loop",
           lambda v: f"{v['ours_s']:.2f} s vs {v['bare_s']:.2f} s: ratio **{v['ratio']:.2f}**; "
                     f"rerun calls for 120 tables: "
                     + ", ".join(f"{op} {n}" for op, n in sorted(v["calls"].items())),
           "<= 1.3 and one describe per table",
           lambda v: v["ratio"] <= 1.3 and v["calls"] == {"DescribeTable": 120}),
    "P6": ("`preflight` of 40 adapters' whole footprint (40 tables, 2 streams, 80 consumers, "
           "bucket, key, video, Connect, logs) vs a bare boto3 script of the same probe calls "
           "at the same concurrency (`bench/floor_preflight.py`)",
           lambda v: f"{v['whole_s']:.2f} s vs {v['bare_s']:.2f} s: ratio **{v['ratio']:.2f}**; "
                     f"{v['calls_total']} calls, "
                     f"{'the same as' if v['same_calls'] else 'NOT the same as'} the script's; "
                     f"per shared resource "
                     + ", ".join(f"{op} {n}" for op, n in v["once"].items()),
           "<= 1.3, same calls, no probe repeated",
           lambda v: v["ratio"] <= 1.3 and v["same_calls"] and v["once"] == {
               "DescribeStreamSummary": 2, "ListShards": 2, "ListObjectsV2": 1, "Encrypt": 1,
               "GetDataEndpoint": 1, "ListInstanceAttributes": 1}),
    "Peer": ("3 tables: AWS CLI `create-table` + `wait table-exists` each, vs "
             "`lease-tables create`",
             lambda v: f"{v['theirs_s']:.1f} s vs {v['ours_s']:.2f} s: ours is "
                       f"**{v['theirs_s'] / v['ours_s']:.0f}x** faster",
             "", lambda v: True),
}


def load(path: Path = RESULTS) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def met(case: str, values: Mapping[str, Any]) -> bool:
    return CASES[case][3](values)


def machine_line(results: Mapping[str, Any]) -> str:
    m = results["machine"]
    quick = " (quick run: fewer repetitions)" if results["settings"].get("quick") else ""
    load = m.get("load_at_start")
    busy = f" (load average {load:.1f} when the run began)" if load is not None else ""
    return (f"Run on {results['date']}: {m['cpu']}, {m['cores']} cores{busy}, {m['system']} "
            f"{m['arch']}, Python {m['python']}, node {m['node']}; dynalite "
            f"`--createTableMs {results['settings']['create_table_ms']}`; medians{quick}; "
            f"whole benchmark {results['duration_s']:.0f} s.")


def render(results: Mapping[str, Any]) -> str:
    """The README's figures: the machine, one row per case, then the scaling table."""
    floor = results["settings"]["create_table_ms"] / 1000
    lines = [machine_line(results), "", "| | case | figure | target |", "|---|---|---|---|"]
    for case, values in results["cases"].items():
        what, figure, target, _ = CASES[case]
        verdict = f"{target}: {'met' if met(case, values) else 'MISSED'}" if target else (
            "(figure only)")
        lines.append(f"| {case} | {what.format(floor=floor, **values)} | {figure(values)} "
                     f"| {verdict} |")
    if results.get("scaling"):
        lines += ["", "Scaling (`create` of N new tables; calls counted by a recording proxy "
                  "in a second run, wall time measured without it):", "",
                  "| tables | wall | wall / floor | API calls per table | of which |",
                  "|---:|---:|---:|---:|---|"]
        for row in results["scaling"]:
            detail = ", ".join(f"{op} {n / row['tables']:.2f}"
                               for op, n in sorted(row["calls"].items()))
            if row.get("last_create_s") is not None:
                detail += (f"; last CreateTable at {row['last_create_s']:.2f} s, last "
                           f"DescribeTable {row['describe_after_s']:.2f} s later")
            lines.append(f"| {row['tables']} | {row['wall_s']:.2f} s | "
                         f"{row['wall_s'] / floor:.1f}x | "
                         f"{sum(row['calls'].values()) / row['tables']:.2f} | {detail} |")
    profile = results.get("p4_profile_ms")
    if profile:
        lines += ["", "P4 phase by phase (`bench/profile_p4.py`, in-process, medians of 5 runs):",
                  "", "| phase | ms |", "|---|---:|"]
        lines += [f"| {name} | {ms:.0f} |" for name, ms in profile["phases"].items()]
        lines.append(f"| **total in our code** | **{sum(profile['phases'].values()):.0f}** |")
        lines.append(f"| bare lxml reading of the same bytes (`bench/floor_read.py`) | "
                     f"{profile['bare']:.0f} |")
    if results.get("tricks"):
        lines += ["", *tricks_table(results["tricks"])]
    return "\n".join(lines) + "\n"


def tricks_table(tricks: Mapping[str, Any]) -> list[str]:
    """P1's and P4's dry runs on the revision with the speed tricks and the one without:
    wall time and, less swayed by a busy machine, CPU time (user + system)."""
    before, after = tricks["before"], tricks["after"]
    load = tricks.get("load_at_start")
    busy = f", load average {load:.1f} when the run began" if load is not None else ""
    lines = [f"What the removed tricks cost (`python3 bench/run.py --only tricks`, run on "
             f"{tricks['date']}{busy}; each revision's `src/` exported and run by `python -m "
             f"lease_tables` on the project's venv; medians of {tricks['runs']} runs, "
             f"{tricks['big_runs']} for P4):", "",
             f"| | before: {before['commit'][:8]} ({before['date']}) | after: "
             f"{after['commit'][:8]} ({after['date']}) | after / before | CPU before | "
             f"CPU after | CPU after / before |",
             "|---|---:|---:|---:|---:|---:|---:|"]

    def pair(key: str, show: Callable[[float], str]) -> str:
        ratio = f"**{after[key] / before[key]:.2f}**" if before[key] else "-"  # no CPU time
        return f"{show(before[key])} | {show(after[key])} | {ratio}"

    def ms(value: float) -> str:
        return f"{value * 1000:.0f} ms"

    def seconds(value: float) -> str:
        return f"{value:.2f} s"

    for what, key, show in (
            ("P1: `create --dry-run --table` (region from the AWS config file)", "p1", ms),
            ("the sample's dry run (every adapter carries its Region)", "sample", ms),
            ("P4: dry run over the 20,000-adapter file", "p4", seconds)):
        cpu = pair(f"{key}_cpu_s", show) if f"{key}_cpu_s" in before else " | | "
        lines.append(f"| {what} | {pair(f'{key}_s', show)} | {cpu} |")
    lines.append(f"| P4: peak RSS | {pair('p4_rss_mb', lambda v: f'{v:.0f} MB')} | | | |")
    return lines
