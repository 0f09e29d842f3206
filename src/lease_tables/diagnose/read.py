"""Read logs that someone else is writing: any encoding, any size, any layout.

An adapter's log is the only witness of a KCL that could not start, and it is
big (a Java service logs for months), in whatever encoding its Windows service
was given, and still being written. So the reader:

- opens each file read-only and never locks, truncates, renames or re-saves it
  (Python opens files with sharing allowed on Windows; the adapter keeps writing);
- keeps memory bounded whatever the size: it maps `WINDOW` bytes of the file at
  a time, read-only (copying the file into a buffer would cost more than the
  search itself), and the next window starts at the event the last one left open;
- decodes almost nothing: it scans the raw bytes for what every interesting
  event of KCL or the AWS SDK for Java contains, and decodes only the event around
  a hit, line by line: UTF-8, or windows-1252 for a line that is not UTF-8 (a
  byte-order mark says UTF-8 or UTF-16 for the whole file instead; UTF-16 files are
  decoded as they stream);
- makes one cheap pass over most of the file: every search is a pass of its own,
  so KCL's most recent start is found first (`last_start`, backwards from the end:
  a failing adapter's start is near it). Before that start only failures matter
  (they are reported as earlier), and they are read from their stack traces: a
  single-byte search for the tab that starts every frame. From the start on, an
  exception's name (`FAILURE`) and KCL's lifecycle lines (`LIFECYCLE`) are
  searched for too;
- knows no line format: an *event* is a line plus the lines after it that
  continue it (a stack trace: lines that start with white space, "at ",
  "Caused by", "..." or an exception's class name).

Nothing here knows what the events mean: that is `events.py`.
"""

from __future__ import annotations

import codecs
import contextlib
import glob
import io
import mmap
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lease_tables.config.ris import expand_variables
from lease_tables.core.errors import EXIT_AWS, InputError, LeaseTablesError
from lease_tables.core.printable import quote

WINDOW = 4 * 1024 * 1024  # bytes mapped at once (a multiple of mmap.ALLOCATIONGRANULARITY)
MAP = True  # map the file (False: read each window; what a file system without mmap gets)
BLOCK = 1024 * 1024  # bytes decoded at once in UTF-16
MAX_EVENT_LINES = 400  # lines of one event decoded; the rest of a long trace is skipped
MAX_EVENT_BYTES = 256 * 1024
MAX_CARRY = 4 * 1024 * 1024  # an event longer than this is cut between blocks
PRELUDE = 1024 * 1024  # bytes before the most recent start searched for KCL 3's signs

# Every failure KCL or the AWS SDK reports carries an exception: AWS's refusals and
# KCL's giving up in the stack trace that belongs to the event ("SomeException:
# message"), KCL's shard detector naming a missing stream's ResourceNotFoundException
# ("Got ResourceNotFoundException when fetching shard list for S. Stream no longer
# exists."). One string, so one pass of the byte search over the whole file.
FAILURE = "Exception"
# Before the most recent start, only failures KCL or the SDK logged with their stack
# trace are read (they all are, but for a few one-line warnings such as the shard
# detector's): a trace's frames start with a tab ("\tat "), and a single-byte search
# costs a fraction of a string's. Where tabs are common for another reason (a
# layout that separates its fields with them), after this many tabs that start no
# frame the names are searched instead.
STRAY_TABS = 64
# KCL's scheduler names its LeaseCoordinator when it starts ("Initializing
# LeaseCoordinator attempt N"), fails ("Caught exception when initializing
# LeaseCoordinator") and succeeds ("Starting LeaseCoordinator"): searched from the
# most recent start on.
LIFECYCLE = "LeaseCoordinator"
# The line of a start: attempt 1 (not 10 to 19: a digit must not follow).
START = b"Initializing LeaseCoordinator attempt 1"
# What only KCL 3 writes while it is built, just before its first attempt (the real
# KCL 3.0.3's and 3.1.3's logs all have the first two): its worker-metrics classes
# (`software.amazon.kinesis.worker`), its migration state machine
# (`software.amazon.kinesis.coordinator.migration`), its lease assignment.
KCL3_SIGNS = (b"WorkerMetricStats", b"WorkerMetricsSelector", b"MigrationStateMachine",
              b"coordinator.migration", b"LeaseAssignmentManager")

# A file in a folder is a log when its name says so (`adapter.log`, `adapter.log.1`,
# `adapter.2026-12-07.log`, `stdout.txt`, `service.out`).
_LOG_NAME = re.compile(r"(?i).*(\.log(\.[\w-]+)*|\.txt|\.out|\.err)$")

# A line that continues the event above it: a stack frame, "Caused by", "... 3
# common frames omitted", a wrapped message's indent, or an exception's first line
# (`software.amazon.kinesis.leases.exceptions.DependencyException: ...`).
_CONTINUATION = re.compile(
    r"[ \t]|at |Caused by|Suppressed:|\.\.\.|(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*"
    r"(?:Exception|Error|Throwable)\b")
_CONTINUATION_BYTES = re.compile(_CONTINUATION.pattern.encode())

# What the byte scan reads from: a mapped window, or the window read in.
Buffer = mmap.mmap | bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(frozen=True)
class LogFile:
    """One file to read, as found: where, how big, when last written."""

    path: Path
    size: int
    modified: float


@dataclass(frozen=True)
class Event:
    """One event as read: its lines (decoded), and the line before it (a
    java.util.logging record puts its time on the line above the message)."""

    lines: tuple[str, ...]
    before: str = ""
    # A file cut by rotation may end inside an event and the next file go on with it:
    # `continues` when the event is the file's first bytes and starts mid-event (a
    # continuation line), `open` when it runs to the file's end.
    continues: bool = False
    open: bool = False
    found: bool = True  # False: a file's last event, read only for the next file to finish


@dataclass
class Reading:
    """What reading one file found beyond its events: for the operator's summary."""

    file: LogFile
    encoding: str = "utf-8"
    first_line: str = ""
    last_line: str = ""
    windows_1252_lines: int = 0
    error: str | None = None
    events: int = field(default=0)


@dataclass(frozen=True)
class Start:
    """Where KCL's most recent start is: the file (its index in the files, oldest
    first), the offset of its line, and the lines before it that show KCL 3."""

    index: int
    offset: int
    prelude: tuple[str, ...] = ()


class UnreadableLog(LeaseTablesError):
    """A log that exists but cannot be read (permissions, a device error): exit 1."""

    exit_code = EXIT_AWS


def find_logs(given: Sequence[str], env: Mapping[str, str] | None = None) -> list[LogFile]:
    """The files `--log` names: a file, a folder (its log files, newest first) or a
    wildcard pattern; `%VAR%` and `$VAR` expanded. Oldest first in the result's
    reading order is the caller's choice; this keeps the order given."""
    env = os.environ if env is None else env
    found: dict[Path, LogFile] = {}
    for raw in given:
        if not raw.strip():
            raise InputError("--log is empty. Give the adapter's log file, its folder, or a "
                             "wildcard such as C:\\Logs\\adapter*.log.")
        try:
            expanded = expand_variables(raw, env)
        except InputError as exc:
            raise InputError(str(exc).replace("--conf-dir", "--log")) from None
        for path in _paths(raw, expanded):
            if path not in found:
                found[path] = _stat(path)
    return list(found.values())


def _paths(raw: str, expanded: str) -> list[Path]:
    if any(c in expanded for c in "*?["):
        matches = sorted(Path(p) for p in glob.glob(expanded) if Path(p).is_file())
        if not matches:
            raise InputError(f"--log {quote(raw)} matches no file. Check the pattern, or give "
                             f"the adapter's log folder.")
        return _newest_first(matches)
    path = Path(expanded)
    try:
        if path.is_dir():
            logs = [p for p in path.iterdir() if p.is_file() and _LOG_NAME.fullmatch(p.name)]
            if not logs:
                raise InputError(
                    f"--log {quote(raw)} is a folder with no log files in it (names ending in "
                    f".log, .log.N, .txt, .out or .err). Give the adapter's log file itself, or "
                    f"its log folder.")
            return _newest_first(logs)
        if path.is_file():
            return [path]
    except PermissionError:
        raise UnreadableLog(f"--log {quote(raw)} cannot be listed: permission denied. Run as "
                            f"a user who may read the adapter's logs.") from None
    raise InputError(f"--log {quote(raw)}: no such file or folder. Give the adapter's log "
                     f"file, its folder, or a wildcard pattern.")


def _newest_first(paths: list[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: _stat(p).modified, reverse=True)


def _stat(path: Path) -> LogFile:
    try:
        info = path.stat()
    except OSError as exc:
        raise UnreadableLog(f"The log {quote(path)} cannot be read: "
                            f"{exc.strerror or exc}.") from None
    return LogFile(path, info.st_size, info.st_mtime)


def _encoding(head: bytes) -> str | None:
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def last_start(files: Sequence[LogFile]) -> Start | None:
    """KCL's most recent start in `files` (oldest first), searched backwards from the
    end of the newest; None when no file shows one, or a file is UTF-16 (decoded
    whole as it streams: its starts are seen on the way)."""
    for index in range(len(files) - 1, -1, -1):
        file = files[index]
        try:
            with file.path.open("rb") as handle:
                encoding = _encoding(handle.read(4))
                if encoding and encoding.startswith("utf-16"):
                    return None
                skip = len(codecs.BOM_UTF8) if encoding else 0
                offset = _rfind_start(handle, skip, file.size)
                if offset is not None:
                    return Start(index, offset, _prelude(handle, max(skip, offset - PRELUDE),
                                                         offset))
        except OSError as exc:
            raise UnreadableLog(f"The log {quote(file.path)} could not be read: "
                                f"{exc.strerror or exc}. Nothing was judged from it; check "
                                f"that this user may read it.") from None
    return None


def _rfind_start(handle: io.BufferedReader, skip: int, size: int) -> int | None:
    """The offset of the line of the last start in this file, window by window from
    its end; consecutive windows overlap by the start's length, so none is cut."""
    end = size
    while end > skip:
        base = max(end - WINDOW, 0)
        base -= base % mmap.ALLOCATIONGRANULARITY
        with _window(handle, base, end - base) as window:
            got = len(window)
            position = window.rfind(START, max(skip - base, 0), got)
            while position >= 0:
                after = position + len(START)
                if (after < got and not window[after:after + 1].isdigit()) or (
                        after == got and base + got >= size):  # the file's last bytes
                    newline = window.rfind(b"\n", 0, position)
                    return (base + newline + 1 if newline >= 0
                            else _line_head(handle, base + position, skip))
                position = window.rfind(START, max(skip - base, 0), position)
        if base <= skip:
            return None
        end = base + len(START) + 1
    return None


def _line_head(handle: io.BufferedReader, position: int, floor: int) -> int:
    """Where the line holding `position` begins (looked for at most 64 KiB back)."""
    begin = max(floor, position - 64 * 1024)
    handle.seek(begin)
    return begin + handle.read(position - begin).rfind(b"\n") + 1


def _prelude(handle: io.BufferedReader, begin: int, end: int) -> tuple[str, ...]:
    """The lines just before a start that show KCL 3 (one per sign, the last of each)."""
    handle.seek(begin)
    window = handle.read(end - begin)
    found = []
    for sign in KCL3_SIGNS:
        hit = window.rfind(sign)
        if hit >= 0:
            stop = window.find(b"\n", hit)
            line = window[window.rfind(b"\n", 0, hit) + 1:stop if stop >= 0 else len(window)]
            found.append(line[:2000].rstrip(b"\r").decode("utf-8", "replace"))
    return tuple(dict.fromkeys(found))


def read_events(reading: Reading, lifecycle_from: int | None = 0) -> Iterator[Event]:
    """The events of one file, in file order; `reading` is filled in as it goes.

    `lifecycle_from`: the offset from which KCL's lifecycle lines are searched too
    (None: failures only; see `last_start`). Reads at most the size the file had when
    it was found: an adapter that keeps writing does not keep the reader going.
    """
    try:
        with reading.file.path.open("rb") as handle:
            encoding = _encoding(handle.read(4))
            handle.seek(0)
            if encoding and encoding.startswith("utf-16"):
                reading.encoding = encoding.replace("-le", "").replace("-be", "")
                yield from _text_events(handle, encoding, reading)
            else:
                reading.encoding = "utf-8" if encoding is None else "utf-8 (BOM)"
                if encoding:
                    handle.seek(len(codecs.BOM_UTF8))
                yield from _byte_events(handle, reading, lifecycle_from)
    except OSError as exc:
        raise UnreadableLog(f"The log {quote(reading.file.path)} could not be read: "
                            f"{exc.strerror or exc}. Nothing was judged from it; check that "
                            f"this user may read it.") from None


# ------------------------------------------------------------------ bytes (UTF-8, 1252)


def _decode(raw: bytes, reading: Reading) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        reading.windows_1252_lines += 1
        return raw.decode("cp1252", errors="replace")


def _byte_events(handle: io.BufferedReader, reading: Reading,
                 lifecycle_from: int | None) -> Iterator[Event]:
    """The file window by window, each mapped read-only (no copy: reading into a
    buffer would cost more than the search itself). A window starts at (or just
    before) the head line of the last event the previous one left open."""
    size = reading.file.size
    scan_from = handle.tell()
    first = first_window = True
    while scan_from < size:
        base = scan_from - scan_from % mmap.ALLOCATIONGRANULARITY
        with _window(handle, base, min(WINDOW, size - base)) as window:
            end = len(window)
            begin = scan_from - base
            if first:
                newline = window.find(b"\n", begin, end)
                reading.first_line = _decode(
                    window[begin:newline if newline >= 0 else begin + 200].rstrip(b"\r"),
                    reading)
                first = False
            final = base + end >= size or end == 0
            cut = end if final else _safe_cut(window, begin, end)
            lifecycle = None if lifecycle_from is None else max(0, lifecycle_from - base)
            yield from _events_in(window, begin, cut, lifecycle, reading,
                                  file_start=begin if first_window else None, final=final)
            first_window = False
            if final:
                reading.last_line = _last_line(window[max(begin, end - 65536):end], reading)
                return
        scan_from = base + cut


@contextlib.contextmanager
def _window(handle: io.BufferedReader, offset: int, length: int) -> Iterator[Buffer]:
    """`length` bytes of the file from `offset`: mapped read-only, or (where the file
    system cannot map files) read; never more than the file holds now, checked before
    each window, so a log cut short while it is read ends the read there. (A log cut
    short inside the very window being searched would still fault on POSIX: windows
    are small, and a search of one takes milliseconds.)"""
    length = max(0, min(length, os.fstat(handle.fileno()).st_size - offset))
    if MAP and length:
        try:
            mapped = mmap.mmap(handle.fileno(), length, access=mmap.ACCESS_READ, offset=offset)
        except (OSError, ValueError):
            pass
        else:
            with mapped:
                yield mapped
            return
    handle.seek(offset)
    yield handle.read(length)


def _last_line(buffer: bytes, reading: Reading) -> str:
    text = buffer.rstrip(b"\r\n")
    return _decode(text[text.rfind(b"\n") + 1:][:2000].rstrip(b"\r"), reading)


def _line_start(buffer: Buffer, position: int, floor: int = 0) -> int:
    return max(buffer.rfind(b"\n", floor, position) + 1, floor)


def _is_continuation(buffer: Buffer, start: int) -> bool:
    return _CONTINUATION_BYTES.match(buffer, start) is not None


def _safe_cut(buffer: Buffer, begin: int, end: int) -> int:
    """Where this window's scan may end: before the head line of the last event (which
    may go on in the next window), never inside a line, and after `begin` (an event
    longer than MAX_CARRY is cut at a line's end)."""
    cut = _line_start(buffer, end, begin)
    if cut == begin:
        return end  # not one whole line in the window: cut it
    start = cut
    while True:
        if start != cut and not _is_continuation(buffer, start):
            return start if start > begin else cut
        if start == begin or cut - start > MAX_CARRY:
            return cut
        start = _line_start(buffer, start - 1, begin)


def _events_in(buffer: Buffer, begin: int, end: int, lifecycle: int | None,
               reading: Reading, file_start: int | None = None,
               final: bool = False) -> Iterator[Event]:
    """Every event in `buffer[begin:end]` that holds a stack trace, or from `lifecycle`
    on (KCL's most recent start) a failure's name or a lifecycle line, each once."""
    line_from = end if lifecycle is None else min(max(lifecycle, begin), end)
    names_from = line_from
    failure, line = FAILURE.encode(), LIFECYCLE.encode()

    def next_failure(position: int) -> int:
        nonlocal names_from
        if position < names_from:
            frame = _next_frame(buffer, position, names_from)
            if frame != _STRAY:
                return frame if frame >= 0 else next_failure(names_from)
            names_from = position  # tabs that are no stack frames: search for names
        return buffer.find(failure, position, end) if position < end else -1

    next_fail = next_failure(begin)
    next_line = buffer.find(line, line_from, end) if line_from < end else -1
    stop = begin
    while next_fail >= 0 or next_line >= 0:
        hit = (next_line if next_fail < 0
               else next_fail if next_line < 0 else min(next_fail, next_line))
        start = _line_start(buffer, hit, begin)
        back = 0
        while start > begin and back < MAX_EVENT_LINES and _is_continuation(buffer, start):
            start = _line_start(buffer, start - 1, begin)
            back += 1
        stop, lines = _event_end(buffer, start, end)
        before = ""
        if start > 0:
            previous = _line_start(buffer, start - 1)
            before = _decode(buffer[previous:start - 1][:2000].rstrip(b"\r"), reading)
        reading.events += 1
        yield Event(tuple(_decode(raw, reading) for raw in lines), before,
                    continues=start == file_start and _is_continuation(buffer, start),
                    open=final and stop >= end)
        if 0 <= next_fail < stop:
            next_fail = next_failure(stop)
        if 0 <= next_line < stop:
            next_line = buffer.find(line, stop, end)
    if final and stop < end:
        # The file's last event, found or not: the next file may go on with it.
        floor = max(stop, begin)
        start = _line_start(buffer, end - 1 if buffer[end - 1] == 10 else end, floor)
        back = 0
        while start > floor and back < MAX_EVENT_LINES and _is_continuation(buffer, start):
            start = _line_start(buffer, start - 1, floor)
            back += 1
        _, lines = _event_end(buffer, start, end)
        if lines and any(raw.strip() for raw in lines):
            yield Event(tuple(_decode(raw, reading) for raw in lines),
                        continues=start == file_start and _is_continuation(buffer, start),
                        open=True, found=False)


_STRAY = -2


def _next_frame(buffer: Buffer, position: int, end: int) -> int:
    """Where the next stack frame line ("\tat ...", as Java prints every one) starts;
    -1 if none before `end`; `_STRAY` after `STRAY_TABS` tabs that start no frame
    (a layout that separates its fields with tabs: then names are searched instead)."""
    stray = 0
    while True:
        tab = buffer.find(b"\t", position, end)
        if tab < 0:
            return -1
        if (tab == 0 or buffer[tab - 1] == 10) and buffer[tab + 1:tab + 4] == b"at ":
            return tab
        stray += 1
        if stray > STRAY_TABS:
            return _STRAY
        position = tab + 1


def _event_end(buffer: Buffer, start: int, end: int) -> tuple[int, list[bytes]]:
    """Where the event at `start` ends, and its first lines (bounded)."""
    lines: list[bytes] = []
    position = start
    size = 0
    while position < end:
        newline = buffer.find(b"\n", position, end)
        line_end = end if newline < 0 else newline
        if lines and not _is_continuation(buffer, position):
            break
        if len(lines) < MAX_EVENT_LINES and size < MAX_EVENT_BYTES:
            raw = buffer[position:min(line_end, position + 8192)].rstrip(b"\r")
            lines.append(raw)
            size += len(raw)
        position = line_end + 1
    return min(position, end), lines


# ------------------------------------------------------------------ text (UTF-16)


def _text_events(handle: io.BufferedReader, encoding: str, reading: Reading) -> Iterator[Event]:
    """UTF-16 (a byte-order mark said so): decoded as it streams, one block at a time;
    every start is seen, each with the last line before it that shows KCL 3."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    carry = ""
    remaining = reading.file.size
    started = False
    signs: list[str] = []
    while True:
        data = handle.read(min(BLOCK, max(remaining, 0))) if remaining > 0 else b""
        remaining -= len(data)
        final = not data
        text = carry + decoder.decode(data, final=final)
        if not started and text:
            text = text.lstrip("\ufeff")
            reading.first_line = text.split("\n", 1)[0].rstrip("\r")
            started = True
        lines = text.split("\n")
        carry = "" if final else lines.pop()
        if not final:  # keep the last event whole: it may go on in the next block
            head = len(lines) - 1
            while head > 0 and _CONTINUATION.match(lines[head]):
                head -= 1
            if head > 0:
                carry = "\n".join([*lines[head:], carry])
                lines = lines[:head]
        yield from _text_block_events(lines, reading, signs)
        if final:
            tail = [line for line in lines if line.strip()]
            reading.last_line = tail[-1].rstrip("\r") if tail else ""
            return


_TEXT_SIGNS = tuple(sign.decode() for sign in KCL3_SIGNS)
_TEXT_START = START.decode()


def _text_block_events(lines: list[str], reading: Reading, signs: list[str]) -> Iterator[Event]:
    index = 0
    while index < len(lines):
        stop = index + 1
        while stop < len(lines) and _CONTINUATION.match(lines[stop]):
            stop += 1
        chunk = lines[index:stop]
        head = chunk[0]
        if any(sign in head for sign in _TEXT_SIGNS):
            signs[:] = [head.rstrip("\r")]
        if any(FAILURE in each or LIFECYCLE in each for each in chunk):
            if signs and _TEXT_START in head:
                reading.events += 1
                yield Event((signs.pop(),))
            reading.events += 1
            before = lines[index - 1].rstrip("\r") if index else ""
            yield Event(tuple(each.rstrip("\r") for each in chunk[:MAX_EVENT_LINES]), before)
        index = stop
