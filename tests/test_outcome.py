"""The exit-code rule and the JSON shape (docs/exit-codes.md, docs/json.md), with plain values."""

from __future__ import annotations

import io
import json

import pytest
from inline_snapshot import snapshot

from lease_tables.config.naming import LeaseTable
from lease_tables.model.outcome import (
    TableResult,
    exit_code,
    needs_attention,
    no_answer,
    no_answer_words,
    not_done_words,
    sort_results,
)
from lease_tables.model.probes import Probe, Untried
from lease_tables.render.report import emit, json_document

FIELDS = ["table_name", "adapter_kind", "adapter_id", "application_name", "host_name",
          "host_name_source", "region", "role", "sources", "enabled", "status", "message"]


def result(status: str, name: str = "tableA") -> TableResult:
    return TableResult(LeaseTable(table_name=name, region="us-east-1", sources=["--table"]),
                       status)


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        ([], 0),
        (["created", "exists", "planned"], 0),
        (["ok", "create-allowed"], 0),
        (["created", "failed"], 1),
        (["drift", "created"], 3),
        (["missing", "failed"], 3),
        (["not-active"], 3),
        (["denied", "ok"], 3),
    ],
)
def test_highest_code_wins(statuses: list[str], code: int) -> None:
    assert exit_code([result(s) for s in statuses]) == code


def test_json_document_has_exactly_the_documented_fields() -> None:
    document = json_document([result("created"), result("drift", "tableB")])
    assert list(document) == ["ok", "tables"]
    assert document["ok"] is False
    assert [list(t) for t in document["tables"]] == [FIELDS, FIELDS]


def test_emit_json_is_one_object_and_text_has_a_line_per_table_and_summary() -> None:
    buffer = io.StringIO()
    emit([result("created"), result("exists", "tableB")], "json", out=buffer)
    assert json.loads(buffer.getvalue())["ok"] is True
    buffer = io.StringIO()
    emit([result("created"), result("exists", "tableB")], "text", verb="create", out=buffer)
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("created") and "tableA" in lines[0]
    assert lines[2] == snapshot("create: 2 tables: 1 created, 1 exists. all fine (exit 0).")


def test_quiet_keeps_what_needs_attention_and_results_sort_by_name_then_region() -> None:
    results = [result(s, n) for s, n in (("created", "b"), ("drift", "a"), ("ok", "c"),
                                         ("create-allowed", "d"), ("failed", "e"))]
    assert [r.status for r in needs_attention(results)] == ["drift", "create-allowed", "failed"]
    east = TableResult(LeaseTable("same", "us-east-1"), "ok")
    none = TableResult(LeaseTable("same", None), "ok")
    west = TableResult(LeaseTable("same", "us-west-2"), "ok")
    first = TableResult(LeaseTable("a", "z"), "ok")
    assert sort_results([west, east, none, first]) == [first, none, east, west]


def test_no_answer_names_the_step_the_place_and_the_bound() -> None:
    table = LeaseTable(table_name="leasesA", region="eu-west-1", sources=["--table"])
    words = "DescribeTable of leasesA in eu-west-1 had no answer within 2.5 s (--timeout). " \
            "Check the network path to the endpoint (proxy, firewall, --endpoint-url) and " \
            "rerun; nothing was changed."
    assert no_answer_words(2.5, "DescribeTable")(table) == words
    [failed] = no_answer([table], 2.5, "DescribeTable")
    assert (failed.status, failed.message, failed.table) == ("failed", words, table)
    assert exit_code(no_answer([table], 60, "setting up AWS access")) == 1
    assert no_answer([], 60, "x") == []
    assert not_done_words("not probed", "SIGTERM")(table) == "not probed: interrupted by SIGTERM"


# --------------------------------------------------------------------------- kinds of rows


def test_each_kind_of_row_is_counted_with_its_own_noun() -> None:
    from lease_tables.model import rows

    assert [rows.noun(k, 1) for k in ("table", "stream-consumer", "kms-key")] == [
        "table", "consumer", "KMS key"]
    assert [rows.noun(k, 2) for k in ("table", "stream-consumer", "cloudwatch-metrics")] == [
        "tables", "consumers", "metrics grants"]
    # A kind the table does not know is named by its role, its dashes as spaces.
    assert rows.noun("some-new-kind", 1) == "some new kind"
    assert rows.noun("some-new-kind", 3) == "some new kind rows"


def test_kinds_are_summarised_tables_first_and_unknown_kinds_last() -> None:
    from lease_tables.model import rows

    known = ["table", "stream-consumer", "stream", "bucket", "kms-key", "video-stream",
             "connect-instance", "log-group", "cloudwatch-metrics"]
    assert [rows.kind_order(k) for k in known] == list(range(len(known)))
    assert rows.kind_order("some-new-kind") == len(known)
    assert sorted(["zz", "stream", "table"], key=rows.kind_order) == ["table", "stream", "zz"]


def test_a_rows_json_carries_its_sources_status_message_and_probes() -> None:
    table = LeaseTable(table_name="t", region="us-east-1", sources=["a.xml", "--table"])
    plain = TableResult(table, "created", "made").to_json()
    assert (plain["sources"], plain["status"], plain["message"]) == (
        ["a.xml", "--table"], "created", "made")
    assert "not_tried" not in plain and "no_answer" not in plain

    get, scan = Probe("dynamodb:GetItem"), Probe("dynamodb:Scan", "T-x")
    proven = TableResult(table, "failed", "cut short", untried=(Untried(scan, "stopped"),),
                         unanswered=(get, get)).to_json()
    assert proven["not_tried"] == ["dynamodb:Scan"]
    assert proven["no_answer"] == ["dynamodb:GetItem"]
    assert list(proven)[-2:] == ["not_tried", "no_answer"]
    assert TableResult(table, "ok", untried=()).to_json()["no_answer"] == []
