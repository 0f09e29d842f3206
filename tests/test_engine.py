"""The engine's order of work, with plain start/poll functions and real (short) time."""

from __future__ import annotations

import threading
import time

from lease_tables.core.engine import DONE, WAIT, Engine
from lease_tables.core.polling import PollPlan
from lease_tables.model.consumers import ConsumerStep as Step


def test_the_wait_begins_before_the_last_start_ends() -> None:
    """The first item that waits is asked at the age the plan chose for it, even while
    other items are still starting: its look is on time, so the plan learns how long
    CREATING lasts from it (a late first look teaches only an upper bound)."""
    lock = threading.Lock()
    ended: list[float] = []
    looked: dict[int, float] = {}

    def start(item: int) -> Step:
        time.sleep(0.05)  # one round trip; 12 items at 2 in flight: 0.3 s of starts
        with lock:
            ended.append(time.monotonic())
        return Step(WAIT, "created", "creating") if item == 0 else Step(DONE, "exists")

    def poll(item: int) -> Step:
        with lock:
            looked.setdefault(item, time.monotonic())
        return Step(DONE, "created")

    engine: Engine[int] = Engine(start, poll, concurrency=2,
                                 plan=lambda: PollPlan(first=0.05, cap=1.0))
    began = time.monotonic()
    engine.run(list(range(12)), wait=True, timeout=10.0)
    assert sorted(looked) == [0]
    assert looked[0] < max(ended), "the first poll waited for every start"
    assert looked[0] - min(ended) < 0.2
    assert max(ended) - began >= 0.25  # the starts did take that long


def test_items_that_start_waiting_late_are_polled_too() -> None:
    looked: list[int] = []

    def start(item: int) -> Step:
        time.sleep(0.02 * item)
        return Step(WAIT, "created", "creating")

    def poll(item: int) -> Step:
        looked.append(item)
        return Step(DONE, "created")

    engine: Engine[int] = Engine(start, poll, concurrency=1,
                                 plan=lambda: PollPlan(first=0.01, cap=0.05))
    tracks = engine.run([0, 1, 2, 3], wait=True, timeout=10.0)
    assert sorted(looked) == [0, 1, 2, 3]
    assert all(t.step is not None and t.step.kind == DONE for t in tracks)


def test_after_starts_runs_once_every_item_has_started() -> None:
    started: list[int] = []
    seen: list[list[int]] = []

    def start(item: int) -> Step:
        time.sleep(0.01)
        started.append(item)
        return Step(WAIT, "created", "creating")

    engine: Engine[int] = Engine(start, lambda item: Step(DONE, "created"), concurrency=3,
                                 plan=lambda: PollPlan(first=0.2, cap=0.5))
    engine.run(list(range(7)), wait=True, timeout=10.0,
               after_starts=lambda: seen.append(sorted(started)))
    assert seen == [list(range(7))]


def test_no_wait_polls_nothing() -> None:
    looked: list[int] = []
    engine: Engine[int] = Engine(lambda item: Step(WAIT, "created", "creating"),
                                 lambda item: looked.append(item) or Step(DONE, "x"))
    tracks = engine.run([1, 2], wait=False, timeout=5.0)
    assert looked == []
    assert [t.step.kind for t in tracks if t.step] == [WAIT, WAIT]


def test_a_start_that_raises_is_raised_after_the_others() -> None:
    done: list[int] = []

    def start(item: int) -> Step:
        if item == 1:
            raise RuntimeError("boom")
        time.sleep(0.01)
        done.append(item)
        return Step(DONE, "exists")

    engine: Engine[int] = Engine(start, lambda item: Step(DONE, "x"), concurrency=2)
    try:
        engine.run([0, 1, 2, 3], wait=True, timeout=5.0)
    except RuntimeError as exc:
        assert str(exc) == "boom"
    else:
        raise AssertionError("the failure was swallowed")
