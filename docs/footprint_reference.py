"""The security page's permission table and worked example (docs/security.md, run by cog).

The permission table is rendered from `footprint.SERVICES`, the same rows the
policy, the template and preflight read, so the page cannot drift from the code;
the worked example is the real output of the installed command on the sample
configuration. `cog -r docs/security.md` rewrites both; `cog --check` over the pages
(`dev.py test`, and tests/test_docs.py) fails when either is stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lease_tables.model import footprint as fp

ROOT = Path(__file__).resolve().parent.parent
_REGION, _ACCOUNT = "us-east-1", "111122223333"
_NAMES = {fp.KIND_STREAM: "NAME", fp.KIND_BUCKET: "NAME", fp.KIND_KMS_KEY: "KEY_ID",
          fp.KIND_VIDEO_STREAM: "PREFIX", fp.KIND_CONNECT_INSTANCE: "INSTANCE_ID",
          fp.KIND_LOG_GROUP: "GROUP"}
# What an adapter's IntegrationService.xml can name: in the policy with no option.
_FROM_FILES = {"--stream": "streams", "--connect-instance": "instance"}

EXAMPLE = ["policy", "--conf-dir", "sample_conf", "--host-name", "verintris",
           "--account-id", _ACCOUNT, "--enhanced-fan-out",
           "--bucket", "verint-recordings",
           "--kms-key", f"arn:aws:kms:{_REGION}:{_ACCOUNT}:key/"
                        "1234abcd-12ab-34cd-56ef-1234567890ab",
           "--video-stream", "verint-connect-live",
           "--connect-instance", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]


def _arn_form(row: fp.Service, grant: fp.Grant) -> str:
    if grant.condition_key:
        return f'`*`, condition `{grant.condition_key}` = each lease-table name'
    name = _NAMES[row.kind]
    arn = fp._from_name(row.kind, name, _REGION, _ACCOUNT) + grant.suffix
    return "`" + arn.replace(_REGION, "REGION").replace(_ACCOUNT, "ACCOUNT") + "`"


def table() -> str:
    """Service | actions | resource | option | what preflight does, one line per grant."""
    lines = ["| service | actions | resource (IAM's type) | added by | preflight |",
             "|---|---|---|---|---|"]
    for role, label in (("adapter", ""), ("provisioner", " (provisioner)")):
        for row in fp.SERVICES:
            grants = row.adapter if role == "adapter" else row.provisioner
            never = dict(row.not_tried)
            for grant in grants:
                actions = ", ".join(f"`{a}`" for a in grant.actions)
                tried = [a.split(":")[1] for a in grant.actions if a in row.tried]
                untried = [a.split(":")[1] for a in grant.actions if a in never]
                probe = "; ".join(filter(None, [
                    f"tried: {', '.join(tried)}" if tried and role == "adapter" else "",
                    f"not tried: {', '.join(untried)}" if untried and role == "adapter" else "",
                ])) or "-"
                option = (f"`{row.option}`" if row.option
                          else "any row above (the files' streams included)")
                if row.option in _FROM_FILES:  # in by default, unless --lease-tables-only
                    option = f"{option}, else the files' {_FROM_FILES[row.option]}"
                if role == "provisioner":
                    option = f"`--role provisioner {row.option}`"
                kind = grant.resource_type or "none"
                lines.append(f"| {row.title}{label} | {actions} | {_arn_form(row, grant)} "
                             f"({kind}) | {option} | {probe} |")
    return "\n".join(lines) + "\n"


def example() -> str:
    """The worked example: the command, its stderr notes and its policy, as run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "COLUMNS": "80", "NO_COLOR": "1"})
    proc = subprocess.run([sys.executable, "-m", "lease_tables", *EXAMPLE],
                          capture_output=True, text=True, env=env, check=True, cwd=ROOT,
                          stdin=subprocess.DEVNULL, timeout=60)
    command = "lease-tables " + " ".join(
        a if a.startswith("--") or " " not in a else f"'{a}'" for a in EXAMPLE)
    command = command.replace(" --", " \\\n    --")
    return ("```\n" + command + "\n```\n\nOn stderr, where each value came from:\n\n```\n"
            + proc.stderr + "```\n\nOn stdout:\n\n```json\n" + proc.stdout + "```\n")
