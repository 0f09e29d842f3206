"""What an offline bundle says and runs on the target: its install scripts and README.

Templates for `str.format` (doubled braces are the scripts' own); `tools.bundle`
fills them in, and `tests/test_windows.py` runs the Windows ones under Wine.
"""

from __future__ import annotations

from collections.abc import Mapping

# What the Windows installers say when no usable Python is found, the same words in both.
# They prove a Python by running it: `where py` or Get-Command is no proof (Wine's
# `where` exits 0 for a program that does not exist, and a stale App Execution Alias
# `python.exe` exists but only opens the Store).
NO_PYTHON = ("No Python {python} found: neither the py launcher (py -{python}) nor python "
             "runs. Install Python {python} (64-bit) from python.org with its installer, "
             "or pass the path to its python.exe: {usage}")
WRONG_PYTHON = ("{{0}} is not Python {python}, or does not run; this bundle is for Python "
                "{python} (its wheels are built per version). Pass the path to a Python "
                "{python} python.exe: {usage}")
# The embeddable package of python.org (and a Python installed without its venv and pip
# parts) cannot make a venv; installing into such a Python would change an application's
# private Python, and it ignores PYTHONPATH, so a --target folder would not run either.
NO_VENV = ("{{0}} has no venv module (or no ensurepip), so it cannot make the virtual "
           "environment lease-tables goes into; the embeddable package of python.org is "
           "like that. Install the full Python {python} (64-bit) from python.org with its "
           "installer (which includes venv and pip), or pass the path to the python.exe of "
           "such an installation: {usage}")

INSTALL_PS1 = r"""# Installs lease-tables {version} from the wheels beside this script; no network.
#   .\install.ps1                      # a venv in .\venv, made with the py launcher's {python}
#   .\install.ps1 -Python C:\Python{nodot}\python.exe -Venv D:\Tools\lease-tables
param(
    [string]$Python = "",
    [string]$Venv = (Join-Path $PSScriptRoot "venv")
)
$ErrorActionPreference = "Stop"
$wheels = Join-Path $PSScriptRoot "wheels"
# True when the program runs and exits 0: the only proof a Python is there.
function Test-Runs([string[]]$command, [string]$code) {{
    # Continue: PowerShell 5.1 turns a native program's stderr into a terminating error
    # under "Stop"; only the exit code counts here.
    $ErrorActionPreference = "Continue"
    $exe = $command[0]; $rest = @($command | Select-Object -Skip 1)
    try {{ & $exe @rest -c $code 2>$null | Out-Null; return ($LASTEXITCODE -eq 0) }}
    catch {{ return $false }}
}}
if ($Python) {{ $py = @($Python) }}
elseif (Test-Runs @("py", "-{python}") "import sys") {{ $py = @("py", "-{python}") }}
elseif (Test-Runs @("python") "import sys") {{ $py = @("python") }}
else {{ throw "{no_python_ps1}" }}
$shown = $py -join " "
if (-not (Test-Runs $py "import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))")) {{
    throw ("{wrong_python_ps1}" -f $shown)
}}
if (-not (Test-Runs $py "import venv, ensurepip")) {{ throw ("{no_venv_ps1}" -f $shown) }}
$exe = $py[0]; $pyArgs = @($py | Select-Object -Skip 1)
& $exe @pyArgs -m venv $Venv
if ($LASTEXITCODE -ne 0) {{ throw "could not create the venv $Venv" }}
$venvPython = Join-Path $Venv "Scripts\python.exe"
& $venvPython -m pip install --no-index --find-links $wheels "lease-tables=={version}"
if ($LASTEXITCODE -ne 0) {{ throw "pip install failed" }}
Write-Host "Installed: $(Join-Path $Venv 'Scripts\lease-tables.exe')"
"""

INSTALL_CMD = r"""@echo off
rem Installs lease-tables {version} from the wheels beside this script. Needs no network.
rem   install.cmd                       a venv in .\venv, made with the py launcher's {python}
rem   install.cmd C:\Python{nodot}\python.exe D:\Tools\lease-tables
rem A Python is found by running it (`where` is no proof); `call` also runs a .cmd shim.
setlocal
set "HERE=%~dp0"
set "PYEXE=%~1"
set "PYARGS="
set "VENV=%~2"
if "%VENV%"=="" set "VENV=%HERE%venv"
if not "%PYEXE%"=="" goto have_python
set "PYEXE=py"
set "PYARGS=-{python}"
call "%PYEXE%" %PYARGS% -c "import sys" >nul 2>nul
if not errorlevel 1 goto have_python
set "PYEXE=python"
set "PYARGS="
call "%PYEXE%" -c "import sys" >nul 2>nul
if not errorlevel 1 goto have_python
>&2 echo {no_python_cmd}
exit /b 1
:have_python
set "SHOWN=%PYEXE%"
if not "%PYARGS%"=="" set "SHOWN=%PYEXE% %PYARGS%"
call "%PYEXE%" %PYARGS% -c "import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))" ^
    >nul 2>nul
if errorlevel 1 goto wrong_python
call "%PYEXE%" %PYARGS% -c "import venv, ensurepip" >nul 2>nul
if errorlevel 1 goto no_venv
call "%PYEXE%" %PYARGS% -m venv "%VENV%" || exit /b 1
"%VENV%\Scripts\python.exe" -m pip install --no-index ^
    --find-links "%HERE%wheels" "lease-tables=={version}" || exit /b 1
echo Installed: "%VENV%\Scripts\lease-tables.exe"
exit /b 0
:wrong_python
>&2 echo {wrong_python_cmd}
exit /b 1
:no_venv
>&2 echo {no_venv_cmd}
exit /b 1
"""

INSTALL_SH = """#!/bin/sh
# Installs lease-tables {version} from the wheels beside this script. Needs no network.
#   ./install.sh                        # a venv in ./venv, made with python{python}
#   ./install.sh /usr/bin/python{python} /opt/lease-tables
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${{1:-python{python}}}
target=${{2:-$here/venv}}
"$python" -c "import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))" || {{
    echo "this bundle is for Python {python}; pass the path to that python" >&2; exit 1; }}
"$python" -m venv "$target"
"$target/bin/python" -m pip install --no-index --find-links "$here/wheels" "lease-tables=={version}"
echo "Installed: $target/bin/lease-tables"
"""

README_TXT = """lease-tables {version}: offline bundle for {platform}, Python {python}

Everything lease-tables needs on {platform} with Python {python} is in wheels/;
installing needs no network access and no package index.

Needs: Python {python} (64-bit) on the server. A bundle works only with the Python
version in its name; for another Python build another bundle.

{steps}

The installer makes a virtual environment (a folder) and installs lease-tables in it;
remove that folder to uninstall. Then run, for example:
    {exe} --help
    {exe} create --dry-run

Documentation: open {docs} in a browser. It works from disk, with no network:
installing, the first run, the adapter's policy, preflight, every error and what to do.
"""

WINDOWS_STEPS = """Install (PowerShell):
    Expand-Archive lease-tables-{version}-{platform}-py{python}.zip -DestinationPath C:\\Tools
    cd C:\\Tools\\lease-tables-{version}-{platform}-py{python}
    powershell -ExecutionPolicy Bypass -File .\\install.ps1
        (options: -Python C:\\path\\to\\python.exe  -Venv C:\\path\\to\\new\\venv)
or from cmd.exe:
    install.cmd [C:\\path\\to\\python.exe] [C:\\path\\to\\new\\venv]"""

LINUX_STEPS = """Install:
    unzip lease-tables-{version}-{platform}-py{python}.zip
    cd lease-tables-{version}-{platform}-py{python}
    sh install.sh [/path/to/python{python}] [/path/to/new/venv]"""


def installer_messages(values: Mapping[str, str]) -> dict[str, str]:
    """NO_PYTHON, WRONG_PYTHON and NO_VENV for install.ps1 (a double-quoted PowerShell
    string, `{0}` for -f) and install.cmd (an echo line, `%SHOWN%`)."""
    usage = {"ps1": "install.ps1 -Python C:\\Python{nodot}\\python.exe",
             "cmd": "install.cmd C:\\Python{nodot}\\python.exe"}
    messages = {}
    for name, text in (("no_python", NO_PYTHON), ("wrong_python", WRONG_PYTHON),
                       ("no_venv", NO_VENV)):
        for script in ("ps1", "cmd"):
            message = text.format(**values, usage=usage[script].format(**values))
            if script == "cmd":
                # echo: no parentheses or redirection characters to escape in these words
                message = message.format("%SHOWN%")
            else:
                message = message.replace("`", "``").replace('"', '`"').replace("$", "`$")
            messages[f"{name}_{script}"] = message
    return messages
