"""What a proof rests on: the probes that ran, and the ones that did not, and why.

A security sign-off is only as strong as the calls behind it. `preflight` (and any
later proof, of streams, buckets or keys) plans its probes up front in a `Ledger`
and marks each one as it runs; whatever was never marked is untried, so no code
path can skip a probe silently and still end in "proven". An untried probe is one
of two kinds:

- `BY_DESIGN`: never tried, because trying it would write or disturb the adapter
  (UpdateTable, PutRecord, SubscribeToShard ...). Named, and the status stands.
- `NOT_NOW`: could have been tried, but not in this run (the table was UPDATING, an
  earlier probe failed, the run was stopped). The proof is incomplete: the row is
  `failed`, and the verdict says "not proven", what to rerun and when.

A probe that was sent and never answered (the run's --timeout, or Ctrl+C, came first)
is neither: it was tried, so it is never named as untried; it is named as unanswered
(JSON `no_answer`), and proves nothing either.

Pure: no I/O, no AWS, no printing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

BY_DESIGN = "by-design"
NOT_NOW = "not-now"


@dataclass(frozen=True)
class Probe:
    """One planned call: an IAM action, and the resource when it is not the row's own."""

    action: str  # e.g. "dynamodb:CreateTable"
    resource: str = ""  # e.g. "T-CoordinatorState" for a KCL 3.5 name lookup

    @property
    def label(self) -> str:
        return f"{self.action} on {self.resource}" if self.resource else self.action


@dataclass(frozen=True)
class Untried:
    """A probe that did not run: which, why, and (NOT_NOW) what to rerun and when."""

    probe: Probe
    why: str
    kind: str = NOT_NOW
    rerun: str = ""

    @property
    def action(self) -> str:
        return self.probe.action

    @property
    def unproven(self) -> bool:
        """True when the proof needs it and this run could not try it."""
        return self.kind == NOT_NOW


class Ledger:
    """The probes one row plans, in order, and which of them ran.

    `ran()` marks a probe as called (whatever it answered), `answered()` as answered;
    `stop()` records why the rest were not run (the first reason wins); `skip()` gives
    one probe its own reason. `untried()` is every planned probe never marked: by design
    when declared so, else not now, with its own or the stopping reason. `unanswered()`
    is every probe sent and not answered. A cut-short run reads the ledger while the
    probing thread may still write it, hence the lock.
    """

    def __init__(self, planned: Iterable[Probe],
                 by_design: Mapping[Probe, str] | None = None) -> None:
        self.by_design = dict(by_design or {})
        self.planned = [p for p in dict.fromkeys(planned) if p not in self.by_design]
        self._ran: set[Probe] = set()
        self._answered: set[Probe] = set()
        self._lock = threading.Lock()
        self._skipped: dict[Probe, tuple[str, str]] = {}
        self._stopped: tuple[str, str] | None = None

    def ran(self, probe: Probe) -> None:
        with self._lock:
            self._ran.add(probe)

    def answered(self, probe: Probe) -> None:
        with self._lock:
            self._answered.add(probe)

    def unanswered(self) -> tuple[Probe, ...]:
        """The probes sent whose answer never came, in plan order."""
        with self._lock:
            waiting = self._ran - self._answered
        return tuple(p for p in self.planned if p in waiting)

    def skip(self, probe: Probe, why: str, rerun: str) -> None:
        self._skipped.setdefault(probe, (why, rerun))

    def stop(self, why: str, rerun: str) -> None:
        if self._stopped is None:
            self._stopped = (why, rerun)

    def untried(self) -> tuple[Untried, ...]:
        with self._lock:
            ran = set(self._ran)
        stopped = self._stopped or ("it was not reached", "rerun preflight")
        reasons = {p: self._skipped.get(p, stopped) for p in self.planned if p not in ran}
        return (*(Untried(p, why, NOT_NOW, rerun) for p, (why, rerun) in reasons.items()),
                *(Untried(p, why, BY_DESIGN) for p, why in self.by_design.items()))


def not_tried(untried: Iterable[Untried]) -> list[str]:
    """The action names for JSON's `not_tried`, each once, in plan order."""
    return list(dict.fromkeys(u.action for u in untried))


def no_answer(probes: Iterable[Probe]) -> list[str]:
    """The action names for JSON's `no_answer`, each once, in plan order."""
    return list(dict.fromkeys(p.action for p in probes))


def unanswered_sentence(probes: Sequence[Probe]) -> str:
    """A row's words for its probes that were sent and had no answer."""
    if not probes:
        return ""
    labels = ", ".join(p.label for p in probes)
    return (f"Sent, with no answer before the run ended: {labels}, so "
            f"{'it is' if len(probes) == 1 else 'they are'} not proven.")


def unproven(untried: Iterable[Untried]) -> tuple[Untried, ...]:
    return tuple(u for u in untried if u.unproven)


def _labels(untried: Sequence[Untried]) -> str:
    return ", ".join(u.probe.label for u in untried)


def sentences(untried: Sequence[Untried]) -> list[str]:
    """The row's words for its untried probes, grouped by reason: 'Not tried: A, B,
    because ...; rerun ...' and 'Not tried by design: C (...)'."""
    groups: dict[tuple[str, str, str], list[Untried]] = {}
    for item in untried:
        groups.setdefault((item.kind, item.why, item.rerun), []).append(item)
    words = []
    for (kind, why, rerun), items in groups.items():
        if kind == BY_DESIGN:
            words.append(f"Not tried by design: {_labels(items)} ({why}).")
        else:
            again = f"; {rerun}" if rerun else ""
            words.append(f"Not tried: {_labels(items)}, because {why}, so "
                         f"{'it is' if len(items) == 1 else 'they are'} not proven{again}.")
    return words


def pending_summary(rows: Sequence[tuple[str, Sequence[Untried]]], limit: int = 3) -> str:
    """For a verdict: what is still unproven on which rows, and what to rerun when.

    `rows` are (row name, its untried probes); rows with nothing unproven are named
    alone. At most `limit` groups are spelled out; the rest are counted.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for name, untried in rows:
        missing = unproven(untried)
        key = (", ".join(not_tried(missing)), missing[0].rerun) if missing else ("", "")
        groups.setdefault(key, []).append(name)
    parts = []
    for (labels, rerun), names in list(groups.items())[:limit]:
        where = ", ".join(names[:limit]) + (f" and {len(names) - limit} more"
                                            if len(names) > limit else "")
        if labels:
            parts.append(f"{labels} on {where} not tried" + (f", {rerun}" if rerun else ""))
        else:
            parts.append(f"{where} (see {'its row' if len(names) == 1 else 'their rows'})")
    if len(groups) > limit:
        parts.append(f"and {len(groups) - limit} more (see the rows)")
    return "; ".join(parts)
