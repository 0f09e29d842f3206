"""Read logs that someone else is writing: any encoding, any size, any layout.

An adapter's log is the only witness of a KCL that could not start, and it is
big (a Java service logs for months), in whatever encoding its Windows service
was given, and still being written. So the reader:

- opens each file read-only and never locks, truncates, renames or re-saves it
  (Python opens files with sharing allowed on Windows; the adapter keeps writing);
- keeps memory bounded whatever the size: it reads blocks of `BLOCK` bytes and
  keeps only the unfinished tail of one event between blocks;
- decodes almost nothing: it scans the raw bytes for a few fixed strings that
  every interesting line of KCL or the AWS SDK for Java contains (`NEEDLES`),
  and decodes only the event around a hit, line by line: UTF-8, or
  windows-1252 for a line that is not UTF-8 (a byte-order mark says UTF-8 or
  UTF-16 for the whole file instead; UTF-16 files are decoded as they stream);
- knows no line format: an *event* is a line plus the lines after it that
  continue it (a stack trace: lines that start with white space, "at ",
  "Caused by", "..." or an exception's class name).

Nothing here knows what the events mean: that is `events.py`.
"""

from __future__ import annotations

import codecs
import glob
import io
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lease_tables.config.ris import expand_variables
from lease_tables.core.errors import EXIT_AWS, InputError, LeaseTablesError
from lease_tables.core.printable import quote

BLOCK = 8 * 1024 * 1024  # bytes read at once: large blocks make the scan fast
MAX_EVENT_LINES = 400  # lines of one event decoded; the rest of a long trace is skipped
MAX_EVENT_BYTES = 256 * 1024
MAX_CARRY = 4 * 1024 * 1024  # an event longer than this is cut between blocks

# What KCL and the AWS SDK write in every event that matters, as few and as long as
# can be (each is one pass of a fast byte search over the whole file): KCL's
# scheduler names its LeaseCoordinator when it starts ("Initializing LeaseCoordinator
# attempt N"), fails ("Caught exception when initializing LeaseCoordinator") and
# succeeds ("Starting LeaseCoordinator"); every exception with a message prints
# "SomeException: message" (AWS's refusals, KCL's giving up, in the stack trace that
# belongs to the event); KCL's shard detector only names a missing stream's
# ResourceNotFoundException ("Got ResourceNotFoundException when fetching shard
# list for S. Stream no longer exists.").
NEEDLES = ("LeaseCoordinator", "Exception: ", "ResourceNotFoundException")

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


def read_events(reading: Reading) -> Iterator[Event]:
    """The events of one file, in file order; `reading` is filled in as it goes.

    Reads at most the size the file had when it was found: an adapter that keeps
    writing does not keep the reader going.
    """
    try:
        with reading.file.path.open("rb") as handle:
            head = handle.read(4)
            encoding = next((name for bom, name in _BOMS if head.startswith(bom)), None)
            handle.seek(0)
            if encoding and encoding.startswith("utf-16"):
                reading.encoding = encoding.replace("-le", "").replace("-be", "")
                yield from _text_events(handle, encoding, reading)
            else:
                reading.encoding = "utf-8" if encoding is None else "utf-8 (BOM)"
                if encoding:
                    handle.seek(len(codecs.BOM_UTF8))
                yield from _byte_events(handle, reading)
    except OSError as exc:
        raise UnreadableLog(f"The log {quote(reading.file.path)} could not be read: "
                            f"{exc.strerror or exc}. Nothing was judged from it; check that "
                            f"this user may read it.") from None


# ------------------------------------------------------------------ bytes (UTF-8, 1252)


def _decode(raw: bytes | bytearray, reading: Reading) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        reading.windows_1252_lines += 1
        return raw.decode("cp1252", errors="replace")


def _byte_events(handle: io.BufferedReader, reading: Reading) -> Iterator[Event]:
    """One buffer, reused: each block is read in after the unfinished event the last
    one left (no copy of the block itself)."""
    remaining = reading.file.size - handle.tell()
    buffer = bytearray(BLOCK + MAX_CARRY)
    view = memoryview(buffer)
    needles = [n.encode() for n in NEEDLES]
    filled = 0
    first = True
    while True:
        want = min(BLOCK, max(remaining, 0))
        got = handle.readinto(view[filled:filled + want]) if want else 0
        remaining -= got
        final = not got
        end = filled + got
        if first and end:
            newline = buffer.find(b"\n", 0, end)
            reading.first_line = _decode(bytes(buffer[:newline if newline >= 0 else 200])
                                         .rstrip(b"\r"), reading)
            first = False
        cut = end if final else _safe_cut(buffer, end)
        yield from _events_in(buffer, cut, needles, reading)
        if final:
            reading.last_line = _last_line(bytes(buffer[:end]), reading)
            return
        buffer[:end - cut] = buffer[cut:end]
        filled = end - cut


def _last_line(buffer: bytes, reading: Reading) -> str:
    text = buffer.rstrip(b"\r\n")
    return _decode(text[text.rfind(b"\n") + 1:][:2000].rstrip(b"\r"), reading)


def _line_start(buffer: bytearray, position: int) -> int:
    return buffer.rfind(b"\n", 0, position) + 1


def _is_continuation(buffer: bytearray, start: int) -> bool:
    return _CONTINUATION_BYTES.match(buffer, start) is not None


def _safe_cut(buffer: bytearray, end: int) -> int:
    """Where this block may end: before the head line of the last event (which may
    go on in the next block), and never inside a line."""
    cut = buffer.rfind(b"\n", 0, end) + 1
    if cut == 0:
        return 0 if end < MAX_CARRY else end
    start = cut
    while True:
        if start < end and start != cut and not _is_continuation(buffer, start):
            return start
        if start == 0 or cut - start > MAX_CARRY:
            return start if start > 0 else cut
        start = _line_start(buffer, start - 1)


def _events_in(buffer: bytearray, end: int, needles: list[bytes],
               reading: Reading) -> Iterator[Event]:
    """Every event in `buffer[:end]` that holds a needle, each once."""
    nexts = [buffer.find(n, 0, end) for n in needles]
    while True:
        live = [p for p in nexts if p >= 0]
        if not live:
            return
        hit = min(live)
        start = _line_start(buffer, hit)
        back = 0
        while start > 0 and back < MAX_EVENT_LINES and _is_continuation(buffer, start):
            start = _line_start(buffer, start - 1)
            back += 1
        stop, lines = _event_end(buffer, start, end)
        before = ""
        if start > 0:
            previous = _line_start(buffer, start - 1)
            before = _decode(buffer[previous:start - 1][:2000].rstrip(b"\r"), reading)
        reading.events += 1
        yield Event(tuple(_decode(raw, reading) for raw in lines), before)
        nexts = [p if p >= stop or p < 0 else buffer.find(n, stop, end)
                 for p, n in zip(nexts, needles, strict=True)]


def _event_end(buffer: bytearray, start: int, end: int) -> tuple[int, list[bytes | bytearray]]:
    """Where the event at `start` ends, and its first lines (bounded)."""
    lines: list[bytes | bytearray] = []
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
    """UTF-16 (a byte-order mark said so): decoded as it streams, one block at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    carry = ""
    remaining = reading.file.size
    started = False
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
        yield from _text_block_events(lines, reading)
        if final:
            tail = [line for line in lines if line.strip()]
            reading.last_line = tail[-1].rstrip("\r") if tail else ""
            return


def _text_block_events(lines: list[str], reading: Reading) -> Iterator[Event]:
    index = 0
    while index < len(lines):
        stop = index + 1
        while stop < len(lines) and _CONTINUATION.match(lines[stop]):
            stop += 1
        chunk = lines[index:stop]
        if any(n in each for each in chunk for n in NEEDLES):
            reading.events += 1
            before = lines[index - 1].rstrip("\r") if index else ""
            yield Event(tuple(each.rstrip("\r") for each in chunk[:MAX_EVENT_LINES]), before)
        index = stop
