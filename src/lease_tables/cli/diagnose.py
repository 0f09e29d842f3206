"""`lease-tables diagnose`: the options in, the diagnosis out, exit 0, 3, 2 or 1."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from lease_tables.cli.options import OutputOpt, SelectionArgs
from lease_tables.core.errors import EXIT_DRIFT, EXIT_OK, InputError

LogOpt = Annotated[list[str] | None, typer.Option(
    "--log", metavar="PATH",
    help="The adapter's log: a file, a folder (its log files) or a wildcard pattern; "
         "%VAR% and $VAR are expanded; repeatable (rotated files too). Only read.")]
DiagnoseKclOpt = Annotated[str | None, typer.Option(
    "--kcl", metavar="VERSION",
    help="Kinesis Client Library version inside the adapter (the X.Y.Z of "
         "amazon-kinesis-client-X.Y.Z.jar), for the fixes. Default: what the log shows.")]


def selection_words(selection: SelectionArgs) -> tuple[str, ...]:
    """The selection options as typed, for the fixes to repeat."""
    host = () if selection.host_name is None else (selection.host_name,)
    given = (("--conf-dir", selection.conf_dir or ()), ("--host-name", host),
             ("--table", selection.table or ()))
    return tuple(word for flag, values in given for value in values for word in (flag, value))


def diagnose(*, log: LogOpt = None, selection: SelectionArgs, kcl: DiagnoseKclOpt = None,
             output: OutputOpt = "text") -> None:
    """Read the adapter's own log: why its KCL did not start, and the command that fixes it."""
    from lease_tables.cli.app import _did, _selection, say
    from lease_tables.diagnose.judge import Context
    from lease_tables.diagnose.read import find_logs
    from lease_tables.diagnose.report import text, to_json
    from lease_tables.diagnose.run import diagnose as run
    from lease_tables.model.kcl import layout_for

    _did("it only read the logs")
    if not log:
        raise InputError("--log is required: the adapter's log file, its folder, or a "
                         "wildcard pattern (e.g. --log \"%ProgramData%\\Adapter\\logs\").")
    if kcl is not None:
        layout_for(kcl)  # a malformed --kcl is bad input before anything is read
    words = selection_words(selection)
    derived = tuple(_selection(selection, None, None, quiet=True)) if words else None
    files = find_logs(log)
    diagnosis = run(files, Context(selection=words, derived=derived, kcl=kcl))
    if output == "json":
        sys.stdout.write(json.dumps(to_json(diagnosis), indent=2) + "\n")
        for finding in diagnosis.verdict.findings:
            say(f"{finding.cause}: {finding.application or ''}: {finding.fix}")
    else:
        for each in text(diagnosis):
            typer.echo(each)
    raise typer.Exit(EXIT_OK if diagnosis.verdict.ok else EXIT_DRIFT)
