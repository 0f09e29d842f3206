"""One diagnosis: the files read in the order they were written, each event judged.

Files are read oldest first (a rotated `adapter.log.1` before `adapter.log`), so a
start in the older file and the failure in the newer one are one story, and a stack
trace that rotation cut in two is one event. KCL's most
recent start is found first, from the end backwards (`read.last_start`): before
it only failures are read (they are earlier), from it on KCL's lifecycle too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lease_tables.core.errors import InputError
from lease_tables.core.printable import quote
from lease_tables.diagnose.events import judge_lines, timestamp
from lease_tables.diagnose.judge import Context, Judge, Verdict
from lease_tables.diagnose.read import Event, LogFile, Reading, last_start, read_events


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


def _judge(judge: Judge, event: Event) -> None:
    """Judge an event the reader found (a file's last event read only for the next
    file to finish counts only when that file does)."""
    if event.found and (seen := judge_lines(event.lines, event.before)) is not None:
        judge.add(seen)


def diagnose(files: Sequence[LogFile], context: Context) -> Diagnosis:
    """Read every file, judge every event; a log with nothing KCL or the AWS SDK wrote
    is bad input (the wrong file), never "nothing wrong"."""
    judge = Judge()
    readings = []
    ordered = sorted(files, key=lambda f: f.modified)
    start = last_start(ordered)
    for line in start.prelude if start else ():
        if (seen := judge_lines([line])) is not None:
            judge.add(seen)
    held: Event | None = None  # a file's last event, if it ran to the file's end
    for index, file in enumerate(ordered):
        reading = Reading(file)
        readings.append(reading)
        lifecycle = (0 if start is None or index > start.index
                     else start.offset if index == start.index else None)
        carried, held = held, None
        for event in read_events(reading, lifecycle):
            if carried is not None:
                if event.continues:  # a stack trace cut by rotation: one event
                    event = Event((*carried.lines, *event.lines), carried.before,
                                  open=event.open, found=carried.found or event.found)
                else:
                    _judge(judge, carried)
                carried = None
            if event.open:
                held = event
            else:
                _judge(judge, event)
        if carried is not None:
            _judge(judge, carried)
    if held is not None:
        _judge(judge, held)

    verdict = judge.verdict(context)
    if not verdict.events:
        names = ", ".join(quote(r.file.path) for r in readings)
        raise InputError(
            f"Nothing in {names} was written by KCL or the AWS SDK (no \"Initializing "
            f"LeaseCoordinator\", no AWS error): it is not the adapter's log, or not the "
            f"part of it since its last start. Give the adapter's own log file or folder "
            f"(rotated files included).")
    return Diagnosis(verdict, tuple(readings))
