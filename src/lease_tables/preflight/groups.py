"""One resource and action group's probes, and the one status row they earn.

Every footprint probe (a stream, its consumer, a bucket, a key, a video stream, a
Connect instance) records what each action's call proved into a `Group`; `judge`
turns it into a row with the statuses tables have: `denied` (names the refused
actions), `missing`, `failed` (broken, or an action the adapter needs that was
not tried: a verdict is only as strong as its probes), else `ok`. Actions never
tried by design (they would write or disturb the running adapter) are listed in
the row's `not_tried` and change nothing, unless `--simulate` had IAM's policy
simulator deny them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lease_tables.aws.failures import grant_advice
from lease_tables.model.outcome import DENIED, FAILED, MISSING, OK, TableResult
from lease_tables.model.probes import BY_DESIGN, NOT_NOW, Probe, Untried, sentences
from lease_tables.model.rows import ResourceRow
from lease_tables.preflight import answers

POLICY_HINT = ("`lease-tables policy --role adapter` with the same resource options prints "
               "the policy")


@dataclass
class Group:
    """What the probes of one resource and action group showed, before its status."""

    row: ResourceRow
    service: str  # the IAM prefix: kinesis, s3, kms, kinesisvideo, connect ...
    refused: dict[str, str] = field(default_factory=dict)  # action -> the denial, in words
    untried: dict[str, str] = field(default_factory=dict)  # needed, not tried -> why
    never: dict[str, str] = field(default_factory=dict)  # never tried, by design -> why
    simulated_denied: dict[str, str] = field(default_factory=dict)  # --simulate said no
    notes: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # a condition key's values (namespaces)
    missing: str = ""
    broken: str = ""
    identity: str | None = None
    # The endpoint this group's calls go to, for the words of a broken answer.
    endpoint: Callable[[], str] | None = None

    @property
    def where(self) -> str:
        return f"{self.row.role} {self.row.resource} in {self.row.region}"

    def action(self, name: str) -> str:
        return f"{self.service}:{name}"

    def record(self, action: str, outcome: answers.Outcome) -> bool:
        """Note one probe's outcome; True when it proved the grant."""
        if outcome.kind == answers.REFUSED:
            self.refused[self.action(action)] = outcome.detail
            self.identity = answers.identity_of(outcome, self.identity)
            return False
        if outcome.kind == answers.BROKEN:
            if not self.broken:
                self.broken = self.broken_words(action, outcome)
            return False
        return outcome.kind != answers.ABSENT

    def broken_words(self, action: str, outcome: answers.Outcome) -> str:
        """A probe with no usable answer, in the adapter's terms, naming the endpoint
        really called (asked only now: after the call, and only when it broke)."""
        if self.endpoint is None:
            return (f"{self.action(action)} on {self.where} had no usable answer "
                    f"({type(outcome.value).__name__}: {outcome.value}); nothing is proven "
                    f"about it.")
        return answers.broken_words(outcome, f"{self.row.role} {self.row.resource}",
                                    self.action(action), self.endpoint(), self.row.region)

    def skip(self, action: str, why: str) -> None:
        """A probe the adapter needs that could not be tried: the row cannot be `ok`."""
        self.untried[self.action(action)] = why


RERUN = "rerun preflight once that is fixed"


def untried(group: Group) -> tuple[Untried, ...]:
    """The group's probes that did not run: not now (unproven), then by design."""
    return (*(Untried(Probe(a), why, NOT_NOW, RERUN) for a, why in group.untried.items()),
            *(Untried(Probe(a), why, BY_DESIGN) for a, why in group.never.items()))


def judge(group: Group) -> TableResult:
    """One status: denied beats missing beats failed beats ok."""
    missing = untried(group)
    words = sentences(missing)
    if group.never and not group.simulated_denied:
        words.append("`preflight --simulate` asks IAM's policy simulator about what is not "
                     "tried by design.")
    notes = [f"Note: {n}." for n in group.notes]
    refused = {**group.refused, **group.simulated_denied}
    if refused:
        them = "them" if len(refused) > 1 else "it"
        advice = grant_advice(group.refused.values(), them,
                              f"Grant {them} ({POLICY_HINT})")
        message = (f"This identity may not call {', '.join(refused)} on {group.where}; the "
                   f"adapter needs {them}. {advice}, then rerun preflight.")
        if group.simulated_denied:
            message += (f" (IAM's policy simulator said so for "
                        f"{', '.join(group.simulated_denied)}; they were not called.)")
        status, parts = DENIED, [message, group.broken]
    elif group.missing:
        status, parts = MISSING, [group.missing]
    else:
        status, parts = (FAILED if group.broken or group.untried else OK), [group.broken]
    text = " ".join(part for part in (*parts, *words, *notes) if part)
    return TableResult(group.row, status, text, untried=missing)
