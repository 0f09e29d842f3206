"""The smoke run: every command of lease-tables once, against a local endpoint.

`floors` runs it on the floor versions, and the delivery tests on the frozen build.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tools.paths import SAMPLE_CONF
from tools.servers import start_moto, stop_process


def smoke_env(tmp: Path) -> dict[str, str]:
    """Fake credentials, no AWS settings of this machine, no instance-metadata calls."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "smoke", "AWS_SECRET_ACCESS_KEY": "smoke",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": str(tmp / "no-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-credentials"),
                "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"})
    return env


def smoke_steps(endpoint: str) -> list[tuple[list[str], str]]:
    """(arguments, text the output must contain) for every command of the smoke run."""
    conf = ["--conf-dir", str(SAMPLE_CONF)]
    local = [*conf, "--endpoint-url", endpoint]
    return [
        (["--help"], "create"),
        (["--version"], "lease-tables "),
        (["create", "--dry-run", *conf], "dry run"),
        (["policy", "--account-id", "123456789012", "--region", "us-east-1", *conf],
         "dynamodb:"),
        (["template", "--format", "cloudformation", *conf], "AWS::DynamoDB::Table"),
        (["template", "--format", "terraform", *conf], "aws_dynamodb_table"),
        (["create", *local], "created"),
        (["create", *local], "exists"),
        (["verify", *local], "ok"),
        (["--show-completion", "bash"], "_lease_tables_completion"),
    ]


def smoke(command: Sequence[str], env_extra: Mapping[str, str] | None = None,
          endpoint: str | None = None) -> int:
    """Run each smoke step with `command` (the installed or frozen lease-tables).

    Against `endpoint` when given (a test's own moto_server), else against a
    moto_server started here and stopped at the end.
    """
    server: subprocess.Popen[Any] | None = None
    if endpoint is None:
        server, endpoint = start_moto()
    failures = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**smoke_env(Path(tmp)), **(env_extra or {})}
            for args, expected in smoke_steps(endpoint):
                result = subprocess.run([*command, *args], env=env, capture_output=True,
                                        text=True, encoding="utf-8", errors="replace",
                                        stdin=subprocess.DEVNULL, timeout=300)
                output = result.stdout + result.stderr
                good = (result.returncode == 0 and expected in output
                        and "Traceback" not in output)
                print(f"  {'ok  ' if good else 'FAIL'} lease-tables {' '.join(args[:4])}"
                      f"{' ...' if len(args) > 4 else ''}", flush=True)
                if not good:
                    failures += 1
                    print(f"       exit {result.returncode}\n" + output[-2000:], flush=True)
    finally:
        if server is not None:
            stop_process(server)
    return 1 if failures else 0
