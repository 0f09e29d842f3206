"""Each command speaks its own words: the options its help names, what it says it did, the
rows and counts of each kind, near twins that are only the same table spelled otherwise.

An operator follows what a command prints: an option named in `verify --help` that
`verify` refuses, or a `verify` that says "Nothing was created", sends them the wrong way.
"""

from __future__ import annotations

import io
import re
import sys

import boto3
import click
import pytest
import typer.main
from inline_snapshot import snapshot
from rich.console import Console

from lease_tables.cli.app import app
from lease_tables.config.naming import LeaseTable
from lease_tables.model import spec
from lease_tables.model.outcome import TableResult
from lease_tables.model.probes import Ledger, Probe, not_tried, unanswered_sentence
from lease_tables.model.rows import ResourceRow
from lease_tables.render.display import print_summary
from lease_tables.render.report import tally
from tests.conftest import REGION, SAMPLE_CONF, aws_env, clean_env, run_cli
from tests.test_display import ANSI as ANSI_ANY
from tests.test_display import run_in_pty

COMMANDS = sorted(c.name or getattr(c.callback, "__name__", "")
                  for c in app.registered_commands)
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")
SPAN = re.compile(r"`([^`]*)`")


def options_of(command: str) -> set[str]:
    """Every option spelling `command` accepts, as click knows it (help included)."""
    group = typer.main.get_command(app)
    found = group.commands[command]  # type: ignore[attr-defined]
    params = found.get_params(click.Context(found))
    return {name for p in params for name in (*p.opts, *p.secondary_opts)
            if name.startswith("--")}


def unwrapped(help_text: str) -> str:
    """The help as one paragraph: click breaks lines at spaces and after hyphens
    (`--account-` / `id`), so a line ending in a hyphen joins the next one directly."""
    text = re.sub(r"-\n\s*", "-", help_text)
    return re.sub(r"\s+", " ", text)


def named_options(command: str, text: str) -> list[tuple[str, str]]:
    """(command, option) for every option the text names: an option inside a quoted
    command line (`lease-tables policy --role adapter`, `policy --role adapter`) is that
    command's; any other is `command`'s own."""
    named: list[tuple[str, str]] = []
    for span in SPAN.findall(text):
        words = span.split()
        if words and words[0] == "lease-tables":
            words = words[1:]
        owner = words[0] if words and words[0] in COMMANDS else command
        named += [(owner, option) for option in OPTION.findall(span)]
    named += [(command, option) for option in OPTION.findall(SPAN.sub(" ", text))]
    return named


def test_the_help_reader_finds_options_and_their_commands() -> None:
    text = unwrapped("A name is taken in --account-\n   id and `policy --role adapter`; "
                     "see `lease-tables create --dry-run`, --xy.")
    assert named_options("verify", text) == [("policy", "--role"), ("create", "--dry-run"),
                                             ("verify", "--account-id"), ("verify", "--xy")]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_a_command_s_help_names_exists_on_that_command(tmp_path,
                                                                    command: str) -> None:
    run = run_cli([command, "--help"], clean_env(tmp_path, COLUMNS="80"))
    assert run.code == 0, run
    text = unwrapped(run.stdout)
    named = named_options(command, text)
    assert named, text
    unknown = sorted({(owner, option) for owner, option in named
                      if option not in options_of(owner)})
    assert unknown == [], text


def test_without_credentials_verify_and_preflight_name_the_identity_each_needs(
        tmp_path) -> None:
    env = clean_env(tmp_path, AWS_DEFAULT_REGION=REGION)
    verify = run_cli(["verify", "--table", "leasesT", "--endpoint-url", "http://127.0.0.1:9"],
                     env)
    preflight = run_cli(["preflight", "--table", "leasesT",
                         "--endpoint-url", "http://127.0.0.1:9"], env)

    assert (verify.code, preflight.code) == (1, 1)
    assert one_line(verify.stderr) == snapshot(
        "error: No AWS credentials were found (environment variables, --profile, the shared "
        "credentials file, or an instance role). Run with --profile naming an identity that may "
        "describe the lease tables (the provisioner's, as `lease-tables policy --role "
        "provisioner` prints it), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Nothing was"
        " checked.")
    assert one_line(preflight.stderr) == snapshot(
        "error: No AWS credentials were found (environment variables, --profile, the shared "
        "credentials file, or an instance role). Run with --profile naming a profile that holds "
        "the adapter's own credentials (the identity the adapter runs as), or set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Nothing was called.")
    for words in (verify.stderr, preflight.stderr):
        assert "creat" not in words and "naming it" not in words


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_verify_of_a_wrongly_keyed_table_says_what_it_is_not_that_it_was_left(cli, moto) -> None:
    moto.client().create_table(
        TableName="leasesT", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")

    run = cli("verify", "--table", "leasesT", "--output", "json")

    assert run.code == 3, run
    (row,) = run.json()["tables"]
    assert row["status"] == "drift"
    assert row["message"] == snapshot(
        "leasesT in us-east-1 exists but its key is id (S, HASH); KCL needs leaseKey (S, HASH) "
        "and no sort key. KCL cannot use it, and DynamoDB can neither rename a table nor change "
        "its key: after checking that nothing else uses it (and keeping its items if they "
        "matter), delete it by hand, then run `lease-tables create`.")


@pytest.mark.parametrize("words", [
    spec.drift_message("T in r", "its key is id", checked_only=True),
    spec.missing_index_message("T in r", "3.0", checked_only=True),
    spec.index_drift_message("T in r", "its index has other keys", "3.0", checked_only=True),
])
def test_verify_s_drift_words_never_say_it_could_have_changed_the_table(words: str) -> None:
    assert "untouched" not in words and "Check with `lease-tables verify" not in words


def lease_table(moto, name: str) -> None:
    moto.client().create_table(
        TableName=name, KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")


def test_near_twins_are_the_same_table_spelled_otherwise_never_another_server_s(
        cli, moto) -> None:
    """`--host-name ris81`: the tables of ris80 and verintris are theirs; ris81 written in
    capitals, or fully qualified, is this adapter's table misspelt, each for its reason."""
    for name in ("verintAgentEvents_ris80.2", "verintAgentEvents_verintris.2",
                 "verintAgentEvents_RIS81.2", "verintAgentEvents_ris81.corp.local.2"):
        lease_table(moto, name)
    selection = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "ris81"]

    verify = cli("verify", *selection, "--output", "json")
    agent = next(t for t in verify.json()["tables"]
                 if t["table_name"] == "verintAgentEvents_ris81.2")
    assert agent["status"] == "missing"
    assert agent["message"] == snapshot(
        "verintAgentEvents_ris81.2 does not exist in us-east-1. Run `lease-tables create` with "
        "the same options to create it. Tables with near-identical names exist: "
        "verintAgentEvents_RIS81.2, verintAgentEvents_ris81.corp.local.2. The adapter will not "
        "use them: verintAgentEvents_RIS81.2 differs only in letter case, and table names are "
        "case-sensitive; verintAgentEvents_ris81.corp.local.2 writes the host as "
        "ris81.corp.local where the adapter's name has ris81, and the adapter uses its host "
        "name exactly as it is. Check the host name (--host-name) and the Application Name.")

    create = cli("create", *selection)
    assert create.code == 0, create
    assert "ris80" not in create.stderr and "_verintris" not in create.stderr
    warned = one_line(create.stderr)
    assert warned[warned.index("warning: "):] == snapshot(
        "warning: verintAgentEvents_ris81.2: tables with near-identical names exist: "
        "verintAgentEvents_RIS81.2, verintAgentEvents_ris81.corp.local.2 "
        "(verintAgentEvents_RIS81.2 differs only in letter case, and table names are "
        "case-sensitive; verintAgentEvents_ris81.corp.local.2 writes the host as "
        "ris81.corp.local where the adapter's name has ris81, and the adapter uses its host "
        "name exactly as it is); check which one the adapter really uses")


def test_consumer_rows_read_as_consumers_and_are_counted_apart_from_tables(cli, moto) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION, endpoint_url=moto.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    for stream in ("connect-ctr-stream", "connect-agent-events"):
        kinesis.create_stream(StreamName=stream, ShardCount=1)
    selection = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris",
                 "--enhanced-fan-out"]

    first = cli("create", *selection)
    again = cli("create", *selection)

    assert (first.code, again.code) == (0, 0), (first, again)
    consumers = [line for line in again.stdout.splitlines() if "stream-consumer" in line]
    assert [" ".join(line.split()[:3]) for line in consumers] == [
        "exists stream-consumer stream/connect-agent-events/consumer/"
        "verintAgentEvents_verintris.2",
        "exists stream-consumer stream/connect-ctr-stream/consumer/verintCTREvents"]
    assert first.stdout.splitlines()[-1] == snapshot(
        "create: 2 tables: 2 created; 2 consumers: 2 created. all fine (exit 0).")
    assert again.stdout.splitlines()[-1] == snapshot(
        "create: 2 tables: 2 exists; 2 consumers: 2 exists. all fine (exit 0).")
    listed = kinesis.list_stream_consumers(StreamARN=kinesis.describe_stream_summary(
        StreamName="connect-ctr-stream")["StreamDescriptionSummary"]["StreamARN"])
    assert [c["ConsumerName"] for c in listed["Consumers"]] == ["verintCTREvents"]


def test_a_tally_counts_each_kind_apart_tables_first() -> None:
    lease = LeaseTable("leasesT", REGION)
    companion = LeaseTable("leasesT-CoordinatorState", REGION, role="coordinator-state")
    consumer = ResourceRow("leasesT", REGION, role="stream-consumer",
                           resource="stream/s/consumer/leasesT")
    bucket = ResourceRow("b", REGION, role="bucket", resource="b")
    results = [TableResult(bucket, "missing"), TableResult(consumer, "ok"),
               TableResult(lease, "ok"), TableResult(companion, "denied")]
    assert tally(results, "preflight") == snapshot(
        "preflight: 2 tables: 1 denied, 1 ok; 1 consumer: 1 ok; 1 bucket: 1 missing")
    assert tally([], "verify") == "verify: 0 tables: "


ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG = "verintAgentEvents_" + "a-very-long-ris-host-name-that-goes-on" * 3 + ".2"  # > 80


def terminal_summary(results: list[TableResult]) -> str:
    """What `print_summary` writes on an 80-column colour terminal."""
    buffer = io.StringIO()
    out = Console(file=buffer, width=80, force_terminal=True, color_system="standard")
    print_summary(results, io.StringIO(), verb="create", out=out)
    return buffer.getvalue()


@pytest.mark.parametrize("name", [
    LONG, "verintAgentEvents_" + "x" * 50 + ".2", "verintAgentEvents_" + "y" * 56 + ".2"])
@pytest.mark.parametrize("role", ["lease", "coordinator-state"])
def test_a_terminal_summary_never_splits_a_table_name_at_80_columns(name: str,
                                                                    role: str) -> None:
    table = LeaseTable(name + ("-CoordinatorState" if role != "lease" else ""), REGION,
                       sources=["--table"], role=role)
    screen = ANSI.sub("", terminal_summary([TableResult(table, "created")]))
    assert any(table.table_name in line for line in screen.splitlines()), screen
    # Only a line that holds a name longer than the terminal is longer than the terminal
    # (the terminal wraps it softly: it copies as one line).
    assert all(len(line) <= 80 or table.table_name in line for line in screen.splitlines())
    assert REGION in screen and "given with --table" in screen


def test_the_what_to_do_of_a_row_is_not_dim() -> None:
    advice = "delete it by hand, then rerun `lease-tables create`"
    drift = TableResult(LeaseTable("leasesT", REGION, sources=["--table"]), "drift",
                        f"leasesT in {REGION} exists but its key is id. {advice}.")
    screen = terminal_summary([drift])
    styles_before = {m.group(0) for m in ANSI.finditer(screen[:screen.index("delete it")])}
    last = list(ANSI.finditer(screen[:screen.index("delete it")]))[-1].group(0)
    assert "\x1b[2m" in styles_before  # the facts are dim ...
    assert last == "\x1b[0m", repr(screen)  # ... the advice is not


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")
def test_on_a_terminal_a_warning_is_shown_once(moto, tmp_path) -> None:
    """The near-twin warning is in its row; stdout and stderr share the screen, so stderr
    does not repeat it there (a pipe or a log still gets its `warning:` line)."""
    lease_table(moto, "verintAgentEvents_VERINTRIS.2")
    env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, TERM="xterm-256color")
    args = ["create", "--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris",
            "--endpoint-url", moto.url]

    code, screen = run_in_pty(args, env)

    assert code == 0, screen
    plain = " ".join(ANSI_ANY.sub("", screen).split())
    assert plain.count("near-identical") == 1, plain
    moto.reset()
    lease_table(moto, "verintAgentEvents_VERINTRIS.2")
    piped = run_cli(args, env)
    warned = one_line(piped.stderr)
    assert "warning: verintAgentEvents_verintris.2:" in warned
    assert "_verintris.2: a table with a" in warned and "a table with a near-identical" in warned


def test_a_ledger_tells_the_probes_sent_and_unanswered_from_the_untried() -> None:
    describe, get, put = (Probe(f"dynamodb:{a}") for a in ("DescribeTable", "GetItem",
                                                            "PutItem"))
    ledger = Ledger([describe, get, put])
    ledger.ran(describe)
    ledger.answered(describe)
    ledger.ran(get)  # sent; the run ended before its answer
    ledger.stop("the run had no answer within 2 s (--timeout)", "rerun")

    assert ledger.unanswered() == (get,)
    assert not_tried(ledger.untried()) == ["dynamodb:PutItem"]
    assert unanswered_sentence(ledger.unanswered()) == snapshot(
        "Sent, with no answer before the run ended: dynamodb:GetItem, so it is not proven.")
