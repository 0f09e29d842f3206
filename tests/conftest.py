"""Shared fixtures: a real moto_server on 127.0.0.1, and the installed CLI as a subprocess.

End-to-end tests go over the wire like production does, and assert on the
server's state through a separate boto3 client, not only on our output.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from hypothesis import settings

from tests.reaper import install as install_reaper
from tests.reaper import track
from tools.servers import free_port
from tools.servers import stop_process as stop


def pytest_configure(config: pytest.Config) -> None:
    """Whatever stops the suite (Ctrl+C, SIGTERM, a timeout), what it started ends with it
    (tests/reaper.py)."""
    install_reaper()

# Property tests are the same examples on every run (a fresh clone's test run must
# not turn red by chance); `HYPOTHESIS_PROFILE=explore` searches further, with new
# random examples each time, to find what the fixed ones miss.
settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=2_000, derandomize=False, deadline=None)
# `python3 dev.py mutate` runs the fast tests once per mutant: fewer fixed examples.
settings.register_profile("mutate", max_examples=20, derandomize=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONF = ROOT / "sample_conf"
REGION = "us-east-1"


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def moto_server_command(port: int) -> list[str]:
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if exe:
        return [exe, "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


@dataclass
class LocalServer:
    """A DynamoDB-compatible server process this test session started and will stop."""

    url: str
    process: subprocess.Popen

    def client(self, region: str = REGION):
        return boto3.client(
            "dynamodb", region_name=region, endpoint_url=self.url,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )


class MotoServer(LocalServer):
    """moto_server: tables are ACTIVE at once; state can be reset between tests."""

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).read()


class Dynalite(LocalServer):
    """dynalite: tables stay CREATING / DELETING for a while, like AWS."""


def spawn(kind: type[LocalServer], command: list[str], port: int,
          env: Mapping[str, str] | None = None) -> LocalServer:
    """Start a server on 127.0.0.1:port and wait until it accepts connections."""
    process = track(subprocess.Popen(command, env=dict(env or os.environ),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=os.name != "nt"))
    try:
        wait_for_port(port)
    except RuntimeError:
        process.kill()
        raise
    return kind(url=f"http://127.0.0.1:{port}", process=process)


def start_moto(extra_env: Mapping[str, str] | None = None) -> MotoServer:
    port = free_port()
    server = spawn(MotoServer, moto_server_command(port), port,
                   {**os.environ, **(extra_env or {})})
    assert isinstance(server, MotoServer)
    return server


@pytest.fixture(autouse=True)
def cold_memos() -> None:
    """Each test starts as a new run does: the reader's caches and the registered secrets
    empty. Otherwise a test that spells a type or key as an earlier test did would get the
    earlier answer back and never run the code it names (a mutant's, under `dev.py
    mutate`), and a secret an earlier test registered would be redacted whatever
    register_secrets does."""
    from lease_tables.config import ris
    from lease_tables.core import printable

    for cached in (ris.kind_of, ris._local_name, ris.normalise_key):
        cached.cache_clear()
    printable._secrets.clear()


# `python3 dev.py mutate` runs only the in-process unit tests: a subprocess or a local
# server would run the installed code, not the mutant, and cost seconds per mutant.
FAST_ONLY = os.environ.get("LEASE_TABLES_FAST_TESTS_ONLY") == "1"


def skip_unless_end_to_end() -> None:
    if FAST_ONLY:
        pytest.skip("end-to-end (LEASE_TABLES_FAST_TESTS_ONLY=1)")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    skip_unless_end_to_end()
    server = start_moto()
    yield server
    stop(server.process)


@pytest.fixture()
def moto(moto_server: MotoServer) -> Iterator[MotoServer]:
    """A moto_server with no tables at the start of the test."""
    moto_server.reset()
    yield moto_server


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with no AWS settings of the machine's leaking in.

    AWS_EC2_METADATA_DISABLED keeps botocore from asking the instance-metadata
    address for credentials: tests only ever talk to 127.0.0.1.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k != "IMPACT360SOFTWAREDIR"}
    env.update({
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    })
    env.update(extra)
    return env


def aws_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return clean_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                     **extra)


def cli_executable() -> str:
    exe = shutil.which("lease-tables", path=str(Path(sys.executable).parent))
    assert exe, "the lease-tables console script is not installed in this environment"
    return exe


def default_signals() -> None:
    """`preexec_fn` for a child a test interrupts: SIGINT, SIGTERM, SIGHUP at their defaults.

    A shell starts background jobs (`nohup python3 dev.py test &`) with SIGINT
    ignored, and a child inherits that; the CLI keeps an inherited SIG_IGN on
    purpose (that is how a parent says "not you", see `lease_tables.cli.signals`). A
    test that plays the operator pressing Ctrl+C must therefore give its child the
    terminal's defaults itself, so the suite passes however it was started.
    """
    import signal

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: `nohup`
        signal.signal(number, signal.SIG_DFL)


def start_cli(args: list[str], env: Mapping[str, str], **popen: object) -> subprocess.Popen:
    """The installed CLI as a child that signals reach as they reach an operator's run
    (`default_signals`); stdout and stderr piped as text unless `popen` says otherwise."""
    skip_unless_end_to_end()
    options: dict = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True,
                     "stdin": subprocess.DEVNULL, **popen}
    if sys.platform != "win32":
        options.setdefault("preexec_fn", default_signals)
    return track(subprocess.Popen([cli_executable(), *args], env=dict(env), **options))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(args: list[str], env: Mapping[str, str], timeout: float = 120,
            cwd: Path | None = None) -> Run:
    """Run the installed console script, as an operator or install script would."""
    skip_unless_end_to_end()
    proc = subprocess.run(
        [cli_executable(), *args], env=dict(env), capture_output=True, text=True,
        timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture()
def cli(tmp_path: Path, moto: MotoServer):
    """run_cli against the per-test moto_server with fake credentials and a region."""

    def run(*args: str, env_extra: Mapping[str, str] | None = None, timeout: float = 120) -> Run:
        env = aws_env(tmp_path, AWS_DEFAULT_REGION=REGION, **(env_extra or {}))
        return run_cli([*args, "--endpoint-url", moto.url], env, timeout=timeout)

    return run


DYNALITE_CLI = ROOT / "bench" / "node_modules" / "dynalite" / "cli.js"


def start_dynalite(create_ms: int = 1000, delete_ms: int = 1000) -> Dynalite:
    """Start dynalite on 127.0.0.1 (installed by `npm ci --prefix bench`, see .ci/run)."""
    skip_unless_end_to_end()
    node = shutil.which("node")
    if node is None or not DYNALITE_CLI.exists():
        pytest.fail("dynalite is not installed: run `npm ci --prefix bench` (needs node and npm)")
    port = free_port()
    server = spawn(Dynalite, [node, str(DYNALITE_CLI), "--host", "127.0.0.1", "--port", str(port),
                              "--createTableMs", str(create_ms),
                              "--deleteTableMs", str(delete_ms)], port)
    assert isinstance(server, Dynalite)
    return server
