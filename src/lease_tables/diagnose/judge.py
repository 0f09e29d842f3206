"""From what the log shows to causes and fixes: per adapter, its most recent start.

KCL writes "Initializing LeaseCoordinator attempt 1" when it starts; what
follows, until the next start, is that start's story. What happened before the
most recent start is kept and reported as *earlier*: it explains history but
no longer decides whether the adapter runs (the exit code). KCL's start line
does not name its application, so the most recent start of the log is the
most recent start of every adapter in it (give one adapter's log at a time
when several write to one folder).

Each cause comes with its fix, and a fix that is a command is built from the
same facts the commands use: the KCL layouts (`model.kcl`), the footprint's
options (`model.footprint`), the names (`config.naming`) and the policy's role
(`render.policy`); so it is always a command `lease-tables` accepts.

Pure: facts in, findings out; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from lease_tables.config.naming import KIND_AGENT_EVENTS, LeaseTable, near_twins
from lease_tables.core.printable import aws_text
from lease_tables.diagnose import events as ev
from lease_tables.model import footprint as fp
from lease_tables.model import kcl
from lease_tables.model.spec import LEASE_OWNER_INDEX, drift_message
from lease_tables.render.policy import ROLE_ADAPTER

PROGRAM = "lease-tables"

TABLE_MISSING = "table-missing"
NAME_MISMATCH = "name-mismatch"
INDEX_MISSING = "index-missing"
WRONG_KEY = "wrong-key"
ACCESS_DENIED = "access-denied"
STREAM_MISSING = "stream-missing"
CONSUMER_MISSING = "consumer-missing"
CREDENTIALS = "credentials"
THROTTLED = "throttled"
GAVE_UP = "gave-up"
CAUSES = (TABLE_MISSING, NAME_MISMATCH, INDEX_MISSING, WRONG_KEY, ACCESS_DENIED,
          STREAM_MISSING, CONSUMER_MISSING, CREDENTIALS, THROTTLED, GAVE_UP)

# A log that shows KCL 3 (its worker metrics, migration or lease assignment, its
# companion tables or index) but not its X.Y.Z: the fixes use KCL 3.0-3.4's layout,
# the one whose tables and index such a KCL was seen to use.
KCL3_SEEN = "3.x"
KCL3_ASSUMED = "3.0"

# Throttling that KCL's retries absorb is no cause: it is one when it broke an
# initialization attempt, or came back this often after the start.
THROTTLED_OFTEN = 10

_SELECTING = ("--conf-dir", "--table")
_ARN_PARTS = re.compile(r"arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):([0-9]*):(.*)")


@dataclass(frozen=True)
class Context:
    """What the operator gave besides the log: the selection options as typed (for
    the fixes), the tables they derive (None without a selection), and `--kcl`."""

    selection: tuple[str, ...] = ()
    derived: tuple[LeaseTable, ...] | None = None
    kcl: str | None = None


@dataclass
class Tally:
    """One fact seen again and again: how often, when first and last, one sample."""

    fact: ev.Fact
    application: str | None
    count: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    in_init: bool = False
    region: str | None = None

    def add(self, time: str | None, in_init: bool) -> None:
        self.count += 1
        self.first_seen = self.first_seen or time
        self.last_seen = time or self.last_seen
        self.in_init = self.in_init or in_init


@dataclass(frozen=True)
class Finding:
    """One cause, with its evidence and its fix (`command`: the fix as argv, when the
    fix is a `lease-tables` command)."""

    cause: str
    application: str | None
    resource: str | None
    action: str | None
    count: int
    first_seen: str | None
    last_seen: str | None
    evidence: str
    fix: str
    command: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, object]:
        return {"cause": self.cause, "application": self.application,
                "resource": self.resource, "action": self.action, "count": self.count,
                "first_seen": self.first_seen, "last_seen": self.last_seen,
                "evidence": self.evidence, "fix": self.fix,
                "command": list(self.command) if self.command else None}


@dataclass
class Window:
    """The facts between two starts."""

    tallies: dict[tuple[str, str, str, str, str | None], Tally] = field(default_factory=dict)
    init_failures: int = 0
    ready: bool = False
    start: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The judgement: current findings decide the exit code; earlier ones do not."""

    findings: tuple[Finding, ...]
    earlier: tuple[Finding, ...]
    applications: tuple[str, ...]
    streams: tuple[str, ...]
    retrieval: tuple[str, ...]
    versions: tuple[str, ...]  # KCL versions the log shows: X.Y.Z, or 3.x from KCL 3's signs
    kcl: str                 # the version the fixes use
    kcl_assumed: bool        # not given, no X.Y.Z in the log: inferred from KCL 3's signs
    starts: int
    last_start: str | None
    started: bool            # "Initialization complete" after the most recent start
    unexplained_failures: int  # failed attempts after it with no cause this tool knows
    events: int

    @property
    def ok(self) -> bool:
        return not self.findings and not self.unexplained_failures


class Judge:
    """Folds the events of a log, in the order they were written, into a verdict.

    Memory stays bounded however long the log: one tally per distinct fact.
    """

    def __init__(self) -> None:
        self.current = Window()
        self.earlier = Window()
        self.names: dict[str, Tally] = {}
        self.streams: dict[str, None] = {}
        self.retrieval: dict[str, None] = {}
        self.versions: dict[str, None] = {}
        self.kcl3 = False
        self.starts = 0
        self.events = 0

    def add(self, seen: ev.Seen) -> None:
        self.events += 1
        kinds = {f.kind for f in seen.facts}
        if ev.START in kinds:
            self.starts += 1
            _merge(self.earlier, self.current)
            self.current = Window(start=seen.time)
        window = self.current
        window.ready = window.ready or ev.READY in kinds
        in_init = bool(kinds & {ev.INIT_FAILED, ev.GAVE_UP})
        if ev.INIT_FAILED in kinds:
            window.init_failures += 1
        leases = [_lease_name(t) for t in seen.tables]
        for name in leases:
            self._name(name, seen)
        for stream in seen.streams:
            self.streams.setdefault(stream, None)
        if seen.retrieval:
            self.retrieval.setdefault(seen.retrieval, None)
        if seen.version:
            self.versions.setdefault(seen.version, None)
        self.kcl3 = self.kcl3 or seen.kcl3
        for fact in seen.facts:
            if fact.kind in (ev.START, ev.READY, ev.INIT_FAILED):
                continue
            application = _application(fact, leases)
            if application and application not in self.names:
                self._name(application, seen)
            key = (fact.kind, fact.action, fact.resource, fact.detail, application)
            tally = window.tallies.get(key)
            if tally is None:
                tally = window.tallies[key] = Tally(fact, application, region=_region(seen))
            tally.add(seen.time, in_init)

    def _name(self, name: str, seen: ev.Seen) -> None:
        tally = self.names.get(name)
        if tally is None:
            sample = next((f.sample for f in seen.facts if name in f.sample), "")
            tally = self.names[name] = Tally(ev.Fact("name", resource=name, sample=sample),
                                             name, region=_region(seen))
        tally.add(seen.time, False)

    def verdict(self, context: Context = Context()) -> Verdict:
        applications = tuple(self.names)
        version, assumed = self._version(context)
        fixer = _Fixer(context, version, assumed, self.names)
        only = applications[0] if len(applications) == 1 else None
        current = _findings(self.current, fixer, only)
        current += fixer.mismatches()
        earlier = _findings(self.earlier, fixer, only)
        explained = bool(current)
        return Verdict(
            findings=tuple(_ordered(current)), earlier=tuple(_ordered(earlier)),
            applications=applications, streams=tuple(self.streams),
            retrieval=tuple(self.retrieval),
            versions=tuple(self.versions) or ((KCL3_SEEN,) if self.kcl3 else ()),
            kcl=version, kcl_assumed=assumed, starts=self.starts,
            last_start=self.current.start, started=self.current.ready,
            unexplained_failures=0 if explained or self.current.ready
            else self.current.init_failures,
            events=self.events)

    def _version(self, context: Context) -> tuple[str, bool]:
        if context.kcl:
            return context.kcl.strip(), False
        if self.versions:
            return next(reversed(self.versions)), False
        if self.kcl3:
            return KCL3_ASSUMED, True
        return kcl.DEFAULT_VERSION, False


def _merge(into: Window, window: Window) -> None:
    for key, tally in window.tallies.items():
        kept = into.tallies.get(key)
        if kept is None:
            into.tallies[key] = tally
            continue
        kept.count += tally.count
        kept.last_seen = tally.last_seen or kept.last_seen
        kept.first_seen = kept.first_seen or tally.first_seen
        kept.in_init = kept.in_init or tally.in_init
    into.init_failures += window.init_failures


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Causes in the table's order (the gave-up last: it only says KCL stopped)."""
    return sorted(findings, key=lambda f: (CAUSES.index(f.cause), f.application or "",
                                           f.resource or "", f.action or ""))


def _lease_name(table: str) -> str:
    """The lease table (KCL's application name) a table belongs with."""
    for companion in kcl.COMPANIONS:
        if table.endswith(companion.suffix) and len(table) > len(companion.suffix):
            return table[:-len(companion.suffix)]
    return table


def _arn_name(arn: str) -> tuple[str, str]:
    """(resource type, name) of an ARN: ("table", "APP"), ("stream", "S"), ("", "")."""
    found = _ARN_PARTS.fullmatch(arn)
    if not found:
        return "", arn
    rest = found.group(5)
    kind, _, name = rest.partition("/") if "/" in rest else rest.partition(":")
    return kind, name


def _application(fact: ev.Fact, leases: Sequence[str]) -> str | None:
    kind, name = _arn_name(fact.resource)
    if kind == "table":
        return _lease_name(name.split("/")[0])
    if fact.detail == ev.TABLE and fact.resource:
        return _lease_name(fact.resource)
    return leases[0] if leases else None


def _region(seen: ev.Seen) -> str | None:
    for fact in seen.facts:
        found = _ARN_PARTS.fullmatch(fact.resource)
        if found and found.group(3):
            return found.group(3)
    return None


def _account(arn: str) -> str | None:
    found = _ARN_PARTS.fullmatch(arn)
    return found.group(4) if found and found.group(4) else None


def _findings(window: Window, fixer: _Fixer, only: str | None) -> list[Finding]:
    found: dict[tuple[str, str | None, str | None, str | None], Finding] = {}
    gave_up: list[Tally] = []
    for tally in window.tallies.values():
        if tally.application is None and only:
            tally = replace(tally, application=only)
        if tally.fact.kind == ev.GAVE_UP:
            gave_up.append(tally)
            continue
        if tally.fact.kind == ev.THROTTLED and not (tally.in_init
                                                    or tally.count >= THROTTLED_OFTEN):
            continue
        finding = fixer.finding(tally)
        key = (finding.cause, finding.application, finding.resource, finding.action)
        if key in found:  # one cause seen through several facts (e.g. two texts)
            kept = found[key]
            finding = replace(kept, count=kept.count + finding.count,
                              last_seen=finding.last_seen or kept.last_seen)
        found[key] = finding
    causes = sorted({f.cause for f in found.values()}, key=CAUSES.index)
    for tally in gave_up:
        found[(GAVE_UP, tally.application, None, None)] = fixer.gave_up(tally, causes)
    return list(found.values())


def command_text(argv: Sequence[str]) -> str:
    """A command line to copy: arguments with spaces or quotes are double-quoted (as
    both cmd.exe and PowerShell read them)."""
    return " ".join(f'"{a}"' if (not a or any(c in a for c in " \t\"'&|<>^%$;")) else a
                    for a in argv)


class _Fixer:
    """Builds each cause's fix from the selection, the KCL version and the ARNs."""

    def __init__(self, context: Context, version: str, assumed: bool,
                 names: dict[str, Tally]) -> None:
        self.context = context
        self.version = version
        self.assumed = assumed
        self.layout = kcl.layout_for(version)
        self.names = names
        self.derived = ({t.table_name: t for t in context.derived if t.role == kcl.ROLE_LEASE}
                        if context.derived is not None else None)
        self.options = {name: self._name_option(name) for name in names}

    # -------------------------------------------------------------- the selection

    def _name_option(self, name: str) -> tuple[str, str, LeaseTable | None] | None:
        """For a table KCL uses that the selection does not derive: the option (and
        value) that derives KCL's own name, and the table it was meant to be."""
        if self.derived is None or name in self.derived:
            return None
        for table in self.derived.values():
            if not near_twins(table, [name]):
                continue
            if (table.adapter_kind == KIND_AGENT_EVENTS and table.application_name
                    and table.adapter_id is not None):
                prefix = len(table.application_name) + 1
                host = name[prefix:len(name) - len(table.adapter_id) - 1]
                if host and host != table.host_name:
                    return "--host-name", host, table
            return "--table", name, table
        return "--table", name, None

    def selection(self, application: str | None, region: str | None) -> list[str]:
        """The selection options of a fix: as given, corrected to derive KCL's own name."""
        words = list(self.context.selection)
        option = self.options.get(application or "")
        if option is not None and option[0] == "--host-name":
            words = [*_without(words, "--host-name"), "--host-name", option[1]]
        elif (option is not None or not words) and application:
            words = ["--table", application]
        elif not words:
            return []
        if region and "--region" not in words:
            words += ["--region", region]
        return words

    def kcl_words(self) -> list[str]:
        if self.context.kcl or self.layout is not kcl.LAYOUTS[0]:
            return ["--kcl", self.version]
        return []

    def _command(self, verb: str, application: str | None, region: str | None,
                 *extra: str) -> tuple[str, ...]:
        return (PROGRAM, verb, *self.selection(application, region), *self.kcl_words(),
                *extra)

    def _assumed_note(self) -> str:
        if not self.assumed:
            return ""
        return (f" (--kcl {self.version}: the log shows KCL 3 but not its version; for "
                f"KCL 3.5 or later use the X.Y.Z of amazon-kinesis-client-X.Y.Z.jar in the "
                f"adapter's installation)")

    # -------------------------------------------------------------- the causes

    def finding(self, tally: Tally) -> Finding:
        fact = tally.fact
        handler = {ev.DENIED: self._denied, ev.NOT_FOUND: self._not_found,
                   ev.CREDENTIALS: self._credentials, ev.THROTTLED: self._throttled,
                   ev.WRONG_KEY: self._wrong_key, ev.INDEX_WAIT: self._index_wait}[fact.kind]
        return handler(tally)

    def _make(self, tally: Tally, cause: str, resource: str | None, action: str | None,
              fix: str, command: tuple[str, ...] | None = None) -> Finding:
        if command and not any(w in _SELECTING for w in command):
            # The log names no lease table and no selection was given: the command
            # needs the adapter's selection, which only the operator can add.
            fix = (f"{fix} `{command_text(command)}` with the adapter's selection added "
                   f"(--conf-dir FOLDER, or --table and its lease table's name): the log "
                   f"does not name the application")
            command = None
        elif command:
            fix = f"{fix} `{command_text(command)}`" if fix else command_text(command)
        note = self._assumed_note() if "--kcl" in fix else ""
        return Finding(cause, tally.application, resource or None, action or None,
                       tally.count, tally.first_seen, tally.last_seen,
                       aws_text(tally.fact.sample), fix + note, command)

    def _create(self, tally: Tally, table: str, *extra: str) -> Finding:
        command = self._command("create", tally.application, tally.region, *extra)
        what = "its companion" if _lease_name(table) != table else "its lease"
        return self._make(tally, TABLE_MISSING, table, tally.fact.action,
                          f"KCL could not find {what} table {table} and may not create it "
                          f"(dynamodb:CreateTable stays denied). Make it:", command)

    def _denied(self, tally: Tally) -> Finding:
        fact = tally.fact
        kind, name = _arn_name(fact.resource)
        service, _, operation = fact.action.partition(":")
        if service == "dynamodb" and kind == "table" and operation == "CreateTable":
            return self._create(tally, name.split("/")[0])
        if service == "dynamodb" and kind == "table" and operation == "UpdateTable":
            return self._add_index(tally, name.split("/")[0])
        if fact.action == "kinesis:RegisterStreamConsumer":
            return self._consumer(tally, name.split("/")[0])
        if fact.detail:
            return self._make(tally, ACCESS_DENIED, fact.resource, fact.action,
                              _explicit_deny(fact.detail, fact.action, fact.resource))
        extra = self._grant_options(service, operation, kind, name, fact.resource)
        account = _account(fact.resource)
        if extra is None or account is None:
            return self._make(tally, ACCESS_DENIED, fact.resource, fact.action,
                              f"The adapter's identity may not call {fact.action} on "
                              f"{fact.resource or 'this resource'}: grant it in the "
                              f"adapter's IAM policy.")
        command = (PROGRAM, "policy", "--role", ROLE_ADAPTER, "--account-id", account,
                   *self.selection(tally.application, tally.region), *extra)
        return self._make(tally, ACCESS_DENIED, fact.resource, fact.action,
                          f"The adapter's policy does not grant {fact.action}. Give it the "
                          f"policy that does:", command)

    def _grant_options(self, service: str, operation: str, kind: str, name: str,
                       arn: str) -> list[str] | None:
        """The `policy` options that grant `service:operation` on this resource."""
        if service == "dynamodb":
            version = self._version_granting(operation, name)
            return None if version is None else ["--kcl", version]
        action = f"{service}:{operation}"
        for each in fp.SERVICES:
            if action not in each.actions:
                continue
            if each is fp.SERVICE_ENHANCED_FAN_OUT:
                return [*self.kcl_words(), fp.SERVICE_STREAMS.option, name.split("/")[0],
                        each.option]
            if not each.option:
                return self.kcl_words()
            value = {fp.KIND_STREAM: name.split("/")[0],
                     fp.KIND_BUCKET: name or arn.rsplit(":", 1)[-1].split("/")[0],
                     fp.KIND_LOG_GROUP: name.split(":")[0]}.get(each.kind, arn)
            return [*self.kcl_words(), each.option, value]
        return None

    def _version_granting(self, operation: str, name: str) -> str | None:
        """The --kcl whose adapter policy grants this DynamoDB operation on this table
        (the one in use if it does)."""
        table, _, index = name.partition("/index/")
        lease = _lease_name(table)
        for version in dict.fromkeys([self.version, "3.0", "3.5"]):
            layout = kcl.layout_for(version)
            if index:
                granted = layout.index_operations
            elif table == lease:
                granted = layout.lease_operations
            else:
                granted = layout.companion_operations + layout.absent_companion_operations
            if operation in granted:
                return version
        return None

    def _add_index(self, tally: Tally, table: str) -> Finding:
        version = self.version if self.layout.index else "3.0"
        command = (PROGRAM, "create", *self.selection(tally.application, tally.region),
                   "--kcl", version, "--add-index")
        return self._make(tally, INDEX_MISSING, table, tally.fact.action or None,
                          f"KCL 3 needs the index {LEASE_OWNER_INDEX} on {table} and may not "
                          f"add it (dynamodb:UpdateTable stays denied). Add only the index:",
                          command)

    def _index_wait(self, tally: Tally) -> Finding:
        table = tally.application or ""
        finding = self._add_index(tally, table)
        waits = (f"KCL waits for the index {LEASE_OWNER_INDEX} on "
                 f"{table or 'the lease table'} to become ACTIVE. ")
        return replace(finding, fix=waits + finding.fix)

    def _consumer(self, tally: Tally, stream: str) -> Finding:
        command = self._command("create", tally.application, tally.region,
                                fp.SERVICE_STREAMS.option, stream,
                                fp.SERVICE_ENHANCED_FAN_OUT.option)
        return self._make(tally, CONSUMER_MISSING, tally.fact.resource, tally.fact.action,
                          f"KCL's enhanced fan-out consumer on the stream {stream} does not "
                          f"exist, and the adapter may not register it. Register it "
                          f"beforehand:", command)

    def _not_found(self, tally: Tally) -> Finding:
        fact = tally.fact
        if fact.detail == ev.TABLE:
            table = fact.resource or tally.application or ""
            return self._create(tally, table)
        if fact.detail == ev.CONSUMER:
            _, name = _arn_name(fact.resource)
            return self._consumer(tally, name.split("/")[0])
        command = self._command("preflight", tally.application, tally.region,
                                fp.SERVICE_STREAMS.option, fact.resource)
        return self._make(tally, STREAM_MISSING, fact.resource, None,
                          f"The Kinesis stream {fact.resource} does not exist where the "
                          f"adapter looks (its account and region). Create it, or give the "
                          f"adapter the right stream name; then prove it with the adapter's "
                          f"credentials (add --profile):", command)

    def _credentials(self, tally: Tally) -> Finding:
        return self._make(tally, CREDENTIALS, None, None, _CREDENTIAL_FIXES[tally.fact.detail])

    def _throttled(self, tally: Tally) -> Finding:
        fact = tally.fact
        if fact.action == "kinesis":
            fix = ("Kinesis refused reads past its limits (5 read calls a second per shard, "
                   "shared by every consumer of the stream): fewer consumers on the stream, "
                   "a longer idleTimeBetweenReadsInMillis, or enhanced fan-out.")
        else:
            fix = ("DynamoDB throttled KCL's lease table past its retries: raise its "
                   "capacity, or use on-demand (`lease-tables create --billing-mode "
                   "on-demand` for new tables); for LimitExceededException, the account's "
                   "table quota or concurrent table operations.")
        return self._make(tally, THROTTLED, tally.application, fact.detail, fix)

    def _wrong_key(self, tally: Tally) -> Finding:
        table = tally.fact.resource or tally.application or "the lease table"
        where = f"The table {table}"
        problem = (f"KCL's lease items are rejected for its key schema "
                   f"({tally.fact.detail})")
        command = self._command("verify", tally.application, tally.region)
        return self._make(tally, WRONG_KEY, table, None,
                          drift_message(where, problem).replace(" It was left untouched.", "")
                          + " Check it with:", command)

    def gave_up(self, tally: Tally, causes: Sequence[str]) -> Finding:
        why = (f"fix the causes above ({', '.join(causes)}), then restart the adapter"
               if causes else "the log shows no cause this tool knows before it; read the "
                              "exceptions above it")
        return self._make(tally, GAVE_UP, None, None,
                          f"KCL stopped after {tally.fact.detail} failed attempts and its "
                          f"JVM exited with status 0, so a supervisor saw success: {why}.")

    def mismatches(self) -> list[Finding]:
        findings = []
        for name, option in self.options.items():
            if option is None:
                continue
            tally = self.names[name]
            flag, value, meant = option
            command = self._command("verify", name, tally.region)
            if flag == "--host-name" and meant is not None:
                fix = (f"KCL uses {name}; the selection derives {meant.table_name}. Pass "
                       f"--host-name {value}, the host name as KCL's table has it (table "
                       f"names are case-sensitive):")
            elif meant is not None:
                fix = (f"KCL uses {name}; the selection derives {meant.table_name} (another "
                       f"spelling): name KCL's table with --table {name}:")
            else:
                fix = (f"KCL uses {name}, which the selection does not derive (the adapter "
                       f"overrides its table name, or the selection is another server's): "
                       f"name it with --table {name}:")
            findings.append(self._make(tally, NAME_MISMATCH, name, None, fix, command))
        return findings


def _without(words: list[str], option: str) -> list[str]:
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word == option:
            skip = True
            continue
        if word.startswith(option + "="):
            continue
        out.append(word)
    return out


def _explicit_deny(source: str, action: str, resource: str) -> str:
    where = f"{action} on {resource}" if resource else action
    if "service control" in source:
        return (f"An explicit deny in a service control policy of the AWS organization "
                f"refuses {where}. No policy of this account can lift it: ask the "
                f"organization's administrators to allow it for the adapter's role.")
    if "boundary" in source:
        return (f"The permissions boundary of the adapter's identity refuses {where}. "
                f"Whoever manages that boundary must allow it; granting it in the "
                f"adapter's policy alone changes nothing.")
    return (f"An explicit Deny ({source}) refuses {where}; a Deny wins over every Allow. "
            f"Remove that Deny from the adapter's policies (keep the Deny of "
            f"dynamodb:CreateTable and UpdateTable).")


_CREDENTIAL_FIXES = {
    ev.EXPIRED: "The adapter's temporary credentials expired (ExpiredToken): renew them "
                "where they come from (its role session, profile, credential process or "
                "SSO sign-in) and restart the adapter; `lease-tables preflight --profile "
                "NAME` proves the renewed ones.",
    ev.UNRECOGNISED: "AWS does not know the adapter's access key (deleted, deactivated, or "
                     "of another account or partition): give the adapter a valid key and "
                     "restart it.",
    ev.CLOCK: "The server's clock is off by more than AWS allows (signatures are valid for "
              "5 minutes): set it right (on Windows `w32tm /resync`) and restart the "
              "adapter.",
    ev.SIGNATURE: "AWS refused the request's signature: the secret key does not belong to "
                  "the access key (a copy-paste error, a rotated key). Give the adapter the "
                  "matching pair and restart it.",
    ev.NO_CREDENTIALS: "The adapter found no AWS credentials at all: give its service "
                       "account a profile, environment variables or an instance role, and "
                       "restart it.",
}
