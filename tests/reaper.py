"""Every process the suite starts ends with it, however the suite is stopped.

Fixture teardowns stop servers, JVMs and Wine programs on a normal end and on Ctrl+C
(pytest turns KeyboardInterrupt into a clean session end). SIGTERM, which `timeout`,
CI runners and shells send, kills Python outright by default: no teardown runs. So:

- `install()` (conftest, at configure time) makes SIGTERM raise KeyboardInterrupt in
  the main thread, so a SIGTERM ends the session the way Ctrl+C does, teardowns run;
- every child is started in a process group of its own (`start_new_session`) and
  `track`ed; an atexit hook kills each tracked group still alive, for what a teardown
  never reached (a second signal, a teardown that failed), children of children too.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
from types import FrameType

_TRACKED: list[subprocess.Popen] = []
_LOCK = threading.Lock()


def track(process: subprocess.Popen) -> subprocess.Popen:
    """Remember `process` (started with start_new_session on POSIX) to end it at exit."""
    with _LOCK:
        _TRACKED.append(process)
    return process


def end_all() -> None:
    """Kill every tracked process (and its process group) that is still running."""
    with _LOCK:
        tracked = list(_TRACKED)
    for process in tracked:
        if process.poll() is not None:
            continue
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the group it leads, children too
        except (AttributeError, OSError):  # Windows, or not a group leader
            with contextlib.suppress(OSError):
                process.kill()
        with contextlib.suppress(Exception):
            process.wait(timeout=5)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def install() -> None:
    """SIGTERM as Ctrl+C (see above), unless someone else handles it; the atexit sweep."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM") \
            and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _interrupt)
    atexit.register(end_all)
