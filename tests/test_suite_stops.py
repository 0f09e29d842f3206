"""The suite leaves nothing behind when it is stopped: a real-KCL run (moto_server, the
KCL JVM and its record processors) stopped by SIGTERM, as `timeout`, a CI runner or a
shell stops it, ends every process it started (tests/reaper.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc (psutil is not in the lock)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> dict[int, str]:
    """`pid`'s descendants and their command lines."""
    tree, found, todo = _children(), {}, [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            try:
                found[child] = (Path(f"/proc/{child}/cmdline").read_bytes()
                                .replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                continue
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sigterm_during_a_real_kcl_run_leaves_no_process_behind(tmp_path) -> None:
    from tests.kclproof import require_kcl

    require_kcl()
    suite = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x",
         "tests/test_kcl_real.py", "-k", "takes_its_leases", "--basetemp", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and suite.poll() is None:
            started = _descendants(suite.pid)
            if any("java" in line for line in started.values()):
                break
            time.sleep(0.5)
        assert any("java" in line for line in started.values()), started
        assert any("moto_server" in line or "moto" in line for line in started.values()), started
        time.sleep(2)
        started.update(_descendants(suite.pid))
        suite.send_signal(signal.SIGTERM)  # the suite only, as `timeout` sends it
        suite.wait(timeout=60)
        time.sleep(1)
        left = {pid: line for pid, line in started.items() if _alive(pid)}
        assert not left, left
    finally:  # a failing run still leaves nothing behind
        if suite.poll() is None:
            suite.kill()
        for pid in started:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
