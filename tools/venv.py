"""The development venv `.venv`, made from the lock and kept in step with it."""

from __future__ import annotations

import hashlib
import venv
from collections.abc import Sequence
from pathlib import Path

from tools.paths import LOCK, PYPROJECT, PYTHON, ROOT, STAMP, VENV
from tools.step import run, say


def lock_stamp(files: Sequence[Path] = (PYPROJECT, LOCK)) -> str:
    """Changes whenever pyproject.toml or the lock changes, so .venv is brought up to date."""
    digest = hashlib.sha256()
    for path in files:
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
