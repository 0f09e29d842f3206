"""Read RIS's IntegrationService.xml into plain Adapter records.

All knowledge of the platform's XML vocabulary lives in this module, so a new
release that spells something differently is a change in one place. The reader
only ever *reads*: the file is signed by the platform, and anything we wrote,
renamed or locked in the configuration folder would break that signature or a
running recorder.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, NoReturn

from lxml import etree

from lease_tables.core.errors import InputError
from lease_tables.core.printable import clean, quote

CONF_FILE_NAME = "IntegrationService.xml"
SOFTWARE_DIR_VARIABLE = "IMPACT360SOFTWAREDIR"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

KIND_CONNECT = "connect"
KIND_AGENT_EVENTS = "agent-events"

# Tuples, in order of preference: with both spellings present, ApplicationName wins,
# whatever the hash seed (a frozenset here made the choice vary between runs).
_APPLICATION_NAME_KEYS = ("applicationname", "appname")
# The adapter's other AWS resources, when a release carries them (keys compared as
# ApplicationName is: case, spaces, `_` and `-` ignored). A name or an ARN either way;
# the footprint module tells them apart. No other spelling is guessed at.
_STREAM_KEYS = ("streamarn", "kinesisstreamarn", "streamname", "kinesisstreamname")
_CONNECT_INSTANCE_KEYS = ("connectinstancearn", "instancearn", "connectinstanceid",
                          "instanceid")
_FALSE_WORDS = frozenset({"false", "0", "no"})
_TRUE_WORDS = frozenset({"true", "1", "yes"})
# A type names one of our adapters only with one of these (besides `agentevent`):
# other vendors have "agent event" adapters too.
_AMAZON_WORDS = ("amazon", "aws", "kinesis", "connect")


class Adapter(NamedTuple):
    """One Amazon adapter found in a configuration file, before naming.

    Immutable, and a NamedTuple rather than a frozen dataclass because a big
    fleet file makes tens of thousands of them (a third of the cost to build).
    """

    kind: str
    type: str
    adapter_id: str | None
    application_name: str | None
    region: str | None
    source: str
    display_name: str | None = None
    line: int | None = None
    enabled: bool | None = None  # None: the file does not say
    # The adapter's Kinesis data stream and Amazon Connect instance (name, ID or ARN),
    # when the file carries them; None when it does not.
    stream: str | None = None
    connect_instance: str | None = None

    def describe(self) -> str:
        """Human words for this adapter, used in every message that points at it.

        Every part came from the file, so each is escaped and cut: a line feed in
        an `id` attribute must not start a line of its own in any output.
        """
        ident = f"ID {clean(self.adapter_id)}" if self.adapter_id else "no ID"
        named = f" {quote(self.display_name)}" if self.display_name else ""
        at = f", line {self.line}" if self.line else ""
        return f"{clean(self.type)} adapter{named} ({ident}{at})"


@dataclass(frozen=True)
class ConfFile:
    """A configuration file as found on disk, with the folder it was named by.

    The folder as the user named it (variables expanded) is kept because a UNC
    folder carries the RIS server's host name, which agent-events names need.
    """

    path: str
    folder: str
    adapters: tuple[Adapter, ...] = ()


# --------------------------------------------------------------------------- paths

_PERCENT_VAR = re.compile(r"%([A-Za-z_][A-Za-z0-9_()]*)%")
_DOLLAR_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_variables(raw: str, env: Mapping[str, str]) -> str:
    """Expand %VAR%, $VAR and ${VAR} on every platform.

    Install scripts are written for Windows (`%IMPACT360SOFTWAREDIR%\\Conf`) but
    are tested and sometimes run elsewhere, so both spellings work everywhere.
    Windows variable names are case-insensitive; we look them up that way too.
    An unset variable is an error rather than a literal, because a literal
    `%X%` folder would only produce a confusing "not found" later.
    """
    folded = {k.upper(): v for k, v in env.items()}

    def lookup(name: str) -> str:
        value = env.get(name, folded.get(name.upper()))
        if value is not None:
            return value
        raise InputError(
            f"The path {quote(raw)} uses the environment variable {clean(name)}, which is "
            f"not set. "
            f"Set it, or pass the folder itself with --conf-dir."
        )

    expanded = _PERCENT_VAR.sub(lambda m: lookup(m.group(1)), raw)
    return _DOLLAR_VAR.sub(lambda m: lookup(m.group(1) or m.group(2)), expanded)


def default_conf_dirs(env: Mapping[str, str]) -> list[str]:
    """The configuration folder RIS itself uses, when the variable is set, joined with
    the separator style the base already uses (UNC stays UNC)."""
    base = {k.upper(): v for k, v in env.items()}.get(SOFTWARE_DIR_VARIABLE)
    return [base.rstrip("\\/") + ("\\" if "\\" in base else "/") + "Conf"] if base else []


def default_conf_origin(env: Mapping[str, str]) -> str:
    """Where `default_conf_dirs` took its folder from, for messages about it."""
    base = {k.upper(): v for k, v in env.items()}.get(SOFTWARE_DIR_VARIABLE, "")
    return (f"%{SOFTWARE_DIR_VARIABLE}%\\Conf, with the environment variable "
            f"{SOFTWARE_DIR_VARIABLE} set to {quote(base)}, as no --conf-dir was given")


def locate_conf_file(expanded: str, given: str | None = None,
                     origin: str | None = None) -> Path:
    """Find IntegrationService.xml for one (already expanded) --conf-dir value.

    The value may be the folder or the file. Names are matched
    case-insensitively (`Conf` and `conf`, `integrationservice.xml`) because
    RIS installs differ and Windows does not care, while Linux test machines do.
    A folder this account may not list says so ("permission denied"), never
    that the file is missing.
    """
    # What the operator set, in messages.
    where = origin or f"--conf-dir {quote(expanded if given is None else given)}"
    path = Path(expanded)
    kind = _kind_on_disk(path, where)
    if kind is None:  # the name in another letter case (`conf` for `Conf`), if anywhere
        other = _child_named(path.parent, path.name, where)
        if other is not None:
            path, kind = other, _kind_on_disk(other, where)
    if kind == "file":
        return path
    if kind != "dir":
        raise InputError(
            f"The configuration folder {quote(expanded)} does not exist or cannot be read "
            f"(from {where}). Check the path, or that the RIS share is "
            f"reachable from this machine, and pass the folder that holds "
            f"{CONF_FILE_NAME} (usually %{SOFTWARE_DIR_VARIABLE}%\\Conf)."
        )
    found = _child_named(path, CONF_FILE_NAME, where, Path.is_file)
    if found is None:
        raise InputError(
            f"No {CONF_FILE_NAME} in {quote(path)} (from {where}). "
            f"Pass the RIS configuration folder (usually %{SOFTWARE_DIR_VARIABLE}%\\Conf) "
            f"or the file itself."
        )
    return found


def _kind_on_disk(path: Path, where: str) -> str | None:
    """"file", "dir", or None when absent; a permission failure is an input error."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if is_permission_error(exc):
            raise InputError(_permission_message(path, where, "look at")) from None
        return None
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else None


def is_permission_error(exc: OSError) -> bool:
    """Access refused (POSIX EACCES/EPERM; Windows access denied or a refused share logon)."""
    return (isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM)
            or getattr(exc, "winerror", None) in (5, 1326))


def _permission_message(path: Path, where: str, verb: str) -> str:
    return (
        f"Permission denied: this account may not {verb} {quote(path)} (from "
        f"{where}). Run lease-tables as an account that may read the RIS "
        f"configuration folder (an administrator of the RIS server, say), or copy "
        f"{CONF_FILE_NAME} somewhere readable and pass that file with --conf-dir."
    )


def _child_named(folder: Path, name: str, where: str,
                 kind: Callable[[Path], bool] | None = None) -> Path | None:
    """The entry of `folder` named `name` ignoring case (`Conf`/`conf`), of `kind` if given."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        if is_permission_error(exc):
            raise InputError(_permission_message(folder, where, "list the folder")) from None
        return None
    return next((entry for entry in entries
                 if entry.name.lower() == name.lower() and (kind is None or kind(entry))), None)


# --------------------------------------------------------------------------- XML


def _hardened_parser() -> etree.XMLParser:
    """A parser that cannot be made to read anything but the bytes it is given.

    No DTD loading, no entity expansion, no network; `huge_tree` stays off so
    libxml2's own depth and size limits apply. Documents that carry a DTD at all
    are refused after parsing (see `_refuse_dtd`), so entity tricks never reach
    the vocabulary code.
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,  # indentation between elements: nothing we read
    )
    # Defence in depth: should libxml2 ever want an external resource (some
    # option combinations, e.g. collect_ids=False, make it open a DOCTYPE's
    # SYSTEM file), this resolver refuses before any file or URL is opened.
    parser.resolvers.add(_RefuseEverything())
    return parser


class _RefuseEverything(etree.Resolver):
    """A resolver that never lets the parser open a file or URL."""

    # lxml passes a context too, which lxml-stubs 0.5's Resolver.resolve lacks: optional here.
    def resolve(self, system_url: str | None, public_id: str | None,
                context: object = None) -> NoReturn:
        raise InputError(
            f"The configuration file refers to an external resource ({quote(system_url)}); "
            f"it was refused unread. A RIS IntegrationService.xml never does this."
        )


def read_conf_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read the file whole, refusing oversize files before reading them."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{quote(path)} is {size:,} bytes, over the {max_bytes:,}-byte limit for a "
                f"configuration file. It is not an IntegrationService.xml; check the path."
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(
            f"Cannot read {quote(path)}: {clean(exc.strerror or exc)}. Check that this "
            f"account may read the RIS configuration folder."
        ) from None
    if len(data) > max_bytes:
        raise InputError(
            f"{quote(path)} grew past the {max_bytes:,}-byte limit while being read.")
    return data


def parse_adapters(data: bytes, source: str) -> list[Adapter]:
    """Parse the bytes of one IntegrationService.xml into adapters of our two kinds.

    Bytes, not text: the declaration or byte-order mark decides the encoding
    (UTF-16 from Windows tools, windows-1252 from old installers), never a guess.
    """
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(
            f"{quote(source)} is empty. Point --conf-dir at the RIS configuration folder that "
            f"holds the real {CONF_FILE_NAME}."
        )
    try:
        root = etree.fromstring(data, _hardened_parser())
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        if _mentions_doctype(data):
            raise InputError(_doctype_message(source)) from None
        raise InputError(
            f"{quote(source)} is not well-formed XML ({clean(_first_line(str(exc)))}). The "
            f"file may be "
            f"truncated or not an {CONF_FILE_NAME}; restore it from the RIS server or its "
            f"backup. Nothing was changed."
        ) from None
    _refuse_dtd(root, source)
    adapters: list[Adapter] = []
    problems: list[str] = []
    clashes: Clashes = {}
    for element, settings in _integrations(root, clashes).items():
        try:
            adapter = _adapter_from(element, source, settings, clashes.get(element, ()))
        except InputError as exc:
            problems.append(str(exc))
            continue
        if adapter is not None:
            adapters.append(adapter)
    if problems:
        raise InputError(" ".join(problems))
    return adapters


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else "unknown error"


def _doctype_message(source: str) -> str:
    return (
        f"{quote(source)} contains a DOCTYPE declaration, which a RIS {CONF_FILE_NAME} never "
        f"has; it was refused, and nothing it refers to was read, because DTDs can make a "
        f"parser fetch files or expand entities. Restore the file from the RIS server."
    )


def _mentions_doctype(data: bytes) -> bool:
    """Whether a file that failed to parse declares a DTD (for a precise message only)."""
    return (b"<!DOCTYPE" in data.upper() or "<!DOCTYPE".encode("utf-16-le") in data
            or "<!DOCTYPE".encode("utf-16-be") in data)


def _refuse_dtd(root: etree._Element, source: str) -> None:
    """Refuse any document with a DTD, internal or external.

    Entity references other than XML's five predefined ones can only exist when
    a DTD declares them (an undeclared one is a parse error), so refusing every
    DTD also refuses every entity trick, without scanning the tree for them.
    """
    docinfo = root.getroottree().docinfo
    # lxml has had DocInfo.doctype since 2.0; lxml-stubs 0.5.1 leaves it out.
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:  # type: ignore[attr-defined]
        raise InputError(_doctype_message(source))


@functools.cache
def _local_name(name: str) -> str:
    """`{namespace}Local` or `Local` -> `local`, cached: a file repeats a handful of
    names tens of thousands of times, and this is the reader's innermost loop (P4 in
    bench/README.md)."""
    return name.rpartition("}")[2].lower()


def _attributes(element: etree._Element) -> dict[str, str]:
    """Each attribute by lower-case local name, whatever its case or namespace: the plain
    spelling (`type`) wins, else the first that spells it otherwise (`Type`, `{ns}type`).
    One pass over an element's few attributes, where asking for each name would scan
    them again for every name it lacks (most adapters have no `adapterid`)."""
    found: dict[str, str] = {}
    # lxml gives str on Python 3; lxml-stubs 0.5.1 says `str | bytes`.
    for key, value in element.attrib.items():
        name = _local_name(key)
        if key == name or name not in found:
            found[name] = value  # type: ignore[assignment]
    return found


def _attr(element: etree._Element, name: str) -> str | None:
    """One attribute as `_attributes` finds it; the plain spelling asked first, in C."""
    value = element.get(name)
    return _attributes(element).get(name) if value is None else value


def normalise_type(type_text: str) -> str:
    """`Amazon Connect Adapter` and `AmazonConnectAdapter` compare equal."""
    return re.sub(r"[^a-z0-9]", "", type_text.lower())


@functools.cache
def kind_of(type_text: str) -> str | None:
    """Which of our adapter kinds a `type` attribute names, or None if not ours.

    `agent-events` takes `agentevent` and an Amazon word (`amazon`, `aws`,
    `kinesis`, `connect`); `connect` takes `amazonconnect`; anything else
    (another vendor's `XyzAgentEventAdapter`) is not ours. Cached: a fleet file
    repeats two or three types tens of thousands of times.
    """
    norm = normalise_type(type_text)
    if "agentevent" in norm and any(word in norm for word in _AMAZON_WORDS):
        return KIND_AGENT_EVENTS
    if "amazonconnect" in norm:
        return KIND_CONNECT
    return None


@functools.cache
def normalise_key(key: str) -> str:
    """`ApplicationName`, `Application Name` and `application_name` are one key (cached:
    a file repeats a few keys many times)."""
    return re.sub(r"[\s_\-]", "", key).lower()


# With --conf-dir the file is the truth: one adapter that sets a key it reads (its Application
# Name, ID, Region or Enabled) twice with different values, after the tolerant key matching,
# is ambiguous, whatever the adapter does with it.
_CLASH_KEYS = frozenset({*_APPLICATION_NAME_KEYS, "adapterid", "region", "enabled"})
Clashes = dict[etree._Element, list[tuple[str, str, str]]]  # integration -> (key, 1st, 2nd)


def _integrations(root: etree._Element, clashes: Clashes) -> dict[etree._Element, dict[str, str]]:
    """Every `Integration` element, in document order, with its own `set` settings.

    One pass over the tree: each `set` belongs to its nearest enclosing Integration
    (not to an outer one when adapters nest), and the first spelling of a key wins; a
    later one of a key we read (`_CLASH_KEYS`) with another value is noted in `clashes`
    (key as written, both values).
    """
    found: dict[etree._Element, dict[str, str]] = {}
    for node in root.iter(etree.Element):  # elements only: no comments or text
        name = _local_name(node.tag)
        if name == "integration":
            found[node] = {}
        if name != "set":  # an Integration holds nothing else we read
            continue
        # The nearest enclosing Integration: usually the parent; a nested `set`'s, walking up.
        parent = node.getparent()
        owner = parent if parent in found else next(
            (up for up in node.iterancestors() if _local_name(up.tag) == "integration"), None)
        key = None if owner is None else _attr(node, "key")
        if owner is None or key is None:
            continue
        value = _attr(node, "value")
        value = ((node.text or "") if value is None else value).strip()
        normal = normalise_key(key)
        first = found[owner].setdefault(normal, value)
        if first != value and normal in _CLASH_KEYS:
            clashes.setdefault(owner, []).append((key, first, value))
    return found


def _line(element: etree._Element) -> int | None:
    """The element's line in the file (lxml-stubs 0.5.1 leaves `sourceline` untyped)."""
    return element.sourceline  # type: ignore[return-value]


def _first(settings: Mapping[str, str], keys: Iterable[str]) -> str | None:
    """The first of `keys` set to something (not empty), in order of preference."""
    return next((settings[key] for key in keys if settings.get(key)), None)


def _enabled(attribute: str | None, settings: Mapping[str, str]) -> bool | None:
    """False when an `enabled` attribute or `Enabled` setting says false/0/no (any case);
    True when one says true/1/yes; None when the file says nothing we understand."""
    said = (attribute, settings.get("enabled"))
    words = {value.strip().lower() for value in said if value}
    if words & _FALSE_WORDS:
        return False
    return True if words & _TRUE_WORDS else None


def _adapter_from(element: etree._Element, source: str, settings: Mapping[str, str],
                  clashes: Sequence[tuple[str, str, str]] = ()) -> Adapter | None:
    attributes = _attributes(element)
    type_text = attributes.get("type", "").strip()
    kind = kind_of(type_text)
    if kind is None:
        return None
    adapter_id = (attributes.get("id", "").strip() or attributes.get("adapterid", "").strip()
                  or settings.get("adapterid") or None)
    adapter = Adapter(kind, type_text, adapter_id, _first(settings, _APPLICATION_NAME_KEYS),
                      settings.get("region") or None, source,
                      attributes.get("name", "").strip() or None, _line(element),
                      _enabled(attributes.get("enabled"), settings), _first(settings, _STREAM_KEYS),
                      _first(settings, _CONNECT_INSTANCE_KEYS))
    # Two different values for one setting we read (two Regions, two spellings of
    # ApplicationName) is bad input. Identical repeats are harmless and pass; so is AppName
    # beside ApplicationName, which is an alias that ApplicationName beats by rule.
    found = [f"{clean(key)} twice, to {quote(first)} and to {quote(second)}"
             for key, first, second in clashes]
    if found:
        raise InputError(
            f"In {quote(source)}, the {adapter.describe()} sets " + "; and ".join(found)
            + ". Which one its adapter uses is not certain, so its lease table cannot be "
            "derived. Keep one <set> of each key (in the RIS configuration tool) and rerun.")
    missing = []
    if adapter.application_name is None:
        missing.append('an Application Name (a <set key="ApplicationName" value="..."/>)')
    if kind == KIND_AGENT_EVENTS and adapter.adapter_id is None:
        missing.append('an adapter ID (an id="..." attribute)')
    if missing:
        raise InputError(
            f"In {quote(source)}, the {adapter.describe()} lacks "
            + " and ".join(missing)
            + ". Its lease-table name cannot be derived. Complete the adapter in the RIS "
            "configuration tool, or give the table name with --table."
        )
    return adapter


def read_confs(givens: Sequence[str], env: Mapping[str, str] | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES,
               origin: str | None = None) -> list[ConfFile]:
    """Read every --conf-dir value, each file once.

    Two spellings of one folder (a trailing slash, `Conf` and `conf` on a
    case-insensitive file system, the folder and the file itself, a symbolic
    link) name one file; reading it twice would list every adapter twice and
    report each table as shared. The first spelling is kept (it decides the
    host name when it is a UNC path). `origin` says where the folders came from
    when no --conf-dir named them (see `default_conf_origin`).
    """
    env = os.environ if env is None else env
    confs: dict[object, ConfFile] = {}  # by the file's identity
    for given in givens:
        expanded = expand_variables(given, env)
        path = locate_conf_file(expanded, given, origin)
        identity = _file_identity(path)
        if identity not in confs:
            adapters = parse_adapters(read_conf_bytes(path, max_bytes), str(path))
            confs[identity] = ConfFile(path=str(path.absolute()), folder=expanded,
                                       adapters=tuple(adapters))
    return list(confs.values())


def _file_identity(path: Path) -> object:
    """What makes two paths one file: device and inode (what os.path.samefile compares),
    else, where the file system gives no inode (some network shares), the resolved path."""
    try:
        info = path.stat()
        if info.st_ino:
            return (info.st_dev, info.st_ino)
    except OSError:
        pass
    return os.path.normcase(str(path.resolve()))
