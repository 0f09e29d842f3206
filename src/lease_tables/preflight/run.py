"""`preflight`: prove, with the adapter's own credentials and writing nothing, that it
will start.

The run over the three kinds of probes: the lease tables' (`tables`), and the
footprint's streams and consumers (`streams`) and other services (`services`), whose
rows `footprint` plans. Every chain starts at once: the tables' in DynamoDB's pool of
`--concurrency`, the footprint's beside them in its own pool of `--concurrency`, the
longest chains first. Each chain judges its own answers (`answers`, one judgement for
every service) and words its own rows;
this module only runs them and words the one verdict for the change ticket.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lease_tables.aws.bounded import Board
from lease_tables.aws.clients import Clients
from lease_tables.config.naming import LeaseTable
from lease_tables.model import kcl, outcome, rows
from lease_tables.model.footprint import KIND_STREAM as ROLE_STREAM
from lease_tables.model.outcome import TableResult
from lease_tables.model.probes import pending_summary
from lease_tables.model.rows import ROLE_STREAM_CONSUMER, ResourceRow
from lease_tables.preflight.footprint import Planned, preflight_footprint
from lease_tables.preflight.tables import PROBE_KEY_PREFIX, judge, new_findings, table_chain


@dataclass
class PreflightRun:
    """Every row's result, plus the identity ARN when an access-denied answer named it."""

    results: list[TableResult]
    identity: str | None = None


def require_credentials(clients: Clients) -> None:
    """Fail once, in preflight's words, when there are no usable credentials at all."""
    clients.check_credentials(who="a profile that holds the adapter's own credentials (the "
                                  "identity the adapter runs as)",
                              nothing="Nothing was called.")


def preflight_run(clients: Clients, tables: Sequence[LeaseTable], planned: Sequence[Planned],
                  board: Board[Any], rows: Board[Any], concurrency: int, layout: kcl.Layout,
                  version: str, simulate: bool) -> PreflightRun:
    """The tables' chains and the footprint's (`planned`, reported on `rows`), all at once:
    the footprint's run beside the tables', each in its own bounded pool; never raises for
    a table's failure.

    `board` sees each table's result as soon as it is known, so a run cut short by
    --timeout or Ctrl+C still reports what it had proven.
    """
    key = f"{PROBE_KEY_PREFIX}{uuid.uuid4()}"  # a lease key no KCL worker ever writes

    def one(item: tuple[int, LeaseTable]) -> tuple[str | None, TableResult]:
        index, table = item
        findings = new_findings(table, layout)
        board.ledgers[index] = findings.ledger  # what was sent, should the run be cut short
        table_chain(clients, key, board.stopped.is_set(), layout, version, findings)
        return findings.identity, board.record(index, judge(findings))

    with ThreadPoolExecutor(1, thread_name_prefix="lease-tables-footprint") as side:
        others = side.submit(preflight_footprint, clients, planned, rows, concurrency, simulate)
        with ThreadPoolExecutor(max_workers=max(1, concurrency),
                                thread_name_prefix="lease-tables-preflight") as pool:
            found = list(pool.map(one, enumerate(tables)))
        identity = next((known for known, _ in found if known), None)
        return PreflightRun([result for _, result in found] + others.result(), identity)


def verdict(run: PreflightRun, profile: str | None = None) -> str:
    """The one line an operator pastes into the change ticket.

    It concludes only from probes that ran: `denied` and `missing` rows are what the
    identity was shown unable to use; `failed` rows are "not proven", named with what
    did not run and when to rerun; "cannot create tables" only when every row's
    CreateTable ran and was refused.
    """
    head, body = _verdict(run.results, run.identity, profile)
    stop = _STOP if head == FAILED_HEAD else ""
    return f"{head}: {body}{stop} (exit {outcome.exit_code(run.results)})."


def _verdict(results: Sequence[TableResult], identity: str | None,
             profile: str | None) -> tuple[str, str]:
    """The verdict's head and body, which the footprint's verdict builds on."""
    who = _who(identity, profile)
    n = len(results)
    scope = _scope(results)
    unable = (outcome.DENIED, outcome.MISSING)  # what the identity was shown unable to use
    shown = [r for r in results if r.status in unable]
    open_rows = [r for r in results if r.status not in {*outcome.HAPPY, *unable}]
    allowed = [r for r in results if r.status == outcome.CREATE_ALLOWED]
    pending = pending_summary([(r.table.table_name, r.untried or ()) for r in open_rows])
    if shown:
        counts = ", ".join(f"{sum(r.status == s for r in shown)} {s}"
                           for s in unable if any(r.status == s for r in shown))
        text = f"{who} cannot use {len(shown)} of {_count(results)} ({counts})"
        if open_rows:
            text += f"; not proven for {len(open_rows)} more ({len(open_rows)} failed): {pending}"
        return FAILED_HEAD, text + create_warning(results)
    if open_rows:
        what = scope if len(open_rows) == n else f"{len(open_rows)} of {_count(results)}"
        return FAILED_HEAD, (
            f"not proven for {what} ({len(open_rows)} failed), so it is not known whether "
            f"{who} can use {'it' if len(open_rows) == 1 else 'them'} or is denied "
            f"CreateTable: {pending}" + create_warning(results))
    by_design = sorted({u.probe.label for r in results for u in r.untried or ()
                        if not u.unproven})
    design = f"; not tried by design: {', '.join(by_design)}" if by_design else ""
    if allowed:
        return "PREFLIGHT PASSED WITH A WARNING", (
            f"{who} can use {scope}, but dynamodb:CreateTable is NOT denied to it (seen on "
            f"{len(allowed)} of {n} tables); add the Deny that `lease-tables policy --role "
            f"adapter` prints{design}")
    return "PREFLIGHT PASSED", f"{who} can use {scope} and cannot create tables{design}"


def create_warning(results: Sequence[TableResult]) -> str:
    """"; warning: dynamodb:CreateTable is NOT denied ...", or "": the finding preflight
    exists for, kept in every verdict whatever else failed. `results` are the tables' rows
    (both verdicts pass only those)."""
    allowed = [r for r in results if r.status == outcome.CREATE_ALLOWED]
    if not allowed:
        return ""
    return (f"; warning: dynamodb:CreateTable is NOT denied to it (seen on {len(allowed)} of "
            f"{len(results)} tables): add the Deny that `lease-tables policy --role adapter` "
            f"prints")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _count(results: Sequence[TableResult]) -> str:
    """"2 lease tables", or "6 tables (2 lease tables, 4 companion tables)": KCL 3's
    companion tables are tables the adapter needs, but not lease tables."""
    leases = sum(r.table.role == kcl.ROLE_LEASE for r in results)
    if leases == len(results):
        return _plural(leases, "lease table")
    return (f"{_plural(len(results), 'table')} ({_plural(leases, 'lease table')}, "
            f"{_plural(len(results) - leases, 'companion table')})")


def _scope(results: Sequence[TableResult]) -> str:
    """What a passed preflight proved the identity can use, lease and companion tables
    named apart."""
    leases = [r for r in results if r.table.role == kcl.ROLE_LEASE]
    n = len(leases)
    scope = {0: "no lease table", 1: f"the lease table {leases[0].table.table_name}" if leases
             else "", 2: "both lease tables"}.get(n, f"all {n} lease tables")
    companions = len(results) - n
    if companions:
        scope += f" and {'its' if n == 1 else 'their'} {_plural(companions, 'companion table')}"
    return scope


def _who(identity: str | None, profile: str | None) -> str:
    return (f"the identity {identity}" if identity else
            f"the identity of profile {profile}" if profile else "the identity in use")


FAILED_HEAD = "PREFLIGHT FAILED"
_STOP = "; do not restart the adapter until preflight passes"


def retrieval(others: Sequence[TableResult]) -> str:
    """What the verdict says of KCL's retrieval: the mode the run proved, and what the
    other mode would still need. Polling rests on the streams' read probes;
    enhanced fan-out (KCL's default) also on its consumers (`--enhanced-fan-out`)."""
    streams = [r for r in others if r.table.role == ROLE_STREAM]
    consumers = [r for r in others if r.table.role == ROLE_STREAM_CONSUMER]
    if not streams:
        return ""
    if any(r.status not in outcome.HAPPY for r in streams):
        return "retrieval proven: none (a stream the adapter reads is not usable)"
    unusable = sum(1 for r in consumers if r.status not in outcome.HAPPY)
    if consumers and not unusable:
        return (f"retrieval proven: polling and enhanced fan-out (its "
                f"{_plural(len(consumers), 'consumer')} registered; SubscribeToShard is "
                f"never tried), so either mode can start")
    if consumers:
        return (f"retrieval proven: polling only; enhanced fan-out, KCL's default retrieval, "
                f"is not: {unusable} of its {_plural(len(consumers), 'consumer')} not usable "
                f"(see their rows)")
    return ("retrieval proven: polling only; enhanced fan-out, KCL's default retrieval, "
            "would still need its consumers registered (`lease-tables create "
            "--enhanced-fan-out`) and kinesis:DescribeStreamConsumer and SubscribeToShard "
            "granted: rerun preflight with --enhanced-fan-out unless the adapter sets "
            "retrievalMode POLLING")


def counted(results: Sequence[TableResult]) -> str:
    """`1 stream, 2 consumers`: rows counted by kind, in the summaries' order."""
    kinds = [rows.kind(r.table) for r in results]
    return ", ".join(f"{kinds.count(k)} {rows.noun(k, kinds.count(k))}"
                     for k in sorted(set(kinds), key=rows.kind_order))


def footprint_verdict(run: PreflightRun, profile: str | None = None) -> str:
    """The one line for the change ticket, the footprint's rows included.

    The lease tables' verdict stays as it is; the other resources add what they
    showed, and what was never tried by design (never counted as passed). No verdict
    passes while something the adapter needs to start is unproven: with no stream
    probed (neither the files nor --stream named one) it says "PREFLIGHT
    INCOMPLETE" and what to add. It names the retrieval mode it proved and what the
    other would need, and a `create-allowed` warning stays in it whatever failed.
    """
    tables = [r for r in run.results if not isinstance(r.table, ResourceRow)]
    others = [r for r in run.results if isinstance(r.table, ResourceRow)]
    head, body = _verdict(tables, run.identity, profile)
    code = outcome.exit_code(run.results)
    mode = retrieval(others)
    mode = f"; {mode}" if mode else ""
    theirs = f"its other resources ({counted(others)})"
    bad = [r for r in others if r.status not in outcome.HAPPY]
    if bad:
        names = ", ".join(f"{r.table.role} {r.table.table_name} ({r.status})" for r in bad)
        # A failed tables' verdict already holds the create-allowed warning.
        lead, warning = ((f"{body}; and", "") if head == FAILED_HEAD else
                         ("the lease tables passed, but", create_warning(tables)))
        verb = "is" if len(bad) == 1 else "are"
        return (f"{FAILED_HEAD}: {lead} {len(bad)} of {theirs} {verb} not usable as the "
                f"adapter needs: {names}{mode}{warning}{_STOP} (exit {code}).")
    fine = f"{theirs} answer as the adapter needs{mode}"
    if head == FAILED_HEAD:  # the tables' verdict fails; the other resources answer
        return f"{head}: {body}{'; ' + fine if others else ''}{_STOP} (exit {code})."
    untried = sorted({u.action for r in others for u in (r.untried or ())})
    never = (f"; not tried by design (they would write or disturb the adapter; "
             f"--simulate asks IAM): {', '.join(untried)}" if untried else "")
    unproven = ""
    if not any(r.table.role == ROLE_STREAM for r in others):
        # Nothing says what the adapter reads: its start is not proven.
        head = "PREFLIGHT INCOMPLETE"
        unproven = ("; not proven: the Kinesis streams the adapter reads (neither the "
                    "adapters' files nor --stream name one; without them KCL cannot even "
                    "list its shards): rerun with --stream NAME, or with the adapter's "
                    "--conf-dir")
    if others:
        body += f"; and {fine}{never}"
    return f"{head}: {body}{unproven} (exit {code})."
