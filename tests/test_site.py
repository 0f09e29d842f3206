"""The documentation site works from disk in a real browser, with no network.

The site is built strict into a temporary folder, then opened as files (file://) in
headless Chromium, as an operator on a RIS server without network would open the copy
the offline bundle or the frozen build carries. Chromium gets a proxy that refuses
everything, so a page that needed the network would show it. The test follows the
navigation by its labels to three task pages and reads what they say, then uses the
site's own search (Material's, running in JavaScript from disk through the vendored
iframe-worker shim) for "CreateTable". `--dump-dom` prints the page after its scripts
ran (`--virtual-time-budget` lets the search worker answer first).

Without Chromium the tests skip locally and fail in CI (`CI=true`); `.ci/run` installs
Debian's `chromium` when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT, clean_env

pytestmark = pytest.mark.slow  # about 30 s: a strict build and four browser runs

TASKS = {  # the navigation's label -> what that page must say
    "Installing on a RIS server": ("install.ps1", "--no-index", "dev.py freeze"),
    "For security teams": ("Deny", "dynamodb:CreateTable", "The provisioner policy"),
    "Preflight": ("PREFLIGHT PASSED", "attribute_exists(leaseKey)", "not_tried"),
}


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "needs Chromium (Debian: apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built strict, as files; the same build the bundle and freeze carry."""
    out = tmp_path_factory.mktemp("site")
    env = {**clean_env(out), "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--site-dir", str(out)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran, with every network request refused."""
    proc = subprocess.run(
        [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={profile}", "--proxy-server=http://127.0.0.1:9",
         "--virtual-time-budget=15000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class Links(HTMLParser):
    """Every link: (href, class, its text)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self._open: list[tuple[str, str, list[str]]] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a":
            self._open.append((values.get("href", ""), values.get("class", ""), []))
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.sources.append(values["src"])
        if tag == "link" and values.get("rel") in ("stylesheet", "preload", "icon"):
            self.sources.append(values.get("href", ""))

    def handle_data(self, data: str) -> None:
        for _, _, text in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, cls, text = self._open.pop()
            self.links.append((href, cls, " ".join("".join(text).split())))


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


class Words(HTMLParser):
    """A page's text, as a person reads it (white space collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    reader = Words()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


def test_the_navigation_leads_to_three_task_pages_that_say_what_they_should(
        site: Path, tmp_path: Path) -> None:
    home = dom((site / "index.html").as_uri(), tmp_path / "profile")
    nav = {label: href for href, cls, label in parsed(home).links if "md-nav__link" in cls}
    for label, phrases in TASKS.items():
        assert label in nav, f"the navigation has no {label!r}: {sorted(nav)}"
        target = site / nav[label]
        assert target.is_file(), target
        page = dom(target.as_uri(), tmp_path / "profile")
        words = text_of(page)
        for phrase in phrases:
            assert phrase in words, (label, phrase)
        links = parsed(page)
        local = [s for s in links.sources if not s.startswith(("http:", "https:", "//"))]
        assert local == links.sources, f"{label} loads from the network: {links.sources}"
        for source in local:  # every picture and script the page loads is there
            if not source.startswith(("data:", "file:")):
                assert (target.parent / source.split("?")[0]).exists(), (label, source)
    assert "img/preflight-verdict.svg" in parsed(dom((site / nav["Preflight"]).as_uri(),
                                                     tmp_path / "profile")).sources


def test_the_search_finds_create_table_from_disk(site: Path, tmp_path: Path) -> None:
    page = dom((site / "index.html").as_uri() + "?q=CreateTable", tmp_path / "profile")
    words = text_of(page)
    assert "matching documents" in words, "the search gave no answer from disk"
    results = [href for href, cls, _ in parsed(page).links if "md-search-result__link" in cls]
    assert results, "no search results"
    assert "security.html" in results[0], results[:3]
