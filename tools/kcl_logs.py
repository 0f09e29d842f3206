"""`dev.py kcl-logs`: capture the real KCL's own logs as test data (tests/kcllogs.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from tools.paths import PYTHON, ROOT
from tools.venv import ensure_venv


def kcl_logs(extra: Sequence[str]) -> int:
    """The captures need the venv's KCL jars, hypercorn and moto, so they run there; the
    older KCL's wheel is installed by the venv's pip into .cache/, never into the venv."""
    ensure_venv()
    return subprocess.run([str(PYTHON), "-m", "tests.kcllogs", *extra], cwd=ROOT).returncode
