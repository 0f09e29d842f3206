"""The template room: YAML that readers agree on, cfn-lint clean templates, a
CloudFormation deployment into moto that builds exactly what `create` would,
and Terraform JSON checked field by field (and by checkov when available)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cfnlint.api import ManualArgs, lint
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from lease_tables.config.naming import LeaseTable
from lease_tables.core.errors import InputError
from lease_tables.model import kcl, spec
from lease_tables.render import template as tpl

OPTION_SETS: dict[str, spec.TableOptions] = {
    "vendor default": spec.make_options(),
    "on-demand": spec.make_options(billing_mode="on-demand"),
    # Built directly: the YAML and JSON writers must be safe for any text, also text that
    # `--tag` (AWS's tag rule) no longer lets through.
    "capacity and tags": spec.TableOptions(read_capacity=25, write_capacity=7,
                                           tags=(("owner", "recording team"),
                                                 ("cost-centre", "4711"),
                                                 ("note", "yes: \"quoted\" # not a comment"))),
    "no deletion protection": spec.make_options(deletion_protection=False),
}


def lt(name: str, region: str | None = "us-east-1") -> LeaseTable:
    return LeaseTable(table_name=name, region=region, sources=["--table"], origins=[None])


SINGLE = [lt("verintCTREvents"), lt("verintAgentEvents_verintris.2"),
          lt("verintAgentEvents_verintris2.2")]
MULTI = [lt("verintCTREvents"), lt("verintAgentEvents_verintris.2"),
         lt("euAgentEvents_verintris.7", "eu-west-1"), lt("verintCTREvents", "eu-west-1")]
NO_REGION = [lt("verintCTREvents", None), lt("a.b", None), lt("a_b", None)]


# ------------------------------------------------------------------ names


def test_logical_ids_are_alphanumeric_stable_and_unique_when_names_sanitise_alike() -> None:
    ids = {name: tpl.cfn_logical_id(name) for name in ("a.b", "a_b", "a-b", "A.b")}
    assert len(set(ids.values())) == 4
    assert all(re.fullmatch(r"[A-Za-z0-9]+", i) for i in ids.values())
    assert tpl.cfn_logical_id("verintAgentEvents_verintris.2") == tpl.cfn_logical_id(
        "verintAgentEvents_verintris.2")
    assert tpl.cfn_logical_id("verintAgentEvents_verintris.2").startswith(
        "LeaseTableVerintAgentEventsVerintris2")


def test_logical_id_of_the_longest_name_fits_with_its_output_suffix() -> None:
    longest = "x" * 255
    assert len(tpl.cfn_logical_id(longest) + "Arn") <= 255
    assert tpl.cfn_logical_id(longest) != tpl.cfn_logical_id("x" * 254)


def test_terraform_names_are_identifiers_even_for_names_starting_with_a_digit() -> None:
    for name in ("123abc", "a.b", "a_b", "---", "verintAgentEvents_verintris.2"):
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", tpl.tf_resource_name(name)), name
    assert tpl.tf_resource_name("a.b") != tpl.tf_resource_name("a_b")


def test_a_logical_id_does_not_change_when_other_tables_join() -> None:
    alone = tpl.cloudformation([lt("verintCTREvents")], spec.make_options())
    crowd = tpl.cloudformation(SINGLE, spec.make_options())
    (only_id,) = alone["Resources"]
    assert only_id in crowd["Resources"]


# ------------------------------------------------------------------ YAML emitter


@pytest.mark.parametrize("value", [
    "plain", "A\n", "yes",
    "No", "ON", "null", "~", "", "123", "1e3", "0x1F", "2010-09-09", "-dash",
    "a: b", "trailing:", "# hash", "x #y", "quote\"inside", "back\\slash", "new\nline",
    "tab\tchar", "line\u2028sep", "next\x85line", "bom\ufeff", "émoji 😀", "{braces}",
    "[list]", "&anchor", "*alias", "!tag", "%directive", "@at", "`tick", "'single'", "?q",
    " leading", "trailing ", "AWS::DynamoDB::Table", ".inf", ".nan", "=",
])
def test_yaml_scalars_read_back_exactly(value: str) -> None:
    assert yaml.safe_load(tpl.to_yaml({"k": value})) == {"k": value}


# Text a YAML reader can hold at all: no surrogates (not encodable) and no NUL
# (PyYAML rejects it even escaped).
_yaml_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), _yaml_text)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_yaml_text, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_yaml_text, _documents, min_size=1, max_size=4))
def test_any_plain_document_reads_back_exactly(data: dict[str, Any]) -> None:
    assert yaml.safe_load(tpl.to_yaml(data)) == data


def test_yaml_of_nested_structures_reads_back_exactly() -> None:
    data = {"a": [1, True, False, None, {"b": [], "c": {}}, [["x"], "y"]],
            "d": {"e": [{"f": 1, "g": [{"h": "i"}]}]}, "yes": "no"}
    assert yaml.safe_load(tpl.to_yaml(data)) == data


@pytest.mark.parametrize(("label", "tables"), [("single", SINGLE), ("multi", MULTI),
                                               ("no region", NO_REGION)])
@pytest.mark.parametrize("options", OPTION_SETS.values(), ids=OPTION_SETS.keys())
def test_cloudformation_yaml_is_the_template_dict(label: str, tables: list[LeaseTable],
                                                  options: spec.TableOptions) -> None:
    text = tpl.cloudformation_yaml(tables, options)
    assert yaml.safe_load(text) == tpl.cloudformation(tables, options)


# ------------------------------------------------------------------ CloudFormation shape


def test_every_table_is_declared_from_the_create_request() -> None:
    options = OPTION_SETS["capacity and tags"]
    template = tpl.cloudformation(SINGLE, options)
    assert len(template["Resources"]) == len(SINGLE)
    for table in SINGLE:
        resource = template["Resources"][tpl.cfn_logical_id(table.table_name)]
        assert resource["Type"] == "AWS::DynamoDB::Table"
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
        assert resource["Properties"] == spec.create_table_request(table.table_name, options)
        assert resource["Properties"]["KeySchema"] == [{"AttributeName": "leaseKey",
                                                        "KeyType": "HASH"}]
        assert resource["Properties"]["DeletionProtectionEnabled"] is True
        assert "Condition" not in resource
        output = template["Outputs"][tpl.cfn_logical_id(table.table_name) + "Arn"]
        assert output["Value"] == {"Fn::GetAtt": [tpl.cfn_logical_id(table.table_name), "Arn"]}


def test_multi_region_tables_are_gated_by_their_region() -> None:
    template = tpl.cloudformation(MULTI, spec.make_options())
    assert template["Conditions"] == {
        "InEuWest1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
        "InUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
    }
    by_region: dict[str, set[str]] = {}
    for resource in template["Resources"].values():
        by_region.setdefault(resource["Condition"], set()).add(
            resource["Properties"]["TableName"])
    assert by_region == {"InUsEast1": {"verintCTREvents", "verintAgentEvents_verintris.2"},
                         "InEuWest1": {"euAgentEvents_verintris.7", "verintCTREvents"}}
    for key, output in template["Outputs"].items():
        resource = template["Resources"][key.removesuffix("Arn")]
        assert output["Condition"] == resource["Condition"]


def test_some_regions_known_and_some_not_is_refused_naming_the_table() -> None:
    with pytest.raises(InputError, match="homeless1"):
        tpl.cloudformation([lt("housed1"), lt("homeless1", None)], spec.make_options())
    with pytest.raises(InputError, match="homeless1"):
        tpl.terraform([lt("housed1"), lt("homeless1", None)], spec.make_options())


def test_notes_only_when_something_needs_saying() -> None:
    options = spec.make_options()
    for fmt in tpl.FORMATS:
        assert tpl.notes(fmt, SINGLE, tpl.render(fmt, SINGLE, options)) == []
    (note,) = tpl.notes("cloudformation", MULTI, tpl.cloudformation_yaml(MULTI, options))
    assert "StackSet" in note and "eu-west-1, us-east-1" in note


def fleet_of(count: int) -> list[LeaseTable]:
    return [lt(f"verintAgentEvents_ris{i:04d}.2") for i in range(count)]


def test_a_fleet_past_the_output_quota_gets_no_outputs_and_stays_lint_clean() -> None:
    options = spec.make_options()
    at_quota = tpl.cloudformation(fleet_of(200), options)
    assert len(at_quota["Outputs"]) == 200
    tables = fleet_of(201)
    text = tpl.cloudformation_yaml(tables, options)
    template = yaml.safe_load(text)
    assert "Outputs" not in template and len(template["Resources"]) == 201
    assert lint(text, config=ManualArgs(regions=["us-east-1"])) == []
    found = tpl.notes("cloudformation", tables, text)
    assert any("no Outputs" in n for n in found)
    assert any("--template-url" in n for n in found)  # ~160 kB is past the inline 51,200


def test_a_fleet_past_the_resource_quota_is_refused() -> None:
    assert len(tpl.cloudformation(fleet_of(500), spec.make_options())["Resources"]) == 500
    with pytest.raises(InputError, match="500 resources"):
        tpl.cloudformation(fleet_of(501), spec.make_options())


# ------------------------------------------------------------------ cfn-lint


CFN_CASES = [(label, tables, name, options)
             for label, tables in (("single", SINGLE), ("multi", MULTI), ("no region", NO_REGION))
             for name, options in OPTION_SETS.items()]


@pytest.mark.parametrize(("label", "tables", "name", "options"), CFN_CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CFN_CASES])
def test_cfn_lint_reports_nothing(label: str, tables: list[LeaseTable], name: str,
                                  options: spec.TableOptions) -> None:
    text = tpl.cloudformation_yaml(tables, options)
    regions = sorted({t.region for t in tables if t.region}) or ["us-east-1"]
    assert lint(text, config=ManualArgs(regions=regions)) == []


def test_cfn_lint_would_notice_a_broken_template() -> None:
    template = tpl.cloudformation(SINGLE, spec.make_options())
    for resource in template["Resources"].values():
        del resource["Properties"]["ProvisionedThroughput"]
    assert lint(tpl.to_yaml(template), config=ManualArgs(regions=["us-east-1"]))


# ------------------------------------------------------------------ deploy into moto


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with mock_aws():
        yield


def deploy(text: str, region: str, stack: str = "lease-tables") -> dict[str, str]:
    cfn = boto3.client("cloudformation", region_name=region)
    cfn.create_stack(StackName=stack, TemplateBody=text)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def assert_built_like_create(region: str, table_name: str, options: spec.TableOptions) -> str:
    """The deployed table has exactly what CreateTable with these options gives."""
    request = spec.create_table_request(table_name, options)
    ddb = boto3.client("dynamodb", region_name=region)
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert table["KeySchema"] == request["KeySchema"]
    assert table["AttributeDefinitions"] == request["AttributeDefinitions"]
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    assert billing == request["BillingMode"]
    if "ProvisionedThroughput" in request:
        throughput = table["ProvisionedThroughput"]
        assert throughput["ReadCapacityUnits"] == request["ProvisionedThroughput"][
            "ReadCapacityUnits"]
        assert throughput["WriteCapacityUnits"] == request["ProvisionedThroughput"][
            "WriteCapacityUnits"]
    assert table["DeletionProtectionEnabled"] is request["DeletionProtectionEnabled"]
    tags = ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
    assert sorted((t["Key"], t["Value"]) for t in tags) == sorted(
        (t["Key"], t["Value"]) for t in request.get("Tags", []))
    return table["TableArn"]


@pytest.mark.parametrize("options", OPTION_SETS.values(), ids=OPTION_SETS.keys())
def test_the_template_deployed_builds_what_create_would(aws: None,
                                                        options: spec.TableOptions) -> None:
    outputs = deploy(tpl.cloudformation_yaml(SINGLE, options), "us-east-1")
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    assert sorted(ddb.list_tables()["TableNames"]) == sorted(t.table_name for t in SINGLE)
    for table in SINGLE:
        table_arn = assert_built_like_create("us-east-1", table.table_name, options)
        assert outputs[tpl.cfn_logical_id(table.table_name) + "Arn"] == table_arn


def test_one_multi_region_template_builds_each_table_in_its_own_region(aws: None) -> None:
    options = spec.make_options()
    text = tpl.cloudformation_yaml(MULTI, options)
    for region in ("us-east-1", "eu-west-1"):
        outputs = deploy(text, region)
        expected = sorted(t.table_name for t in MULTI if t.region == region)
        listed = boto3.client("dynamodb", region_name=region).list_tables()["TableNames"]
        assert sorted(listed) == expected
        assert len(outputs) == len(expected)
        for name in expected:
            table_arn = assert_built_like_create(region, name, options)
            assert f":{region}:" in table_arn


# ------------------------------------------------------------------ Terraform


@pytest.mark.parametrize(("label", "tables"), [("single", SINGLE), ("multi", MULTI),
                                               ("no region", NO_REGION)])
@pytest.mark.parametrize("options", OPTION_SETS.values(), ids=OPTION_SETS.keys())
def test_terraform_json_declares_every_table_like_create(
        label: str, tables: list[LeaseTable], options: spec.TableOptions) -> None:
    config = json.loads(tpl.terraform_json(tables, options))
    assert config["terraform"]["required_providers"]["aws"]["source"] == "hashicorp/aws"
    regions = sorted({t.region for t in tables if t.region})
    providers = config.get("provider", {}).get("aws", [])
    aliases = {p["alias"]: p["region"] for p in providers}
    assert sorted(aliases.values()) == regions
    resources: dict[str, Any] = config["resource"]["aws_dynamodb_table"]
    assert len(resources) == len(tables)
    seen: set[tuple[str, str | None]] = set()
    for name, resource in resources.items():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", name)
        request = spec.create_table_request(resource["name"], options)
        assert resource["hash_key"] == "leaseKey"
        assert resource["attribute"] == [{"name": "leaseKey", "type": "S"}]
        assert resource["billing_mode"] == request["BillingMode"]
        if options.billing_mode == "provisioned":
            assert (resource["read_capacity"], resource["write_capacity"]) == (
                options.read_capacity, options.write_capacity)
        else:
            assert "read_capacity" not in resource and "write_capacity" not in resource
        assert resource["deletion_protection_enabled"] is options.deletion_protection
        assert resource["lifecycle"] == {"prevent_destroy": True}
        assert resource.get("tags", {}) == dict(options.tags)
        region = None
        if regions:
            alias = resource["provider"].removeprefix("aws.")
            assert resource["provider"] == f"aws.{alias}"
            region = aliases[alias]
        else:
            assert "provider" not in resource
        seen.add((resource["name"], region))
        output = config["output"][f"{name}_arn"]
        assert output["value"] == f"${{aws_dynamodb_table.{name}.arn}}"
    assert seen == {(t.table_name, t.region) for t in tables}


def _checkov() -> str | None:
    return os.environ.get("LEASE_TABLES_CHECKOV") or shutil.which("checkov")


# Findings we accept, on purpose, because the templates declare what `create` builds:
# CKV_AWS_28 point-in-time recovery and CKV_AWS_119 a customer-managed KMS key are
# choices for the account owner (lease tables hold only shard leases and
# checkpoints); CKV2_AWS_16 auto scaling is not what KCL's 10/10 tables need.
CHECKOV_ACCEPTED = {"CKV_AWS_28", "CKV_AWS_119", "CKV2_AWS_16"}


@pytest.mark.skipif(_checkov() is None, reason="checkov is not installed (it pins packaging<24, "
                    "which pytest 9 refuses, so it lives in its own venv: set "
                    "LEASE_TABLES_CHECKOV to its executable)")
@pytest.mark.parametrize("fmt", ["terraform", "cloudformation"])
def test_checkov_finds_only_the_accepted_choices(tmp_path: Path, fmt: str) -> None:
    checkov = _checkov()
    assert checkov
    options = OPTION_SETS["capacity and tags"]
    if fmt == "terraform":
        target = tmp_path / "main.tf.json"
        target.write_text(tpl.terraform_json(MULTI, options))
        framework = "terraform_json"
    else:
        target = tmp_path / "lease-tables.yaml"
        target.write_text(tpl.cloudformation_yaml(SINGLE, options))
        framework = "cloudformation"
    # A dead proxy on 127.0.0.1 keeps checkov's optional downloads off the network.
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "NO_PROXY": "", "BC_SKIP_MAPPING": "TRUE"}
    proc = subprocess.run([checkov, "-f", str(target), "--framework", framework,
                           "--skip-download", "-o", "json", "--quiet", "--compact"],
                          capture_output=True, text=True, timeout=300, env=env)
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r["results"]["failed_checks"]]
    assert sum(r["summary"]["parsing_errors"] for r in reports) == 0
    unexpected = sorted({(c["check_id"], c["check_name"]) for c in failed
                         if c["check_id"] not in CHECKOV_ACCEPTED})
    assert unexpected == []
    # checkov did read every table (each has at least one accepted finding).
    flagged = {c["resource"].rsplit(".", 1)[-1] for c in failed}
    if fmt == "terraform":
        expected = set(tpl.terraform(MULTI, options)["resource"]["aws_dynamodb_table"])
    else:
        expected = set(tpl.cloudformation(SINGLE, options)["Resources"])
    assert expected <= flagged


def test_deleting_the_stack_keeps_the_tables(aws: None) -> None:
    """Retain alone keeps the table, even with deletion protection off."""
    options = OPTION_SETS["no deletion protection"]
    deploy(tpl.cloudformation_yaml(SINGLE, options), "us-east-1", stack="doomed")
    boto3.client("cloudformation", region_name="us-east-1").delete_stack(StackName="doomed")
    listed = boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"]
    assert sorted(listed) == sorted(t.table_name for t in SINGLE)


# ------------------------------------------------------------------ KCL layouts


KCL_2, KCL_30, KCL_35 = kcl.LAYOUTS
INDEX_KEYS = [{"AttributeName": "leaseOwner", "KeyType": "HASH"},
              {"AttributeName": "leaseKey", "KeyType": "RANGE"}]
COMPANION_KEYS = {"-CoordinatorState": "key", "-WorkerMetricStats": "wid"}


def test_kcl_2_output_is_todays() -> None:
    options = OPTION_SETS["capacity and tags"]
    for fmt in tpl.FORMATS:
        assert tpl.render(fmt, MULTI, options, KCL_2) == tpl.render(fmt, MULTI, options)


@pytest.mark.parametrize("options", OPTION_SETS.values(), ids=OPTION_SETS.keys())
def test_kcl_30_template_declares_the_index_and_both_companions(
        options: spec.TableOptions) -> None:
    template = tpl.cloudformation(SINGLE, options, KCL_30)
    by_name = {r["Properties"]["TableName"]: r for r in template["Resources"].values()}
    assert len(by_name) == 3 * len(SINGLE) == len(template["Outputs"])
    for table in SINGLE:
        lease = by_name[table.table_name]["Properties"]
        (index,) = lease["GlobalSecondaryIndexes"]
        assert index["IndexName"] == "LeaseOwnerToLeaseKeyIndex"
        assert index["KeySchema"] == INDEX_KEYS
        assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
        assert index.get("ProvisionedThroughput") == lease.get("ProvisionedThroughput")
        for suffix, key in COMPANION_KEYS.items():
            resource = by_name[table.table_name + suffix]
            assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
            properties = resource["Properties"]
            assert properties["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
            assert properties["BillingMode"] == "PAY_PER_REQUEST"
            assert "ProvisionedThroughput" not in properties
            assert "GlobalSecondaryIndexes" not in properties
            assert properties["DeletionProtectionEnabled"] is options.deletion_protection
            assert properties.get("Tags", []) == lease.get("Tags", [])


def test_kcl_35_template_has_the_index_and_no_companion() -> None:
    template = tpl.cloudformation(SINGLE, spec.make_options(), KCL_35)
    assert len(template["Resources"]) == len(SINGLE)
    for resource in template["Resources"].values():
        assert resource["Properties"]["GlobalSecondaryIndexes"][0]["KeySchema"] == INDEX_KEYS


LAYOUT_CASES = [(layout, label, tables, name, options)
                for layout in (KCL_30, KCL_35)
                for label, tables in (("single", SINGLE), ("multi", MULTI))
                for name, options in OPTION_SETS.items()]


@pytest.mark.parametrize(("layout", "label", "tables", "name", "options"), LAYOUT_CASES,
                         ids=[f"{c[0].name}-{c[1]}-{c[3]}" for c in LAYOUT_CASES])
def test_cfn_lint_reports_nothing_for_kcl_3(layout: kcl.Layout, label: str,
                                            tables: list[LeaseTable], name: str,
                                            options: spec.TableOptions) -> None:
    text = tpl.cloudformation_yaml(tables, options, layout)
    assert yaml.safe_load(text) == tpl.cloudformation(tables, options, layout)
    regions = sorted({t.region for t in tables if t.region})
    assert lint(text, config=ManualArgs(regions=regions)) == []


@pytest.mark.parametrize("options", [OPTION_SETS["capacity and tags"], OPTION_SETS["on-demand"]],
                         ids=["provisioned", "on-demand"])
def test_the_kcl_30_template_deployed_builds_the_index_and_companions(
        aws: None, options: spec.TableOptions) -> None:
    deploy(tpl.cloudformation_yaml(SINGLE, options, KCL_30), "us-east-1")
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    expected = sorted(t.table_name + s for t in SINGLE for s in ("", *COMPANION_KEYS))
    assert sorted(ddb.list_tables()["TableNames"]) == expected
    for table in SINGLE:
        described = ddb.describe_table(TableName=table.table_name)["Table"]
        assert spec.index_problem(described) is None
        (index,) = described["GlobalSecondaryIndexes"]
        if options.billing_mode == "provisioned":
            assert index["ProvisionedThroughput"]["ReadCapacityUnits"] == options.read_capacity
            assert index["ProvisionedThroughput"]["WriteCapacityUnits"] == (
                options.write_capacity)
        for suffix, key in COMPANION_KEYS.items():
            companion = ddb.describe_table(TableName=table.table_name + suffix)["Table"]
            assert spec.key_schema_problem(companion, key) is None
            assert companion["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
            assert companion["DeletionProtectionEnabled"] is True


@pytest.mark.parametrize("layout", [KCL_30, KCL_35], ids=["3.0", "3.5"])
@pytest.mark.parametrize("options", OPTION_SETS.values(), ids=OPTION_SETS.keys())
def test_terraform_json_for_kcl_3(layout: kcl.Layout, options: spec.TableOptions) -> None:
    config = json.loads(tpl.terraform_json(MULTI, options, layout))
    resources = config["resource"]["aws_dynamodb_table"]
    assert len(resources) == len(MULTI) * (1 + len(layout.companions))
    assert len(config["output"]) == len(resources)
    leases = [r for r in resources.values() if r["hash_key"] == "leaseKey"]
    assert len(leases) == len(MULTI)
    for resource in leases:
        assert resource["attribute"] == [{"name": "leaseKey", "type": "S"},
                                         {"name": "leaseOwner", "type": "S"}]
        expected = {"name": "LeaseOwnerToLeaseKeyIndex", "hash_key": "leaseOwner",
                    "range_key": "leaseKey", "projection_type": "KEYS_ONLY"}
        if options.billing_mode == "provisioned":
            expected |= {"read_capacity": options.read_capacity,
                         "write_capacity": options.write_capacity}
        assert resource["global_secondary_index"] == [expected]
    for resource in resources.values():
        assert resource["lifecycle"] == {"prevent_destroy": True}
        assert resource["deletion_protection_enabled"] is options.deletion_protection
        assert resource.get("tags", {}) == dict(options.tags)
        if resource["hash_key"] != "leaseKey":
            suffix = next(s for s in COMPANION_KEYS if resource["name"].endswith(s))
            assert resource["hash_key"] == COMPANION_KEYS[suffix]
            assert resource["billing_mode"] == "PAY_PER_REQUEST"
            assert "global_secondary_index" not in resource and "read_capacity" not in resource
            lease_name = resource["name"].removesuffix(suffix)
            lease = next(r for r in leases if r["name"] == lease_name
                         and r.get("provider") == resource.get("provider"))
            assert lease is not None
