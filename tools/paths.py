"""Where the project, its development venv and the lock are, on Linux and Windows."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = os.name == "nt"
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if WINDOWS else "bin")
PYTHON = BIN / ("python.exe" if WINDOWS else "python")
STAMP = VENV / ".lease-tables-installed"
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements" / "dev.txt"
SAMPLE_CONF = ROOT / "sample_conf"


def venv_python(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/python.exe" if WINDOWS else "bin/python")


def venv_script(venv_dir: Path, name: str) -> Path:
    return venv_dir / ("Scripts" if WINDOWS else "bin") / (f"{name}.exe" if WINDOWS else name)
