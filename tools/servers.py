"""Local servers on 127.0.0.1: a free port, moto_server from .venv, dynalite, and stopping them.

The test suite (`tests/conftest.py`) and the benchmark (`bench/run.py`) take
`free_port` and `stop_process` from here too, so every process is stopped one way.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping
from typing import Any

from tools.paths import PYTHON, ROOT
from tools.step import run, say

DYNALITE = ROOT / "bench" / "node_modules" / "dynalite" / "cli.js"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop_process(process: subprocess.Popen[Any]) -> None:
    """Stop a local server we started: politely, then firmly, each wait bounded."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def start_moto(env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """moto_server from the development venv on a free 127.0.0.1 port, once it answers."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(PYTHON), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=None if env is None else dict(env))
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).read()
            return server, endpoint
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                stop_process(server)
                raise SystemExit("moto_server did not start") from None
            time.sleep(0.2)


def ensure_dynalite() -> None:
    """dynalite (npm) keeps tables CREATING like AWS; the wait and interrupt tests and the
    benchmark need it. Installed from bench/package-lock.json: both run the one pinned release.
    """
    if DYNALITE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to install dynalite (the tests and the benchmark "
                         "start it); install Node.js and rerun")
    say("installing dynalite into bench/node_modules (first run only)")
    run([npm, "ci", "--prefix", ROOT / "bench", "--no-audit", "--no-fund",
         "--loglevel", "error"])
