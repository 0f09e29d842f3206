"""Ctrl+C, SIGTERM and the end of a session: one way to be interrupted, whichever it was.

`timeout`, schedulers and service managers stop a program with SIGTERM, a person
with Ctrl+C (SIGINT); a dropped SSH session sends SIGHUP; on Windows, Ctrl+Break
sends SIGBREAK and closing the console window sends CTRL_CLOSE_EVENT. Every one
must end a run the same way: within two seconds, with the same true message and
the same one JSON object, and the exit code a shell reports for that signal (128 +
its number: 130, 143, 129; 149 for SIGBREAK, which the C runtime also delivers for a
closed console). So each raises `Interrupted`, a KeyboardInterrupt: every path that
already handles Ctrl+C handles them too.

A closed console is the one that needs more than a signal handler: Windows ends the
process as soon as the console's handlers return, before Python's main thread has
run its handler. So a console handler of our own (`SetConsoleCtrlHandler`) raises
the interrupt in the main thread and holds the process open for the few seconds
Windows grants, while the run writes its message and ends itself.

A signal that was ignored when the program started stays ignored. That is how a
parent says "not you": a shell starts background jobs (`cmd &`, `nohup`) with
SIGINT ignored so that a Ctrl+C meant for the foreground does not kill them, and a
service manager may do the same on purpose. Python itself keeps an inherited
SIG_IGN for SIGINT; this keeps that rule, and the same for SIGTERM.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNAL_EXIT_BASE = 128  # a shell reports death by signal N as 128 + N
# The signals that end a run, by name, with the words a message names them by; a name
# this platform lacks (SIGHUP on Windows, SIGBREAK elsewhere) is skipped.
NAMES = {"SIGINT": "Ctrl+C", "SIGTERM": "SIGTERM", "SIGHUP": "SIGHUP",
         "SIGBREAK": "Ctrl+Break"}
# Windows' numbers, so that words and exit codes are the same wherever they are asked for.
WINDOWS_NUMBERS = {"SIGBREAK": 21}
# Console control events (wincon.h) that end the console's processes: the window
# closed, the user logging off, the system shutting down.
CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT = 2, 5, 6
CLOSING_EVENTS = {CTRL_CLOSE_EVENT: "the console window was closed",
                  CTRL_LOGOFF_EVENT: "the user logged off",
                  CTRL_SHUTDOWN_EVENT: "Windows is shutting down"}
# Seconds a console handler holds the process open after a closing event: Windows ends
# it after 5 s anyway (SPI_GETHUNGAPPTIMEOUT), and a run stops within 2.
CLOSE_HOLD = 4.5


def number_of(name: str) -> int | None:
    """A signal's number on this platform, or Windows' own for SIGBREAK."""
    found = getattr(signal, name, None)
    return int(found) if found is not None else WINDOWS_NUMBERS.get(name)


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal; `exit_code` is what a shell reports for it."""

    def __init__(self, signum: int = signal.SIGINT, event: int | None = None) -> None:
        super().__init__(signum)
        self.signum = signum
        self.event = event  # a Windows console event behind a SIGBREAK (window closed)

    @property
    def exit_code(self) -> int:
        return SIGNAL_EXIT_BASE + self.signum

    @property
    def cause(self) -> str:
        """'Ctrl+C', 'SIGTERM', 'SIGHUP', 'Ctrl+Break', or the console event, for a
        message ("interrupted by ...")."""
        if self.event in CLOSING_EVENTS:
            return f"the end of its console ({CLOSING_EVENTS[self.event]})"
        words = {number_of(name): said for name, said in NAMES.items()}
        if self.signum in words:
            return words[self.signum]
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"


_received: list[int] = []


def _raise(signum: int, frame: FrameType | None) -> None:
    """The first signal interrupts the run; later ones (a second Ctrl+C, a SIGTERM
    after it) are let pass: the run is already stopping, within two seconds, and a
    second exception would only cut its true message short."""
    if _received:
        return
    _received.append(signum)
    raise Interrupted(signum, _closing[0] if _closing else None)


_closing: list[int] = []  # the console event that ended the session, if one did


def on_console_event(event: int, interrupt: Callable[[int], None],
                     hold: Callable[[], Any]) -> bool:
    """A Windows console control event: a closing one interrupts the run as Ctrl+Break
    does (with the event's own words) and holds the process open (`hold`) while the
    run ends itself; Ctrl+C and Ctrl+Break (False) are left to Python's handlers."""
    if event not in CLOSING_EVENTS:
        return False
    if not _closing:
        _closing.append(event)
        interrupt(number_of("SIGBREAK") or 0)
    hold()
    return True


def _install_console_handler() -> None:
    """Windows only: `on_console_event` as a console control handler (kept referenced
    for the life of the process, as ctypes requires)."""
    import _thread
    import ctypes
    import time

    handler_type = ctypes.WINFUNCTYPE(ctypes.c_int, ctypes.c_uint)  # type: ignore[attr-defined]

    def handle(event: int) -> int:
        return int(on_console_event(
            event, lambda number: _thread.interrupt_main(signal.Signals(number)),
            lambda: time.sleep(CLOSE_HOLD)))

    global _console_handler
    _console_handler = handler_type(handle)
    ctypes.windll.kernel32.SetConsoleCtrlHandler(_console_handler, True)  # type: ignore[attr-defined]


_console_handler: object = None


def received() -> bool:
    """Whether a signal interrupted this run (a later one may still come in)."""
    return bool(_received)


def install() -> None:
    """Make SIGINT, SIGTERM, SIGHUP and SIGBREAK raise `Interrupted` in the main thread,
    unless the parent had them ignored (see the module's docstring); on Windows, a
    closed console too."""
    for number in (getattr(signal, name, None) for name in NAMES):
        if number is not None and signal.getsignal(number) != signal.SIG_IGN:
            signal.signal(number, _raise)
    if sys.platform == "win32" and signal.getsignal(signal.SIGBREAK) == _raise:
        with contextlib.suppress(OSError, AttributeError):  # no console API at all
            _install_console_handler()


def which(exc: BaseException) -> Interrupted:
    """The signal behind an interrupt: Python's own KeyboardInterrupt is Ctrl+C, and
    click's Abort wraps the interrupt it caught, so its cause is looked at too."""
    return next((each for each in (exc, exc.__cause__, exc.__context__)
                 if isinstance(each, Interrupted)), Interrupted(signal.SIGINT))
