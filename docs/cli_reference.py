"""The site's command reference (docs/cli.md), rendered from each command's real `--help`.

`cog -r docs/cli.md` rewrites the block between the cog markers; `cog --check` over the
pages (`dev.py test`, and tests/test_docs.py) fails when it is stale.
Commands are read from the typer app itself, so a command added later shows up
without touching this file. Help is rendered the way an operator sees it, but in
a fixed 80-column, colourless, dumb terminal so the text is the same on every
machine.
"""

from __future__ import annotations

import os
import subprocess
import sys

HELP_ENV = {"COLUMNS": "80", "LINES": "50", "TERM": "dumb", "NO_COLOR": "1"}


def command_names() -> list[str]:
    """Every registered command, in the order the app lists them in its own --help."""
    import typer.main

    from lease_tables.cli.app import app

    group = typer.main.get_command(app)
    return list(getattr(group, "commands", {}))


def help_text(*command: str) -> str:
    """`lease-tables [command] --help` exactly as printed, trailing blanks removed."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"}}
    env.update(HELP_ENV)
    program = "from lease_tables.cli.app import app; app(prog_name='lease-tables')"
    proc = subprocess.run([sys.executable, "-c", program, *command, "--help"],
                          capture_output=True, text=True, env=env, check=True,
                          stdin=subprocess.DEVNULL, timeout=60)
    lines = [line.rstrip() for line in proc.stdout.splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


def reference() -> str:
    """Markdown: the program's help, then one section per command."""
    parts = ["```\n$ lease-tables --help\n", help_text(), "```\n"]
    for name in command_names():
        parts += [f"\n## `lease-tables {name}`\n\n```\n$ lease-tables {name} --help\n",
                  help_text(name), "```\n"]
    return "".join(parts)
