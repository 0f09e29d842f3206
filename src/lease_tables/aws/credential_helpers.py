"""Credential helpers (`credential_process`, MFA prompts), bounded and named as theirs.

botocore runs a profile's `credential_process` with `subprocess.Popen` and waits
for it without a bound, and asks for an MFA code with `getpass`. For this tool
that meant: a helper that hangs outlives the run that `--timeout` ended (it is
the helper's child, not ours, that holds the operator's smart card or browser
login); a helper that is missing was reported as a missing *file*, one that
printed garbage as a JSON parse error; and a scheduled task whose profile needs
an MFA code ended in `EOFError`. botocore takes both as constructor arguments
(`popen`, `prompter`); `install` gives its providers ours:

- `HelperRun`: the helper starts in a process group of its own, with no stdin
  (nothing can prompt), is waited for at most the run's bound, and is killed with
  its whole group when the bound passes or the run ends (`end_all`, called on
  every way out). Its failures are `AwsError`s in its own words: the command that
  could not start, the exit code and what it said on stderr, or that its output
  was not the JSON document AWS's specification asks for (its stdout is never
  shown: it holds secrets).
- `refuse_prompt`: this tool never prompts (every command works unattended), so a
  profile whose role needs an MFA code is a clear error saying how to run it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from lease_tables.core.errors import AwsError
from lease_tables.core.printable import aws_text, quote

_running: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()


class HelperRun(subprocess.Popen[bytes]):
    """One running helper, started as botocore's ProcessProvider starts its `popen`
    (`install` binds the bound first) and used as it uses one: `communicate()`,
    `returncode`. Bounded by the run's `deadline` (a `time.monotonic()` value; else
    `timeout` seconds from the helper's start), so that its own words, not a bare
    timeout, end the run; killable; its failures named as the helper's."""

    def __init__(self, timeout: float, deadline: float | None, command: Sequence[str],
                 **options: Any) -> None:
        # The helper as the operator configured it, for a message.
        self.words = f"The credential_process {quote(' '.join(command))} of the AWS profile"
        self.bound = timeout  # the run's --timeout, for the message
        # botocore passes stdout and stderr only: the rest is ours.
        if sys.platform == "win32":
            options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        else:
            options["start_new_session"] = True  # its own group: killed whole, if need be
        try:
            super().__init__(list(command), stdin=subprocess.DEVNULL, **options)
        except OSError as exc:
            raise AwsError(
                f"{self.words} could not be started ({exc.strerror or exc}): "
                f"check the command in the profile's credential_process line (the program's "
                f"full path, its quoting), run it by hand to see that it prints the "
                f"credentials, then rerun. Nothing was changed.") from None
        with _lock:
            _running.add(self)
        # Seconds left for it.
        self.time_left = timeout if deadline is None else max(0.1, deadline - time.monotonic())

    def communicate(self, *_: Any, **__: Any) -> tuple[bytes, bytes]:
        try:
            out, err = super().communicate(timeout=self.time_left)
        except subprocess.TimeoutExpired:
            end(self)
            raise AwsError(
                f"{self.words} gave no credentials within the run's "
                f"{self.bound:g} s (--timeout) and was stopped. It may be "
                f"waiting for something it cannot get here (a browser login, a smart card, "
                f"a prompt: it has no input). Run it by hand to see what it waits for, then "
                f"rerun. Nothing was changed.") from None
        finally:
            forget(self)
        said = aws_text(err.decode("utf-8", "replace")).strip()
        if self.returncode != 0:
            raise AwsError(
                f"{self.words} failed (exit code {self.returncode})"
                + (f" and said: {said}" if said else ", saying nothing on stderr")
                + ". This is the helper's failure, not AWS's or the network's: fix what it "
                  "reports (run it by hand to see), then rerun. Nothing was changed.")
        document = None
        with contextlib.suppress(ValueError):  # not UTF-8, not JSON: both refused below
            document = json.loads(out.decode("utf-8"))
        if not isinstance(document, dict):
            raise AwsError(
                f"{self.words} printed {len(out)} bytes that are not the "
                f"JSON document a credential_process must print (an object with Version 1, "
                f"AccessKeyId, SecretAccessKey; its output is not shown, as it may hold "
                f"secrets)" + (f"; it said on stderr: {said}" if said else "")
                + ". Run it by hand to see what it prints, fix it, then rerun. Nothing was "
                  "changed.")
        return out, err


def forget(process: subprocess.Popen[bytes]) -> None:
    with _lock:
        _running.discard(process)


def end(process: subprocess.Popen[bytes]) -> None:
    """Kill a helper and everything it started (its process group; on Windows, its tree)."""
    forget(process)
    if process.poll() is not None:
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        if sys.platform == "win32":
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=5, check=False)
        else:
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        process.kill()
        process.wait(timeout=2)


def end_all() -> None:
    """Every helper still running (the run is ending): killed, so none outlives it."""
    with _lock:
        running = list(_running)
    for process in running:
        end(process)


def refuse_prompt(prompt: str = "") -> str:
    """botocore's MFA prompter: this tool never prompts."""
    raise AwsError(
        "The AWS profile assumes a role that needs an MFA code (its mfa_serial setting), and "
        "this tool never prompts for one: it must run unattended. Get temporary credentials "
        "first (e.g. `aws configure export-credentials --profile NAME --format env` in a "
        "session where you can enter the code, or `aws sts get-session-token "
        "--serial-number ARN --token-code CODE`) and run with them, or use a profile whose "
        "role needs no MFA. Nothing was changed.")


def install(core_session: Any, timeout: float, deadline: float | None = None) -> None:
    """Give botocore's credential providers our popen and prompter (see the module
    docstring): the profile's own credential_process, and those of the profiles a role
    is assumed from."""
    resolver = core_session.get_component("credential_provider")
    popen = functools.partial(HelperRun, timeout, deadline)
    # botocore's resolver raises for a provider it lacks; both are in its default chain.
    resolver.get_provider("custom-process")._popen = popen
    assume_role = resolver.get_provider("assume-role")
    assume_role._prompter = refuse_prompt
    # The source profiles' own providers are built when a role is assumed, by the builder
    # botocore's default chain gives the assume-role provider (every botocore we support).
    builder = assume_role._profile_provider_builder
    make = builder._create_process_provider

    def bounded(profile_name: str) -> Any:
        made = make(profile_name)
        made._popen = popen
        return made

    builder._create_process_provider = bounded
