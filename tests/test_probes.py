"""The proof ledger (probes.py) with plain values: what ran, what did not, and why."""

from __future__ import annotations

from inline_snapshot import snapshot

from lease_tables.model.probes import (
    BY_DESIGN,
    NOT_NOW,
    Ledger,
    Probe,
    Untried,
    not_tried,
    pending_summary,
    sentences,
    unanswered_sentence,
    unproven,
)

GET, SCAN, CREATE = (Probe("dynamodb:GetItem"), Probe("dynamodb:Scan"),
                     Probe("dynamodb:CreateTable"))
LOOKUP = Probe("dynamodb:DescribeTable", "T-CoordinatorState")
PUT_RECORD = Probe("kinesis:PutRecord")


def test_every_planned_probe_not_marked_is_untried_with_a_reason() -> None:
    ledger = Ledger([GET, SCAN, LOOKUP, CREATE], {PUT_RECORD: "it would write a record"})
    ledger.ran(GET)
    ledger.skip(CREATE, "the table was UPDATING", "rerun when ACTIVE")
    ledger.stop("Scan failed", "rerun once fixed")
    ledger.stop("a later reason", "never used")  # the first reason wins
    untried = ledger.untried()

    assert [(u.probe, u.kind, u.why) for u in untried] == [
        (SCAN, NOT_NOW, "Scan failed"), (LOOKUP, NOT_NOW, "Scan failed"),
        (CREATE, NOT_NOW, "the table was UPDATING"),
        (PUT_RECORD, BY_DESIGN, "it would write a record")]
    assert not_tried(untried) == ["dynamodb:Scan", "dynamodb:DescribeTable",
                                  "dynamodb:CreateTable", "kinesis:PutRecord"]
    assert [u.probe for u in unproven(untried)] == [SCAN, LOOKUP, CREATE]


def test_by_design_alone_leaves_nothing_unproven() -> None:
    ledger = Ledger([GET], {PUT_RECORD: "it would write a record"})
    ledger.ran(GET)
    untried = ledger.untried()
    assert unproven(untried) == ()
    assert sentences(untried) == [
        "Not tried by design: kinesis:PutRecord (it would write a record)."]


def test_a_probe_declared_by_design_is_never_planned_too() -> None:
    ledger = Ledger([GET, PUT_RECORD], {PUT_RECORD: "it would write"})
    ledger.ran(GET)
    assert [u.kind for u in ledger.untried()] == [BY_DESIGN]


def test_words_group_by_reason_and_name_resources() -> None:
    ledger = Ledger([SCAN, LOOKUP, CREATE])
    ledger.skip(CREATE, "DescribeTable showed it UPDATING", "rerun preflight when ACTIVE")
    ledger.stop("GetItem failed", "rerun once fixed")
    assert sentences(ledger.untried()) == [
        "Not tried: dynamodb:Scan, dynamodb:DescribeTable on T-CoordinatorState, because "
        "GetItem failed, so they are not proven; rerun once fixed.",
        "Not tried: dynamodb:CreateTable, because DescribeTable showed it UPDATING, so it is "
        "not proven; rerun preflight when ACTIVE."]


def test_pending_summary_groups_rows_and_counts_the_rest() -> None:
    def row(name: str, rerun: str):
        ledger = Ledger([CREATE])
        ledger.skip(CREATE, "not ACTIVE", rerun)
        return name, ledger.untried()

    rows = [row("A", "when ACTIVE"), row("B", "when ACTIVE"), ("C", ()),
            row("D", "later"), row("E", "other"), row("F", "yet another")]
    assert pending_summary(rows) == snapshot(
        "dynamodb:CreateTable on A, B not tried, when ACTIVE; C (see its row); "
        "dynamodb:CreateTable on D not tried, later; and 2 more (see the rows)")


def test_a_probe_never_reached_says_so_and_what_to_rerun() -> None:
    ledger = Ledger([SCAN])
    assert ledger.untried() == (Untried(SCAN, "it was not reached", NOT_NOW, "rerun preflight"),)
    assert sentences(ledger.untried()) == [
        "Not tried: dynamodb:Scan, because it was not reached, so it is not proven; rerun "
        "preflight."]


def test_a_reason_without_a_rerun_ends_the_sentence() -> None:
    ledger = Ledger([CREATE])
    ledger.skip(CREATE, "the run was stopped", "")
    assert sentences(ledger.untried()) == [
        "Not tried: dynamodb:CreateTable, because the run was stopped, so it is not proven."]


def test_pending_summary_names_up_to_the_limit_of_rows_and_groups() -> None:
    def row(name: str, rerun: str, *probes: Probe):
        ledger = Ledger(probes)
        for probe in probes:
            ledger.skip(probe, "not ACTIVE", rerun)
        return name, ledger.untried()

    three = [row(name, "when ACTIVE", CREATE, SCAN) for name in "ABC"]
    assert pending_summary(three) == snapshot(
        "dynamodb:CreateTable, dynamodb:Scan on A, B, C not tried, when ACTIVE")
    four = [*three, row("D", "when ACTIVE", CREATE, SCAN)]
    assert pending_summary(four) == snapshot(
        "dynamodb:CreateTable, dynamodb:Scan on A, B, C and 1 more not tried, when ACTIVE")
    groups = [row("A", "", CREATE), ("B", ()), ("C", ()), row("D", "later", SCAN)]
    assert pending_summary(groups) == snapshot(
        "dynamodb:CreateTable on A not tried; B, C (see their rows); dynamodb:Scan on D not "
        "tried, later")


def test_unanswered_are_the_probes_sent_and_never_answered_in_plan_order() -> None:
    ledger = Ledger([GET, SCAN, LOOKUP, CREATE])
    assert ledger.unanswered() == ()
    for probe in (LOOKUP, GET, SCAN):
        ledger.ran(probe)
    ledger.answered(SCAN)
    assert ledger.unanswered() == (GET, LOOKUP)
    ledger.answered(GET)
    ledger.answered(LOOKUP)
    assert ledger.unanswered() == ()
    assert ledger.untried() == (Untried(CREATE, "it was not reached", NOT_NOW,
                                        "rerun preflight"),)


def test_the_unanswered_sentence_names_each_probe_and_agrees_in_number() -> None:
    assert unanswered_sentence(()) == ""
    assert unanswered_sentence([LOOKUP]) == snapshot(
        "Sent, with no answer before the run ended: dynamodb:DescribeTable on T-CoordinatorState, "
        "so it is not proven.")
    assert unanswered_sentence([GET, LOOKUP]) == snapshot(
        "Sent, with no answer before the run ended: dynamodb:GetItem, dynamodb:DescribeTable on "
        "T-CoordinatorState, so they are not proven.")
