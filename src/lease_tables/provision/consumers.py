"""Register (create) and check (verify) enhanced fan-out consumers: the Kinesis calls.

The decision is `consumers.next_step`; the pool, the polling and stop/snapshot are
the engine's. Here: DescribeStreamSummary once per stream (its ARN, shared by the
consumers of that stream), DescribeStreamConsumer per consumer, and
RegisterStreamConsumer only when the plan says so. Kinesis lets an account have
only five consumers CREATING at once (LimitExceededException for the sixth), which
clears by waiting: that is a queue, as for tables, for about a minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lease_tables.aws.bounded import Board
from lease_tables.aws.clients import Clients
from lease_tables.aws.failures import (
    IN_USE_CODE,
    LIMIT_CODE,
    NOT_FOUND_CODE,
    error_code,
    explain,
    was_retried,
)
from lease_tables.core.engine import DONE, Engine, Once, StepLike
from lease_tables.model.consumers import (
    REGISTER,
    STREAM_MISSING,
    Consumer,
    ConsumerDone,
    ConsumerStep,
    next_step,
    unfinished_message,
    verify_status,
)
from lease_tables.model.outcome import FAILED, TableResult
from lease_tables.model.rows import ResourceRow
from lease_tables.provision.limits import behind_limit

SUMMARY = "kinesis:DescribeStreamSummary"
DESCRIBE = "kinesis:DescribeStreamConsumer"
REGISTER_CALL = "kinesis:RegisterStreamConsumer"


class StreamLookup:
    """Each stream's ARN, from one DescribeStreamSummary per stream and region per run,
    and the consumers' descriptions."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self._arns: Once[tuple[str, str], str] = Once()

    def arn(self, consumer: Consumer) -> str:
        """The stream's ARN, or STREAM_MISSING; other failures raise (and are not kept)."""
        return self._arns.get((consumer.region, consumer.stream),
                              lambda: self._summary(consumer))

    def _summary(self, consumer: Consumer) -> str:
        client = self.clients.client("kinesis", consumer.region)
        given = ({"StreamARN": consumer.stream} if consumer.stream.startswith("arn:")
                 else {"StreamName": consumer.stream})
        try:
            summary = client.describe_stream_summary(**given)
        except Exception as exc:
            if error_code(exc) != NOT_FOUND_CODE:
                raise
            return STREAM_MISSING
        return str(summary["StreamDescriptionSummary"]["StreamARN"])

    def look(self, consumer: Consumer, calls: dict[Consumer, str]) -> Any:
        """What `consumers.next_step` reads: STREAM_MISSING, None when the consumer is not
        registered, or its description (a raw Kinesis answer, hence Any: read with .get).
        `calls[consumer]` names the call under way, for the words of a failure."""
        calls[consumer] = SUMMARY
        arn = self.arn(consumer)
        if arn == STREAM_MISSING:
            return STREAM_MISSING
        calls[consumer] = DESCRIBE
        return self.describe(consumer, arn)

    def describe(self, consumer: Consumer, stream_arn: str) -> dict[str, Any] | None:
        """The consumer's description, or None when it is not registered."""
        client = self.clients.client("kinesis", consumer.region)
        try:
            answer = client.describe_stream_consumer(StreamARN=stream_arn,
                                                     ConsumerName=consumer.name)
        except Exception as exc:
            if error_code(exc) == NOT_FOUND_CODE:
                return None
            raise
        return dict(answer["ConsumerDescription"])

    def explain(self, consumer: Consumer, exc: BaseException, call: str) -> str:
        """A call about the consumer that failed, in the words of its row."""
        return explain(exc, consumer.where, call,
                       self.clients.endpoint_for(consumer.region, "kinesis"))


class ConsumerRun:
    """One `create --enhanced-fan-out` over many consumers, all at once."""

    def __init__(self, clients: Clients, concurrency: int = 10) -> None:
        self.clients = clients
        self.streams = StreamLookup(clients)
        self.engine: Engine[Consumer] = Engine(self._start, self._poll,
                                               concurrency=concurrency)
        self._done: dict[Consumer, ConsumerDone] = {}
        self._calls: dict[Consumer, str] = {}

    def stop(self) -> None:
        self.engine.stop()

    def run(self, consumers: Sequence[Consumer], wait: bool,
            timeout: float) -> list[TableResult]:
        self.engine.run(consumers, wait, timeout)
        return self.snapshot(timeout, waited=wait)

    def snapshot(self, timeout: float, waited: bool = True) -> list[TableResult]:
        """Every consumer's row; unfinished ones failed in true words (or, with
        --no-wait, as registered and still CREATING)."""
        rows = []
        for track in self.engine.tracks:
            consumer, step = track.item, track.step
            if step is not None and step.kind == DONE:
                rows.append(TableResult(consumer.row(), step.status, step.message))
            elif step is not None and not waited:
                rows.append(TableResult(consumer.row(), step.status,
                                        "still CREATING (--no-wait)"))
            else:
                rows.append(TableResult(consumer.row(), FAILED, unfinished_message(
                    consumer, self._done.get(consumer, ConsumerDone()), timeout,
                    step.kind if step else "")))
        return rows

    def registered(self) -> list[str]:
        """What this run asked Kinesis to register, for an interrupt's true message."""
        return sorted(c.where for c, d in self._done.items() if d.registered)

    def _start(self, consumer: Consumer) -> StepLike:
        self._done[consumer] = ConsumerDone()
        try:
            step = next_step(consumer, self.streams.look(consumer, self._calls),
                             self._done[consumer])
            if step.kind == REGISTER:
                step = next_step(consumer, self._register(consumer), self._done[consumer])
            return step
        except Exception as exc:
            return self._failed(consumer, exc)

    def _poll(self, consumer: Consumer) -> StepLike:
        try:
            answer = self.streams.look(consumer, self._calls)
        except Exception as exc:
            return self._failed(consumer, exc)
        if answer is None and not (self._done[consumer].registered
                                   or self._done[consumer].raced):
            return ConsumerStep(DONE, FAILED, f"{consumer.where} disappeared while this run "
                                              f"waited for it (deregistered by someone "
                                              f"else?). Rerun to register it again.")
        return next_step(consumer, answer, self._done[consumer])

    def _register(self, consumer: Consumer) -> Any:
        """RegisterStreamConsumer; ResourceInUse means someone else did, so describe again;
        the five-CREATING limit is a queue (`limits`), as for tables."""
        client = self.clients.client("kinesis", consumer.region)
        stream_arn = self.streams.arn(consumer)  # known: the look before found the stream
        self._calls[consumer] = REGISTER_CALL

        def send() -> Any:
            try:
                answer = client.register_stream_consumer(StreamARN=stream_arn,
                                                         ConsumerName=consumer.name)
            except Exception as exc:
                code = error_code(exc)
                if code == IN_USE_CODE:
                    self._done[consumer] = ConsumerDone(raced=True, lost_answer=was_retried(exc))
                    self._calls[consumer] = DESCRIBE
                    return self.streams.describe(consumer, stream_arn)
                if code == NOT_FOUND_CODE:  # the stream went away since it was described
                    return STREAM_MISSING
                raise
            self._done[consumer] = ConsumerDone(registered=True)
            return dict(answer["Consumer"])

        return behind_limit(self.engine, send, _limit_words)

    def _failed(self, consumer: Consumer, exc: BaseException) -> ConsumerStep:
        return ConsumerStep(DONE, FAILED, self.streams.explain(
            consumer, exc, self._calls.get(consumer, SUMMARY)))


def verify_consumers(clients: Clients, consumers: Sequence[Consumer],
                     concurrency: int = 10, board: Board[ResourceRow] | None = None
                     ) -> list[TableResult]:
    """`verify`: each consumer exists and is ACTIVE (`missing` / `not-active` otherwise).

    `board` (over the consumers' rows) sees each result as soon as it is known, so a
    run cut short by --timeout still says which consumers had an answer."""
    streams = StreamLookup(clients)
    board = board or Board([c.row() for c in consumers])
    calls: dict[Consumer, str] = {}

    def check(item: tuple[int, Consumer]) -> TableResult:
        index, consumer = item
        try:
            answer = streams.look(consumer, calls)
        except Exception as exc:
            return board.record(index, TableResult(consumer.row(), FAILED, streams.explain(
                consumer, exc, calls[consumer])))
        status, message = verify_status(consumer, answer)
        return board.record(index, TableResult(consumer.row(), status, message))

    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="lease-tables-verify-consumers") as pool:
        return list(pool.map(check, enumerate(consumers)))


def _limit_words(exc: Exception) -> str | None:
    """Kinesis's five consumers CREATING at once clears by waiting (None: queue); anything
    else fails the consumer now."""
    if error_code(exc) != LIMIT_CODE:
        raise exc
    return None
