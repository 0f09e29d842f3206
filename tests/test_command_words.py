"""Each command speaks its own words: the options its help names, what it says it did, the
rows and counts of each kind, near twins that are only the same table spelled otherwise.

An operator follows what a command prints: an option named in `verify --help` that
`verify` refuses, or a `verify` that says "Nothing was created", sends them the wrong way.
"""

from __future__ import annotations

import re

import click
import pytest
import typer.main

from lease_tables.cli.app import app
from tests.conftest import clean_env, run_cli

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
