"""Preflight of the adapter's whole footprint: every resource probed at once.

The footprint (`model.footprint.resolve`) gives the resources; each becomes one
resource-and-action-group row (`groups.Group`) with its probe chain (in `streams` and
`services`). All chains run at once in a bounded pool beside the table probes, the
longest first; a resource two tables share is one row, probed once
(the footprint is deduplicated, and a stream's DescribeStreamSummary is shared by
its consumers). Rows whose actions are all never tried by design (CloudWatch's
PutMetricData, CloudWatch Logs) are listed with them in `not_tried`.

`--simulate`: for the never-tried actions, IAM's policy simulator
(`iam:SimulatePrincipalPolicy`, for the caller `sts:GetCallerIdentity` names) is
asked instead, where the identity may call it; its "denied" makes the row
`denied`, naming the action, and its "allowed" is a note, never a pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from lease_tables.aws.bounded import Board
from lease_tables.aws.clients import Clients
from lease_tables.aws.failures import error_code, is_access_denied
from lease_tables.config.naming import LeaseTable
from lease_tables.core.engine import Once
from lease_tables.core.printable import aws_text
from lease_tables.model import footprint as fp
from lease_tables.model.consumers import UNKNOWN_ACCOUNT
from lease_tables.model.outcome import FAILED, TableResult
from lease_tables.model.rows import ROLE_STREAM_CONSUMER, ResourceRow
from lease_tables.preflight import services, streams
from lease_tables.preflight.groups import Group, judge

if TYPE_CHECKING:  # pragma: no cover
    from types_boto3_iam.type_defs import ContextEntryTypeDef

ROLE_METRICS = "cloudwatch-metrics"


@dataclass
class Planned:
    """One row to be, and the chain of probes that fills it."""

    group: Group
    probe: Callable[[Group], None]
    calls: int = 0  # the calls its chain makes at most: the longest chains start first


def given(resource: fp.Resource) -> str:
    """The resource as the operator gave it: its ARN when one was given (or could be
    built without an account), else its name (Kinesis, KMS ... are asked by name)."""
    return resource.arn if f":{UNKNOWN_ACCOUNT}:" not in resource.arn else resource.name


def plan(clients: Clients, tables: Sequence[LeaseTable],
         found: fp.Footprint) -> list[Planned]:
    """Every row of the footprint and its probe chain, in footprint order."""
    summaries: streams.StreamSummaries = Once()
    first_region = min((t.region or "" for t in tables if t.role == "lease"), default="")
    out: list[Planned] = []
    for r in found.of(fp.KIND_STREAM):
        out.append(Planned(streams.stream_group(given(r), r.region or "", r.sources),
                           partial(streams.probe_stream, clients, summaries),
                           len(fp.SERVICE_STREAMS.tried)))
    fan_out = fp.SERVICE_ENHANCED_FAN_OUT
    for consumer in fp.consumers(found, tables):
        out.append(Planned(Group(consumer.row(), "kinesis", never=dict(fan_out.not_tried)),
                           partial(streams.probe_consumer, clients, summaries, consumer),
                           len(fan_out.tried)))
    chains: tuple[tuple[fp.Service, Callable[[Clients, Group], None]], ...] = (
        (fp.SERVICE_BUCKETS, services.probe_bucket), (fp.SERVICE_KMS_KEYS, services.probe_key),
        (fp.SERVICE_VIDEO_STREAMS, services.probe_video),
        (fp.SERVICE_CONNECT, services.probe_connect), (fp.SERVICE_LOGS, _nothing))
    for service, probe in chains:
        for r in found.of(service.kind):
            region = r.region or first_region
            # A bucket is called by its ARN in the partition of the region it is asked in.
            resource = (f"arn:{fp.partition(region)}:s3:::{r.name}"
                        if service is fp.SERVICE_BUCKETS else given(r))
            out.append(Planned(services.group_of(service, r.name, region, resource, r.sources),
                               partial(probe, clients), len(service.tried)))
    namespaces = found.of(fp.KIND_METRICS_NAMESPACE)
    for region in sorted({r.region or "" for r in namespaces}):
        names = sorted(r.name for r in namespaces if (r.region or "") == region)
        row = ResourceRow(table_name="cloudwatch", region=region, role=ROLE_METRICS,
                          resource="*", sources=["the lease tables' names (KCL's namespace)"])
        group = Group(row, "cloudwatch", never=dict(fp.SERVICE_METRICS.not_tried),
                      context=names)
        group.notes.append(f"KCL publishes its metrics under the namespace"
                           f"{'s' if len(names) > 1 else ''} {', '.join(names)}")
        out.append(Planned(group, partial(_nothing, clients)))
    for each in out:  # the words of a broken answer name the endpoint really called
        each.group.endpoint = partial(clients.endpoint_for, each.group.row.region or "",
                                      each.group.service)
    return out


def _nothing(clients: Clients, group: Group) -> None:
    """A row whose every action is never tried by design: no probe at all."""


def ask_caller(clients: Clients, region: str) -> tuple[str, str] | str:
    """The caller IAM's policy simulator is asked about, (principal ARN, account), or why
    sts:GetCallerIdentity could not name it."""
    try:
        who = clients.client("sts", region).get_caller_identity()
        return principal_arn(who["Arn"]), who["Account"]
    except Exception as exc:
        return f"sts:GetCallerIdentity failed ({aws_text(exc)})"


def simulate_row(clients: Clients, region: str, caller: Callable[[], tuple[str, str] | str],
                 group: Group) -> None:
    """IAM's policy simulator for the row's never-tried actions; `caller` is asked (once
    per run) only when a row has some."""
    if not group.never:
        return
    known = caller()
    if isinstance(known, str):
        group.notes.append(f"--simulate could not ask IAM: {known}")
        return
    principal, account = known
    iam = clients.client("iam", region)
    for action in group.never:
        resource, context = simulation_target(group, action, account)
        try:
            answer = iam.simulate_principal_policy(
                PolicySourceArn=principal, ActionNames=[action], ResourceArns=[resource],
                ContextEntries=context)
        except Exception as exc:
            why = ("iam:SimulatePrincipalPolicy is not allowed to this identity"
                   if is_access_denied(exc) else f"{error_code(exc) or type(exc).__name__}")
            group.notes.append(f"--simulate could not ask IAM about {action}: {why}")
            continue
        decisions = [r.get("EvalDecision", "") for r in answer.get("EvaluationResults", [])]
        if decisions and all(d == "allowed" for d in decisions):
            group.notes.append(f"IAM's policy simulator allows {action} (simulated, not "
                               f"called)")
        else:
            group.simulated_denied[action] = ", ".join(decisions) or "no decision"


def principal_arn(caller: str) -> str:
    """The ARN the simulator takes: an assumed role's session becomes its role."""
    head, _, rest = caller.partition(":assumed-role/")
    if not rest:
        return caller
    role = rest.split("/", 1)[0]
    return head.replace(":sts:", ":iam:") + f":role/{role}"


def simulation_target(group: Group, action: str,
                      account: str) -> tuple[str, list[ContextEntryTypeDef]]:
    """The resource ARN (and condition context) an action would be called on."""
    row = group.row
    if row.role == ROLE_METRICS:
        return "*", [{"ContextKeyName": "cloudwatch:namespace",
                      "ContextKeyValues": group.context, "ContextKeyType": "stringList"}]
    region = row.region or ""
    # What follows the account in the ARN, by the row's role (its service names the rest).
    local = {
        fp.KIND_STREAM: f"stream/{row.table_name}",
        ROLE_STREAM_CONSUMER: row.resource,
        fp.KIND_VIDEO_STREAM: f"stream/{row.table_name}lease-tables-preflight/0",
        fp.KIND_CONNECT_INSTANCE: f"instance/{row.table_name}",
        fp.KIND_LOG_GROUP: f"log-group:{row.table_name}",
    }.get(row.role)
    base = row.resource
    if local is not None and not (base.startswith("arn:") and "*" not in base):
        base = f"arn:{fp.partition(region)}:{group.service}:{region}:{account}:{local}"
    if row.role == ROLE_STREAM_CONSUMER:
        base += ":0"  # a consumer's ARN ends in its creation time
    elif row.role == fp.KIND_CONNECT_INSTANCE:
        base += f"/contact/{uuid.uuid4()}"
    elif row.role == fp.KIND_LOG_GROUP and action != "logs:CreateLogGroup":
        base += ":log-stream:lease-tables-preflight"
    return base, []


def preflight_footprint(clients: Clients, planned: Sequence[Planned], board: Board[Any],
                        concurrency: int = 10, simulate: bool = False) -> list[TableResult]:
    """Run every row's chain at once; each row's result reaches `board` as it is known.

    The pool takes the longest chains first (a Connect instance's five lookups before
    eighty one-call consumers), so no long chain waits behind short ones and ends last.
    """
    region = next((p.group.row.region for p in planned if p.group.row.region), "") or ""
    callers: Once[str, tuple[str, str] | str] = Once()
    caller = partial(callers.get, "caller", partial(ask_caller, clients, region))

    def one(item: tuple[int, Planned]) -> tuple[int, TableResult]:
        index, each = item
        group = each.group
        if board.stopped.is_set():
            return index, board.record(index, TableResult(group.row, FAILED,
                                                          "not probed: the run was stopped"))
        try:
            each.probe(group)
            if simulate:
                simulate_row(clients, region, caller, group)
        except Exception as exc:  # a bug of ours still becomes a per-row failure
            group.broken = (f"preflight of {group.where} failed unexpectedly "
                            f"({type(exc).__name__}: {aws_text(exc)}).")
        return index, board.record(index, judge(group))

    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="lease-tables-preflight-footprint") as pool:
        done = dict(pool.map(one, sorted(enumerate(planned), key=lambda item: -item[1].calls)))
    return [done[i] for i in range(len(planned))]
