"""Run a command's AWS work so that --timeout and Ctrl+C always win.

botocore's own timeouts bound one socket read, not a run: an endpoint that
accepts connections and never answers holds each attempt for the read timeout,
times every retry, times every table. And a thread blocked in a socket read
does not see Ctrl+C. So the work runs in a daemon thread while the main thread
only waits, in short slices: the deadline and the interrupt are noticed within
a fraction of a second, whatever the work is doing. What the work had finished
is kept; what it had not is reported as such, never guessed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from typing import Generic, Protocol, TypeVar

from lease_tables.config.naming import LeaseTable
from lease_tables.model.outcome import FAILED, Progress, TableResult
from lease_tables.model.probes import Ledger

T = TypeVar("T")
Row = TypeVar("Row", bound=LeaseTable)  # a Board's rows: lease tables, or stream consumers' rows

SLICE = 0.1  # seconds between two looks at the clock and the keyboard
# Seconds the work gets past --timeout to report in its own words (docs/errors.md
# states it): its loops already stop at the deadline, so this only covers turning
# what it has into results. A thread stuck in a network read is abandoned then.
GRACE = 0.5


class TimedOut(Exception):
    """The run passed --timeout; the work was told to stop and is abandoned."""


class LongRun(Protocol):
    """The one shape of every long-running command (create, verify, preflight).

    `work(deadline)` does the AWS work (in `run_bounded`'s thread, by `deadline`, a
    `time.monotonic()` value); `stop()` winds it down (Ctrl+C, SIGTERM, --timeout);
    `snapshot(cause)` is every row as it stood when the run was cut short, the
    unfinished ones failed in true words (`cause` names the signal; None: --timeout);
    `summary()` says what the run had done, for an interrupt's message.
    """

    def work(self, deadline: float) -> list[TableResult]: ...
    def stop(self) -> None: ...
    def snapshot(self, cause: str | None) -> list[TableResult]: ...
    def summary(self) -> str: ...


def run_bounded(work: Callable[[], T], timeout: float, stop: Callable[[], None]) -> T:
    """`work()` in a daemon thread; its result, or TimedOut, or KeyboardInterrupt.

    `stop` tells the work to wind down (it is called on timeout and on Ctrl+C).
    The work's own deadline is `timeout`; `GRACE` lets it finish its answer
    (results it already has) before it is abandoned.
    """
    outcome: futures.Future[T] = futures.Future()  # what work() returned, or raised

    def target() -> None:
        try:
            outcome.set_result(work())
        except BaseException as exc:  # handed to the main thread, which decides
            outcome.set_exception(exc)

    deadline = time.monotonic() + timeout + GRACE
    threading.Thread(target=target, name="lease-tables-run", daemon=True).start()
    try:
        while not futures.wait([outcome], SLICE).done:
            if time.monotonic() >= deadline:
                stop()
                raise TimedOut()
    except KeyboardInterrupt:
        stop()
        raise
    return outcome.result()


class Board(Generic[Row]):
    """Per-table results as workers finish them, readable at any moment.

    When a run is cut short, the board says exactly which tables had an
    answer and which had none; a live display (`progress`) sees each as it comes.
    """

    def __init__(self, tables: Sequence[Row], progress: Progress | None = None) -> None:
        self.tables = list(tables)
        self.progress = progress or Progress()  # a live display, on a terminal
        self._done: dict[int, TableResult] = {}
        self._lock = threading.Lock()
        self.stopped = threading.Event()
        # Rows whose proof plans probes (preflight): each row's ledger, by index, from its
        # start, so a cut-short run can tell the probes sent from the ones never tried.
        self.ledgers: dict[int, Ledger] = {}

    def record(self, index: int, result: TableResult) -> TableResult:
        with self._lock:
            self._done[index] = result
        self.progress.on_status(result.table, result.status, "")
        return result

    def finished(self) -> int:
        with self._lock:
            return len(self._done)

    def snapshot(self, unfinished: Callable[[Row], str]) -> list[TableResult]:
        """Every table: its result if it has one, else `failed` with `unfinished`'s words."""
        with self._lock:
            done = dict(self._done)
        return [done.get(i) or TableResult(t, FAILED, unfinished(t))
                for i, t in enumerate(self.tables)]
