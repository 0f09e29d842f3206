"""`dev.py bundle`: an offline installer zip for one platform and Python version."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from tools.installers import (
    INSTALL_CMD,
    INSTALL_PS1,
    INSTALL_SH,
    LINUX_STEPS,
    README_TXT,
    WINDOWS_STEPS,
    installer_messages,
)
from tools.paths import LOCK, PYPROJECT, PYTHON, ROOT, VENV, venv_script
from tools.project import build_wheel, project_version
from tools.site import carry_site
from tools.step import run, say
from tools.venv import ensure_venv

# Bundle targets: our platform name -> (uv's --python-platform, pip's --platform tags).
PLATFORMS = {
    "win_amd64": ("x86_64-pc-windows-msvc", ["win_amd64"]),
    "linux_x86_64": ("x86_64-manylinux_2_28",
                     ["manylinux_2_28_x86_64", "manylinux2014_x86_64"]),
}


def bundle_name(platform: str, python_version: str) -> str:
    return f"lease-tables-{project_version()}-{platform}-py{python_version}"


def target_requirements(platform: str, python_version: str, out: Path) -> Path:
    """The runtime dependencies resolved for the target, at the lock's versions.

    uv evaluates markers such as `platform_system == "Windows"` for the target
    platform and Python, not for this machine (pip's --platform does not).
    """
    uv_platform = PLATFORMS[platform][0]
    constraints = out / "constraints.txt"
    # The lock's pins without their hashes: the runtime dependencies ship at the
    # versions CI tested; pip checks the hashes of the resolved file below.
    lines = [line for line in LOCK.read_text(encoding="utf-8").splitlines()
             if re.match(r"^[A-Za-z0-9]", line)]
    constraints.write_text("\n".join(line.rstrip(" \\") for line in lines) + "\n",
                           encoding="utf-8")
    requirements = out / "requirements.txt"
    run([venv_script(VENV, "uv"), "pip", "compile", "--quiet", "--no-header",
         "--python-platform", uv_platform, "--python-version", python_version,
         "--only-binary", ":all:", "--generate-hashes", "-c", constraints,
         "-o", requirements, PYPROJECT], cwd=ROOT)
    return requirements


def bundle(platform: str, python_version: str, out: Path) -> Path:
    """One zip: every wheel the target needs, installers that use no index, a README, and
    the documentation as HTML that works from disk (site/index.html)."""
    if platform not in PLATFORMS:
        raise SystemExit(f"--platform must be one of {', '.join(PLATFORMS)}")
    if not re.fullmatch(r"3\.\d+", python_version):
        raise SystemExit("--python-version must look like 3.11")
    ensure_venv()
    name = bundle_name(platform, python_version)
    version = project_version()
    major, minor = python_version.split(".")
    values = {"version": version, "platform": platform, "python": python_version,
              "major": major, "minor": minor, "nodot": major + minor}
    with tempfile.TemporaryDirectory(prefix="lease-tables-bundle-") as tmp:
        work = Path(tmp)
        folder = work / name
        wheels = folder / "wheels"
        say(f"building the lease-tables {version} wheel")
        build_wheel(wheels)
        say(f"resolving the runtime dependencies for {platform}, Python {python_version}")
        requirements = target_requirements(platform, python_version, work)
        pip_platforms = [arg for tag in PLATFORMS[platform][1] for arg in ("--platform", tag)]
        say(f"downloading their wheels for {platform}, Python {python_version}")
        run([PYTHON, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             *pip_platforms, "--python-version", python_version, "--implementation", "cp",
             "--require-hashes", "-r", requirements, "-d", wheels])
        if platform == "win_amd64":
            messages = installer_messages(values)
            write_text(folder / "install.ps1", INSTALL_PS1.format(**values, **messages),
                       "\r\n")
            write_text(folder / "install.cmd", INSTALL_CMD.format(**values, **messages),
                       "\r\n")
            steps, exe, newline = WINDOWS_STEPS, r"venv\Scripts\lease-tables.exe", "\r\n"
        else:
            write_text(folder / "install.sh", INSTALL_SH.format(**values), "\n")
            steps, exe, newline = LINUX_STEPS, "venv/bin/lease-tables", "\n"
        docs = "site\\index.html" if platform == "win_amd64" else "site/index.html"
        readme = README_TXT.format(**values, steps=steps.format(**values), exe=exe, docs=docs)
        write_text(folder / "README.txt", readme, newline)
        shutil.copy2(ROOT / "LICENSE", folder / "LICENSE.txt")
        carry_site(folder / "site")
        out.mkdir(parents=True, exist_ok=True)
        archive = out / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.rglob("*")):
                info = zipfile.ZipInfo.from_file(path, path.relative_to(work).as_posix())
                if path.name == "install.sh":
                    info.external_attr = 0o100755 << 16
                if path.is_file():
                    zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    count = sum(1 for _ in zipfile.ZipFile(archive).namelist() if _.endswith(".whl"))
    say(f"wrote {archive} ({count} wheels, {archive.stat().st_size / 1e6:.1f} MB)")
    return archive


def write_text(path: Path, text: str, newline: str) -> None:
    with path.open("w", encoding="utf-8", newline=newline) as handle:
        handle.write(text)
