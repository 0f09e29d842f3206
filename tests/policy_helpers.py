"""Test helpers for the policy and template rooms, written independently of the code
under test: an RIS configuration writer, a small IAM evaluator, and a recording
HTTP proxy that sees every DynamoDB operation a CLI run sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from tests.faultproxy import Call

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


# ------------------------------------------------------------------ recorded calls


def required(call: Call, account: str) -> list[tuple[str, str]]:
    """(action, resource) pairs IAM authorises for one recorded call.

    ListTables has no resource-level permission, so its resource is `*`;
    CreateTable with Tags is also authorised as TagResource on the new table.
    """
    if call.table_name is None:
        return [(f"dynamodb:{call.operation}", "*")]
    resource = arn(call.region, account, call.table_name)
    needs = [(f"dynamodb:{call.operation}", resource)]
    if call.operation == "CreateTable" and call.body.get("Tags"):
        needs.append(("dynamodb:TagResource", resource))
    return needs


def unexplained(calls: Iterable[Call], policy: dict[str, Any], account: str) -> list[str]:
    """Every recorded requirement the policy does not allow (empty when complete)."""
    return [f"{action} on {resource}" for call in calls
            for action, resource in required(call, account)
            if not allowed(policy, action, resource)]
