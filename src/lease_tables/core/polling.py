"""When to ask DynamoDB again whether a new table is ACTIVE: one plan for the whole fleet.

Pure scheduling, no AWS and no clock of its own, so it is tested with plain numbers.

Why not a fixed interval per table: tables created together turn ACTIVE together,
in the order they were created. So the plan watches the *oldest* pending table
closely (the probe), learns from it how long CREATING lasts, and then asks each
other table once, when it reaches that age. A table still CREATING then backs off
on its own short, capped schedule. Every pending table is asked at least every
`cap` seconds whatever the probe says, so one slow table cannot hide the others.
All DescribeTable calls of the plan share one token bucket (`rate` per second):
the DynamoDB control plane is throttled per account (2,500 requests per second,
shared with everything else the account runs), so hundreds of CREATING tables
must not turn into hundreds of requests per second. The budget is about what the
starts themselves ask at `--concurrency` 10 on a fast endpoint (one DescribeTable and
one CreateTable per table, ~100 a second), 4% of that throttle: a lower one only
delays the one look each new table needs when tables are made faster than it
allows (120 in about a second on dynalite), and saves no request.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass

POLL_FIRST = 0.5  # age of the probe at its first look; dynalite's default CREATING time
POLL_STEP = 0.25  # after a CREATING answer, ask again this much later ...
POLL_GROWTH = 1.3  # ... growing by this factor each time ...
POLL_MAX = 2.0  # ... but never waiting longer than this between two looks
POLL_RATE = 100.0  # DescribeTable calls per second for the whole run (and burst size)


@dataclass
class _Entry:
    since: float  # when CreateTable answered, or when the table was found CREATING
    polls: int = 0
    seen_creating: bool = False
    next_at: float | None = None  # set after a CREATING answer


class PollPlan:
    """The pending tables, when each is due, and the shared request budget."""

    def __init__(self, *, first: float = POLL_FIRST, step: float = POLL_STEP,
                 growth: float = POLL_GROWTH, cap: float = POLL_MAX,
                 rate: float = POLL_RATE) -> None:
        self.first, self.step, self.growth, self.cap = first, step, growth, cap
        self.rate = rate
        self.burst = max(1.0, rate)
        self.estimate: float | None = None  # how long CREATING lasts, as learned so far
        self._tight = False  # the estimate comes from a table seen CREATING, then ACTIVE
        self._entries: dict[Hashable, _Entry] = {}
        self._tokens = self.burst
        self._filled_at: float | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._entries))

    def add(self, key: Hashable, since: float) -> None:
        """A table that is CREATING since `since` (clock seconds)."""
        self._entries[key] = _Entry(since)

    def due(self, now: float) -> list[Hashable]:
        """Tables to ask now, most overdue first, as many as the budget allows."""
        self._refill(now)
        ready = sorted((at, n, key) for n, (at, key) in enumerate(self._schedule()) if at <= now)
        take = min(len(ready), int(self._tokens))
        self._tokens -= take
        return [key for _, _, key in ready[:take]]

    def wake_at(self, now: float) -> float | None:
        """The next moment `due` can return something; None when nothing is pending."""
        if not self._entries:
            return None
        earliest = min(at for at, _ in self._schedule())
        self._refill(now)
        if self._tokens < 1:
            earliest = max(earliest, now + (1 - self._tokens) / self.rate)
        return earliest

    def creating(self, key: Hashable, asked_at: float) -> None:
        """The answer was CREATING (or no answer): back off for this table alone."""
        entry = self._entries[key]
        entry.polls += 1
        entry.seen_creating = True
        pause = min(self.step * self.growth ** (entry.polls - 1), self.cap)
        entry.next_at = asked_at + pause

    def finished(self, key: Hashable, asked_at: float, active: bool = True) -> None:
        """The table is done with; an ACTIVE answer teaches how long CREATING lasts."""
        entry = self._entries.pop(key)
        if not active:
            return
        age = max(asked_at - entry.since, 0.0)
        if entry.seen_creating:  # bracketed: CREATING at the last look, ACTIVE now
            self.estimate = age if not self._tight or self.estimate is None else min(
                self.estimate, age)
            self._tight = True
        elif not self._tight:  # only an upper bound: it may have been ACTIVE for long
            self.estimate = age if self.estimate is None else min(self.estimate, age)

    def _schedule(self) -> list[tuple[float, Hashable]]:
        # The probe is the oldest pending table: it turns ACTIVE first, so it is watched closely.
        probe = min(self._entries, key=lambda key: self._entries[key].since, default=None)
        return [(self._due_at(k, e, probe), k) for k, e in self._entries.items()]

    def _due_at(self, key: Hashable, entry: _Entry, probe: Hashable | None) -> float:
        if entry.next_at is not None:
            return entry.next_at
        if self.estimate is not None:
            return entry.since + min(self.estimate, self.cap)
        return entry.since + min(self.first if key == probe else self.cap, self.cap)

    def _refill(self, now: float) -> None:
        if self._filled_at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now
