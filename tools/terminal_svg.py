"""The half of `dev.py pictures` that needs the development venv (rich, boto3).

Run with the venv's Python by tools/pictures.py, never imported by dev.py (which
runs before the venv exists):

    python tools/terminal_svg.py iam URL POLICY        # a moto_server with IAM enforced:
                                                       # an admin, the streams POLICY names,
                                                       # the adapter's keys (POLICY granted)
    python tools/terminal_svg.py svg IN OUT TITLE [PICK] # captured terminal bytes -> SVG

`svg` is rich's own recording: the bytes the CLI wrote to a pseudo-terminal are read
back with rich's ANSI decoder and printed into `Console(record=True)`, whose
`save_svg` draws them as a terminal would show them. For a live display (PICK =
`live`), the capture holds every refresh; the frame drawn is the one with the most
rows still CREATING, so the picture shows the wait, not its end.
"""

from __future__ import annotations

import json
import re
import sys
from io import StringIO
from pathlib import Path
from typing import Any

WIDTH = 80
# What rich's Live writes before each refresh: back to the first line of the last frame.
_REFRESH = re.compile(r"\r?(?:\x1b\[2K\x1b\[1A)+\x1b\[2K")
_CURSOR = re.compile(r"\x1b\[\?25[lh]")


def frames(captured: str) -> list[str]:
    """Each full frame of a live display, in the order drawn."""
    return [f for f in (_CURSOR.sub("", part) for part in _REFRESH.split(captured)) if f.strip()]


def busiest(captured: str, word: str = "creating") -> str:
    """The frame with the most rows saying `word`; the latest of those (the most elapsed)."""
    drawn = frames(captured)
    return max(reversed(drawn), key=lambda f: f.count(word)) if drawn else ""


def svg(source: Path, target: Path, title: str, pick: str = "") -> None:
    from rich.console import Console
    from rich.text import Text

    captured = source.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    if pick == "live":  # the command line (a `$ ` prompt), then the busiest frame
        head, rest = ("", captured)
        if captured.startswith("$ "):
            head, _, rest = captured.partition("\n")
            head += "\n"
        captured = head + busiest(rest)
    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor",
                      file=StringIO(), legacy_windows=False)
    for line in captured.rstrip("\n").split("\n"):
        console.print(Text.from_ansi(line.rstrip("\r")), overflow="fold", crop=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(target), title=title)


def widened(document: dict[str, Any]) -> dict[str, Any]:
    """The document's statements on "*", conditions left out: moto matches every request
    against "*" (it checks actions, not resource ARNs), and nothing preflight calls has a
    condition."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": s["Sid"], "Effect": s["Effect"], "Action": s["Action"], "Resource": "*"}
        for s in document["Statement"]]}


def streams(document: dict[str, Any]) -> list[str]:
    """The Kinesis data streams the document grants (`...:stream/NAME`, not consumers)."""
    names = set()
    for statement in document["Statement"]:
        resources = statement["Resource"]
        for arn in [resources] if isinstance(resources, str) else resources:
            parts = arn.split(":", 5)  # arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME
            if len(parts) == 6 and parts[2] == "kinesis" and parts[5].count("/") == 1:
                names.add(parts[5].split("/")[1])
    return sorted(names)


def iam(url: str, policy_file: Path) -> None:
    """An admin user; the streams the adapter's policy names; an adapter user with that
    policy (what `lease-tables policy --role adapter` printed, in POLICY_FILE).

    The server was started with INITIAL_NO_AUTH_ACTION_COUNT=3: the first three requests
    (make the admin, give it `*`, make its key) go unchecked, every later one is judged.
    """
    import boto3

    def client(service: str, key: str, secret: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, region_name="us-east-1", endpoint_url=url,
                            aws_access_key_id=key, aws_secret_access_key=secret)

    document = json.loads(policy_file.read_text(encoding="utf-8"))
    boot = client("iam", "bootstrap", "bootstrap")
    boot.create_user(UserName="lease-admin")
    boot.put_user_policy(UserName="lease-admin", PolicyName="admin", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                 "Resource": "*"}]}))
    admin = boot.create_access_key(UserName="lease-admin")["AccessKey"]
    kinesis = client("kinesis", admin["AccessKeyId"], admin["SecretAccessKey"])
    for stream in streams(document):
        kinesis.create_stream(StreamName=stream, ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName=stream,
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    admin_iam = client("iam", admin["AccessKeyId"], admin["SecretAccessKey"])
    admin_iam.create_user(UserName="ris-adapter")
    admin_iam.put_user_policy(UserName="ris-adapter", PolicyName="adapter",
                              PolicyDocument=json.dumps(widened(document)))
    adapter = admin_iam.create_access_key(UserName="ris-adapter")["AccessKey"]
    print(json.dumps({"admin": [admin["AccessKeyId"], admin["SecretAccessKey"]],
                      "adapter": [adapter["AccessKeyId"], adapter["SecretAccessKey"]]}))


if __name__ == "__main__":
    if sys.argv[1] == "iam":
        iam(sys.argv[2], Path(sys.argv[3]))
    else:
        svg(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], *sys.argv[5:6])
