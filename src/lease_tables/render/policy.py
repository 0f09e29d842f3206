"""IAM policy documents for the lease tables, built from data.

The point of the product is that `dynamodb:CreateTable` can be denied to the
adapters; the security team needs the exact policy that makes that safe. So
the policies are assembled from action lists and an ARN builder (the
policy_sentry habit), never from string templates: every table's ARN is built
the same way, in its own region and partition, and the output is sorted JSON
so two runs can be diffed in a change ticket.

Pure: no AWS calls, no printing, never imports boto3/botocore.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TypedDict

from lease_tables.config.naming import REGION_EXAMPLES, LeaseTable, is_region_code, require_regions
from lease_tables.core.errors import InputError
from lease_tables.core.printable import quote
from lease_tables.model import footprint as fp
from lease_tables.model import kcl
from lease_tables.model.footprint import partition

POLICY_VERSION = "2012-10-17"


class _StatementCondition(TypedDict, total=False):
    Condition: dict[str, dict[str, list[str]]]  # {operator: {condition key: values}}


class Statement(_StatementCondition):
    """One IAM statement as we write them: lists always, never a bare string."""

    Sid: str
    Effect: str
    Action: list[str]
    Resource: list[str]


class Document(TypedDict):
    """An IAM policy document."""

    Version: str
    Statement: list[Statement]

ROLE_ADAPTER = "adapter"
ROLE_PROVISIONER = "provisioner"
ROLES = (ROLE_ADAPTER, ROLE_PROVISIONER)

# What KCL inside the adapter does with its tables, and nothing more, is per KCL
# version: kcl.LAYOUTS holds it as data. The one permission the whole product
# exists to let the security team deny is CreateTable (and, for KCL 3, UpdateTable).

SID_ADAPTER_ACCESS = "LeaseTableAccess"
SID_ADAPTER_COMPANIONS = "CompanionTableAccess"
SID_ADAPTER_INDEX = "LeaseOwnerIndexQuery"
SID_ADAPTER_ABSENT = "LookUpLegacyCompanionTables"
# One per old companion under --migrating, e.g. MigratingCoordinatorStateAccess.
SID_ADAPTER_MIGRATING = "Migrating{}Access"
SID_PROVISIONER_TABLES = "CreateAndDescribeLeaseTables"
SID_PROVISIONER_INDEX = "AddLeaseOwnerIndex"
SID_PROVISIONER_ABSENT = "CheckLegacyCompanionTablesAbsent"
SID_PROVISIONER_TAGS = "TagLeaseTablesOnCreate"
SID_PROVISIONER_LIST = "ListTablesForNameHints"

# IAM's size limits count characters without white space.
MANAGED_POLICY_MAX = 6144
INLINE_ROLE_POLICIES_MAX = 10240


def table_arn(region: str, account_id: str, table_name: str) -> str:
    """`arn:{partition}:dynamodb:{region}:{account}:table/{name}`."""
    return f"arn:{partition(region)}:dynamodb:{region}:{account_id}:table/{table_name}"


def validate_account_id(raw: str | None) -> str:
    """The 12-digit account ID, or an input error that says how to find it."""
    if raw is None or not raw.strip():
        raise InputError(
            "--account-id is required: the 12-digit ID of the AWS account that holds the "
            "lease tables (see `aws sts get-caller-identity --query Account`)."
        )
    value = raw.strip()
    if not re.fullmatch(r"[0-9]{12}", value):
        raise InputError(
            f"--account-id {quote(raw)} is not an AWS account ID: it must be exactly 12 digits, "
            f"e.g. 123456789012 (no dashes, no spaces; keep leading zeros)."
        )
    return value


def validate_regions(tables: Sequence[LeaseTable]) -> None:
    """Every table has a region that looks like an AWS region code.

    A typo such as `us-east1` would yield an ARN that matches nothing: the
    adapter would be denied at start with no hint why, so it is refused here.
    """
    require_regions(tables)
    bad = [t for t in tables if t.region and not is_region_code(t.region)]
    if bad:
        listing = ", ".join(f"{t.table_name} ({quote(t.region)})" for t in bad)
        raise InputError(
            f"The region of {listing} does not look like an AWS region code such as "
            f"{REGION_EXAMPLES}. Correct the adapter's Region setting in "
            f"IntegrationService.xml, or pass --region."
        )


def table_arns(tables: Iterable[LeaseTable], account_id: str) -> list[str]:
    """Each table's ARN in its own region, sorted and without duplicates."""
    arns: set[str] = set()
    for table in tables:
        if table.region is None:  # validate_regions runs first: a bug, not bad input
            raise ValueError(f"no region for the table {table.table_name}")
        arns.add(table_arn(table.region, account_id, table.table_name))
    return sorted(arns)


def statement(sid: str, effect: str, actions: Iterable[str],
              resources: Iterable[str]) -> Statement:
    """One IAM statement with sorted, de-duplicated lists (stable for diffs)."""
    return {
        "Sid": sid,
        "Effect": effect,
        "Action": sorted(set(actions)),
        "Resource": sorted(set(resources)),
    }


def document(statements: Iterable[Statement]) -> Document:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def actions(operations: Iterable[str]) -> list[str]:
    return [f"dynamodb:{operation}" for operation in operations]


def statements(grants: Iterable[tuple[str, str, Sequence[str], Sequence[str]]]
               ) -> list[Statement]:
    """(sid, effect, operations, resources) into statements, in order. A grant with no
    operation or no resource is left out; grants of the same effect and operations
    share one statement (the first one's Sid), which keeps the document small."""
    built: dict[tuple[str, frozenset[str]], Statement] = {}
    for sid, effect, operations, resources in grants:
        if not operations or not resources:
            continue
        key = (effect, frozenset(operations))
        if key in built:
            built[key]["Resource"] = sorted(set(built[key]["Resource"]) | set(resources))
        else:
            built[key] = statement(sid, effect, actions(operations), resources)
    return list(built.values())


def _arns_by_role(tables: Sequence[LeaseTable], account_id: str, layout: kcl.Layout
                  ) -> tuple[str, list[str], list[str], list[str]]:
    """The account (checked, as the tables' regions are), and the ARNs of the lease
    tables, of the companions the layout makes, and of the companion names the layout
    looks up and must not find: what each role's policy starts from."""
    account = validate_account_id(account_id)
    validate_regions(tables)
    expanded = kcl.expand(tables, layout)
    lease = table_arns((t for t in expanded if t.role == kcl.ROLE_LEASE), account)
    companions = table_arns((t for t in expanded if t.role != kcl.ROLE_LEASE), account)
    absent = table_arns(kcl.absent_names(tables, layout), account)
    return account, lease, companions, absent


def adapter_policy(tables: Sequence[LeaseTable], account_id: str,
                   layout: kcl.Layout = kcl.DEFAULT_LAYOUT,
                   migrating: bool = False,
                   footprint: fp.Footprint | None = None) -> Document:
    """The adapter's identity: what its KCL version does with its tables, on exactly
    these tables' ARNs (and, for KCL 3, the lease tables' index), and an explicit
    Deny of CreateTable (and UpdateTable for KCL 3).

    The Deny uses Resource "*", not the tables' ARNs: an explicit Deny wins over
    any Allow the identity gets from elsewhere (a broad managed policy, say), so
    the adapter can create no table at all, whatever name KCL might compute.

    `migrating` (KCL 3.5+ upgraded from 3.0-3.4): the old companion tables get what
    KCL does there until its migration reaches COMPLETE, in place of DescribeTable
    alone (which those permissions include).

    With a `footprint` (streams, buckets, keys ...), its statements come between
    the table grants and the Deny, one per row and IAM resource type.
    """
    account, lease, companions, absent = _arns_by_role(tables, account_id, layout)
    migration = [
        (SID_ADAPTER_MIGRATING.format(companion.suffix.strip("-")), "Allow", operations,
         table_arns(kcl.absent_names(tables, layout, [companion]), account))
        for companion, operations in (layout.migrating_operations if migrating else ())]
    built = statements([
        (SID_ADAPTER_ACCESS, "Allow", layout.lease_operations, lease),
        (SID_ADAPTER_COMPANIONS, "Allow", layout.companion_operations, companions),
        # Query on a table's indexes is authorised on `<table ARN>/index/*`.
        (SID_ADAPTER_INDEX, "Allow", layout.index_operations, [f"{a}/index/*" for a in lease]),
        (SID_ADAPTER_ABSENT, "Allow", () if migration else layout.absent_companion_operations,
         absent),
        *migration,
    ])
    built += footprint_statements(footprint, ROLE_ADAPTER)
    # `DenyCreateTable`, `DenyCreateTableAndUpdateTable`: the Sid says what it denies.
    denied = layout.denied_operations
    built += statements([("Deny" + "And".join(denied), "Deny", denied, ["*"])])
    return document(built)


def provisioner_policy(tables: Sequence[LeaseTable], account_id: str,
                       tags: bool = False,
                       layout: kcl.Layout = kcl.DEFAULT_LAYOUT,
                       footprint: fp.Footprint | None = None) -> Document:
    """What `lease-tables create` itself calls, with the options given; nothing that
    deletes or writes items, and UpdateTable (KCL 3 only) just for adding the index
    to a lease table. It also covers `lease-tables verify`. With enhanced fan-out in
    the `footprint`, also what registering the streams' consumers takes.
    """
    _, lease, companions, absent = _arns_by_role(tables, account_id, layout)
    made = lease + companions
    return document(statements([
        # What `create` (and `verify`) call, per table: describe first, create only
        # when absent, then poll DescribeTable until ACTIVE.
        (SID_PROVISIONER_TABLES, "Allow", ("CreateTable", "DescribeTable"), made),
        (SID_PROVISIONER_INDEX, "Allow", layout.provisioner_lease_operations, lease),
        (SID_PROVISIONER_ABSENT, "Allow", layout.provisioner_absent_companion_operations,
         absent),
        # CreateTable with a `Tags` parameter is also authorised as dynamodb:TagResource
        # on the new table; without it, AWS refuses the whole CreateTable.
        (SID_PROVISIONER_TAGS, "Allow", ("TagResource",), made if tags else []),
        # ListTables (once per region, only to name near-twin tables in a hint) has no
        # resource-level permissions: IAM accepts it only with Resource "*".
        (SID_PROVISIONER_LIST, "Allow", ("ListTables",), ["*"]),
    ]) + footprint_statements(footprint, ROLE_PROVISIONER))


def footprint_statements(footprint: fp.Footprint | None, role: str) -> list[Statement]:
    """One statement per footprint row and IAM resource type, each with its own Sid.

    A grant with a condition key (PutMetricData, which IAM authorises only on
    "*") carries its values as a `StringEquals` condition instead of resources.
    """
    out = []
    for part in fp.parts(footprint or fp.Footprint(), role):
        built = statement(part.grant.sid, "Allow", part.grant.actions, part.resources)
        if part.grant.condition_key:
            built["Condition"] = {"StringEquals": {
                part.grant.condition_key: list(part.condition)}}
        out.append(built)
    return out


def split(policy: Document, limit: int = MANAGED_POLICY_MAX) -> list[Document]:
    """The policy as few documents as IAM's managed-policy size limit allows.

    Statements are packed in order; one statement too big on its own is cut into
    parts by its resources (or condition values), each part its own Sid
    (`<Sid>Part2` ...). A policy that fits is returned unchanged, as one document.
    """
    if policy_size(policy) <= limit:
        return [policy]
    pieces = [piece for s in policy["Statement"] for piece in _cut(s, limit)]
    documents: list[list[Statement]] = [[]]
    for piece in pieces:
        if documents[-1] and policy_size(document([*documents[-1], piece])) > limit:
            documents.append([])
        documents[-1].append(piece)
    return [document(statements) for statements in documents]


def _cut(stmt: Statement, limit: int) -> list[Statement]:
    """A statement in parts that each fit in a document of their own."""
    if policy_size(document([stmt])) <= limit:
        return [stmt]
    condition = stmt.get("Condition")
    if condition is not None:
        ((operator, values),) = condition.items()
        ((key, items),) = values.items()
    else:
        items = stmt["Resource"]
    if len(items) < 2:
        raise InputError(
            f"The statement {stmt['Sid']} alone is bigger than IAM allows in one managed "
            f"policy ({limit} characters without white space); a name this long cannot be "
            f"granted by a policy. Check the names given.")

    def made(values: list[str], number: int) -> Statement:
        built: Statement = {**stmt, "Sid": stmt["Sid"] + (f"Part{number}" if number > 1 else "")}
        if condition is not None:
            built["Condition"] = {operator: {key: values}}
        else:
            built["Resource"] = values
        return built

    chunks: list[list[str]] = [[]]  # packed in order, as `split` packs the statements
    for item in items:
        if chunks[-1] and policy_size(document([made([*chunks[-1], item], len(chunks))])) > limit:
            chunks.append([])
        chunks[-1].append(item)
    return [made(chunk, number) for number, chunk in enumerate(chunks, start=1)]


def render_documents(documents: Sequence[Document]) -> str:
    """One document as `render` writes it; several as a JSON array of documents, in
    order (attach each as its own managed policy: `jq '.[0]'`, `jq '.[1]'` ...)."""
    return render(documents[0] if len(documents) == 1 else list(documents))


def split_note(documents: Sequence[Document]) -> str | None:
    """What a split means for whoever attaches the policy."""
    if len(documents) < 2:
        return None
    sizes = ", ".join(str(policy_size(d)) for d in documents)
    return (
        f"the policy is too big for one IAM managed policy ({MANAGED_POLICY_MAX} characters "
        f"without white space), so it is printed as a JSON array of {len(documents)} "
        f"documents ({sizes} characters): attach each as its own managed policy "
        f"(e.g. jq '.[0]', jq '.[1]'); together they grant exactly the one policy.")


def build_policy(role: str, tables: Sequence[LeaseTable], account_id: str,
                 tags: bool = False,
                 layout: kcl.Layout = kcl.DEFAULT_LAYOUT,
                 migrating: bool = False,
                 footprint: fp.Footprint | None = None) -> Document:
    """The policy for one role (`adapter` or `provisioner`); `tables` are the lease
    tables, and the layout adds its companions; `footprint` the adapter's other
    resources (`footprint.resolve`). `migrating` only changes the adapter's policy:
    `create` and `verify` need nothing more during KCL's migration."""
    if role == ROLE_ADAPTER:
        return adapter_policy(tables, account_id, layout, migrating, footprint)
    if role == ROLE_PROVISIONER:
        return provisioner_policy(tables, account_id, tags=tags, layout=layout,
                                  footprint=footprint)
    raise InputError(f"--role {quote(role)} is not one of: {', '.join(ROLES)}.")


def render(policy: Document | list[Document]) -> str:
    """Sorted, indented JSON with a final newline: the same input gives the same bytes."""
    return json.dumps(policy, indent=2, sort_keys=True) + "\n"


def policy_size(policy: Document) -> int:
    """The size IAM counts against its limits: characters other than white space."""
    return len(re.sub(r"\s", "", json.dumps(policy, separators=(",", ":"))))


def size_warning(policy: Document) -> str | None:
    """A hint when the document is too big to attach as one managed policy."""
    size = policy_size(policy)
    if size <= MANAGED_POLICY_MAX:
        return None
    return (
        f"the policy has {size} characters (white space not counted); an IAM managed "
        f"policy holds at most {MANAGED_POLICY_MAX} and a role's inline policies "
        f"{INLINE_ROLE_POLICIES_MAX} together. Split the tables over several runs "
        f"(e.g. one --conf-dir per run) and attach one policy per run."
    )


def footprint_of(tables: Sequence[LeaseTable], account_id: str,
                 options: fp.FootprintOptions | None = None,
                 region_option: str | None = None, *,
                 lease_tables_only: bool = False) -> fp.Footprint:
    """The footprint the adapters' files and the options name, once the account and
    the tables' regions are known to be good (input errors otherwise)."""
    account = validate_account_id(account_id)
    validate_regions(tables)
    return fp.resolve(options or fp.FootprintOptions(), tables, account, region_option,
                      lease_tables_only=lease_tables_only)


def policy_documents(role: str, tables: Sequence[LeaseTable], account_id: str,
                     options: fp.FootprintOptions | None = None, *, tags: bool = False,
                     layout: kcl.Layout = kcl.DEFAULT_LAYOUT,
                     region_option: str | None = None,
                     footprint: fp.Footprint | None = None, migrating: bool = False,
                     lease_tables_only: bool = False
                     ) -> tuple[list[Document], list[str], list[str]]:
    """What `policy` prints, and its notes and warnings for stderr: the role's policy
    over the tables and the footprint the adapters' files and the options name.

    The adapters' files are in scope by default: their streams (and Connect
    instances) join the adapter's policy with no option, as if given with one.
    Without any footprint (nothing named, or `lease_tables_only`) the document is
    exactly the lease-table policy, one document (too big: a warning, as ever). A
    whole-footprint policy too big for one managed policy is split (`split`), and a
    note says so. For the adapter, a note names what neither the files nor the
    options told (`footprint.not_covered`), with the option that adds it. A caller
    that already resolved the footprint (`footprint_of`) passes it instead.
    """
    if footprint is None:  # both check the account: footprint_of, then build_policy
        footprint = footprint_of(tables, account_id, options, region_option,
                                 lease_tables_only=lease_tables_only)
    uncovered = fp.not_covered(footprint) if role == ROLE_ADAPTER else None
    tail = [uncovered] if uncovered else []
    if mixed := fp.mixed_partitions(tables, footprint.resources):
        raise InputError(mixed)
    whole = build_policy(role, tables, account_id, tags=tags, layout=layout, migrating=migrating,
                         footprint=footprint)
    if footprint.empty:
        warning = size_warning(whole)
        return [whole], tail, [warning] if warning else []
    origins = (fp.origin_lines(footprint)
               if role == ROLE_ADAPTER or footprint.enhanced_fan_out else [])
    documents = split(whole)
    note = split_note(documents)
    return documents, [*footprint.notes, *origins, *([note] if note else []), *tail], []


def option_warnings(role: str, tagged: bool, migrating: bool) -> list[str]:
    """Options that do not change this `role`'s policy, said so: the operator gave them for
    a reason, and the policy printed without them would otherwise look like a mistake."""
    return [warning for given, warning in (
        (tagged and role != ROLE_PROVISIONER,
         "--tag only changes the provisioner's policy (it adds dynamodb:TagResource); the "
         "adapter policy is the same with or without it."),
        (migrating and role == ROLE_PROVISIONER,
         "--migrating only changes the adapter's policy (the old companion tables' "
         "permissions); `create` and `verify` need nothing more during KCL's migration, so "
         "the provisioner policy is the same with or without it."),
    ) if given]
