"""`dev.py pictures`: the documentation's terminal pictures, from real runs.

Each picture is what a person at an 80x24 terminal sees: the installed `lease-tables`
runs with its stdout and stderr on pseudo-terminals (so it draws its live table and its
summary exactly as for a person), against a local server this command starts and stops
(dynalite keeps new tables CREATING for a few seconds, as AWS does; moto_server enforces
IAM for preflight). What it wrote is turned into SVG by rich's own recording
(`Console(record=True)`, `save_svg`) in tools/terminal_svg.py, run with the venv's
Python. Then the benchmark chart is drawn again from bench/results.json.

The pictures land in docs/img/ and are committed; tests/test_docs.py checks that each
exists and that a page shows it. Timings differ from run to run, so they are not
compared. POSIX only (pseudo-terminals); run it on Linux or macOS.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.demo import demo_env
from tools.paths import BIN, PYTHON, ROOT
from tools.servers import DYNALITE, ensure_dynalite, free_port, start_moto, stop_process
from tools.step import say
from tools.venv import ensure_venv

IMG = ROOT / "docs" / "img"
COLUMNS, LINES = 80, 24
CREATING_MS = 4000  # long enough for a frame with every new table CREATING
NEW_TABLES = ("ctrEmea", "ctrApac", "agentsEmea_ris02.4", "agentsApac_ris03.7")
SELECTION = ["--conf-dir", "sample_conf", "--host-name", "verintris"]
MOTO_ACCOUNT = "123456789012"  # the account moto_server answers for
# The pictures this command makes, each by the function that runs it.
PICTURES = ("create-live.svg", "create-summary.svg", "preflight-verdict.svg",
            "diagnose-finding.svg")
# A real KCL 3.1.3 log (tests/data/kcl-logs/): KCL refused CreateTable and gave up.
DIAGNOSE_LOG = "tests/data/kcl-logs/kcl-3.1.3/no-tables.log"


def on_terminal(args: Sequence[str], env: Mapping[str, str]) -> tuple[str, str, int]:
    """Run the installed CLI with stdout and stderr each on an 80x24 pseudo-terminal."""
    import fcntl
    import pty
    import struct
    import termios

    masters, slaves = [], []
    for _ in range(2):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        masters.append(master)
        slaves.append(slave)
    terminal_env = {k: v for k, v in env.items()
                    if k not in {"NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"}}
    terminal_env.update(COLUMNS=str(COLUMNS), LINES=str(LINES), TERM="xterm-256color")
    process = subprocess.Popen([str(BIN / "lease-tables"), *args], cwd=ROOT, env=terminal_env,
                               stdin=subprocess.DEVNULL, stdout=slaves[0], stderr=slaves[1])
    for slave in slaves:
        os.close(slave)
    chunks: dict[int, list[bytes]] = {m: [] for m in masters}
    open_masters = list(masters)
    deadline = time.monotonic() + 120
    while open_masters and time.monotonic() < deadline:
        ready, _, _ = select.select(open_masters, [], [], 0.5)
        for master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other end closed (the process is gone)
                data = b""
            if data:
                chunks[master].append(data)
            else:
                open_masters.remove(master)
    code = process.wait(timeout=30)
    for master in masters:
        os.close(master)
    out, err = (b"".join(chunks[m]).decode("utf-8", "replace") for m in masters)
    return out, err, code


def plain(args: Sequence[str], env: Mapping[str, str]) -> None:
    """A setup run of the installed CLI, its output not shown in any picture."""
    subprocess.run([str(BIN / "lease-tables"), *args], cwd=ROOT, env=dict(env), check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=120)


def draw(text: str, name: str, title: str, pick: str = "") -> None:
    """Captured terminal text -> docs/img/NAME, by rich's recording (tools/terminal_svg.py)."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "captured.txt"
        source.write_text(text, encoding="utf-8")
        subprocess.run([str(PYTHON), str(ROOT / "tools" / "terminal_svg.py"), "svg",
                        str(source), str(IMG / name), title, *([pick] if pick else [])],
                       check=True, timeout=120)
    say(f"wrote docs/img/{name}")


def prompt(args: Sequence[str]) -> str:
    return "$ lease-tables " + " ".join(args) + "\n"


def create_pictures(env: Mapping[str, str]) -> None:
    """create's live table (tables CREATING) and its summary, two tables existing."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is needed to run dynalite (install Node.js)")
    port = free_port()
    server = subprocess.Popen([node, str(DYNALITE), "--host", "127.0.0.1", "--port", str(port),
                               "--createTableMs", str(CREATING_MS)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        _wait_for_port(port)
        plain(["create", *SELECTION, "--endpoint-url", endpoint], env)
        args = ["create", *SELECTION, *(a for t in NEW_TABLES for a in ("--table", t)),
                "--endpoint-url", endpoint]
        out, err, code = on_terminal(args, env)
        if code != 0 or "creating" not in err:
            raise SystemExit(f"create exited {code} without a live table:\n{out}{err}")
        draw(prompt(args) + err, "create-live.svg", "lease-tables create: the live table",
             pick="live")
        draw(prompt(args) + out, "create-summary.svg", "lease-tables create: the summary")
    finally:
        stop_process(server)


def preflight_picture(env: Mapping[str, str]) -> None:
    """A passing preflight verdict, with the adapter's own (IAM-restricted) keys."""
    server, endpoint = start_moto({**env, "INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    try:
        # The adapter gets what `policy --role adapter` prints for the file (its lease
        # tables and the streams the file names), and those streams exist: preflight
        # probes both by default.
        printed = subprocess.run([str(BIN / "lease-tables"), "policy", "--role", "adapter",
                                  *SELECTION, "--account-id", MOTO_ACCOUNT], cwd=ROOT,
                                 env=dict(env), check=True, capture_output=True, text=True,
                                 timeout=120)
        with tempfile.TemporaryDirectory() as scratch:
            policy = Path(scratch) / "adapter-policy.json"
            policy.write_text(printed.stdout, encoding="utf-8")
            made = subprocess.run([str(PYTHON), str(ROOT / "tools" / "terminal_svg.py"), "iam",
                                   endpoint, str(policy)], env=dict(env), check=True,
                                  capture_output=True, text=True, timeout=120)
        keys = json.loads(made.stdout)

        def as_user(user: str) -> dict[str, str]:
            key, secret = keys[user]
            return {**env, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}

        plain(["create", *SELECTION, "--endpoint-url", endpoint], as_user("admin"))
        args = ["preflight", *SELECTION, "--endpoint-url", endpoint]
        out, err, code = on_terminal(args, as_user("adapter"))
        if code != 0:
            raise SystemExit(f"preflight exited {code}:\n{out}{err}")
        draw(prompt(args) + out, "preflight-verdict.svg", "lease-tables preflight: the verdict")
    finally:
        stop_process(server)


def diagnose_picture(env: Mapping[str, str]) -> None:
    """A diagnose finding on the real KCL's own log of an adapter without its tables."""
    args = ["diagnose", "--log", DIAGNOSE_LOG, "--kcl", "3.1"]
    out, err, code = on_terminal(args, env)
    if code != 3:
        raise SystemExit(f"diagnose exited {code}, not 3 (findings):\n{out}{err}")
    draw(prompt(args) + out, "diagnose-finding.svg", "lease-tables diagnose: the finding")


def _wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"dynalite did not listen on 127.0.0.1:{port}")


def pictures() -> int:
    if os.name == "nt":
        print("dev.py pictures needs pseudo-terminals: run it on Linux or macOS",
              file=sys.stderr)
        return 2
    ensure_venv()
    ensure_dynalite()
    empty = Path(tempfile.mkdtemp(prefix="lease-tables-pictures-"))
    try:
        env = demo_env(os.environ, empty)
        create_pictures(env)
        preflight_picture(env)
        diagnose_picture(env)
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / "chart.py")], check=True, timeout=60)
    missing = [name for name in PICTURES if not (IMG / name).exists()]
    return 1 if missing else 0
