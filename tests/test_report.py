"""The words `report` gives the commands, with plain values: a dry run's plan per role and
the account of a run that Ctrl+C or SIGTERM stopped."""

from __future__ import annotations

from inline_snapshot import snapshot

from lease_tables.model import kcl, spec
from lease_tables.model.rows import ROLE_STREAM_CONSUMER
from lease_tables.render.report import create_stopped, dry_run_plans, read_only_stopped

OLD, MID, NEW = kcl.LAYOUTS
OPTIONS = spec.make_options("provisioned", None, None)


def test_a_dry_run_says_what_it_would_create_per_role() -> None:
    plans = MID.plans(OPTIONS)
    phrases = dry_run_plans(plans, add_index=False, consumers=False)
    assert phrases == {role: "would create: " + plan for role, plan in plans.items()}
    assert set(phrases) == {kcl.ROLE_LEASE, kcl.ROLE_COORDINATOR_STATE, kcl.ROLE_WORKER_METRICS}


def test_add_index_and_consumers_add_their_phrases_and_leave_the_layouts_plans_alone() -> None:
    plans = NEW.plans(OPTIONS)
    before = dict(plans)
    phrases = dry_run_plans(plans, add_index=True, consumers=True)
    assert plans == before  # the layout's own phrases are not changed in place
    assert phrases[kcl.ROLE_LEASE] == (
        "would create: " + before[kcl.ROLE_LEASE] + "; and, to existing lease tables that "
        "lack it, only the index (UpdateTable, with the table's current capacity)")
    assert phrases[ROLE_STREAM_CONSUMER] == snapshot(
        "would create: the consumer, if it is absent (RegisterStreamConsumer, enhanced "
        "fan-out)")
    assert ROLE_STREAM_CONSUMER not in dry_run_plans(plans, add_index=True, consumers=False)


def test_a_stopped_create_names_what_it_did_and_the_registered_consumers() -> None:
    assert create_stopped("no AWS call had changed anything yet", []) == snapshot(
        "create stopped; no AWS call had changed anything yet. Rerunning the same command "
        "is safe: it creates only what is missing and waits for tables (and indexes) still "
        "CREATING")
    assert create_stopped("1 table created", ["c1", "c2"]) == snapshot(
        "create stopped; 1 table created; RegisterStreamConsumer had been accepted for 2 "
        "consumer(s) (c1, c2). Rerunning the same command is safe: it creates only what is "
        "missing and waits for tables (and indexes) still CREATING")


def test_a_stopped_read_only_run_counts_what_it_finished() -> None:
    assert read_only_stopped("verify", 3, 7, "it changes nothing") == snapshot(
        "verify stopped after 3 of 7 tables; it changes nothing, so rerunning is safe")
