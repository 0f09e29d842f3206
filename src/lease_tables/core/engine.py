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

I = TypeVar("I")  # noqa: E741 -- an item of any resource kind
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
class Track(Generic[I]):
    """One item's place in the run."""

    item: I
    step: StepLike | None = None
    since: float = 0.0  # when it started waiting


class Engine(Generic[I]):
    """Drive `start`/`poll` for many items at once; see the module docstring."""

    def __init__(self, start: Callable[[I], StepLike], poll: Callable[[I], StepLike], *,
                 concurrency: int = 10, clock: Callable[[], float] = time.monotonic,
                 plan: Callable[[], PollPlan] = PollPlan) -> None:
        self._start, self._poll = start, poll
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self._plan = plan
        self._stop = threading.Event()
        self._wake = threading.Event()  # an item started, or stop(): the wait looks again
        self.tracks: list[Track[I]] = []

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def sleep(self, seconds: float) -> None:
        """Sleep that stop() cuts short, so Ctrl+C never waits on a back-off."""
        self._stop.wait(max(seconds, 0))

    def run(self, items: Sequence[I], wait: bool, timeout: float, *,
            deadline: float | None = None,
            after_starts: Callable[[], object] | None = None) -> list[Track[I]]:
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
        deadline = self.clock() + timeout if deadline is None else deadline
        tracks = self.tracks = [Track(item) for item in items]
        arrived: queue.SimpleQueue[int] = queue.SimpleQueue()
        lock = threading.Lock()
        order = iter(range(len(tracks)))
        left = [len(tracks)]
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
                # In this order: the arrival and the last hand-off happen before the count
                # says so, since the run thread goes on (or shuts the pool) on the count.
                failure = future.exception()
                if failure is not None:
                    failures.append(failure)
                elif wait and _waiting(tracks[number]):
                    arrived.put(number)
                with lock:
                    last = left[0] == 1
                if last and after_starts is not None:
                    extra.append(pool.submit(after_starts))
                with lock:
                    left[0] -= 1
                self._wake.set()
                launch()

            for _ in range(min(self.concurrency, len(tracks))):
                launch()
            if wait:
                def arrivals() -> list[tuple[int, float]]:
                    out = []
                    while not arrived.empty():
                        number = arrived.get()
                        out.append((number, tracks[number].since))
                    return out

                self._wait(arrivals, lambda: left[0] > 0, deadline, pool)
            while left[0] > 0 and not failures:
                self._wake.wait(0.05)  # the last starts, bounded by their own timeouts
                self._wake.clear()
            for future in extra:
                future.result()
        if failures:
            raise failures[0]
        return self.tracks

    def _begin(self, track: Track[I]) -> None:
        if self._stop.is_set():
            return
        track.step = self._start(track.item)
        track.since = self.clock()

    def _wait(self, arrivals: Callable[[], list[tuple[int, float]]],
              starting: Callable[[], bool], deadline: float, pool: ThreadPoolExecutor) -> None:
        tracks = self.tracks

        def look(number: int) -> tuple[bool, bool]:
            step = tracks[number].step = self._poll(tracks[number].item)
            return step.kind != WAIT, step.status != "failed"

        def idle(seconds: float) -> None:
            self._wake.wait(max(seconds, 0))  # a new waiting item or stop() ends it early

        wait_loop([], look, deadline, pool, clock=self.clock, sleep=idle,
                  stopped=self._stop.is_set, plan=self._plan(), arrivals=arrivals,
                  more=starting, awake=self._wake.clear)

    def snapshot(self, unfinished: Callable[[I, StepLike | None], str]) -> list[
            tuple[I, str, str]]:
        """Every item as (item, status, message); the unfinished ones failed, in the kind's
        own words (`unfinished(item, last_step)`)."""
        out = []
        for track in self.tracks:
            step = track.step
            if step is not None and step.kind == DONE:
                out.append((track.item, step.status, step.message))
            else:
                out.append((track.item, "failed", unfinished(track.item, step)))
        return out


def _waiting(track: Track[I]) -> bool:
    return track.step is not None and track.step.kind == WAIT


def wait_loop(since: Sequence[float], look: Callable[[int], tuple[bool, bool]],
              deadline: float, pool: ThreadPoolExecutor, *, clock: Callable[[], float],
              sleep: Callable[[float], None], stopped: Callable[[], bool],
              plan: PollPlan | None = None,
              arrivals: Callable[[], Sequence[tuple[int, float]]] = lambda: (),
              more: Callable[[], bool] = lambda: False,
              awake: Callable[[], None] = lambda: None) -> list[int]:
    """Poll items 0..n-1 (waiting since `since[n]`) on one `PollPlan` until each is done,
    the deadline passes or the run stops; `look(n)` is one look: (done, turned usable).
    `arrivals()` hands over items that began waiting since (number, since) while `more()`
    says some may still come; `sleep` may end early when one does (`awake()` is called
    before each round, so an arrival during the round is not slept through).
    Returns the items still waiting."""
    plan = PollPlan() if plan is None else plan  # an empty plan is falsy: not "none given"
    for number, started in enumerate(since):
        plan.add(number, started)
    while not stopped():
        awake()
        coming = more()  # asked first: an item that arrives after it is in `arrivals()`
        for number, started in arrivals():
            plan.add(number, started)
        if not plan and not coming:
            break
        now = clock()
        if now >= deadline:
            break
        batch = plan.due(now)
        if not batch:
            wake = plan.wake_at(now)
            sleep(max(0.0, min(deadline if wake is None else wake, deadline) - now))
            continue
        keys = [n for n in batch if isinstance(n, int)]  # the plan hands back our keys
        for key, (done, usable) in zip(keys, pool.map(look, keys), strict=True):
            if done:
                plan.finished(key, now, active=usable)
            else:
                plan.creating(key, now)
    return [number for number in plan if isinstance(number, int)]


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
