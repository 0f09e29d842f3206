"""One diagnosis: the files read in the order they were written, each event judged.

Files are read oldest first (a rotated `adapter.log.1` before `adapter.log`), so a
start in the older file and the failure in the newer one are one story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lease_tables.core.errors import InputError
from lease_tables.core.printable import quote
from lease_tables.diagnose.events import judge_lines, timestamp
from lease_tables.diagnose.judge import Context, Judge, Verdict
from lease_tables.diagnose.read import LogFile, Reading, read_events


@dataclass(frozen=True)
class Diagnosis:
    verdict: Verdict
    readings: tuple[Reading, ...]  # in the order they were read (oldest first)

    @property
    def first_time(self) -> str | None:
        return next((t for r in self.readings if (t := timestamp(r.first_line))), None)

    @property
    def last_time(self) -> str | None:
        return next((t for r in reversed(self.readings) if (t := timestamp(r.last_line))),
                    None)


def diagnose(files: Sequence[LogFile], context: Context) -> Diagnosis:
    """Read every file, judge every event; a log with nothing KCL or the AWS SDK wrote
    is bad input (the wrong file), never "nothing wrong"."""
    judge = Judge()
    readings = []
    for file in sorted(files, key=lambda f: f.modified):
        reading = Reading(file)
        readings.append(reading)
        for event in read_events(reading):
            seen = judge_lines(event.lines, event.before)
            if seen is not None:
                judge.add(seen)
    verdict = judge.verdict(context)
    if not verdict.events:
        names = ", ".join(quote(r.file.path) for r in readings)
        raise InputError(
            f"Nothing in {names} was written by KCL or the AWS SDK (no \"Initializing "
            f"LeaseCoordinator\", no AWS error): it is not the adapter's log, or not the "
            f"part of it since its last start. Give the adapter's own log file or folder "
            f"(rotated files included).")
    return Diagnosis(verdict, tuple(readings))
