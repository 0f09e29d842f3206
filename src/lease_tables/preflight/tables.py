"""Preflight of the lease tables: the probes of one table, their judgement and its words.

With CreateTable denied, KCL inside the adapter needs six actions on its lease
table and nothing else. The only honest proof that an IAM policy grants them is
to call them, so per table this module calls each one in a way that cannot
change anything:

- DescribeTable: the table exists, is ACTIVE and has KCL's key;
- GetItem of a key that cannot exist (`lease-tables-preflight-<uuid4>`);
- PutItem, UpdateItem, DeleteItem of that key with the condition
  `attribute_exists(leaseKey)`, which cannot hold: DynamoDB authorises the call
  first, then answers ConditionalCheckFailedException and writes nothing;
- Scan with Limit 1 (the item it returns is dropped unread);
- CreateTable of the same name, only when DescribeTable has just shown the table
  ACTIVE, so the call can only be refused: ResourceInUseException means IAM let it
  through (a warning), access denied is what the security team wants.

A missing table is never probed further, and never created. The calls stay
within DynamoDB: no STS, no ListTables, so the adapter's policy needs nothing
extra and CloudTrail shows nothing a reviewer would not expect.

KCL 3 (`--kcl`): on a lease table, also Query of the index LeaseOwnerToLeaseKeyIndex
for a `leaseOwner` that cannot exist (the probe key), Limit 1: it reads nothing
and proves `dynamodb:Query` on the index. A lease table without that index (or
with other keys, or in a state that needs a person) is `failed`, probed no
further: KCL 3 would need UpdateTable to fix it. An index CREATING or UPDATING is
probed like an ACTIVE one (the permissions are the same; an UPDATING index
answers queries) but the row is `failed`, saying the index is not usable yet: KCL
3 waits at start until it is ACTIVE. Another projection than KEYS_ONLY is a
warning (KCL reads only the keys). KCL 3.0-3.4's companion tables are probed like
lease tables, each with its own key attribute (`key`, `wid`) in the probe key and
the impossible condition. KCL 3.5+: DescribeTable of each companion name
(`T-CoordinatorState`, `T-WorkerMetricStats`) should answer "not found"; access
denied there makes the adapter fail at start (`denied`, naming it), and a table
found there is a warning (`T-CoordinatorState`: KCL 3.5 would run in its legacy
multi-table mode; `T-WorkerMetricStats` alone: a leftover).

Statuses when DescribeTable does not show a usable table (a decision of ours):
another key schema or a state other than ACTIVE yields `failed`, with the
reason, and no further probes; KCL cannot use such a table whatever the policy
says, and `verify` is the command that explains it in full.

Every answer is read by the judgement all services share (`answers`);
what it proved becomes the table's `Findings`, and `judge` turns those into one
status row, with the words of each case beside it. `preflight` runs the chains.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lease_tables.aws import failures
from lease_tables.aws.clients import Clients
from lease_tables.config.naming import LeaseTable
from lease_tables.core.printable import aws_text
from lease_tables.model import kcl, probes, spec
from lease_tables.model.outcome import CREATE_ALLOWED, DENIED, FAILED, MISSING, OK, TableResult
from lease_tables.preflight import answers
from lease_tables.preflight.services import dropped

PROBE_KEY_PREFIX = "lease-tables-preflight-"
IMPOSSIBLE_CONDITION = f"attribute_exists({spec.LEASE_KEY})"
# An attribute KCL never uses: even if the condition somehow held, UpdateItem
# would only remove something that is not there.
PROBE_ATTRIBUTE = "leaseTablesPreflightProbe"

DESCRIBE, GET, PUT, UPDATE, DELETE, SCAN, QUERY, CREATE = (
    "DescribeTable", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan", "Query",
    "CreateTable")
# What KCL needs on its lease table, in the order preflight proves it (a test checks
# that this is exactly spec.KCL_LEASE_OPERATIONS).
LEASE_ACTIONS = (DESCRIBE, GET, PUT, UPDATE, DELETE, SCAN)
# Every DynamoDB operation preflight may call: the allow-list tests check it.
CALLED_ACTIONS = (*LEASE_ACTIONS, QUERY, CREATE)
# Why what the adapter's policy denies (UpdateTable, in every layout that denies more than
# CreateTable) is never called here.
BY_DESIGN_WHY = ("it could change the table; the adapter policy's explicit Deny of it is not "
                 "proven by preflight")
# What to rerun, and when, for a probe this run could not try.
RERUN_ACTIVE = "rerun preflight when the table is ACTIVE (`lease-tables verify` shows its state)"
RERUN_FIXED = "rerun preflight once the failure above is fixed"
RERUN_GRANTED = "rerun preflight once the refused actions are granted"
RERUN_CREATED = "rerun preflight once the table exists"
RERUN_USABLE = "rerun preflight once the table is usable (`lease-tables verify` says what to do)"
RERUN_ANSWERS = "rerun preflight once the endpoint answers within --timeout"
RERUN_AGAIN = "rerun preflight and let it finish"
# The refusal that proves a conditional write was authorised, and wrote nothing.
WRITES = (PUT, UPDATE, DELETE)
CONDITION_FAILED = "ConditionalCheckFailedException"

# How DynamoDB refuses a Query on an index still being built ("Cannot read from
# backfilling global secondary index").
BACKFILL_REFUSAL = "ValidationException"


@dataclass
class Findings:
    """What the probes of one table showed, before it becomes one status."""

    table: LeaseTable
    refused: dict[str, str] = field(default_factory=dict)  # action -> why, in words
    # KCL 3.5+: companion names whose DescribeTable was refused -> why, in words.
    refused_lookups: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    create_allowed: bool = False
    broken: str = ""
    notes: list[str] = field(default_factory=list)
    identity: str | None = None
    final: tuple[str, str] | None = None  # (status, message), when one probe decides it
    # Every probe this table's proof plans, and which ran (see `probes`).
    ledger: probes.Ledger = field(default_factory=lambda: probes.Ledger(()))
    # KCL 3: why the index is not usable yet (CREATING, UPDATING) although the probes
    # ran, what to do about it, and the probes that could not prove anything meanwhile.
    not_ready: str = ""
    not_ready_advice: str = ""
    unproven: list[str] = field(default_factory=list)

    def decide(self, status: str, message: str) -> Findings:
        self.final = (status, message)
        return self

    def attempt(self, probe: probes.Probe, call: Callable[[], Any],
                expected_code: str | None = None) -> answers.Outcome:
        """Run one planned probe, marking it as sent, then as answered whatever it
        answers (a run cut short in between names it as unanswered); the first refusal
        that names the identity names it for the run."""
        self.ledger.ran(probe)
        outcome = answers.attempt(call, expected_code)
        self.ledger.answered(probe)
        self.identity = answers.identity_of(outcome, self.identity)
        return outcome


def _probe(action: str, resource: str = "") -> probes.Probe:
    """A DynamoDB action's probe (on another table than the row's when `resource` names it)."""
    return probes.Probe(f"dynamodb:{action}", resource)


def table_chain(clients: Clients, key: str, stopped: bool, layout: kcl.Layout, version: str,
                findings: Findings) -> Findings:
    """One table's whole proof, as the run schedules it; never raises for the table.

    `stopped`: the run was stopped before this table's turn, so nothing is called.
    `findings`: where to record (the run keeps its ledger, to read if it is cut short).
    """
    if stopped:
        findings.ledger.stop("the run was stopped before this table was probed",
                             RERUN_AGAIN)
        return findings.decide(FAILED, "not probed: the run was stopped")
    try:
        return probe_table(clients, key, layout, version, findings)
    except Exception as exc:  # a bug of ours still becomes a per-table failure
        findings.ledger.stop("preflight failed on this table", RERUN_FIXED)
        table = findings.table
        return findings.decide(FAILED, failures.explain(
            exc, table.table_name, "preflight", clients.endpoint_for(table.region or ""),
            table.region, role="adapter"))


def new_findings(table: LeaseTable, layout: kcl.Layout) -> Findings:
    """A table's findings with its ledger: every probe the proof of one table needs, in
    the order they run, and the actions the adapter's policy denies that preflight
    never calls, and why."""
    planned = [_probe(action) for action in LEASE_ACTIONS]
    if table.role == kcl.ROLE_LEASE:
        if layout.index:
            planned.append(_probe(QUERY))
        planned.extend(_probe(DESCRIBE, c.name(table.table_name)) for c in layout.absent_companions)
    planned.append(_probe(CREATE))
    never = {_probe(action): BY_DESIGN_WHY
             for action in layout.denied_operations if action not in CALLED_ACTIONS}
    return Findings(table, ledger=probes.Ledger(planned, never))


def probe_table(clients: Clients, key: str, layout: kcl.Layout, version: str,
                findings: Findings) -> Findings:
    """All probes of one table, in order, stopping where going on would prove nothing.

    Every probe is planned in the findings' ledger first; one that is not run is
    named as untried, with the reason it was not, whichever path is taken here.
    """
    table, ledger = findings.table, findings.ledger
    region = table.region or ""
    client = clients.dynamodb(region)

    described = findings.attempt(_probe(DESCRIBE), lambda: failures.answer_part(
        client.describe_table(TableName=table.table_name), "Table", DESCRIBE))
    endpoint = clients.endpoint_for(region)  # after a call: the endpoint it really went to
    if described.kind == answers.ABSENT:
        ledger.stop("the table does not exist", RERUN_CREATED)
        return findings.decide(MISSING, missing_message(table))
    if described.kind == answers.BROKEN:
        ledger.stop(f"{DESCRIBE} failed", RERUN_FIXED)
        return findings.decide(FAILED, _explain(described, table, DESCRIBE, endpoint))
    lease = table.role == kcl.ROLE_LEASE
    index = lease and layout.index  # KCL 3's lease table: its index is probed too
    if described.kind == answers.PROVEN:
        unusable = unusable_message(table, described.value, layout)
        if unusable:
            ledger.stop(f"{DESCRIBE} showed a table KCL cannot use yet", RERUN_USABLE
                        if not spec.is_pending(described.value.get("TableStatus"))
                        else RERUN_ACTIVE)
            return findings.decide(FAILED, unusable)
        if index:
            note_index(findings, described.value, layout, version)
    else:
        findings.refused[DESCRIBE] = described.detail

    calls = item_probes(client, table.table_name, key, kcl.hash_key(table.role))
    if index:
        # KCL 3 finds a worker's leases with Query on the index; a `leaseOwner` no worker
        # has (the probe key) reads nothing, and proves the permission.
        calls.append((QUERY, lambda: client.query(
            TableName=table.table_name, IndexName=spec.LEASE_OWNER_INDEX,
            KeyConditionExpression=f"{spec.LEASE_OWNER} = :owner",
            ExpressionAttributeValues={":owner": {"S": key}}, Limit=1)))
    for action, call in calls:
        outcome = findings.attempt(_probe(action), call,
                                   CONDITION_FAILED if action in WRITES else None)
        if (action == QUERY and outcome.kind == answers.BROKEN and findings.not_ready
                and failures.error_code(outcome.value) == BACKFILL_REFUSAL):
            # A backfilling index refuses reads; the row fails for the index anyway.
            findings.unproven.append(QUERY)
            findings.notes.append(f"{QUERY} on the index was not proven: DynamoDB refuses "
                                  f"reads of an index it is still building "
                                  f"({aws_text(failures.error_message(outcome.value))}); rerun "
                                  f"preflight once the index is ACTIVE")
            continue
        if outcome.kind == answers.ABSENT:
            ledger.stop("the table disappeared while it was probed", RERUN_CREATED)
            message = missing_message(table, seen_by=action)
            if findings.refused:
                message += " " + denied_message(findings)
            return findings.decide(MISSING, message)
        if outcome.kind == answers.REFUSED:
            findings.refused[action] = outcome.detail
        elif outcome.kind == answers.BROKEN:
            ledger.stop(f"an earlier probe ({action}) failed", RERUN_FIXED)
            findings.broken = _explain(outcome, table, action, endpoint)
            return findings
        elif action in WRITES and outcome.detail != CONDITION_FAILED:
            ledger.stop(f"{action} did not answer as DynamoDB does", RERUN_FIXED)
            findings.broken = unexpected_write_message(table, action, key)
            return findings

    if lease:
        probe_absent_names(client, findings, layout, endpoint, version)
    status = described.value.get("TableStatus") if described.kind == answers.PROVEN else None
    if status == spec.ACTIVE:
        probe_create(client, findings, endpoint, layout)
    elif described.kind == answers.PROVEN:
        ledger.skip(_probe(CREATE),
                    f"{DESCRIBE} showed the table {status}, not ACTIVE (a capacity change or "
                    f"auto-scaling under way), and preflight tries CreateTable only on a "
                    f"table it has just seen ACTIVE", RERUN_ACTIVE)
    else:
        ledger.skip(_probe(CREATE), f"{DESCRIBE} was refused, so the table was not seen ACTIVE",
                    RERUN_GRANTED)
    return findings


def item_probes(client: Any, table_name: str, key: str,
                hash_key: str) -> list[tuple[str, Callable[[], Any]]]:
    """The five item calls, each unable to change the table; `hash_key` is its key
    attribute (`leaseKey`, or a KCL 3.0-3.4 companion's `key` / `wid`)."""
    item_key = {hash_key: {"S": key}}
    # The impossible condition; a companion's `key` is a DynamoDB reserved word, so keys
    # other than leaseKey go by a placeholder.
    lease = hash_key == spec.LEASE_KEY
    condition = IMPOSSIBLE_CONDITION if lease else "attribute_exists(#key)"
    names = {} if lease else {"#key": hash_key}
    named = {"ExpressionAttributeNames": names} if names else {}
    return [
        (GET, lambda: client.get_item(TableName=table_name, Key=item_key, ConsistentRead=True)),
        (PUT, lambda: client.put_item(TableName=table_name, Item=item_key,
                                      ConditionExpression=condition, **named)),
        (UPDATE, lambda: client.update_item(
            TableName=table_name, Key=item_key, UpdateExpression="REMOVE #probe",
            ExpressionAttributeNames={"#probe": PROBE_ATTRIBUTE, **names},
            ConditionExpression=condition)),
        (DELETE, lambda: client.delete_item(TableName=table_name, Key=item_key,
                                            ConditionExpression=condition, **named)),
        # KCL lists leases with Scan; one item proves the permission, and is dropped unread.
        (SCAN, dropped(lambda: client.scan(TableName=table_name, Limit=1))),
    ]


def probe_absent_names(client: Any, findings: Findings, layout: kcl.Layout, endpoint: str,
                       version: str) -> None:
    """KCL 3.5+ looks up the old companion names at start: "not found" is what it needs."""
    table = findings.table
    found, unchecked = [], []
    for companion in layout.absent_companions:
        name = companion.name(table.table_name)
        outcome = findings.attempt(_probe(DESCRIBE, name),
                                   functools.partial(client.describe_table, TableName=name))
        if outcome.kind == answers.REFUSED:
            unchecked.append(name)
            findings.refused_lookups[name] = outcome.detail
        elif outcome.kind == answers.PROVEN:
            found.append(name)
        elif outcome.kind == answers.BROKEN:
            unchecked.append(name)
            if not findings.broken:
                findings.broken = _explain(outcome, findings.table, DESCRIBE, endpoint)
    findings.warnings.extend(kcl.found_companion_warnings(table, found, layout, version,
                                                          unchecked))


def note_index(findings: Findings, description: dict[str, Any], layout: kcl.Layout,
               version: str) -> None:
    """A usable-shaped index that is not ACTIVE yet, or projects more than KCL's keys."""
    note = spec.index_projection_note(description, version)
    if note:
        findings.warnings.append(note)
    status = spec.index_status(description)
    if spec.index_is_pending(status):
        table = findings.table
        findings.not_ready = (
            f"{table.table_name} in {table.region}: its index {spec.LEASE_OWNER_INDEX} is "
            f"{status}, not ACTIVE, so it is not usable yet: KCL {layout.name} accepts the "
            f"index only when it is ACTIVE and waits at start until then")
        findings.not_ready_advice = (
            f"Rerun preflight once `lease-tables verify --kcl {version}` says ok "
            f"(`lease-tables create --kcl {version}` waits for the index).")


def probe_create(client: Any, findings: Findings, endpoint: str, layout: kcl.Layout) -> None:
    """CreateTable of a table just seen ACTIVE: it can only be refused, one way or another."""
    table = findings.table
    request = kcl.create_table_request(table, spec.TableOptions(), layout)
    outcome = findings.attempt(_probe(CREATE), lambda: client.create_table(**request),
                               expected_code=failures.IN_USE_CODE)
    if outcome.kind == answers.BROKEN:
        findings.broken = _explain(outcome, table, CREATE, endpoint)
    if outcome.kind in (answers.REFUSED, answers.BROKEN):
        return
    findings.create_allowed = True
    if outcome.detail != failures.IN_USE_CODE:
        # Only when the table vanished between DescribeTable and CreateTable: the
        # request is exactly what `create` would send, so the table is as it should be.
        findings.notes.append(f"{table.table_name} disappeared after DescribeTable and this "
                              f"CreateTable created it again, as `create` would")


def judge(findings: Findings) -> TableResult:
    """One status per table: denied beats failed beats create-allowed beats ok.

    A probe the proof needs that did not run (`probes.NOT_NOW`) makes an otherwise
    fine row `failed`: nothing is concluded from a probe not run. Every row names
    its untried probes, by design ones included, and carries them for JSON.
    """
    untried = findings.ledger.untried()
    status, message = findings.final or _status(findings, probes.unproven(untried))
    message = " ".join(part for part in (message, *probes.sentences(untried)) if part)
    warnings = () if findings.final else tuple(findings.warnings)
    return TableResult(findings.table, status, message, warnings, untried)


def _status(findings: Findings, missing: tuple[probes.Untried, ...]) -> tuple[str, str]:
    table = findings.table
    where = f"{table.table_name} in {table.region}"
    # Notes as sentences after a message, none ending in two full stops.
    notes = [*(f"Note: {n.rstrip('. ')}." for n in findings.notes),
             *(f"Warning: {w.rstrip('. ')}." for w in findings.warnings)]
    created = [f"Also, {create_allowed_message(table)}"] if findings.create_allowed else []
    if findings.refused or findings.refused_lookups:
        parts = [denied_message(findings)]
        if findings.not_ready:
            parts.append(f"Also, {findings.not_ready}. {findings.not_ready_advice}")
        if findings.broken:
            parts.append("Also: " + findings.broken)
        return DENIED, " ".join([*parts, *created, *notes])
    if findings.broken:
        return FAILED, " ".join([findings.broken, *notes])
    if findings.not_ready:
        but = "".join(f" but {a}" for a in findings.unproven)
        return FAILED, " ".join([
            f"{findings.not_ready}. The probes ran: every permission KCL needs{but} was "
            f"proven. {findings.not_ready_advice}", *created, *notes])
    if missing:
        return FAILED, " ".join([f"{where}: every probe that ran passed, but the proof is "
                                 f"incomplete.", *notes])
    if findings.create_allowed:
        return CREATE_ALLOWED, " ".join(
            [f"{where} is usable, but " + create_allowed_message(table), *notes])
    return OK, "; ".join([*findings.notes, *(f"warning: {w}" for w in findings.warnings)])


def with_untried(results: Sequence[TableResult], why: str, rerun: str, layout: kcl.Layout,
                 ledgers: Mapping[int, probes.Ledger]) -> list[TableResult]:
    """Rows a cut-short run never judged (--timeout, Ctrl+C): none of their probes is
    proven. `ledgers` (by row) say which probes had been sent: those are unanswered, the
    rest untried; a row with no ledger had none sent."""
    out = []
    for index, result in enumerate(results):
        if result.untried is None:
            ledger = ledgers.get(index) or new_findings(result.table, layout).ledger
            ledger.stop(why, rerun)
            untried, unanswered = ledger.untried(), ledger.unanswered()
            words = [result.message, probes.unanswered_sentence(unanswered),
                     *probes.sentences(untried)]
            result = TableResult(result.table, result.status,
                                 " ".join(w for w in words if w).strip(), result.warnings,
                                 untried, unanswered)
        out.append(result)
    return out


def denied_message(findings: Findings) -> str:
    table = findings.table
    refused = [f"dynamodb:{a}" for a in (*LEASE_ACTIONS, QUERY) if a in findings.refused]
    if QUERY in findings.refused:
        refused[-1] += f" (on its index {spec.LEASE_OWNER_INDEX})"
    lookups = [f"dynamodb:DescribeTable on {name}" for name in findings.refused_lookups]
    calls = ([f"{', '.join(refused)} on {table.table_name}"] if refused else []) + lookups
    them = "them" if len(refused) + len(lookups) > 1 else "it"
    message = (f"This identity may not call {'; nor '.join(calls)} in {table.region}. KCL "
               f"needs {them}, so the adapter would fail")
    if lookups:
        message += (" (KCL 3.5 looks up those names at start, and a refusal stops it; "
                    "\"not found\" is the answer it needs)")
    advice = failures.grant_advice(
        [*findings.refused.values(), *findings.refused_lookups.values()], them,
        f"Grant {them} (`lease-tables policy --role adapter --account-id ID` with the same "
        f"--kcl prints the policy)")
    return f"{message}. {advice}, then rerun preflight."


def create_allowed_message(table: LeaseTable) -> str:
    return (f"dynamodb:CreateTable is NOT denied to this identity (CreateTable of "
            f"{table.table_name} was refused only because the table exists). Add the explicit "
            f"Deny of dynamodb:CreateTable that `lease-tables policy --role adapter` prints to "
            f"the adapter's policy, then rerun preflight.")


def missing_message(table: LeaseTable, seen_by: str = DESCRIBE) -> str:
    """No ListTables hint here: the adapter's identity should not need it (verify gives it)."""
    return (f"{table.table_name} does not exist in {table.region} ({seen_by} said so): the "
            f"adapter would need CreateTable to start. Create it with the provisioning "
            f"identity (`lease-tables create`), check it with `lease-tables verify` (which also "
            f"names near-identical tables), then rerun preflight. Preflight never creates it.")


def unusable_message(table: LeaseTable, description: dict[str, Any],
                     layout: kcl.Layout) -> str | None:
    """Why KCL could not use a table that exists, or None; such tables are not probed."""
    where = f"{table.table_name} in {table.region}"
    problem = spec.key_schema_problem(description, kcl.hash_key(table.role))
    if problem:
        return (f"{where} exists but {problem}, so KCL cannot use it whatever the policy "
                f"allows; preflight probed it no further. `lease-tables verify` reports it as "
                f"drift and says what to do.")
    status = description.get("TableStatus")
    if spec.is_pending(status):
        return (f"{where} is {status}, not ACTIVE yet, so preflight cannot prove anything "
                f"about it and probed it no further. Wait until `lease-tables verify` says ok "
                f"(a new table takes seconds to a minute), then rerun preflight.")
    unusable = spec.state_problem(where, status)
    if unusable:
        return f"{unusable} Preflight probed it no further."
    if table.role != kcl.ROLE_LEASE or not layout.index:
        return None
    # A KCL 3 lease table whose index KCL could not query (and, with UpdateTable denied,
    # could not add).
    problem = spec.index_problem(description)
    status = spec.index_status(description)
    if problem is None and (spec.index_is_usable(status) or spec.index_is_pending(status)):
        return None  # a pending index is probed, then reported by `note_index`
    why = problem or f"its index {spec.LEASE_OWNER_INDEX} is {status}, not ACTIVE"
    return (f"{where} exists but {why}, so KCL {layout.name} cannot use it whatever the "
            f"policy allows; preflight probed it no further. `lease-tables verify --kcl` "
            f"with the adapter's version says what to do (usually `lease-tables create --kcl "
            f"VERSION --add-index` with the provisioning identity).")


def unexpected_write_message(table: LeaseTable, action: str, key: str) -> str:
    return (f"{action} of the probe key {key} on {table.table_name} in {table.region} was not "
            f"refused by its condition attribute_exists({kcl.hash_key(table.role)}), so an "
            f"item with that key "
            f"existed: this endpoint does not behave like DynamoDB. Check the table's items "
            f"for {PROBE_KEY_PREFIX}* and report this.")


def _explain(outcome: answers.Outcome, table: LeaseTable, action: str, endpoint: str) -> str:
    return answers.broken_words(outcome, table.table_name, action, endpoint, table.region)
