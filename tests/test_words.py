"""Words: what the tool and its docs say is whole, true and said once.

No doubled punctuation ("?. See", "- .."), no wrapper's words ("Value error,", "Note:
warning:"), whole sentences in the main --help, companion tables not counted as lease
tables, and the documentation's samples and docs/architecture.md that match what the code
does now.
"""

from __future__ import annotations

import re
import socket

import pytest
from inline_snapshot import snapshot

from lease_tables.config.naming import LeaseTable
from lease_tables.model import kcl
from lease_tables.model.outcome import OK, TableResult
from lease_tables.preflight.run import PreflightRun, verdict
from lease_tables.preflight.tables import Findings, denied_message, judge
from tests.conftest import REGION, ROOT, aws_env, clean_env, run_cli

DOCS = ROOT / "docs"
QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'|`[^`]*`')


def prose(text: str) -> str:
    """Our words only: quoted values (which may hold anything) taken out."""
    return QUOTED.sub('""', text)


def assert_well_punctuated(text: str) -> None:
    words = prose(text)
    for bad in ("..", "?.", "!.", ":.", ". .", ",.", "Value error", "Note: warning:"):
        assert bad not in words, (bad, text)


@pytest.mark.parametrize("args", [
    ["creat"], ["create", "--output", "yaml"], ["template", "--format", "yaml", "--table", "t1t"],
    ["create", "--table", "a b c", "--dry-run"], ["create", "--bogus"],
    ["create", "--timeout", "x"], ["verify", "--concurrency", "0"],
    ["name", "--kind", "agent", "--application-name", "a"],
    ["create", "--dry-run", "--table", "abc", "--region", "us_east_1"],
    ["create", "--dry-run", "--table", "abc", "--region", REGION, "--tag", "a=[b]"],
    ["create", "--dry-run", "--table", "abc", "--region", REGION, "--billing-mode",
     "on-demand", "--write-capacity", "3"],
])
def test_error_messages_are_whole_sentences(tmp_path, args) -> None:
    run = run_cli(args, clean_env(tmp_path))
    assert run.code == 2
    assert run.stderr.startswith("error: ")
    assert_well_punctuated(run.stderr)


def test_a_suggestion_is_not_followed_by_a_stray_full_stop(tmp_path) -> None:
    run = run_cli(["creat"], clean_env(tmp_path))
    assert [line for line in run.stderr.splitlines() if "Did you mean" in line] == snapshot([
        "error: No such command 'creat'. Did you mean 'create'? See `lease-tables --help`.",
    ])


def test_a_bad_choice_says_what_the_choices_are_without_wrapping(tmp_path) -> None:
    run = run_cli(["create", "--output", "yaml"], clean_env(tmp_path))
    assert [line for line in run.stderr.splitlines() if "'yaml'" in line] == snapshot([
        "error: Invalid value for '--output': 'yaml' is not one of 'text', 'json'. See "
        "`lease-tables create --help`.",
    ])


def test_a_probe_note_and_a_warning_read_as_sentences() -> None:
    findings = Findings(LeaseTable("leasesT", REGION), broken="DescribeTable failed.",
                        warnings=["the table has 5 RCU."], notes=["CreateTable was not tried."])
    message = judge(findings).message
    assert "Warning: the table has 5 RCU." in message
    assert "Note: CreateTable was not tried." in message
    assert_well_punctuated(message)


@pytest.mark.parametrize(("leases", "version", "expected"), [
    (1, "2", "can use the lease table t1 and cannot"),
    (2, "2", "can use both lease tables and cannot"),
    (1, "3.0", "can use the lease table t1 and its 2 companion tables and cannot"),
    (2, "3.1", "can use both lease tables and their 4 companion tables and cannot"),
    (3, "3.0", "can use all 3 lease tables and their 6 companion tables and cannot"),
])
def test_preflight_counts_lease_tables_and_companions_apart(leases, version, expected) -> None:
    tables = kcl.expand([LeaseTable(f"t{i}", REGION) for i in range(1, leases + 1)],
                        kcl.layout_for(version))
    assert expected in verdict(PreflightRun([TableResult(t, OK) for t in tables]))


def test_a_failed_preflight_counts_companions_apart() -> None:
    tables = kcl.expand([LeaseTable("t1", REGION)], kcl.layout_for("3.0"))
    results = [TableResult(tables[0], "missing", "gone"),
               *(TableResult(t, OK) for t in tables[1:])]
    assert verdict(PreflightRun(results)) == snapshot(
        "PREFLIGHT FAILED: the identity in use cannot use 1 of 3 tables (1 lease table, 2 "
        "companion tables) (1 missing); do not restart the adapter until preflight passes (exit "
        "3).")


@pytest.mark.parametrize("columns", ["80", "200", "60"])
def test_every_command_summary_in_the_main_help_is_a_whole_sentence(tmp_path, columns) -> None:
    run = run_cli(["--help"], clean_env(tmp_path, COLUMNS=columns))
    commands = run.stdout.split("Commands:", 1)[1]
    summaries: dict[str, str] = {}
    current = None
    for text in commands.splitlines():
        match = re.match(r"^  (\S+)\s+(.*)$", text)
        if match:
            current = match.group(1)
            summaries[current] = match.group(2)
        elif current and text.strip():
            summaries[current] += " " + text.strip()
    assert set(summaries) == {"create", "verify", "preflight", "name", "policy", "template",
                              "diagnose"}
    for command, summary in summaries.items():
        assert summary.endswith(".") and not summary.endswith("..."), (command, summary)
        assert summary[0].isupper(), (command, summary)


# --------------------------------------------------------------------------- the docs pages


def test_the_exit_code_table_names_preflights_statuses() -> None:
    page = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| 3 |"))
    for word in ("drift", "verify", "preflight", "`denied`", "`missing`"):
        assert word in row, row


def test_the_json_field_list_names_every_field() -> None:
    section = (DOCS / "json.md").read_text(encoding="utf-8").split("## Fields", 1)[1]
    fields = TableResult(LeaseTable("t1", REGION), OK).to_json()
    for name in fields:
        assert f"| `{name}` |" in section, name


def test_the_preflight_samples_print_what_the_code_prints() -> None:
    """The recorded `denied` rows are the message the code builds for that finding."""
    for name in ("verintAgentEvents_verintris.2", "verintCTREvents"):
        findings = Findings(LeaseTable(name, REGION), refused={"Scan": "AccessDenied"})
        assert f"-- {denied_message(findings)}" in (DOCS / "preflight.md").read_text(
            encoding="utf-8"), name


def test_the_never_answers_row_quotes_the_code(tmp_path) -> None:
    """What `create` and `verify` print for an endpoint that accepts and never answers (a
    real silent socket), with the documented default timeouts put in: the row of the errors
    page quotes it."""
    page = (DOCS / "errors.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if "never answers |" in line)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        for command, default in (("create", 300), ("verify", 60)):
            run = run_cli([command, "--table", "leaseX", "--region", "us-east-1", "--endpoint-url",
                           endpoint, "--timeout", "2", "--output", "json"],
                          aws_env(tmp_path), timeout=60)
            message = run.json()["tables"][0]["message"]
            said = message.replace(endpoint, "<endpoint>").replace("leaseX", "X").replace(
                "within 2 s", f"within {default} s").split(" Check")[0]
            said = said.removeprefix("DescribeTable of X in us-east-1 ").rstrip(".")
            assert said in row, (command, said)
    finally:
        silent.close()


def test_an_sdk_sentence_inside_ours_keeps_one_full_stop() -> None:
    """botocore's messages end in a full stop; ours must not add a second one."""
    from botocore import exceptions as bex

    from lease_tables.aws.failures import classify

    for exc in (bex.ParamValidationError(report="Invalid length for parameter TableName."),
                bex.InvalidMaxRetryAttemptsError(provided_max_attempts=0, min_value=1)):
        message = classify(exc, table="leasesT", region=REGION, action="CreateTable",
                           endpoint="http://127.0.0.1:9").message
        assert_well_punctuated(message)
