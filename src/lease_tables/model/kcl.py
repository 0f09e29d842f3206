"""The DynamoDB layouts of the Kinesis Client Library's versions, as one table of data.

KCL 3 changed what a consumer needs: KCL 3.0-3.4 adds two companion tables and
an index on the lease table; KCL 3.5 keeps only the lease table (with the index).
If KCL 3.5 finds the old `T-CoordinatorState`, it runs in its legacy multi-table
mode (using both old tables) until its own migration to the lease table reaches
COMPLETE; an old `T-WorkerMetricStats` alone does not switch it. Every command asks
this module which tables, which index and which permissions a `--kcl VERSION`
means, so a new KCL line is one new row in `LAYOUTS`, not a change in every command.

Companion names are KCL's `applicationName` plus a suffix; they are derived here
from the lease-table name, which is the application name unless the adapter
overrides KCL's table name.

Pure: no AWS calls, no printing, never imports boto3/botocore.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lease_tables.config import naming
from lease_tables.config.naming import LeaseTable, table_name_problem
from lease_tables.core.errors import InputError
from lease_tables.core.printable import quote
from lease_tables.model import spec

if TYPE_CHECKING:  # types-boto3's CreateTable request (dev tools only)
    from types_boto3_dynamodb.type_defs import CreateTableInputTypeDef

ROLE_LEASE = "lease"
ROLE_COORDINATOR_STATE = "coordinator-state"
ROLE_WORKER_METRICS = "worker-metrics"

DEFAULT_VERSION = "2"


@dataclass(frozen=True)
class Companion:
    """A table KCL names after its application: `<T><suffix>`, one String hash key."""

    role: str
    suffix: str
    hash_key: str

    def name(self, lease_table_name: str) -> str:
        return lease_table_name + self.suffix


COORDINATOR_STATE = Companion(ROLE_COORDINATOR_STATE, "-CoordinatorState", "key")
WORKER_METRIC_STATS = Companion(ROLE_WORKER_METRICS, "-WorkerMetricStats", "wid")
COMPANIONS: tuple[Companion, ...] = (COORDINATOR_STATE, WORKER_METRIC_STATS)

_SIX = spec.KCL_LEASE_OPERATIONS


@dataclass(frozen=True)
class Layout:
    """What one range of KCL versions needs in DynamoDB, and may do there.

    Operations are DynamoDB action names without the `dynamodb:` prefix. Each
    `*_operations` field is granted on one kind of resource; an empty tuple
    means no statement. The defaults are KCL 1.x-2.x's.
    """

    name: str                     # how messages and --help name the range
    first_version: tuple[int, int]
    companions: tuple[Companion, ...] = ()         # tables made beside the lease table
    index: bool = False                            # the lease table has LEASE_OWNER_INDEX
    absent_companions: tuple[Companion, ...] = ()  # names KCL looks up and must not find
    # The adapter (KCL itself).
    lease_operations: tuple[str, ...] = _SIX
    companion_operations: tuple[str, ...] = ()
    index_operations: tuple[str, ...] = ()
    absent_companion_operations: tuple[str, ...] = ()
    denied_operations: tuple[str, ...] = ("CreateTable",)  # explicit Deny on "*"
    # The provisioner (`lease-tables create` and `verify`), beyond CreateTable and
    # DescribeTable on every table it makes.
    provisioner_lease_operations: tuple[str, ...] = ()
    provisioner_absent_companion_operations: tuple[str, ...] = ()
    # KCL 3.5+: the absent companion whose existence alone puts KCL in its legacy
    # multi-table mode (TableMigrationStateMachineImpl: no migration state and the
    # legacy coordinator-state table exists -> INIT, not COMPLETE).
    legacy_trigger: Companion | None = None
    # `policy --migrating` (KCL 3.5+ upgraded from 3.0-3.4): per old companion, what
    # KCL does there until its migration reaches COMPLETE (KCL 3.5.0's CHANGELOG,
    # "Important - IAM permissions"). The coordinator-state table gets the leader's
    # TransactWriteItems too: a ConditionCheck on its lock item (IAM:
    # ConditionCheckItem) with Put and Delete items (PutItem, DeleteItem).
    migrating_operations: tuple[tuple[Companion, tuple[str, ...]], ...] = ()

    def plans(self, options: spec.TableOptions) -> dict[str, str]:
        """What a dry run would create, one phrase per table role, from the same facts
        as the requests: a companion has its own key and KCL's on-demand billing."""
        lease = options.describe()
        extras = []
        if self.index:
            extras.append(f"index {spec.LEASE_OWNER_INDEX} ({spec.LEASE_OWNER} HASH + "
                          f"{spec.LEASE_KEY} RANGE, {spec.INDEX_PROJECTION})")
        if self.absent_companions:
            extras.append("no " + " or ".join(f"T{c.suffix}" for c in self.absent_companions))
        if extras:
            lease += f"; KCL {self.name}: " + ", ".join(extras)
        return {ROLE_LEASE: lease, **{c.role: companion_options(options).describe(c.hash_key)
                                      for c in self.companions}}


# Newest last; a version uses the last row whose first_version it has reached.
LAYOUTS: tuple[Layout, ...] = (
    Layout(name="1.x-2.x", first_version=(1, 0)),
    Layout(
        name="3.0-3.4", first_version=(3, 0), companions=COMPANIONS, index=True,
        companion_operations=_SIX, index_operations=("Query",),
        denied_operations=("CreateTable", "UpdateTable"),
        provisioner_lease_operations=("UpdateTable",),
    ),
    Layout(
        name="3.5+", first_version=(3, 5), index=True, absent_companions=COMPANIONS,
        index_operations=("Query",), absent_companion_operations=("DescribeTable",),
        denied_operations=("CreateTable", "UpdateTable"),
        provisioner_lease_operations=("UpdateTable",),
        provisioner_absent_companion_operations=("DescribeTable",),
        legacy_trigger=COORDINATOR_STATE,
        migrating_operations=((COORDINATOR_STATE, (*_SIX, "ConditionCheckItem")),
                              (WORKER_METRIC_STATS, _SIX)),
    ),
)
DEFAULT_LAYOUT = LAYOUTS[0]

# Released versions are MAJOR[.MINOR[.PATCH]], as in amazon-kinesis-client-3.0.1.jar.
_VERSION = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,2}")


def parse_version(raw: str | None) -> tuple[int, int, int]:
    """`3`, `3.4`, `3.4.3` -> (3, 4, 3); anything else is an input error (exit 2)."""
    text = (raw or "").strip()
    if not _VERSION.fullmatch(text):
        raise InputError(_bad_version(raw, "it is not a version number"))
    major, minor, patch = (*(int(part) for part in text.split(".")), 0, 0)[:3]  # 0-padded
    if major < LAYOUTS[0].first_version[0]:
        raise InputError(_bad_version(raw, f"there is no KCL {major}.x; the first is 1.x"))
    return major, minor, patch


def layout_for(raw: str | None) -> Layout:
    """The layout a `--kcl VERSION` needs."""
    version = parse_version(raw)[:2]  # at least LAYOUTS[0].first_version
    return next(layout for layout in reversed(LAYOUTS) if version >= layout.first_version)


def _bad_version(raw: str | None, why: str) -> str:
    return (
        f"--kcl {quote(raw)} is not a Kinesis Client Library version: {why}. Give the version "
        f"of KCL inside the adapter as MAJOR[.MINOR[.PATCH]], e.g. --kcl 2, --kcl 3.0 or "
        f"--kcl 3.6.1. To find it, look in the adapter's installation for the file "
        f"amazon-kinesis-client-X.Y.Z.jar: X.Y.Z is the version. Below 3 (the default, "
        f"2), 3.0 to 3.4, and 3.5 or later need different tables."
    )


def require_migration(layout: Layout, version: str) -> None:
    """`--migrating` only means something for a KCL that has the single-table migration."""
    if layout.migrating_operations:
        return
    why = ("its policy already grants the companion tables in full" if layout.companions
           else "it has no companion tables")
    raise InputError(
        f"--migrating is for an adapter upgraded from KCL 3.0-3.4 to KCL 3.5 or later, "
        f"until KCL's own migration to the lease table reaches COMPLETE; --kcl "
        f"{quote(version)} means KCL {layout.name}, which has no such migration ({why}). "
        f"Pass the version now inside the adapter, e.g. --kcl 3.5.1 --migrating, or leave "
        f"--migrating out.")


def found_companion_warnings(table: LeaseTable, found: Iterable[str], layout: Layout,
                             version: str, unchecked: Iterable[str] = ()) -> list[str]:
    """What it means that KCL 3.5+ finds old companion tables (`found`: their names;
    `unchecked`: names whose lookup failed).

    `T-CoordinatorState` switches KCL to its legacy multi-table mode; a
    `T-WorkerMetricStats` alone is a leftover KCL no longer uses.
    """
    names = set(found)
    lease = table.table_name
    where = f" in {table.region}" if table.region else ""
    trigger = layout.legacy_trigger
    if trigger is None or not names:
        return []
    trigger_name = trigger.name(lease)
    others = [c.name(lease) for c in layout.absent_companions
              if c is not trigger and c.name(lease) in names]
    if trigger_name in names:
        also = f" ({' and '.join(others)} too)" if others else ""
        return [
            f"{trigger_name} exists{where}{also}: KCL {layout.name} finds it at start and "
            f"runs in its legacy multi-table mode (coordinator state and worker metrics in "
            f"the old companion tables, not in {lease}) until its own migration to the lease "
            f"table reaches COMPLETE. An adapter upgraded from KCL 3.0-3.4 reads and writes both "
            f"old tables until then: keep them and give it `lease-tables policy --kcl "
            f"{version} --migrating --role adapter`, since the plain KCL {layout.name} policy "
            f"would refuse those writes. If no adapter ran KCL 3.0-3.4 on {lease}, or the "
            f"migration is COMPLETE, they are leftovers: delete them by hand while the "
            f"adapters are stopped"]
    absent = (f"whether {trigger_name} exists could not be checked" if trigger_name in
              set(unchecked) else f"but {trigger_name} does not")
    return [
        f"{name} exists{where}, {absent}: KCL {layout.name} does not switch to its legacy "
        f"multi-table mode for {name} (only {trigger_name} does that) and, without "
        f"{trigger_name}, no longer uses it. Alone it is a leftover of KCL 3.0-3.4; delete "
        f"it by hand once no KCL 3.0-3.4 adapter uses it"
        for name in others]


def companion(role: str) -> Companion | None:
    """The companion table of a role, or None for a lease table."""
    return next((c for c in COMPANIONS if c.role == role), None)


def hash_key(role: str) -> str:
    """The key attribute KCL gives a table of this role."""
    found = companion(role)
    return found.hash_key if found else spec.LEASE_KEY


def lease_name(table: LeaseTable) -> str:
    """The lease table a table belongs with: itself, or the one a companion is named after."""
    found = companion(table.role)
    return table.table_name.removesuffix(found.suffix) if found else table.table_name


def family(lease_table_name: str) -> frozenset[str]:
    """Every name one adapter's KCL may give its tables, whatever its version: the lease
    table and each companion (`T`, `T-CoordinatorState`, `T-WorkerMetricStats`)."""
    return frozenset({lease_table_name, *(c.name(lease_table_name) for c in COMPANIONS)})


def near_twins(table: LeaseTable, existing: Iterable[str]) -> list[str]:
    """Existing tables an operator may have meant instead of `table` (naming's rule:
    other letter case, another host part), never one of its own adapter's family.

    A companion's twins are names with its own suffix whose lease part is a near twin
    of its lease table's: `T_OTHER.2-CoordinatorState` for `T_host.2-CoordinatorState`,
    never `T_host.2` itself.
    """
    lease, suffix = _as_lease(table)
    own = family(lease.table_name)
    candidates: dict[str, str] = {}
    twins: set[str] = set()
    for name in existing:
        if name in own or not name.lower().endswith(suffix.lower()):
            continue
        if name.lower() == table.table_name.lower():
            twins.add(name)  # its own name in other letter case, suffix included
        else:
            candidates.setdefault(name[:len(name) - len(suffix)], name)
    twins.update(candidates[n] for n in naming.near_twins(lease, candidates))
    return sorted(twins)


def twin_reasons(table: LeaseTable, twins: Iterable[str]) -> list[str]:
    """Why the adapter will not use each of `near_twins(table, ...)`, in naming's words;
    a companion's twin is judged by its lease part, as it was found."""
    lease, suffix = _as_lease(table)
    return [naming.twin_reason(lease, twin[:len(twin) - len(suffix)], shown=twin)
            for twin in twins]


def _as_lease(table: LeaseTable) -> tuple[LeaseTable, str]:
    """The lease table a table is named after (itself for a lease table), and the suffix
    its name has beyond the lease table's."""
    base = lease_name(table)
    return (dataclasses.replace(table, table_name=base, role=ROLE_LEASE),
            table.table_name[len(base):])


def table_options(table: LeaseTable, options: spec.TableOptions) -> spec.TableOptions:
    """The options one table is made with: companions are on-demand, as KCL makes
    them; deletion protection and tags as for the lease table."""
    return options if table.role == ROLE_LEASE else companion_options(options)


def companion_options(options: spec.TableOptions) -> spec.TableOptions:
    """A companion table's options: on-demand, as KCL makes it; the rest as given."""
    return dataclasses.replace(options, billing_mode=spec.BILLING_ON_DEMAND)


def create_table_request(table: LeaseTable, options: spec.TableOptions,
                         layout: Layout = DEFAULT_LAYOUT) -> CreateTableInputTypeDef:
    """The CreateTable request of one table of the layout (lease table or companion)."""
    return spec.create_table_request(
        table.table_name, table_options(table, options),
        hash_key=hash_key(table.role), index=table.role == ROLE_LEASE and layout.index)


def expand(tables: Iterable[LeaseTable], layout: Layout) -> list[LeaseTable]:
    """The lease tables and, after each, the companion tables its layout needs.

    A companion has its lease table's region, sources, origins and adapter
    facts, and its own role. Tables that are already companions pass through,
    so expanding twice changes nothing. A companion name that is another lease
    table's name, or that DynamoDB would refuse, is an input error.
    """
    out: dict[tuple[str, str], LeaseTable] = {}
    problems: list[str] = []
    for table in tables:
        _put(out, table, problems)
        if table.role != ROLE_LEASE:
            continue
        for extra in layout.companions:
            name = extra.name(table.table_name)
            if problem := table_name_problem(name):
                problems.append(
                    f"KCL {layout.name} needs a table {quote(name, limit=300)} beside the "
                    f"lease table {table.table_name}, which DynamoDB would refuse: {problem}. "
                    f"Use a shorter Application Name, or check --kcl.")
                continue
            _put(out, dataclasses.replace(
                table, table_name=name, role=extra.role, sources=list(table.sources),
                origins=list(table.origins)), problems)
    if problems:
        raise InputError(" ".join(problems))
    return list(out.values())


def _put(out: dict[tuple[str, str], LeaseTable], table: LeaseTable,
         problems: list[str]) -> None:
    earlier = out.setdefault(table.key, table)
    if earlier is not table and earlier.role != table.role:
        where = f" in {table.region}" if table.region else ""
        problems.append(
            f"The table {table.table_name}{where} would be both a {earlier.role} table and "
            f"a {table.role} table; KCL gives them different keys, so one table cannot be "
            f"both. Check the Application Names and --table names.")


def absent_names(tables: Sequence[LeaseTable], layout: Layout,
                 companions: Sequence[Companion] | None = None) -> list[LeaseTable]:
    """The companion names KCL of this layout looks up and must not find, as tables
    (for the policy's ARNs); `companions` picks some of them."""
    chosen = layout.absent_companions if companions is None else companions
    return [dataclasses.replace(t, table_name=c.name(t.table_name), role=c.role)
            for t in tables if t.role == ROLE_LEASE for c in chosen]


def require_index(layout: Layout, version: str) -> None:
    """`--add-index` only means something for a KCL whose lease table has the index."""
    if not layout.index:
        raise InputError(
            f"--add-index adds KCL 3's index LeaseOwnerToLeaseKeyIndex, but --kcl "
            f"{version.strip()!r} means KCL {layout.name}, whose lease tables have no index: "
            f"there is nothing to add. Pass the adapter's KCL version too, e.g. --kcl 3.0 "
            f"--add-index (the X.Y.Z of amazon-kinesis-client-X.Y.Z.jar in its installation).")
