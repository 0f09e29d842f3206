"""The policy room with plain values, parliament on real configurations, and a
small IAM evaluator that judges what each policy allows."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from inline_snapshot import snapshot
from parliament import analyze_policy_string

from lease_tables.config.naming import LeaseTable, derive_tables
from lease_tables.config.ris import ConfFile, parse_adapters
from lease_tables.config.selection import Selection, select
from lease_tables.core.errors import InputError
from lease_tables.model import kcl
from lease_tables.render import policy as pol
from tests.policy_helpers import AGENT, CONNECT, Ad, allowed, arn, decision, ris_xml, write_conf

ACCOUNT = "123456789012"
SIX = ["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
       "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"]
# Never granted to anyone by this product.
DANGEROUS = ["dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:BatchWriteItem",
             "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
             "dynamodb:RestoreTableFromBackup", "dynamodb:UntagResource",
             "dynamodb:UpdateTimeToLive", "dynamodb:PartiQLDelete", "dynamodb:PartiQLUpdate",
             "dynamodb:PartiQLInsert", "dynamodb:CreateBackup", "dynamodb:Query",
             "dynamodb:GetItem", "dynamodb:Scan"]


def lt(name: str, region: str | None = "us-east-1") -> LeaseTable:
    return LeaseTable(table_name=name, region=region)


# ------------------------------------------------------------------ ARNs and inputs


@pytest.mark.parametrize(("region", "expected"), [
    ("us-east-1", "aws"), ("eu-west-1", "aws"), ("ap-southeast-2", "aws"),
    ("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"),
    ("us-gov-west-1", "aws-us-gov"), ("us-gov-east-1", "aws-us-gov"),
    ("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b"),
    ("eu-isoe-west-1", "aws-iso-e"), ("us-isof-south-1", "aws-iso-f"),
    ("us-isof-east-1", "aws-iso-f"),
])
def test_partition_follows_the_region(region: str, expected: str) -> None:
    assert pol.partition(region) == expected


def test_table_arn_has_every_part_in_place() -> None:
    assert (pol.table_arn("cn-north-1", ACCOUNT, "verintAgentEvents_verintris.2")
            == snapshot(
                "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/verintAgentEvents_verintris.2"))


@pytest.mark.parametrize("bad", ["", "   ", "12345678901", "1234567890123", "1234-5678-9012",
                                 "12345678901a", "\uff11" * 12, None])
def test_account_id_must_be_twelve_ascii_digits(bad: str | None) -> None:
    with pytest.raises(InputError, match="--account-id"):
        pol.validate_account_id(bad)


def test_account_id_keeps_leading_zeros_and_strips_blanks() -> None:
    assert pol.validate_account_id(" 000123456789 ") == "000123456789"


def test_a_table_without_region_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="nowhere1"):
        pol.adapter_policy([lt("fine1"), lt("nowhere1", None)], ACCOUNT)


@pytest.mark.parametrize("region", ["us-east1", "US-EAST-1", "useast", "local", "us-east-1 ",
                                    "us-east-1\n"])
def test_a_region_that_is_no_region_code_is_refused(region: str) -> None:
    with pytest.raises(InputError, match="region code"):
        pol.provisioner_policy([lt("table1", region)], ACCOUNT)


def test_unknown_role_is_an_input_error() -> None:
    with pytest.raises(InputError, match="--role"):
        pol.build_policy("admin", [lt("table1")], ACCOUNT)


# ------------------------------------------------------------------ adapter role


def test_adapter_policy_is_exactly_six_actions_and_a_deny() -> None:
    tables = [lt("verintCTREvents"), lt("verintAgentEvents_verintris.2", "eu-west-1")]
    assert pol.adapter_policy(tables, ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "LeaseTableAccess", "Effect": "Allow", "Action": SIX,
             "Resource": [
                 "arn:aws:dynamodb:eu-west-1:123456789012:table/verintAgentEvents_verintris.2",
                 "arn:aws:dynamodb:us-east-1:123456789012:table/verintCTREvents",
             ]},
            {"Sid": "DenyCreateTable", "Effect": "Deny", "Action": ["dynamodb:CreateTable"],
             "Resource": ["*"]},
        ],
    }


def test_adapter_policy_allows_its_tables_and_nothing_else() -> None:
    tables = [lt("verintCTREvents"), lt("verintAgentEvents_verintris.2")]
    document = pol.adapter_policy(tables, ACCOUNT)
    for table in tables:
        resource = arn("us-east-1", ACCOUNT, table.table_name)
        for action in SIX:
            assert allowed(document, action, resource), (action, resource)
        assert decision(document, "dynamodb:CreateTable", resource) == "explicit-deny"
        for action in ("dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:Query",
                       "dynamodb:BatchWriteItem", "dynamodb:TagResource"):
            assert not allowed(document, action, resource), action
    # Names are case-sensitive: the near twin an operator made by hand gets nothing.
    twin = arn("us-east-1", ACCOUNT, "verintAgentEvents_VERINTRIS.2")
    assert not allowed(document, "dynamodb:GetItem", twin)
    # The same table in another region or account is another table.
    assert not allowed(document, "dynamodb:GetItem", arn("us-west-2", ACCOUNT, "verintCTREvents"))
    assert not allowed(document, "dynamodb:GetItem",
                       arn("us-east-1", "210987654321", "verintCTREvents"))
    # CreateTable is denied for any name, not only the lease tables.
    assert decision(document, "dynamodb:CreateTable",
                    arn("us-east-1", ACCOUNT, "anythingElse")) == "explicit-deny"


def test_same_table_in_two_regions_gets_two_arns_and_duplicates_collapse() -> None:
    tables = [lt("shared1", "us-east-1"), lt("shared1", "eu-west-1"), lt("shared1", "us-east-1")]
    statement = pol.adapter_policy(tables, ACCOUNT)["Statement"][0]
    assert statement["Resource"] == [arn("eu-west-1", ACCOUNT, "shared1"),
                                     arn("us-east-1", ACCOUNT, "shared1")]


# ------------------------------------------------------------------ provisioner role


def test_provisioner_policy_without_tags() -> None:
    document = pol.provisioner_policy([lt("t-one"), lt("t-two", "us-gov-west-1")], ACCOUNT)
    arns = ["arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/t-two",
            "arn:aws:dynamodb:us-east-1:123456789012:table/t-one"]
    assert document["Statement"] == [
        {"Sid": "CreateAndDescribeLeaseTables", "Effect": "Allow",
         "Action": ["dynamodb:CreateTable", "dynamodb:DescribeTable"], "Resource": arns},
        {"Sid": "ListTablesForNameHints", "Effect": "Allow",
         "Action": ["dynamodb:ListTables"], "Resource": ["*"]},
    ]


def test_provisioner_policy_adds_tag_resource_only_with_tags() -> None:
    tables = [lt("t-one")]
    resource = arn("us-east-1", ACCOUNT, "t-one")
    plain = pol.provisioner_policy(tables, ACCOUNT, tags=False)
    tagged = pol.provisioner_policy(tables, ACCOUNT, tags=True)
    assert not allowed(plain, "dynamodb:TagResource", resource)
    assert allowed(tagged, "dynamodb:TagResource", resource)
    assert not allowed(tagged, "dynamodb:TagResource", arn("us-east-1", ACCOUNT, "other"))


@pytest.mark.parametrize("tags", [False, True])
def test_provisioner_policy_never_deletes_updates_or_touches_items(tags: bool) -> None:
    tables = [lt("t-one"), lt("t-two", "eu-central-1")]
    document = pol.provisioner_policy(tables, ACCOUNT, tags=tags)
    for table in tables:
        resource = arn(table.region or "", ACCOUNT, table.table_name)
        for action in DANGEROUS:
            assert not allowed(document, action, resource), action
            assert not allowed(document, action, "*"), action
    # Nothing uses a wildcard action, and only ListTables uses Resource "*".
    for statement in document["Statement"]:
        assert all("*" not in a for a in statement["Action"])
        if statement["Resource"] == ["*"]:
            assert statement["Action"] == ["dynamodb:ListTables"]


# ------------------------------------------------------------------ output


def test_render_is_sorted_indented_and_byte_stable() -> None:
    tables = [lt("b-table"), lt("a-table")]
    first = pol.render(pol.adapter_policy(tables, ACCOUNT))
    second = pol.render(pol.adapter_policy(list(reversed(tables)), ACCOUNT))
    assert first == second
    assert first.endswith("}\n") and first.startswith('{\n  "Statement"')
    assert json.loads(first)["Version"] == "2012-10-17"
    assert first.index("a-table") < first.index("b-table")


def test_size_warning_only_past_the_managed_policy_limit() -> None:
    few = pol.adapter_policy([lt(f"table-{i:03d}") for i in range(5)], ACCOUNT)
    many = pol.adapter_policy([lt(f"verintAgentEvents_ris{i:03d}.2") for i in range(120)],
                              ACCOUNT)
    assert pol.size_warning(few) is None
    assert pol.policy_size(many) > pol.MANAGED_POLICY_MAX
    assert "6144" in (pol.size_warning(many) or "")


# ------------------------------------------------------------------ parliament


def _conf(folder: str, adapters: list[Ad]) -> ConfFile:
    """A configuration as read from a (possibly UNC) folder, parsed by the real reader."""
    source = folder + "\\IntegrationService.xml"
    return ConfFile(path=source, folder=folder, adapters=tuple(
        parse_adapters(ris_xml(adapters), source)))


def configurations(tmp_path: Path) -> dict[str, list[LeaseTable]]:
    """Shapes of real fleets: the sample, several RIS servers, shared and per-host
    tables, per-adapter regions, --table names, other partitions."""
    sample = select(Selection(conf_dirs=(str(Path(__file__).parent.parent / "sample_conf"),),
                              host_name="verintris"), env={}).tables
    fleet = [
        _conf(f"\\\\ris{n}\\e$\\Impact360\\Software\\Conf", [
            Ad("1", CONNECT, "verintCTREvents", "us-east-1"),      # shared by every server
            Ad("2", AGENT, "verintAgentEvents", "us-east-1"),      # one per server
            Ad("7", AGENT, "euAgentEvents", "eu-west-1"),          # per-adapter region
        ]) for n in range(1, 4)
    ]
    several = derive_tables(fleet, local_host="unused").tables
    # The agent-events adapter is in the folder --host-name names only: one --host-name
    # over two servers' folders is refused (it would merge their tables).
    folders = [write_conf(tmp_path / f"ris{n}" / "Conf", [
        Ad("1", CONNECT, f"ctr-{n}", "ap-southeast-2"),
        *([Ad("4", AGENT, "agents", None)] if n == 1 else [])]) for n in (1, 2)]
    on_disk = select(Selection(conf_dirs=tuple(map(str, folders)), host_name="risA",
                               tables=("handMade.table",), region=None),
                     env={"AWS_REGION": "ca-central-1"}).tables
    china = [lt("verintCTREvents", "cn-north-1"), lt("verintAgentEvents_h.3", "cn-northwest-1")]
    govcloud = [lt("verintCTREvents", "us-gov-west-1")]
    return {"sample": sample, "several servers": several, "on disk": on_disk,
            "china": china, "govcloud": govcloud}


def test_configurations_are_the_shapes_claimed(tmp_path: Path) -> None:
    confs = configurations(tmp_path)
    names = {t.table_name for t in confs["several servers"]}
    assert names == {"verintCTREvents", "verintAgentEvents_ris1.2", "verintAgentEvents_ris2.2",
                     "verintAgentEvents_ris3.2", "euAgentEvents_ris1.7",
                     "euAgentEvents_ris2.7", "euAgentEvents_ris3.7"}
    shared = next(t for t in confs["several servers"] if t.table_name == "verintCTREvents")
    assert len(shared.sources) == 3
    assert {t.region for t in confs["on disk"]} == {"ap-southeast-2", "ca-central-1"}


@pytest.mark.parametrize("role", pol.ROLES)
@pytest.mark.parametrize("tags", [False, True])
def test_parliament_finds_nothing(tmp_path: Path, role: str, tags: bool) -> None:
    checked = 0
    for label, tables in configurations(tmp_path).items():
        text = pol.render(pol.build_policy(role, tables, ACCOUNT, tags=tags))
        findings = analyze_policy_string(text).findings
        assert findings == [], (label, [(f.issue, f.detail) for f in findings])
        checked += 1
    assert checked == 5


def test_parliament_would_notice_a_broken_policy() -> None:
    """Proof that the check above can fail: ListTables on a table ARN is a mismatch."""
    broken = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Wrong", "Effect": "Allow", "Action": ["dynamodb:ListTables"],
        "Resource": [arn("us-east-1", ACCOUNT, "t-one")]}]}
    assert analyze_policy_string(json.dumps(broken)).findings


# ------------------------------------------------------------------ KCL layouts


KCL_2, KCL_30, KCL_35 = kcl.LAYOUTS
T = "verintCTREvents"
LEASE_ARN = arn("us-east-1", ACCOUNT, T)
COORD_ARN = arn("us-east-1", ACCOUNT, T + "-CoordinatorState")
METRICS_ARN = arn("us-east-1", ACCOUNT, T + "-WorkerMetricStats")
DENY_BOTH = {"Sid": "DenyCreateTableAndUpdateTable", "Effect": "Deny",
             "Action": ["dynamodb:CreateTable", "dynamodb:UpdateTable"], "Resource": ["*"]}
QUERY = {"Sid": "LeaseOwnerIndexQuery", "Effect": "Allow", "Action": ["dynamodb:Query"],
         "Resource": [LEASE_ARN + "/index/*"]}


def test_kcl_2_policies_are_todays() -> None:
    tables = [lt(T), lt("verintAgentEvents_verintris.2", "eu-west-1")]
    for role in pol.ROLES:
        for tags in (False, True):
            assert pol.build_policy(role, tables, ACCOUNT, tags=tags, layout=KCL_2) == (
                pol.build_policy(role, tables, ACCOUNT, tags=tags))
    assert [s["Sid"] for s in pol.adapter_policy(tables, ACCOUNT, KCL_2)["Statement"]] == [
        "LeaseTableAccess", "DenyCreateTable"]


def test_kcl_30_adapter_policy_is_exactly_the_three_tables_the_index_and_a_deny() -> None:
    assert pol.adapter_policy([lt(T)], ACCOUNT, KCL_30)["Statement"] == [
        {"Sid": "LeaseTableAccess", "Effect": "Allow", "Action": SIX,
         "Resource": [LEASE_ARN, COORD_ARN, METRICS_ARN]},
        QUERY, DENY_BOTH]


def test_kcl_35_adapter_policy_may_only_look_for_the_companions() -> None:
    document = pol.adapter_policy([lt(T)], ACCOUNT, KCL_35)
    assert document["Statement"] == [
        {"Sid": "LeaseTableAccess", "Effect": "Allow", "Action": SIX, "Resource": [LEASE_ARN]},
        QUERY,
        {"Sid": "LookUpLegacyCompanionTables", "Effect": "Allow",
         "Action": ["dynamodb:DescribeTable"], "Resource": [COORD_ARN, METRICS_ARN]},
        DENY_BOTH]
    assert allowed(document, "dynamodb:DescribeTable", COORD_ARN)
    assert not allowed(document, "dynamodb:GetItem", COORD_ARN)
    assert not allowed(document, "dynamodb:Query", LEASE_ARN)  # only on its indexes
    assert allowed(document, "dynamodb:Query", LEASE_ARN + "/index/LeaseOwnerToLeaseKeyIndex")
    for resource in (LEASE_ARN, COORD_ARN, "*"):
        assert decision(document, "dynamodb:UpdateTable", resource) == "explicit-deny"


def test_kcl_3_provisioner_policies() -> None:
    thirty = pol.provisioner_policy([lt(T)], ACCOUNT, tags=True, layout=KCL_30)
    assert thirty["Statement"] == [
        {"Sid": "CreateAndDescribeLeaseTables", "Effect": "Allow",
         "Action": ["dynamodb:CreateTable", "dynamodb:DescribeTable"],
         "Resource": [LEASE_ARN, COORD_ARN, METRICS_ARN]},
        {"Sid": "AddLeaseOwnerIndex", "Effect": "Allow", "Action": ["dynamodb:UpdateTable"],
         "Resource": [LEASE_ARN]},
        {"Sid": "TagLeaseTablesOnCreate", "Effect": "Allow",
         "Action": ["dynamodb:TagResource"], "Resource": [LEASE_ARN, COORD_ARN, METRICS_ARN]},
        {"Sid": "ListTablesForNameHints", "Effect": "Allow",
         "Action": ["dynamodb:ListTables"], "Resource": ["*"]},
    ]
    assert not allowed(thirty, "dynamodb:UpdateTable", COORD_ARN)
    thirty_five = pol.provisioner_policy([lt(T)], ACCOUNT, layout=KCL_35)
    assert thirty_five["Statement"][:3] == [
        {"Sid": "CreateAndDescribeLeaseTables", "Effect": "Allow",
         "Action": ["dynamodb:CreateTable", "dynamodb:DescribeTable"], "Resource": [LEASE_ARN]},
        {"Sid": "AddLeaseOwnerIndex", "Effect": "Allow", "Action": ["dynamodb:UpdateTable"],
         "Resource": [LEASE_ARN]},
        {"Sid": "CheckLegacyCompanionTablesAbsent", "Effect": "Allow",
         "Action": ["dynamodb:DescribeTable"], "Resource": [COORD_ARN, METRICS_ARN]},
    ]
    assert not allowed(thirty_five, "dynamodb:CreateTable", COORD_ARN)


@pytest.mark.parametrize("layout", kcl.LAYOUTS, ids=[layout.name for layout in kcl.LAYOUTS])
@pytest.mark.parametrize("role", pol.ROLES)
def test_parliament_finds_nothing_in_any_layout(tmp_path: Path, role: str,
                                                layout: kcl.Layout) -> None:
    for label, tables in configurations(tmp_path).items():
        document = pol.build_policy(role, tables, ACCOUNT, tags=True, layout=layout)
        findings = analyze_policy_string(pol.render(document)).findings
        assert findings == [], (label, [(f.issue, f.detail) for f in findings])
        # Every statement's Sid is unique (IAM requires it in one policy).
        sids = [s["Sid"] for s in document["Statement"]]
        assert len(sids) == len(set(sids))


def test_a_kcl_3_policy_of_a_fleet_warns_about_size_sooner() -> None:
    tables = [lt(f"verintAgentEvents_ris{i:03d}.2") for i in range(40)]
    assert pol.size_warning(pol.adapter_policy(tables, ACCOUNT, KCL_2)) is None
    assert pol.size_warning(pol.adapter_policy(tables, ACCOUNT, KCL_30)) is not None


def test_an_arn_without_a_region_is_refused_even_under_python_O() -> None:
    """validate_regions runs first; table_arns still refuses rather than build `arn:...::`."""
    with pytest.raises(ValueError, match="no region for the table t1"):
        pol.table_arns([LeaseTable("t1", None)], "123456789012")



def test_size_warning_boundary_is_the_managed_policy_limit() -> None:
    """IAM counts characters without white space: exactly 6144 fits, 6145 does not."""
    def of_size(size: int) -> dict:
        return {"k": "x" * (size - len('{"k":""}'))}

    assert pol.policy_size(of_size(pol.MANAGED_POLICY_MAX)) == 6144
    assert pol.size_warning(of_size(6144)) is None
    warning = pol.size_warning(of_size(6145))
    assert warning is not None and warning.startswith("the policy has 6145 characters")
    assert pol.policy_size({"k": "a b"}) == len('{"k":"ab"}')  # white space not counted


def test_provisioner_tag_statement_only_with_tags() -> None:
    tables = [LeaseTable("t1", "us-east-1")]
    untagged = pol.provisioner_policy(tables, "123456789012")
    tagged = pol.provisioner_policy(tables, "123456789012", tags=True)
    sids = [s["Sid"] for s in tagged["Statement"]]
    assert "TagLeaseTablesOnCreate" in sids
    assert "TagLeaseTablesOnCreate" not in [s["Sid"] for s in untagged["Statement"]]
    [tag] = [s for s in tagged["Statement"] if s["Sid"] == "TagLeaseTablesOnCreate"]
    assert tag["Action"] == ["dynamodb:TagResource"]


def test_account_and_region_messages() -> None:
    def message(call, *args) -> str:
        with pytest.raises(InputError) as err:
            call(*args)
        return str(err.value)

    assert message(pol.validate_account_id, None) == snapshot(
        "--account-id is required: the 12-digit ID of the AWS account that holds the lease "
        "tables (see `aws sts get-caller-identity --query Account`).")
    assert message(pol.validate_account_id, " 1234 ").startswith(
        '--account-id " 1234 " is not an AWS account ID: it must be exactly 12 digits')
    tables = [LeaseTable("a", "us-east1"), LeaseTable("b", "us-east-1"),
              LeaseTable("c", "EU")]
    assert message(pol.validate_regions, tables).startswith(
        'The region of a ("us-east1"), c ("EU") does not look like an AWS region code')


def test_build_policy_passes_role_tags_and_layout_on() -> None:
    tables = [LeaseTable("t1", "us-east-1")]
    account = "123456789012"
    assert pol.build_policy("adapter", tables, account, layout=kcl.LAYOUTS[1]) == \
        pol.adapter_policy(tables, account, kcl.LAYOUTS[1])
    assert pol.build_policy("provisioner", tables, account) == \
        pol.provisioner_policy(tables, account, tags=False)
    assert pol.build_policy("provisioner", tables, account, tags=True,
                            layout=kcl.LAYOUTS[1]) == \
        pol.provisioner_policy(tables, account, tags=True, layout=kcl.LAYOUTS[1])
    assert pol.build_policy("provisioner", tables, account) != \
        pol.provisioner_policy(tables, account, tags=True)
    with pytest.raises(InputError) as err:
        pol.build_policy("admin", tables, account)
    assert str(err.value) == snapshot('--role "admin" is not one of: adapter, provisioner.')


# --------------------------------- KCL 3.5 upgraded from 3.0-3.4: --migrating

# What KCL 3.5 does on the old companion tables until its migration reaches COMPLETE,
# read from its source (v3.5.1): the 3.0-3.4 work on both tables (the leader lock,
# coordinator state, worker metrics) and the leader's TransactWriteItems moving the
# coordinator state: a ConditionCheck on the lock item in CoordinatorState, Put into
# the lease table, Delete from (and Put to) CoordinatorState. IAM has no
# TransactWriteItems action: each item is authorised as its own action.
MIGRATION_CALLS = [
    *((f"dynamodb:{a}", COORD_ARN) for a in (
        "DescribeTable", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan",
        "ConditionCheckItem")),
    *((f"dynamodb:{a}", METRICS_ARN) for a in (
        "DescribeTable", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan")),
    ("dynamodb:PutItem", LEASE_ARN),
    ("dynamodb:Query", LEASE_ARN + "/index/LeaseOwnerToLeaseKeyIndex"),
]


def moto_says(document: dict, action: str, resource: str) -> str:
    """moto's own IAM evaluator: PERMITTED, DENIED (explicit) or NEUTRAL (not granted)."""
    from moto.iam.access_control import IAMPolicy

    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource).name


def test_kcl_35_migrating_adapter_policy_allows_what_kcl_does_until_complete() -> None:
    migrating = pol.adapter_policy([lt(T)], ACCOUNT, KCL_35, migrating=True)
    plain = pol.adapter_policy([lt(T)], ACCOUNT, KCL_35)
    for action, resource in MIGRATION_CALLS:
        assert moto_says(migrating, action, resource) == "PERMITTED", (action, resource)
    # The plain 3.5 policy would stop such an adapter: that is why --migrating exists.
    assert moto_says(plain, "dynamodb:GetItem", COORD_ARN) == "NEUTRAL"
    assert moto_says(plain, "dynamodb:UpdateItem", METRICS_ARN) == "NEUTRAL"
    # Least privilege: the lock's ConditionCheck is only on CoordinatorState.
    assert moto_says(migrating, "dynamodb:ConditionCheckItem", METRICS_ARN) == "NEUTRAL"
    assert moto_says(migrating, "dynamodb:ConditionCheckItem", LEASE_ARN) == "NEUTRAL"
    for resource in (LEASE_ARN, COORD_ARN, METRICS_ARN, "*"):
        for action in ("dynamodb:CreateTable", "dynamodb:UpdateTable"):
            assert moto_says(migrating, action, resource) == "DENIED"
    sids = [s["Sid"] for s in migrating["Statement"]]
    assert "MigratingCoordinatorStateAccess" in sids
    assert "LookUpLegacyCompanionTables" not in sids  # DescribeTable is in the full set
    assert len(sids) == len(set(sids))
    assert pol.build_policy("adapter", [lt(T)], ACCOUNT, layout=KCL_35,
                            migrating=True) == migrating
    assert pol.build_policy("provisioner", [lt(T)], ACCOUNT, layout=KCL_35,
                            migrating=True) == pol.provisioner_policy([lt(T)], ACCOUNT,
                                                                      layout=KCL_35)


def test_every_migrating_action_is_one_iam_knows() -> None:
    from policy_sentry.querying.actions import get_actions_for_service

    known = {a.lower() for a in get_actions_for_service("dynamodb")}
    assert "dynamodb:transactwriteitems" not in known  # authorised item by item
    document = pol.adapter_policy([lt(T)], ACCOUNT, KCL_35, migrating=True)
    granted = {a for s in document["Statement"] for a in s["Action"]}
    assert "dynamodb:ConditionCheckItem" in granted
    assert {a.lower() for a in granted} <= known


def test_parliament_finds_nothing_in_the_migrating_policy(tmp_path: Path) -> None:
    for label, tables in configurations(tmp_path).items():
        document = pol.adapter_policy(tables, ACCOUNT, KCL_35, migrating=True)
        findings = analyze_policy_string(pol.render(document)).findings
        assert findings == [], (label, [(f.issue, f.detail) for f in findings])


def test_migrating_through_the_cli(tmp_path: Path) -> None:
    from tests.conftest import clean_env, run_cli

    base = ["policy", "--table", T, "--region", "us-east-1", "--account-id", ACCOUNT]
    env = clean_env(tmp_path)
    run = run_cli([*base, "--kcl", "3.5.1", "--migrating"], env)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout) == pol.adapter_policy([lt(T)], ACCOUNT, KCL_35,
                                                        migrating=True)
    for version in ("3.4.3", "2"):
        refused = run_cli([*base, "--kcl", version, "--migrating"], env)
        assert refused.code == 2 and refused.stdout == ""
        assert refused.stderr.startswith(
            "error: --migrating is for an adapter upgraded from KCL 3.0-3.4")
    provisioner = run_cli([*base, "--kcl", "3.5", "--migrating", "--role", "provisioner"], env)
    assert provisioner.code == 0
    assert json.loads(provisioner.stdout) == pol.provisioner_policy([lt(T)], ACCOUNT,
                                                                   layout=KCL_35)
    assert "warning: --migrating only changes the" in provisioner.stderr
    assert "only changes the adapter's policy" in provisioner.stderr


# ------------------------------------------------------------------ what `policy` prints, whole

def test_several_documents_print_as_one_sorted_indented_array() -> None:
    first = {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow"}]}
    second = {"Version": "2012-10-17", "Statement": [{"Sid": "B", "Effect": "Allow"}]}
    assert pol.render_documents([first, second]) == snapshot(
        '[\n  {\n    "Statement": [\n      {\n        "Effect": "Allow",\n        "Sid": "A"\n'
        '      }\n    ],\n    "Version": "2012-10-17"\n  },\n  {\n    "Statement": [\n      {\n'
        '        "Effect": "Allow",\n        "Sid": "B"\n      }\n    ],\n'
        '    "Version": "2012-10-17"\n  }\n]\n')


def test_the_split_note_gives_each_documents_size() -> None:
    one = {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow"}]}
    size = pol.policy_size(one)  # type: ignore[arg-type]
    assert pol.split_note([one]) is None
    assert pol.split_note([one, one]) == (
        f"the policy is too big for one IAM managed policy ({pol.MANAGED_POLICY_MAX} "
        f"characters without white space), so it is printed as a JSON array of 2 documents "
        f"({size}, {size} characters): attach each as its own managed policy (e.g. jq '.[0]', "
        f"jq '.[1]'); together they grant exactly the one policy.")


def test_policy_documents_prints_the_policy_of_the_options_given() -> None:
    tables = [LeaseTable("verintCTREvents", "us-east-1")]
    new = kcl.LAYOUTS[-1]
    for role, options in (("provisioner", {"tags": True}),
                          ("adapter", {"layout": new, "migrating": True})):
        documents, _, warnings = pol.policy_documents(role, tables, ACCOUNT, **options)
        assert documents == [pol.build_policy(role, tables, ACCOUNT, **options)]
        assert warnings == []
    many = [LeaseTable(f"verintAgentEvents_ris{n:04d}.2", "us-east-1") for n in range(400)]
    _, _, warnings = pol.policy_documents("provisioner", many, ACCOUNT)
    assert len(warnings) == 1 and warnings[0].startswith("the policy has ")


def test_a_streams_name_takes_the_region_option_when_tables_are_in_several() -> None:
    tables = [LeaseTable("a-table", "us-east-1"), LeaseTable("b-table", "eu-west-1")]
    options = pol.fp.FootprintOptions(streams=("ctr",))
    with pytest.raises(InputError, match="several regions"):
        pol.policy_documents("adapter", tables, ACCOUNT, options)
    documents, _, _ = pol.policy_documents("adapter", tables, ACCOUNT, options,
                                           region_option="eu-west-1")
    assert "eu-west-1:123456789012:stream/ctr" in json.dumps(documents)
    assert pol.footprint_of(tables, ACCOUNT, options, "eu-west-1").of("stream")[0].region == (
        "eu-west-1")


def test_a_footprint_in_another_partition_than_the_tables_is_refused() -> None:
    china = pol.fp.resolve(pol.fp.FootprintOptions(streams=("ctr",)),
                           [LeaseTable("x", "cn-north-1")], ACCOUNT)
    with pytest.raises(InputError) as refused:
        pol.policy_documents("adapter", [LeaseTable("t", "us-east-1")], ACCOUNT, footprint=china)
    assert str(refused.value) == snapshot(
        "The selection spans two AWS partitions, aws (the table \"t\" in us-east-1) and aws-cn "
        "(stream \"arn:aws-cn:kinesis:cn-north-1:123456789012:stream/ctr\"); one IAM policy "
        "cannot serve both, as an identity belongs to one partition. Run once per partition "
        "(one --conf-dir, or --table and --region, per run).")


def test_where_each_resource_came_from_is_noted_for_the_role_that_reads_it() -> None:
    tables = [LeaseTable("verintCTREvents", "us-east-1")]
    polling = pol.fp.FootprintOptions(streams=("ctr",))
    efo = pol.fp.FootprintOptions(streams=("ctr",), enhanced_fan_out=True)
    origin = pol.policy_documents("adapter", tables, ACCOUNT, polling)[1][0]
    assert origin == snapshot(
        "stream ctr: arn:aws:kinesis:us-east-1:123456789012:stream/ctr (from --stream)")
    # The adapter reads the stream with or without enhanced fan-out.
    assert pol.policy_documents("adapter", tables, ACCOUNT, efo)[1][0] == origin
    # The provisioner touches the stream only to register enhanced fan-out consumers.
    assert pol.policy_documents("provisioner", tables, ACCOUNT, polling)[1] == []
    assert pol.policy_documents("provisioner", tables, ACCOUNT, efo)[1] == [origin]


def test_the_migrating_grant_is_only_given_when_asked_for() -> None:
    tables = [LeaseTable("verintCTREvents", "us-east-1")]
    new = kcl.LAYOUTS[-1]
    asked = pol.build_policy("adapter", tables, ACCOUNT, layout=new, migrating=True)
    for plain in (pol.build_policy("adapter", tables, ACCOUNT, layout=new),
                  pol.policy_documents("adapter", tables, ACCOUNT, layout=new)[0][0]):
        assert plain != asked
        sids = {s["Sid"] for s in plain["Statement"]}
        assert "MigratingCoordinatorStateAccess" not in sids
        assert "LookUpLegacyCompanionTables" in sids


def test_options_that_leave_a_roles_policy_alone_are_named() -> None:
    from lease_tables.render.policy import ROLE_ADAPTER, ROLE_PROVISIONER, option_warnings

    assert option_warnings(ROLE_ADAPTER, tagged=False, migrating=True) == []
    assert option_warnings(ROLE_PROVISIONER, tagged=True, migrating=False) == []
    [tag] = option_warnings(ROLE_ADAPTER, tagged=True, migrating=True)
    assert tag.startswith("--tag only changes the provisioner's policy")
    [migrating] = option_warnings(ROLE_PROVISIONER, tagged=True, migrating=True)
    assert migrating.startswith("--migrating only changes the adapter's policy")


# ------------------------------------------------------------------ the split at IAM's limit
# Plain statements cut at every limit: each document fits, none could hold the next piece,
# each part is as full as its own Sid allows, and the Sids are `<Sid>`, `<Sid>Part2` ...


def _arns(names: list[str]) -> list[str]:
    return [pol.table_arn("us-east-1", ACCOUNT, name) for name in names]


def _tables_grant(sid: str, names: list[str]) -> pol.Statement:
    return pol.statement(sid, "Allow", pol.actions(["DescribeTable", "GetItem"]), _arns(names))


def _metrics_grant(sid: str, namespaces: list[str]) -> pol.Statement:
    built = pol.statement(sid, "Allow", ["cloudwatch:PutMetricData"], ["*"])
    built["Condition"] = {"StringEquals": {"cloudwatch:namespace": namespaces}}
    return built


def _values(stmt: pol.Statement) -> list[str]:
    """What a cut divides: the condition's values, or else the resources."""
    if "Condition" in stmt:
        return stmt["Condition"]["StringEquals"]["cloudwatch:namespace"]
    return stmt["Resource"]


def _with(stmt: pol.Statement, sid: str, values: list[str]) -> pol.Statement:
    if "Condition" in stmt:
        return {**_metrics_grant(sid, values), "Action": stmt["Action"]}
    return {**stmt, "Sid": sid, "Resource": values}


def _alone(stmt: pol.Statement) -> int:
    return pol.policy_size(pol.document([stmt]))


def _assert_split_well(whole: pol.Document, limit: int) -> list[pol.Document]:
    documents = pol.split(whole, limit)
    assert (documents == [whole]) == (pol.policy_size(whole) <= limit)
    assert all(pol.policy_size(d) <= limit for d in documents)
    for before, after in itertools.pairwise(documents):  # as few documents as packing allows
        assert pol.policy_size(pol.document([*before["Statement"], after["Statement"][0]])) > limit
    pieces = [s for d in documents for s in d["Statement"]]
    at = 0
    for stmt in whole["Statement"]:
        if _alone(stmt) <= limit:  # a statement that fits alone is never cut
            assert pieces[at] == stmt
            at += 1
            continue
        parts = []
        while at < len(pieces) and (pieces[at]["Sid"] == stmt["Sid"]
                                    or pieces[at]["Sid"].startswith(stmt["Sid"] + "Part")):
            parts.append(pieces[at])
            at += 1
        assert [p["Sid"] for p in parts] == [stmt["Sid"]] + [
            f"{stmt['Sid']}Part{n}" for n in range(2, len(parts) + 1)]
        assert [v for p in parts for v in _values(p)] == _values(stmt)  # all, in order
        for part in parts:  # only the cut values differ from the statement
            assert part == _with(stmt, part["Sid"], _values(part))
        for part, following in itertools.pairwise(parts):  # each part as full as fits
            assert _alone(_with(part, part["Sid"], [*_values(part), _values(following)[0]])) > limit
    assert at == len(pieces)
    return documents


def test_a_policy_is_split_well_at_every_limit() -> None:
    names = [f"lease-{'x' * (n * 7 % 23)}{n:02d}" for n in range(14)]
    whole = pol.document([
        _tables_grant("Small", ["a-table", "b-table"]),
        _tables_grant("Big", names),
        _metrics_grant("Metrics", [f"ns-{'y' * (n * 5 % 17)}{n}" for n in range(6)]),
        _tables_grant("Tail", ["c-table"]),
    ])
    # The smallest limit at which every value fits in a part of its own, whatever its Sid.
    lowest = max(_alone(_with(stmt, stmt["Sid"] + "Part99", [value]))
                 for stmt in whole["Statement"] for value in _values(stmt))
    shapes = set()
    for limit in range(lowest, pol.policy_size(whole) + 2):
        documents = _assert_split_well(whole, limit)
        shapes.add(tuple(len(d["Statement"]) for d in documents))
    assert len(shapes) > 10  # the sweep did cut in many ways
    assert [s["Sid"] for d in pol.split(whole, lowest) for s in d["Statement"]][:4] == [
        "Small", "SmallPart2", "Big", "BigPart2"]


def test_a_policy_exactly_at_the_managed_policy_limit_is_one_document() -> None:
    """6,144 characters without white space is one managed policy; 6,145 is two, each
    clean for parliament, the Sids unique."""
    def of_size(size: int) -> pol.Document:
        names = [f"verintAgentEvents_ris{n:03d}.2" for n in range(60)]
        first = pol.document([_tables_grant("LeaseTableAccess", names)])
        pad = size - pol.policy_size(first) - len(',""') - len(_arns([""])[0])
        return pol.document([_tables_grant("LeaseTableAccess", [*names, "p" * pad])])

    fits, over = of_size(pol.MANAGED_POLICY_MAX), of_size(pol.MANAGED_POLICY_MAX + 1)
    assert (pol.policy_size(fits), pol.policy_size(over)) == (6144, 6145)
    assert pol.split(fits) == [fits]
    documents = pol.split(over)
    assert len(documents) == 2
    sids = [s["Sid"] for d in documents for s in d["Statement"]]
    assert sids == ["LeaseTableAccess", "LeaseTableAccessPart2"]
    for document in documents:
        assert pol.policy_size(document) <= 6144
        assert analyze_policy_string(json.dumps(document)).findings == []


def test_a_statement_exactly_at_the_limit_is_moved_whole_not_cut() -> None:
    names = [f"verintAgentEvents_ris{n:03d}.2" for n in range(60)]
    first = _tables_grant("LeaseTableAccess", names)
    pad = pol.MANAGED_POLICY_MAX - _alone(first) - len(',""') - len(_arns([""])[0])
    first = _tables_grant("LeaseTableAccess", [*names, "p" * pad])
    second = _tables_grant("CompanionTableAccess", ["verintCTREvents-CoordinatorState"])
    assert _alone(first) == pol.MANAGED_POLICY_MAX
    assert pol.split(pol.document([first, second])) == [pol.document([first]),
                                                        pol.document([second])]


def test_a_statement_too_big_with_one_resource_is_refused_two_are_cut() -> None:
    long = "t" * 300
    with pytest.raises(InputError, match=r"The statement Big alone is bigger than IAM allows "
                                         r"in one managed policy \(200 characters"):
        pol.split(pol.document([_tables_grant("Big", [long])]), limit=200)
    two = _tables_grant("Big", ["a" * 60, "b" * 60])
    documents = pol.split(pol.document([two]), limit=_alone(two) - 1)
    assert [[s["Sid"] for s in d["Statement"]] for d in documents] == [["Big"], ["BigPart2"]]
    assert [d["Statement"][0]["Resource"] for d in documents] == [[r] for r in two["Resource"]]


def test_one_resource_that_fills_the_limit_exactly_is_granted_not_refused() -> None:
    one = _tables_grant("Big", ["t" * 150])
    limit = _alone(one)
    assert pol.split(pol.document([one]), limit) == [pol.document([one])]
    other = _tables_grant("Other", ["a-table"])
    assert pol.split(pol.document([one, other]), limit) == [pol.document([one]),
                                                            pol.document([other])]
    with pytest.raises(InputError, match="The statement Big alone is bigger"):
        pol.split(pol.document([one]), limit - 1)


def test_options_that_leave_a_roles_policy_alone_are_named_in_full() -> None:
    assert pol.option_warnings("adapter", tagged=True, migrating=False) == [
        "--tag only changes the provisioner's policy (it adds dynamodb:TagResource); the "
        "adapter policy is the same with or without it."]
    assert pol.option_warnings("provisioner", tagged=False, migrating=True) == [
        "--migrating only changes the adapter's policy (the old companion tables' "
        "permissions); `create` and `verify` need nothing more during KCL's migration, so "
        "the provisioner policy is the same with or without it."]


def test_the_provisioners_policy_registers_the_footprints_consumers() -> None:
    tables = [LeaseTable("verintCTREvents", "us-east-1")]
    efo = pol.fp.resolve(pol.fp.FootprintOptions(streams=("ctr-stream",), enhanced_fan_out=True),
                         tables, ACCOUNT)
    built = pol.build_policy("provisioner", tables, ACCOUNT, footprint=efo)
    assert built == pol.provisioner_policy(tables, ACCOUNT, footprint=efo)
    assert built != pol.build_policy("provisioner", tables, ACCOUNT)
    assert any("kinesis:RegisterStreamConsumer" in s["Action"] for s in built["Statement"])
