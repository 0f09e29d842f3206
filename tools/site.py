"""The documentation site: its generated pages checked, then built strict, offline.

`dev.py test` builds it into site/ (git-ignored) after lint-imports; the offline bundle
and the frozen build build it into their own folder, so they carry HTML that works from
disk (mkdocs.yml: the `offline` plugin, `use_directory_urls: false`).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tools.paths import PYTHON, ROOT
from tools.step import say


def generated_pages() -> list[str]:
    """The pages with a cog block (the generated references), relative to the root."""
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")
                  if "[[[cog" in p.read_text(encoding="utf-8"))


def build_site(out: Path | None = None) -> int:
    """`cog --check` over the generated pages, then `mkdocs build --strict` (into site/,
    git-ignored, or `out`): a stale page or a broken link fails `test` as a lint error
    does. Its exit code; the offline bundle and the frozen build call it to carry the site."""
    pages = generated_pages()
    say("cog --check " + " ".join(pages))
    stale = subprocess.run([str(PYTHON), "-m", "cogapp", "--check", *pages], cwd=ROOT)
    if stale.returncode:
        print(f"a generated page is stale: run `.venv/bin/cog -r {' '.join(pages)}`")
        return stale.returncode
    say("mkdocs build --strict (the documentation site, offline)")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    target = ["--site-dir", str(out)] if out else []
    return subprocess.run([str(PYTHON), "-m", "mkdocs", "build", "--strict", "--quiet", *target],
                          cwd=ROOT, env=env).returncode



def carry_site(folder: Path) -> Path:
    """The site built strict into `folder`, for a delivery that goes where there is no
    network; stops the delivery when the site does not build."""
    if build_site(folder):
        raise SystemExit("the documentation site did not build (see above)")
    if not (folder / "index.html").is_file():
        raise SystemExit(f"the documentation site has no index.html in {folder}")
    return folder / "index.html"
