"""The command line: options in, steps called, results and exit codes out.

Each command is a few lines over the library (the sqlite-utils habit). AWS
modules are imported inside the commands that call AWS, so `--dry-run`,
`name`, `policy` and `template` start without loading boto3.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Iterator
from enum import Enum
from typing import Annotated, NoReturn

import typer

from lease_tables import __version__
from lease_tables.errors import InputError, LeaseTablesError
from lease_tables.outcome import EXIT_INPUT, EXIT_INTERRUPTED, exit_code

app = typer.Typer(
    name="lease-tables",
    help=(
        "Create the DynamoDB lease tables that the Recorder Integration Service's Amazon "
        "adapters (Kinesis Client Library) need, before they start, so that "
        "dynamodb:CreateTable can stay denied to the adapters."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["--help", "-h"]},
)


class Output(str, Enum):
    text = "text"
    json = "json"


class Billing(str, Enum):
    provisioned = "provisioned"
    on_demand = "on-demand"


class Kind(str, Enum):
    connect = "connect"
    agent_events = "agent-events"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lease-tables {__version__}")
        raise typer.Exit(0)


def say(message: str) -> None:
    """A message on stderr: one line for logs and scripts, word-wrapped for a person.

    Our messages are one paragraph; a terminal (an 80-column RDP console, say)
    would otherwise break them mid-word.
    """
    if sys.stderr.isatty():
        import shutil
        import textwrap

        width = max(40, shutil.get_terminal_size((80, 24)).columns - 1)
        message = textwrap.fill(message, width=width, break_on_hyphens=False,
                                break_long_words=False, subsequent_indent="  ")
    typer.echo(message, err=True)


# Options shared by several commands, declared once.
VersionOpt = Annotated[bool, typer.Option(
    "--version", callback=_version, is_eager=True, help="Print the version and exit.")]
ConfDirOpt = Annotated[list[str] | None, typer.Option(
    "--conf-dir", metavar="PATH", rich_help_panel="Selection",
    help="RIS configuration folder (or the IntegrationService.xml itself); repeatable. "
         "%VAR% and $VAR are expanded. Default: %IMPACT360SOFTWAREDIR%\\Conf.")]
HostOpt = Annotated[str | None, typer.Option(
    "--host-name", metavar="NAME", rich_help_panel="Selection",
    help="RIS server host name for agent-events tables. Default: the UNC server of the "
         "folder, else this machine's name up to its first dot.")]
TableOpt = Annotated[list[str] | None, typer.Option(
    "--table", metavar="NAME", rich_help_panel="Selection",
    help="A lease-table name given directly, no XML needed; repeatable.")]
RegionOpt = Annotated[str | None, typer.Option(
    "--region", rich_help_panel="AWS",
    help="AWS region for every table (beats the adapters' Region settings).")]
ProfileOpt = Annotated[str | None, typer.Option(
    "--profile", rich_help_panel="AWS", help="AWS profile from the AWS config files.")]
EndpointOpt = Annotated[str | None, typer.Option(
    "--endpoint-url", metavar="URL", rich_help_panel="AWS",
    help="DynamoDB-compatible endpoint, e.g. http://127.0.0.1:8000 for a local one.")]
OutputOpt = Annotated[Output, typer.Option(
    "--output", case_sensitive=False, help="text (for people) or json (for scripts).")]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", rich_help_panel="AWS",
    help="Log every AWS request and retry to stderr (credentials are removed).")]
ConcurrencyOpt = Annotated[int, typer.Option(
    "--concurrency", min=1, max=64, rich_help_panel="AWS",
    help="AWS requests in flight at once.")]
# Table options shared by `create` and `template` (same tables, either way).
ReadCapacityOpt = Annotated[int, typer.Option(
    "--read-capacity", rich_help_panel="Table", help="Read capacity units (provisioned).")]
WriteCapacityOpt = Annotated[int, typer.Option(
    "--write-capacity", rich_help_panel="Table", help="Write capacity units (provisioned).")]
TagOpt = Annotated[list[str] | None, typer.Option(
    "--tag", metavar="KEY=VALUE", rich_help_panel="Table",
    help="Tag for new tables; repeatable.")]
KclOpt = Annotated[str, typer.Option(
    "--kcl", metavar="VERSION", rich_help_panel="Selection",
    help="Kinesis Client Library version inside the adapters: X.Y.Z of the "
         "amazon-kinesis-client-X.Y.Z.jar in the adapter's installation. Below 3, 3.0-3.4 "
         "and 3.5+ need different tables.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Errors only: no progress, no warnings, only tables that need "
                          "attention.")]


def _selection(conf_dir: list[str] | None, table: list[str] | None, host_name: str | None,
               region: str | None, profile: str | None, quiet: bool = False,
               region_overrides: bool = True, layout=None):
    """The lease tables of the selection; with a KCL `layout`, each followed by the
    companion tables that layout needs."""
    from lease_tables.selection import Selection, select

    derivation = select(Selection(
        conf_dirs=tuple(conf_dir or ()), tables=tuple(table or ()), host_name=host_name,
        region=region, profile=profile, region_overrides=region_overrides))
    for warning in () if quiet else derivation.warnings:
        say(f"warning: {warning}")
    if layout is not None:
        from lease_tables.kcl import expand

        return expand(derivation.tables, layout)
    return derivation.tables


def _layout(version: str):
    from lease_tables.kcl import layout_for

    return layout_for(version)


@contextlib.contextmanager
def _operator_errors(output: Output = Output.text) -> Iterator[None]:
    """Turn our errors into one paragraph on stderr and the SPEC exit code."""
    try:
        yield
    except LeaseTablesError as exc:
        _fail(str(exc), exc.exit_code, output)
    except KeyboardInterrupt as exc:
        from lease_tables.provision import Interrupted

        done = exc.summary() if isinstance(exc, Interrupted) else "stopped before finishing"
        say(f"interrupted: {done}. Rerunning the same command is safe: it creates "
                   f"only what is missing and waits for tables still CREATING.")
        # Worker threads may sit in an HTTP call or a retry back-off; the operator
        # asked to stop now, and AWS state is consistent whatever they were doing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)


def _fail(message: str, code: int, output: Output) -> NoReturn:
    say(f"error: {message}")
    if output == Output.json:
        typer.echo(json.dumps({"ok": False, "tables": []}, indent=2))
    raise typer.Exit(code)


def _finish(results, output: Output, verb: str, extra: str = "",
            quiet: bool = False, closing: str | None = None) -> NoReturn:
    """Print results; `closing` is a last line instead of the summary (stderr with JSON)."""
    from lease_tables.outcome import sort_results
    from lease_tables.report import emit, unhappy

    results = sort_results(results)
    if output == Output.text and not quiet and sys.stdout.isatty():
        from lease_tables.display import is_terminal, print_summary

        if is_terminal(sys.stdout):  # a person reads it: columns and colour
            print_summary(results, sys.stdout, verb=verb, extra=extra)
            if closing:
                typer.echo(closing)
            raise typer.Exit(exit_code(results))
    emit(results, output.value, verb=verb, extra=extra, quiet=quiet, closing=closing)
    if output == Output.json:
        for result in unhappy(results):
            say(f"{result.status}: {result.table.table_name}: {result.message}")
        if closing:
            say(closing)
    raise typer.Exit(exit_code(results))


def _aws(tables, profile: str | None, endpoint_url: str | None, pool: int,
         verbose: bool = False, check=None):
    """The one AWS set-up of every command that calls AWS: regions known, credentials
    present (checked with `check`, whose message suits the command), clients made."""
    from lease_tables.aws import Clients, enable_debug_logging
    from lease_tables.selection import require_regions

    require_regions(tables)
    clients = Clients(profile=profile, endpoint_url=endpoint_url, pool_size=pool)
    (check or Clients.check_credentials)(clients)
    if verbose:
        enable_debug_logging(clients)
    return clients


@app.callback()
def _root(version: VersionOpt = False) -> None:
    """Create, verify and describe KCL lease tables for RIS Amazon adapters."""


@app.command()
def create(
    conf_dir: ConfDirOpt = None,
    host_name: HostOpt = None,
    table: TableOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would be created; no AWS call, no credentials.")] = False,
    billing_mode: Annotated[Billing, typer.Option(
        "--billing-mode", case_sensitive=False, rich_help_panel="Table",
        help="Capacity mode of new tables.")] = Billing.provisioned,
    read_capacity: ReadCapacityOpt = 10,
    write_capacity: WriteCapacityOpt = 10,
    tag: TagOpt = None,
    deletion_protection: Annotated[bool, typer.Option(
        "--deletion-protection/--no-deletion-protection", rich_help_panel="Table",
        help="Deletion protection on new tables.")] = True,
    wait: Annotated[bool, typer.Option(
        "--wait/--no-wait", help="Return only when every table is ACTIVE.")] = True,
    timeout: Annotated[float, typer.Option(
        "--timeout", metavar="SECONDS", min=1, help="How long to wait for ACTIVE.")] = 300,
    concurrency: ConcurrencyOpt = 10,
    verbose: VerboseOpt = False,
    output: OutputOpt = Output.text,
    quiet: QuietOpt = False,
    kcl: KclOpt = "2",
    version: VersionOpt = False,
) -> None:
    """Create every lease table that is absent; leave existing ones exactly as they are."""
    from lease_tables.spec import make_options

    with _operator_errors(output):
        layout = _layout(kcl)
        options = make_options(billing_mode.value, read_capacity, write_capacity,
                               deletion_protection, tag or ())
        tables = _selection(conf_dir, table, host_name, region, profile, quiet, layout=layout)
        if dry_run:
            from lease_tables.outcome import PLANNED, TableResult

            results = [TableResult(t, PLANNED) for t in tables]
            plan = options.describe() if layout.is_default else (
                f"lease tables {options.describe()}; {layout.describe()}")
            _finish(results, output, "dry run, nothing created",
                    extra="would create: " + plan, quiet=quiet)
        from lease_tables.display import live_progress
        from lease_tables.provision import Provisioner

        clients = _aws(tables, profile, endpoint_url, concurrency, verbose)
        with live_progress(tables, sys.stderr, enabled=not (quiet or verbose)) as progress:
            results = Provisioner(clients, options, layout=layout, concurrency=concurrency,
                                  progress=progress).run(tables, wait=wait, timeout=timeout)
        for result in [] if quiet else results:
            if result.status in ("created", "exists") and "near-identical" in result.message:
                say(f"warning: {result.table.table_name}: {result.message}")
        _finish(results, output, "create", quiet=quiet)


@app.command()
def verify(
    conf_dir: ConfDirOpt = None,
    host_name: HostOpt = None,
    table: TableOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    concurrency: ConcurrencyOpt = 10,
    verbose: VerboseOpt = False,
    output: OutputOpt = Output.text,
    quiet: QuietOpt = False,
    kcl: KclOpt = "2",
    version: VersionOpt = False,
) -> None:
    """Check that every lease table exists, is ACTIVE and has the key KCL needs."""
    with _operator_errors(output):
        layout = _layout(kcl)
        tables = _selection(conf_dir, table, host_name, region, profile, quiet, layout=layout)
        from lease_tables.verify import verify_tables

        clients = _aws(tables, profile, endpoint_url, concurrency, verbose)
        _finish(verify_tables(clients, tables, concurrency=concurrency), output, "verify",
                quiet=quiet)


@app.command(help=(
    "Prove with the adapter's own credentials (--profile), writing nothing, that it can use "
    "every lease table and cannot create tables."))
def preflight(
    conf_dir: ConfDirOpt = None,
    host_name: HostOpt = None,
    table: TableOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    concurrency: ConcurrencyOpt = 10,
    verbose: VerboseOpt = False,
    output: OutputOpt = Output.text,
    quiet: QuietOpt = False,
    kcl: KclOpt = "2",
    version: VersionOpt = False,
) -> None:
    """The adapter's identity's view of its tables; help text is in the decorator."""
    with _operator_errors(output):
        _layout(kcl)  # checked now; the KCL 3 probes (index, companions) are still to come
        tables = _selection(conf_dir, table, host_name, region, profile, quiet)
        from lease_tables.preflight import preflight_tables, require_credentials, verdict

        clients = _aws(tables, profile, endpoint_url, concurrency, verbose,
                       check=require_credentials)
        run = preflight_tables(clients, tables, concurrency=concurrency)
        _finish(run.results, output, "preflight", quiet=quiet, closing=verdict(run, profile))


@app.command()
def name(
    kind: Annotated[Kind, typer.Option("--kind", case_sensitive=False,
                                       help="Adapter kind.")],
    application_name: Annotated[str, typer.Option(
        "--application-name", metavar="NAME", help="The adapter's Application Name.")],
    host_name: Annotated[str | None, typer.Option(
        "--host-name", metavar="H",
        help="RIS host name (agent-events). Default: this machine's name.")] = None,
    adapter_id: Annotated[str | None, typer.Option(
        "--adapter-id", metavar="N", help="Adapter ID (agent-events).")] = None,
    kcl: KclOpt = "2",
    version: VersionOpt = False,
) -> None:
    """Print the derived table names (KCL 3.0-3.4: three), one a line; no XML needed."""
    from lease_tables.naming import (
        agent_events_table_name,
        connect_table_name,
        local_host_name,
        table_name_problem,
    )

    with _operator_errors():
        layout = _layout(kcl)
        if kind == Kind.agent_events:
            if not adapter_id or not adapter_id.strip():
                raise InputError("--kind agent-events needs --adapter-id (the adapter's ID in "
                                 "the RIS configuration, e.g. 2).")
            host = host_name if host_name else local_host_name()
            result = agent_events_table_name(application_name, host, adapter_id.strip())
        else:
            result = connect_table_name(application_name)
        problem = table_name_problem(result)
        if problem:
            raise InputError(f"The derived name {result!r} is not a valid DynamoDB table "
                             f"name: {problem}. Check --application-name and --host-name.")
        from lease_tables.kcl import expand
        from lease_tables.naming import LeaseTable

        for each in expand([LeaseTable(result, None)], layout):
            typer.echo(each.table_name)


class Role(str, Enum):
    adapter = "adapter"
    provisioner = "provisioner"


class Format(str, Enum):
    cloudformation = "cloudformation"
    terraform = "terraform"



@app.command()
def policy(
    conf_dir: ConfDirOpt = None,
    host_name: HostOpt = None,
    table: TableOpt = None,
    account_id: Annotated[str | None, typer.Option(
        "--account-id", metavar="ID",
        help="The 12-digit AWS account that holds the lease tables (required).")] = None,
    region: Annotated[str | None, typer.Option(
        "--region", rich_help_panel="AWS",
        help="AWS region for tables whose adapter has no Region setting (an adapter's own "
             "Region is where its KCL looks, so it is kept).")] = None,
    profile: ProfileOpt = None,
    role: Annotated[Role, typer.Option(
        "--role", case_sensitive=False,
        help="adapter: what the adapters need, CreateTable denied. provisioner: what "
             "`lease-tables create` (and `verify`) need.")] = Role.adapter,
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", metavar="KEY=VALUE",
        help="Tags `create` will be given (provisioner: adds dynamodb:TagResource); "
             "repeatable.")] = None,
    kcl: KclOpt = "2",
    version: VersionOpt = False,
) -> None:
    """Print the IAM policy (JSON) for the adapters or for the provisioner; no AWS call."""
    from lease_tables.policy import ROLE_PROVISIONER, build_policy, render, size_warning
    from lease_tables.spec import parse_tags

    with _operator_errors():
        layout = _layout(kcl)
        tags = parse_tags(tag or ())
        # SPEC 5: each ARN in its table's own region -- the adapter's Region setting,
        # else --region, else the AWS default -- so --region fills in, never moves.
        tables = _selection(conf_dir, table, host_name, region, profile,
                            region_overrides=False)
        document = build_policy(role.value, tables, account_id or "", tags=bool(tags),
                                layout=layout)
        if tags and role.value != ROLE_PROVISIONER:
            say("warning: --tag only changes the provisioner's policy (it adds "
                       "dynamodb:TagResource); the adapter policy is the same with or "
                       "without it.")
        warning = size_warning(document)
        if warning:
            say(f"warning: {warning}")
        typer.echo(render(document), nl=False)


@app.command()
def template(
    conf_dir: ConfDirOpt = None,
    host_name: HostOpt = None,
    table: TableOpt = None,
    output_format: Annotated[Format | None, typer.Option(
        "--format", case_sensitive=False,
        help="cloudformation (a YAML template) or terraform (main.tf.json); required.")
    ] = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    billing_mode: Annotated[Billing, typer.Option(
        "--billing-mode", case_sensitive=False, rich_help_panel="Table",
        help="Capacity mode of the tables.")] = Billing.provisioned,
    read_capacity: ReadCapacityOpt = 10,
    write_capacity: WriteCapacityOpt = 10,
    tag: TagOpt = None,
    deletion_protection: Annotated[bool, typer.Option(
        "--deletion-protection/--no-deletion-protection", rich_help_panel="Table",
        help="Deletion protection on the tables (they are retained on stack or resource "
             "deletion either way).")] = True,
    kcl: KclOpt = "2",
    version: VersionOpt = False,
) -> None:
    """Print the tables as CloudFormation (YAML) or Terraform (JSON); no AWS call."""
    from lease_tables.spec import make_options
    from lease_tables.template import notes, render

    with _operator_errors():
        layout = _layout(kcl)
        if output_format is None:
            raise InputError("--format is required: cloudformation (a YAML template, e.g. for "
                             "StackSets) or terraform (save the output as main.tf.json).")
        options = make_options(billing_mode.value, read_capacity, write_capacity,
                               deletion_protection, tag or ())
        tables = _selection(conf_dir, table, host_name, region, profile)
        text = render(output_format.value, tables, options, layout)
        for note in notes(output_format.value, tables, text, layout):
            say(f"note: {note}")
        typer.echo(text, nl=False)


def main() -> None:
    """Console-script entry: never a traceback, whatever happens."""
    # A run over tens of thousands of adapters makes hundreds of thousands of small,
    # long-lived objects; CPython's default collector thresholds re-scan them (and
    # everything imported) again and again, about 15% of such a run. Nothing here
    # builds reference cycles worth collecting early, so collect rarely.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted. Rerunning the same command is safe.\n")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug of ours: still one paragraph, no traceback
        sys.stderr.write(
            f"error: lease-tables hit an unexpected internal error ({type(exc).__name__}: "
            f"{exc}). Nothing beyond what was reported was changed; rerunning is safe. "
            f"Please report this with the command you ran.\n")
        sys.exit(EXIT_INPUT if isinstance(exc, ValueError) else 1)
