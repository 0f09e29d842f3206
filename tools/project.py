"""The project's own sources as the builds see them: a clean copy, its version, its wheel."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.paths import PYTHON, ROOT
from tools.step import run
from tools.venv import ensure_venv

# What a built wheel or sdist is made from; copied aside so builds never touch the tree.
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", "src")


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
