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
from dataclasses import dataclass, field
from typing import Any

from lease_tables.aws import failures
from lease_tables.aws.bounded import Board
from lease_tables.aws.clients import Clients
from lease_tables.core.engine import DONE, Engine, Once, StepLike
from lease_tables.model import consumers as plan
from lease_tables.model.outcome import FAILED, TableResult
from lease_tables.model.rows import ResourceRow
from lease_tables.provision.limits import behind_limit

SUMMARY = "kinesis:DescribeStreamSummary"
DESCRIBE = "kinesis:DescribeStreamConsumer"
REGISTER_CALL = "kinesis:RegisterStreamConsumer"


@dataclass
class _Asked:
    """One consumer of a run: the call under way (for the words of a failure) and what
    `create` has done for it."""

    consumer: plan.Consumer
    call: str = SUMMARY
    done: plan.ConsumerDone = field(default_factory=plan.ConsumerDone)


class StreamLookup:
    """Each stream's ARN, from one DescribeStreamSummary per stream and region per run,
    and the consumers' descriptions."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self._arns: Once[tuple[str, str], str] = Once()

    def arn(self, consumer: plan.Consumer) -> str:
        """The stream's ARN, or STREAM_MISSING; other failures raise (and are not kept)."""
        return self._arns.get((consumer.region, consumer.stream),
                              lambda: self._summary(consumer))

    def _summary(self, consumer: plan.Consumer) -> str:
        client = self.clients.client("kinesis", consumer.region)
        given = ({"StreamARN": consumer.stream} if consumer.stream.startswith("arn:")
                 else {"StreamName": consumer.stream})
        try:
            summary = client.describe_stream_summary(**given)
        except Exception as exc:
            if failures.error_code(exc) != failures.NOT_FOUND_CODE:
                raise
            return plan.STREAM_MISSING
        return str(summary["StreamDescriptionSummary"]["StreamARN"])

    def look(self, asked: _Asked) -> Any:
        """What `consumers.next_step` reads: STREAM_MISSING, None when the consumer is not
        registered, or its description (a raw Kinesis answer, hence Any: read with .get).
        `asked.call` names the call under way, for the words of a failure."""
        asked.call = SUMMARY
        arn = self.arn(asked.consumer)
        if arn == plan.STREAM_MISSING:
            return plan.STREAM_MISSING
        asked.call = DESCRIBE
        return self.describe(asked.consumer, arn)

    def describe(self, consumer: plan.Consumer, stream_arn: str) -> dict[str, Any] | None:
        """The consumer's description, or None when it is not registered."""
        client = self.clients.client("kinesis", consumer.region)
        try:
            answer = client.describe_stream_consumer(StreamARN=stream_arn,
                                                     ConsumerName=consumer.name)
        except Exception as exc:
            if failures.error_code(exc) == failures.NOT_FOUND_CODE:
                return None
            raise
        return dict(answer["ConsumerDescription"])

    def explain(self, asked: _Asked, exc: BaseException) -> str:
        """The call under way about the consumer that failed, in the words of its row."""
        return failures.explain(exc, asked.consumer.where, asked.call,
                                self.clients.endpoint_for(asked.consumer.region, "kinesis"))


class ConsumerRun:
    """One `create --enhanced-fan-out` over many consumers, all at once."""

    def __init__(self, clients: Clients, concurrency: int = 10) -> None:
        self.clients = clients
        self.streams = StreamLookup(clients)
        self.engine: Engine[_Asked] = Engine(self._look, lambda asked: self._look(asked, True),
                                             concurrency=concurrency)

    def stop(self) -> None:
        self.engine.stop()

    def run(self, consumers: Sequence[plan.Consumer], wait: bool,
            timeout: float) -> list[TableResult]:
        self.engine.run([_Asked(consumer) for consumer in consumers], wait, timeout)
        return self.snapshot(timeout, waited=wait)

    def snapshot(self, timeout: float, waited: bool = True) -> list[TableResult]:
        """Every consumer's row; unfinished ones failed in true words (or, with
        --no-wait, as registered and still CREATING)."""
        rows = []
        for track in self.engine.tracks:
            asked, step = track.item, track.step
            row = asked.consumer.row()
            if step is not None and step.kind == DONE:
                rows.append(TableResult(row, step.status, step.message))
            elif step is not None and not waited:
                rows.append(TableResult(row, step.status, "still CREATING (--no-wait)"))
            else:
                rows.append(TableResult(row, FAILED, plan.unfinished_message(
                    asked.consumer, asked.done, timeout, step.kind if step else "")))
        return rows

    def registered(self) -> list[str]:
        """What this run asked Kinesis to register, for an interrupt's true message."""
        return sorted(track.item.consumer.where for track in self.engine.tracks
                      if track.item.done.registered)

    def _look(self, asked: _Asked, polling: bool = False) -> StepLike:
        """Describe, and register when the plan says so; but a poll (`polling`: the consumer
        was waited for) never registers: a consumer gone by then disappeared."""
        try:
            step = plan.next_step(asked.consumer, self.streams.look(asked), asked.done)
            if step.kind == plan.REGISTER and polling:
                return plan.ConsumerStep(DONE, FAILED, (
                    f"{asked.consumer.where} disappeared while this run waited for it "
                    f"(deregistered by someone else?). Rerun to register it again."))
            if step.kind == plan.REGISTER:
                step = plan.next_step(asked.consumer, self._register(asked), asked.done)
            return step
        except Exception as exc:
            return self._failed(asked, exc)

    def _register(self, asked: _Asked) -> Any:
        """RegisterStreamConsumer; ResourceInUse means someone else did, so describe again;
        the five-CREATING limit is a queue (`limits`), as for tables."""
        consumer = asked.consumer
        client = self.clients.client("kinesis", consumer.region)
        stream_arn = self.streams.arn(consumer)  # known: the look before found the stream
        asked.call = REGISTER_CALL

        def send() -> Any:
            try:
                answer = client.register_stream_consumer(StreamARN=stream_arn,
                                                         ConsumerName=consumer.name)
            except Exception as exc:
                code = failures.error_code(exc)
                if code == failures.IN_USE_CODE:
                    asked.done = plan.ConsumerDone(raced=True,
                                                   lost_answer=failures.was_retried(exc))
                    asked.call = DESCRIBE
                    return self.streams.describe(consumer, stream_arn)
                if code == failures.NOT_FOUND_CODE:  # the stream went away since it was described
                    return plan.STREAM_MISSING
                raise
            asked.done = plan.ConsumerDone(registered=True)
            return dict(answer["Consumer"])

        return behind_limit(self.engine, send, (failures.LIMIT_CODE,))

    def _failed(self, asked: _Asked, exc: BaseException) -> plan.ConsumerStep:
        return plan.ConsumerStep(DONE, FAILED, self.streams.explain(asked, exc))


def verify_consumers(clients: Clients, consumers: Sequence[plan.Consumer], concurrency: int,
                     board: Board[ResourceRow]) -> list[TableResult]:
    """`verify`: each consumer exists and is ACTIVE (`missing` / `not-active` otherwise).

    `board` (over the consumers' rows) sees each result as soon as it is known, so a
    run cut short by --timeout still says which consumers had an answer."""
    streams = StreamLookup(clients)

    def check(item: tuple[int, plan.Consumer]) -> TableResult:
        index, consumer = item
        asked = _Asked(consumer)
        try:
            answer = streams.look(asked)
        except Exception as exc:
            return board.record(index, TableResult(consumer.row(), FAILED,
                                                   streams.explain(asked, exc)))
        status, message = plan.verify_status(consumer, answer)
        return board.record(index, TableResult(consumer.row(), status, message))

    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="lease-tables-verify-consumers") as pool:
        return list(pool.map(check, enumerate(consumers)))

