"""`dev.py demo`: the sample's lease tables created and verified on a local endpoint."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tools.paths import BIN, SAMPLE_CONF
from tools.servers import start_moto, stop_process
from tools.step import say
from tools.venv import ensure_venv


def demo() -> int:
    """Create the sample's lease tables on a local endpoint, then verify them."""
    ensure_venv()
    empty = Path(tempfile.mkdtemp(prefix="lease-tables-demo-"))
    env = demo_env(os.environ, empty)
    server, endpoint = start_moto(env)
    say(f"started a local DynamoDB-compatible endpoint (moto_server) at {endpoint}")
    try:
        common = ["--conf-dir", str(SAMPLE_CONF), "--endpoint-url", endpoint]
        code = 0
        for args in (["create", "--dry-run"], ["create"], ["create"], ["verify"]):
            say("lease-tables " + " ".join(args + common))
            result = subprocess.run([str(BIN / "lease-tables"), *args, *common], env=env)
            code = max(code, result.returncode)
        say("demo finished: tables created, rerun was a no-op, verify passed" if code == 0
            else f"demo finished with exit code {code}")
        return code
    finally:
        stop_process(server)
        shutil.rmtree(empty, ignore_errors=True)


def demo_env(environ: Mapping[str, str], empty: Path) -> dict[str, str]:
    """The demo's environment: the user's, minus every AWS setting, plus the demo's own.

    A demo needs no AWS account, so nothing of the user's may reach it: a stale
    AWS_PROFILE, an AWS_ENDPOINT_URL or a retry setting would make it fail (or
    call AWS). Every AWS_* variable is dropped and the config and credentials
    files point at empty files in `empty`.
    """
    config, credentials = empty / "config", empty / "credentials"
    for path in (config, credentials):
        path.write_text("", encoding="utf-8")
    kept = {k: v for k, v in environ.items() if not k.upper().startswith("AWS_")}
    return {**kept, "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
