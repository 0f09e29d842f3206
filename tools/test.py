"""`dev.py test`: ruff, mypy, lint-imports, vulture, the documentation site's strict build,
then the whole pytest suite (unit, property, end to end)."""

from __future__ import annotations

import os
import subprocess
import venv
from collections.abc import Sequence

from tools.floors import floors
from tools.paths import BIN, PYTHON, ROOT, WINDOWS, venv_python
from tools.servers import ensure_dynalite
from tools.site import build_site
from tools.step import run, say
from tools.venv import ensure_venv

# What ruff checks: the package, its tests, the benchmark, the docs' scripts, the tasks.
LINT_PATHS = ("src", "tests", "bench", "docs", "dev.py", "tools")


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


def test(extra: Sequence[str]) -> int:
    """ruff, mypy, then the whole pytest suite; `extra` goes to pytest (`--floors`: floors
    instead)."""
    if "--floors" in extra:
        rest = [arg for arg in extra if arg != "--floors"]
        python = rest[rest.index("--python") + 1] if "--python" in rest else None
        return floors(python)
    ensure_venv()
    ensure_dynalite()
    paths = [p for p in LINT_PATHS if (ROOT / p).exists()]
    say("ruff check " + " ".join(paths))
    lint = subprocess.run([str(BIN / "ruff"), "check", *paths], cwd=ROOT)
    types = typecheck()
    say("lint-imports (the floors between the packages, [tool.importlinter])")
    floors_kept = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT).returncode
    say("vulture --min-confidence 80 src (no dead code; tools/vulture_whitelist.py says "
        "why each name it holds must stay)")
    dead = subprocess.run([str(BIN / "vulture"), "--min-confidence", "80", "src",
                           "tools/vulture_whitelist.py"], cwd=ROOT).returncode
    site = build_site()
    env = dict(os.environ)
    checkov = ensure_checkov()
    if checkov:
        env["LEASE_TABLES_CHECKOV"] = checkov
    say("pytest")
    workers = ["-n", "2"] if "-n" not in extra else []
    tests = subprocess.run([str(PYTHON), "-m", "pytest", *workers, *extra], cwd=ROOT, env=env)
    return tests.returncode or lint.returncode or types or floors_kept or dead or site


def typecheck() -> int:
    """mypy, strict over src/lease_tables ([tool.mypy] in pyproject.toml holds the settings,
    so a bare `mypy` in the venv checks the same); its exit code, so a type error fails
    `test` (and CI) as a lint error does, while pytest still runs to show the rest."""
    say("mypy")
    return subprocess.run([str(BIN / "mypy")], cwd=ROOT).returncode
