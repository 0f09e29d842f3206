#!/usr/bin/env python3
"""The README's two commands: `python3 dev.py demo` and `python3 dev.py test`.

Both work on a fresh machine with Python 3.10+ and nothing else installed by
hand: they make `.venv/` beside this file and install lease-tables with its test
extras there. `demo` starts a local DynamoDB-compatible endpoint (moto_server)
on 127.0.0.1, runs `create` then `verify` on `sample_conf/`, and stops it.
Written in Python rather than shell so it runs the same on Windows.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".lease-tables-installed"


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def ensure_venv() -> None:
    """Create .venv and install the project once; reinstall when pyproject changes."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    say("installing lease-tables with its test tools into .venv (first run only)")
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
                   check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"],
                   check=True)
    STAMP.write_text(wanted)


def ensure_dynalite() -> None:
    """dynalite (npm) keeps tables CREATING like AWS; the wait and interrupt tests need it."""
    if (ROOT / "bench" / "node_modules" / "dynalite" / "cli.js").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed for the tests (they start dynalite); install Node.js")
    say("installing dynalite into bench/node_modules (first run only)")
    subprocess.run([npm, "ci", "--prefix", str(ROOT / "bench"), "--no-audit", "--no-fund",
                    "--loglevel", "error"], check=True)


def ensure_checkov() -> str | None:
    """checkov in a venv of its own (it pins packaging<24, which pytest 9 refuses).

    Best effort: without it the two checkov tests skip and say why; the
    structural Terraform tests and cfn-lint still run.
    """
    checkov_venv = ROOT / ".venv-checkov"
    exe = checkov_venv / ("Scripts/checkov.cmd" if os.name == "nt" else "bin/checkov")
    if exe.exists():
        return str(exe)
    say("installing checkov into .venv-checkov (first run only; optional)")
    try:
        venv.EnvBuilder(with_pip=True).create(checkov_venv)
        python = checkov_venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "checkov"],
                       check=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"checkov could not be installed ({exc}); its tests will be skipped")
        return None
    return str(exe) if exe.exists() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo() -> int:
    """Create the sample's lease tables on a local endpoint, then verify them."""
    ensure_venv()
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    say(f"starting a local DynamoDB-compatible endpoint (moto_server) at {endpoint}")
    server = subprocess.Popen(
        [str(PYTHON), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("moto_server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
        common = ["--conf-dir", str(ROOT / "sample_conf"), "--endpoint-url", endpoint]
        code = 0
        for args in (["create", "--dry-run"], ["create"], ["create"], ["verify"]):
            say("lease-tables " + " ".join(args + common))
            result = subprocess.run([str(BIN / "lease-tables"), *args, *common], env=env)
            code = max(code, result.returncode)
        say("demo finished: tables created, rerun was a no-op, verify passed" if code == 0
            else f"demo finished with exit code {code}")
        return code
    finally:
        stop_process(server)


def stop_process(process: subprocess.Popen) -> None:
    """Stop a local server this script (or the benchmark) started: politely, then firmly."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test(extra: list[str]) -> int:
    """ruff, then the whole pytest suite (unit, property and end-to-end)."""
    ensure_venv()
    ensure_dynalite()
    paths = [p for p in ("src", "tests", "bench", "docs", "dev.py") if (ROOT / p).exists()]
    say("ruff check " + " ".join(paths))
    lint = subprocess.run([str(BIN / "ruff"), "check", *paths], cwd=ROOT)
    env = dict(os.environ)
    checkov = ensure_checkov()
    if checkov:
        env["LEASE_TABLES_CHECKOV"] = checkov
    say("pytest")
    workers = ["-n", "2"] if "-n" not in extra else []
    tests = subprocess.run([str(PYTHON), "-m", "pytest", *workers, *extra], cwd=ROOT, env=env)
    return tests.returncode or lint.returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print("usage: python3 dev.py demo | test [pytest options]", file=sys.stderr)
        return 2
    return demo() if argv[0] == "demo" else test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
