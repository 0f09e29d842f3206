"""Turn adapters into lease-table names, the way KCL inside each adapter will.

The adapter derives its table name at start-up; if ours differs by one
character, the adapter cannot find its table and (with CreateTable denied)
fails or never consumes. So the two rules, the host-name precedence and the
DynamoDB name check live here, pure and tested on their own.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

# KIND_AGENT_EVENTS is imported from here too (diagnose), so it is re-exported explicitly.
from lease_tables.config.ris import KIND_AGENT_EVENTS as KIND_AGENT_EVENTS
from lease_tables.config.ris import Adapter, ConfFile
from lease_tables.config.sdk_settings import home_hint
from lease_tables.core.errors import InputError
from lease_tables.core.printable import clean, quote

HOST_OPTION = "option"
HOST_UNC = "unc"
HOST_LOCAL = "local"

TABLE_OPTION_SOURCE = "--table"

NAME_MIN = 3
NAME_MAX = 255
_BAD_CHAR = re.compile(r"[^A-Za-z0-9_.\-]")  # search, not match: a final \n counts too

# An AWS region code: `us-east-1`, `eu-west-2`, `us-gov-west-1`, `cn-north-1`,
# `us-isob-east-1`, `eu-isoe-west-1`. Not a display name (`US East (N. Virginia)`),
# not `us_east_1`: either would make an ARN, a template or an endpoint for no region.
_REGION_CODE = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")


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
    # Whether an adapter that needs it is enabled: True if any is, else None if any
    # file says nothing, else False (every one disabled). None for a --table name.
    enabled: bool | None = None
    # What the table is to KCL: `lease`, or (KCL 3.0-3.4) a companion table (kcl.py).
    role: str = "lease"

    @property
    def adapters(self) -> list[str]:
        """Each source adapter in words, for messages and template comments."""
        return [f"{a.describe()} in {clean(a.source)}" if a else TABLE_OPTION_SOURCE
                for a in self.origins]

    @property
    def key(self) -> tuple[str, str]:
        return (self.table_name, self.region or "")


def agent_events_table_name(application_name: str, host_name: str, adapter_id: str) -> str:
    """Agent Event Stream adapter: `<application>_<host>.<adapter id>`."""
    return f"{application_name}_{host_name}.{adapter_id}"


def table_name_problem(name: str) -> str | None:
    """Why DynamoDB would reject this table name, or None when it is valid."""
    if len(name) < NAME_MIN:
        return f"it has {len(name)} characters; DynamoDB needs at least {NAME_MIN}"
    if len(name) > NAME_MAX:
        return f"it has {len(name)} characters; DynamoDB allows at most {NAME_MAX}"
    bad = _BAD_CHAR.search(name)
    if bad is None:
        return None
    char = bad.group(0)
    return (
        f"it contains {quote(char)} (U+{ord(char):04X}) at position {bad.start() + 1}; "
        f"DynamoDB allows only letters A-Z and a-z, digits 0-9, underscore (_), hyphen (-) "
        f"and dot (.)"
    )


def is_region_code(value: str) -> bool:
    """Whether `value` looks like an AWS region code (`us-east-1`, `us-gov-west-1`)."""
    return _REGION_CODE.fullmatch(value) is not None


REGION_EXAMPLES = "us-east-1, eu-west-2, us-gov-west-1 or cn-north-1"


def check_region_option(region: str | None) -> None:
    """A malformed --region is bad input, found before any file is read or AWS called."""
    if region is not None and not is_region_code(region):
        raise InputError(
            f"--region {quote(region)} is not an AWS region code such as {REGION_EXAMPLES}. "
            f"Pass the code (not the display name), or leave --region out to use each "
            f"adapter's Region setting and the AWS configuration's default."
        )


def region_value_problem(region: str, where: str) -> str | None:
    """A message for a region that is no region code, or None; `where` names its origin."""
    if is_region_code(region):
        return None
    return (
        f"{where} gives the region {quote(region)}, which is not an AWS region code such as "
        f"{REGION_EXAMPLES}. Correct it to the code of the region the adapter's stream "
        f"and lease table live in."
    )


def unc_server(folder: str) -> str | None:
    """The server part of a UNC folder exactly as written, or None when it is no UNC path.

    `\\\\server\\share\\...`, `//server/share/...` and the long form
    `\\\\?\\UNC\\server\\share\\...` are UNC; device paths (`\\\\.\\pipe`,
    `\\\\?\\C:\\...`) are not.
    """
    if not folder.startswith(("\\\\", "//")):
        return None
    text = folder.replace("/", "\\")
    if text[2:4] in ("?\\", ".\\"):  # \\?\ and \\.\ : device namespace
        if text[4:8].upper() != "UNC\\":
            return None
        text = "\\\\" + text[8:]  # \\?\UNC\server\... -> \\server\...
    return text[2:].split("\\", 1)[0] or None


def is_ip_address(server: str) -> bool:
    """An IPv4 address (any all-numeric spelling Windows accepts: `127.1`, `2130706433`),
    an IPv6 one, or Windows' `...ipv6-literal.net` spelling of one."""
    return (_NUMERIC.fullmatch(server) is not None or ":" in server
            or server.lower().endswith(".ipv6-literal.net"))


_NUMERIC = re.compile(r"[0-9.]+|0x[0-9a-f.x]+", re.IGNORECASE)
# Names every resolver maps to this machine's loopback address, whatever machine it is:
# no RIS server's host name (RFC 6761 reserves `localhost` and every name under it).
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "localhost6",
                            "localhost6.localdomain6", "ip6-localhost", "ip6-loopback",
                            "loopback"})


def is_loopback_name(server: str) -> bool:
    """`localhost` and its kin (any case, a trailing dot, anything under `.localhost`)."""
    name = server.strip().rstrip(".").lower()
    return name in LOOPBACK_NAMES or name.endswith(".localhost")


def is_no_host_name(server: str) -> bool:
    """An address or a loopback name: nothing an agent-events table can be named after."""
    return is_ip_address(server) or is_loopback_name(server)


def unc_host(folder: str) -> str | None:
    """The host name a UNC folder gives, up to its first dot (as the local rule cuts);
    None when the folder is no UNC path or names its server by IP address."""
    server = unc_server(folder)
    if server is None or is_no_host_name(server):
        return None
    return server.split(".", 1)[0] or None


def local_host_name(raw: str | None = None) -> str:
    """This machine's host name up to its first dot, case kept.

    The DNS host name (`socket.gethostname()`; on Windows CPython asks
    GetComputerNameEx for the physical DNS host name) is the name the adapter
    itself uses: it is a Java service, and Java's
    `InetAddress.getLocalHost().getHostName()` returns Winsock's `gethostname()`,
    the same DNS host name with its case as configured. `COMPUTERNAME` is the
    NetBIOS name, always upper case: see `computer_name_warning`.
    """
    return (socket.gethostname() if raw is None else raw).split(".", 1)[0]


def host_option_value(raw: str) -> tuple[str, str | None]:
    """--host-name as a table name uses it, and a warning when it was cut.

    The adapter names its table after its server's host name up to the first
    dot (docs/names.md's rule, applied to UNC servers and this machine's name
    alike), so a fully qualified --host-name (`verintris.corp.local`) is cut
    the same way, with a warning saying so, rather than making a table the
    adapter never looks for. An IP address is no host name at all: refused.
    """
    if not raw.strip():
        raise InputError("--host-name is empty. Give the RIS server's host name, e.g. "
                         "verintris.")
    if is_no_host_name(raw.strip()):
        what = "a loopback name" if is_loopback_name(raw) else "an IP address"
        raise InputError(
            f"--host-name {quote(raw)} is {what}, not a host name; agent-events "
            f"lease-table names need the RIS server's host name (what `hostname` prints on "
            f"it), e.g. --host-name verintris.")
    short = raw.split(".", 1)[0]
    if short == raw:
        return raw, None
    if not short.strip():
        raise InputError(f"--host-name {quote(raw)} starts with a dot. Give the RIS server's "
                         f"host name, e.g. verintris.")
    return short, (
        f"--host-name {quote(raw)} is cut at its first dot to {quote(short)}: the adapter "
        f"names its lease table after its host name up to the first dot, as for UNC servers "
        f"and this machine's name. Pass --host-name {short} to say so and drop this warning.")


def computer_name_warning(local: str, computer_name: str | None) -> str | None:
    """A warning when Windows' COMPUTERNAME differs from the host name in case only.

    Table names are case-sensitive, and an administrator who reads the name off
    System Properties or `echo %COMPUTERNAME%` (the upper-case NetBIOS name) expects
    `..._VERINTRIS.2` where the adapter (and so lease-tables) uses `..._verintris.2`.
    Names that differ otherwise (a NetBIOS name cut to 15 characters, say) are two
    different names, not a case slip, and are left alone.
    """
    if not computer_name or computer_name == local or \
            computer_name.casefold() != local.casefold():
        return None
    return (f"this machine's host name is {quote(local)}, and its COMPUTERNAME (the "
            f"upper-case NetBIOS name) is {quote(computer_name)}. Agent-events tables use the "
            f"host name as the adapter does (Java's InetAddress.getLocalHost().getHostName()"
            f", the DNS host name with its case): {quote(local)}. Table names are "
            f"case-sensitive; if the adapter's existing table uses {quote(computer_name)}, "
            f"pass --host-name {clean(computer_name)}.")


def resolve_host(option: str | None, folder: str | None, local: str) -> HostName:
    """--host-name, else the UNC server of the folder, else the local name.

    A UNC folder that names its server by IP address gives no host name, and
    falling back to this machine's name would name another server's tables: an
    input error asking for --host-name.
    """
    if option:
        return HostName(option, HOST_OPTION)
    server = unc_server(folder or "")
    if server and is_no_host_name(server):
        what = (f"the loopback name {quote(server)}, which names whatever machine reads it, "
                f"not the RIS server" if is_loopback_name(server)
                else f"the IP address {quote(server)}, which is not a host name")
        raise InputError(
            f"The configuration folder {quote(folder)} names its RIS server by "
            f"{what}; agent-events lease-table "
            f"names need the server's host name. Pass --host-name with the RIS server's "
            f"host name (what `hostname` prints on it), or name the folder by the server's "
            f"name (\\\\verintris\\e$\\...)."
        )
    host = unc_host(folder or "")
    return HostName(host, HOST_UNC) if host else HostName(local, HOST_LOCAL)


def table_for_adapter(adapter: Adapter, host: HostName | None, region: str | None) -> LeaseTable:
    """One adapter's table, validated; an invalid name is an input error naming the adapter."""
    # conf refuses adapters without these, and derive_tables resolves the host first;
    # a caller that skips either is a bug, not bad input.
    if adapter.application_name is None:
        raise ValueError(f"{adapter.describe()} has no Application Name")
    name = adapter.application_name  # an Amazon Connect adapter's table: the name itself
    if adapter.kind == KIND_AGENT_EVENTS:
        if host is None or adapter.adapter_id is None:
            raise ValueError(f"{adapter.describe()} needs a host name and an adapter ID")
        name = agent_events_table_name(name, host.value, adapter.adapter_id)
    else:
        host = None  # only an agent-events name has a host part
    problem = table_name_problem(name)
    if problem:
        raise InputError(
            f"In {quote(adapter.source)}, the {adapter.describe()} gives the lease-table name "
            f"{quote(name)}, which DynamoDB would refuse: {problem}. Correct the Application "
            f"Name" + (" or pass --host-name" if adapter.kind == KIND_AGENT_EVENTS else "")
            + ", or give the table name with --table."
        )
    # Positional: a fleet file builds tens of thousands of these.
    return LeaseTable(name, region, adapter.kind, adapter.adapter_id, adapter.application_name,
                      host.value if host else None, host.source if host else None,
                      [adapter.source], [adapter], adapter.enabled)


def table_from_option(name: str, region: str | None) -> LeaseTable:
    """A --table name: no XML, so no kind, ID or host."""
    problem = table_name_problem(name)
    if problem:
        raise InputError(
            f"--table {quote(name)} is not a valid DynamoDB table name: {problem}. "
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
    default_region: str | Callable[[], str | None] | None = None,
    local_host: str | None = None,
    computer_name: str | None = None,
) -> Derivation:
    """Every lease table the given configuration needs, merged by (name, region).

    Two adapters that derive one name share one table, because KCL workers of
    one application share leases; inside one file that is usually a copy-paste
    slip, so it is also a warning.

    Region, the same for every command: the adapter's own `Region` setting
    (where its KCL looks for the table), else --region, else the AWS
    configuration's default. --region never moves an adapter's table; when the
    two differ, a warning names both. `default_region` may be a function: it is
    called only when a table needs it (reading the AWS configuration is not free,
    and a run whose adapters carry their Region needs none).
    """
    check_region_option(region_option)
    # The AWS configuration's region, once asked for: empty while no table took it.
    default_regions: list[str | None] = []

    def fill() -> str | None:
        if not region_option and not default_regions:
            default_regions.append(default_region() if callable(default_region)
                                   else default_region)
        return region_option or default_regions[0]
    merged: dict[tuple[str, str], LeaseTable] = {}
    warnings: list[str] = []
    problems: list[str] = []
    local = local_host
    host_warning = None
    if host_option is not None:
        host_option, host_warning = host_option_value(host_option)
    # Each file with agent-events adapters: its path and its UNC server (lower case), or
    # "" when its folder does not say which server it is on.
    servers: list[tuple[str, str]] = []
    overridden: dict[str, list[str]] = {}  # adapter Region that beat --region -> tables
    for conf in conf_files:
        host: HostName | None = None
        if any(a.kind == KIND_AGENT_EVENTS for a in conf.adapters):
            local = local if local is not None else local_host_name()
            try:
                host = resolve_host(host_option, conf.folder, local)
            except InputError as exc:
                problems.append(str(exc))
                continue
            servers.append((conf.path, (unc_host(conf.folder) or "").lower()))
        seen_here: dict[str, Adapter] = {}
        for adapter in conf.adapters:
            region = adapter.region
            if region is None:
                region = fill()
            elif not is_region_code(region):
                problem = region_value_problem(
                    region, f"In {quote(adapter.source)}, the {adapter.describe()}")
                problems.append(f"{problem} Its Region setting is where its KCL looks for "
                                f"its lease table.")
                continue
            try:
                table = table_for_adapter(adapter, host, region)
            except InputError as exc:
                problems.append(str(exc))
                continue
            if region_option and region is not None and region != region_option:
                overridden.setdefault(region, []).append(table.table_name)
            earlier = seen_here.get(table.table_name)
            if earlier is not None:
                warnings.append(
                    f"In {quote(conf.path)}, the {earlier.describe()} and the "
                    f"{adapter.describe()} both use the lease table {table.table_name}; they "
                    f"will share its leases. If they should read different streams, give "
                    f"them different Application Names."
                )
            seen_here.setdefault(table.table_name, adapter)
            _merge(merged, table)
    # Without --host-name, a file on no known server takes this machine's name.
    fallbacks = [] if host_option else [path for path, server in servers if not server]
    if len(fallbacks) > 1:
        problems.insert(0, _shared_fallback_message(fallbacks, local or ""))
    by_file = dict(servers) if host_option else {}
    if len(by_file) > 1 and ("" in by_file.values() or len(set(by_file.values())) > 1):
        problems.insert(0, _shared_option_message(list(by_file), host_option or ""))
    elif by_file and host_warning:
        warnings.append(host_warning)
    for name in table_names:
        try:
            _merge(merged, table_from_option(name, fill()))
        except InputError as exc:
            problems.append(str(exc))
    if default_regions and default_regions[0]:
        problem = region_value_problem(default_regions[0], "The AWS configuration (AWS_REGION, "
                                       "AWS_DEFAULT_REGION or the profile's region)")
        if problem:
            problems.append(problem + " Or pass --region.")
    if problems:
        raise InputError(" ".join(problems))
    for region, names in sorted(overridden.items()):
        warnings.append(_region_kept_message(region, region_option or "", names))
    case_slip = computer_name_warning(local, computer_name) if fallbacks and local else None
    if case_slip:
        warnings.append(case_slip)
    return Derivation(tables=sorted(merged.values(), key=lambda t: t.key), warnings=warnings)


def _listed(paths: Sequence[str]) -> str:
    """Up to five files, quoted, and how many more."""
    more = f" (and {len(paths) - 5} more)" if len(paths) > 5 else ""
    return " and ".join(quote(p) for p in paths[:5]) + more


def _shared_fallback_message(paths: Sequence[str], local: str) -> str:
    return (
        f"The configuration files {_listed(paths)} all have agent-events adapters, and none "
        f"of their folders is a UNC path, so every one would take this machine's name "
        f"({quote(local)}) as its RIS host name: adapters of different RIS servers would "
        f"silently share lease tables. Name each folder by its UNC path "
        f"(\\\\server\\e$\\Impact360\\Software\\Conf), or run once per RIS server with "
        f"--host-name."
    )


def _shared_option_message(paths: Sequence[str], host: str) -> str:
    """One --host-name over files that are not known to be on one server: the same silent
    sharing as the fallback to this machine's name, so the same refusal."""
    return (
        f"--host-name {quote(host)} would apply to the agent-events adapters of the "
        f"configuration files {_listed(paths)}, which are not all on one RIS server (a folder "
        f"that is not a UNC path may be any server's, a mapped drive or a mount): adapters of "
        f"different RIS servers would silently share lease tables. Run once per RIS server "
        f"with that server's --host-name, or name each folder by its UNC path "
        f"(\\\\server\\e$\\Impact360\\Software\\Conf) without --host-name."
    )


def _region_kept_message(region: str, option: str, names: Sequence[str]) -> str:
    distinct = list(dict.fromkeys(names))
    shown = ", ".join(distinct[:10])
    more = f" and {len(distinct) - 10} more" if len(distinct) > 10 else ""
    noun = "table" if len(distinct) == 1 else "tables"
    return (
        f"--region {option} does not apply to the lease {noun} {shown}{more}: the adapter's "
        f"own Region setting {region} wins, because that is where its KCL looks for the "
        f"table. Correct the Region setting if {option} is right."
    )


def _merge(merged: dict[tuple[str, str], LeaseTable], table: LeaseTable) -> None:
    existing = merged.setdefault(table.key, table)
    if existing is table:
        return
    # One entry per adapter (both adapters are listed as the table's sources), so
    # a file that holds two sharing adapters appears twice.
    existing.sources += [source for source in table.sources
                         if source != TABLE_OPTION_SOURCE or source not in existing.sources]
    existing.origins.extend(table.origins)
    # Adapters are merged before any --table name (derive_tables), so `existing` is
    # the richer entry whenever one of the two came from an adapter.
    if existing.adapter_kind is not None and table.adapter_kind is not None:
        # Enabled when any adapter is; else unknown when any file says nothing.
        states = (existing.enabled, table.enabled)
        existing.enabled = True if True in states else None if None in states else False


def require_adapters(conf_files: Sequence[ConfFile], table_names: Sequence[str]) -> None:
    """No Amazon adapter anywhere and no --table: nothing to do is an input error."""
    if table_names or any(c.adapters for c in conf_files):
        return
    where = ", ".join(quote(c.path) for c in conf_files)
    raise InputError(
        f"No Amazon Connect or Amazon Agent Event Stream adapter was found in {where}. "
        f"Check that this is the RIS server that runs the Amazon adapters, or give the "
        f"table names with --table."
    )


def near_twins(table: LeaseTable, existing: Iterable[str]) -> list[str]:
    """Existing tables that are `table` spelled otherwise: its name in other letter case,
    or (agent-events) the same application and adapter ID with the same host written
    another way in the host part (`VERINTRIS` for `verintris`, the fully qualified
    `verintris.corp.local`).

    The commonest mistake is a hand-made `..._VERINTRIS.2` where the adapter
    wants `..._verintris.2`; naming the twin turns a mystery into a rename. A table of
    another server (another host name) is never a twin: it is that server's own.
    """
    wanted = table.table_name
    host = _host_part(table, wanted)
    return sorted({name for name in existing if name != wanted and (
        name.lower() == wanted.lower() or _same_host(host, _host_part(table, name)))})


def _host_part(table: LeaseTable, name: str) -> str | None:
    """The host part of `name` read as an agent-events name of `table`'s application
    and adapter ID (either in any letter case), or None when it is not one."""
    if (table.adapter_kind != KIND_AGENT_EVENTS or not table.application_name
            or table.adapter_id is None):
        return None
    pattern = re.escape(table.application_name) + r"_(.+)\." + re.escape(table.adapter_id)
    match = re.fullmatch(pattern, name, re.IGNORECASE)
    return match.group(1) if match else None


def _same_host(one: str | None, other: str | None) -> bool:
    """Two host parts (None: no agent-events name) of one machine's name, however written:
    letter case aside, up to its first dot."""
    return (one is not None and other is not None
            and one.split(".", 1)[0].casefold() == other.split(".", 1)[0].casefold())


def twin_reason(table: LeaseTable, twin: str, shown: str | None = None) -> str:
    """Why the adapter will not use `twin`, one of `near_twins(table, ...)`: the way its
    name differs from the one the adapter derives. `shown` is how to name the twin (a
    companion's full name, when `twin` is its lease part)."""
    shown = shown or twin
    host, other = _host_part(table, table.table_name), _host_part(table, twin)
    if twin.lower() != table.table_name.lower() and host is not None and other is not None:
        return (f"{shown} writes the host as {other} where the adapter's name has {host}, "
                f"and the adapter uses its host name exactly as it is")
    return f"{shown} differs only in letter case, and table names are case-sensitive"


def require_regions(tables: Sequence[LeaseTable]) -> None:
    """Commands that address real tables need each table's region."""
    without = [t.table_name for t in tables if not t.region]
    if without:
        raise InputError(
            f"No AWS region is known for {', '.join(without)}. Pass --region, add a "
            f"Region setting to the adapter in IntegrationService.xml, or set AWS_REGION "
            f"(or a region in the AWS profile).{home_hint()}"
        )


def twins_phrase(twins: Sequence[str]) -> str:
    """"a table with a near-identical name exists: X", in the right number."""
    if len(twins) == 1:
        return f"a table with a near-identical name exists: {twins[0]}"
    return f"tables with near-identical names exist: {', '.join(twins)}"




def name_from_options(kind: str, application_name: str, host_name: str | None,
                      adapter_id: str | None, computer_name: str | None,
                      local: str | None = None) -> tuple[str, list[str]]:
    """`lease-tables name`: the lease-table name of one adapter given by its options, and
    the warnings to show. `local` is this machine's host name (asked for when None) and
    `computer_name` Windows' COMPUTERNAME; both count only without --host-name."""
    warning: str | None = None
    result = application_name  # an Amazon Connect adapter's table: the name itself
    if kind == KIND_AGENT_EVENTS:
        if not adapter_id or not adapter_id.strip():
            raise InputError("--kind agent-events needs --adapter-id (the adapter's ID in "
                             "the RIS configuration, e.g. 2).")
        if host_name is not None and not host_name.strip():
            raise InputError("--host-name is empty. Give the RIS server's host name, e.g. "
                             "verintris, or leave the option out to use this machine's name.")
        if host_name is not None:
            host, warning = host_option_value(host_name)  # cut at its first dot?
        else:
            host = local_host_name(local)
            warning = computer_name_warning(host, computer_name)
        result = agent_events_table_name(application_name, host, adapter_id.strip())
    problem = table_name_problem(result)
    if problem:
        raise InputError(f"The derived name {quote(result)} is not a valid DynamoDB table "
                         f"name: {problem}. Check --application-name and --host-name.")
    return result, [warning] if warning else []
