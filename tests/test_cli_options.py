"""Option groups (`cli_options.with_groups`) and the one-command app a run builds, with the
real typer: what typer sees is what `--help` lists, and what the command gets is the group."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Annotated

import typer
import typer.main
from typer.testing import CliRunner

from lease_tables.cli.app import app
from lease_tables.cli.footprint_options import FootprintArgs, StreamArgs
from lease_tables.cli.options import RunArgs, SelectionArgs, with_groups


@dataclasses.dataclass(frozen=True)
class Pair:
    left: Annotated[str, typer.Option("--left")] = "l"
    right: Annotated[int, typer.Option("--right")] = 1


def test_a_group_is_spread_in_its_place_and_rebuilt_for_the_command_version_last() -> None:
    seen: list[object] = []

    @with_groups
    def command(*, first: Annotated[bool, typer.Option("--first")] = False, pair: Pair,
                last: Annotated[str, typer.Option("--last")] = "z") -> None:
        seen.append((first, pair, last))

    assert list(inspect.signature(command).parameters) == ["first", "left", "right", "last",
                                                           "version"]
    one = typer.Typer()
    one.command()(command)
    result = CliRunner().invoke(one, ["--right", "7", "--last", "y"])
    assert result.exit_code == 0, result.output
    assert seen == [(False, Pair(left="l", right=7), "y")]
    help_text = CliRunner().invoke(one, ["--help"]).output
    assert help_text.index("--first") < help_text.index("--left") < help_text.index(
        "--right") < help_text.index("--last") < help_text.index("--version")
    version = CliRunner().invoke(one, ["--version"])
    assert (version.exit_code, version.output.split()[0], seen) == (0, "lease-tables", seen)


def _options(command: str) -> list[str]:
    group = typer.main.get_command(app)
    return [p.opts[0] for p in group.commands[command].params]  # type: ignore[attr-defined]


def test_every_group_reads_the_same_in_every_command_that_takes_it() -> None:
    groups = {SelectionArgs: ["--conf-dir", "--host-name", "--table"],
              RunArgs: ["--concurrency", "--verbose", "--output", "--quiet"],
              StreamArgs: ["--stream", "--enhanced-fan-out"],
              FootprintArgs: ["--stream", "--enhanced-fan-out", "--bucket", "--kms-key",
                              "--video-stream", "--connect-instance", "--cloudwatch-logs"]}
    takers = {SelectionArgs: ["create", "verify", "preflight", "policy", "template"],
              RunArgs: ["create", "verify", "preflight"], StreamArgs: ["create", "verify"],
              FootprintArgs: ["preflight", "policy", "template"]}
    for group, options in groups.items():
        for command in takers[group]:
            listed = _options(command)
            start = listed.index(options[0])
            assert listed[start:start + len(options)] == options, (group, command)
