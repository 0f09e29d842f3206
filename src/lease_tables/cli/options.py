"""The command line's options, each declared once, and the groups commands share.

typer has no option groups. Each shared option is an `Annotated` alias here, so
every command spells, documents and parses it the same way; and options that
always travel together (the selection, a run's AWS settings) are a frozen
dataclass, an *option group*. A command takes a group as one parameter;
`with_groups` shows typer the group's fields in their place, in their order, and
calls the command with the group built from them. `--help` lists exactly what it
would list had every field been a parameter of its own.

No AWS, no printing: importing this module costs `create --dry-run` nothing
beyond typer itself.
"""

import dataclasses
import functools
import inspect
import math
import threading
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, get_type_hints

import typer

from lease_tables import __version__
from lease_tables.core.errors import InputError
from lease_tables.core.printable import quote

R = TypeVar("R")


# The choices of the options that take one; typer checks them (case aside) and names
# them in its error.
Output = Literal["text", "json"]
Billing = Literal["provisioned", "on-demand"]
Kind = Literal["connect", "agent-events"]
Role = Literal["adapter", "provisioner"]
Format = Literal["cloudformation", "terraform"]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lease-tables {__version__}")
        raise typer.Exit(0)


VERSION = "version"  # the parameter `with_groups` adds to every command
VersionOpt = Annotated[bool, typer.Option(
    "--version", callback=_version, is_eager=True, metavar="",
    help="Print the version and exit.")]
ConfDirOpt = Annotated[list[str] | None, typer.Option(
    "--conf-dir", metavar="PATH",
    help="RIS configuration folder (or the IntegrationService.xml itself); repeatable. "
         "%VAR% and $VAR are expanded. Default: %IMPACT360SOFTWAREDIR%\\Conf.")]
HostOpt = Annotated[str | None, typer.Option(
    "--host-name", metavar="NAME",
    help="RIS server host name for agent-events tables. Default: the UNC server of the "
         "folder, else this machine's name up to its first dot.")]
TableOpt = Annotated[list[str] | None, typer.Option(
    "--table", metavar="NAME",
    help="A lease-table name given directly, no XML needed; repeatable.")]
RegionOpt = Annotated[str | None, typer.Option(
    "--region", metavar="REGION",
    help="AWS region for tables whose adapter has no Region setting, and for --table "
         "names (an adapter's own Region is where its KCL looks, so it is kept).")]
ProfileOpt = Annotated[str | None, typer.Option(
    "--profile", metavar="NAME", help="AWS profile from the AWS config files.")]
EndpointOpt = Annotated[str | None, typer.Option(
    "--endpoint-url", metavar="URL",
    help="DynamoDB-compatible endpoint, e.g. http://127.0.0.1:8000 for a local one.")]
OutputOpt = Annotated[Output, typer.Option(
    "--output", case_sensitive=False, metavar="text|json",
    help="text (for people) or json (for scripts).")]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", metavar="",
    help="Log every AWS request and retry to stderr (credentials are removed).")]
ConcurrencyOpt = Annotated[int, typer.Option(
    "--concurrency", metavar="N", min=1, max=64, help="AWS requests in flight at once.")]
TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", metavar="SECONDS", min=1,
    help="Bound on the whole run, a silent endpoint included.")]
KclOpt = Annotated[str, typer.Option(
    "--kcl", metavar="VERSION",
    help="Kinesis Client Library version inside the adapters: X.Y.Z of the "
         "amazon-kinesis-client-X.Y.Z.jar in the adapter's installation. Below 3, 3.0-3.4 "
         "and 3.5+ need different tables.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", metavar="",
    help="Errors only: no progress, no warnings, only tables that need attention.")]
# Table options shared by `create`, `verify` and `template` (same tables, either way).
ReadCapacityOpt = Annotated[int | None, typer.Option(
    "--read-capacity", metavar="UNITS",
    help="Read capacity units (provisioned only). Default: 10.")]
WriteCapacityOpt = Annotated[int | None, typer.Option(
    "--write-capacity", metavar="UNITS",
    help="Write capacity units (provisioned only). Default: 10.")]
TagOpt = Annotated[list[str] | None, typer.Option(
    "--tag", metavar="KEY=VALUE",
    help="Tag for new tables; repeatable.")]


def billing_option(help: str) -> Any:
    """`--billing-mode`: one spelling, each command's own words for what it means."""
    return typer.Option("--billing-mode", case_sensitive=False,
                        metavar="provisioned|on-demand", help=help)


def deletion_protection_option(help: str) -> Any:
    """`--deletion-protection/--no-deletion-protection`, with the command's own words."""
    return typer.Option("--deletion-protection/--no-deletion-protection", metavar="", help=help)


BillingOpt = Annotated[Billing, billing_option("Capacity mode of new tables.")]


@dataclasses.dataclass(frozen=True)
class SelectionArgs:
    """Which tables: the configuration folders, the host name, tables named directly."""

    conf_dir: ConfDirOpt = None
    host_name: HostOpt = None
    table: TableOpt = None


@dataclasses.dataclass(frozen=True)
class AwsArgs(SelectionArgs):
    """The selection and where its AWS calls go: `create`, `verify`, `preflight`."""

    region: RegionOpt = None
    profile: ProfileOpt = None
    endpoint_url: EndpointOpt = None


@dataclasses.dataclass(frozen=True)
class RunArgs:
    """How a run that calls AWS goes and reports: `create`, `verify`, `preflight`."""

    concurrency: ConcurrencyOpt = 10
    verbose: VerboseOpt = False
    output: OutputOpt = "text"
    quiet: QuietOpt = False


def with_groups(command: Callable[..., R]) -> Callable[..., R]:
    """`command` as typer should see it: each option-group parameter spread into its fields,
    and `--version` last, as on every command.

    Put it under `@app.command(...)` (the app's own `command` does both). The command's
    other parameters keep their place; every parameter becomes keyword-only, as typer
    passes them all by name.
    `--version` acts in its callback and never reaches the command.
    """
    keyword = inspect.Parameter.KEYWORD_ONLY
    signature = inspect.signature(command, eval_str=True)
    groups: dict[str, tuple[type, tuple[str, ...]]] = {}
    shown: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        group = parameter.annotation
        if isinstance(group, type) and dataclasses.is_dataclass(group):
            hints = get_type_hints(group, include_extras=True)
            fields = dataclasses.fields(group)
            groups[parameter.name] = (group, tuple(f.name for f in fields))
            shown += [inspect.Parameter(f.name, keyword, default=f.default,
                                        annotation=hints[f.name]) for f in fields]
        else:
            shown.append(parameter.replace(kind=keyword))
    shown.append(inspect.Parameter(VERSION, keyword, default=False, annotation=VersionOpt))
    declared = {p.name: flag_and_help(p) for p in shown}

    @functools.wraps(command)
    def called(**values: Any) -> R:
        values.pop(VERSION)
        for name, value in values.items():
            if problem := value_problem(*declared[name], value):
                raise InputError(problem)
        for name, (group, fields) in groups.items():
            values[name] = group(**{field: values.pop(field) for field in fields})
        return command(**values)

    called.__signature__ = signature.replace(parameters=shown)  # type: ignore[attr-defined]
    called.__annotations__ = {p.name: p.annotation for p in shown}
    return called


def flag_and_help(parameter: inspect.Parameter) -> tuple[str, str]:
    """The option's long name (`--conf-dir`) and help text (what a value of it is), from
    its `Annotated` typer.Option; an option declared without a long name is named after
    its parameter, as typer names it."""
    metas = getattr(parameter.annotation, "__metadata__", ())
    flags = [str(d) for meta in metas for d in getattr(meta, "param_decls", None) or ()
             if str(d).startswith("--")]
    helps = [str(meta.help) for meta in metas if getattr(meta, "help", None)]
    return (flags[0].split("/")[0] if flags else f"--{parameter.name.replace('_', '-')}",
            helps[0] if helps else "")


def value_problem(flag: str, what: str, value: object) -> str | None:
    """Why an option's value is bad input, found before anything is done (dry runs too).

    An empty value (`--conf-dir ""`) is what a script passes when its variable is unset:
    taken as given, it would read the current folder, name a table "", or pick the AWS
    defaults the operator meant to override. A number of seconds past what the platform
    can wait (`--timeout 1e300`, inf, nan) would fail half-way through the run: the longest
    wait the platform's clocks and locks can hold is threading.TIMEOUT_MAX (about 292 years
    on Linux, 49 days on Windows); a number of seconds beyond it is no bound.
    """
    values = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(each, str) and not each.strip() for each in values):
        meant = f" ({what.rstrip('.')})" if what else ""
        return (f"{flag} was given an empty value (a script's variable that is not set, "
                f"perhaps). Give it a value{meant}, or leave {flag} out. Nothing was done.")
    if isinstance(value, float) and not (math.isfinite(value) and value <= threading.TIMEOUT_MAX):
        return (f"{flag} {quote(value)} is beyond what this platform can wait (at most "
                f"{threading.TIMEOUT_MAX:.0f} seconds). Give a number of seconds up to that. "
                f"Nothing was done.")
    return None
