"""How a task shows its steps and runs their commands."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def run(command: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """Run a command with check=True; every argument is a separate word (no shell).

    `kwargs` are subprocess.run's own (capture_output, text, cwd, timeout, ...).
    """
    return subprocess.run([str(part) for part in command], check=True, **kwargs)
