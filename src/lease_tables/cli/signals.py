"""Ctrl+C and SIGTERM: one way to be interrupted, whichever signal it was.

`timeout`, schedulers and service managers stop a program with SIGTERM, a person
with Ctrl+C (SIGINT). Both must end a run the same way: within two seconds, with
the same true message and the same one JSON object, and the exit code the shell
would report for that signal (130, 143). So both raise `Interrupted`, a
KeyboardInterrupt: every path that already handles Ctrl+C handles SIGTERM too.

A signal that was ignored when the program started stays ignored. That is how a
parent says "not you": a shell starts background jobs (`cmd &`, `nohup`) with
SIGINT ignored so that a Ctrl+C meant for the foreground does not kill them, and a
service manager may do the same on purpose. Python itself keeps an inherited
SIG_IGN for SIGINT; this keeps that rule, and the same for SIGTERM.
"""

from __future__ import annotations

import signal
from types import FrameType

SIGNAL_EXIT_BASE = 128  # a shell reports death by signal N as 128 + N
NAMES = {"SIGINT": "Ctrl+C", "SIGTERM": "SIGTERM"}


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal; `exit_code` is what a shell reports for it."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return SIGNAL_EXIT_BASE + self.signum

    @property
    def cause(self) -> str:
        """'Ctrl+C' or 'SIGTERM', for a message."""
        name = signal.Signals(self.signum).name
        return NAMES.get(name, name)


_received: list[int] = []


def _raise(signum: int, frame: FrameType | None) -> None:
    """The first signal interrupts the run; later ones (a second Ctrl+C, a SIGTERM
    after it) are let pass: the run is already stopping, within two seconds, and a
    second exception would only cut its true message short."""
    if _received:
        return
    _received.append(signum)
    raise Interrupted(signum)


def received() -> bool:
    """Whether a signal interrupted this run (a later one may still come in)."""
    return bool(_received)


def install() -> None:
    """Make SIGINT and SIGTERM raise `Interrupted` in the main thread, unless the
    parent had them ignored (see the module's docstring)."""
    for name in NAMES:
        number = getattr(signal, name, None)
        if number is None or signal.getsignal(number) == signal.SIG_IGN:
            continue
        signal.signal(number, _raise)


def which(exc: BaseException) -> Interrupted:
    """The signal behind an interrupt: Python's own KeyboardInterrupt is Ctrl+C, and
    click's Abort wraps the interrupt it caught, so its cause is looked at too."""
    for each in (exc, exc.__cause__, exc.__context__):
        if isinstance(each, Interrupted):
            return each
    return Interrupted(signal.SIGINT)
