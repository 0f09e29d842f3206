"""What a person at a terminal sees: a live table while tables are created, then a summary.

Only used when a terminal is attached (rich decides, honouring NO_COLOR, TERM=dumb
and FORCE_COLOR); scripts and logs get `report`'s plain lines instead, byte for byte
the same as before this module existed. Fed by `outcome.Progress.on_status`, which
worker threads call: every update takes the lock, and the rendering thread of
`rich.live.Live` reads a consistent snapshot. Widths are planned for an 80-column
console (RIS servers are often reached through RDP consoles): long names are cut
with an ellipsis rather than wrapped, and big fleets are shown as the rows in
progress plus a count of the rest.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TextIO

from rich.console import Console, RenderableType
from rich.constrain import Constrain
from rich.live import Live
from rich.padding import Padding
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from lease_tables.config.naming import LeaseTable
from lease_tables.core import printable
from lease_tables.model import outcome
from lease_tables.render import report

WAITING = "waiting"
ECHO_ROOM = 2  # columns the live table leaves free for the terminal's "^C" echo
_STYLE = {
    outcome.CREATED: "green", outcome.EXISTS: "green", outcome.UPDATED: "green",
    outcome.OK: "green", outcome.PLANNED: "cyan", outcome.DRIFT: "bold red",
    outcome.FAILED: "bold red", outcome.MISSING: "bold red", outcome.DENIED: "bold red",
    outcome.NOT_ACTIVE: "yellow", outcome.QUEUED: "yellow", outcome.CREATE_ALLOWED: "yellow",
    WAITING: "dim", outcome.CREATING_NOTE: "yellow",
}


def text(value: str, style: str = "") -> Text:
    """The one way a value reaches the terminal: escaped as on every other sink
    (`printable.row`), and a rich `Text`, never markup, so `[/]` or
    `[recording-team]` in a tag, a path or an AWS answer shows as typed."""
    return Text(printable.row(value), style=style)


def console(stream: TextIO) -> Console:
    """A rich console on `stream`; colour and live updates only on a real terminal."""
    return Console(file=stream, highlight=False, soft_wrap=False)


def is_terminal(stream: TextIO) -> bool:
    """True when a person is watching: a TTY that is not TERM=dumb."""
    out = console(stream)
    return out.is_terminal and not out.is_dumb_terminal


@dataclass
class _Row:
    table: LeaseTable
    status: str = WAITING
    note: str = ""
    finished: float | None = None

    @property
    def word(self) -> str:
        """The status shown: `creating` while CREATE is on its way."""
        return "creating" if self.note == outcome.CREATING_NOTE else self.status

    @property
    def in_progress(self) -> bool:
        return self.note == outcome.CREATING_NOTE or self.status == outcome.QUEUED


class LiveTable:
    """One row per table: status, elapsed seconds, a spinner while CREATING."""

    def __init__(self, tables: Sequence[LeaseTable], out: Console) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._rows = {t.key: _Row(t) for t in tables}
        self._spinners: dict[tuple[str, str], RenderableType] = {}  # keep their phase

    def on_status(self, table: LeaseTable, status: str, note: str) -> None:
        """The `Progress` hook: called from worker threads as each table moves on."""
        with self._lock:
            # A row not known at the start (a footprint resource preflight planned) is
            # shown from its first news on.
            row = self._rows.setdefault(table.key, _Row(table))
            row.status, row.note = status, note
            row.finished = None if row.in_progress else time.monotonic()

    def render(self) -> RenderableType:
        """A snapshot for rich.live: rows in progress first, then the rest, to fit."""
        now = time.monotonic()
        with self._lock:
            rows = [replace(r) for r in self._rows.values()]
        rows.sort(key=lambda r: (not r.in_progress, r.status != WAITING, r.table.table_name))
        room = max(self._out.size.height - 4, 3)
        shown, hidden = rows[:room], rows[room:]

        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=1, min_width=1, no_wrap=True)
        grid.add_column(width=10, min_width=10, no_wrap=True)
        grid.add_column(width=7, min_width=7, justify="right", no_wrap=True)
        grid.add_column(overflow="ellipsis", no_wrap=True, ratio=1)
        for row in shown:
            mark: RenderableType = text(
                "·" if row.status == WAITING else ("✓" if row.status in outcome.HAPPY else "✗"),
                style=_STYLE.get(row.word, ""))
            if row.in_progress:  # the row's own spinner, whose phase goes on
                mark = self._spinners.setdefault(row.table.key, Spinner("dots", style="yellow"))
            elapsed = "" if row.status == WAITING else (
                f"{(row.finished or now) - self._start:5.1f} s")
            grid.add_row(mark, text(row.word, style=_STYLE.get(row.word, "")), text(elapsed),
                         text(f"{row.table.table_name}  {row.table.region or '?'}"))
        counts = Counter(r.word for r in rows)
        footer = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        more = f"{len(hidden)} more not shown; " if hidden else ""
        noun = "table" if len(rows) == 1 else "tables"
        grid.add_row("", "", text(f"{now - self._start:5.1f} s"),
                     text(f"{more}{len(rows)} {noun}: {footer}", style="bold"))
        # Two columns short of the width: the terminal echoes "^C" where the cursor is,
        # at the end of the last line, and after a full-width line that echo wraps
        # onto a line the display does not know of, so clearing it would leave the
        # top row behind, stale, above the closing message.
        return Constrain(grid, width=max(self._out.size.width - ECHO_ROOM, 20))


@contextmanager
def live_progress(tables: Sequence[LeaseTable], stream: TextIO,
                  enabled: bool = True) -> Iterator[outcome.Progress | None]:
    """A live display on `stream` while the block runs, when a person is watching.

    Yields the `Progress` to hand to the provisioner, or None (no display) when the
    stream is not a terminal or the display is not wanted (--quiet).
    """
    if not enabled or not is_terminal(stream):
        yield None
        return
    out = console(stream)
    live_table = LiveTable(tables, out)
    with Live(get_renderable=live_table.render, console=out, refresh_per_second=10,
              transient=True, redirect_stdout=False, redirect_stderr=False):
        yield outcome.Progress(on_status=live_table.on_status)


STATUS_WIDTH = 10  # the summary's status column; a longer status pushes its line along


def print_summary(results: Sequence[outcome.TableResult], stream: TextIO, verb: str = "",
                  extra: report.Extra = "", out: Console | None = None) -> None:
    """The closing summary on a terminal: the same facts as the plain lines, in columns.

    Each row is a head line (status, name, region) and its details below, indented. A
    name is never broken by a newline of ours: it is pasted into tickets and commands,
    and a name folded across two lines pastes as two words. When the head does not fit
    the width, the region moves to the details, and a name longer than the whole width
    is left to the terminal's own (soft) wrap, which copies as one line. The details'
    facts are dim; the message, which says what to do, is plain text.
    `out` is a ready console (tests pass one of a fixed size); else one on `stream`.
    """
    out = out or console(stream)
    for result in report.grouped(results):
        table = result.table
        indent = "" if table.role == "lease" else report.COMPANION_INDENT
        # Each part its own style (a base style would cover the whole line).
        head = Text.assemble(text(f"{result.status:<{STATUS_WIDTH}} ",
                                  style=_STYLE.get(result.status, "")),
                             text(indent + report.subject(table), style="bold"))
        region = table.region or "region ?"
        facts = report.role_words(table) + report.origin(table)
        if head.cell_len + 2 + len(region) <= out.width:
            head.append_text(text(f"  {region}"))
        else:
            facts = f"{region}, {facts}"
        out.print(head, soft_wrap=head.cell_len > out.width)
        details = Text.assemble(text(facts, style="dim"))
        if result.message:
            details.append_text(text(f" -- {result.message}"))
        out.print(Padding(details, (0, 0, 0, STATUS_WIDTH + 1), expand=False))
    for phrase in report.extra_lines(extra):
        out.print(text(phrase))
    style = "bold green" if outcome.exit_code(results) == 0 else "bold red"
    out.print(text(report.summary(results, verb), style=style))
