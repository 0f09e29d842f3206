#!/usr/bin/env python3
"""Development and delivery commands; run `python3 dev.py` for the list.

Every command works on a fresh machine with Python 3.10+ and nothing else installed
by hand: they make `.venv/` beside this file and install the development tools there
from the lock, `requirements/dev.txt` (exact versions with hashes, one file for
Python 3.10-3.13 on Linux and Windows), then lease-tables itself with `--no-deps`.

    demo       start a local DynamoDB-compatible endpoint (moto_server) on 127.0.0.1,
               run `create` then `verify` on `sample_conf/`, and stop it
    test       ruff, mypy and the whole pytest suite against the lock (pytest options pass on);
               `test --floors [--python PY]` runs the floors check below instead
    floors     a fresh venv with every runtime dependency at exactly its declared floor
               (and the build requirement at its floor), then the smoke run
    lock       re-resolve requirements/dev.txt from pyproject.toml to the newest releases
    mutate     mutation testing (mutmut) of the pure modules with their fast unit tests:
               a score per module, and exit 1 when a surviving mutant is not in the
               reviewed list docs/mutation-equivalents.txt (`mutate [MODULE...]`)
    bundle     an offline installer zip for one platform and Python version
    freeze     a Python-free build of lease-tables for this platform (PyInstaller)
    kcl-proof  run the real KCL 3.1.3 (Java 17) on tables from `create --kcl 3.1` and on
               four broken layouts, CreateTable/UpdateTable denied, every call held
               against the adapter policy; prints what KCL called and whether it started
               (`kcl-proof --positive-only`, `--keep DIR` for its logs)

Written in Python rather than shell so it runs the same on Windows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import venv
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WINDOWS = os.name == "nt"
BIN = VENV / ("Scripts" if WINDOWS else "bin")
PYTHON = BIN / ("python.exe" if WINDOWS else "python")
STAMP = VENV / ".lease-tables-installed"
LOCK = ROOT / "requirements" / "dev.txt"
SAMPLE_CONF = ROOT / "sample_conf"
# What a built wheel or sdist is made from; copied aside so builds never touch the tree.
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", "src")
# Bundle targets: our platform name -> (uv's --python-platform, pip's --platform tags).
PLATFORMS = {
    "win_amd64": ("x86_64-pc-windows-msvc", ["win_amd64"]),
    "linux_x86_64": ("x86_64-manylinux_2_28",
                     ["manylinux_2_28_x86_64", "manylinux2014_x86_64"]),
}


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def venv_python(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/python.exe" if WINDOWS else "bin/python")


def venv_script(venv_dir: Path, name: str) -> Path:
    return venv_dir / ("Scripts" if WINDOWS else "bin") / (f"{name}.exe" if WINDOWS else name)


def run(command: Sequence[str | Path], **kwargs) -> subprocess.CompletedProcess:
    """Run a command with check=True; every argument is a separate word (no shell)."""
    return subprocess.run([str(part) for part in command], check=True, **kwargs)


# --- the development venv, from the lock ---------------------------------------------

def lock_stamp() -> str:
    """Changes whenever pyproject.toml or the lock changes, so .venv is brought up to date."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", LOCK):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create .venv, install the locked tools and the project; again when either changes."""
    wanted = lock_stamp()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    say(f"installing the locked development tools ({LOCK.relative_to(ROOT)}) into .venv")
    run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([PYTHON, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK])
    run([PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ROOT])
    STAMP.write_text(wanted)


def lock(extra: list[str]) -> int:
    """Re-resolve the lock: newest releases allowed by pyproject.toml, for 3.10-3.13."""
    ensure_venv()
    env = {**os.environ, "UV_CUSTOM_COMPILE_COMMAND": "python3 dev.py lock"}
    command = [venv_script(VENV, "uv"), "pip", "compile", "pyproject.toml", "--group", "dev",
               "--universal", "--python-version", "3.10", "--fork-strategy", "fewest",
               "--generate-hashes", "--upgrade", "--quiet",
               "-o", LOCK.relative_to(ROOT).as_posix(), *extra]
    say("uv " + " ".join(str(part) for part in command[1:]))
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)
    if result.returncode == 0:
        say(f"{LOCK.relative_to(ROOT)} written; the next dev.py command reinstalls .venv")
    return result.returncode


# --- runtime dependencies and their floors ---------------------------------------------

def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The `[project] dependencies` strings, read without tomllib (Python 3.10 has none).

    Handles the layout this project keeps: one double-quoted requirement per line in
    the `dependencies = [ ... ]` array of the `[project]` table.
    """
    requirements: list[str] = []
    table = None
    inside = False
    for raw in pyproject.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("[") and not inside:
            table = line
            continue
        if table == "[project]" and line.startswith("dependencies") and line.endswith("["):
            inside = True
            continue
        if inside:
            if line.startswith("]"):
                return requirements
            if line.startswith('"'):
                requirements.append(line[1:line.index('"', 1)])
    raise ValueError(f"no [project] dependencies array in {pyproject}")


def floor_pins(requirements: Sequence[str]) -> list[str]:
    """`name>=X; marker` -> `name==X; marker`: every dependency at exactly its floor."""
    pins = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        name, sep, version = spec.partition(">=")
        if not sep or not re.fullmatch(r"[0-9][0-9.]*", version.strip()):
            raise ValueError(f"dependency without a plain >= floor: {requirement!r}")
        pin = f"{name.strip()}=={version.strip()}"
        pins.append(f"{pin}; {marker.strip()}" if marker.strip() else pin)
    return pins


def build_floor(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The build requirement as `setuptools==X` (its declared floor)."""
    for line in pyproject.read_text(encoding="utf-8").splitlines():
        if line.startswith("requires = ["):
            requirement = line.split('"')[1]
            return floor_pins([requirement])[0]
    raise ValueError("no build-system requires line")


@contextmanager
def project_copy() -> Iterator[Path]:
    """The project's sources in a temporary folder, so builds leave the work tree alone."""
    with tempfile.TemporaryDirectory(prefix="lease-tables-src-") as tmp:
        copy = Path(tmp) / "lease-tables"
        copy.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache")
        for name in PROJECT_FILES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, copy / name, ignore=ignore)
            elif source.exists():
                shutil.copy2(source, copy / name)
        yield copy


def floors(python: str | None) -> int:
    """Fresh venv, each dependency at exactly its floor, the project, the smoke run."""
    python = python or sys.executable
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    target = ROOT / ".venv-floors" / f"py{version}"
    say(f"creating {target.relative_to(ROOT)} with {python} (Python {version})")
    run([python, "-m", "venv", "--clear", target])
    pip = [venv_python(target), "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "--upgrade", "pip"])
    pins = floor_pins(runtime_requirements())
    setuptools = build_floor()
    say("installing the floors: " + ", ".join([setuptools, *pins]))
    run([*pip, "install", "--quiet", setuptools, *pins])
    with project_copy() as source:
        say(f"building and installing lease-tables with {setuptools}, --no-deps")
        run([*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", source])
    run([*pip, "check"])
    listing = run([*pip, "list", "--format", "json"], capture_output=True, text=True).stdout
    installed = {item["name"].lower(): item["version"] for item in json.loads(listing)}
    shown = ("boto3", "botocore", "typer", "click", "rich", "lxml", "setuptools")
    say("installed: " + ", ".join(f"{name}=={installed.get(name)}" for name in shown))
    ensure_venv()  # moto_server for the endpoint comes from the development venv
    started = time.monotonic()
    code = smoke([str(venv_script(target, "lease-tables"))])
    say(f"floors on Python {version}: {'passed' if code == 0 else 'FAILED'} "
        f"(smoke run {time.monotonic() - started:.1f} s)")
    return code


# --- the smoke run: every command once, against a local endpoint -----------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto(env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen, str]:
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


def stop_process(process: subprocess.Popen) -> None:
    """Stop a local server this script (or the benchmark) started: politely, then firmly."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def smoke_env(tmp: Path) -> dict[str, str]:
    """Fake credentials, no AWS settings of this machine, no instance-metadata calls."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "smoke", "AWS_SECRET_ACCESS_KEY": "smoke",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": str(tmp / "no-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-credentials"),
                "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"})
    return env


def smoke_steps(endpoint: str) -> list[tuple[list[str], str]]:
    """(arguments, text the output must contain) for every command of the smoke run."""
    conf = ["--conf-dir", str(SAMPLE_CONF)]
    local = [*conf, "--endpoint-url", endpoint]
    return [
        (["--help"], "create"),
        (["--version"], "lease-tables "),
        (["create", "--dry-run", *conf], "dry run"),
        (["policy", "--account-id", "123456789012", "--region", "us-east-1", *conf],
         "dynamodb:"),
        (["template", "--format", "cloudformation", *conf], "AWS::DynamoDB::Table"),
        (["template", "--format", "terraform", *conf], "aws_dynamodb_table"),
        (["create", *local], "created"),
        (["create", *local], "exists"),
        (["verify", *local], "ok"),
        (["--show-completion", "bash"], "_lease_tables_completion"),
    ]


def smoke(command: Sequence[str], env_extra: Mapping[str, str] | None = None,
          endpoint: str | None = None) -> int:
    """Run each smoke step with `command` (the installed or frozen lease-tables).

    Against `endpoint` when given (a test's own moto_server), else against a
    moto_server started here and stopped at the end.
    """
    server = None
    if endpoint is None:
        server, endpoint = start_moto()
    failures = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**smoke_env(Path(tmp)), **(env_extra or {})}
            for args, expected in smoke_steps(endpoint):
                result = subprocess.run([*command, *args], env=env, capture_output=True,
                                        text=True, encoding="utf-8", errors="replace",
                                        stdin=subprocess.DEVNULL, timeout=300)
                output = result.stdout + result.stderr
                good = (result.returncode == 0 and expected in output
                        and "Traceback" not in output)
                print(f"  {'ok  ' if good else 'FAIL'} lease-tables {' '.join(args[:4])}"
                      f"{' ...' if len(args) > 4 else ''}", flush=True)
                if not good:
                    failures += 1
                    print(f"       exit {result.returncode}\n" + output[-2000:], flush=True)
    finally:
        if server is not None:
            stop_process(server)
    return 1 if failures else 0


# --- bundle: the offline installer ------------------------------------------------------

def project_version() -> str:
    text = (ROOT / "src" / "lease_tables" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise ValueError("no __version__ in src/lease_tables/__init__.py")
    return match.group(1)


def build_wheel(out: Path) -> Path:
    """The project's own wheel, built from a copy of the sources into `out`."""
    ensure_venv()
    out.mkdir(parents=True, exist_ok=True)
    with project_copy() as source:
        run([PYTHON, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, source])
    return next(out.glob("lease_tables-*.whl"))


def bundle_name(platform: str, python_version: str) -> str:
    return f"lease-tables-{project_version()}-{platform}-py{python_version}"


def target_requirements(platform: str, python_version: str, out: Path) -> Path:
    """The runtime dependencies resolved for the target, at the lock's versions.

    uv evaluates markers such as `platform_system == "Windows"` for the target
    platform and Python, not for this machine (pip's --platform does not).
    """
    uv_platform = PLATFORMS[platform][0]
    constraints = out / "constraints.txt"
    # The lock's pins without their hashes: the runtime dependencies ship at the
    # versions CI tested; pip checks the hashes of the resolved file below.
    lines = [line for line in LOCK.read_text(encoding="utf-8").splitlines()
             if re.match(r"^[A-Za-z0-9]", line)]
    constraints.write_text("\n".join(line.rstrip(" \\") for line in lines) + "\n",
                           encoding="utf-8")
    requirements = out / "requirements.txt"
    run([venv_script(VENV, "uv"), "pip", "compile", "--quiet", "--no-header",
         "--python-platform", uv_platform, "--python-version", python_version,
         "--only-binary", ":all:", "--generate-hashes", "-c", constraints,
         "-o", requirements, ROOT / "pyproject.toml"], cwd=ROOT)
    return requirements


# What the Windows installers say when no usable Python is found, the same words in both.
# They prove a Python by running it: `where py` or Get-Command is no proof (Wine's
# `where` exits 0 for a program that does not exist, and a stale App Execution Alias
# `python.exe` exists but only opens the Store).
NO_PYTHON = ("No Python {python} found: neither the py launcher (py -{python}) nor python "
             "runs. Install Python {python} (64-bit) from python.org with its installer, "
             "or pass the path to its python.exe: {usage}")
WRONG_PYTHON = ("{{0}} is not Python {python}, or does not run; this bundle is for Python "
                "{python} (its wheels are built per version). Pass the path to a Python "
                "{python} python.exe: {usage}")
# The embeddable package of python.org (and a Python installed without its venv and pip
# parts) cannot make a venv; installing into such a Python would change an application's
# private Python, and it ignores PYTHONPATH, so a --target folder would not run either.
NO_VENV = ("{{0}} has no venv module (or no ensurepip), so it cannot make the virtual "
           "environment lease-tables goes into; the embeddable package of python.org is "
           "like that. Install the full Python {python} (64-bit) from python.org with its "
           "installer (which includes venv and pip), or pass the path to the python.exe of "
           "such an installation: {usage}")

INSTALL_PS1 = r"""# Installs lease-tables {version} from the wheels beside this script; no network.
#   .\install.ps1                      # a venv in .\venv, made with the py launcher's {python}
#   .\install.ps1 -Python C:\Python{nodot}\python.exe -Venv D:\Tools\lease-tables
param(
    [string]$Python = "",
    [string]$Venv = (Join-Path $PSScriptRoot "venv")
)
$ErrorActionPreference = "Stop"
$wheels = Join-Path $PSScriptRoot "wheels"
# True when the program runs and exits 0: the only proof a Python is there.
function Test-Runs([string[]]$command, [string]$code) {{
    # Continue: PowerShell 5.1 turns a native program's stderr into a terminating error
    # under "Stop"; only the exit code counts here.
    $ErrorActionPreference = "Continue"
    $exe = $command[0]; $rest = @($command | Select-Object -Skip 1)
    try {{ & $exe @rest -c $code 2>$null | Out-Null; return ($LASTEXITCODE -eq 0) }}
    catch {{ return $false }}
}}
if ($Python) {{ $py = @($Python) }}
elseif (Test-Runs @("py", "-{python}") "import sys") {{ $py = @("py", "-{python}") }}
elseif (Test-Runs @("python") "import sys") {{ $py = @("python") }}
else {{ throw "{no_python_ps1}" }}
$shown = $py -join " "
if (-not (Test-Runs $py "import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))")) {{
    throw ("{wrong_python_ps1}" -f $shown)
}}
if (-not (Test-Runs $py "import venv, ensurepip")) {{ throw ("{no_venv_ps1}" -f $shown) }}
$exe = $py[0]; $pyArgs = @($py | Select-Object -Skip 1)
& $exe @pyArgs -m venv $Venv
if ($LASTEXITCODE -ne 0) {{ throw "could not create the venv $Venv" }}
$venvPython = Join-Path $Venv "Scripts\python.exe"
& $venvPython -m pip install --no-index --find-links $wheels "lease-tables=={version}"
if ($LASTEXITCODE -ne 0) {{ throw "pip install failed" }}
Write-Host "Installed: $(Join-Path $Venv 'Scripts\lease-tables.exe')"
"""

INSTALL_CMD = r"""@echo off
rem Installs lease-tables {version} from the wheels beside this script. Needs no network.
rem   install.cmd                       a venv in .\venv, made with the py launcher's {python}
rem   install.cmd C:\Python{nodot}\python.exe D:\Tools\lease-tables
rem A Python is found by running it (`where` is no proof); `call` also runs a .cmd shim.
setlocal
set "HERE=%~dp0"
set "PYEXE=%~1"
set "PYARGS="
set "VENV=%~2"
if "%VENV%"=="" set "VENV=%HERE%venv"
if not "%PYEXE%"=="" goto have_python
set "PYEXE=py"
set "PYARGS=-{python}"
call "%PYEXE%" %PYARGS% -c "import sys" >nul 2>nul
if not errorlevel 1 goto have_python
set "PYEXE=python"
set "PYARGS="
call "%PYEXE%" -c "import sys" >nul 2>nul
if not errorlevel 1 goto have_python
>&2 echo {no_python_cmd}
exit /b 1
:have_python
set "SHOWN=%PYEXE%"
if not "%PYARGS%"=="" set "SHOWN=%PYEXE% %PYARGS%"
call "%PYEXE%" %PYARGS% -c "import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))" ^
    >nul 2>nul
if errorlevel 1 goto wrong_python
call "%PYEXE%" %PYARGS% -c "import venv, ensurepip" >nul 2>nul
if errorlevel 1 goto no_venv
call "%PYEXE%" %PYARGS% -m venv "%VENV%" || exit /b 1
"%VENV%\Scripts\python.exe" -m pip install --no-index ^
    --find-links "%HERE%wheels" "lease-tables=={version}" || exit /b 1
echo Installed: "%VENV%\Scripts\lease-tables.exe"
exit /b 0
:wrong_python
>&2 echo {wrong_python_cmd}
exit /b 1
:no_venv
>&2 echo {no_venv_cmd}
exit /b 1
"""

INSTALL_SH = """#!/bin/sh
# Installs lease-tables {version} from the wheels beside this script. Needs no network.
#   ./install.sh                        # a venv in ./venv, made with python{python}
#   ./install.sh /usr/bin/python{python} /opt/lease-tables
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${{1:-python{python}}}
target=${{2:-$here/venv}}
"$python" -c "import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))" || {{
    echo "this bundle is for Python {python}; pass the path to that python" >&2; exit 1; }}
"$python" -m venv "$target"
"$target/bin/python" -m pip install --no-index --find-links "$here/wheels" "lease-tables=={version}"
echo "Installed: $target/bin/lease-tables"
"""

README_TXT = """lease-tables {version}: offline bundle for {platform}, Python {python}

Everything lease-tables needs on {platform} with Python {python} is in wheels/;
installing needs no network access and no package index.

Needs: Python {python} (64-bit) on the server. A bundle works only with the Python
version in its name; for another Python build another bundle.

{steps}

The installer makes a virtual environment (a folder) and installs lease-tables in it;
remove that folder to uninstall. Then run, for example:
    {exe} --help
    {exe} create --dry-run
"""

WINDOWS_STEPS = """Install (PowerShell):
    Expand-Archive lease-tables-{version}-{platform}-py{python}.zip -DestinationPath C:\\Tools
    cd C:\\Tools\\lease-tables-{version}-{platform}-py{python}
    powershell -ExecutionPolicy Bypass -File .\\install.ps1
        (options: -Python C:\\path\\to\\python.exe  -Venv C:\\path\\to\\new\\venv)
or from cmd.exe:
    install.cmd [C:\\path\\to\\python.exe] [C:\\path\\to\\new\\venv]"""

LINUX_STEPS = """Install:
    unzip lease-tables-{version}-{platform}-py{python}.zip
    cd lease-tables-{version}-{platform}-py{python}
    sh install.sh [/path/to/python{python}] [/path/to/new/venv]"""


def installer_messages(values: Mapping[str, str]) -> dict[str, str]:
    """NO_PYTHON, WRONG_PYTHON and NO_VENV for install.ps1 (a double-quoted PowerShell
    string, `{0}` for -f) and install.cmd (an echo line, `%SHOWN%`)."""
    usage = {"ps1": "install.ps1 -Python C:\\Python{nodot}\\python.exe",
             "cmd": "install.cmd C:\\Python{nodot}\\python.exe"}
    messages = {}
    for name, text in (("no_python", NO_PYTHON), ("wrong_python", WRONG_PYTHON),
                       ("no_venv", NO_VENV)):
        for script in ("ps1", "cmd"):
            message = text.format(**values, usage=usage[script].format(**values))
            if script == "cmd":
                # echo: no parentheses or redirection characters to escape in these words
                message = message.format("%SHOWN%")
            else:
                message = message.replace("`", "``").replace('"', '`"').replace("$", "`$")
            messages[f"{name}_{script}"] = message
    return messages


def bundle(platform: str, python_version: str, out: Path) -> Path:
    """One zip: every wheel the target needs, installers that use no index, a README."""
    if platform not in PLATFORMS:
        raise SystemExit(f"--platform must be one of {', '.join(PLATFORMS)}")
    if not re.fullmatch(r"3\.\d+", python_version):
        raise SystemExit("--python-version must look like 3.11")
    ensure_venv()
    name = bundle_name(platform, python_version)
    version = project_version()
    major, minor = python_version.split(".")
    values = {"version": version, "platform": platform, "python": python_version,
              "major": major, "minor": minor, "nodot": major + minor}
    with tempfile.TemporaryDirectory(prefix="lease-tables-bundle-") as tmp:
        work = Path(tmp)
        folder = work / name
        wheels = folder / "wheels"
        say(f"building the lease-tables {version} wheel")
        build_wheel(wheels)
        say(f"resolving the runtime dependencies for {platform}, Python {python_version}")
        requirements = target_requirements(platform, python_version, work)
        pip_platforms = [arg for tag in PLATFORMS[platform][1] for arg in ("--platform", tag)]
        say(f"downloading their wheels for {platform}, Python {python_version}")
        run([PYTHON, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             *pip_platforms, "--python-version", python_version, "--implementation", "cp",
             "--require-hashes", "-r", requirements, "-d", wheels])
        if platform == "win_amd64":
            messages = installer_messages(values)
            write_text(folder / "install.ps1", INSTALL_PS1.format(**values, **messages),
                       "\r\n")
            write_text(folder / "install.cmd", INSTALL_CMD.format(**values, **messages),
                       "\r\n")
            steps, exe, newline = WINDOWS_STEPS, r"venv\Scripts\lease-tables.exe", "\r\n"
        else:
            write_text(folder / "install.sh", INSTALL_SH.format(**values), "\n")
            steps, exe, newline = LINUX_STEPS, "venv/bin/lease-tables", "\n"
        readme = README_TXT.format(**values, steps=steps.format(**values), exe=exe)
        write_text(folder / "README.txt", readme, newline)
        shutil.copy2(ROOT / "LICENSE", folder / "LICENSE.txt")
        out.mkdir(parents=True, exist_ok=True)
        archive = out / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.rglob("*")):
                info = zipfile.ZipInfo.from_file(path, path.relative_to(work).as_posix())
                if path.name == "install.sh":
                    info.external_attr = 0o100755 << 16
                if path.is_file():
                    zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    count = sum(1 for _ in zipfile.ZipFile(archive).namelist() if _.endswith(".whl"))
    say(f"wrote {archive} ({count} wheels, {archive.stat().st_size / 1e6:.1f} MB)")
    return archive


def write_text(path: Path, text: str, newline: str) -> None:
    with path.open("w", encoding="utf-8", newline=newline) as handle:
        handle.write(text)


# --- freeze: a Python-free build ---------------------------------------------------------

FREEZE_EXCLUDES = ("hypothesis", "pytest", "_pytest", "moto", "cryptography", "OpenSSL",
                   "cfnlint", "parliament", "PyInstaller", "setuptools", "pkg_resources")


def freeze(out: Path) -> Path:
    """PyInstaller onedir build of lease-tables for this platform into OUT/lease-tables."""
    ensure_venv()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lease-tables-freeze-") as tmp:
        work = Path(tmp)
        entry = work / "lease_tables_entry.py"
        entry.write_text("from lease_tables.cli import main\n\nmain()\n", encoding="utf-8")
        say(f"PyInstaller: lease-tables {project_version()} into {out / 'lease-tables'}")
        run([venv_script(VENV, "pyinstaller"), "--noconfirm", "--clean", "--log-level", "WARN",
             "--onedir", "--console", "--name", "lease-tables",
             "--paths", ROOT / "src",
             # typer's completion finds the shell through shellingham's platform modules,
             # which it imports by name at run time.
             "--collect-submodules", "shellingham",
             # botocore loads its service models and endpoints from data files.
             "--collect-data", "botocore",
             "--collect-submodules", "lease_tables",
             "--collect-submodules", "rich",
             "--hidden-import", "lxml.etree", "--hidden-import", "lxml._elementpath",
             # Development tools in .venv that optional imports would drag in; a pip
             # install of lease-tables has none of them either.
             *[arg for module in FREEZE_EXCLUDES for arg in ("--exclude-module", module)],
             "--distpath", out, "--workpath", work / "build", "--specpath", work,
             entry])
    exe = out / "lease-tables" / ("lease-tables.exe" if WINDOWS else "lease-tables")
    say(f"built {exe}")
    return exe


# --- test and demo ------------------------------------------------------------------------

def ensure_dynalite() -> None:
    """dynalite (npm) keeps tables CREATING like AWS; the wait and interrupt tests need it."""
    if (ROOT / "bench" / "node_modules" / "dynalite" / "cli.js").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed for the tests (they start dynalite); install Node.js")
    say("installing dynalite into bench/node_modules (first run only)")
    run([npm, "ci", "--prefix", ROOT / "bench", "--no-audit", "--no-fund",
         "--loglevel", "error"])


def ensure_checkov() -> str | None:
    """checkov in a venv of its own (it pins packaging<24, which pytest 9 refuses).

    Best effort: without it the two checkov tests skip and say why; the
    structural Terraform tests and cfn-lint still run.
    """
    checkov_venv = ROOT / ".venv-checkov"
    exe = checkov_venv / ("Scripts/checkov.cmd" if WINDOWS else "bin/checkov")
    if exe.exists():
        return str(exe)
    say("installing checkov into .venv-checkov (first run only; optional)")
    try:
        venv.EnvBuilder(with_pip=True).create(checkov_venv)
        run([venv_python(checkov_venv), "-m", "pip", "install", "--quiet", "checkov"],
            timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"checkov could not be installed ({exc}); its tests will be skipped")
        return None
    return str(exe) if exe.exists() else None


def kcl_proof(extra: list[str]) -> int:
    """The real consumer as judge: tests/kclproof.py, run with the venv's Python."""
    ensure_venv()
    return subprocess.run([str(PYTHON), "-m", "tests.kclproof", *extra], cwd=ROOT).returncode


def demo() -> int:
    """Create the sample's lease tables on a local endpoint, then verify them."""
    ensure_venv()
    empty = Path(tempfile.mkdtemp(prefix="lease-tables-demo-"))
    env = demo_env(os.environ, empty)
    server, endpoint = start_moto(env)
    say(f"started a local DynamoDB-compatible endpoint (moto_server) at {endpoint}")
    try:
        common = ["--conf-dir", str(SAMPLE_CONF), "--endpoint-url", endpoint]
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
        shutil.rmtree(empty, ignore_errors=True)


def demo_env(environ: Mapping[str, str], empty: Path) -> dict[str, str]:
    """The demo's environment: the user's, minus every AWS setting, plus the demo's own.

    A demo needs no AWS account, so nothing of the user's may reach it: a stale
    AWS_PROFILE, an AWS_ENDPOINT_URL or a retry setting would make it fail (or
    call AWS). Every AWS_* variable is dropped and the config and credentials
    files point at empty files in `empty`.
    """
    config, credentials = empty / "config", empty / "credentials"
    for path in (config, credentials):
        path.write_text("", encoding="utf-8")
    kept = {k: v for k, v in environ.items() if not k.upper().startswith("AWS_")}
    return {**kept, "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


def test(extra: list[str]) -> int:
    """ruff, mypy, then the whole pytest suite (unit, property and end-to-end), on the lock."""
    if "--floors" in extra:
        rest = [arg for arg in extra if arg != "--floors"]
        python = rest[rest.index("--python") + 1] if "--python" in rest else None
        return floors(python)
    ensure_venv()
    ensure_dynalite()
    paths = [p for p in ("src", "tests", "bench", "docs", "dev.py") if (ROOT / p).exists()]
    say("ruff check " + " ".join(paths))
    lint = subprocess.run([str(BIN / "ruff"), "check", *paths], cwd=ROOT)
    types = typecheck()
    env = dict(os.environ)
    checkov = ensure_checkov()
    if checkov:
        env["LEASE_TABLES_CHECKOV"] = checkov
    say("pytest")
    workers = ["-n", "2"] if "-n" not in extra else []
    tests = subprocess.run([str(PYTHON), "-m", "pytest", *workers, *extra], cwd=ROOT, env=env)
    return tests.returncode or lint.returncode or types


def typecheck() -> int:
    """mypy, strict over src/lease_tables ([tool.mypy] in pyproject.toml holds the settings,
    so a bare `mypy` in the venv checks the same); its exit code, so a type error fails
    `test` (and CI) as a lint error does, while pytest still runs to show the rest."""
    say("mypy")
    return subprocess.run([str(BIN / "mypy")], cwd=ROOT).returncode


# --- mutate: mutation testing of the pure modules ---------------------------------------

# The modules `mutate` checks by default, and those it also knows (tested mostly end to end).
MUTATE_DEFAULT = ("conf", "naming", "spec", "policy", "selection", "outcome", "kcl",
                  "table_plan")
MUTATE_KNOWN = (*MUTATE_DEFAULT, "printable", "failures")
EQUIVALENTS = ROOT / "docs" / "mutation-equivalents.txt"
MUTANTS = ROOT / "mutants"  # mutmut's work folder (git-ignored)
# mutmut's verdicts (its exit codes per mutant) that count as killed.
KILLED_CODES = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout",
                152: "timeout", 255: "timeout", 37: "type check"}
SURVIVED_CODES = {0: "survived", 5: "no tests", 33: "no tests", None: "not checked"}

# Prints {mutant name: the mutmut diff} for the names on stdin, one process for all.
_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({name: get_diff_for_mutant(name) for name in sys.stdin.read().split()}))
"""


def mutant_function(name: str) -> str:
    """`lease_tables.naming.x__merge__mutmut_3` -> `naming._merge`, and for a method
    `lease_tables.spec.x\u01c1TableOptions\u01c1describe__mutmut_3` -> `spec.TableOptions.describe`.
    """
    module, _, function = name.rpartition("__mutmut_")[0].removeprefix("lease_tables.") \
        .partition(".")
    if function.startswith("x\u01c1"):
        function = ".".join(part for part in function[1:].split("\u01c1") if part)
    else:
        function = function.removeprefix("x_")
    return f"{module}.{function}"


def mutant_key(name: str, diff: str) -> str:
    """A stable description of a mutant: its function and the code it puts in, without
    mutmut's run-specific number (which shifts when the function changes)."""
    lines = diff.splitlines()[2:]  # after the ---/+++ header
    added = [line[1:].strip() for line in lines if line.startswith("+")]
    removed = [line[1:].strip() for line in lines if line.startswith("-")]
    code = " / ".join(added) if added else "without " + " / ".join(removed)
    return f"{mutant_function(name)} | {code}"


def read_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """The reviewed list: `module.function | mutated code` lines, each followed by an
    indented line with the reason it changes no behaviour. `#` lines are comments."""
    entries: dict[str, str] = {}
    key = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            if key is not None:
                raise ValueError(f"{path.name}:{number - 1}: {key!r} has no reason line")
            key = raw.strip()
        elif key is None:
            raise ValueError(f"{path.name}:{number}: a reason without a mutant above it")
        else:
            entries[key] = raw.strip()
            key = None
    if key is not None:
        raise ValueError(f"{path.name}: the last entry {key!r} has no reason line")
    return entries


def mutant_diffs(names: Sequence[str]) -> dict[str, str]:
    if not names:
        return {}
    result = subprocess.run([str(PYTHON), "-c", _DIFFS], input="\n".join(names), text=True,
                            capture_output=True, cwd=ROOT, check=True)
    return json.loads(result.stdout)


def mutate(modules: Sequence[str], workers: int, fresh: bool) -> int:
    """mutmut over `modules`, a score per module, survivors against the reviewed list."""
    if WINDOWS:
        print("dev.py mutate: mutmut needs fork(); run it on Linux or macOS.", file=sys.stderr)
        return 2
    unknown = sorted(set(modules) - set(MUTATE_KNOWN))
    if unknown:
        print(f"dev.py mutate: unknown module(s) {', '.join(unknown)}; known: "
              f"{', '.join(MUTATE_KNOWN)}", file=sys.stderr)
        return 2
    modules = list(dict.fromkeys(modules or MUTATE_DEFAULT))
    equivalents = read_equivalents()
    ensure_venv()
    if fresh:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    MUTANTS.mkdir(exist_ok=True)
    log = MUTANTS / "dev-mutate.log"
    # The end-to-end tests skip themselves: they would run the installed code, not the
    # mutant. A derandomised hypothesis profile with few examples (tests/conftest.py), so
    # a verdict does not vary by chance and property tests do not dominate the run.
    env = {**os.environ, "LEASE_TABLES_FAST_TESTS_ONLY": "1", "HYPOTHESIS_PROFILE": "mutate"}
    say(f"mutmut over {', '.join(modules)} with {workers} worker(s); log: "
        f"{log.relative_to(ROOT)}")
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(
            [str(venv_script(VENV, "mutmut")), "run", "--max-children", str(workers),
             *(f"lease_tables.{module}.*" for module in modules)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    elapsed = time.monotonic() - started
    if code != 0:
        print(log.read_text(encoding="utf-8", errors="replace")[-3000:])
        say(f"mutmut failed (exit {code}); see {log.relative_to(ROOT)}")
        return code
    survivors: list[str] = []
    rows = []
    for module in modules:
        meta = MUTANTS / "src" / "lease_tables" / f"{module}.py.meta"
        verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        killed = sum(1 for c in verdicts.values() if c in KILLED_CODES)
        alive = sorted((n for n, c in verdicts.items() if c not in KILLED_CODES),
                       key=lambda n: int(n.rpartition("_")[2]))
        survivors += alive
        rows.append((module, len(verdicts), killed, alive))
    diffs = mutant_diffs(survivors)
    keys = {name: mutant_key(name, diffs[name]) for name in survivors}
    unlisted = [name for name in survivors if keys[name] not in equivalents]
    say("mutation score per module (equivalent: a listed survivor that changes no behaviour)")
    print(f"  {'module':<10} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'unlisted':>8}"
          f" {'killed/total':>13} {'killed/non-equivalent':>22}")
    for module, total, killed, alive in rows:
        equivalent = sum(1 for name in alive if keys[name] in equivalents)
        real = total - equivalent
        print(f"  {module:<10} {total:>7} {killed:>7} {equivalent:>7} "
              f"{len(alive) - equivalent:>8} {killed / max(total, 1):>13.1%} "
              f"{killed / max(real, 1):>22.1%}")
    stale = sorted(key for key in set(equivalents) - set(keys.values())
                   if key.partition(".")[0] in modules)
    if stale:
        say(f"{len(stale)} listed equivalent(s) no longer survive; remove them from "
            f"{EQUIVALENTS.relative_to(ROOT)}:")
        for key in stale:
            print(f"  {key}")
    say(f"mutmut took {elapsed / 60:.1f} min")
    if unlisted:
        say(f"{len(unlisted)} surviving mutant(s) not in {EQUIVALENTS.relative_to(ROOT)}: "
            f"write a test that kills each, or (only if it changes no behaviour) list it "
            f"with its reason")
        for name in unlisted:
            status = SURVIVED_CODES.get(verdicts_of(name), "suspicious")
            print(f"\n  {keys[name]}\n    ({name}: {status})")
            print("\n".join("      " + line for line in diffs[name].splitlines()[2:]))
        return 1
    say("every surviving mutant is a reviewed equivalent")
    return 0


def verdicts_of(name: str) -> int | None:
    module = name.removeprefix("lease_tables.").partition(".")[0]
    meta = MUTANTS / "src" / "lease_tables" / f"{module}.py.meta"
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].get(name)


def main(argv: list[str]) -> int:
    commands = ("demo", "test", "floors", "lock", "mutate", "bundle", "freeze", "kcl-proof")
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        print("usage: python3 dev.py " + " | ".join(commands), file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return demo()
    if command == "test":
        return test(rest)
    if command == "lock":
        return lock(rest)
    if command == "kcl-proof":
        return kcl_proof(rest)
    parser = argparse.ArgumentParser(prog=f"dev.py {command}")
    if command == "mutate":
        parser.add_argument("modules", nargs="*", metavar="MODULE",
                            help=f"modules of src/lease_tables (default: "
                                 f"{' '.join(MUTATE_DEFAULT)}; also: printable failures)")
        parser.add_argument("--workers", type=int, default=2,
                            help="test processes at once (default 2: the machine is shared)")
        parser.add_argument("--fresh", action="store_true",
                            help="forget earlier verdicts (mutants/) and test every mutant")
        args = parser.parse_args(rest)
        return mutate(args.modules, args.workers, args.fresh)
    if command == "floors":
        parser.add_argument("--python", help="the Python to check (default: this one)")
        return floors(parser.parse_args(rest).python)
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    if command == "bundle":
        parser.add_argument("--platform", required=True, choices=sorted(PLATFORMS))
        parser.add_argument("--python-version", required=True, help="target Python, e.g. 3.11")
        args = parser.parse_args(rest)
        bundle(args.platform, args.python_version, args.out.resolve())
        return 0
    freeze(parser.parse_args(rest).out.resolve())
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        command = " ".join(str(part) for part in exc.cmd)
        sys.exit(f"dev.py: this step failed with exit code {exc.returncode}: {command}")
