"""Where the time of a 20,000-adapter dry run goes, phase by phase (for bench/README.md).

    .venv/bin/python bench/profile_p4.py [--json] [path/to/Conf]

Runs the same steps as `lease-tables create --dry-run` in-process, with the
collector settings `lease_tables.cli.app.main` uses, and prints the median
milliseconds of each phase over five runs. bench/run.py generates the file and runs
this with --json, keeping the phases in bench/results.json.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from pathlib import Path

from lxml import etree

from lease_tables.config import naming
from lease_tables.config import ris as conf
from lease_tables.model import outcome
from lease_tables.render import report


def phases(folder: Path) -> dict[str, float]:
    marks = [("start", time.perf_counter())]
    data = (folder / "IntegrationService.xml").read_bytes()
    marks.append(("read bytes", time.perf_counter()))
    root = etree.fromstring(data, conf._hardened_parser())
    marks.append(("lxml parse (C)", time.perf_counter()))
    conf._refuse_dtd(root, str(folder))
    marks.append(("refuse DTD/entities", time.perf_counter()))
    found = conf._integrations(root)
    marks.append(("walk elements, collect settings", time.perf_counter()))
    adapters = [conf._adapter_from(e, str(folder), s) for e, s in found.items()]
    marks.append(("Adapter records", time.perf_counter()))
    derived = naming.derive_tables([conf.ConfFile(str(folder), str(folder), tuple(adapters))],
                                   host_option="verintris", default_region="us-east-1")
    marks.append(("names, validation, merge", time.perf_counter()))
    results = outcome.sort_results([outcome.TableResult(t, "planned") for t in derived.tables])
    report.emit(results, "text", extra="would create: ...", out=io.StringIO())
    marks.append(("text lines", time.perf_counter()))
    return {name: (at - marks[i][1]) * 1000 for i, (name, at) in enumerate(marks[1:])}


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--json"]
    folder = Path(args[0]) if args else Path(__file__).parent / ".work" / "conf-20000"
    runs = [phases(folder) for _ in range(5)]
    medians = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    if "--json" in sys.argv[1:]:  # for bench/run.py, which keeps it in bench/results.json
        print(json.dumps(medians))
        return
    for name, ms in medians.items():
        print(f"{name:34} {ms:7.1f} ms")
    print(f"{'total in our code':34} {sum(medians.values()):7.1f} ms")


if __name__ == "__main__":
    main()
