"""The one judgement of a probe's answer, shared by every service preflight probes.

A probe is a call that writes nothing; what it proves is read from its answer's
error code, never from its text: an error that can only come after IAM let the
call through (a conditional-check failure, ResourceInUse for CreateTable of an
existing table, NoSuchKey, DryRunOperationException, ResourceNotFound for a random
id) proves the grant; access denied (in whichever code the service uses: Kinesis
Video's is NotAuthorizedException) refuses it; "not found" of the resource itself
means it is absent; anything else is broken (network, throttling, an answer no
service sends), which proves nothing either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lease_tables.aws import failures
from lease_tables.core.printable import aws_text

# How a probe ended.
PROVEN = "proven"  # the call was authorised (whatever the service then answered)
REFUSED = "refused"  # access denied
ABSENT = "absent"  # the resource itself does not exist
BROKEN = "broken"  # anything else: network, throttling, an answer we did not expect

_DENIED_PRINCIPAL = re.compile(r"User: (arn:[^\s<>\"]+) is not authorized")


@dataclass(frozen=True)
class Outcome:
    kind: str
    detail: str = ""  # PROVEN, ABSENT: the error code that decided it; REFUSED: the denial
    value: Any = None  # PROVEN: the answer; BROKEN: the exception


def attempt(call: Callable[[], Any], expected_code: str | None = None, *,
            allowed: Iterable[str] = (), absent: Iterable[str] = (failures.NOT_FOUND_CODE,),
            denied: Iterable[str] = ()) -> Outcome:
    """Run one probe and say what it proved.

    `expected_code` / `allowed`: error codes that prove access (checked first, so a
    ResourceNotFound for a random id can prove it); `absent`: codes meaning the
    resource is not there; `denied`: a service's own access-denied codes beyond the
    common ones.
    """
    proving = {expected_code, *allowed} - {None}
    try:
        value = call()
    except Exception as exc:
        code = failures.error_code(exc)
        if code in proving:
            return Outcome(PROVEN, code or "")
        if code in set(absent):
            return Outcome(ABSENT, code or "")
        if failures.is_access_denied(exc) or code in set(denied):
            return Outcome(REFUSED, denial_text(exc))
        return Outcome(BROKEN, "", exc)
    return Outcome(PROVEN, "", value)


def denial_text(exc: BaseException) -> str:
    """Code and message of an access-denied answer, also from an XML body (moto, proxies)."""
    code = failures.error_code(exc) or ""
    message = failures.error_message(exc)
    if not code or code == str(failures.http_status(exc)):
        code = f"HTTP {failures.http_status(exc)}"
    return f"{code}: {aws_text(message)}" if message else code


def denied_principal(text: str) -> str | None:
    """The identity ARN an access-denied message names ("User: arn:... is not authorized")."""
    match = _DENIED_PRINCIPAL.search(text)
    return match.group(1) if match else None


def identity_of(outcome: Outcome, known: str | None = None) -> str | None:
    """The identity a run learns from an answer: the one already known, else the ARN an
    access-denied answer names."""
    if known or outcome.kind != REFUSED:
        return known
    return denied_principal(outcome.detail)


def broken_words(outcome: Outcome, what: str, action: str, endpoint: str,
                 region: str | None) -> str:
    """A broken probe in the adapter's terms (its policy is the one to name): what was
    called on what, where, and what the failure means."""
    error = outcome.value if isinstance(outcome.value, BaseException) else RuntimeError(
        outcome.detail or "no answer")
    return failures.explain(error, what, action, endpoint, region, role="adapter")
