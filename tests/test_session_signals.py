"""Signals that end a session, on every platform, with plain values.

The Windows ones (Ctrl+Break, a closed console window) cannot be sent on Linux;
their words, exit codes and the console handler's decision are pure, and are
checked here so that they hold wherever the tool runs.
"""

from __future__ import annotations

import pytest

from lease_tables.cli import signals
from lease_tables.cli.signals import (
    CTRL_CLOSE_EVENT,
    CTRL_LOGOFF_EVENT,
    Interrupted,
    on_console_event,
)

CTRL_C_EVENT, CTRL_BREAK_EVENT = 0, 1
SIGBREAK = 21  # Windows' number


def test_ctrl_break_is_an_interrupt_like_sigterm() -> None:
    stopped = Interrupted(SIGBREAK)
    assert (stopped.exit_code, stopped.cause) == (128 + 21, "Ctrl+Break")
    assert isinstance(stopped, KeyboardInterrupt)  # every Ctrl+C path handles it


def test_sighup_is_named_and_exits_129() -> None:
    stopped = Interrupted(signals.number_of("SIGHUP") or 1)
    assert (stopped.exit_code, stopped.cause) == (129, "SIGHUP")


@pytest.mark.parametrize(("event", "words"), [
    (CTRL_CLOSE_EVENT, "the console window was closed"),
    (CTRL_LOGOFF_EVENT, "the user logged off"),
])
def test_a_closed_console_interrupts_once_and_holds_the_process(monkeypatch, event: int,
                                                                 words: str) -> None:
    monkeypatch.setattr(signals, "_closing", [])
    interrupted: list[int] = []
    held: list[bool] = []
    assert on_console_event(event, interrupted.append, lambda: held.append(True))
    assert interrupted == [SIGBREAK] and held == [True]
    stopped = Interrupted(SIGBREAK, signals._closing[0])
    assert words in stopped.cause and stopped.exit_code == 149
    # A second closing event (logoff after close) interrupts nothing more.
    assert on_console_event(CTRL_CLOSE_EVENT, interrupted.append, lambda: None)
    assert interrupted == [SIGBREAK]


@pytest.mark.parametrize("event", [CTRL_C_EVENT, CTRL_BREAK_EVENT])
def test_ctrl_c_and_ctrl_break_are_left_to_the_signal_handlers(monkeypatch, event: int) -> None:
    monkeypatch.setattr(signals, "_closing", [])
    interrupted: list[int] = []
    assert not on_console_event(event, interrupted.append, lambda: None)
    assert interrupted == []
