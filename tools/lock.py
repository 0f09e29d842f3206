"""`dev.py lock`: re-resolve requirements/dev.txt from pyproject.toml."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from tools.paths import LOCK, ROOT, VENV, venv_script
from tools.step import say
from tools.venv import ensure_venv


def lock(extra: Sequence[str]) -> int:
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
