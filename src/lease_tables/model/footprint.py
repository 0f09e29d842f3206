"""The adapter's whole AWS footprint, as one table of data, and the resources it names.

The vendor's permission page lists nine services; the lease tables are one.
Every other one is a row of `SERVICES`: which of the adapter's resources it
applies to, the actions each role needs on each IAM resource type (the type IAM
itself defines for the action: tests/test_footprint.py holds every row against
IAM's definition data), which of those `preflight` can prove with a call that
writes nothing and which it never tries, and what `template` declares. `policy`,
`template`, `create`, `verify` and `preflight` read the rows, so a new service
is a row here, not a branch in each command (the `kcl.LAYOUTS` habit).

The second half turns the options (and the values an adapter's
IntegrationService.xml carries) into `Resource` records, each with its ARN in
the right partition, region and account and with where it came from.

Pure: no AWS calls, no printing, never imports boto3/botocore.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace

from lease_tables.config.naming import REGION_EXAMPLES, LeaseTable, is_region_code
from lease_tables.core.errors import InputError
from lease_tables.core.printable import clean, quote
from lease_tables.model.consumers import Consumer

# ------------------------------------------------------------------ partitions

# Region prefix -> partition; the most specific prefix first.
_PARTITIONS: tuple[tuple[str, str], ...] = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
)


def partition(region: str) -> str:
    """The ARN partition of a region: `aws`, or `aws-cn`, `aws-us-gov`, the ISO ones."""
    return next((name for prefix, name in _PARTITIONS if region.startswith(prefix)), "aws")


# ------------------------------------------------------------------ resource kinds

KIND_STREAM = "stream"
KIND_BUCKET = "bucket"
KIND_KMS_KEY = "kms-key"
KIND_VIDEO_STREAM = "video-stream"
KIND_CONNECT_INSTANCE = "connect-instance"
KIND_LOG_GROUP = "log-group"
# KCL's CloudWatch namespace: the application name, i.e. each lease table's name.
KIND_METRICS_NAMESPACE = "metrics-namespace"

# Where a resource came from (like `host_name_source`): an option, or the file.
SOURCE_OPTION = "option"
SOURCE_FILE = "file"
SOURCE_TABLE = "table"  # derived from the lease tables (the metrics namespace)

FORMAT_CLOUDFORMATION = "cloudformation"
FORMAT_TERRAFORM = "terraform"


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Grant:
    """Actions on one IAM resource type, as one policy statement.

    `resource_type` is IAM's own name for the type (`stream`, `consumer`, `object`
    ...; "" for an action with no resource-level permissions, which IAM accepts
    only on "*"). The statement's resources are each resource's ARN plus `suffix`
    (`/consumer/*`, `/*`, `/contact/*`). With a `condition_key` the resource is
    "*" and the resources' names become that key's `StringEquals` values.
    """

    sid: str
    resource_type: str
    actions: tuple[str, ...]      # full IAM names: `kinesis:GetRecords`
    suffix: str = ""
    condition_key: str | None = None


@dataclass(frozen=True)
class Service:
    """One row of the adapter's footprint.

    `kind` is the kind of `Resource` the row applies to; `option` the CLI option
    that brings it in ("" when every whole-footprint policy has it). `not_tried`
    maps each action `preflight` never tries to why (it would write, or take over the
    running adapter's subscription); it proves every other (`tried`) by a call that
    writes nothing. `templates` names what `template` declares
    for it per format (nothing, for resources the adapter only uses). `inferred`
    says what of the row is ours rather than the vendor's (the provisioner's
    consumer registration, a name KCL derives).
    """

    name: str
    title: str
    option: str
    kind: str
    adapter: tuple[Grant, ...]
    provisioner: tuple[Grant, ...] = ()
    not_tried: tuple[tuple[str, str], ...] = ()
    templates: tuple[tuple[str, str], ...] = ()
    inferred: str = ""

    @property
    def actions(self) -> tuple[str, ...]:
        """Every adapter action of the row, in table order."""
        return tuple(a for grant in self.adapter for a in grant.actions)

    @property
    def tried(self) -> tuple[str, ...]:
        """The adapter actions `preflight` proves: every one it does not name as never tried."""
        never = dict(self.not_tried)
        return tuple(a for a in self.actions if a not in never)


_WRITES = "it would write"
_SUBSCRIPTION = "it would take over the running adapter's subscription"
_NEEDS_LIVE_MEDIA = "it needs a live media stream, which only a call in progress has"

SERVICE_STREAMS = Service(
    name="kinesis", title="Kinesis data streams (CTR, agent events)", option="--stream",
    kind=KIND_STREAM,
    adapter=(Grant("KinesisStreamRead", "stream", (
        "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
        "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:PutRecord")),),
    not_tried=(("kinesis:PutRecord", _WRITES),
               ("kinesis:DescribeStream", "KCL 2.6 and later never call it; the vendor "
                                          "lists it")),
)
SERVICE_ENHANCED_FAN_OUT = Service(
    name="kinesis-efo", title="Enhanced fan-out (KCL's default retrieval)",
    option="--enhanced-fan-out", kind=KIND_STREAM,
    adapter=(Grant("KinesisStreamConsumers", "consumer", (
        "kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"),
        suffix="/consumer/*"),),
    # `create --enhanced-fan-out` resolves the stream (its ARN, that it exists),
    # describes the consumer, and registers it only when absent.
    provisioner=(
        Grant("RegisterStreamConsumers", "stream", (
            "kinesis:DescribeStreamSummary", "kinesis:RegisterStreamConsumer")),
        Grant("DescribeStreamConsumers", "consumer", ("kinesis:DescribeStreamConsumer",),
              suffix="/consumer/*"),
    ),
    not_tried=(("kinesis:SubscribeToShard", _SUBSCRIPTION),),
    templates=((FORMAT_CLOUDFORMATION, "AWS::Kinesis::StreamConsumer"),
               (FORMAT_TERRAFORM, "aws_kinesis_stream_consumer")),
    inferred="the consumer's name: KCL names it after its application name, the "
             "lease-table name; the provisioner's rows are not the vendor's",
)
SERVICE_BUCKETS = Service(
    name="s3", title="S3 (the recordings bucket)", option="--bucket", kind=KIND_BUCKET,
    adapter=(Grant("S3ListRecordingBuckets", "bucket", ("s3:ListBucket",)),
             Grant("S3GetRecordings", "object", ("s3:GetObject",), suffix="/*")),
)
SERVICE_KMS_KEYS = Service(
    name="kms", title="KMS (the recordings' keys)", option="--kms-key", kind=KIND_KMS_KEY,
    adapter=(Grant("KmsRecordingKeys", "key", (
        "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")),),
)
SERVICE_VIDEO_STREAMS = Service(
    name="kinesisvideo", title="Kinesis Video Streams (live media)",
    option="--video-stream", kind=KIND_VIDEO_STREAM,
    adapter=(Grant("KinesisVideoLiveMedia", "stream", (
        "kinesisvideo:GetDataEndpoint", "kinesisvideo:GetMedia",
        "kinesisvideo:PutMedia")),),
    not_tried=(("kinesisvideo:GetMedia", _NEEDS_LIVE_MEDIA),
               ("kinesisvideo:PutMedia", _WRITES)),
    inferred="a prefix becomes stream/PREFIX*/* (Amazon Connect names its live-media "
             "streams from the instance's prefix, and a stream's ARN ends in its "
             "creation time)",
)
SERVICE_CONNECT = Service(
    name="connect", title="Amazon Connect (the instance, its agents and contacts)",
    option="--connect-instance", kind=KIND_CONNECT_INSTANCE,
    adapter=(
        Grant("ConnectInstance", "instance", (
            "connect:ListInstanceAttributes", "connect:ListInstanceStorageConfigs")),
        Grant("ConnectAgents", "user", ("connect:DescribeUser",), suffix="/agent/*"),
        Grant("ConnectContacts", "contact", (
            "connect:DescribeContact", "connect:GetContactAttributes",
            "connect:ResumeContactRecording", "connect:SuspendContactRecording"),
            suffix="/contact/*"),
    ),
    not_tried=(("connect:SuspendContactRecording", _WRITES),
               ("connect:ResumeContactRecording", _WRITES)),
)
SERVICE_LOGS = Service(
    name="logs", title="CloudWatch Logs (optional)", option="--cloudwatch-logs",
    kind=KIND_LOG_GROUP,
    adapter=(Grant("CloudWatchLogGroup", "log-group", ("logs:CreateLogGroup",)),
             Grant("CloudWatchLogStreams", "log-stream", (
                 "logs:CreateLogStream", "logs:PutLogEvents"), suffix=":log-stream:*")),
    not_tried=(("logs:CreateLogGroup", _WRITES), ("logs:CreateLogStream", _WRITES),
               ("logs:PutLogEvents", _WRITES)),
    inferred="without a GROUP, every log group of the account in the region "
             "(log-group:*)",
)
SERVICE_METRICS = Service(
    name="cloudwatch", title="CloudWatch metrics (KCL's)", option="",
    kind=KIND_METRICS_NAMESPACE,
    adapter=(Grant("CloudWatchKclMetrics", "", ("cloudwatch:PutMetricData",),
                   condition_key="cloudwatch:namespace"),),
    not_tried=(("cloudwatch:PutMetricData", _WRITES),),
    inferred="the namespace: KCL publishes under its application name, the "
             "lease-table name",
)

# In policy order. The lease tables themselves are `kcl.LAYOUTS`' business.
SERVICES: tuple[Service, ...] = (
    SERVICE_STREAMS, SERVICE_ENHANCED_FAN_OUT, SERVICE_BUCKETS, SERVICE_KMS_KEYS,
    SERVICE_VIDEO_STREAMS, SERVICE_CONNECT, SERVICE_LOGS, SERVICE_METRICS,
)


# ------------------------------------------------------------------ the selection


@dataclass(frozen=True)
class FootprintOptions:
    """The footprint options as typed, before any ARN is built.

    `cloudwatch_logs` is None when `--cloudwatch-logs` was not given, "" when it
    was given without a GROUP.
    """

    streams: tuple[str, ...] = ()
    enhanced_fan_out: bool = False
    buckets: tuple[str, ...] = ()
    kms_keys: tuple[str, ...] = ()
    video_streams: tuple[str, ...] = ()
    connect_instances: tuple[str, ...] = ()
    cloudwatch_logs: str | None = None

    @property
    def given(self) -> bool:
        """Whether any footprint option was given (the file's values do not count)."""
        return self != FootprintOptions()


@dataclass(frozen=True)
class Resource:
    """One of the adapter's AWS resources, with its ARN and where it came from.

    `arn` is the resource's own ARN (for a video-stream prefix, the pattern
    `stream/PREFIX*/*`); `name` the stream, bucket or log-group name, the key or
    instance ID, the prefix, or the namespace. `source` is `option`, `file` or
    `table`; `sources` the files (or `--option` words) that named it; `tables`
    the lease tables it belongs to (a stream from an adapter's file belongs to
    that adapter's tables; one from an option to every lease table).
    """

    kind: str
    name: str
    arn: str
    region: str | None
    source: str
    sources: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Footprint:
    """The adapter's resources beyond its lease tables, ready for policy and template."""

    resources: tuple[Resource, ...] = ()
    enhanced_fan_out: bool = False
    cloudwatch_logs: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)
    # With no footprint option: what the adapters' files carry, unused (for the note).
    found: tuple[Resource, ...] = ()

    def of(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r.kind == kind]

    @property
    def empty(self) -> bool:
        """Nothing beyond the lease tables: the policy stays the lease-table policy.

        `resolve` adds KCL's metrics namespaces only beside another resource, and
        `--enhanced-fan-out` (its streams) and `--cloudwatch-logs` (a group, or every
        one) each bring one, so no resource at all is the one sign.
        """
        return not self.resources

    def services(self) -> list[Service]:
        """The rows that apply, in table order."""
        return [s for s in SERVICES if self.of(s.kind)
                and (s is not SERVICE_ENHANCED_FAN_OUT or self.enhanced_fan_out)
                and (s is not SERVICE_LOGS or self.cloudwatch_logs)]


# ------------------------------------------------------------------ ARNs and names

_ACCOUNT = r"[0-9]{12}"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}"
_PARTITION = r"aws(?:-[a-z]+(?:-[a-z])?)?"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _arn(service_name: str, resource: str) -> re.Pattern[str]:
    return re.compile(rf"arn:(?P<partition>{_PARTITION}):{service_name}:(?P<region>{_REGION})"
                      rf":(?P<account>{_ACCOUNT}):{resource}")


@dataclass(frozen=True)
class _Rule:
    """How one option's value (a name or an ARN) becomes a Resource."""

    option: str
    arn: re.Pattern[str]
    name: re.Pattern[str]
    what: str                      # words for messages: "a Kinesis stream name"
    example: str
    name_arn: str                  # the ARN of a name: {part}, {region}, {account}, {name}
    metavar: str = "NAME"          # how the option's value is named in messages


_RULES = {
    KIND_STREAM: _Rule(
        "--stream", _arn("kinesis", r"stream/(?P<name>[A-Za-z0-9_.\-]{1,128})"),
        re.compile(r"[A-Za-z0-9_.\-]{1,128}"),
        "a Kinesis data stream name (1-128 of A-Z a-z 0-9 _ . -) or ARN",
        "arn:aws:kinesis:us-east-1:123456789012:stream/ctr-stream",
        "arn:{part}:kinesis:{region}:{account}:stream/{name}"),
    KIND_BUCKET: _Rule(
        "--bucket", re.compile(rf"arn:(?P<partition>{_PARTITION}):s3:::(?P<name>[^/*]+)"),
        re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]"),
        "an S3 bucket name (3-63 of a-z 0-9 . -)", "recordings-bucket",
        "arn:{part}:s3:::{name}"),
    KIND_KMS_KEY: _Rule(
        "--kms-key", _arn("kms", r"key/(?P<name>[A-Za-z0-9\-]+)"),
        re.compile(rf"(?:mrk-[0-9a-f]{{32}}|{_UUID})"),
        "a KMS key ARN or key ID (an alias will not do: IAM authorises Decrypt on the key "
        "itself)", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:{part}:kms:{region}:{account}:key/{name}", "ARN"),
    KIND_VIDEO_STREAM: _Rule(
        "--video-stream",
        _arn("kinesisvideo", r"stream/(?P<name>[A-Za-z0-9_.\-]{1,256})/(?:[0-9]{1,20}|\*)"),
        re.compile(r"[A-Za-z0-9_.\-]{1,256}"),
        "a Kinesis Video stream-name prefix (as the Connect instance's live-media settings "
        "show it) or a stream ARN", "connect-live-media",
        "arn:{part}:kinesisvideo:{region}:{account}:stream/{name}*/*", "PREFIX"),
    KIND_CONNECT_INSTANCE: _Rule(
        "--connect-instance", _arn("connect", r"instance/(?P<name>[0-9a-f\-]{36})"),
        re.compile(_UUID), "an Amazon Connect instance ID (a UUID) or ARN",
        "arn:aws:connect:us-east-1:123456789012:instance/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "arn:{part}:connect:{region}:{account}:instance/{name}", "ID"),
    KIND_LOG_GROUP: _Rule(
        "--cloudwatch-logs", _arn("logs", r"log-group:(?P<name>[A-Za-z0-9_./#\-]{1,512})(?::\*)?"),
        re.compile(r"[A-Za-z0-9_./#\-]{1,512}"),
        "a CloudWatch Logs group name or ARN", "/ris/amazon-adapters",
        "arn:{part}:logs:{region}:{account}:log-group:{name}", "[GROUP]"),
}
# The kinds an adapter's IntegrationService.xml names (its StreamName, its instance).
_FILED = (KIND_STREAM, KIND_CONNECT_INSTANCE)


def _from_name(kind: str, name: str, region: str, account: str) -> str:
    """The ARN IAM authorises the resource by, built from its name."""
    return _RULES[kind].name_arn.format(part=partition(region), region=region,
                                        account=account, name=name)


def parse_resource(kind: str, raw: str, region: str | None, account: str, source: str,
                   where: str, tables: Sequence[str] = (),
                   fix: str = "Correct the value.") -> Resource:
    """One value (a name or an ARN) as a Resource; bad input is an InputError naming
    `where` (the option, or the file and adapter).

    An ARN is taken as it stands (its own partition, region and account: a stream
    in another account is allowed), after checking that the partition fits the
    region. A name needs a region; the caller finds it.
    """
    rule = _RULES[kind]
    value = raw.strip()
    found = rule.arn.fullmatch(value)
    if found:
        arn_region = found.groupdict().get("region")
        if arn_region and partition(arn_region) != found["partition"]:
            raise InputError(
                f"{where} {quote(raw)}: the region {arn_region} is in the partition "
                f"{partition(arn_region)}, not {found['partition']}. Correct the ARN.")
        # Only a log group's ARN can end in `:*` (its streams); the group's own has not.
        return Resource(kind, found["name"], value.removesuffix(":*"), arn_region or region,
                        source, (where,), tuple(tables))
    if value.startswith("arn:") or not rule.name.fullmatch(value):
        raise InputError(
            f"{where} {quote(raw)} is not {rule.what}, e.g. {rule.example}. {fix}")
    if region is None:  # the caller resolves one first; a bug, not bad input
        raise ValueError(f"no region for {where} {value}")
    return Resource(kind, value, _from_name(kind, value, region, account), region, source,
                    (where,), tuple(tables))


def _regions(tables: Sequence[LeaseTable]) -> list[str]:
    return sorted({t.region for t in tables if t.region})


def _require_region(region: str | None, option: str, raw: str,
                    tables: Sequence[LeaseTable]) -> str:
    if region is not None and is_region_code(region):
        return region
    raise InputError(
        f"{option} {quote(raw)} is a name, and the lease tables are in several regions "
        f"({', '.join(_regions(tables)) or 'none'}), so its region is unknown. Give its ARN, "
        f"or --region, or run once per region (e.g. one --conf-dir per run). Region codes "
        f"look like {REGION_EXAMPLES}.")


def _dedupe(resources: Iterable[Resource]) -> list[Resource]:
    """One record per (kind, ARN), keeping the first source and joining the rest."""
    out: dict[tuple[str, str], Resource] = {}
    for r in resources:
        earlier = out.setdefault((r.kind, r.arn), r)
        if earlier is not r:
            out[(r.kind, r.arn)] = replace(
                earlier, sources=tuple(dict.fromkeys(earlier.sources + r.sources)),
                tables=tuple(dict.fromkeys(earlier.tables + r.tables)))
    return list(out.values())


def _lease_tables(tables: Sequence[LeaseTable]) -> list[LeaseTable]:
    return [t for t in tables if t.role == "lease"]


def _from_options(kind: str, values: Iterable[str], tables: Sequence[LeaseTable],
                  account: str, region: str | None) -> list[Resource]:
    rule = _RULES[kind]
    if kind == KIND_BUCKET and not region:
        # A bucket's ARN has no region, only the partition: any table's will do when
        # they are all in one partition.
        regions = _regions(tables)
        region = regions[0] if len({partition(r) for r in regions}) == 1 else None
    names = tuple(t.table_name for t in _lease_tables(tables))
    return [parse_resource(kind, raw, region if rule.arn.fullmatch(raw.strip())
                           else _require_region(region, rule.option, raw, tables),
                           account, SOURCE_OPTION, rule.option, names)
            for raw in values]


def _from_files(kind: str, tables: Sequence[LeaseTable], account: str) -> list[Resource]:
    """The value each adapter's file carries for `kind` (its stream, its Connect
    instance), in that adapter's table's region, belonging to that table."""
    out = []
    for table in _lease_tables(tables):
        for adapter in filter(None, table.origins):
            raw = adapter.stream if kind == KIND_STREAM else adapter.connect_instance
            if not raw:
                continue
            where = f"In {quote(adapter.source)}, the {adapter.describe()} setting"
            region = adapter.region or table.region
            if not _RULES[kind].arn.fullmatch(raw.strip()) and not region:
                raise InputError(f"{where} {quote(raw)} is a name with no region: pass "
                                 f"--region, or give its ARN.")
            resource = parse_resource(
                kind, raw, region, account, SOURCE_FILE, where, (table.table_name,),
                fix=f"Correct the setting in the RIS configuration tool, or pass "
                    f"{_RULES[kind].option} (which wins over the file).")
            out.append(replace(resource, sources=(adapter.source,)))
    return out


def resolve(options: FootprintOptions, tables: Sequence[LeaseTable], account_id: str,
            region_option: str | None = None, *, from_files: bool = True,
            lease_tables_only: bool = False) -> Footprint:
    """The footprint of the selection: what the adapters' files name (their streams
    and Connect instances), and what the options add.

    What the files name is in scope by default, exactly as if given with the
    option: an adapter whose policy lacks its stream cannot even list its shards.
    An option wins over the file: with `--stream` given, no file's stream is used
    (a note says which were set aside), likewise `--connect-instance`. With
    neither files nor options naming anything, the footprint is empty and the
    policy is the lease-table policy. `lease_tables_only` asks for exactly that
    (`policy --lease-tables-only`): the files' values are then kept only for the
    note that names them (`Footprint.found`). A whole-footprint policy also
    carries KCL's metrics namespace for each lease table. `account_id` is already
    valid.
    """
    if lease_tables_only:
        # Only for the note: a value the footprint would refuse must not break the
        # lease-table policy, which never uses it.
        found: list[Resource] = []
        for kind in _FILED if from_files else ():
            with suppress(InputError):
                found += _from_files(kind, tables, account_id)
        return Footprint(found=tuple(_dedupe(found)))
    # A name given by an option is in the lease tables' region when they all share one,
    # else in --region; with neither, a name is refused and an ARN asked for.
    regions = _regions(tables)
    region = regions[0] if len(regions) == 1 else region_option
    logs = options.cloudwatch_logs
    resources: list[Resource] = []
    notes: list[str] = []
    for kind, values in ((KIND_STREAM, options.streams),
                         (KIND_CONNECT_INSTANCE, options.connect_instances),
                         (KIND_BUCKET, options.buckets), (KIND_KMS_KEY, options.kms_keys),
                         (KIND_VIDEO_STREAM, options.video_streams),
                         (KIND_LOG_GROUP, (logs,) if logs and logs.strip() else ())):
        filed = _from_files(kind, tables, account_id) if from_files and kind in _FILED else []
        if values:
            resources += _from_options(kind, values, tables, account_id, region)
            if filed:
                notes.append(
                    f"{_RULES[kind].option} wins over the file: set aside "
                    + ", ".join(f"{clean(r.name)} (from {clean(r.sources[0])})"
                                for r in filed) + ".")
        else:
            resources += filed
    if logs is not None and not logs.strip():  # every log group of the account's region
        logs_region = _require_region(region, "--cloudwatch-logs", "", tables)
        resources.append(Resource(
            KIND_LOG_GROUP, "*", _from_name(KIND_LOG_GROUP, "*", logs_region, account_id),
            logs_region, SOURCE_OPTION, ("--cloudwatch-logs",)))
    if options.enhanced_fan_out and not any(r.kind == KIND_STREAM for r in resources):
        raise InputError(
            "--enhanced-fan-out needs the adapter's streams: add --stream NAME (the Kinesis "
            "data stream the adapter reads; repeatable), or a StreamName setting in the "
            "adapter's IntegrationService.xml.")
    require_own_partitions(resources, tables)
    if resources:
        resources += [Resource(KIND_METRICS_NAMESPACE, t.table_name, t.table_name, t.region,
                               SOURCE_TABLE, tuple(t.sources), (t.table_name,))
                      for t in _lease_tables(tables)]
    return Footprint(tuple(_dedupe(resources)), options.enhanced_fan_out,
                     logs is not None, tuple(notes))


def consumer_name_problem(name: str) -> str | None:
    """Why Kinesis would refuse `name` (a lease table's) as a stream consumer's name, or
    None. KCL names its enhanced fan-out consumer after its application, the lease
    table's name; DynamoDB allows 255 characters where Kinesis allows 128, so a table
    could be made whose consumer never can."""
    if _RULES[KIND_STREAM].name.fullmatch(name):  # Kinesis names consumers as it does streams
        return None
    why = (f"{len(name)} characters, and Kinesis allows at most 128" if len(name) > 128
           else "characters Kinesis does not allow (only letters, digits, _ . and -)")
    return (f"The lease table {quote(name)} names its enhanced fan-out consumer (KCL uses "
            f"the application name for both), and that name has {why}: "
            f"RegisterStreamConsumer would refuse it, so the adapter could not start with "
            f"enhanced fan-out. Shorten the adapter's Application Name in the RIS "
            f"configuration tool, or run without --enhanced-fan-out. Nothing was created.")


def arn_partition(arn: str) -> str | None:
    """The partition an ARN names (`arn:aws-cn:...` gives `aws-cn`), or None for no ARN."""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "arn" else None


def require_own_partitions(resources: Iterable[Resource], tables: Sequence[LeaseTable]) -> None:
    """Refuse a resource in another partition than a lease table it belongs to.

    Partitions (aws, aws-cn, aws-us-gov, ...) share no accounts, identities or policies:
    an adapter whose table is in us-east-1 can never read a stream of cn-north-1, so
    such a value is a mistake, found before anything is created.
    """
    for resource in resources:
        own = arn_partition(resource.arn)
        for name in resource.tables if own is not None else ():
            for region in _regions([t for t in tables if t.table_name == name]):
                if partition(region) != own:
                    raise InputError(
                        f"{resource.sources[0] if resource.sources else resource.kind} "
                        f"{quote(resource.arn)} is in the partition {own}, and the lease "
                        f"table {quote(name)} it belongs to is in {region}, of the "
                        f"partition {partition(region)}: an adapter never reads across "
                        f"partitions. Give the {resource.kind} of {partition(region)} "
                        f"the adapter really uses, or correct the table's region.")


def mixed_partitions(tables: Sequence[LeaseTable],
                     resources: Iterable[Resource] = ()) -> str | None:
    """Words for a selection whose tables (or resources) span two partitions, or None: one
    IAM policy serves identities of one partition, so such a document would be half
    useless wherever it is attached."""
    found: dict[str, str] = {}
    for table in tables:
        if table.region:
            found.setdefault(partition(table.region), f"the table {quote(table.table_name)} "
                                                      f"in {table.region}")
    for resource in resources:
        own = arn_partition(resource.arn)
        if own is not None:
            found.setdefault(own, f"{resource.kind} {quote(resource.arn)}")
    if len(found) < 2:
        return None
    (first, one), (second, other) = sorted(found.items())[:2]
    return (f"The selection spans two AWS partitions, {first} ({one}) and {second} "
            f"({other}); one IAM policy cannot serve both, as an identity belongs to one "
            f"partition. Run once per partition (one --conf-dir, or --table and --region, "
            f"per run).")


def consumers(footprint: Footprint, tables: Sequence[LeaseTable] = ()) -> list[Consumer]:
    """The enhanced fan-out consumers to exist: one per stream and lease table that
    reads it, named after the table (KCL's application name). None without
    `--enhanced-fan-out`.

    Each carries its lease table of `tables` for its row's facts. A stream given by ARN
    may be in another region than its table: the row is in the consumer's region and
    has the first table of that name's facts; a table not given is named alone.
    """
    if not footprint.enhanced_fan_out:
        return []
    leases = _lease_tables(tables)
    lease = {(t.table_name, t.region): t for t in leases}
    by_name = {t.table_name: t for t in reversed(leases)}
    out: dict[tuple[str, str], Consumer] = {}
    for stream in footprint.of(KIND_STREAM):
        region = stream.region or ""
        for name in stream.tables:
            if problem := consumer_name_problem(name):
                raise InputError(problem)
            table = lease.get((name, region)) or by_name.get(name) or LeaseTable(name, region)
            out.setdefault((stream.arn, name), Consumer(stream.arn, name, region, table))
    return sorted(out.values(), key=lambda c: (c.stream_arn, c.name))


# ------------------------------------------------------------------ policy parts


@dataclass(frozen=True)
class Part:
    """One statement's worth: a grant and the resources (or condition values) it covers."""

    grant: Grant
    resources: tuple[str, ...]
    condition: tuple[str, ...] = ()


def parts(footprint: Footprint, role: str) -> list[Part]:
    """The statements a role needs for the footprint, in table order; `adapter` or
    `provisioner` (the latter only has the consumer registration)."""
    out = []
    for row in footprint.services():
        resources = footprint.of(row.kind)
        for grant in row.adapter if role == "adapter" else row.provisioner:
            if grant.condition_key:
                out.append(Part(grant, ("*",), tuple(sorted({r.name for r in resources}))))
            else:
                out.append(Part(grant, tuple(sorted({r.arn + grant.suffix
                                                     for r in resources}))))
    return out


def not_covered(footprint: Footprint) -> str | None:
    """What neither the adapters' files nor the options told, each with the option that
    adds it: the retrieval mode (the policy covers polling unless `--enhanced-fan-out`,
    though enhanced fan-out is KCL's default), the bucket, key, video streams, Connect
    instance and the optional logs. None when everything is covered.

    For `--lease-tables-only` (`footprint.found` set, nothing resolved) it says what
    the files name and the policy leaves out.
    """
    if footprint.found:
        named = ", ".join(f"the {r.kind} {clean(r.name)}" for r in footprint.found)
        return (f"this is the lease-table policy only (--lease-tables-only): the adapters' "
                f"files also name {named}, which the adapter needs and this policy does not "
                f"grant; without --lease-tables-only they are included.")
    missing: list[str] = []
    if not footprint.of(KIND_STREAM):
        missing.append(
            "the Kinesis streams the adapter reads (no file or option names one; without "
            "them KCL cannot call ListShards, GetShardIterator or GetRecords): --stream NAME, "
            "and --enhanced-fan-out for KCL's default retrieval")
    elif not footprint.enhanced_fan_out:
        missing.append(
            "enhanced fan-out, KCL's default retrieval (this covers polling only; an "
            "adapter that keeps KCL's default also needs DescribeStreamConsumer and "
            "SubscribeToShard on its consumers, registered beforehand by `lease-tables "
            "create --enhanced-fan-out`): --enhanced-fan-out")
    # --cloudwatch-logs always brings a log group: the one named, or every one (`*`).
    for row in (SERVICE_BUCKETS, SERVICE_KMS_KEYS, SERVICE_VIDEO_STREAMS, SERVICE_CONNECT,
                SERVICE_LOGS):
        if not footprint.of(row.kind):
            missing.append(f"{row.title}: {row.option} {_RULES[row.kind].metavar}")
    if not missing:
        return None
    return ("not covered, because neither the adapters' files nor the options name it "
            "(add what the adapter uses, per the vendor's permission table): "
            + "; ".join(missing) + ".")


def origin_lines(footprint: Footprint) -> list[str]:
    """Where each resource came from, one line each (like the host name's source)."""
    return [f"{r.kind} {clean(r.name)}: {clean(r.arn)} (from "
            + (", ".join(clean(s) for s in r.sources) if r.source == SOURCE_FILE
               else r.sources[0]) + ")"
            for r in footprint.resources if r.kind != KIND_METRICS_NAMESPACE]


def consumers_note(footprint: Footprint) -> str | None:
    """A warning when option streams meet several lease tables: every pair gets a
    consumer (each costs per shard-hour), which may be more than the adapters use."""
    given = {r.arn for r in footprint.of(KIND_STREAM) if r.source == SOURCE_OPTION}
    pairs = [c for c in consumers(footprint) if c.stream_arn in given]
    streams = {c.stream_arn for c in pairs}
    tables = {c.name for c in pairs}
    if len(streams) < 2 or len(tables) < 2:
        return None
    return (
        f"{len(streams)} --stream values and {len(tables)} lease tables give "
        f"{len(streams) * len(tables)} enhanced fan-out consumers (each --stream for every "
        f"lease table; a consumer is billed per shard-hour). When each adapter reads its "
        f"own stream, put its StreamName in IntegrationService.xml, or run once per "
        f"adapter with --table NAME --stream NAME.")
