"""Turn adapters into lease-table names, the way KCL inside each adapter will.

The adapter derives its table name at start-up; if ours differs by one
character, the adapter cannot find its table and (with CreateTable denied)
fails or never consumes. So the two rules, the host-name precedence and the
DynamoDB name check live here, pure and tested on their own.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PureWindowsPath

from lease_tables.conf import KIND_AGENT_EVENTS, KIND_CONNECT, Adapter, ConfFile
from lease_tables.errors import InputError

HOST_OPTION = "option"
HOST_UNC = "unc"
HOST_LOCAL = "local"

TABLE_OPTION_SOURCE = "--table"

NAME_MIN = 3
NAME_MAX = 255
_VALID_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")
_BAD_CHAR = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass(frozen=True)
class HostName:
    """A RIS server's host name and where it came from (shown to the operator)."""

    value: str
    source: str


@dataclass(slots=True)
class LeaseTable:
    """One lease table to exist: its name, region, and every adapter that needs it."""

    table_name: str
    region: str | None
    adapter_kind: str | None = None
    adapter_id: str | None = None
    application_name: str | None = None
    host_name: str | None = None
    host_name_source: str | None = None
    sources: list[str] = field(default_factory=list)
    # The adapters that need this table (None for a --table name). Kept as records
    # and described only when a message needs it: a big file has thousands.
    origins: list[Adapter | None] = field(default_factory=list)
    # What the table is to KCL: `lease`, or (KCL 3.0-3.4) a companion table (kcl.py).
    role: str = "lease"

    @property
    def adapters(self) -> list[str]:
        """Each source adapter in words, for messages and template comments."""
        return [f"{a.describe()} in {a.source}" if a else TABLE_OPTION_SOURCE
                for a in self.origins]

    @property
    def key(self) -> tuple[str, str]:
        return (self.table_name, self.region or "")


def connect_table_name(application_name: str) -> str:
    """Amazon Connect adapter: the Application Name itself."""
    return application_name


def agent_events_table_name(application_name: str, host_name: str, adapter_id: str) -> str:
    """Agent Event Stream adapter: `<application>_<host>.<adapter id>`."""
    return f"{application_name}_{host_name}.{adapter_id}"


def table_name_problem(name: str) -> str | None:
    """Why DynamoDB would reject this table name, or None when it is valid."""
    if _VALID_NAME.match(name):
        return None
    if len(name) < NAME_MIN:
        return f"it has {len(name)} characters; DynamoDB needs at least {NAME_MIN}"
    if len(name) > NAME_MAX:
        return f"it has {len(name)} characters; DynamoDB allows at most {NAME_MAX}"
    bad = _BAD_CHAR.search(name)
    assert bad is not None
    char = bad.group(0)
    return (
        f"it contains {char!r} (U+{ord(char):04X}) at position {bad.start() + 1}; "
        f"DynamoDB allows only A-Z a-z 0-9 _ - ."
    )


def unc_host(folder: str) -> str | None:
    """The server name of a UNC folder (`\\\\server\\share\\...` or `//server/...`)."""
    if not (folder.startswith("\\\\") or folder.startswith("//")):
        return None
    drive = PureWindowsPath(folder).drive
    parts = [p for p in re.split(r"[\\/]+", drive) if p]
    if not parts:
        parts = [p for p in re.split(r"[\\/]+", folder) if p]
    if not parts or parts[0] in {".", "?"}:
        return None
    return parts[0]


def local_host_name(raw: str | None = None) -> str:
    """This machine's host name up to its first dot, case kept."""
    name = socket.gethostname() if raw is None else raw
    return name.split(".", 1)[0]


def resolve_host(option: str | None, folder: str | None, local: str) -> HostName:
    """SPEC 4: --host-name, else the UNC server of the folder, else the local name."""
    if option:
        return HostName(option, HOST_OPTION)
    server = unc_host(folder) if folder else None
    if server:
        return HostName(server, HOST_UNC)
    return HostName(local, HOST_LOCAL)


def table_for_adapter(adapter: Adapter, host: HostName | None, region: str | None) -> LeaseTable:
    """One adapter's table, validated; an invalid name is an input error naming the adapter."""
    assert adapter.application_name is not None
    if adapter.kind == KIND_AGENT_EVENTS:
        assert host is not None and adapter.adapter_id is not None
        name = agent_events_table_name(adapter.application_name, host.value, adapter.adapter_id)
    else:
        name = connect_table_name(adapter.application_name)
    problem = table_name_problem(name)
    if problem:
        raise InputError(
            f"In {adapter.source}, the {adapter.describe()} gives the lease-table name "
            f"{name!r}, which DynamoDB would refuse: {problem}. Correct the Application Name"
            + (" or pass --host-name" if adapter.kind == KIND_AGENT_EVENTS else "")
            + ", or give the table name with --table."
        )
    host = host if adapter.kind == KIND_AGENT_EVENTS else None
    # Positional: a fleet file builds tens of thousands of these.
    return LeaseTable(name, region, adapter.kind, adapter.adapter_id, adapter.application_name,
                      host.value if host else None, host.source if host else None,
                      [adapter.source], [adapter])


def table_from_option(name: str, region: str | None) -> LeaseTable:
    """A --table name: no XML, so no kind, ID or host."""
    problem = table_name_problem(name)
    if problem:
        raise InputError(
            f"--table {name!r} is not a valid DynamoDB table name: {problem}. "
            f"Check the name you typed."
        )
    return LeaseTable(table_name=name, region=region, sources=[TABLE_OPTION_SOURCE],
                      origins=[None])


@dataclass
class Derivation:
    """The tables to exist, plus warnings worth showing the operator."""

    tables: list[LeaseTable]
    warnings: list[str]


def derive_tables(
    conf_files: Sequence[ConfFile],
    table_names: Iterable[str] = (),
    host_option: str | None = None,
    region_option: str | None = None,
    region_overrides: bool = True,
    default_region: str | None = None,
    local_host: str | None = None,
) -> Derivation:
    """Every lease table the given configuration needs, merged by (name, region).

    Two adapters that derive one name share one table, because KCL workers of
    one application share leases; inside one file that is usually a copy-paste
    slip, so it is also a warning. Region: --region beats the adapter's
    `Region` setting, which beats the AWS configuration's default; with
    `region_overrides=False` (SPEC 5's `policy`) the adapter's own setting comes
    first and --region only fills in for adapters without one.
    """
    merged: dict[tuple[str, str], LeaseTable] = {}
    warnings: list[str] = []
    problems: list[str] = []
    local = local_host
    for conf in conf_files:
        host: HostName | None = None
        if any(a.kind == KIND_AGENT_EVENTS for a in conf.adapters):
            local = local if local is not None else local_host_name()
            host = resolve_host(host_option, conf.folder, local)
        seen_here: dict[str, Adapter] = {}
        for adapter in conf.adapters:
            region = ((region_option or adapter.region) if region_overrides
                      else (adapter.region or region_option)) or default_region
            try:
                table = table_for_adapter(adapter, host, region)
            except InputError as exc:
                problems.append(str(exc))
                continue
            earlier = seen_here.get(table.table_name)
            if earlier is not None:
                warnings.append(
                    f"In {conf.path}, the {earlier.describe()} and the {adapter.describe()} "
                    f"both use the lease table {table.table_name}; they will share its "
                    f"leases. If they should read different streams, give them different "
                    f"Application Names."
                )
            seen_here.setdefault(table.table_name, adapter)
            _merge(merged, table)
    for name in table_names:
        try:
            _merge(merged, table_from_option(name, region_option or default_region))
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError(" ".join(problems))
    tables = sorted(merged.values(), key=lambda t: (t.table_name, t.region or ""))
    return Derivation(tables=tables, warnings=warnings)


def _merge(merged: dict[tuple[str, str], LeaseTable], table: LeaseTable) -> None:
    key = table.key
    existing = merged.get(key)
    if existing is None:
        merged[key] = table
        return
    # One entry per adapter (SPEC 3: both adapters are listed as the table's
    # sources), so a file that holds two sharing adapters appears twice.
    for source in table.sources:
        if source != TABLE_OPTION_SOURCE or source not in existing.sources:
            existing.sources.append(source)
    existing.origins.extend(table.origins)
    if existing.adapter_kind is None and table.adapter_kind is not None:
        # A --table name that an adapter also derives: keep the richer facts.
        table.sources = existing.sources
        table.origins = existing.origins
        merged[key] = table


def require_adapters(conf_files: Sequence[ConfFile], table_names: Sequence[str]) -> None:
    """No Amazon adapter anywhere and no --table: nothing to do is an input error."""
    if table_names or any(c.adapters for c in conf_files):
        return
    where = ", ".join(c.path for c in conf_files)
    raise InputError(
        f"No Amazon Connect or Amazon Agent Event Stream adapter was found in {where}. "
        f"Check that this is the RIS server that runs the Amazon adapters, or give the "
        f"table names with --table."
    )


def near_twins(table: LeaseTable, existing: Iterable[str]) -> list[str]:
    """Existing tables an operator may have meant: same name but for letter case,
    or (agent-events) the same application and adapter ID with another host part.

    The commonest mistake is a hand-made `..._VERINTRIS.2` where the adapter
    wants `..._verintris.2`; naming the twin turns a mystery into a rename.
    """
    wanted = table.table_name
    twins: set[str] = set()
    host_pattern: re.Pattern[str] | None = None
    if (table.adapter_kind == KIND_AGENT_EVENTS and table.application_name
            and table.adapter_id is not None):
        host_pattern = re.compile(
            re.escape(table.application_name) + r"_[^.]*\." + re.escape(table.adapter_id),
            re.IGNORECASE,
        )
    for name in existing:
        if name == wanted:
            continue
        if name.lower() == wanted.lower() or (host_pattern and host_pattern.fullmatch(name)):
            twins.add(name)
    return sorted(twins)


__all__ = [
    "HOST_LOCAL",
    "HOST_OPTION",
    "HOST_UNC",
    "KIND_AGENT_EVENTS",
    "KIND_CONNECT",
    "Derivation",
    "HostName",
    "LeaseTable",
    "agent_events_table_name",
    "connect_table_name",
    "derive_tables",
    "near_twins",
    "resolve_host",
    "table_name_problem",
    "unc_host",
]
