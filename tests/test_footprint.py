"""The footprint's data table held against IAM's own definition data, its policies
judged by parliament and by moto's IAM evaluator, and the parsing of its options
and of the values an adapter's file carries."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import policy_sentry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inline_snapshot import snapshot
from moto.iam.access_control import IAMPolicy, PermissionResult
from parliament import analyze_policy_string

from lease_tables.cli.footprint_options import optional_values
from lease_tables.cli.footprint_options import options as footprint_options
from lease_tables.config.naming import LeaseTable, derive_tables
from lease_tables.config.ris import ConfFile, parse_adapters
from lease_tables.core.errors import InputError
from lease_tables.model import footprint as fp
from lease_tables.model import kcl
from lease_tables.render import policy as pol

ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
INSTANCE = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TABLES = [LeaseTable("verintCTREvents", "us-east-1"),
          LeaseTable("verintAgentEvents_verintris.2", "us-east-1")]


@cache
def iam() -> dict[str, Any]:
    """IAM's definition data as policy_sentry ships it (the Service Authorization Reference)."""
    path = Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"
    return json.loads(path.read_text(encoding="utf-8"))


def iam_resource_types(action: str) -> set[str]:
    prefix, name = action.split(":")
    return set(iam()[prefix]["privileges"][name]["resource_types"])


def iam_arn_template(action: str, resource_type: str) -> str:
    return iam()[action.split(":")[0]]["resources"][resource_type]["arn"]


BUCKET = fp.FootprintOptions(buckets=("recordings-bucket",))
ALL = fp.FootprintOptions(
    streams=("ctr-stream", "arn:aws:kinesis:us-east-1:123456789012:stream/agent-stream"),
    enhanced_fan_out=True, buckets=("recordings-bucket",), kms_keys=(KEY_ID,),
    video_streams=("connect-live",), connect_instances=(INSTANCE,), cloudwatch_logs="")


# ------------------------------------------------------------------ the table vs IAM


@pytest.mark.parametrize("row", fp.SERVICES, ids=lambda s: s.name)
def test_every_action_is_on_the_resource_type_iam_defines_for_it(row: fp.Service) -> None:
    checked = 0
    for grant in row.adapter + row.provisioner:
        for action in grant.actions:
            types = iam_resource_types(action)
            assert grant.resource_type in types, (action, grant.resource_type, types)
            if grant.resource_type == "":
                # "*" only where IAM knows no resource type at all for the action.
                assert types == {""}, (action, types)
            checked += 1
    assert checked >= 1


def test_the_iam_check_fails_for_an_action_on_the_wrong_type() -> None:
    """Proof the check above can fail: DescribeStreamConsumer is on `consumer`, not `stream`."""
    assert "stream" not in iam_resource_types("kinesis:DescribeStreamConsumer")
    assert "bucket" not in iam_resource_types("s3:GetObject")
    assert "instance" not in iam_resource_types("connect:DescribeContact")


def test_tried_and_not_tried_cover_each_row_exactly_once() -> None:
    for row in fp.SERVICES:
        every = set(row.actions) | {a for g in row.provisioner for a in g.actions}
        never = [a for a, _ in row.not_tried]
        assert not set(row.tried) & set(never), row.name
        assert set(row.tried) | set(never) == set(row.actions), row.name
        assert set(row.tried) <= every


def test_writes_are_never_tried() -> None:
    never = {a for row in fp.SERVICES for a, _ in row.not_tried}
    assert {"kinesis:PutRecord", "kinesisvideo:PutMedia", "cloudwatch:PutMetricData",
            "kinesis:SubscribeToShard", "connect:SuspendContactRecording",
            "connect:ResumeContactRecording", "logs:CreateLogGroup", "logs:CreateLogStream",
            "logs:PutLogEvents"} <= never


def test_every_sid_in_the_table_is_its_own() -> None:
    sids = [g.sid for row in fp.SERVICES for g in row.adapter + row.provisioner]
    lease = [pol.SID_ADAPTER_ACCESS, pol.SID_ADAPTER_COMPANIONS, pol.SID_ADAPTER_INDEX,
             pol.SID_ADAPTER_ABSENT, pol.SID_PROVISIONER_TABLES, pol.SID_PROVISIONER_INDEX,
             pol.SID_PROVISIONER_ABSENT, pol.SID_PROVISIONER_TAGS, pol.SID_PROVISIONER_LIST]
    assert len(set(sids + lease)) == len(sids + lease)


# ------------------------------------------------------------------ concrete ARNs, moto's judge

_SAMPLES = {"StreamType": "stream", "ConsumerName": "verintCTREvents",
            "ConsumerCreationTimpstamp": "1700000000", "ObjectName": "2026/12/01/call.wav",
            "CreationTime": "1700000000000", "ContactId": "11111111-2222-3333-4444-555555555555",
            "UserId": "66666666-7777-8888-9999-000000000000",
            "LogStreamName": "adapter-1"}


def concrete(template: str, resource: fp.Resource) -> str:
    """A real ARN of IAM's template for the resource: its partition, region, account
    and name, samples elsewhere (a video prefix gets a stream name that starts with it)."""
    parts = resource.arn.split(":")
    names = {"Partition": parts[1], "Region": parts[3], "Account": parts[4] or ACCOUNT,
             "StreamName": resource.name + ("-1a2b" if resource.kind == fp.KIND_VIDEO_STREAM
                                            else ""),
             "BucketName": resource.name, "KeyId": resource.name, "InstanceId": resource.name,
             "LogGroupName": "ris-adapters" if resource.name == "*" else resource.name,
             **_SAMPLES}
    return re.sub(r"\$\{(\w+)\}", lambda m: names.get(m.group(1), "sample1"), template)


def permitted(document: dict[str, Any], action: str, resource: str, **conditions: str) -> bool:
    verdict = IAMPolicy(json.dumps(document)).is_action_permitted(
        action, resource, incoming_condition_values=conditions or None)
    return verdict == PermissionResult.PERMITTED


@pytest.mark.parametrize("logs", ["", "/ris/adapters"])
def test_every_action_is_allowed_on_a_real_arn_of_its_type_and_no_other(logs: str) -> None:
    options = fp.FootprintOptions(**{**ALL.__dict__, "cloudwatch_logs": logs})
    footprint = fp.resolve(options, TABLES, ACCOUNT)
    document = pol.adapter_policy(TABLES, ACCOUNT, footprint=footprint)
    checked = 0
    for row in footprint.services():
        service = iam()
        for grant in row.adapter:
            for resource in footprint.of(row.kind):
                for action in grant.actions:
                    prefix = action.split(":")[0]
                    if grant.condition_key:
                        assert permitted(document, action, "*",
                                         **{grant.condition_key: resource.name})
                        assert not permitted(document, action, "*",
                                             **{grant.condition_key: "SomeOtherApp"})
                        checked += 1
                        continue
                    mine = concrete(iam_arn_template(action, grant.resource_type), resource)
                    assert permitted(document, action, mine), (action, mine)
                    for other, data in service[prefix]["resources"].items():
                        if other == grant.resource_type or "${" not in data["arn"]:
                            continue
                        theirs = concrete(data["arn"], resource)
                        # `log-group:*` (no GROUP named) is every group's everything.
                        if theirs != mine and resource.name != "*":
                            assert not permitted(document, action, theirs), (action, theirs)
                    checked += 1
    assert checked >= 25


def test_video_prefix_covers_connect_streams_and_nothing_else() -> None:
    footprint = fp.resolve(fp.FootprintOptions(video_streams=("connect-live",)), TABLES, ACCOUNT)
    document = pol.adapter_policy(TABLES, ACCOUNT, footprint=footprint)
    base = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/"
    assert permitted(document, "kinesisvideo:GetMedia",
                     base + "connect-live-contact-1a2b/1700000000000")
    assert not permitted(document, "kinesisvideo:GetMedia", base + "other-live/1700000000000")
    assert not permitted(document, "kinesisvideo:GetMedia",
                         "arn:aws:kinesisvideo:us-east-1:999999999999:stream/connect-live-x/1")


# ------------------------------------------------------------------ parliament, Sids, size


def _combinations() -> list[tuple[str, ...]]:
    names = ("streams", "enhanced_fan_out", "buckets", "kms_keys", "video_streams",
             "connect_instances", "cloudwatch_logs")
    return [combo for n in range(len(names) + 1)
            for combo in itertools.combinations(names, n)
            if "enhanced_fan_out" not in combo or "streams" in combo]


def _options(combo: tuple[str, ...], logs: str = "/ris/adapters") -> fp.FootprintOptions:
    values: dict[str, Any] = {name: getattr(ALL, name) for name in combo}
    if "cloudwatch_logs" in combo:
        values["cloudwatch_logs"] = logs
    return fp.FootprintOptions(**values)


@pytest.mark.parametrize("role", pol.ROLES)
@pytest.mark.parametrize("layout", kcl.LAYOUTS, ids=lambda layout: layout.name)
def test_parliament_is_clean_for_every_combination_of_options(role: str,
                                                              layout: kcl.Layout) -> None:
    checked = 0
    for combo in _combinations():
        for logs in ("/ris/adapters", "") if "cloudwatch_logs" in combo else ("",):
            footprint = fp.resolve(_options(combo, logs), TABLES, ACCOUNT)
            # KCL 3.5 upgraded from 3.0-3.4 (--migrating) on every other combination.
            migrating = bool(layout.migrating_operations) and checked % 2 == 1
            document = pol.build_policy(role, TABLES, ACCOUNT, layout=layout,
                                        footprint=footprint, migrating=migrating)
            findings = analyze_policy_string(json.dumps(document)).findings
            assert findings == [], (combo, [(f.issue, f.detail) for f in findings])
            sids = [s["Sid"] for s in document["Statement"]]
            assert len(sids) == len(set(sids)), sids
            checked += 1
    assert checked == 2 * len(_combinations()) - len(
        [c for c in _combinations() if "cloudwatch_logs" not in c])


def test_parliament_would_notice_a_resource_mismatch() -> None:
    """Proof the check above can fail: SubscribeToShard on a stream (not a consumer) ARN."""
    broken = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Wrong", "Effect": "Allow", "Action": ["kinesis:SubscribeToShard"],
        "Resource": ["arn:aws:kinesis:us-east-1:123456789012:stream/ctr-stream"]}]}
    assert analyze_policy_string(json.dumps(broken)).findings


def test_no_option_leaves_todays_policy_and_names_what_is_missing() -> None:
    documents, notes, _ = pol.policy_documents("adapter", TABLES, ACCOUNT)
    assert documents == [pol.adapter_policy(TABLES, ACCOUNT)]
    assert len(notes) == 1
    for option in ("--stream", "--enhanced-fan-out", "--bucket", "--kms-key", "--video-stream",
                   "--connect-instance", "--cloudwatch-logs"):
        assert option in notes[0]
    assert "ListShards" in notes[0] and notes[0].startswith("not covered")
    provisioner, notes, _ = pol.policy_documents("provisioner", TABLES, ACCOUNT)
    assert provisioner == [pol.provisioner_policy(TABLES, ACCOUNT)] and notes == []


def test_a_whole_footprint_policy_has_kcl_metrics_in_each_namespace() -> None:
    documents, _, _ = pol.policy_documents("adapter", TABLES, ACCOUNT,
                                        fp.FootprintOptions(buckets=("recordings-bucket",)))
    (metrics,) = [s for s in documents[0]["Statement"] if s["Sid"] == "CloudWatchKclMetrics"]
    assert metrics["Resource"] == ["*"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": sorted(
        t.table_name for t in TABLES)}}
    assert documents[0]["Statement"][-1]["Effect"] == "Deny"


def test_provisioner_gets_consumer_registration_only_with_enhanced_fan_out() -> None:
    streams = fp.FootprintOptions(streams=("ctr-stream",))
    plain = pol.provisioner_policy(TABLES, ACCOUNT, footprint=fp.resolve(streams, TABLES, ACCOUNT))
    assert plain == pol.provisioner_policy(TABLES, ACCOUNT)
    efo = fp.FootprintOptions(streams=("ctr-stream",), enhanced_fan_out=True)
    document = pol.provisioner_policy(TABLES, ACCOUNT,
                                      footprint=fp.resolve(efo, TABLES, ACCOUNT))
    stream = "arn:aws:kinesis:us-east-1:123456789012:stream/ctr-stream"
    assert permitted(document, "kinesis:RegisterStreamConsumer", stream)
    assert permitted(document, "kinesis:DescribeStreamSummary", stream)
    assert permitted(document, "kinesis:DescribeStreamConsumer",
                     stream + "/consumer/verintCTREvents:1700000000")
    assert not permitted(document, "kinesis:DeregisterStreamConsumer",
                         stream + "/consumer/verintCTREvents:1700000000")
    assert not permitted(document, "kinesis:GetRecords", stream)


def _many_streams(n: int) -> fp.FootprintOptions:
    return fp.FootprintOptions(streams=tuple(f"adapter-stream-{i:04d}" for i in range(n)),
                               enhanced_fan_out=True)


def test_a_policy_too_big_is_split_into_documents_that_each_fit() -> None:
    documents, notes, _ = pol.policy_documents("adapter", TABLES, ACCOUNT, _many_streams(120))
    assert len(documents) >= 2
    for document in documents:
        assert pol.policy_size(document) <= pol.MANAGED_POLICY_MAX
        assert analyze_policy_string(json.dumps(document)).findings == []
    statements = [s for d in documents for s in d["Statement"]]
    sids = [s["Sid"] for s in statements]
    assert len(sids) == len(set(sids))
    assert "KinesisStreamReadPart2" in sids
    whole = pol.adapter_policy(TABLES, ACCOUNT,
                               footprint=fp.resolve(_many_streams(120), TABLES, ACCOUNT))
    # Together they grant exactly the one policy: the same (Action, Resource) pairs.
    def pairs(stmts: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
        return {(s["Effect"], a, r) for s in stmts for a in s["Action"] for r in s["Resource"]}
    assert pairs(statements) == pairs(whole["Statement"])
    assert any("JSON array" in n and str(len(documents)) in n for n in notes)
    text = pol.render_documents(documents)
    assert isinstance(json.loads(text), list)


def test_a_policy_that_fits_is_one_document_unchanged() -> None:
    documents, notes, _ = pol.policy_documents("adapter", TABLES, ACCOUNT, _many_streams(3))
    assert len(documents) == 1
    assert pol.render_documents(documents) == pol.render(documents[0])
    assert not any("JSON array" in n for n in notes)


def test_split_cuts_exactly_at_the_limit() -> None:
    whole = pol.adapter_policy(TABLES, ACCOUNT,
                               footprint=fp.resolve(_many_streams(40), TABLES, ACCOUNT))
    size = pol.policy_size(whole)
    assert pol.split(whole, limit=size) == [whole]
    assert len(pol.split(whole, limit=size - 1)) == 2


# ------------------------------------------------------------------ names, ARNs, partitions


@pytest.mark.parametrize(("region", "part"), [("us-east-1", "aws"), ("cn-north-1", "aws-cn"),
                                              ("us-gov-west-1", "aws-us-gov")])
def test_names_become_arns_in_the_tables_partition_region_and_account(region: str,
                                                                     part: str) -> None:
    tables = [LeaseTable("verintCTREvents", region)]
    # ALL's one stream ARN is in the aws partition: beside a table of another partition it
    # is refused (test_a_resource_of_another_partition_is_refused), so it is left out there.
    options = ALL if part == "aws" else replace(
        ALL, streams=tuple(s for s in ALL.streams if not s.startswith("arn:")))
    footprint = fp.resolve(options, tables, "210987654321")
    arns = {r.kind: r.arn for r in footprint.resources if r.name != "agent-stream"}
    assert arns[fp.KIND_STREAM] == f"arn:{part}:kinesis:{region}:210987654321:stream/ctr-stream"
    assert arns[fp.KIND_BUCKET] == f"arn:{part}:s3:::recordings-bucket"
    assert arns[fp.KIND_KMS_KEY] == f"arn:{part}:kms:{region}:210987654321:key/{KEY_ID}"
    assert arns[fp.KIND_VIDEO_STREAM] == (
        f"arn:{part}:kinesisvideo:{region}:210987654321:stream/connect-live*/*")
    assert arns[fp.KIND_CONNECT_INSTANCE] == (
        f"arn:{part}:connect:{region}:210987654321:instance/{INSTANCE}")
    assert arns[fp.KIND_LOG_GROUP] == f"arn:{part}:logs:{region}:210987654321:log-group:*"
    # An ARN is kept as given: its own account.
    given = [r for r in footprint.of(fp.KIND_STREAM) if r.name == "agent-stream"]
    assert not given or given[0].arn.startswith("arn:aws:kinesis:us-east-1:123456789012:")


def test_a_resource_of_another_partition_is_refused() -> None:
    """Partitions share no accounts or identities: an aws-cn table's adapter never reads
    an aws stream. Refused before anything is made, naming both."""
    with pytest.raises(InputError) as err:
        fp.resolve(ALL, [LeaseTable("verintCTREvents", "cn-north-1")], "210987654321")
    assert "partition aws," in str(err.value) and "cn-north-1" in str(err.value)


@pytest.mark.parametrize(("kind", "bad"), [
    (fp.KIND_STREAM, "bad stream"), (fp.KIND_STREAM, "arn:aws:kinesis:us-east-1:1:stream/x"),
    (fp.KIND_BUCKET, "Upper_Case"), (fp.KIND_KMS_KEY, "alias/recordings"),
    (fp.KIND_KMS_KEY, "arn:aws:kms:us-east-1:123456789012:alias/recordings"),
    (fp.KIND_CONNECT_INSTANCE, "not-a-uuid"), (fp.KIND_VIDEO_STREAM, "bad prefix*"),
    (fp.KIND_STREAM, "arn:aws:kinesis:cn-north-1:123456789012:stream/x"),
])
def test_a_bad_value_is_input_naming_the_option(kind: str, bad: str) -> None:
    with pytest.raises(InputError) as caught:
        fp.parse_resource(kind, bad, "us-east-1", ACCOUNT, fp.SOURCE_OPTION, "--opt")
    assert "--opt" in str(caught.value) and "Correct" in str(caught.value)


def test_a_name_with_tables_in_several_regions_asks_for_an_arn_or_region() -> None:
    tables = [LeaseTable("a-table", "us-east-1"), LeaseTable("b-table", "eu-west-1")]
    with pytest.raises(InputError, match=r"several regions.*ARN"):
        fp.resolve(fp.FootprintOptions(streams=("ctr-stream",)), tables, ACCOUNT)
    footprint = fp.resolve(fp.FootprintOptions(streams=("ctr-stream",)), tables, ACCOUNT,
                           region_option="eu-west-1")
    assert footprint.of(fp.KIND_STREAM)[0].region == "eu-west-1"
    arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/ctr-stream"
    assert fp.resolve(fp.FootprintOptions(streams=(arn,)), tables, ACCOUNT).of(
        fp.KIND_STREAM)[0].arn == arn


def test_enhanced_fan_out_without_a_stream_is_input() -> None:
    with pytest.raises(InputError, match="--stream"):
        fp.resolve(fp.FootprintOptions(enhanced_fan_out=True), TABLES, ACCOUNT)


# ------------------------------------------------------------------ values from the file


def _xml(settings: dict[str, dict[str, str]]) -> bytes:
    body = []
    for ident, values in settings.items():
        kind = "AmazonConnectAdapter" if ident == "1" else "AmazonAgentEventStreamAdapter"
        sets = "".join(f'<set key="{k}" value="{v}"/>' for k, v in values.items())
        body.append(f'<Integration id="{ident}" type="{kind}">{sets}</Integration>')
    return ('<IFService><Integrations>' + "".join(body)
            + "</Integrations></IFService>").encode()


def _tables(settings: dict[str, dict[str, str]],
            region: str | None = None) -> list[LeaseTable]:
    source = "/ris/Conf/IntegrationService.xml"
    conf = ConfFile(path=source, folder="/ris/Conf",
                    adapters=tuple(parse_adapters(_xml(settings), source)))
    return derive_tables([conf], host_option="verintris", region_option=region).tables


@pytest.mark.parametrize("key", ["StreamName", "Stream Name", "kinesis_stream_name",
                                 "KINESIS-STREAM-NAME", "StreamArn"])
def test_the_files_stream_is_read_tolerantly_and_said_to_come_from_it(key: str) -> None:
    value = ("arn:aws:kinesis:eu-west-1:123456789012:stream/ctr-stream" if "arn" in key.lower()
             else "ctr-stream")
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "Region": "eu-west-1",
                            key: value}})
    footprint = fp.resolve(BUCKET, tables, ACCOUNT)
    (stream,) = footprint.of(fp.KIND_STREAM)
    assert stream.arn == snapshot("arn:aws:kinesis:eu-west-1:123456789012:stream/ctr-stream")
    assert stream.source == fp.SOURCE_FILE
    assert stream.tables == ("verintCTREvents",)
    assert not footprint.empty
    assert any("IntegrationService.xml" in line for line in fp.origin_lines(footprint))


def test_options_win_over_the_file_and_say_so() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "from-file",
                            "ConnectInstanceId": INSTANCE, "Region": "us-east-1"}})
    from_file = fp.resolve(BUCKET, tables, ACCOUNT)
    assert [r.name for r in from_file.of(fp.KIND_CONNECT_INSTANCE)] == [INSTANCE]
    assert [r.name for r in from_file.of(fp.KIND_STREAM)] == ["from-file"]
    footprint = fp.resolve(fp.FootprintOptions(streams=("from-option",)), tables, ACCOUNT)
    assert [r.name for r in footprint.of(fp.KIND_STREAM)] == ["from-option"]
    assert any("from-file" in n and "--stream wins" in n for n in footprint.notes)
    # The instance the option did not name still comes from the file.
    assert [r.source for r in footprint.of(fp.KIND_CONNECT_INSTANCE)] == [fp.SOURCE_FILE]


def test_an_unknown_spelling_is_not_guessed() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "KinesisStream": "x",
                            "Region": "us-east-1"}})
    assert fp.resolve(BUCKET, tables, ACCOUNT).of(fp.KIND_STREAM) == []


def test_without_options_the_files_streams_are_in_scope() -> None:
    """An adapter given only its lease tables cannot list its shards: what its file
    names goes into its policy with no option, exactly as if given with --stream."""
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr-stream",
                            "Region": "us-east-1"}})
    footprint = fp.resolve(fp.FootprintOptions(), tables, ACCOUNT)
    given = fp.resolve(fp.FootprintOptions(streams=("ctr-stream",)), tables, ACCOUNT,
                       from_files=False)
    assert [r.arn for r in footprint.resources] == [r.arn for r in given.resources]
    assert [(r.name, r.source) for r in footprint.of(fp.KIND_STREAM)] == [
        ("ctr-stream", "file")]
    documents, notes, _ = pol.policy_documents("adapter", tables, ACCOUNT)
    (reads,) = [st for st in documents[0]["Statement"] if st["Sid"] == "KinesisStreamRead"]
    assert reads["Resource"] == [f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/ctr-stream"]
    assert "kinesis:ListShards" in reads["Action"]
    assert documents == [pol.adapter_policy(tables, ACCOUNT, footprint=footprint)]
    assert notes[-1].startswith("not covered") and "--enhanced-fan-out" in notes[-1]
    # --lease-tables-only: the lease-table policy alone, and the note names what it leaves.
    narrow, notes, _ = pol.policy_documents("adapter", tables, ACCOUNT, lease_tables_only=True)
    assert narrow == [pol.adapter_policy(tables, ACCOUNT)]
    assert "the stream ctr-stream" in notes[0] and "--lease-tables-only" in notes[0]


def test_consumers_pair_file_streams_with_their_own_tables() -> None:
    tables = _tables({
        "1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr-stream",
              "Region": "us-east-1"},
        "2": {"ApplicationName": "verintAgentEvents", "StreamName": "agent-stream",
              "Region": "us-east-1"}})
    footprint = fp.resolve(fp.FootprintOptions(enhanced_fan_out=True), tables, ACCOUNT)
    assert fp.origin_lines(footprint)
    pairs = {(c.stream_name, c.name) for c in fp.consumers(footprint)}
    assert pairs == {("ctr-stream", "verintCTREvents"),
                     ("agent-stream", "verintAgentEvents_verintris.2")}
    assert fp.consumers_note(footprint) is None
    crossed = fp.resolve(fp.FootprintOptions(streams=("s-one", "s-two"), enhanced_fan_out=True),
                         tables, ACCOUNT)
    assert len(fp.consumers(crossed)) == 4
    assert "4 enhanced fan-out consumers" in (fp.consumers_note(crossed) or "")
    assert fp.consumers(fp.resolve(fp.FootprintOptions(streams=("s-one",)), tables,
                                   ACCOUNT)) == []


# ------------------------------------------------------------------ the split, any size


@settings(max_examples=40, deadline=None)
@given(streams=st.integers(0, 90), buckets=st.integers(0, 40), tables=st.integers(1, 60),
       limit=st.integers(1500, pol.MANAGED_POLICY_MAX))
def test_any_split_fits_and_grants_exactly_the_whole(streams: int, buckets: int, tables: int,
                                                    limit: int) -> None:
    lease = [LeaseTable(f"verintAgentEvents_ris{n:03d}.2", "us-east-1") for n in range(tables)]
    options = fp.FootprintOptions(streams=tuple(f"s-{n:03d}" for n in range(streams)),
                                  buckets=tuple(f"bucket-{n:03d}" for n in range(buckets)),
                                  enhanced_fan_out=streams > 0)
    whole = pol.adapter_policy(lease, ACCOUNT, footprint=fp.resolve(options, lease, ACCOUNT))
    documents = pol.split(whole, limit)
    assert all(pol.policy_size(d) <= limit for d in documents)
    assert (documents == [whole]) == (pol.policy_size(whole) <= limit)
    pieces = [s for d in documents for s in d["Statement"]]

    def grants(stmts: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
        out = set()
        for s in stmts:
            values = s.get("Condition", {}).get("StringEquals", {}).get(
                "cloudwatch:namespace", [None])
            out |= {(s["Effect"], a, r, v) for a in s["Action"] for r in s["Resource"]
                    for v in values}
        return out

    assert grants(pieces) == grants(whole["Statement"])
    assert len({s["Sid"] for s in pieces}) == len(pieces)


# ------------------------------------------------------------------ --cloudwatch-logs [GROUP]


@pytest.mark.parametrize(("args", "expected"), [
    (["--cloudwatch-logs"], ["--cloudwatch-logs=*"]),
    (["--cloudwatch-logs", "--stream", "s"], ["--cloudwatch-logs=*", "--stream", "s"]),
    (["--cloudwatch-logs", "-v"], ["--cloudwatch-logs=*", "-v"]),
    (["--cloudwatch-logs", "/ris/logs"], ["--cloudwatch-logs", "/ris/logs"]),
    (["--cloudwatch-logs=/ris/logs"], ["--cloudwatch-logs=/ris/logs"]),
    (["--", "--cloudwatch-logs"], ["--", "--cloudwatch-logs"]),
    (["--table", "t"], ["--table", "t"]),
])
def test_an_omitted_log_group_is_spelled_out_before_parsing(args: list[str],
                                                            expected: list[str]) -> None:
    assert optional_values(args) == expected


def test_star_means_every_log_group() -> None:
    assert footprint_options(cloudwatch_logs="*").cloudwatch_logs == ""
    assert footprint_options(cloudwatch_logs="/ris").cloudwatch_logs == "/ris"
    assert footprint_options().cloudwatch_logs is None
    assert not footprint_options().given


def test_a_bad_value_in_the_file_names_the_file_and_adapter_and_breaks_no_narrow_policy(
        ) -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "bad stream",
                            "Region": "us-east-1"}})
    with pytest.raises(InputError) as caught:
        fp.resolve(BUCKET, tables, ACCOUNT)
    assert "IntegrationService.xml" in str(caught.value)
    assert "AmazonConnectAdapter" in str(caught.value)
    assert "bad stream" in str(caught.value) and "or pass --stream" in str(caught.value)
    with pytest.raises(InputError):  # the file is in scope by default
        pol.policy_documents("adapter", tables, ACCOUNT)
    documents, _, _ = pol.policy_documents("adapter", tables, ACCOUNT, lease_tables_only=True)
    assert documents == [pol.adapter_policy(tables, ACCOUNT)]


# ------------------------------------------------------------------ every field and word, whole

REGIONS_HINT = ("Give its ARN, or --region, or run once per region (e.g. one --conf-dir per "
                "run). Region codes look like us-east-1, eu-west-2, us-gov-west-1 or "
                "cn-north-1.")
TWO_REGIONS = [LeaseTable("a-table", "us-east-1"), LeaseTable("b-table", "eu-west-1")]


def _two_files(stream: str) -> list[LeaseTable]:
    """Two RIS servers' files, each with a Connect adapter reading the same stream."""
    confs = []
    for folder, app in (("/a/Conf", "ctrA"), ("/b/Conf", "ctrB")):
        source = f"{folder}/IntegrationService.xml"
        xml = _xml({"1": {"ApplicationName": app, "StreamName": stream, "Region": "us-east-1"}})
        confs.append(ConfFile(path=source, folder=folder,
                              adapters=tuple(parse_adapters(xml, source))))
    return derive_tables(confs, host_option="verintris", region_option=None).tables


def _error(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    return str(caught.value)


def test_a_resolved_footprint_is_every_resource_with_its_origin() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "from-file",
                            "Region": "us-east-1"}})
    found = fp.resolve(fp.FootprintOptions(streams=("from-option",), cloudwatch_logs=""),
                       tables, ACCOUNT)
    conf = "/ris/Conf/IntegrationService.xml"
    assert found == fp.Footprint((
        fp.Resource("stream", "from-option",
                    "arn:aws:kinesis:us-east-1:123456789012:stream/from-option", "us-east-1",
                    "option", ("--stream",), ("verintCTREvents",)),
        fp.Resource("log-group", "*", "arn:aws:logs:us-east-1:123456789012:log-group:*",
                    "us-east-1", "option", ("--cloudwatch-logs",)),
        fp.Resource("metrics-namespace", "verintCTREvents", "verintCTREvents", "us-east-1",
                    "table", (conf,), ("verintCTREvents",)),
    ), enhanced_fan_out=False, cloudwatch_logs=True)
    assert found.notes == (f"--stream wins over the file: set aside from-file (from {conf}).",)
    assert [s.name for s in found.services()] == ["kinesis", "logs", "cloudwatch"]
    without_logs = fp.resolve(fp.FootprintOptions(streams=("from-option",)), tables, ACCOUNT)
    assert without_logs.cloudwatch_logs is False
    assert [s.name for s in without_logs.services()] == ["kinesis", "cloudwatch"]


def test_a_stream_two_files_name_is_one_resource_for_both_tables() -> None:
    tables = _two_files("shared")
    found = fp.resolve(BUCKET, tables, ACCOUNT)
    assert found.of(fp.KIND_STREAM) == [fp.Resource(
        "stream", "shared", "arn:aws:kinesis:us-east-1:123456789012:stream/shared",
        "us-east-1", "file", ("/a/Conf/IntegrationService.xml", "/b/Conf/IntegrationService.xml"),
        ("ctrA", "ctrB"))]
    assert fp.origin_lines(found) == [
        "stream shared: arn:aws:kinesis:us-east-1:123456789012:stream/shared (from "
        "/a/Conf/IntegrationService.xml, /b/Conf/IntegrationService.xml)",
        "bucket recordings-bucket: arn:aws:s3:::recordings-bucket (from --bucket)"]


def test_the_files_values_are_read_past_adapters_without_one() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "Region": "us-east-1"},
                      "2": {"ApplicationName": "verintAgentEvents", "StreamName": "agents",
                            "Region": "us-east-1"}})
    # The same table named by --table too: its origins start with that (None).
    merged = [LeaseTable(t.table_name, t.region, origins=[None, *t.origins]) for t in tables]
    # One table two adapters need (the same application on two servers), the first
    # adapter's file without a stream.
    adapters = [a for t in tables for a in t.origins if a is not None]
    [without] = [a for a in adapters if not a.stream]
    [with_stream] = [a for a in adapters if a.stream]
    shared = [LeaseTable("verintCTREvents", "us-east-1", origins=[without, with_stream])]
    for each in (tables, merged, shared):
        assert [r.name for r in fp.resolve(BUCKET, each, ACCOUNT).of(fp.KIND_STREAM)] == [
            "agents"]


def test_a_files_name_takes_the_tables_region_when_the_file_has_none() -> None:
    settings = {"1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr"}}
    (stream,) = fp.resolve(BUCKET, _tables(settings, region="eu-west-1"), ACCOUNT).of(
        fp.KIND_STREAM)
    assert (stream.arn, stream.region) == (
        "arn:aws:kinesis:eu-west-1:123456789012:stream/ctr", "eu-west-1")
    assert _error(lambda: fp.resolve(BUCKET, _tables(settings), ACCOUNT)) == snapshot(
        'In "/ris/Conf/IntegrationService.xml", the AmazonConnectAdapter adapter (ID 1, line 1) '
        'setting "ctr" is a name with no region: pass --region, or give its ARN.')


def test_lease_tables_only_finds_the_files_values_whatever_breaks() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "bad stream",
                            "ConnectInstanceId": INSTANCE, "Region": "us-east-1"}})
    found = fp.resolve(fp.FootprintOptions(), tables, ACCOUNT, lease_tables_only=True)
    assert found.found == (fp.Resource(
        "connect-instance", INSTANCE, f"arn:aws:connect:us-east-1:123456789012:instance/"
        f"{INSTANCE}", "us-east-1", "file", ("/ris/Conf/IntegrationService.xml",),
        ("verintCTREvents",)),)


def test_from_files_false_reads_no_file() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr",
                            "Region": "us-east-1"}})
    assert fp.resolve(fp.FootprintOptions(), tables, ACCOUNT, from_files=False).found == ()
    assert fp.resolve(BUCKET, tables, ACCOUNT, from_files=False).of(fp.KIND_STREAM) == []


def test_a_bucket_name_takes_the_region_option_else_any_region_of_the_partition() -> None:
    options = fp.FootprintOptions(buckets=("recordings-bucket",))
    (chosen,) = fp.resolve(options, TWO_REGIONS, ACCOUNT, region_option="us-east-1").of(
        fp.KIND_BUCKET)
    assert chosen == fp.Resource("bucket", "recordings-bucket", "arn:aws:s3:::recordings-bucket",
                                 "us-east-1", "option", ("--bucket",), ("a-table", "b-table"))
    (any_one,) = fp.resolve(options, TWO_REGIONS, ACCOUNT).of(fp.KIND_BUCKET)
    assert (any_one.arn, any_one.region) == ("arn:aws:s3:::recordings-bucket", "eu-west-1")
    partitions = [LeaseTable("a-table", "us-east-1"), LeaseTable("b-table", "cn-north-1")]
    assert _error(lambda: fp.resolve(options, partitions, ACCOUNT)) == (
        '--bucket "recordings-bucket" is a name, and the lease tables are in several regions '
        f"(cn-north-1, us-east-1), so its region is unknown. {REGIONS_HINT}")


def test_a_name_in_several_regions_is_refused_in_words() -> None:
    assert _error(lambda: fp.resolve(fp.FootprintOptions(streams=("ctr-stream",)), TWO_REGIONS,
                                     ACCOUNT)) == (
        '--stream "ctr-stream" is a name, and the lease tables are in several regions '
        f"(eu-west-1, us-east-1), so its region is unknown. {REGIONS_HINT}")
    assert _error(lambda: fp.resolve(fp.FootprintOptions(cloudwatch_logs=""), TWO_REGIONS,
                                     ACCOUNT)) == (
        '--cloudwatch-logs "" is a name, and the lease tables are in several regions '
        f"(eu-west-1, us-east-1), so its region is unknown. {REGIONS_HINT}")
    assert _error(lambda: fp.resolve(fp.FootprintOptions(streams=("ctr-stream",)),
                                     [LeaseTable("t", None)], ACCOUNT)) == (
        '--stream "ctr-stream" is a name, and the lease tables are in several regions '
        f"(none), so its region is unknown. {REGIONS_HINT}")


def test_parse_messages_whole() -> None:
    assert _error(lambda: fp.parse_resource(fp.KIND_STREAM, "bad stream", "us-east-1", ACCOUNT,
                                            fp.SOURCE_OPTION, "--stream")) == snapshot(
        '--stream "bad stream" is not a Kinesis data stream name (1-128 of A-Z a-z 0-9 _ . -) '
        "or ARN, e.g. arn:aws:kinesis:us-east-1:123456789012:stream/ctr-stream. Correct the "
        "value.")
    assert _error(lambda: fp.parse_resource(
        fp.KIND_STREAM, "arn:aws:kinesis:cn-north-1:123456789012:stream/x", "us-east-1", ACCOUNT,
        fp.SOURCE_OPTION, "--stream")) == snapshot(
        '--stream "arn:aws:kinesis:cn-north-1:123456789012:stream/x": the region cn-north-1 is '
        "in the partition aws-cn, not aws. Correct the ARN.")
    with pytest.raises(ValueError, match=r"^no region for --stream ctr$"):  # a caller's bug
        fp.parse_resource(fp.KIND_STREAM, "ctr", None, ACCOUNT, fp.SOURCE_OPTION, "--stream")
    assert _error(lambda: fp.resolve(fp.FootprintOptions(enhanced_fan_out=True), TABLES,
                                     ACCOUNT)) == snapshot(
        "--enhanced-fan-out needs the adapter's streams: add --stream NAME (the Kinesis data "
        "stream the adapter reads; repeatable), or a StreamName setting in the adapter's "
        "IntegrationService.xml.")


@pytest.mark.parametrize(("raw", "arn"), [
    ("arn:aws:logs:us-east-1:123456789012:log-group:/ris/adapters:*",
     "arn:aws:logs:us-east-1:123456789012:log-group:/ris/adapters"),
    ("arn:aws:logs:us-east-1:123456789012:log-group:/ris/adapters",
     "arn:aws:logs:us-east-1:123456789012:log-group:/ris/adapters"),
])
def test_a_log_group_arn_is_kept_without_its_streams_suffix(raw: str, arn: str) -> None:
    assert fp.parse_resource(fp.KIND_LOG_GROUP, raw, None, ACCOUNT, fp.SOURCE_OPTION,
                             "--cloudwatch-logs", ("T1",)) == fp.Resource(
        "log-group", "/ris/adapters", arn, "us-east-1", "option", ("--cloudwatch-logs",),
        ("T1",))


def test_the_not_covered_note_names_what_neither_files_nor_options_tell() -> None:
    every = ("S3 (the recordings bucket): --bucket NAME; KMS (the recordings' keys): "
             "--kms-key ARN; Kinesis Video Streams (live media): --video-stream PREFIX; "
             "Amazon Connect (the instance, its agents and contacts): --connect-instance ID; "
             "CloudWatch Logs (optional): --cloudwatch-logs [GROUP].")
    head = ("not covered, because neither the adapters' files nor the options name it (add "
            "what the adapter uses, per the vendor's permission table): ")
    assert fp.not_covered(fp.resolve(fp.FootprintOptions(), TABLES, ACCOUNT)) == (
        head + "the Kinesis streams the adapter reads (no file or option names one; without "
        "them KCL cannot call ListShards, GetShardIterator or GetRecords): --stream NAME, "
        "and --enhanced-fan-out for KCL's default retrieval; " + every)
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr",
                            "ConnectInstanceId": INSTANCE, "Region": "us-east-1"}})
    polling = fp.not_covered(fp.resolve(fp.FootprintOptions(), tables, ACCOUNT))
    assert polling == head + (
        "enhanced fan-out, KCL's default retrieval (this covers polling only; an adapter that "
        "keeps KCL's default also needs DescribeStreamConsumer and SubscribeToShard on its "
        "consumers, registered beforehand by `lease-tables create --enhanced-fan-out`): "
        "--enhanced-fan-out; ") + every.replace(
        "Amazon Connect (the instance, its agents and contacts): --connect-instance ID; ", "")
    assert fp.not_covered(fp.resolve(
        fp.FootprintOptions(enhanced_fan_out=True, buckets=("recordings-bucket",),
                            kms_keys=("1234abcd-12ab-34cd-56ef-1234567890ab",),
                            video_streams=("live",), cloudwatch_logs=""),
        tables, ACCOUNT)) is None


def test_the_consumers_note_needs_several_streams_and_several_tables() -> None:
    def note(streams: tuple[str, ...], tables: list[LeaseTable]) -> str | None:
        return fp.consumers_note(fp.resolve(fp.FootprintOptions(
            streams=streams, enhanced_fan_out=True), tables, ACCOUNT))
    assert note(("s-one",), TABLES) is None
    assert note(("s-one", "s-two"), TABLES[:1]) is None
    assert note(("s-one", "s-two"), TABLES) is not None


def test_every_files_value_set_aside_is_named() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr",
                            "Region": "us-east-1"},
                      "2": {"ApplicationName": "verintAgentEvents", "StreamName": "agents",
                            "Region": "us-east-1"}})
    found = fp.resolve(fp.FootprintOptions(streams=("from-option",)), tables, ACCOUNT)
    conf = "/ris/Conf/IntegrationService.xml"
    assert found.notes == (f"--stream wins over the file: set aside agents (from {conf}), ctr "
                           f"(from {conf}).",)


# ------------------------------------------------------------------ partitions and names

CN_STREAM = "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/ctr"


def test_arn_partition_reads_only_an_arn() -> None:
    assert fp.arn_partition(CN_STREAM) == "aws-cn"
    assert fp.arn_partition("arn:aws:s3:::bucket") == "aws"
    assert fp.arn_partition("verintCTREvents") is None  # a metrics namespace's "ARN"
    assert fp.arn_partition("not:an:arn") is None


def refusal(resources: list[fp.Resource], tables: list[LeaseTable]) -> str | None:
    """require_own_partitions' message, or None when it lets the resources pass."""
    try:
        fp.require_own_partitions(resources, tables)
    except InputError as refused:
        return str(refused)
    return None


def test_a_resource_in_another_partition_is_named_with_its_option_and_table() -> None:
    tables = [LeaseTable("verintCTREvents", "us-east-1")]
    stream = fp.Resource(fp.KIND_STREAM, "ctr", CN_STREAM, "cn-north-1", fp.SOURCE_OPTION,
                         ("--stream",), ("verintCTREvents",))
    assert refusal([stream], tables) == snapshot(
        '--stream "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/ctr" is in the partition '
        'aws-cn, and the lease table "verintCTREvents" it belongs to is in us-east-1, of the '
        "partition aws: an adapter never reads across partitions. Give the stream of aws the "
        "adapter really uses, or correct the table's region.")
    unnamed = replace(stream, sources=())
    assert refusal([unnamed], tables) == snapshot(
        'stream "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/ctr" is in the partition '
        'aws-cn, and the lease table "verintCTREvents" it belongs to is in us-east-1, of the '
        "partition aws: an adapter never reads across partitions. Give the stream of aws the "
        "adapter really uses, or correct the table's region.")
    assert refusal([replace(stream, tables=())], tables) is None


def test_a_resource_without_an_arn_has_no_partition_to_differ() -> None:
    footprint = fp.resolve(BUCKET, TABLES, ACCOUNT)
    namespaces = footprint.of(fp.KIND_METRICS_NAMESPACE)
    assert namespaces and refusal(namespaces, [LeaseTable("verintCTREvents", "cn-north-1")]) is None


def test_a_selection_over_two_partitions_names_the_first_of_each() -> None:
    tables = [LeaseTable("a-table", "us-east-1"), LeaseTable("b-table", "us-west-2"),
              LeaseTable("c-table", "cn-north-1"), LeaseTable("no-region", "")]
    assert fp.mixed_partitions(tables) == snapshot(
        'The selection spans two AWS partitions, aws (the table "a-table" in us-east-1) and aws-cn '
        '(the table "c-table" in cn-north-1); one IAM policy cannot serve both, as an identity '
        "belongs to one partition. Run once per partition (one --conf-dir, or --table and "
        "--region, per run).")
    assert fp.mixed_partitions(tables[:2]) is None
    stream = fp.Resource(fp.KIND_STREAM, "ctr", CN_STREAM, "cn-north-1", fp.SOURCE_OPTION)
    assert fp.mixed_partitions(tables[:2], [stream]) == snapshot(
        'The selection spans two AWS partitions, aws (the table "a-table" in us-east-1) and aws-cn '
        '(stream "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/ctr"); one IAM policy cannot '
        "serve both, as an identity belongs to one partition. Run once per partition (one "
        "--conf-dir, or --table and --region, per run).")
    namespace = fp.Resource(fp.KIND_METRICS_NAMESPACE, "t", "t", "us-east-1", fp.SOURCE_TABLE)
    assert fp.mixed_partitions(tables[:1], [namespace]) is None
    gov = LeaseTable("d-table", "us-gov-west-1")
    assert fp.mixed_partitions([*tables, gov]) == snapshot(
        'The selection spans two AWS partitions, aws (the table "a-table" in us-east-1) and aws-cn '
        '(the table "c-table" in cn-north-1); one IAM policy cannot serve both, as an identity '
        "belongs to one partition. Run once per partition (one --conf-dir, or --table and "
        "--region, per run).")


def test_a_consumer_name_kinesis_would_refuse_says_why() -> None:
    def problem(name: str) -> str | None:
        words = fp.consumer_name_problem(name)
        return words and words.replace(name, "NAME")

    assert problem("a" * 128) is None
    assert problem("a" * 129) == snapshot(
        'The lease table "NAME" names its enhanced fan-out consumer (KCL uses the application name '
        "for both), and that name has 129 characters, and Kinesis allows at most 128: "
        "RegisterStreamConsumer would refuse it, so the adapter could not start with enhanced "
        "fan-out. Shorten the adapter's Application Name in the RIS configuration tool, or run "
        "without --enhanced-fan-out. Nothing was created.")
    assert problem("a" * 127 + "!") == snapshot(
        'The lease table "NAME" names its enhanced fan-out consumer (KCL uses the application name '
        "for both), and that name has characters Kinesis does not allow (only letters, digits, _ . "
        "and -): RegisterStreamConsumer would refuse it, so the adapter could not start with "
        "enhanced fan-out. Shorten the adapter's Application Name in the RIS configuration tool, "
        "or run without --enhanced-fan-out. Nothing was created.")


def test_enhanced_fan_out_refuses_a_table_whose_consumer_name_kinesis_would_refuse() -> None:
    long_name = "t" * 130
    options = fp.FootprintOptions(streams=("ctr-stream",), enhanced_fan_out=True)
    footprint = fp.resolve(options, [LeaseTable(long_name, "us-east-1")], ACCOUNT)
    with pytest.raises(InputError) as caught:
        fp.consumers(footprint)
    assert str(caught.value) == fp.consumer_name_problem(long_name)


def test_a_named_log_group_is_in_the_footprint() -> None:
    found = fp.resolve(fp.FootprintOptions(cloudwatch_logs="/ris/adapters"), TABLES, ACCOUNT)
    assert [r.arn for r in found.of(fp.KIND_LOG_GROUP)] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/ris/adapters"]


def test_lease_tables_only_without_the_files_names_nothing_found() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr",
                            "Region": "us-east-1"}})
    assert fp.resolve(fp.FootprintOptions(), tables, ACCOUNT, lease_tables_only=True).found
    assert fp.resolve(fp.FootprintOptions(), tables, ACCOUNT, lease_tables_only=True,
                      from_files=False).found == ()


def test_the_lease_tables_only_note_names_each_value_of_the_files() -> None:
    tables = _tables({"1": {"ApplicationName": "verintCTREvents", "StreamName": "ctr",
                            "ConnectInstanceId": INSTANCE, "Region": "us-east-1"}})
    found = fp.resolve(fp.FootprintOptions(), tables, ACCOUNT, lease_tables_only=True)
    assert fp.not_covered(found) == snapshot(
        "this is the lease-table policy only (--lease-tables-only): the adapters' files also name "
        "the stream ctr, the connect-instance aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, which the "
        "adapter needs and this policy does not grant; without --lease-tables-only they are "
        "included.")
