"""The small engine that drives a pure per-resource plan: pool, polling, stop, snapshot.

A resource kind brings two calls, `start(item)` (describe, and make it when the
plan says so) and `poll(item)` (one more look), each returning the plan's `Step`
(WAIT or DONE, with the row's status). The engine runs every `start` at once in
a bounded pool, then one loop polls every waiting item on the shared `PollPlan`
(the oldest is watched closely, the rest asked once it has taught how long the
wait lasts), until each is DONE or --timeout passes. `stop()` ends every loop
and back-off at once (Ctrl+C, --timeout); `snapshot()` says where each item
stood. Stream consumers use it as is; the plan decides, the engine only drives.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from lease_tables.core.polling import PollPlan

# Queueing behind a limit on operations in flight (DynamoDB's table operations,
# Kinesis's five consumers CREATING at once): about a minute per resource, never past
# --timeout, with jittered doubling pauses of at most LIMIT_BACKOFF_MAX seconds.
LIMIT_BUDGET = 60.0
LIMIT_BACKOFF_MAX = 15.0


def jittered(pause: float) -> float:
    """A pause between half and all of `pause`, so queued resources do not retry in step."""
    return pause * (0.5 + random.random() / 2)

WAIT, DONE = "wait", "done"  # the two step kinds the engine acts on

Item = TypeVar("Item")  # an item of any resource kind
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class StepLike(Protocol):
    """What a plan's step tells the engine (read only)."""

    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def message(self) -> str: ...




@dataclass
class Track(Generic[Item]):
    """One item's place in the run."""

    item: Item
    step: StepLike | None = None
    since: float = 0.0  # when it started waiting


class Engine(Generic[Item]):
    """Drive `start`/`poll` for many items at once; see the module docstring."""

    def __init__(self, start: Callable[[Item], StepLike], poll: Callable[[Item], StepLike], *,
                 concurrency: int = 10, clock: Callable[[], float] = time.monotonic,
                 plan: Callable[[], PollPlan] = PollPlan) -> None:
        self._start, self._poll = start, poll
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self._plan = plan
        self.deadline = float("inf")  # the run's, as a `clock()` value (queues stop there)
        self._stop = threading.Event()
        self._wake = threading.Event()  # an item started, or stop(): the wait looks again
        self.tracks: list[Track[Item]] = []

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def sleep(self, seconds: float) -> None:
        """Sleep that stop() cuts short, so Ctrl+C never waits on a back-off."""
        self._stop.wait(max(seconds, 0))

    def run(self, items: Sequence[Item], wait: bool, timeout: float, *,
            deadline: float | None = None,
            after_starts: Callable[[], object] | None = None) -> list[Track[Item]]:
        """Start every item and (with `wait`) poll the waiting ones, by `deadline` (a
        `clock()` value; default `timeout` from now). `after_starts` runs in the pool once
        every item has started, while the others are still being waited for.

        The wait begins with the first item that waits, not after the last start: an
        item is first asked at the age the polling plan chose for it, so the plan's
        probe learns how long CREATING lasts from a look on time, not from one that
        came as late as the slowest start (then every other item would be asked late).
        Starts are handed to the pool one as another ends, so a due poll queues behind
        at most the starts under way, never behind all of them.
        """
        deadline = self.deadline = self.clock() + timeout if deadline is None else deadline
        tracks = self.tracks = [Track(item) for item in items]
        arrived: queue.SimpleQueue[int] = queue.SimpleQueue()
        lock = threading.Lock()
        order = iter(range(len(tracks)))
        left = len(tracks)
        started = threading.Event()  # every start has landed (set before the pool shuts)
        extra: list[Future[object]] = []
        failures: list[BaseException] = []
        with ThreadPoolExecutor(max_workers=self.concurrency,
                                thread_name_prefix="lease-tables-engine") as pool:
            def launch() -> None:
                with lock:
                    number = next(order, None)
                if number is not None:
                    pool.submit(self._begin, tracks[number]).add_done_callback(
                        lambda future: landed(number, future))

            def landed(number: int, future: Future[None]) -> None:
                # The arrival and the last hand-off happen before `started` says so, since
                # the run thread goes on (or shuts the pool) on it.
                nonlocal left
                failure, step = future.exception(), tracks[number].step
                if failure is not None:
                    failures.append(failure)
                elif wait and step is not None and step.kind == WAIT:
                    arrived.put(number)
                with lock:
                    left -= 1
                    last = left == 0
                if last:
                    if after_starts is not None:
                        extra.append(pool.submit(after_starts))
                    started.set()
                self._wake.set()
                launch()

            for _ in range(min(self.concurrency, len(tracks))):
                launch()
            if not tracks:
                started.set()
            if wait:
                self._wait(arrived, started, pool)
            started.wait()  # the last starts, bounded by their own timeouts
            for future in extra:
                future.result()
        if failures:
            raise failures[0]
        return self.tracks

    def _begin(self, track: Track[Item]) -> None:
        if self._stop.is_set():
            return
        track.step = self._start(track.item)
        track.since = self.clock()

    def _wait(self, arrived: queue.SimpleQueue[int], started: threading.Event,
              pool: ThreadPoolExecutor) -> None:
        """Poll the items that wait on one `PollPlan` until each is done, the deadline
        passes or the run stops. Items arrive while others still start; the wake event
        is cleared before each round, so an arrival during the round is not slept through."""
        plan, deadline = self._plan(), self.deadline

        def look(number: int) -> StepLike:
            track = self.tracks[number]
            track.step = self._poll(track.item)
            return track.step

        while not self._stop.is_set():
            self._wake.clear()
            coming = not started.is_set()  # asked first: a later arrival is in `arrived`
            while not arrived.empty():
                number = arrived.get()
                plan.add(number, self.tracks[number].since)
            now = self.clock()
            if (not plan and not coming) or now >= deadline:
                break
            batch = [n for n in plan.due(now) if isinstance(n, int)]  # our keys, typed
            if not batch:
                wake = plan.wake_at(now)
                self._wake.wait(max(0.0, min(deadline, deadline if wake is None else wake) - now))
                continue
            for number, step in zip(batch, pool.map(look, batch), strict=True):
                if step.kind == WAIT:
                    plan.creating(number, now)
                else:
                    plan.finished(number, now, active=step.status != "failed")

    def snapshot(self, unfinished: Callable[[Item, StepLike | None], str]) -> list[
            tuple[Item, str, str]]:
        """Every item as (item, status, message); the unfinished ones failed, in the kind's
        own words (`unfinished(item, last_step)`)."""
        return [(t.item, t.step.status, t.step.message)
                if t.step is not None and t.step.kind == DONE
                else (t.item, "failed", unfinished(t.item, t.step)) for t in self.tracks]


class Once(Generic[K, V]):
    """Each key's value computed once per run, however many threads ask at once (a
    stream's ARN for all its consumers); a failure is not kept, so the next asks again."""

    def __init__(self) -> None:
        self._values: dict[K, V] = {}
        self._locks: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]
