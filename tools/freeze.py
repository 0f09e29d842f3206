"""`dev.py freeze`: a Python-free build of lease-tables for this platform (PyInstaller)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tools.paths import ROOT, VENV, WINDOWS, venv_script
from tools.project import project_version
from tools.site import carry_site
from tools.step import run, say
from tools.venv import ensure_venv

FREEZE_EXCLUDES = ("hypothesis", "pytest", "_pytest", "moto", "cryptography", "OpenSSL",
                   "cfnlint", "parliament", "PyInstaller", "setuptools", "pkg_resources")


def freeze(out: Path) -> Path:
    """PyInstaller onedir build of lease-tables for this platform into OUT/lease-tables, with
    the documentation beside it as HTML that works from disk (OUT/lease-tables/site)."""
    ensure_venv()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lease-tables-freeze-") as tmp:
        work = Path(tmp)
        entry = work / "lease_tables_entry.py"
        entry.write_text("from lease_tables.cli.app import main\n\nmain()\n", encoding="utf-8")
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
    carry_site(out / "lease-tables" / "site")
    say(f"built {exe}, with the documentation in {out / 'lease-tables' / 'site'}")
    return exe
