"""The P1 floor: a typer program of `create`'s shape that asks botocore for the region.

    python bench/floor_dry_run.py create --dry-run --table NAME

What any dry run of a table that names no region must do, and nothing more: start
typer, parse `create`'s selection options, ask botocore's own Session for the
profile's region (the AWS config file: what `lease-tables` asks it since it no
longer reads that file itself), and print one line per table. No configuration
file, no names checked, no report: a hand-written program that knows the answer.
"""

from __future__ import annotations

from typing import Annotated

import botocore.session
import typer

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Create lease tables."""


@app.command()
def create(
    table: Annotated[list[str] | None, typer.Option("--table")] = None,
    conf_dir: Annotated[list[str] | None, typer.Option("--conf-dir")] = None,
    host_name: Annotated[str | None, typer.Option("--host-name")] = None,
    region: Annotated[str | None, typer.Option("--region")] = None,
    profile: Annotated[str | None, typer.Option("--profile")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
) -> None:
    """Print each table and the region it would be created in."""
    where = region or botocore.session.Session(profile=profile).get_config_variable("region")
    for name in table or ():
        typer.echo(f"planned {name} [{where}]")


if __name__ == "__main__":
    app()
