"""Windows, executed: the offline win_amd64 bundle run by the official Windows CPython.

The slow tests build the bundle (`dev.py bundle`) for 3.11 and 3.13, install it with
no index into the matching embeddable CPython under Wine (tests/wine.py, which also
names each gap of Wine worked around), and run there what an operator runs on a RIS
server: help, dry runs through a UNC folder and through %IMPACT360SOFTWAREDIR%,
policy, template, create twice and verify against moto_server on 127.0.0.1 (its state
checked from this side), non-ASCII tags, messages on a piped stderr, Ctrl+C, a
closed console window, and install.cmd under Wine's cmd. The fast tests pin the same
rules with plain values.

Without Wine the slow tests skip, except in CI (CI=true), where that is a failure:
`.ci/run` installs Wine.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

from lease_tables import __version__
from lease_tables.cli import signals
from lease_tables.cli.app import utf8_output
from lease_tables.config.naming import computer_name_warning, derive_tables, local_host_name
from tests import wine
from tests.conftest import REGION, SAMPLE_CONF, MotoServer, clean_env, cli_executable
from tests.faultproxy import SilentServer
from tools.bundle import bundle as build_bundle
from tools.installers import INSTALL_CMD, INSTALL_PS1, installer_messages

TAGS = {"owner": "Jürgen", "city": "東京"}
UNC_CONF = "\\\\verintris\\e$\\Impact360\\Software\\Conf"
ACCOUNT = "123456789012"


# --- Wine's quirks, one table (fast) ----------------------------------------------------

def test_every_wine_quirk_names_the_version_that_needs_it_and_its_workaround() -> None:
    assert len(wine.QUIRK_NAMES) == len(wine.QUIRKS)
    for quirk in wine.QUIRKS:
        assert re.fullmatch(r"\d+\.\d+", quirk.seen_in), quirk
        assert quirk.fixed_in is None or wine.version_tuple(quirk.fixed_in) > \
            wine.version_tuple(quirk.seen_in), quirk
        assert quirk.gap and quirk.workaround
    assert wine.needed("bcryptprimitives", "8.0")
    assert wine.needed("bcryptprimitives", "8.12")
    assert not wine.needed("bcryptprimitives", "8.13")
    assert not wine.needed("bcryptprimitives", "9.0")
    assert wine.needed("wmi", "10.0")  # not known to be fixed: kept


def test_the_prefix_environment_applies_the_wmi_workaround_by_version(tmp_path: Path) -> None:
    old = wine.Prefix("wine", "8.0", tmp_path).env({"PATH": "/usr/bin"})
    assert "wbemprox=d" in old["WINEDLLOVERRIDES"].split(";")
    assert old["WINEPREFIX"] == str(tmp_path) and old["PATH"] == "/usr/bin"


# --- the host name on Windows (fast) ---------------------------------------------------

def test_a_computer_name_that_differs_in_case_only_is_a_warning_naming_both() -> None:
    warning = computer_name_warning("verintris", "VERINTRIS")
    assert warning is not None
    assert '"verintris"' in warning and '"VERINTRIS"' in warning
    assert "--host-name VERINTRIS" in warning
    for local, computer in (("verintris", "verintris"), ("VERINTRIS", "VERINTRIS"),
                            ("verintris", None), ("verintris", ""),
                            ("verintris-recorder-01", "VERINTRIS-RECOR"),  # NetBIOS: 15
                            ("ris01", "RIS02")):
        assert computer_name_warning(local, computer) is None, (local, computer)


def test_derive_warns_of_the_case_slip_only_where_this_machines_name_is_used() -> None:
    from lease_tables.config.ris import read_confs

    confs = read_confs([str(SAMPLE_CONF)], {})
    local = derive_tables(confs, local_host="verintris", computer_name="VERINTRIS",
                          default_region=REGION)
    assert [t.table_name for t in local.tables if t.host_name] == ["verintAgentEvents_verintris.2"]
    assert sum("COMPUTERNAME" in w for w in local.warnings) == 1
    given = derive_tables(confs, host_option="VERINTRIS", local_host="verintris",
                          computer_name="VERINTRIS", default_region=REGION)
    assert not any("COMPUTERNAME" in w for w in given.warnings)
    tables_only = derive_tables([], table_names=["leases1"], local_host="verintris",
                                computer_name="VERINTRIS", default_region=REGION)
    assert not any("COMPUTERNAME" in w for w in tables_only.warnings)
    same = derive_tables(confs, local_host="VERINTRIS", computer_name="VERINTRIS",
                         default_region=REGION)
    assert not any("COMPUTERNAME" in w for w in same.warnings)


def test_the_installed_cli_warns_when_computername_differs_in_case(tmp_path: Path) -> None:
    """COMPUTERNAME is read from the environment, as Windows sets it; the host name from
    the machine. A host name already upper case gives nothing to warn about."""
    local = local_host_name()
    env = clean_env(tmp_path, COMPUTERNAME=local.upper(), AWS_DEFAULT_REGION=REGION)
    for args in (["create", "--dry-run", "--conf-dir", str(SAMPLE_CONF)],
                 ["name", "--kind", "agent-events", "--application-name", "app",
                  "--adapter-id", "2"]):
        proc = subprocess.run([cli_executable(), *args], env=env, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
        assert f"_{local}." in proc.stdout
        assert ("COMPUTERNAME" in proc.stderr) == (local != local.upper()), proc.stderr


# --- messages in UTF-8 when stderr is not a console (fast) -----------------------------

def test_messages_on_a_piped_stderr_are_utf8_whatever_pythonioencoding(tmp_path: Path) -> None:
    folder = tmp_path / "Konfiguration-東京-Jürgen"
    for encoding in ("cp1252", "ascii", "latin-1"):
        proc = subprocess.run(
            [cli_executable(), "create", "--dry-run", "--conf-dir", str(folder)],
            env=clean_env(tmp_path, PYTHONIOENCODING=encoding), capture_output=True,
            timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode == 2
        message = proc.stderr.decode("utf-8")  # strict: anything else would raise
        assert "Konfiguration-東京-Jürgen" in message and "\\u" not in message, message


def test_a_message_that_utf8_cannot_hold_is_escaped_not_lost(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import io

    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="cp1252")
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="cp1252"))
    utf8_output()
    print("東京 \udcff", file=sys.stderr)
    stream.flush()
    assert buffer.getvalue().decode("utf-8") == "東京 \\udcff\n"


# --- the Windows installers' logic (fast; PowerShell itself is not run here) ------------

INSTALLER_VALUES = {"version": __version__, "platform": "win_amd64", "python": "3.11",
                    "major": "3", "minor": "11", "nodot": "311"}


def installers() -> tuple[str, str, dict[str, str]]:
    """install.ps1 and install.cmd as `dev.py bundle` writes them for Python 3.11."""
    messages = installer_messages(INSTALLER_VALUES)
    return (INSTALL_PS1.format(**INSTALLER_VALUES, **messages),
            INSTALL_CMD.format(**INSTALLER_VALUES, **messages), messages)


def test_both_installers_say_the_same_three_things_in_the_same_order() -> None:
    ps1, cmd, messages = installers()
    for name in ("no_python", "wrong_python", "no_venv"):
        as_ps1 = messages[f"{name}_ps1"].replace("{0}", "<python>").replace(
            "install.ps1 -Python", "<installer>")
        as_cmd = messages[f"{name}_cmd"].replace("%SHOWN%", "<python>").replace(
            "install.cmd", "<installer>")
        assert as_ps1 == as_cmd, name
        assert f'throw ("{messages[f"{name}_ps1"]}" -f $shown)' in ps1 or \
            f'throw "{messages[f"{name}_ps1"]}"' in ps1, name
        assert f">&2 echo {messages[f'{name}_cmd']}\n" in cmd, name
    assert "embeddable package" in messages["no_venv_cmd"]
    assert "Python 3.11" in messages["no_python_cmd"]
    for script, venv_step in ((ps1, "@pyArgs -m venv"), (cmd, "%PYARGS% -m venv")):
        # Every check before the first change: no venv folder is made for a Python
        # that is missing, of another version, or without venv.
        steps = [script.index(s) for s in ("import sys\"", "sys.version_info[:2] != (3, 11)",
                                           "import venv, ensurepip", venv_step)]
        assert steps == sorted(steps), steps


def test_no_installer_takes_a_lookup_for_proof_that_a_python_runs() -> None:
    """Wine's `where` exits 0 for a missing program, and Windows' Store alias python.exe
    exists but does not run Python: only running the program proves it."""
    ps1, cmd, _ = installers()
    commands = "\n".join(t for t in cmd.splitlines() if not t.startswith("rem "))
    assert not re.search(r"\bwhere\b", commands, re.IGNORECASE)
    assert "Get-Command" not in ps1
    assert 'Test-Runs @("py", "-3.11") "import sys"' in ps1
    assert 'call "%PYEXE%" %PYARGS% -c "import sys"' in cmd
    assert '>nul 2>nul\nif not errorlevel 1 goto' in cmd
    # A program that writes to stderr must not stop the script under "Stop" (PS 5.1).
    function = ps1[ps1.index("function Test-Runs"):ps1.index("if ($Python)")]
    assert '$ErrorActionPreference = "Continue"' in function
    assert "return ($LASTEXITCODE -eq 0)" in function and "catch { return $false }" in function


def test_install_ps1_is_well_formed_as_far_as_text_can_show() -> None:
    ps1, cmd, messages = installers()
    assert ps1.count("{") == ps1.count("}") and ps1.count("(") == ps1.count(")")
    for number, text in enumerate(ps1.splitlines(), 1):
        if not text.lstrip().startswith("#"):
            unescaped = re.sub(r'`"', "", text)
            assert unescaped.count('"') % 2 == 0, (number, text)
    for name in ("wrong_python_ps1", "no_venv_ps1"):  # -f: {0} is the only placeholder
        assert re.findall(r"[{}]", messages[name]) == ["{", "}"], name
    # cmd: no block whose `)` a message could close early, nothing an echo would redirect.
    assert not [t for t in cmd.splitlines() if t.rstrip().endswith("(")]
    for name in ("no_python_cmd", "wrong_python_cmd", "no_venv_cmd"):
        assert not re.search(r"[&|<>^]", messages[name]), name


# --- under Wine (slow) -----------------------------------------------------------------

@dataclass
class WindowsPython:
    """The bundle installed into one embeddable CPython in one Wine prefix."""

    python: str  # 3.11
    prefix: wine.Prefix
    bundle: Path  # the unpacked bundle folder, inside drive_c
    exe: str  # C:\...\Scripts\lease-tables.exe
    host_name: str  # socket.gethostname() there
    computer_name: str  # COMPUTERNAME there

    def run(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        proc = self.prefix.run(self.exe, args, env=env or windows_env(), timeout=timeout)
        assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")
        return proc


def windows_env(**extra: str) -> dict[str, str]:
    """What Wine passes on to Windows: this environment without AWS, pip or RIS settings
    of the machine, with a region and fake credentials (the tests talk to 127.0.0.1)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "PIP_", "PYTHON")) and k != "IMPACT360SOFTWAREDIR"}
    env.update(AWS_CONFIG_FILE="C:\\no-aws-config", AWS_SHARED_CREDENTIALS_FILE="C:\\no-aws",
               AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION, NO_COLOR="1")
    env.update(extra)
    return env


def need_wine() -> str:
    program = wine.wine_program()
    if program is None:
        reason = ("Wine is not installed (apt-get install --no-install-recommends "
                  f"{' '.join(wine.APT_PACKAGES)}; .ci/run does)")
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must run the Windows tests")
        pytest.skip(reason)
    return program


@contextmanager
def installed_bundle(python: str, base: Path, times: dict[str, float]
                     ) -> Iterator[WindowsPython]:
    """A fresh Wine prefix with the embeddable CPython `python` and the bundle installed
    into it with no index (pip from its own wheel: that Python has neither pip nor venv)."""
    program = need_wine()
    mark = time.monotonic()
    prefix = wine.make_prefix(program, base / "prefix")
    times["prefix"] = time.monotonic() - mark
    try:
        mark = time.monotonic()
        wine.install_python(prefix, python, Path(sys.executable))
        pip_wheel = wine.pip_download(Path(sys.executable), f"pip=={installed_version('pip')}",
                                      wine.CACHE, source=False)
        archive = build_bundle("win_amd64", python, base / "out")
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(prefix.drive_c)
        bundle = prefix.drive_c / archive.stem
        (prefix.drive_c / pip_wheel.name).write_bytes(pip_wheel.read_bytes())
        times["bundle"] = time.monotonic() - mark
        mark = time.monotonic()
        # No network: pip's configuration is ignored and any proxy use fails.
        env = windows_env(PIP_CONFIG_FILE="NUL", PIP_DISABLE_PIP_VERSION_CHECK="1",
                          HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
        installed = prefix.run(str(prefix.python), [
            f"C:\\{pip_wheel.name}\\pip", "install", "--no-index", "--no-warn-script-location",
            "--no-compile",  # byte-compiling all of botocore under Wine: half a minute
            "--find-links", prefix.windows(bundle / "wheels"), f"lease-tables=={__version__}"],
            env=env, timeout=600)
        assert installed.returncode == 0, (installed.stdout + installed.stderr).decode(
            "utf-8", "replace")
        times["install"] = time.monotonic() - mark
        names = prefix.run(str(prefix.python), [
            "-c", "import os, socket; print(socket.gethostname(), os.environ['COMPUTERNAME'])"],
            env=windows_env())
        host_name, computer_name = names.stdout.decode().split()
        exe = str(prefix.python.parent / "Scripts" / "lease-tables.exe")
        yield WindowsPython(python, prefix, bundle, exe, host_name, computer_name)
    finally:
        prefix.stop_server()


@pytest.mark.slow
@pytest.mark.parametrize("python", sorted(wine.EMBEDDED))
def test_the_bundle_under_the_windows_cpython_behaves_as_on_a_ris_server(
        python: str, tmp_path: Path, moto: MotoServer,
        record_property: Callable[[str, object], None]) -> None:
    """One prefix per Python, every part in it in turn (a prefix and an install take
    most of the time; one test keeps them to one per Python whatever the scheduling)."""
    times: dict[str, float] = {}
    started = time.monotonic()
    with installed_bundle(python, tmp_path, times) as windows:
        for part in (smoke_run, piped_stderr, ctrl_c, console_closed, install_cmd):
            mark = time.monotonic()
            part(windows, moto)
            times[part.__name__] = time.monotonic() - mark
    times["total"] = time.monotonic() - started
    summary = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in times.items())
    record_property("wine_timings", summary)
    print(f"\nWine {windows.prefix.version}, CPython {python}: {summary}")


def copy_conf(into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for path in SAMPLE_CONF.iterdir():
        (into / path.name).write_bytes(path.read_bytes())
    return into


def tables_of(proc: subprocess.CompletedProcess) -> dict[str, dict]:
    document = json.loads(proc.stdout.decode("utf-8"))
    return {table["table_name"]: table for table in document["tables"]}


def smoke_run(windows: WindowsPython, moto: MotoServer) -> None:
    """Help, dry runs (UNC, %IMPACT360SOFTWAREDIR%), policy, template, create twice and
    verify against moto_server, whose tables and tags are checked from this side."""
    version = windows.prefix.run(str(windows.prefix.python), ["-c", "import sys, platform; "
                                 "print(sys.version.split()[0], platform.system())"])
    assert version.stdout.decode().split() == [wine.EMBEDDED[windows.python][2], "Windows"]

    shown = windows.run("--help")
    assert shown.returncode == 0 and b"create" in shown.stdout, shown.stderr

    copy_conf(windows.prefix.unc_share("verintris", "e$") / "Impact360" / "Software" / "Conf")
    dry = windows.run("create", "--dry-run", "--conf-dir", UNC_CONF)
    assert dry.returncode == 0, dry.stderr
    text = dry.stdout.decode("utf-8")
    assert "verintAgentEvents_verintris.2" in text
    assert "host verintris (from the UNC path)" in text
    assert f"{UNC_CONF}\\IntegrationService.xml" in text

    # No --conf-dir: %IMPACT360SOFTWAREDIR%\Conf, a local folder: this machine's name.
    copy_conf(windows.prefix.drive_c / "Impact360" / "Software" / "Conf")
    env = windows_env(IMPACT360SOFTWAREDIR="C:\\Impact360\\Software")
    default = windows.run("create", "--dry-run", "--output", "json", env=env)
    assert default.returncode == 0, default.stderr
    local = local_host_name(windows.host_name)
    table = tables_of(default)[f"verintAgentEvents_{local}.2"]
    assert table["host_name_source"] == "local" and table["status"] == "planned"
    assert table["sources"] == ["C:\\Impact360\\Software\\Conf\\IntegrationService.xml"]
    # The adapter's name for the host (the DNS host name) is used; COMPUTERNAME is the
    # upper-case NetBIOS name, and a difference in case only is a warning.
    slip = computer_name_warning(local, windows.computer_name)
    message = default.stderr.decode("utf-8")
    assert ("COMPUTERNAME" in message) == (slip is not None), message
    if slip:
        assert f"--host-name {windows.computer_name}" in message

    policy = windows.run("policy", "--conf-dir", UNC_CONF, "--account-id", ACCOUNT)
    assert policy.returncode == 0, policy.stderr
    resources = json.dumps(json.loads(policy.stdout.decode("utf-8")))
    assert (f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/verintAgentEvents_verintris.2"
            in resources)

    tags = [arg for key, value in TAGS.items() for arg in ("--tag", f"{key}={value}")]
    template = windows.run("template", "--conf-dir", UNC_CONF, "--format", "cloudformation",
                           *tags)
    assert template.returncode == 0, template.stderr
    yaml_text = template.stdout.decode("utf-8")  # strict: UTF-8 whatever the code page
    assert "Jürgen" in yaml_text and "東京" in yaml_text and "verintCTREvents" in yaml_text

    aws = ["--conf-dir", UNC_CONF, "--endpoint-url", moto.url, "--output", "json"]
    first = windows.run("create", *aws, *tags)
    assert first.returncode == 0, first.stderr
    names = ["verintAgentEvents_verintris.2", "verintCTREvents"]
    assert {n: t["status"] for n, t in tables_of(first).items()} == dict.fromkeys(
        names, "created")
    client = moto.client()
    for name in names:
        described = client.describe_table(TableName=name)["Table"]
        assert described["TableStatus"] == "ACTIVE"
        assert described["KeySchema"] == [{"AttributeName": "leaseKey", "KeyType": "HASH"}]
        listed = client.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]
        assert {t["Key"]: t["Value"] for t in listed} == TAGS
    again = windows.run("create", *aws, *tags)
    assert again.returncode == 0, again.stderr
    assert {t["status"] for t in tables_of(again).values()} == {"exists"}
    verified = windows.run("verify", *aws)
    assert verified.returncode == 0, verified.stderr
    assert {t["status"] for t in tables_of(verified).values()} == {"ok"}
    assert sorted(client.list_tables()["TableNames"]) == names


def piped_stderr(windows: WindowsPython, moto: MotoServer) -> None:
    """A message quoting a non-ASCII path, on a piped stderr: UTF-8, as stdout."""
    missing = windows.run("create", "--dry-run", "--conf-dir", "C:\\Konfiguration-東京")
    assert missing.returncode == 2
    message = missing.stderr.decode("utf-8")  # strict
    assert "C:\\Konfiguration-東京" in message and "\\u" not in message, message


@contextmanager
def hung_verify(windows: WindowsPython) -> Iterator[subprocess.Popen[bytes]]:
    """A `verify --output json` under Wine that has reached an endpoint which never
    answers, so a signal finds it mid-call; killed with its process group if the test
    leaves it running."""
    with SilentServer() as silent:
        process = windows.prefix.popen(windows.exe, [
            "verify", "--table", "leasesHung", "--region", REGION, "--endpoint-url",
            silent.url, "--output", "json"], env=windows_env())
        try:
            deadline = time.monotonic() + 60
            while silent.accepted == 0 and time.monotonic() < deadline \
                    and process.poll() is None:
                time.sleep(0.05)
            assert silent.accepted >= 1, "the command never reached the endpoint"
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate(timeout=30)


def ctrl_c(windows: WindowsPython, moto: MotoServer) -> None:
    """Ctrl+C reaches every process of the console on Windows (the exe launcher pip
    wrote and the python.exe it starts); Wine turns a SIGINT into CTRL_C_EVENT, so the
    signal goes to the whole process group."""
    with hung_verify(windows) as process:
        sent = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=20)
        took = time.monotonic() - sent
    message = err.decode("utf-8")
    assert process.returncode == 130, message
    assert "verify stopped" in message and "Traceback" not in message
    document = json.loads(out.decode("utf-8"))
    assert document["ok"] is False and "interrupted" in document["error"]
    # Two seconds on Windows; Wine adds its process teardown (about a second here).
    assert took < 5, took


def console_closed(windows: WindowsPython, moto: MotoServer) -> None:
    """Closing the console window (CTRL_CLOSE_EVENT) ends a run as Ctrl+Break does: exit
    149, the interrupted message naming the closed console, one JSON object.

    Windows delivers the event to every process of the console (the exe launcher and
    its python.exe) by a thread at kernelbase's CtrlRoutine; Wine cannot send it, so
    tests/wine_console_event.py, run inside Wine, starts those threads as the console
    host would. Ctrl+Break itself cannot be shown under Wine 8 (quirk `ctrl-break`:
    wineserver refuses CTRL_BREAK_EVENT, and Wine's C runtime never turns it into
    SIGBREAK, so the process just ends); the unit tests pin it (tests/test_signals.py).
    """
    helper = windows.prefix.drive_c / "wine_console_event.py"
    helper.write_bytes((Path(__file__).parent / "wine_console_event.py").read_bytes())
    with hung_verify(windows) as process:
        sent = windows.prefix.run(str(windows.prefix.python), [
            windows.prefix.windows(helper), str(signals.CTRL_CLOSE_EVENT),
            "lease-tables.exe"], env=windows_env())
        assert sent.returncode == 0, sent.stderr.decode("utf-8", "replace")
        signalled = json.loads(sent.stdout.decode("utf-8"))["signalled"]
        assert {each["exe"].lower() for each in signalled} == {
            "lease-tables.exe", "python.exe"}, signalled
        delivered = time.monotonic()
        out, err = process.communicate(timeout=20)
        took = time.monotonic() - delivered
    message = err.decode("utf-8")
    assert process.returncode == 149, message
    assert "the console window was closed" in message and "verify stopped" in message
    assert "Traceback" not in message
    document = json.loads(out.decode("utf-8"))  # exactly one object: loads rejects more
    assert document["ok"] is False and "the console window was closed" in document["error"]
    # Windows ends the process 5 s after the event whatever it does; the run ends first,
    # before its console handler stops holding the process open.
    assert took < signals.CLOSE_HOLD, took


def install_cmd(windows: WindowsPython, moto: MotoServer) -> None:
    """Wine's `where` says yes to a missing program: the installer must not trust it.
    With no `py` and no `python`, it says what to do; with a Python that has no venv
    (the embeddable package) it says what to do instead of failing in `-m venv`."""
    prefix, installer = windows.prefix, prefix_path(windows, "install.cmd")
    nothing = prefix.run("cmd", ["/c", installer], env=windows_env())
    said = nothing.stderr.decode("utf-8", "replace") + nothing.stdout.decode("utf-8", "replace")
    assert nothing.returncode == 1, said
    assert f"No Python {windows.python} found" in said, said
    assert "Can't recognize" not in said, said
    assert not (windows.bundle / "venv").exists()

    embedded = prefix.run("cmd", ["/c", installer, str(prefix.python)], env=windows_env())
    said = embedded.stderr.decode("utf-8", "replace") + embedded.stdout.decode("utf-8", "replace")
    assert embedded.returncode == 1, said
    assert "has no venv module" in said and "embeddable" in said, said
    assert not (windows.bundle / "venv").exists()

    # A `py` launcher that exists: picked by running it, then the same venv check.
    launcher = prefix.drive_c / "launcher"
    launcher.mkdir(exist_ok=True)
    (launcher / "py.cmd").write_text(
        f'@echo off\r\nif "%1"=="-{windows.python}" shift\r\n'
        f'"{prefix.python}" %1 %2 %3 %4 %5 %6 %7 %8 %9\r\n', encoding="ascii")
    with_py = prefix.run("cmd", ["/c", installer], env=windows_env(WINEPATH="C:\\launcher"))
    said = with_py.stderr.decode("utf-8", "replace") + with_py.stdout.decode("utf-8", "replace")
    assert with_py.returncode == 1, said
    assert "has no venv module" in said and f"py -{windows.python}" in said, said

    missing = prefix.run("cmd", ["/c", installer, "C:\\no\\python.exe"], env=windows_env())
    said = missing.stderr.decode("utf-8", "replace") + missing.stdout.decode("utf-8", "replace")
    assert missing.returncode == 1, said
    assert "C:\\no\\python.exe" in said and f"Python {windows.python}" in said, said


def prefix_path(windows: WindowsPython, name: str) -> str:
    return windows.prefix.windows(windows.bundle / name)
