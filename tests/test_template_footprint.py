"""`template --with-policy` and the enhanced fan-out consumers: cfn-lint and parliament
on what is declared, the policy deployed into moto's CloudFormation, checkov where it
is installed, and the installed CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cfnlint.api import ManualArgs, lint
from inline_snapshot import snapshot
from parliament import analyze_policy_string

from lease_tables.config.naming import LeaseTable
from lease_tables.model import footprint as fp
from lease_tables.model import kcl, spec
from lease_tables.render import policy as pol
from lease_tables.render import template as tpl
from tests.test_template import (
    MULTI,
    SINGLE,
    _checkov,
    aws,  # noqa: F401 (the fixture)
    deploy,
)

ACCOUNT = "123456789012"
OPTIONS = spec.make_options()
EVERYTHING = fp.FootprintOptions(
    streams=("ctr-stream",), enhanced_fan_out=True, buckets=("recordings-bucket",),
    kms_keys=("1234abcd-12ab-34cd-56ef-1234567890ab",), video_streams=("connect-live",),
    connect_instances=("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",), cloudwatch_logs="")
MULTI_STREAMS = fp.FootprintOptions(
    streams=("arn:aws:kinesis:us-east-1:123456789012:stream/ctr-stream",
             "arn:aws:kinesis:eu-west-1:123456789012:stream/eu-agent-stream"),
    enhanced_fan_out=True, buckets=("recordings-bucket",))
MANY = fp.FootprintOptions(streams=tuple(f"adapter-stream-{i:04d}" for i in range(120)),
                           enhanced_fan_out=False)


def extras(tables: list[LeaseTable], options: fp.FootprintOptions, with_policy: bool = True,
           layout: kcl.Layout = kcl.DEFAULT_LAYOUT) -> tpl.Extras:
    made, _ = tpl.template_extras(tables, options, with_policy, layout)
    return made


def as_deployed(value: Any, account: str = ACCOUNT, region: str = "us-east-1") -> Any:
    """A template's value as the stack deployed in `account` and `region` sees it:
    CloudFormation's `Fn::Sub` of the pseudo parameters, Terraform's data sources."""
    if isinstance(value, dict) and list(value) == ["Fn::Sub"]:
        value = value["Fn::Sub"]
    if isinstance(value, str):
        for reference, real in (("${AWS::Partition}", "aws"), ("${AWS::Region}", region),
                                ("${AWS::AccountId}", account),
                                ("${data.aws_partition.current.partition}", "aws"),
                                ("${data.aws_region.current.name}", region),
                                ("${data.aws_caller_identity.current.account_id}", account)):
            value = value.replace(reference, real)
        return value
    if isinstance(value, dict):
        return {k: as_deployed(v, account, region) for k, v in value.items()}
    if isinstance(value, list):
        return [as_deployed(v, account, region) for v in value]
    return value


def cfn(tables: list[LeaseTable], made: tpl.Extras) -> tuple[str, dict[str, Any]]:
    text = tpl.cloudformation_yaml(tables, OPTIONS, extras=made)
    return text, yaml.safe_load(text)


def of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


CASES = {"single": (SINGLE, EVERYTHING), "multi": (MULTI, MULTI_STREAMS),
         "split": (SINGLE, MANY)}


@pytest.mark.parametrize("case", CASES)
def test_cloudformation_with_policy_and_consumers_is_cfn_lint_clean(case: str) -> None:
    tables, options = CASES[case]
    text, template = cfn(tables, extras(tables, options))
    regions = sorted({t.region for t in tables if t.region})
    assert lint(text, config=ManualArgs(regions=regions)) == []
    policies = of_type(template, "AWS::IAM::ManagedPolicy")
    assert policies
    for resource in policies.values():
        document = as_deployed(resource["Properties"]["PolicyDocument"])
        assert analyze_policy_string(json.dumps(document)).findings == []
        assert pol.policy_size(document) <= pol.MANAGED_POLICY_MAX


def test_cfn_lint_would_notice_a_broken_consumer() -> None:
    template = tpl.cloudformation(SINGLE, OPTIONS, extras=extras(SINGLE, EVERYTHING))
    for resource in of_type(template, "AWS::Kinesis::StreamConsumer").values():
        del resource["Properties"]["StreamARN"]
    assert lint(tpl.to_yaml(template), config=ManualArgs(regions=["us-east-1"]))


def test_the_embedded_policy_is_the_policy_commands_document() -> None:
    documents, _, _ = pol.policy_documents("adapter", SINGLE, ACCOUNT, EVERYTHING)
    _, template = cfn(SINGLE, extras(SINGLE, EVERYTHING))
    (policy,) = of_type(template, "AWS::IAM::ManagedPolicy").values()
    assert [as_deployed(policy["Properties"]["PolicyDocument"])] == documents
    config = tpl.terraform(SINGLE, OPTIONS, extras=extras(SINGLE, EVERYTHING))
    (block,) = config["resource"]["aws_iam_policy"].values()
    assert [as_deployed(json.loads(block["policy"]))] == documents
    # Where it is applied, from the data sources of the policy's own provider.
    assert config["data"] == {data: {"current": {"provider": "aws.us_east_1"}} for data in (
        "aws_caller_identity", "aws_partition", "aws_region")}


def test_a_split_policy_becomes_several_managed_policies_granting_the_whole() -> None:
    documents, _, _ = pol.policy_documents("adapter", SINGLE, ACCOUNT, MANY)
    assert len(documents) >= 2
    _, template = cfn(SINGLE, extras(SINGLE, MANY))
    policies = of_type(template, "AWS::IAM::ManagedPolicy")
    assert list(policies) == tpl.policy_ids(len(documents), tpl.CFN_POLICY_ID)
    assert [as_deployed(p["Properties"]["PolicyDocument"])
            for p in policies.values()] == documents
    made, said = tpl.template_extras(SINGLE, MANY, True)
    assert any(f"declares {len(documents)}" in n
               for n in tpl.notes("cloudformation", SINGLE, "", extras=made))
    assert not any("JSON array" in n for n in said)


def test_consumers_are_named_after_the_lease_tables_and_retained() -> None:
    _, template = cfn(SINGLE, extras(SINGLE, EVERYTHING, with_policy=False))
    consumers = of_type(template, "AWS::Kinesis::StreamConsumer")
    assert {c["Properties"]["ConsumerName"] for c in consumers.values()} == {
        t.table_name for t in SINGLE}
    for consumer in consumers.values():
        assert consumer["Properties"]["StreamARN"] == {"Fn::Sub": snapshot(
            "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/ctr-stream")}
        assert consumer["DeletionPolicy"] == consumer["UpdateReplacePolicy"] == "Retain"
        assert "Condition" not in consumer
    assert not of_type(template, "AWS::IAM::ManagedPolicy")
    config = tpl.terraform(SINGLE, OPTIONS, extras=extras(SINGLE, EVERYTHING,
                                                          with_policy=False))
    blocks = config["resource"]["aws_kinesis_stream_consumer"]
    assert {b["name"] for b in blocks.values()} == {t.table_name for t in SINGLE}
    assert all(b["lifecycle"] == {"prevent_destroy": True} and b["provider"] == "aws.us_east_1"
               for b in blocks.values())
    assert "aws_iam_policy" not in config["resource"]


def test_in_several_regions_each_consumer_is_gated_by_its_own_and_the_policy_made_once(
        ) -> None:
    _, template = cfn(MULTI, extras(MULTI, MULTI_STREAMS))
    gates = {c["Properties"]["StreamARN"].split(":")[3]: c["Condition"]
             for c in of_type(template, "AWS::Kinesis::StreamConsumer").values()}
    assert gates == {"eu-west-1": "InEuWest1", "us-east-1": "InUsEast1"}
    (policy,) = of_type(template, "AWS::IAM::ManagedPolicy").values()
    assert policy["Condition"] == "InEuWest1"
    config = tpl.terraform(MULTI, OPTIONS, extras=extras(MULTI, MULTI_STREAMS))
    providers = {b["stream_arn"].split(":")[3]: b["provider"]
                 for b in config["resource"]["aws_kinesis_stream_consumer"].values()}
    assert providers == {"eu-west-1": "aws.eu_west_1", "us-east-1": "aws.us_east_1"}


def test_without_the_new_options_the_template_is_todays() -> None:
    for fmt in tpl.FORMATS:
        assert tpl.render(fmt, SINGLE, OPTIONS) == tpl.render(
            fmt, SINGLE, OPTIONS, extras=tpl.NO_EXTRAS)
    assert tpl.extras_notes(fp.FootprintOptions(), False) == []
    assert "--with-policy" in tpl.extras_notes(fp.FootprintOptions(buckets=("b-one",)),
                                               False)[0]


@pytest.mark.usefixtures("aws")
def test_the_policy_deployed_by_cloudformation_is_the_document() -> None:
    documents, _, _ = pol.policy_documents("adapter", SINGLE, ACCOUNT, EVERYTHING)
    made = tpl.Extras(policies=tuple(documents))  # moto's CloudFormation has no consumers
    outputs = deploy(tpl.cloudformation_yaml(SINGLE, OPTIONS, extras=made), "us-east-1")
    iam = boto3.client("iam", region_name="us-east-1")
    arn = outputs["AdapterPolicyArn"]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    stored = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    document = stored["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    assert document == documents[0]


@pytest.mark.usefixtures("aws")
def test_one_template_deploys_into_two_accounts_each_policy_naming_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A StackSet's case: the same template, unchanged, in two accounts and two regions;
    each stack's policy names its own account's (and region's) tables and streams."""
    made = extras(SINGLE, fp.FootprintOptions(streams=("ctr-stream",)))
    text = tpl.cloudformation_yaml(SINGLE, OPTIONS, extras=made)
    assert "123456789012" not in text and tpl.DEPLOY_ACCOUNT not in text
    seen = {}
    for account, region in (("111111111111", "us-east-1"), ("222222222222", "eu-west-1")):
        monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
        outputs = deploy(text, region)
        iam = boto3.client("iam", region_name=region)
        arn = outputs["AdapterPolicyArn"]
        assert f":{account}:" in arn
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        stored = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        document = stored["Document"]
        document = json.loads(document) if isinstance(document, str) else document
        resources = {r for s in document["Statement"] for r in s["Resource"]}
        assert {f"arn:aws:dynamodb:{region}:{account}:table/{t.table_name}"
                for t in SINGLE} <= resources, resources
        assert f"arn:aws:kinesis:{region}:{account}:stream/ctr-stream" in resources
        assert not any("${" in r for r in resources), resources
        tables = boto3.client("dynamodb", region_name=region).list_tables()["TableNames"]
        assert sorted(tables) == sorted(t.table_name for t in SINGLE)
        seen[account] = resources
    first, second = seen.values()
    assert not first & {r for r in second if r != "*"}


# Besides the tables' accepted findings (tests/test_template.py), checkov's IAM checks
# must find nothing in the adapter's policy.
ACCEPTED = {"CKV_AWS_28", "CKV_AWS_119", "CKV2_AWS_16"}


def _run_checkov(tmp_path: Path, fmt: str, made: tpl.Extras) -> list[dict[str, Any]]:
    checkov = _checkov()
    assert checkov
    if fmt == "terraform":
        target = tmp_path / "main.tf.json"
        target.write_text(tpl.terraform_json(SINGLE, OPTIONS, extras=made))
        framework = "terraform_json"
    else:
        target = tmp_path / "lease-tables.yaml"
        target.write_text(tpl.cloudformation_yaml(SINGLE, OPTIONS, extras=made))
        framework = "cloudformation"
    # A dead proxy on 127.0.0.1 keeps checkov's optional downloads off the network.
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "NO_PROXY": "", "BC_SKIP_MAPPING": "TRUE"}
    proc = subprocess.run([checkov, "-f", str(target), "--framework", framework,
                           "--skip-download", "-o", "json", "--compact"],
                          capture_output=True, text=True, timeout=300, env=env)
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    assert sum(r["summary"]["parsing_errors"] for r in reports) == 0
    return reports


needs_checkov = pytest.mark.skipif(_checkov() is None, reason="checkov is not installed (set "
                                   "LEASE_TABLES_CHECKOV to its executable)")


@needs_checkov
@pytest.mark.parametrize("fmt", ["terraform", "cloudformation"])
def test_checkov_finds_nothing_in_the_policy_and_consumers(tmp_path: Path, fmt: str) -> None:
    reports = _run_checkov(tmp_path, fmt, extras(SINGLE, EVERYTHING))
    failed = [c for r in reports for c in r["results"]["failed_checks"]]
    passed = [c for r in reports for c in r["results"]["passed_checks"]]
    assert sorted({(c["check_id"], c["resource"]) for c in failed
                   if c["check_id"] not in ACCEPTED}) == []
    # checkov did judge the policy (its IAM checks passed on it).
    assert any("policy" in c["resource"].lower() for c in passed)


@needs_checkov
def test_checkov_would_notice_a_broken_policy(tmp_path: Path) -> None:
    broken = {"Version": "2012-10-17", "Statement": [
        {"Sid": "All", "Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]}
    reports = _run_checkov(tmp_path, "terraform", tpl.Extras(policies=(broken,)))
    failed = {c["check_id"] for r in reports for c in r["results"]["failed_checks"]}
    assert failed - ACCEPTED
