"""Enhanced fan-out consumers, as KCL would register them: the pure decision.

Enhanced fan-out is KCL's default retrieval. At start KCL calls
DescribeStreamSummary (for the stream's ARN), then DescribeStreamConsumer with
the stream ARN and its application name (the lease-table name unless the adapter
overrides it), and only when that answers ResourceNotFound calls
RegisterStreamConsumer. With that action not granted (the vendor's table does not
grant it) an adapter whose consumer is absent cannot start, so `create
--enhanced-fan-out` registers it beforehand, exactly as tables are made.

This module holds only the decision, so it is tested with plain answers:
`next_step(consumer, answer, done)` says, from the latest DescribeStreamConsumer
answer (or RegisterStreamConsumer's) and what this run has done, what comes
next. The engine (`engine.py`) runs it for every consumer at once; the AWS calls
are in `stream_consumers.py`. Nothing that exists is ever changed: a consumer is
never deregistered, renamed or registered twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lease_tables.config.naming import LeaseTable
from lease_tables.core.engine import DONE, WAIT
from lease_tables.model.outcome import CREATED, EXISTS, FAILED, MISSING, NOT_ACTIVE, OK
from lease_tables.model.rows import ROLE_STREAM_CONSUMER, ResourceRow

ACTIVE, CREATING, DELETING = "ACTIVE", "CREATING", "DELETING"

# What comes next for one consumer, besides the engine's WAIT (poll until ACTIVE) and DONE.
REGISTER = "register"  # RegisterStreamConsumer

# A DescribeStreamSummary answer of ResourceNotFound: the stream itself is absent.
STREAM_MISSING = "stream-missing"

# `answer` below: STREAM_MISSING, None, or Kinesis's ConsumerDescription as boto3 gives
# it (read with .get, any field may be absent). Any, as the answer is the AWS edge.


# The account `create`, `verify` and `preflight` resolve the footprint with: they take no
# --account-id, and call Kinesis by the stream's name (the caller's own account) unless
# it was given as an ARN, whose account is its own. No AWS account has this ID.
UNKNOWN_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class Consumer:
    """An enhanced fan-out consumer KCL needs: named after its application (the
    lease-table name), on one stream, in one region (`footprint.consumers`)."""

    stream_arn: str  # built in UNKNOWN_ACCOUNT when only the stream's name was given
    name: str  # KCL's application name: the lease table's name
    region: str
    table: LeaseTable = field(compare=False)  # the lease table whose adapter reads it

    @property
    def stream(self) -> str:
        """The stream as Kinesis is to be asked: by ARN when one was given, else by name."""
        return self.stream_name if f":{UNKNOWN_ACCOUNT}:" in self.stream_arn else self.stream_arn

    @property
    def stream_name(self) -> str:
        return self.stream_arn.rsplit("/", 1)[-1]

    @property
    def where(self) -> str:
        return f"consumer {self.name} of stream {self.stream_name} in {self.region}"

    def row(self) -> ResourceRow:
        """The status row: the lease table's facts, role `stream-consumer`."""
        t = self.table
        return ResourceRow(
            table_name=self.name, region=self.region, adapter_kind=t.adapter_kind,
            adapter_id=t.adapter_id, application_name=t.application_name,
            host_name=t.host_name, host_name_source=t.host_name_source,
            sources=list(t.sources), origins=list(t.origins), enabled=t.enabled,
            role=ROLE_STREAM_CONSUMER, resource=f"{self.stream}/consumer/{self.name}"
            if self.stream.startswith("arn:") else f"stream/{self.stream}/consumer/{self.name}")


@dataclass(frozen=True)
class ConsumerDone:
    """What this run has done for one consumer."""

    registered: bool = False  # this run's RegisterStreamConsumer was accepted
    raced: bool = False  # RegisterStreamConsumer answered ResourceInUse: someone else did
    # ... on a retry, after an attempt that had no answer: perhaps this run itself did
    lost_answer: bool = False


@dataclass(frozen=True)
class ConsumerStep:
    """What comes next; for DONE (and WAIT) the status the row has."""

    kind: str
    status: str = ""
    message: str = ""


def next_step(consumer: Consumer, answer: Any, done: ConsumerDone) -> ConsumerStep:
    """From the latest answer about a consumer, what `create` does next.

    `answer` is STREAM_MISSING, None (DescribeStreamConsumer said ResourceNotFound)
    or the consumer's description (`ConsumerStatus`), from DescribeStreamConsumer or
    RegisterStreamConsumer.
    """
    verdict = CREATED if done.registered else EXISTS
    note = ("" if not done.raced
            else "it is registered now; this run's RegisterStreamConsumer had no answer on a "
                 "first attempt and may have registered it (its retry found it there)"
            if done.lost_answer else "another process registered it at the same time")
    if answer == STREAM_MISSING:
        return ConsumerStep(DONE, FAILED, stream_missing_message(consumer, "create"))
    if answer is None:
        if done.registered or done.raced:  # accepted; the describe has not caught up yet
            return ConsumerStep(WAIT, verdict, "registering")
        return ConsumerStep(REGISTER)
    status = answer.get("ConsumerStatus")
    if status == ACTIVE:
        return ConsumerStep(DONE, verdict, note)
    if status == CREATING:
        return ConsumerStep(WAIT, verdict, "creating")
    if status == DELETING:
        return ConsumerStep(DONE, FAILED, (
            f"{consumer.where} is DELETING (someone deregistered it); it cannot be registered "
            f"again until it is gone, and create does not wait for that. Rerun `lease-tables "
            f"create --enhanced-fan-out` in a few seconds."))
    return ConsumerStep(DONE, FAILED, f"{consumer.where} is in the state {status!r}, which KCL "
                              f"cannot use; create left it as it is. Check it with `aws "
                              f"kinesis describe-stream-consumer` and rerun.")


def verify_status(consumer: Consumer, answer: Any) -> tuple[str, str]:
    """`verify`'s status for a consumer from its DescribeStreamConsumer answer."""
    if answer == STREAM_MISSING:
        return MISSING, stream_missing_message(consumer, "verify")
    if answer is None:
        return MISSING, (f"{consumer.where} is not registered: KCL would need "
                         f"kinesis:RegisterStreamConsumer to start with enhanced fan-out. "
                         f"Register it with the provisioning identity (`lease-tables create "
                         f"--enhanced-fan-out --stream {consumer.stream}`), then rerun verify.")
    status = answer.get("ConsumerStatus")
    if status == ACTIVE:
        return OK, ""
    return NOT_ACTIVE, (f"{consumer.where} is {status}, not ACTIVE"
                        + (": someone deregistered it; once it is gone, `lease-tables create "
                           "--enhanced-fan-out` registers it again." if status == DELETING
                           else "; rerun verify in a few seconds (a new consumer takes about "
                                "that long)."))


def stream_missing_message(consumer: Consumer, command: str) -> str:
    what = "nothing was registered" if command == "create" else "no consumer can exist on it"
    return (f"the stream {consumer.stream_name} does not exist in {consumer.region} "
            f"(DescribeStreamSummary said so), so {what}. Check --stream (the name or ARN of "
            f"the stream the adapter reads) and --region, then rerun.")


def unfinished_message(consumer: Consumer, done: ConsumerDone, timeout: float, step: str) -> str:
    """A consumer the run could not finish within --timeout, in true words."""
    if done.registered:
        return (f"{consumer.where} was not ACTIVE after {timeout:g} s (--timeout). This run's "
                f"RegisterStreamConsumer was accepted and AWS goes on creating it; rerun "
                f"`lease-tables create --enhanced-fan-out` to wait for it (it will not be "
                f"registered twice).")
    if step == WAIT:
        return (f"{consumer.where} was still CREATING after {timeout:g} s (--timeout); this "
                f"run did not register it. Rerun `lease-tables create --enhanced-fan-out` to "
                f"wait for it.")
    return (f"{consumer.where}: the calls had no answer within {timeout:g} s (--timeout); "
            f"nothing is known to have been registered. Check the network path to the "
            f"endpoint and rerun; it is safe to rerun.")
