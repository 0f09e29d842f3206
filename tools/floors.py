"""`dev.py floors`: every runtime dependency at exactly its declared floor, then the smoke run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tools.paths import PYPROJECT, ROOT, venv_python, venv_script
from tools.project import project_copy
from tools.smoke import smoke
from tools.step import run, say
from tools.venv import ensure_venv


def runtime_requirements(pyproject: Path = PYPROJECT) -> list[str]:
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


def build_floor(pyproject: Path = PYPROJECT) -> str:
    """The build requirement as `setuptools==X` (its declared floor)."""
    for line in pyproject.read_text(encoding="utf-8").splitlines():
        if line.startswith("requires = ["):
            requirement = line.split('"')[1]
            return floor_pins([requirement])[0]
    raise ValueError("no build-system requires line")


def floors(python: str | None) -> int:
    """Fresh venv, each dependency at exactly its floor, the project, the smoke run."""
    python = python or sys.executable
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    target = ROOT / ".venv-floors" / f"py{version}"
    say(f"creating {target.relative_to(ROOT)} with {python} (Python {version})")
    run([python, "-m", "venv", "--clear", target])
    pip: list[str | Path] = [venv_python(target), "-m", "pip", "--disable-pip-version-check"]
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
