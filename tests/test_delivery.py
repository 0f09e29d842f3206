"""Delivery: declared floors, the lock, the package's metadata, the offline bundles and
the frozen build (`dev.py floors | lock | bundle | freeze`).

The tests marked slow build real artifacts: they download wheels from the package
index and run PyInstaller (a minute or two each). `.ci/run` runs them.
"""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from inline_snapshot import snapshot
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from lease_tables import __version__
from tests.conftest import ROOT, SAMPLE_CONF, MotoServer, aws_env, clean_env
from tools.bundle import PLATFORMS, bundle
from tools.floors import build_floor, floor_pins, runtime_requirements
from tools.freeze import freeze
from tools.paths import LOCK, PYPROJECT
from tools.project import build_wheel, project_version
from tools.smoke import smoke
from tools.venv import lock_stamp

PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def target_environment(platform: str, python: str) -> dict[str, str]:
    """PEP 508 marker values on the target, as pip there would evaluate them."""
    windows = platform.startswith("win")
    return {
        "os_name": "nt" if windows else "posix",
        "sys_platform": "win32" if windows else "linux",
        "platform_system": "Windows" if windows else "Linux",
        "platform_machine": "AMD64" if windows else "x86_64",
        "platform_release": "", "platform_version": "",
        "python_version": python, "python_full_version": f"{python}.0",
        "implementation_name": "cpython", "platform_python_implementation": "CPython",
        "implementation_version": f"{python}.0", "extra": "",
    }


def target_tags(platform: str, python: str) -> set[Tag]:
    version = tuple(int(part) for part in python.split("."))
    platforms = (["win_amd64"] if platform == "win_amd64" else
                 [f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)]
                 + ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64",
                    "linux_x86_64"])
    interpreter = f"cp{python.replace('.', '')}"
    return (set(cpython_tags(version, platforms=platforms))
            | set(compatible_tags(version, interpreter, platforms=platforms)))


# --- floors and the lock (fast) ---------------------------------------------------------

def test_dependency_reader_matches_tomllib() -> None:
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert runtime_requirements() == data["project"]["dependencies"]
    assert build_floor() == floor_pins(data["build-system"]["requires"])[0]


def test_every_runtime_dependency_has_one_floor_for_each_python() -> None:
    """The floors check installs `==floor`; each Python must get exactly one of each."""
    pins = [Requirement(pin) for pin in floor_pins(runtime_requirements())]
    for python in PYTHON_VERSIONS:
        for platform in PLATFORMS:
            env = target_environment(platform, python)
            chosen = [pin for pin in pins if pin.marker is None or pin.marker.evaluate(env)]
            names = [canonicalize_name(pin.name) for pin in chosen]
            assert sorted(names) == sorted(set(names)), (python, names)
            assert {"boto3", "botocore", "typer", "rich", "lxml"} <= set(names)
    assert build_floor() == "setuptools==77.0.1"


def test_floor_pins_refuse_a_dependency_without_a_plain_floor() -> None:
    assert floor_pins(["lxml>=5.3.0; python_version >= '3.13'"]) == [
        "lxml==5.3.0; python_version >= '3.13'"]
    for requirement in ("typer", "typer<1", "typer>=0.15,<1", "typer~=0.15"):
        with pytest.raises(ValueError):
            floor_pins([requirement])


def locked() -> dict[str, list[tuple[str, Marker | None]]]:
    """name -> [(version, marker)] from requirements/dev.txt."""
    pins: dict[str, list[tuple[str, Marker | None]]] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if re.match(r"^[A-Za-z0-9]", line):
            requirement = Requirement(line.rstrip(" \\"))
            (spec,) = requirement.specifier
            assert spec.operator == "==", line
            pins.setdefault(canonicalize_name(requirement.name), []).append(
                (spec.version, requirement.marker))
    return pins


def test_lock_pins_everything_with_hashes_for_every_supported_python_and_platform() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pins = locked()
    assert text.count("--hash=sha256:") >= len(pins)
    wanted = {"boto3", "botocore", "typer", "rich", "lxml", "click", "moto", "pytest",
              "parliament", "cogapp", "pyinstaller", "uv", "setuptools", "colorama"}
    assert wanted <= set(pins)
    for python in PYTHON_VERSIONS:
        for platform in PLATFORMS:
            env = target_environment(platform, python)
            for name, versions in pins.items():
                active = [v for v, marker in versions if marker is None or marker.evaluate(env)]
                assert len(active) <= 1, (name, python, platform, active)
            for name in ("typer", "rich", "lxml", "setuptools", "parliament"):
                assert any(m is None or m.evaluate(env) for _, m in pins[name]), (name, python)
    # parliament imports pkg_resources, which setuptools 81 removed.
    assert all(int(version.split(".")[0]) < 81 for version, _ in pins["setuptools"])
    # colorama: typer's on Windows; mkdocs-material (the docs site) takes it everywhere.
    assert [m for _, m in pins["colorama"]] in ([Marker("sys_platform == 'win32'")], [None])


def test_venv_stamp_follows_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "dev.txt"
    lock.write_bytes(LOCK.read_bytes())
    before = lock_stamp((PYPROJECT, lock))
    assert lock_stamp() == before  # .venv's stamp is made of pyproject.toml and the lock
    lock.write_bytes(LOCK.read_bytes().replace(b"pytest==", b"pytest===", 1))
    assert lock_stamp((PYPROJECT, lock)) != before


def test_dev_py_and_its_tasks_need_only_the_standard_library() -> None:
    """`python3 dev.py NAME` runs on a fresh machine before .venv exists, so dev.py and
    every tools/ module import with no site-packages at all (`-S`)."""
    # (vulture_whitelist.py is vulture's input, a list of names, never imported.)
    modules = sorted(f"tools.{path.stem}" for path in (ROOT / "tools").glob("*.py")
                     if path.stem not in {"__init__", "vulture_whitelist"})
    proc = subprocess.run([sys.executable, "-S", "-c", f"import dev, {', '.join(modules)}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    usage = subprocess.run([sys.executable, "-S", "dev.py"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert usage.returncode == 2
    assert usage.stderr.endswith(
        "usage: python3 dev.py demo | test | floors | lock | mutate | bundle | freeze "
        "| kcl-proof | kcl-logs | pictures | snapshots\n")


# --- metadata ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_wheel_metadata_has_license_classifiers_urls_and_the_one_version(wheel: Path) -> None:
    assert wheel.name == f"lease_tables-{__version__}-py3-none-any.whl"
    assert project_version() == __version__ == "0.2.0"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = email.message_from_bytes(
            zf.read(f"lease_tables-{__version__}.dist-info/METADATA"))
        licence = zf.read(f"lease_tables-{__version__}.dist-info/licenses/LICENSE").decode()
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0"
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert (ROOT / "LICENSE").read_text(encoding="utf-8") == licence
    classifiers = meta.get_all("Classifier")
    for python in PYTHON_VERSIONS:
        assert f"Programming Language :: Python :: {python}" in classifiers
    assert [c for c in classifiers if c.startswith("Operating System")] == snapshot([
        "Operating System :: Microsoft :: Windows",
        "Operating System :: POSIX :: Linux",
    ])
    assert any(url.startswith("Source, https://") for url in meta.get_all("Project-URL"))
    assert meta["Requires-Python"] == ">=3.10"
    assert sorted(meta.get_all("Requires-Dist")) == sorted(
        str(Requirement(r)) for r in runtime_requirements())
    # Only the package: the tests and the development tasks (tools/, dev.py) stay out.
    assert {name.split("/")[0] for name in names} == {
        "lease_tables", f"lease_tables-{__version__}.dist-info"}


def test_sdist_carries_what_its_tests_need(tmp_path: Path) -> None:
    """The sdist ships the tests on purpose, with conftest, helpers and sample_conf."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    source = tmp_path / "src-copy"
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    code = ("import sys; from setuptools import build_meta; "
            "print(build_meta.build_sdist(sys.argv[1]))")
    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, "-c", code, str(out)], cwd=source,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    name = proc.stdout.strip().splitlines()[-1]
    assert name == f"lease_tables-{__version__}.tar.gz"
    with tarfile.open(out / name) as tf:
        members = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
    for wanted in ("LICENSE", "README.md", "dev.py", "tools/servers.py", "requirements/dev.txt",
                   "tests/conftest.py", "tests/faultproxy.py", "tests/policy_helpers.py",
                   "tests/test_docs.py", "sample_conf/IntegrationService.xml",
                   "tests/data/kcl-logs/README.md", "tests/data/kcl-logs/kcl-3.1.3/healthy.log",
                   "docs/cli_reference.py", "bench/package-lock.json", "mkdocs.yml",
                   "docs/index.md", "docs/img/preflight-verdict.svg", "bench/chart.py",
                   "bench/results.json", "tools/pictures.py",
                   "docs/assets/javascripts/iframe-worker-shim.js",
                   "src/lease_tables/cli/app.py"):
        assert wanted in members, wanted
    assert not any("node_modules" in m or "__pycache__" in m for m in members)


# --- bundles -------------------------------------------------------------------------------

def wheel_closure(wheels: dict[str, Path], env: dict[str, str]) -> set[str]:
    """Names of the distributions lease-tables needs on `env`, walked through the wheels'
    own metadata, with markers evaluated for the target; fails on a missing wheel."""
    needed: set[str] = set()
    todo = [(Requirement("lease-tables"), "")]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({**env, "extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        assert name in wheels, f"no wheel for {requirement} ({env['python_version']})"
        version = parse_wheel_filename(wheels[name].name)[1]
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
        if name in needed:
            continue
        needed.add(name)
        with zipfile.ZipFile(wheels[name]) as zf:
            metadata = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            meta = email.message_from_bytes(zf.read(metadata))
        for line in meta.get_all("Requires-Dist") or []:
            for chosen in ("", *requirement.extras):
                todo.append((Requirement(line), chosen))
    return needed


def unpack(archive: Path, into: Path) -> tuple[Path, dict[str, Path]]:
    with zipfile.ZipFile(archive) as zf:
        tops = {name.split("/")[0] for name in zf.namelist()}
        assert tops == {archive.stem}, tops
        zf.extractall(into)
    folder = into / archive.stem
    wheels = {canonicalize_name(parse_wheel_filename(p.name)[0]): p
              for p in (folder / "wheels").iterdir()}
    assert len(wheels) == len(list((folder / "wheels").iterdir())), "one wheel per project"
    return folder, wheels


def assert_site_works_from_disk(site: Path) -> None:
    """The documentation a delivery carries: the task pages as HTML whose scripts, styles
    and pictures are all beside them (nothing from the network), and search's index
    inlined as a script, so search runs from disk (tests/test_site.py runs it in a
    browser)."""
    for name in ("index.html", "install.html", "first-run.html", "security.html",
                 "preflight.html", "errors.html", "cli.html", "json.html", "exit-codes.html",
                 "assets/javascripts/iframe-worker-shim.js", "search/search_index.js",
                 "img/preflight-verdict.svg"):
        assert (site / name).is_file(), f"the carried site lacks {name}"
    for page in site.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//[^"]*', html)
        assert not remote, (page.name, remote)
    assert 'href="install.html"' in (site / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("python", ["3.11", "3.13"])
def test_windows_bundle_has_every_wheel_windows_needs_and_nothing_else(
        tmp_path: Path, python: str) -> None:
    archive = bundle("win_amd64", python, tmp_path / "out")
    assert archive.name == f"lease-tables-{__version__}-win_amd64-py{python}.zip"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [archive.name]
    folder, wheels = unpack(archive, tmp_path)
    needed = wheel_closure(wheels, target_environment("win_amd64", python))
    assert needed == set(wheels), f"wheels nothing needs: {set(wheels) - needed}"
    assert "colorama" in wheels, "typer needs colorama on Windows"
    nodot = python.replace(".", "")
    assert re.fullmatch(rf"lxml-[\d.]+-cp{nodot}-cp{nodot}-win_amd64\.whl", wheels["lxml"].name)
    tags = target_tags("win_amd64", python)
    for path in wheels.values():
        assert parse_wheel_filename(path.name)[3] & tags, f"{path.name} is not for Windows"
    assert wheels["lease-tables"].name == f"lease_tables-{__version__}-py3-none-any.whl"
    for installer in ("install.ps1", "install.cmd"):
        text = (folder / installer).read_text(encoding="utf-8")
        assert "--no-index" in text and "--find-links" in text, installer
        assert "http" not in text.lower(), installer
        assert f"lease-tables=={__version__}" in text and python in text
        assert (folder / installer).read_bytes().count(b"\r\n") == text.count("\n")
    assert not (folder / "install.sh").exists()
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "install.ps1" in readme and f"Python {python}" in readme
    assert "open site\\index.html in a browser" in readme
    assert_site_works_from_disk(folder / "site")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="installs the Linux bundle here")
def test_linux_bundle_installs_with_no_index_and_runs(tmp_path: Path) -> None:
    python = "{}.{}".format(*sys.version_info[:2])
    archive = bundle("linux_x86_64", python, tmp_path / "out")
    assert archive.name == f"lease-tables-{__version__}-linux_x86_64-py{python}.zip"
    folder, wheels = unpack(archive, tmp_path)
    assert wheel_closure(wheels, target_environment("linux_x86_64", python)) == set(wheels)
    assert "colorama" not in wheels
    tags = target_tags("linux_x86_64", python)
    for path in wheels.values():
        assert parse_wheel_filename(path.name)[3] & tags, f"{path.name} is not for Linux"
    assert "--no-index" in (folder / "install.sh").read_text(encoding="utf-8")
    assert "open site/index.html in a browser" in (folder / "README.txt").read_text(
        encoding="utf-8")
    assert_site_works_from_disk(folder / "site")
    # No network: pip's configuration is ignored and any proxy use fails.
    env = {k: v for k, v in clean_env(tmp_path).items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, HTTP_PROXY="http://127.0.0.1:9",
               HTTPS_PROXY="http://127.0.0.1:9", PIP_DISABLE_PIP_VERSION_CHECK="1")
    target = tmp_path / "installed"
    proc = subprocess.run(["sh", str(folder / "install.sh"), sys.executable, str(target)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    exe = target / "bin" / "lease-tables"
    for args, expected in ((["--version"], f"lease-tables {__version__}"),
                           (["--help"], "create"),
                           (["create", "--dry-run", "--conf-dir", str(SAMPLE_CONF)],
                            "dry run, nothing created")):
        run = subprocess.run([str(exe), *args], env=aws_env(tmp_path), capture_output=True,
                             text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert run.returncode == 0 and expected in run.stdout, run.stdout + run.stderr
    listed = subprocess.run([str(target / "bin" / "python"), "-m", "pip", "list",
                             "--format", "freeze"], env=env, capture_output=True, text=True)
    assert f"lease-tables=={__version__}" in listed.stdout


# --- the frozen build ------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(sys.platform not in ("linux", "win32"), reason="built for Linux and Windows")
def test_frozen_build_runs_every_command_and_completion(
        tmp_path: Path, moto: MotoServer) -> None:
    exe = freeze(tmp_path / "frozen")
    assert exe.exists()
    assert not list((tmp_path / "frozen" / "lease-tables").rglob("hypothesis")), "dev tools"
    assert_site_works_from_disk(tmp_path / "frozen" / "lease-tables" / "site")
    assert smoke([str(exe)], endpoint=moto.url) == 0
    tables = moto.client().list_tables()["TableNames"]
    assert len(tables) == 2, tables
    env = clean_env(tmp_path, COMP_WORDS="lease-tables cr", COMP_CWORD="1",
                    _LEASE_TABLES_COMPLETE="complete_bash")
    proc = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and proc.stdout.split() == ["create"], proc.stderr
    version = subprocess.run([str(exe), "--version"], env=clean_env(tmp_path),
                             capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"lease-tables {__version__}"
