"""The fleet polling plan, driven with plain numbers as a clock."""

from __future__ import annotations

from lease_tables.core.polling import PollPlan


def simulate(created_at: list[float], active_after: float, plan: PollPlan,
             limit: float = 60.0) -> tuple[dict[int, float], int]:
    """Run the plan against tables that turn ACTIVE `active_after` s after creation.

    Returns when each table was seen ACTIVE, and how many polls it took in all.
    """
    for key, since in enumerate(created_at):
        plan.add(key, since)
    now, polls, seen = min(created_at), 0, {}
    while plan and now < limit:
        batch = plan.due(now)
        for key in batch:
            polls += 1
            if now >= created_at[key] + active_after:
                plan.finished(key, now)
                seen[key] = now
            else:
                plan.creating(key, now)
        if not batch:
            now = plan.wake_at(now) or now
    return seen, polls


def test_forty_tables_cost_about_one_poll_each_and_are_seen_soon() -> None:
    created = [i * 0.0075 for i in range(40)]  # 40 CreateTable answers over 0.3 s
    seen, polls = simulate(created, 1.0, PollPlan())
    assert len(seen) == 40
    assert polls <= 40 + 5  # the probe's few looks, then one each
    assert all(seen[k] - created[k] < 1.0 + 0.3 for k in seen)


def test_a_fixed_interval_plan_would_cost_more() -> None:
    """The learning matters: without a probe every table is asked on every round."""
    created = [i * 0.0075 for i in range(40)]
    naive = 0
    now = 0.2
    pending = set(range(40))
    while pending:
        naive += len(pending)
        pending = {k for k in pending if now < created[k] + 1.0}
        now += 0.2
    _, polls = simulate(created, 1.0, PollPlan())
    assert polls * 2 < naive


def test_every_table_is_asked_at_least_every_cap_seconds() -> None:
    plan = PollPlan(cap=2.0, step=10.0)
    plan.add("old", 0.0)
    plan.add("young", 0.1)
    assert plan.wake_at(0.0) == 0.5
    assert plan.due(0.5) == ["old"]  # the probe (the oldest), at its first look
    plan.creating("old", 0.5)  # next look capped at 2.0 s later
    # The young table waits for the probe, but not for ever: `cap` after its creation.
    assert plan.due(2.1 - 1e-9) == []
    assert plan.due(2.1 + 1e-9) == ["young"]


def test_late_start_does_not_wait_for_a_stale_estimate() -> None:
    """Tables created long before polling began: one look each, no sleeping on them."""
    plan = PollPlan(rate=1000.0)
    for key in range(10):
        plan.add(key, float(key) * 0.5)  # created over 5 s
    now = 5.0
    [probe] = plan.due(now)[:1]
    plan.finished(probe, now)
    assert plan.estimate == 5.0  # an upper bound only, so capped below
    # Each is asked by 2 s (the cap) after its creation; the clock only moves on.
    assert all(k in plan.due(max(now, float(k) * 0.5 + 2.0)) for k in sorted(plan))


def test_rate_budget_spreads_a_burst() -> None:
    plan = PollPlan(rate=10.0)
    for key in range(25):
        plan.add(key, -100.0)
    assert len(plan.due(0.0)) == 10
    assert plan.due(0.0) == []
    assert 0.0 < (plan.wake_at(0.0) or 0) <= 0.1 + 1e-9
    assert len(plan.due(0.5)) == 5


def test_creating_answers_back_off_up_to_the_cap() -> None:
    plan = PollPlan(step=0.25, growth=2.0, cap=2.0)
    plan.add("t", 0.0)
    gaps = []
    now = plan.wake_at(0.0)
    assert now == 0.5
    for _ in range(6):
        assert plan.due(now) == ["t"]
        plan.creating("t", now)
        later = plan.wake_at(now)
        assert later is not None
        gaps.append(later - now)
        now = later
    assert gaps == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_the_oldest_table_is_the_probe_whatever_its_key() -> None:
    plan = PollPlan()
    plan.add("b-old", 0.0)
    plan.add("a-young", 1.0)
    assert plan.wake_at(0.0) == 0.5  # the oldest at its first look, not the first key
    assert plan.due(0.5) == ["b-old"]


def test_the_estimate_learns_from_bracketed_tables_over_upper_bounds() -> None:
    """A table seen CREATING, then ACTIVE, says how long CREATING lasts; one found ACTIVE
    at its first look only says "at most this long", and counts only until then."""
    plan = PollPlan(rate=1000.0)
    for key, since in [("b", 10.25), ("f", 9.0), ("a", 10.0), ("e", 10.25), ("c", 10.5),
                       ("d", 10.5)]:
        plan.add(key, since)
    plan.finished("b", 10.75)  # ACTIVE at its first look, 0.5 s old: at most 0.5 s
    assert plan.estimate == 0.5
    plan.finished("f", 10.75)  # a looser bound (1.75 s) changes nothing
    assert plan.estimate == 0.5
    plan.creating("a", 10.5)
    plan.finished("a", 11.0)  # CREATING at 0.5 s, ACTIVE at 1 s: replaces the bounds
    assert plan.estimate == 1.0
    plan.finished("e", 11.0)  # an upper bound (0.75 s) after a bracketed one: ignored
    assert plan.estimate == 1.0
    plan.creating("c", 11.0)
    plan.finished("c", 12.0)  # a slower bracketed one (1.5 s): the fastest stays
    assert plan.estimate == 1.0
    # The table left is asked once, when it is as old as the estimate.
    assert plan.due(11.5 - 1e-6) == []
    assert plan.due(11.5) == ["d"]


def test_a_table_that_did_not_turn_active_teaches_nothing() -> None:
    plan = PollPlan()
    plan.add("gone", 0.0)
    plan.creating("gone", 0.5)
    plan.finished("gone", 0.9, active=False)  # deleted, or failed: no estimate from it
    assert plan.estimate is None and len(plan) == 0


def test_the_budget_refills_at_its_rate_from_the_last_look() -> None:
    plan = PollPlan(rate=4.0)
    for key in range(25):
        plan.add(key, -100.0)
    assert len(plan.due(10.0)) == 4  # the burst
    assert plan.due(10.125) == []  # half a token
    assert plan.wake_at(10.125) == 10.25  # when the next whole token is there
    assert len(plan.due(10.5)) == 2


def test_a_slow_rate_allows_one_call_at_a_time() -> None:
    plan = PollPlan(rate=1.0)
    for key in range(3):
        plan.add(key, -100.0)
    assert len(plan.due(0.0)) == 1
    assert plan.due(0.5) == []
    assert len(plan.due(1.0)) == 1


def test_an_empty_plan_has_nothing_due_and_no_wake_time() -> None:
    plan = PollPlan()
    assert plan.due(0.0) == []
    assert plan.wake_at(0.0) is None
    plan.add("t", 0.0)
    plan.finished("t", 1.0)
    assert plan.due(2.0) == []  # every table done: the plan is empty again
