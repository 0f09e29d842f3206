"""Test helpers for the policy and template rooms, written independently of the code
under test: an RIS configuration writer, a small IAM evaluator, and a recording
HTTP proxy that sees every DynamoDB operation a CLI run sends.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

CONNECT = "AmazonConnectAdapter"
AGENT = "AmazonAgentEventStreamAdapter"


# ------------------------------------------------------------------ RIS configuration


@dataclass(frozen=True)
class Ad:
    """One adapter to write into a test IntegrationService.xml."""

    adapter_id: str
    type: str
    application: str
    region: str | None = None


def ris_xml(adapters: Sequence[Ad]) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>', "<IFService>", "  <Integrations>"]
    for ad in adapters:
        parts.append(f"    <Integration id={quoteattr(ad.adapter_id)} type={quoteattr(ad.type)}>")
        parts.append(f'      <set key="ApplicationName" value={quoteattr(ad.application)}/>')
        if ad.region:
            parts.append(f'      <set key="Region" value={quoteattr(ad.region)}/>')
        parts.append("    </Integration>")
    parts += ["  </Integrations>", "</IFService>", ""]
    return "\n".join(parts).encode("utf-8")


def write_conf(folder: Path, adapters: Sequence[Ad]) -> Path:
    """A RIS Conf folder holding one IntegrationService.xml; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "IntegrationService.xml").write_bytes(ris_xml(adapters))
    return folder


# ------------------------------------------------------------------ IAM evaluation


def _wildcard(pattern: str, value: str, ignore_case: bool) -> bool:
    """IAM wildcard match: `*` any run of characters, `?` exactly one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.IGNORECASE if ignore_case else 0
    return re.fullmatch(regex, value, flags) is not None


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _statement_matches(statement: dict[str, Any], action: str, resource: str) -> bool:
    unsupported = {"NotAction", "NotResource", "Condition", "Principal", "NotPrincipal"}
    assert not unsupported & statement.keys(), f"evaluator cannot judge {statement}"
    actions = _as_list(statement["Action"])
    resources = _as_list(statement["Resource"])
    return (any(_wildcard(p, action, ignore_case=True) for p in actions)
            and any(_wildcard(p, resource, ignore_case=False) for p in resources))


def decision(policy: dict[str, Any], action: str, resource: str) -> str:
    """`allow`, `explicit-deny` or `implicit-deny`, by IAM's precedence rule."""
    statements = policy["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    matching = [s for s in statements if _statement_matches(s, action, resource)]
    if any(s["Effect"] == "Deny" for s in matching):
        return "explicit-deny"
    if any(s["Effect"] == "Allow" for s in matching):
        return "allow"
    return "implicit-deny"


def allowed(policy: dict[str, Any], action: str, resource: str) -> bool:
    return decision(policy, action, resource) == "allow"


def arn(region: str, account: str, table: str) -> str:
    """Written out here rather than imported, so the test does not trust the code's builder."""
    part = "aws-cn" if region.startswith("cn-") else (
        "aws-us-gov" if region.startswith("us-gov-") else "aws")
    return f"arn:{part}:dynamodb:{region}:{account}:table/{table}"


# ------------------------------------------------------------------ recording proxy


@dataclass(frozen=True)
class Call:
    """One DynamoDB operation as it went over the wire."""

    operation: str
    region: str
    table_name: str | None
    has_tags: bool

    def required(self, account: str) -> list[tuple[str, str]]:
        """(action, resource) pairs IAM authorises for this call.

        ListTables has no resource-level permission, so its resource is `*`;
        CreateTable with Tags is also authorised as TagResource on the new table.
        """
        if self.table_name is None:
            return [(f"dynamodb:{self.operation}", "*")]
        resource = arn(self.region, account, self.table_name)
        needs = [(f"dynamodb:{self.operation}", resource)]
        if self.operation == "CreateTable" and self.has_tags:
            needs.append(("dynamodb:TagResource", resource))
        return needs


_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/dynamodb/aws4_request")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that forwards to moto and records every operation."""

    def __init__(self, upstream: str) -> None:
        split = urlsplit(upstream)
        self.upstream_host = split.hostname or "127.0.0.1"
        self.upstream_port = split.port or 80
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def operations(self) -> set[str]:
        return {c.operation for c in self.calls}

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def _record(self, headers: Any, body: bytes) -> None:
        target = headers.get("X-Amz-Target") or ""
        operation = target.rsplit(".", 1)[-1] if target else "?"
        scope = _CREDENTIAL_SCOPE.search(headers.get("Authorization") or "")
        payload = json.loads(body or b"{}")
        call = Call(operation=operation, region=scope.group(1) if scope else "?",
                    table_name=payload.get("TableName"), has_tags=bool(payload.get("Tags")))
        with self._lock:
            self.calls.append(call)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                proxy._record(self.headers, body)
                upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port,
                                                      timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in _HOP_BY_HOP}
                    upstream.request("POST", self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                    self.send_response(response.status)
                    for key, value in response.getheaders():
                        if key.lower() not in _HOP_BY_HOP | {"content-length"}:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

        return Handler


def unexplained(calls: Iterable[Call], policy: dict[str, Any], account: str) -> list[str]:
    """Every recorded requirement the policy does not allow (empty when complete)."""
    return [f"{action} on {resource}" for call in calls
            for action, resource in call.required(account)
            if not allowed(policy, action, resource)]
