"""`dev.py kcl-proof`: the real KCL as judge of our tables and policy (tests/kclproof.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from tools.paths import PYTHON, ROOT
from tools.venv import ensure_venv


def kcl_proof(extra: Sequence[str]) -> int:
    """The harness needs the venv's KCL jars, hypercorn and moto, so it runs there."""
    ensure_venv()
    return subprocess.run([str(PYTHON), "-m", "tests.kclproof", *extra], cwd=ROOT).returncode
