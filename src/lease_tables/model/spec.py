"""What a lease table must look like, as data every output is built from.

`create`, `verify`, `policy` and `template` all describe the same table; keeping
the key schema, capacity and tags here means the CloudFormation template, the
Terraform file and the CreateTable request cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from lease_tables.core.errors import InputError
from lease_tables.core.printable import clean, quote

if TYPE_CHECKING:  # the requests' types, from the types-boto3 stubs (dev tools only)
    from types_boto3_dynamodb import type_defs
    from types_boto3_dynamodb.literals import BillingModeType

# A part of a DynamoDB answer (DescribeTable's `Table`, one of its indexes) as botocore
# parsed it. The AWS edge, so its values are Any: their types were checked against the
# operation's shape (aws.GuardedParser), and any field may be absent, so it is read with
# .get. A types-boto3 TableDescriptionTypeDef is one too.
Answer = Mapping[str, Any]

LEASE_KEY = "leaseKey"
LEASE_KEY_TYPE: Final = "S"

# KCL 3's index on the lease table: a worker finds its own leases with Query
# instead of a Scan of every lease. KCL adds it with UpdateTable unless an index
# of this name exists; a new lease table gets it in its CreateTable (KCL itself
# creates the table first and adds the index about a minute later: the same end
# state, reached without UpdateTable).
LEASE_OWNER_INDEX = "LeaseOwnerToLeaseKeyIndex"
LEASE_OWNER = "leaseOwner"
INDEX_PROJECTION: Final = "KEYS_ONLY"

BILLING_PROVISIONED = "provisioned"
BILLING_ON_DEMAND = "on-demand"
BILLING_MODES: dict[str, BillingModeType] = {BILLING_PROVISIONED: "PROVISIONED",
                                             BILLING_ON_DEMAND: "PAY_PER_REQUEST"}

# The DynamoDB operations KCL inside an adapter uses on its lease table (docs/security.md,
# "The lease-table policy").
# The adapter policy grants exactly these and preflight proves each of them.
KCL_LEASE_OPERATIONS: tuple[str, ...] = (
    "DeleteItem", "DescribeTable", "GetItem", "PutItem", "Scan", "UpdateItem")

# Table states, as DescribeTable's TableStatus gives them, and what each means to
# KCL. ACTIVE and UPDATING are usable (KCL accepts both); CREATING is worth waiting
# for; every other state, known or not, can only be fixed by a person, so no
# command waits on it.
ACTIVE = "ACTIVE"
UPDATING = "UPDATING"
CREATING = "CREATING"
DELETING = "DELETING"

_STATE_ADVICE = {
    DELETING: "it is being deleted. Rerun `lease-tables create` once it is gone; it will be "
              "created afresh",
    "ARCHIVING": "DynamoDB is archiving it because its AWS KMS key has been inaccessible for "
               "days. Restore it from its archival backup (DynamoDB console, Backups) or "
               "re-enable the key, then rerun",
    "ARCHIVED": "DynamoDB archived it because its AWS KMS key was inaccessible. Restore it "
              "from its archival backup (DynamoDB console, Backups), then rerun",
    "INACCESSIBLE_ENCRYPTION_CREDENTIALS": "its AWS KMS key is disabled, scheduled for "
              "deletion, or no longer granted to DynamoDB. Re-enable the key or restore its "
              "grant; the table returns to ACTIVE on its own, then rerun",
}


def is_usable(status: str | None) -> bool:
    """Whether KCL can use a table in this state today."""
    return status in (ACTIVE, UPDATING)


def is_pending(status: str | None) -> bool:
    """Whether this state turns usable on its own, so waiting is worth it."""
    return status == CREATING


def state_problem(where: str, status: str | None) -> str | None:
    """Why a table in this state cannot be used and waiting will not help, or None."""
    if is_usable(status) or is_pending(status):
        return None
    advice = _STATE_ADVICE.get(status or "") or (
        "lease-tables does not know this state, so it neither waits for it nor treats it as "
        "usable. Check the table in the DynamoDB console, then rerun")
    return f"{where} is {status or 'in no state DescribeTable named'}: {advice}."


DEFAULT_READ_CAPACITY = 10
DEFAULT_WRITE_CAPACITY = 10

# AWS's tag rule (DynamoDB's "Tagging restrictions" and AWS's tagging guide): letters,
# digits and white space of any script (Unicode L*, N*, Z*) and `_ . : / = + - @`; keys
# 1-128 characters, values 0-256, at most 50 tags, no `aws:` key prefix (any case).
TAG_SYMBOLS = frozenset("_.:/=+-@")
TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX = 128, 256, 50
TAG_CHARACTERS = "letters, digits, spaces and _ . : / = + - @"


@dataclass(frozen=True)
class TableOptions:
    """The operator's choices for new tables; the defaults are the vendor's."""

    billing_mode: str = BILLING_PROVISIONED
    read_capacity: int = DEFAULT_READ_CAPACITY
    write_capacity: int = DEFAULT_WRITE_CAPACITY
    deletion_protection: bool = True
    tags: tuple[tuple[str, str], ...] = field(default=())

    @property
    def api_billing_mode(self) -> BillingModeType:
        return BILLING_MODES[self.billing_mode]

    def describe(self, hash_key: str = LEASE_KEY) -> str:
        """One phrase for dry runs and change tickets; `hash_key` is the table's key."""
        capacity = (f"provisioned {self.read_capacity} RCU / {self.write_capacity} WCU"
                    if self.billing_mode == BILLING_PROVISIONED else "on-demand")
        protection = "deletion protection " + ("on" if self.deletion_protection else "OFF")
        tags = ", ".join(f"{k}={v}" for k, v in self.tags)
        return (f"key {hash_key} (String, HASH), {capacity}, {protection}"
                + (f", tags {tags}" if tags else ""))


def make_options(
    billing_mode: str = BILLING_PROVISIONED,
    read_capacity: int | None = None,
    write_capacity: int | None = None,
    deletion_protection: bool = True,
    tags: Iterable[str] = (),
) -> TableOptions:
    """Validate raw option values into TableOptions (input errors exit 2).

    A capacity is None when the operator gave none (the vendor's 10 then); one
    given with on-demand billing, which has no capacity, is refused rather than
    dropped, since the operator asked for something the tables would not have.
    """
    if billing_mode not in BILLING_MODES:
        raise InputError(
            f"--billing-mode {quote(billing_mode)} is not one of: {', '.join(BILLING_MODES)}."
        )
    given = [(label, value) for label, value in (("--read-capacity", read_capacity),
                                                 ("--write-capacity", write_capacity))
             if value is not None]
    for label, value in given:
        if value < 1:
            raise InputError(f"{label} {value} must be 1 or more (the vendor's default is 10).")
    if billing_mode == BILLING_ON_DEMAND and given:
        named = " and ".join(f"{label} {value}" for label, value in given)
        raise InputError(
            f"{named} cannot apply with --billing-mode on-demand: on-demand tables have no "
            f"provisioned capacity, so DynamoDB would have nothing to set. Drop the capacity "
            f"option(s), or use --billing-mode provisioned.")
    # A capacity given is 1 or more by now, so `or` only fills in the vendor's default.
    return TableOptions(billing_mode, read_capacity or DEFAULT_READ_CAPACITY,
                        write_capacity or DEFAULT_WRITE_CAPACITY, deletion_protection,
                        parse_tags(tags))


def tag_text_problem(text: str) -> str | None:
    """Which characters of a tag key or value AWS refuses, or None when it takes them all."""
    bad = sorted({c for c in text if c not in TAG_SYMBOLS
                  and unicodedata.category(c)[0] not in "LNZ"})
    if not bad:
        return None
    shown = " ".join(clean(c) for c in bad[:10])
    return (f"the character{'' if len(bad) == 1 else 's'} {shown} "
            f"{'is' if len(bad) == 1 else 'are'} not allowed (only {TAG_CHARACTERS})")


def parse_tags(raw: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`KEY=VALUE` strings into ordered pairs; a later KEY replaces an earlier one.

    Checked against AWS's tag rule here, once, so dry runs, `policy` and the
    templates refuse what CreateTable would refuse, before any call.
    """
    tags: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--tag {quote(item)} is not KEY=VALUE, e.g. --tag "
                             f"owner=recording-team.")
        problem = tag_text_problem(key)
        if problem or len(key) > TAG_KEY_MAX or key.lower().startswith("aws:"):
            raise InputError(
                f"--tag key {quote(key)} is not a valid AWS tag key"
                + (f": {problem}" if problem else "")
                + f" (1-{TAG_KEY_MAX} {TAG_CHARACTERS}; not starting with aws:). Change "
                f"the key and rerun."
            )
        if problem := tag_text_problem(value):
            raise InputError(f"--tag {quote(item)}: the value {quote(value)} is not a valid "
                             f"AWS tag value: {problem}. Change the value and rerun.")
        if len(value) > TAG_VALUE_MAX:
            raise InputError(f"--tag {quote(key)}: the value is longer than AWS's "
                             f"{TAG_VALUE_MAX} characters.")
        tags[key] = value
    if len(tags) > TAGS_MAX:
        raise InputError(f"{len(tags)} different --tag keys were given; AWS allows at most "
                         f"{TAGS_MAX} tags on a table.")
    return tuple(tags.items())


def attribute_definitions(hash_key: str = LEASE_KEY,
                          index: bool = False) -> list[type_defs.AttributeDefinitionTypeDef]:
    names = [hash_key, LEASE_OWNER] if index else [hash_key]
    return [{"AttributeName": name, "AttributeType": LEASE_KEY_TYPE} for name in names]


def _throughput(options: TableOptions) -> type_defs.ProvisionedThroughputTypeDef:
    return {"ReadCapacityUnits": options.read_capacity,
            "WriteCapacityUnits": options.write_capacity}


def index_definition(options: TableOptions) -> type_defs.GlobalSecondaryIndexTypeDef:
    """The lease-owner index as CreateTable (and CloudFormation) declare it.

    On a provisioned table it takes the table's own capacity, as KCL gives it;
    an on-demand table's index has no capacity of its own.
    """
    index: type_defs.GlobalSecondaryIndexTypeDef = {
        "IndexName": LEASE_OWNER_INDEX,
        "KeySchema": [{"AttributeName": LEASE_OWNER, "KeyType": "HASH"},
                      {"AttributeName": LEASE_KEY, "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": INDEX_PROJECTION},
    }
    if options.billing_mode == BILLING_PROVISIONED:
        index["ProvisionedThroughput"] = _throughput(options)
    return index


def create_table_request(table_name: str, options: TableOptions, *,
                         hash_key: str = LEASE_KEY,
                         index: bool = False) -> type_defs.CreateTableInputTypeDef:
    """The CreateTable parameters of a table KCL will find as it would have made it.

    Not KCL's own request: KCL creates a lease table on-demand (the default since
    KCL 2.3.7), deletion protection off and without the index, then adds the
    index with UpdateTable about a minute later. This one request reaches the same
    end state (key, index, on-demand companions) with UpdateTable denied; billing,
    capacity and deletion protection are the operator's `options`, whose defaults
    are the vendor's (provisioned 10/10, protection on; `--billing-mode on-demand`
    gives KCL's own choice).

    `hash_key` is the table's one key attribute (String); `index` adds the
    lease-owner index (only a lease table, keyed by leaseKey, has it).
    """
    if index and hash_key != LEASE_KEY:
        raise ValueError(f"only a lease table ({LEASE_KEY}) has {LEASE_OWNER_INDEX}")
    request: type_defs.CreateTableInputTypeDef = {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"}],
        "AttributeDefinitions": attribute_definitions(hash_key, index),
        "BillingMode": options.api_billing_mode,
        "DeletionProtectionEnabled": options.deletion_protection,
    }
    if options.billing_mode == BILLING_PROVISIONED:
        request["ProvisionedThroughput"] = _throughput(options)
    if index:
        request["GlobalSecondaryIndexes"] = [index_definition(options)]
    if options.tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in options.tags]
    return request


def find_index(description: Answer) -> Answer | None:
    """The lease-owner index of a DescribeTable `Table`, in any state, or None."""
    indexes: list[Answer] = description.get("GlobalSecondaryIndexes") or []
    return next((i for i in indexes if i.get("IndexName") == LEASE_OWNER_INDEX), None)


def index_status(description: Answer) -> str | None:
    """The index's IndexStatus (CREATING, ACTIVE, ...), or None when it is absent."""
    index = find_index(description)
    return None if index is None else str(index.get("IndexStatus") or "")


def index_problem(description: Answer) -> str | None:
    """How a DescribeTable `Table`'s lease-owner index differs from what KCL 3 can use,
    or None.

    Absent is a problem; so are other keys (KCL only checks the name, so it would
    never add the right one). Another projection is not: KCL reads only the keys,
    which every projection holds (`index_projection_note`). Its state is for the
    caller (`index_status`): CREATING is not wrong, only not ready.
    """
    index = find_index(description)
    if index is None:
        return f"it has no index {LEASE_OWNER_INDEX}, which KCL 3 needs"
    wanted = [(LEASE_OWNER, "HASH", LEASE_KEY_TYPE), (LEASE_KEY, "RANGE", LEASE_KEY_TYPE)]
    keys, actual = _keys(description, index)
    if keys == wanted:
        return None
    return (f"its index {LEASE_OWNER_INDEX} differs: its key is {actual}; KCL needs "
            f"{LEASE_OWNER} (S, HASH) + {LEASE_KEY} (S, RANGE)")


def _keys(description: Answer, keyed: Answer) -> tuple[list[tuple[object, ...]], str]:
    """The key of a table or index (`keyed`) as (name, key type, attribute type) triples,
    and in words; the attribute types are the table's (`description`)."""
    types = {a.get("AttributeName"): a.get("AttributeType")
             for a in description.get("AttributeDefinitions") or []}
    keys = [(k.get("AttributeName"), k.get("KeyType")) for k in keyed.get("KeySchema") or []]
    actual = ", ".join(f"{n} ({types.get(n, '?')}, {t})" for n, t in keys) or "no key"
    return [(n, t, types.get(n)) for n, t in keys], actual


def index_projection_note(description: Answer, version: str) -> str | None:
    """A warning when the lease-owner index projects more than KCL's KEYS_ONLY, or None.

    KCL's Query reads only the keys, so ALL or INCLUDE works; but every lease
    write then also writes the projected attributes into the index, which costs
    write capacity. DynamoDB cannot change a projection in place, so it is a
    warning, not drift.
    """
    index = find_index(description)
    if index is None:
        return None
    projection = (index.get("Projection") or {}).get("ProjectionType")
    if projection == INDEX_PROJECTION:
        return None
    return (f"its index {LEASE_OWNER_INDEX} has projection {projection or 'none named'}; "
            f"KCL creates {INDEX_PROJECTION} and reads only the keys, so it works, but every "
            f"lease write also writes the projected attributes into the index (more write "
            f"capacity). To match KCL, delete the index by hand when no adapter runs and "
            f"add it again with `lease-tables create --kcl {version} --add-index`")


# The index's own states (IndexStatus). KCL 3 accepts its index only when it is
# ACTIVE: at start it polls DescribeTable until IndexStatus is ACTIVE
# (isLeaseOwnerToLeaseKeyIndexActive), whatever else the index could serve. So
# CREATING (the backfill) and UPDATING (a capacity change) are both waited for, and
# neither is usable yet; unlike the table itself, which is usable when UPDATING.
# DELETING, or a state not known, needs a person.
def index_is_usable(status: str | None) -> bool:
    return status == ACTIVE


def index_is_pending(status: str | None) -> bool:
    return status in (CREATING, UPDATING)


def index_state_problem(where: str, status: str | None, version: str) -> str | None:
    """Why an index in this state will not serve KCL and waiting will not help, or None."""
    if index_is_usable(status) or index_is_pending(status):
        return None
    advice = (f"someone is deleting it. Once it is gone, add it again with `lease-tables "
              f"create --kcl {version} --add-index`" if status == DELETING else
              "lease-tables does not know this state, so it neither waits for it nor treats "
              "it as usable. Check the table's indexes in the DynamoDB console, then rerun")
    return (f"{where}: its index {LEASE_OWNER_INDEX} is {status or 'in no state'}: "
            f"{advice}.")


def add_index_request(table_name: str, description: Answer,
                      fallback: TableOptions) -> type_defs.UpdateTableInputTypeDef:
    """The UpdateTable that adds KCL 3's index to an existing lease table, and only that.

    Exactly what KCL's createLeaseOwnerToLeaseKeyIndexIfNotExists sends: on a
    provisioned table the index takes the table's CURRENT capacity (as DescribeTable
    shows it, not our defaults; `fallback` only if DescribeTable gave none); an
    on-demand table's index has no capacity of its own. The attribute definitions
    name both key attributes, which UpdateTable requires for a new index.
    """
    summary = description.get("BillingModeSummary") or {}
    on_demand = summary.get("BillingMode") == BILLING_MODES[BILLING_ON_DEMAND]
    throughput = description.get("ProvisionedThroughput") or {}
    current = TableOptions(
        billing_mode=BILLING_ON_DEMAND if on_demand else BILLING_PROVISIONED,
        read_capacity=int(throughput.get("ReadCapacityUnits") or fallback.read_capacity),
        write_capacity=int(throughput.get("WriteCapacityUnits") or fallback.write_capacity))
    return {
        "TableName": table_name,
        "AttributeDefinitions": attribute_definitions(LEASE_KEY, index=True),
        "GlobalSecondaryIndexUpdates": [{"Create": index_definition(current)}],
    }


# `checked_only`: the words of a command that only looks (`verify`), which could not have
# changed the table, so it neither says it left it untouched nor sends the reader to verify.
def _left(checked_only: bool) -> str:
    return "" if checked_only else " It was left untouched."


def missing_index_message(where: str, version: str, checked_only: bool = False) -> str:
    """A KCL 2 lease table under a KCL 3 layout: drift, and the one way out."""
    then = ("Add" if checked_only else
            f"Check with `lease-tables verify --kcl {version}`, then add")
    return (f"{where} exists but has no index {LEASE_OWNER_INDEX}, which KCL {version} "
            f"needs; with dynamodb:UpdateTable denied the adapter cannot add it and would "
            f"fail at start.{_left(checked_only)} {then} only the index with "
            f"`lease-tables create --kcl {version} "
            f"--add-index` (one UpdateTable: the index takes the table's current capacity; "
            f"items, key, capacity and settings stay as they are). Index creation can take "
            f"minutes on a table with many items.")


def index_drift_message(where: str, problem: str, version: str,
                        checked_only: bool = False) -> str:
    """An index of KCL's name with other keys: KCL would never fix it."""
    return (f"{where} exists but {problem}.{_left(checked_only)} KCL only looks for an "
            f"index of that name, so it would use it as it is and fail; DynamoDB cannot "
            f"change an index's keys. After checking that nothing else uses it, delete that "
            f"index by hand (DynamoDB console, Indexes), then run `lease-tables create --kcl "
            f"{version} --add-index`.")


def key_schema_problem(description: Answer,
                       hash_key: str = LEASE_KEY) -> str | None:
    """How a DescribeTable `Table` differs from the expected key (`hash_key`, String,
    no sort key), or None if it matches."""
    keys, actual = _keys(description, description)
    if keys == [(hash_key, "HASH", LEASE_KEY_TYPE)]:
        return None
    return f"its key is {actual}; KCL needs {hash_key} (S, HASH) and no sort key"


def capacity_differences(description: Answer,
                         options: TableOptions | None = None) -> list[str]:
    """Billing or capacity that differ from what we would create: worth a warning only."""
    options = options or TableOptions()
    summary = description.get("BillingModeSummary") or {}
    billing = summary.get("BillingMode") or "PROVISIONED"
    if billing != options.api_billing_mode:
        return [f"billing mode is {billing}, expected {options.api_billing_mode}"]
    throughput = description.get("ProvisionedThroughput") or {}
    read = throughput.get("ReadCapacityUnits")
    write = throughput.get("WriteCapacityUnits")
    if billing != "PROVISIONED" or (read, write) == (options.read_capacity,
                                                     options.write_capacity):
        return []
    return [f"capacity is {read} RCU / {write} WCU, expected "
            f"{options.read_capacity} / {options.write_capacity}"]


def drift_message(where: str, problem: str, checked_only: bool = False) -> str:
    """A table KCL cannot use, left untouched; DynamoDB can neither rename nor re-key it."""
    return (f"{where} exists but {problem}.{_left(checked_only)} KCL cannot use it, and "
            f"DynamoDB can neither rename a table nor change its key: after checking that "
            f"nothing else uses it (and keeping its items if they matter), delete it by hand, "
            f"then {'run' if checked_only else 'rerun'} `lease-tables create`.")
