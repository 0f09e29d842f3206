"""The long-running commands' runs, each in the one shape `bounded.LongRun` names.

`create`, `verify` and `preflight` each build one of these from their options and
hand it to the command line's `_bounded`, which runs its `work` within --timeout
and Ctrl+C/SIGTERM and, when the run is cut short, asks it for its `snapshot` and
`summary`. What a run holds (its boards, its provisioner) is its own state, read
by those two: no shared cells, no closures over the command's locals. `connect`
is the command line's one AWS set-up (options and regions checked, credentials
usable, clients made), called in the run's thread so --timeout bounds it too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lease_tables.aws.bounded import Board
from lease_tables.aws.clients import Clients
from lease_tables.config.naming import LeaseTable
from lease_tables.model import kcl, outcome, spec
from lease_tables.model.consumers import Consumer
from lease_tables.model.footprint import Footprint
from lease_tables.model.rows import ResourceRow
from lease_tables.preflight.footprint import plan
from lease_tables.preflight.run import preflight_run
from lease_tables.preflight.tables import RERUN_AGAIN, RERUN_ANSWERS, with_untried
from lease_tables.provision.consumers import ConsumerRun, verify_consumers
from lease_tables.provision.tables import Provisioner
from lease_tables.render.report import create_stopped, read_only_stopped
from lease_tables.verify import verify_tables


def _beside(side: Callable[[], list[outcome.TableResult]],
            main: Callable[[], list[outcome.TableResult]]) -> list[outcome.TableResult]:
    """`main()`'s rows then `side()`'s, the two run at once (consumers beside tables)."""
    with ThreadPoolExecutor(1, thread_name_prefix="lease-tables-consumers") as pool:
        other = pool.submit(side)
        return main() + other.result()


@dataclass
class AwsRun:
    """What every run holds: its AWS set-up, its tables, its KCL, its bounds, its display."""

    connect: Callable[[float], Clients]
    tables: Sequence[LeaseTable]
    layout: kcl.Layout
    version: str
    timeout: float
    concurrency: int
    progress: outcome.Progress


@dataclass
class CreateRun(AwsRun):
    """`create`: the tables made (and waited for), the consumers registered beside them."""

    consumers: Sequence[Consumer]
    options: spec.TableOptions
    wait: bool = True
    add_index: bool = False
    provisioner: Provisioner | None = None
    registering: ConsumerRun | None = None

    def work(self, deadline: float) -> list[outcome.TableResult]:
        clients = self.connect(deadline)
        provisioner = self.provisioner = Provisioner(
            clients, self.options, layout=self.layout, concurrency=self.concurrency,
            progress=self.progress, add_index=self.add_index, version=self.version)
        tables = functools.partial(provisioner.run, self.tables, wait=self.wait,
                                   timeout=self.timeout, deadline=deadline)
        if not self.consumers:
            return tables()
        registering = self.registering = ConsumerRun(clients, self.concurrency)
        return _beside(lambda: registering.run(self.consumers, self.wait, self.timeout), tables)

    def stop(self) -> None:
        for part in (self.provisioner, self.registering):
            if part is not None:
                part.stop()

    def snapshot(self, cause: str | None) -> list[outcome.TableResult]:
        if self.provisioner is None:  # still setting up: nothing was asked of AWS
            return [] if cause else outcome.no_answer(self.tables, self.timeout,
                                              "setting up AWS access")
        rows = self.provisioner.snapshot(self.timeout, interrupted_by=cause)
        return rows + (self.registering.snapshot(self.timeout) if self.registering else [])

    def summary(self) -> str:
        done = (self.provisioner.interrupt_summary() if self.provisioner
                else "no AWS call had changed anything yet")
        return create_stopped(done, self.registering.registered() if self.registering else [])


@dataclass
class ReadOnlyRun(AwsRun):
    """A run that only reads (`verify`, `preflight`): its tables' board and, beside it,
    the board of its other rows, which is all a stop or a summary needs."""

    def __post_init__(self) -> None:
        self.board: Board[LeaseTable] = Board(self.tables, self.progress)
        self.others: Board[ResourceRow] = Board(self.other_rows(), self.progress)

    def other_rows(self) -> list[ResourceRow]:
        return []

    def stop(self) -> None:
        self.board.stopped.set()
        self.others.stopped.set()

    def stopped(self, verb: str, safe: str) -> str:
        return read_only_stopped(verb, self.board.finished(), len(self.tables), safe)


@dataclass
class VerifyRun(ReadOnlyRun):
    """`verify`: every table described, the consumers checked beside them."""

    consumers: Sequence[Consumer]
    options: spec.TableOptions

    def other_rows(self) -> list[ResourceRow]:
        return [c.row() for c in self.consumers]

    def work(self, deadline: float) -> list[outcome.TableResult]:
        clients = self.connect(deadline)
        tables = functools.partial(verify_tables, clients, self.tables,
                                   concurrency=self.concurrency, options=self.options,
                                   board=self.board, layout=self.layout, version=self.version)
        if not self.consumers:
            return tables()
        return _beside(lambda: verify_consumers(clients, self.consumers, self.concurrency,
                                                self.others), tables)

    def snapshot(self, cause: str | None) -> list[outcome.TableResult]:
        if cause is None:
            return (self.board.snapshot(outcome.no_answer_words(self.timeout, "DescribeTable"))
                    + self.others.snapshot(
                        outcome.no_answer_words(self.timeout, "DescribeStreamConsumer")))
        words = outcome.not_done_words("not checked", cause)
        return self.board.snapshot(words) + self.others.snapshot(words)

    def summary(self) -> str:
        return self.stopped("verify", "it changes nothing")


@dataclass
class PreflightProbes(ReadOnlyRun):
    """`preflight`: the tables' probe chains, and the footprint's beside them."""

    found: Footprint
    simulate: bool = False
    identity: str | None = None  # the identity ARN an access-denied answer named

    def work(self, deadline: float) -> list[outcome.TableResult]:
        clients = self.connect(deadline)
        planned = plan(clients, self.tables, self.found)
        if planned:
            others = Board([p.group.row for p in planned], self.progress)
            if self.others.stopped.is_set():  # stopped while it was planned
                others.stopped.set()
            self.others = others
        probed = preflight_run(clients, self.tables, planned, self.board, self.others,
                               self.concurrency, self.layout, self.version, self.simulate)
        self.identity = probed.identity
        return probed.results

    def snapshot(self, cause: str | None) -> list[outcome.TableResult]:
        if cause is None:
            words = outcome.no_answer_words(self.timeout, "the probes")
            why, rerun = f"the run had no answer within {self.timeout:g} s (--timeout)", \
                RERUN_ANSWERS
        else:
            words = outcome.not_done_words("not probed", cause)
            why, rerun = f"the run was interrupted by {cause}", RERUN_AGAIN
        return (with_untried(self.board.snapshot(words), why, rerun, self.layout,
                             self.board.ledgers)
                + self.others.snapshot(words))

    def summary(self) -> str:
        return self.stopped("preflight", "its probes write nothing")
