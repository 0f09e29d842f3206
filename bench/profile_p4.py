"""Where the time of a 20,000-adapter dry run goes, phase by phase (for bench/README.md).

    .venv/bin/python bench/profile_p4.py [--json] [path/to/Conf]

Runs the steps of `lease-tables create --dry-run` in-process, through the reader's
and the naming's public functions (so it keeps working whatever their insides
become), and the bare lxml reading of bench/floor_read.py beside them, and prints
the median milliseconds of each over five runs. bench/run.py generates the file and
runs this with --json, keeping the figures in bench/results.json.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from pathlib import Path

from floor_read import adapters as bare_read

from lease_tables.config import naming
from lease_tables.config import ris as conf
from lease_tables.model import outcome
from lease_tables.render import report


def phases(folder: Path) -> dict[str, float]:
    marks = [("start", time.perf_counter())]
    path = folder / conf.CONF_FILE_NAME
    data = conf.read_conf_bytes(path)
    marks.append(("read bytes", time.perf_counter()))
    adapters = conf.parse_adapters(data, str(path))
    marks.append(("parse and read the adapters (lxml, then ours)", time.perf_counter()))
    derived = naming.derive_tables([conf.ConfFile(str(path), str(folder), tuple(adapters))],
                                   host_option="verintris", default_region="us-east-1")
    marks.append(("names, validation, merge", time.perf_counter()))
    results = outcome.sort_results([outcome.TableResult(t, "planned") for t in derived.tables])
    report.emit(results, "text", extra="would create: ...", out=io.StringIO())
    marks.append(("text lines", time.perf_counter()))
    bare_read(data)
    marks.append(("bare", time.perf_counter()))
    return {name: (at - marks[i][1]) * 1000 for i, (name, at) in enumerate(marks[1:])}


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--json"]
    folder = Path(args[0]) if args else Path(__file__).parent / ".work" / "conf-20000"
    runs = [phases(folder) for _ in range(5)]
    medians = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    bare = medians.pop("bare")
    if "--json" in sys.argv[1:]:  # for bench/run.py, which keeps it in bench/results.json
        print(json.dumps({"phases": medians, "bare": bare}))
        return
    for name, ms in medians.items():
        print(f"{name:46} {ms:7.1f} ms")
    print(f"{'total in our code':46} {sum(medians.values()):7.1f} ms")
    print(f"{'bare lxml reading (bench/floor_read.py)':46} {bare:7.1f} ms")


if __name__ == "__main__":
    main()
