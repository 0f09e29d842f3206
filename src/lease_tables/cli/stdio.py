"""stdout and stderr that can fail without lying: closed, full or cut-off streams.

A service manager may start the tool with no console (a closed descriptor), a disk
may be full (`>/dev/full`), a reader may go away (`| head -1`). Python then has
`sys.stdout = None`, or raises OSError from some write or flush, wherever it
happens to be: in a rich table, in click's echo, at interpreter exit. Left alone
that is a traceback, or an "internal error" that claims nothing was changed after
`create` made the tables.

So both streams are wrapped once, at start (`install`), and every sink (print,
typer/click, rich, logging, json) writes through the wrapper. A write that fails
is remembered, not raised: the work goes on, and the end of the run decides. Data
lost on stdout makes the run fail (exit 1) with a word on stderr about what was
done; lost stderr only loses messages (the data and the exit code stay true).
After a failure the descriptor is pointed at the null device, so that what is
still buffered drains there instead of failing again at exit.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import threading
from collections.abc import Callable
from operator import methodcaller
from typing import Any, TextIO

PIECE = 2048  # characters: at most 8 KB of UTF-8, the size of the writer's buffer


class Sink:
    """A text stream whose writes never raise; `lost` says why output was lost."""

    def __init__(self, stream: TextIO | None, fd: int) -> None:
        self._stream = stream
        self._fd = fd
        self._lock = threading.Lock()
        self.lost: str | None = None  # why output was lost, from the first failure on

    def write(self, text: str) -> int:
        # In pieces: CPython's buffered writer drops the rest of one big write
        # silently when the pipe's reader goes away part-way (`| head -1` after a
        # fleet's 400 KB): a short write, no error. Pieces that fit its buffer go
        # through its flushing loop, which does raise. An empty write is passed on
        # as it is: click probes a stream with write(b"") and needs its TypeError.
        for start in range(0, max(len(text), 1), PIECE):
            self._guard(methodcaller("write", text[start:start + PIECE]))
        return len(text)

    def flush(self) -> None:
        if self._stream is None:  # nothing was written, so nothing was lost
            return
        self._guard(lambda stream: stream.flush())

    def isatty(self) -> bool:
        if self._stream is None or self.lost is not None:
            return False
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise io.UnsupportedOperation("the stream is closed")
        return self._stream.fileno()

    def __getattr__(self, name: str) -> Any:  # whatever the wrapped stream has, as it has it
        # encoding, errors, reconfigure...: the real stream's. Not `buffer`: a
        # library writing bytes there would go around the guard.
        if name == "buffer" or self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)

    def _guard(self, action: Callable[[TextIO], object]) -> None:
        if self.lost is not None:
            return
        if self._stream is None:
            self._lose("the stream was closed when the program started")
            return
        try:
            action(self._stream)
        except (OSError, ValueError) as exc:  # ENOSPC, EPIPE, EIO, a closed file
            self._lose(reason(exc))

    def _lose(self, why: str) -> None:
        with self._lock:
            if self.lost is not None:
                return
            self.lost = why
        _point_at_null(self._fd)
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):  # drain the buffer there
                self._stream.flush()


def reason(exc: BaseException) -> str:
    """Why a write failed, in an operator's words."""
    if isinstance(exc, BrokenPipeError) or getattr(exc, "errno", None) == errno.EPIPE:
        return "the reader closed the pipe"
    if getattr(exc, "errno", None) == errno.ENOSPC:
        return "no space left on the device"
    if isinstance(exc, ValueError):
        return "the stream was closed"
    return getattr(exc, "strerror", None) or type(exc).__name__


def _point_at_null(fd: int) -> None:
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        if null != fd:  # else the closed `fd` was free, and the null device took it
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)


_installed: dict[str, Sink] = {}


def install() -> None:
    """Wrap sys.stdout and sys.stderr (once).

    A descriptor that was closed at start gets the null device, so that no file
    or socket this run opens can take its number and receive our output.
    """
    if not _installed:
        for fd, name in ((1, "stdout"), (2, "stderr")):
            stream = getattr(sys, name)
            if stream is None:
                _point_at_null(fd)
            sink = Sink(stream, fd)
            _installed[name] = sink
            setattr(sys, name, sink)


def stdout_lost() -> str | None:
    """Why data on stdout was lost in this run, or None."""
    sink = _installed.get("stdout")
    return sink.lost if sink is not None else None
