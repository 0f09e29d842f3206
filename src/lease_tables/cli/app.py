"""The command line: options in, steps called, results and exit codes out.

Each command is a few lines over the library (the sqlite-utils habit): its
options (declared once, in `options` and `footprint_options`) become the
library's records, the library does the work and words the results, and this
module prints them and ends the run. AWS modules are imported inside the
commands that call AWS, so `--dry-run`, `name`, `policy` and `template` start
without loading boto3.
"""

import contextlib
import functools
import itertools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO, TypeVar, cast

import typer

from lease_tables.cli import options, signals, stdio
from lease_tables.cli.diagnose import diagnose
from lease_tables.cli.footprint_options import FootprintArgs, StreamArgs, optional_values
from lease_tables.config.naming import LeaseTable, name_from_options, require_regions
from lease_tables.config.selection import Selection, select
from lease_tables.core.errors import EXIT_AWS, EXIT_INPUT, InputError, LeaseTablesError
from lease_tables.core.printable import line
from lease_tables.model.consumers import UNKNOWN_ACCOUNT, Consumer
from lease_tables.model.kcl import Layout, expand, layout_for, require_index, require_migration
from lease_tables.model.outcome import PLANNED, Progress, TableResult, exit_code, sort_results
from lease_tables.model.spec import make_options, parse_tags
from lease_tables.render.report import Extra, dry_run_plans, emit, endpoint_note, tally

if TYPE_CHECKING:
    from lease_tables.aws.bounded import LongRun
    from lease_tables.aws.clients import Clients

L = TypeVar("L", bound="LongRun")
# A `runs` class, its own fields given (`functools.partial`): `_bounded` passes what every
# run gets, in `runs.AwsRun`'s order (its AWS set-up, tables, KCL, bounds, display).
RunMaker = Callable[[Callable[[float], "Clients"], Sequence[LeaseTable], Layout, str, float,
                     int, Progress], L]

app = typer.Typer(
    name="lease-tables",
    help=(
        "Create the DynamoDB lease tables that the Recorder Integration Service's Amazon "
        "adapters (Kinesis Client Library) need, before they start, so that "
        "dynamodb:CreateTable can stay denied to the adapters."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["--help", "-h"]},
)


def say(message: str) -> None:
    """A message on stderr: one line for logs and scripts, word-wrapped for a person.

    Every message passes `printable.line` (escaped, redacted, one line) on its way
    out. Our messages are one paragraph; a terminal (an 80-column RDP console, say)
    would otherwise break them mid-word.
    """
    print(fit_terminal(line(message), sys.stderr), file=sys.stderr, flush=True)


def fit_terminal(text: str, stream: TextIO) -> str:
    """Word-wrapped to the terminal's width when a person reads `stream`; as is otherwise."""
    if not stream.isatty():
        return text
    import shutil
    import textwrap

    width = max(40, shutil.get_terminal_size((80, 24)).columns - 1)
    return textwrap.fill(text, width=width, break_on_hyphens=False, break_long_words=False,
                         subsequent_indent="  ")


def command(**settings: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A command of the app, given its option groups spread into their options (`with_groups`)."""
    return lambda function: app.command(**settings)(options.with_groups(function))


# Each command's line in the main --help is its `short_help`, a whole sentence: click
# would otherwise cut the docstring's first sentence to the column width, mid-word.


def _consumers(streams: StreamArgs, tables: "Sequence[LeaseTable]",
               region: str | None) -> "list[Consumer]":
    """The stream consumers the selection needs: none without --enhanced-fan-out. The
    footprint of the commands that take no --account-id: names stay names (Kinesis is
    asked by name in the caller's account)."""
    if not streams.enhanced_fan_out:
        return []
    from lease_tables.model.footprint import consumers, resolve

    return consumers(resolve(streams.options(), tables, UNKNOWN_ACCOUNT, region), tables)


def _selection(chosen: options.SelectionArgs, region: str | None, profile: str | None,
               quiet: bool = False, layout: "Layout | None" = None) -> "list[LeaseTable]":
    """The lease tables of the selection; with a KCL `layout`, each followed by the
    companion tables that layout needs."""
    derivation = select(Selection(
        conf_dirs=tuple(chosen.conf_dir or ()), tables=tuple(chosen.table or ()),
        host_name=chosen.host_name, region=region, profile=profile))
    for warning in () if quiet else derivation.warnings:
        say(f"warning: {warning}")
    if layout is not None and layout.companions:  # KCL 2 adds nothing to expand
        return expand(derivation.tables, layout)
    return list(derivation.tables)


class Stop(Exception):
    """A run that Ctrl+C ended early: its true message and whatever results it had."""

    def __init__(self, message: str, code: int, results: "Sequence[TableResult]" = ()) -> None:
        super().__init__(message)
        self.code = code
        self.results = list(results)


def _finish(results: "Sequence[TableResult]", run: options.RunArgs, verb: str, extra: "Extra" = "",
            closing: str | None = None) -> NoReturn:
    """Print results; `extra` is appended to each table's line (or, a dict, the phrase
    of its role); `closing` is a last line instead of the summary (stderr with JSON)."""
    from lease_tables.model.outcome import needs_attention

    results = sort_results(results)
    _did(tally(results, verb))
    endpoints = [e for clients in _CLIENTS for e in clients.custom_endpoints()]
    # Named once: by a row's message (a failure names where it failed), else by a note.
    unnamed = [e for e in endpoints if not any(e in r.message for r in results)]
    if (note := endpoint_note(unnamed)) and not (run.quiet and run.output == "text"):
        say(note)
    # A warning is part of its row's message; stderr repeats it for logs and pipes, but not
    # where stdout's rows and stderr share one screen: there it would be read twice.
    one_screen = run.output == "text" and sys.stdout.isatty() and sys.stderr.isatty()
    for result in [] if run.quiet or one_screen else results:
        for warning in result.warnings:
            say(f"warning: {result.table.table_name}: {warning}")
    if run.output == "text" and not run.quiet and sys.stdout.isatty():
        from lease_tables.render.display import is_terminal, print_summary

        if is_terminal(sys.stdout):  # a person reads it: columns and colour
            print_summary(results, sys.stdout, verb=verb, extra=extra)
            if closing:
                typer.echo(fit_terminal(line(closing), sys.stdout))
            raise typer.Exit(exit_code(results))
    emit(results, run.output, verb=verb, extra=extra, quiet=run.quiet, closing=closing,
         endpoint="; ".join(endpoints) or None)
    if run.output == "json":
        for result in needs_attention(results):
            say(f"{result.status}: {result.table.table_name}: {result.message}")
        if closing:
            say(closing)
    raise typer.Exit(exit_code(results))


def _check_endpoint(endpoint_url: str | None) -> None:
    """A malformed --endpoint-url is bad input, found before any call (a dry run too)."""
    if endpoint_url is not None:
        from lease_tables.aws.clients import endpoint_problem

        if problem := endpoint_problem(endpoint_url):
            raise InputError(problem)


def _aws(tables: "Sequence[LeaseTable]", profile: str | None, endpoint_url: str | None,
         run: options.RunArgs, timeout: float,
         check: "Callable[[Clients], None] | None" = None,
         deadline: float | None = None) -> "Clients":
    """The one AWS set-up of every command that calls AWS: options and regions checked
    before any call, credentials usable (checked with `check`, whose message suits the
    command), clients made."""
    from lease_tables.aws.clients import Clients, enable_debug_logging

    _check_endpoint(endpoint_url)
    # The session first: an unknown profile or a malformed setting is named as such, not
    # as the "no region" it leads to.
    clients = Clients(profile=profile, endpoint_url=endpoint_url, pool_size=run.concurrency,
                      timeout=timeout, helper_deadline=deadline)
    _CLIENTS.append(clients)  # its endpoints are named when the results are
    require_regions(tables)
    clients.prepare(t.region or "" for t in tables)
    (check or Clients.check_credentials)(clients)
    if run.verbose:
        enable_debug_logging(clients)
    return clients


def _bounded(make: "RunMaker[L]", tables: "Sequence[LeaseTable]", layout: Layout, kcl: str,
             aws: options.AwsArgs, run: options.RunArgs, timeout: float,
             check: "Callable[[Clients], None] | None", rows: "Sequence[LeaseTable]" = (),
             ) -> "tuple[L, list[TableResult]]":
    """The run `make` builds, its AWS work done within --timeout and Ctrl+C/SIGTERM: the
    run and its results, or the rows it had when cut short.

    `make` (a `runs` class, its own fields given by `functools.partial`) gets what every
    run gets: its AWS set-up (`_aws` with `check`), its tables, KCL, bounds and display.
    While it works, a live display of `rows` (the tables unless given) is on stderr
    when a person watches (not with --quiet or --verbose). The
    run's `work` gets the run's deadline (a `time.monotonic()` value): --timeout
    counts from here, and the work gets only the short grace of `bounded.GRACE` past
    it. On timeout, its `snapshot(None)` gives each row as it stood (the unfinished
    ones failed, in true words). On Ctrl+C or SIGTERM, a `Stop` carries the run's own
    `summary()` of what it had done and its `snapshot(cause)`, the unfinished rows
    named as interrupted by `cause`.
    """
    import time

    from lease_tables.aws.bounded import TimedOut, run_bounded
    from lease_tables.render.display import live_progress

    connect = functools.partial(_aws, tables, aws.profile, aws.endpoint_url, run, timeout, check)
    with live_progress(rows or tables, sys.stderr, enabled=not (run.quiet or run.verbose)) as shown:
        long_run = make(connect, tables, layout, kcl.strip(), timeout, run.concurrency,
                        shown or Progress())
        deadline = time.monotonic() + timeout
        try:
            return long_run, run_bounded(lambda: long_run.work(deadline), timeout,
                                         long_run.stop)
        except TimedOut:
            return long_run, long_run.snapshot(None)
        except KeyboardInterrupt as exc:
            signal = signals.which(exc)
            raise Stop(f"interrupted by {signal.cause}: {long_run.summary()}.",
                       signal.exit_code, long_run.snapshot(signal.cause)) from None


# The run's AWS clients, once made: `_finish` names the endpoints that are not AWS's own.
_CLIENTS: "list[Clients]" = []
# What the run had done once its work was over (`create: 2 tables: 2 created`), for
# an ending that cannot show its results (stdout lost, Ctrl+C while printing them).
_DONE: str | None = None
NO_CHANGE = "it made no AWS call and changed nothing"


def _did(done: str) -> None:
    global _DONE
    _DONE = done


@app.callback()
def _root(version: options.VersionOpt = False) -> None:
    """Create, verify and describe KCL lease tables for RIS Amazon adapters."""


@command(short_help="Create the absent lease tables; leave existing ones as they are.")
def create(
    *,
    aws: options.AwsArgs,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run",
            metavar="", help="Show what would be created; no AWS call, no credentials.")] = False,
    billing_mode: options.BillingOpt = "provisioned",
    read_capacity: options.ReadCapacityOpt = None,
    write_capacity: options.WriteCapacityOpt = None,
    tag: options.TagOpt = None,
    deletion_protection: Annotated[bool, options.deletion_protection_option(
        "Deletion protection on new tables.")] = True,
    add_index: Annotated[bool, typer.Option(
        "--add-index", metavar="",
        help="KCL 3: add the LeaseOwnerToLeaseKeyIndex index (UpdateTable, the table's "
             "current capacity) to existing lease tables that lack it, and wait for it. "
             "The only change made to an existing table; without it such a table is drift.")
    ] = False,
    wait: Annotated[bool, typer.Option(
        "--wait/--no-wait", metavar="", help="Return only when every table is ACTIVE.")] = True,
    timeout: options.TimeoutOpt = 300,
    run: options.RunArgs,
    kcl: options.KclOpt = "2",
    streams: StreamArgs,
) -> None:
    """Create every lease table that is absent; leave existing ones exactly as they are."""
    layout = layout_for(kcl)
    if add_index:
        require_index(layout, kcl)
    table_options = make_options(billing_mode, read_capacity, write_capacity,
                                 deletion_protection, tag or ())
    tables = _selection(aws, aws.region, aws.profile, run.quiet, layout=layout)
    consumers = _consumers(streams, tables, aws.region)
    if streams.stream and not streams.enhanced_fan_out:
        # Polling needs nothing made on the stream: say so rather than ignore --stream.
        say("note: --stream only matters to `create` with --enhanced-fan-out, which "
            "registers each stream's consumer for KCL's default retrieval; for polling "
            "there is nothing to create on a stream, so " + ", ".join(streams.stream)
            + " was not touched. Add --enhanced-fan-out if the adapter keeps KCL's default "
              "retrieval.")
    if dry_run:
        _check_endpoint(aws.endpoint_url)
        results = [TableResult(t, PLANNED) for t in [*tables, *(c.row() for c in consumers)]]
        _finish(results, run, "dry run, nothing created",
                extra=dry_run_plans(layout.plans(table_options), add_index, bool(consumers)))
    from lease_tables.cli.runs import CreateRun

    create_run = functools.partial(CreateRun, consumers=consumers, options=table_options,
                                   wait=wait, add_index=add_index)
    _, results = _bounded(create_run, tables, layout, kcl, aws, run, timeout, None)
    _finish(results, run, "create")


@command(short_help="Check that every table exists, is ACTIVE and has the right key.")
def verify(
    *,
    aws: options.AwsArgs,
    billing_mode: Annotated[options.Billing, options.billing_option(
        "Capacity mode the tables were created with (another one is a warning).")
    ] = "provisioned",
    read_capacity: options.ReadCapacityOpt = None,
    write_capacity: options.WriteCapacityOpt = None,
    timeout: options.TimeoutOpt = 60,
    run: options.RunArgs,
    kcl: options.KclOpt = "2",
    streams: StreamArgs,
) -> None:
    """Check that every lease table exists, is ACTIVE and has the key KCL needs."""
    from lease_tables.cli.runs import VerifyRun
    from lease_tables.verify import require_credentials

    layout = layout_for(kcl)
    table_options = make_options(billing_mode, read_capacity, write_capacity)
    tables = _selection(aws, aws.region, aws.profile, run.quiet, layout=layout)
    consumers = _consumers(streams, tables, aws.region)
    verify_run = functools.partial(VerifyRun, consumers=consumers, options=table_options)
    _, results = _bounded(verify_run, tables, layout, kcl, aws, run, timeout, require_credentials,
                          rows=[*tables, *(c.row() for c in consumers)])
    _finish(results, run, "verify")


@command(
    short_help="Prove the adapter can use its tables but cannot create any.",
    help=("Prove with the adapter's own credentials (--profile), writing nothing, that it can "
          "use every lease table and cannot create tables, and read the streams its "
          "IntegrationService.xml names (polling; with --enhanced-fan-out its consumers "
          "too)."))
def preflight(
    *,
    aws: options.AwsArgs,
    timeout: options.TimeoutOpt = 60,
    run: options.RunArgs,
    kcl: options.KclOpt = "2",
    footprint: FootprintArgs,
    simulate: Annotated[bool, typer.Option(
        "--simulate", metavar="",
        help="Ask IAM's policy simulator (iam:SimulatePrincipalPolicy) about the actions "
             "preflight never calls (they would write), where this identity may.")] = False,
) -> None:
    """The adapter's identity's view of its tables; help text is in the decorator."""
    from lease_tables.cli.runs import PreflightProbes
    from lease_tables.model.footprint import resolve
    from lease_tables.preflight.run import PreflightRun, footprint_verdict, require_credentials

    layout = layout_for(kcl)
    tables = _selection(aws, aws.region, aws.profile, run.quiet, layout=layout)
    # What the adapters' files name (their streams) is probed with no option, as if
    # given with one: an adapter that cannot read its stream cannot start.
    # (No --account-id: names stay names, asked by name in the caller's account.)
    found = resolve(footprint.options(), tables, UNKNOWN_ACCOUNT, aws.region)
    probe_run = functools.partial(PreflightProbes, found=found, simulate=simulate)
    probes, results = _bounded(probe_run, tables, layout, kcl, aws, run, timeout,
                               require_credentials)
    probed = PreflightRun(results, probes.identity)
    _finish(probed.results, run, "preflight", closing=footprint_verdict(probed, aws.profile))


@command(short_help="Print the derived table names, one a line; no XML needed.")
def name(
    kind: Annotated[options.Kind, typer.Option("--kind", case_sensitive=False,
                                       metavar="connect|agent-events",
                                       help="Adapter kind.")],
    application_name: Annotated[str, typer.Option(
        "--application-name", metavar="NAME", help="The adapter's Application Name.")],
    host_name: Annotated[str | None, typer.Option(
        "--host-name", metavar="H",
        help="RIS host name (agent-events). Default: this machine's name.")] = None,
    adapter_id: Annotated[str | None, typer.Option(
        "--adapter-id", metavar="N", help="Adapter ID (agent-events).")] = None,
    kcl: options.KclOpt = "2",
) -> None:
    """Print the derived table names (KCL 3.0-3.4: three), one a line; no XML needed."""
    _did(NO_CHANGE)
    layout = layout_for(kcl)
    derived, warnings = name_from_options(kind, application_name, host_name,
                                          adapter_id, os.environ.get("COMPUTERNAME"))
    for warning in warnings:
        say(f"warning: {warning}")
    for each in expand([LeaseTable(derived, None)], layout):
        typer.echo(each.table_name)


@command(short_help="Print the IAM policy (JSON) of the adapters or the provisioner.")
def policy(
    *,
    selection: options.SelectionArgs,
    account_id: Annotated[str | None, typer.Option(
        "--account-id", metavar="ID",
        help="The 12-digit AWS account that holds the lease tables (required).")] = None,
    region: options.RegionOpt = None,
    profile: options.ProfileOpt = None,
    role: Annotated[options.Role, typer.Option(
        "--role", case_sensitive=False, metavar="adapter|provisioner",
        help="adapter: what the adapters need, CreateTable denied. provisioner: what "
             "`lease-tables create` (and `verify`) need.")] = "adapter",
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", metavar="KEY=VALUE",
        help="Tags `create` will be given (provisioner: adds dynamodb:TagResource); "
             "repeatable.")] = None,
    kcl: options.KclOpt = "2",
    migrating: Annotated[bool, typer.Option(
        "--migrating", metavar="",
        help="KCL 3.5+ adapter upgraded from KCL 3.0-3.4: also the old companion tables' "
             "full permissions, which it uses until KCL's migration reaches COMPLETE.")
    ] = False,
    lease_tables_only: Annotated[bool, typer.Option(
        "--lease-tables-only", metavar="",
        help="The lease-table policy alone: leave out the streams (and Connect instance) "
             "the adapters' IntegrationService.xml files name, which are in by default.")
    ] = False,
    footprint: FootprintArgs,
) -> None:
    """Print the IAM policy (JSON) for the adapters or for the provisioner; no AWS call.

    The adapter's policy covers what its files name (their streams) with no option;
    each footprint option adds a resource, and `--lease-tables-only` prints the
    lease-table statements alone.
    """
    from lease_tables.render.policy import option_warnings, policy_documents, render_documents

    _did(NO_CHANGE)
    layout = layout_for(kcl)
    if migrating:
        require_migration(layout, kcl)
    tags = parse_tags(tag or ())
    # Each ARN in its table's own region: the adapter's Region setting, else
    # --region, else the AWS default (the same rule as every command's).
    chosen = footprint.options()
    if lease_tables_only and chosen.given:
        raise InputError(
            "--lease-tables-only prints the lease-table policy alone, so it takes no "
            "footprint option (--stream, --enhanced-fan-out, --bucket, --kms-key, "
            "--video-stream, --connect-instance, --cloudwatch-logs). Drop one or the other.")
    tables = _selection(selection, region, profile)
    documents, notes, warnings = policy_documents(
        role, tables, account_id or "", chosen, tags=bool(tags),
        layout=layout, region_option=region, migrating=migrating,
        lease_tables_only=lease_tables_only)
    for said in [*(f"warning: {w}" for w in option_warnings(role, bool(tags), migrating)),
                 *(f"note: {n}" for n in notes), *(f"warning: {w}" for w in warnings)]:
        say(said)
    typer.echo(render_documents(documents), nl=False)


@command(short_help="Print the tables as CloudFormation (YAML) or Terraform (JSON).")
def template(
    *,
    selection: options.SelectionArgs,
    output_format: Annotated[options.Format | None, typer.Option(
        "--format", case_sensitive=False, metavar="cloudformation|terraform",
        help="cloudformation (a YAML template) or terraform (main.tf.json); required.")
    ] = None,
    region: options.RegionOpt = None,
    profile: options.ProfileOpt = None,
    billing_mode: Annotated[options.Billing, options.billing_option(
        "Capacity mode of the tables.")] = "provisioned",
    read_capacity: options.ReadCapacityOpt = None,
    write_capacity: options.WriteCapacityOpt = None,
    tag: options.TagOpt = None,
    deletion_protection: Annotated[bool, options.deletion_protection_option(
        "Deletion protection on the tables (they are retained on stack or resource "
        "deletion either way).")] = True,
    kcl: options.KclOpt = "2",
    with_policy: Annotated[bool, typer.Option(
        "--with-policy", metavar="",
        help="Also declare the adapter's IAM policy (what `policy --role adapter` prints, "
             "with the same options) as a managed policy, its ARNs in the account, region "
             "and partition the stack is deployed in.")] = False,
    account_id: Annotated[str | None, typer.Option(
        "--account-id", metavar="ID", hidden=True,
        help="Not needed: the template's ARNs name the account it is deployed in.")] = None,
    footprint: FootprintArgs,
) -> None:
    """Print the tables as CloudFormation (YAML) or Terraform (JSON); no AWS call."""
    from lease_tables.render.template import NO_EXTRAS, extras_notes, notes, render, template_extras

    _did(NO_CHANGE)
    layout = layout_for(kcl)
    if output_format is None:
        raise InputError("--format is required: cloudformation (a YAML template, e.g. for "
                         "StackSets) or terraform (save the output as main.tf.json).")
    table_options = make_options(billing_mode, read_capacity, write_capacity,
                                 deletion_protection, tag or ())
    tables = _selection(selection, region, profile)
    wanted = footprint.options()
    extras, said = NO_EXTRAS, list[str]()
    if with_policy or wanted.given:
        extras, said = template_extras(tables, wanted, with_policy, layout, region)
    if account_id is not None:
        said.append("--account-id is not needed by `template`: its ARNs name the account, "
                    "region and partition the stack is deployed in (AWS::AccountId, "
                    "AWS::Region, AWS::Partition; Terraform's aws_caller_identity, aws_region "
                    "and aws_partition), so one template serves every account of a StackSet.")
    text = render(output_format, tables, table_options, layout, extras)
    for note in [*said, *notes(output_format, tables, text, layout, extras),
                 *extras_notes(wanted, with_policy)]:
        say(f"note: {note}")
    typer.echo(text, nl=False)


command(name="diagnose",
        short_help="Read the adapter's log: why KCL did not start, and the fix.")(diagnose)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry: one paragraph and the right exit code, whatever happens.

    The one place that turns every way a run can end (results, our errors,
    usage errors, Ctrl+C, a bug) into stderr text, the JSON object scripts
    parse (`--output json` always gets exactly one), and the exit code.
    """
    stdio.install()  # every write from here on: see stdio.py
    signals.install()  # SIGTERM as Ctrl+C: see signals.py
    utf8_output()
    code = run(list(sys.argv[1:] if argv is None else argv))
    sys.stdout.flush()
    if lost := stdio.stdout_lost():
        code = max(code, EXIT_AWS)
        done = f" The run itself had finished: {_DONE}." if _DONE else ""
        say(f"error: the output on stdout could not be written ({lost}), so it is missing "
            f"or incomplete.{done} Send stdout where it can be written (a file on a disk "
            f"with room, a terminal, a reader that reads to the end) to see it.")
    sys.stderr.flush()
    if helpers := sys.modules.get("lease_tables.aws.credential_helpers"):
        # A credential_process never outlives the run.
        helpers.end_all()
    if threading.active_count() > 1 or signals.received():
        # A run cut short leaves worker threads in network calls (daemons, whose pools
        # the interpreter would still join at exit); waiting for them would undo
        # --timeout's bound, and a second signal during the interpreter's shutdown
        # would end it by that signal instead of the code. Output is flushed.
        os._exit(code)
    sys.exit(code)


def run(args: list[str]) -> int:
    """Run one command line; return its exit code (never raises, never prints a traceback)."""
    args = optional_values(args)
    as_json = wants_json(args)
    # typer re-exports its click's exceptions (a vendored click in recent typer,
    # click itself in older ones): find them through typer, whichever it is.
    usage_error = cast("type[Exception]", next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"))
    try:
        result = typer.main.get_command(app).main(args=args, standalone_mode=False)
        return result if isinstance(result, int) else 0
    except Stop as exc:
        return _fail(str(exc), exc.code, as_json, exc.results, prefix="")
    except LeaseTablesError as exc:
        return _fail(str(exc), exc.exit_code, as_json)
    except (KeyboardInterrupt, typer.Abort) as exc:
        signal = signals.which(exc)
        # Once the work was over (_DONE), only its printing was cut short.
        what = (f"while its results were printed; the run had finished ({_DONE})" if _DONE
                else "before any AWS call; nothing was changed")
        return _fail(f"interrupted by {signal.cause} {what}. Rerunning the same command is "
                     f"safe.", signal.exit_code, as_json, prefix="")
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except usage_error as exc:
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else "lease-tables"
        if type(exc).__name__ == "NoArgsIsHelpError":  # no arguments: the help is the answer
            typer.echo(exc.format_message())  # type: ignore[attr-defined]
            return EXIT_INPUT
        return _fail(f"{usage_message(exc)} See `{command} --help`.", EXIT_INPUT,
                     as_json)
    except Exception as exc:  # a bug of ours: still one paragraph, no traceback
        return _fail(f"lease-tables hit an unexpected internal error ({type(exc).__name__}: "
                     f"{exc}). Nothing beyond what was reported was changed; rerunning is "
                     f"safe. Please report this with the command you ran.", EXIT_AWS, as_json)


def usage_message(exc: Exception) -> str:
    """click's words for a usage error, without the validator's wrapping, as one
    sentence: a full stop added only where none ends it ("?" included).

    typer validates some values (choices) through pydantic, whose message carries
    its own prefix ("Value error, 'yaml' is not one of ..."); the original
    error, which pydantic keeps in the error's context, has the plain words.
    """
    text = str(exc.format_message()).strip()  # type: ignore[attr-defined]
    errors = getattr(exc.__cause__, "errors", None)
    with contextlib.suppress(IndexError, TypeError):  # no validator's error behind it
        first = errors()[0] if callable(errors) else {}
        original = (first.get("ctx") or {}).get("error")
        if isinstance(original, Exception) and str(first.get("msg", "")) in text:
            text = text.replace(str(first["msg"]), str(original))
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _fail(message: str, code: int, as_json: bool, results: "Sequence[TableResult]" = (),
          prefix: str = "error: ") -> int:
    """The message on stderr and, for --output json, the one JSON object on stdout."""
    say(f"{prefix}{message}")
    if as_json:
        import json

        document = {"ok": False, "error": line(message),
                    "tables": [r.to_json() for r in sort_results(results)]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return code


def wants_json(args: Sequence[str]) -> bool:
    """Whether this command line asked for JSON, read before (and whether or not) it parses."""
    given = list(itertools.takewhile(lambda arg: arg != "--", args))
    return any(arg.lower() == "--output=json" or (arg == "--output" and value.lower() == "json")
               for arg, value in itertools.pairwise([*given, ""]))


def utf8_output() -> None:
    """Data (JSON, policies, templates) is UTF-8 whatever the console's code page.

    A redirected Windows console gets cp1252 (or what PYTHONIOENCODING says); a
    `--tag Owner=日本` must still be written, and as UTF-8. Messages too: a stderr
    that is a pipe or a file (a scheduler's log, a service's) is UTF-8, so a message
    quoting a non-ASCII tag or path is readable there rather than `\\u65e5`. A
    terminal keeps its own encoding (Windows' console takes Unicode whatever its code
    page), and nothing printed may ever fail to encode: messages escape what their
    encoding cannot hold (a lone surrogate from an undecodable file name, say).
    """
    for stream, errors in ((sys.stdout, "strict"), (sys.stderr, "backslashreplace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and stream.isatty():
            reconfigure(errors="backslashreplace")
        elif reconfigure is not None:
            reconfigure(encoding="utf-8", errors=errors)
