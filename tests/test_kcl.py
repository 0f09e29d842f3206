"""KCL versions: the version mapping, the layouts' tables, and their CreateTable requests."""

from __future__ import annotations

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from lease_tables.config.naming import LeaseTable
from lease_tables.core.errors import InputError
from lease_tables.model import kcl, spec
from tests.conftest import clean_env, run_cli

OLD, MID, NEW = kcl.LAYOUTS


@pytest.mark.parametrize(("version", "layout"), [
    ("2", OLD), ("2.6.0", OLD), ("1", OLD), ("1.14.10", OLD), ("2.99", OLD), (" 2 ", OLD),
    ("3", MID), ("3.0", MID), ("3.0.0", MID), ("3.4.3", MID), ("3.4", MID), ("03.4", MID),
    ("3.5", NEW), ("3.5.0", NEW), ("3.6.1", NEW), ("3.10", NEW), ("4", NEW), ("12.0.1", NEW),
])
def test_version_picks_its_layout(version: str, layout: kcl.Layout) -> None:
    assert kcl.layout_for(version) is layout


@pytest.mark.parametrize("bad", ["three", "3.x", "-1", "1.2.3.4", "1.2.3.4.5", "", "   ", None,
                                 "3.", ".3", "v3", "3.0.0-rc1", "3,5", "0", "0.9",
                                 "\uff13", "amazon-kinesis-client-3.0.1.jar", "3 .5"])
def test_malformed_versions_are_input_errors_that_say_where_to_look(bad: str | None) -> None:
    with pytest.raises(InputError) as caught:
        kcl.layout_for(bad)
    message = str(caught.value)
    assert "--kcl" in message and "amazon-kinesis-client-X.Y.Z.jar" in message


def test_default_is_the_kcl_2_layout() -> None:
    assert kcl.layout_for(kcl.DEFAULT_VERSION) is kcl.DEFAULT_LAYOUT is OLD


def test_layouts_are_the_data_the_commands_use() -> None:
    assert (OLD.companions, OLD.index, OLD.absent_companions) == ((), False, ())
    assert [(c.suffix, c.hash_key) for c in MID.companions] == [
        ("-CoordinatorState", "key"), ("-WorkerMetricStats", "wid")]
    assert MID.index and NEW.index
    assert NEW.companions == () and NEW.absent_companions == MID.companions
    assert OLD.denied_operations == ("CreateTable",)
    assert MID.denied_operations == NEW.denied_operations == ("CreateTable", "UpdateTable")


def lt(name: str, region: str | None = "eu-west-1") -> LeaseTable:
    return LeaseTable(name, region, "connect", None, name, None, None, ["/conf/a.xml"], [None])


def test_expand_adds_the_companions_with_the_lease_tables_facts() -> None:
    tables = kcl.expand([lt("verintCTREvents"), lt("other1", "us-east-1")], MID)
    assert [(t.table_name, t.role, t.region) for t in tables] == [
        ("verintCTREvents", "lease", "eu-west-1"),
        ("verintCTREvents-CoordinatorState", "coordinator-state", "eu-west-1"),
        ("verintCTREvents-WorkerMetricStats", "worker-metrics", "eu-west-1"),
        ("other1", "lease", "us-east-1"),
        ("other1-CoordinatorState", "coordinator-state", "us-east-1"),
        ("other1-WorkerMetricStats", "worker-metrics", "us-east-1"),
    ]
    companion = tables[1]
    assert companion.sources == ["/conf/a.xml"] and companion.adapter_kind == "connect"
    assert companion.application_name == "verintCTREvents"
    assert companion.sources is not tables[0].sources  # merging one cannot touch the other


@pytest.mark.parametrize("layout", [OLD, NEW])
def test_expand_adds_nothing_without_companions(layout: kcl.Layout) -> None:
    assert [t.table_name for t in kcl.expand([lt("verintCTREvents")], layout)] == [
        "verintCTREvents"]


def test_expanding_twice_changes_nothing() -> None:
    once = kcl.expand([lt("verintCTREvents")], MID)
    assert [t.table_name for t in kcl.expand(once, MID)] == [t.table_name for t in once]


def test_a_companion_name_that_is_another_lease_table_is_refused() -> None:
    with pytest.raises(InputError, match="app-CoordinatorState in eu-west-1 would be both"):
        kcl.expand([lt("app"), lt("app-CoordinatorState")], MID)


def test_a_companion_name_too_long_for_dynamodb_is_refused() -> None:
    fits = "x" * (255 - len("-WorkerMetricStats"))
    assert len(kcl.expand([lt(fits)], MID)) == 3
    with pytest.raises(InputError, match="-WorkerMetricStats"):
        kcl.expand([lt(fits + "y")], MID)


INDEX_KEYS = [{"AttributeName": "leaseOwner", "KeyType": "HASH"},
              {"AttributeName": "leaseKey", "KeyType": "RANGE"}]


def test_kcl_2_request_is_todays_request() -> None:
    options = spec.make_options(tags=["a=b"])
    table = lt("verintCTREvents")
    assert kcl.create_table_request(table, options, OLD) == spec.create_table_request(
        "verintCTREvents", options)
    assert "GlobalSecondaryIndexes" not in kcl.create_table_request(table, options, OLD)


@pytest.mark.parametrize("layout", [MID, NEW])
def test_a_kcl_3_lease_table_has_the_index_with_the_tables_capacity(
        layout: kcl.Layout) -> None:
    options = spec.make_options(read_capacity=25, write_capacity=7)
    request = kcl.create_table_request(lt("verintCTREvents"), options, layout)
    assert request["KeySchema"] == [{"AttributeName": "leaseKey", "KeyType": "HASH"}]
    assert request["AttributeDefinitions"] == [
        {"AttributeName": "leaseKey", "AttributeType": "S"},
        {"AttributeName": "leaseOwner", "AttributeType": "S"}]
    assert request["GlobalSecondaryIndexes"] == [{
        "IndexName": "LeaseOwnerToLeaseKeyIndex", "KeySchema": INDEX_KEYS,
        "Projection": {"ProjectionType": "KEYS_ONLY"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 25, "WriteCapacityUnits": 7}}]


def test_an_on_demand_lease_tables_index_has_no_capacity() -> None:
    request = kcl.create_table_request(lt("verintCTREvents"), spec.make_options("on-demand"),
                                       MID)
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = request["GlobalSecondaryIndexes"]
    assert "ProvisionedThroughput" not in index


def test_companions_are_on_demand_with_the_lease_tables_protection_and_tags() -> None:
    options = spec.make_options(read_capacity=25, tags=["owner=rec"], deletion_protection=True)
    coordinator, metrics = kcl.expand([lt("verintCTREvents")], MID)[1:]
    for table, key in ((coordinator, "key"), (metrics, "wid")):
        assert kcl.create_table_request(table, options, MID) == {
            "TableName": table.table_name,
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "DeletionProtectionEnabled": True,
            "Tags": [{"Key": "owner", "Value": "rec"}],
        }
    unprotected = spec.make_options(deletion_protection=False)
    assert kcl.create_table_request(coordinator, unprotected, MID)[
        "DeletionProtectionEnabled"] is False


def test_a_companion_role_has_its_own_key() -> None:
    assert kcl.hash_key("lease") == "leaseKey"
    assert kcl.hash_key("coordinator-state") == "key"
    assert kcl.hash_key("worker-metrics") == "wid"


# ------------------------------------------------------------------ through the CLI


@pytest.mark.parametrize("command", [
    ["name", "--kind", "connect", "--application-name", "verintCTREvents"],
    ["policy", "--table", "verintCTREvents", "--account-id", "123456789012",
     "--region", "us-east-1"],
    ["template", "--table", "verintCTREvents", "--format", "terraform"],
    ["create", "--table", "verintCTREvents", "--dry-run", "--region", "us-east-1"],
    ["verify", "--table", "verintCTREvents", "--region", "us-east-1"],
    ["preflight", "--table", "verintCTREvents", "--region", "us-east-1"],
])
@pytest.mark.parametrize("bad", ["three", "3.x", "-1", ""])
def test_a_malformed_version_exits_2_before_anything_else(tmp_path: Path, command: list[str],
                                                          bad: str) -> None:
    run = run_cli([*command, "--kcl", bad], clean_env(tmp_path))
    assert run.code == 2, run.stderr
    assert run.stdout == ""
    assert run.stderr.startswith("error: --kcl") and "amazon-kinesis-client-X.Y.Z.jar" in (
        run.stderr)
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("version", "names"), [
    ("2", ["verintCTREvents"]),
    ("3.0", ["verintCTREvents", "verintCTREvents-CoordinatorState",
             "verintCTREvents-WorkerMetricStats"]),
    ("3.5", ["verintCTREvents"]),
])
def test_name_prints_every_table_of_the_layout(tmp_path: Path, version: str,
                                               names: list[str]) -> None:
    run = run_cli(["name", "--kind", "connect", "--application-name", "verintCTREvents",
                   "--kcl", version], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines() == names


def test_dry_run_json_lists_each_table_with_its_role(tmp_path: Path) -> None:
    run = run_cli(["create", "--dry-run", "--table", "verintCTREvents", "--region",
                   "us-east-1", "--kcl", "3.4.3", "--output", "json"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    assert [(t["table_name"], t["role"]) for t in run.json()["tables"]] == [
        ("verintCTREvents", "lease"),
        ("verintCTREvents-CoordinatorState", "coordinator-state"),
        ("verintCTREvents-WorkerMetricStats", "worker-metrics")]


# --- pins: each a behaviour a mutation run found no test for -----------------------------

def test_each_layout_plans_each_role_as_its_requests_make_it() -> None:
    options = spec.make_options(tags=["owner=rec"])
    lease = ("key leaseKey (String, HASH), provisioned 10 RCU / 10 WCU, deletion protection "
             "on, tags owner=rec")
    assert OLD.plans(options) == {"lease": lease}
    assert MID.plans(options) == {
        "lease": lease + "; KCL 3.0-3.4: index LeaseOwnerToLeaseKeyIndex (leaseOwner HASH + "
                         "leaseKey RANGE, KEYS_ONLY)",
        "coordinator-state": "key key (String, HASH), on-demand, deletion protection on, "
                             "tags owner=rec",
        "worker-metrics": "key wid (String, HASH), on-demand, deletion protection on, "
                          "tags owner=rec"}
    assert NEW.plans(options) == {
        "lease": lease + "; KCL 3.5+: index LeaseOwnerToLeaseKeyIndex (leaseOwner HASH + "
                         "leaseKey RANGE, KEYS_ONLY), no T-CoordinatorState or "
                         "T-WorkerMetricStats"}
    # The plan and the request come from the same facts.
    for table in kcl.expand([lt("app")], MID)[1:]:
        request = kcl.create_table_request(table, options, MID)
        plan = MID.plans(options)[table.role]
        assert plan.startswith(f"key {request['KeySchema'][0]['AttributeName']} (String, HASH)"
                               f", on-demand")
        assert request["BillingMode"] == "PAY_PER_REQUEST"


def test_dry_run_describes_companions_with_their_own_key_and_billing(tmp_path: Path) -> None:
    run = run_cli(["create", "--dry-run", "--table", "app", "--region", "us-east-1", "--kcl",
                   "3", "--read-capacity", "25"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    lease, coordinator, metrics, _summary = run.stdout.splitlines()
    assert "would create: key leaseKey (String," in lease
    assert "leaseKey (String, HASH), provisioned" in lease
    assert "provisioned 25 RCU / 10 WCU" in lease
    assert "index LeaseOwnerToLeaseKeyIndex" in lease
    assert coordinator.split()[1] == "app-CoordinatorState"
    assert coordinator.endswith(
        "would create: key key (String, HASH), on-demand, deletion protection on")
    assert metrics.split()[1] == "app-WorkerMetricStats"
    assert metrics.endswith(
        "would create: key wid (String, HASH), on-demand, deletion protection on")
    for line in (coordinator, metrics):
        assert "leaseKey" not in line and "RCU" not in line


# --- KCL 3.5: which old companion switches it to its legacy multi-table mode --------

def test_only_coordinator_state_switches_kcl_35_to_its_legacy_mode() -> None:
    assert NEW.legacy_trigger is kcl.COORDINATOR_STATE
    assert OLD.legacy_trigger is MID.legacy_trigger is None
    table = lt("app")
    (both,) = kcl.found_companion_warnings(
        table, ["app-CoordinatorState", "app-WorkerMetricStats"], NEW, "3.5.1")
    assert both.startswith("app-CoordinatorState exists in eu-west-1 (app-WorkerMetricStats "
                           "too): KCL 3.5+ finds it at start and runs in its legacy "
                           "multi-table mode (coordinator state and worker metrics in the old "
                           "companion tables, not in app) until its own migration to the lease "
                           "table reaches COMPLETE.")
    assert both == snapshot(
        "app-CoordinatorState exists in eu-west-1 (app-WorkerMetricStats too): KCL 3.5+ finds it "
        "at start and runs in its legacy multi-table mode (coordinator state and worker metrics in "
        "the old companion tables, not in app) until its own migration to the lease table reaches "
        "COMPLETE. An adapter upgraded from KCL 3.0-3.4 reads and writes both old tables until "
        "then: keep them and give it `lease-tables policy --kcl 3.5.1 --migrating --role adapter`, "
        "since the plain KCL 3.5+ policy would refuse those writes. If no adapter ran KCL 3.0-3.4 "
        "on app, or the migration is COMPLETE, they are leftovers: delete them by hand while the "
        "adapters are stopped")
    (alone,) = kcl.found_companion_warnings(table, ["app-CoordinatorState"], NEW, "3.5")
    assert "runs in its legacy multi-table mode" in alone and "--migrating" in alone
    assert alone.startswith("app-CoordinatorState exists in eu-west-1: KCL 3.5+ finds it")
    (leftover,) = kcl.found_companion_warnings(table, ["app-WorkerMetricStats"], NEW, "3.5")
    assert leftover.startswith("app-WorkerMetricStats exists in eu-west-1, but "
                               "app-CoordinatorState does not: KCL 3.5+ does not switch to "
                               "its legacy multi-table mode for app-WorkerMetricStats")
    assert "leftover" in leftover and "--migrating" not in leftover
    (unknown,) = kcl.found_companion_warnings(table, ["app-WorkerMetricStats"], NEW, "3.5",
                                              unchecked=["app-CoordinatorState"])
    assert unknown == snapshot(
        "app-WorkerMetricStats exists in eu-west-1, whether app-CoordinatorState exists could not "
        "be checked: KCL 3.5+ does not switch to its legacy multi-table mode for "
        "app-WorkerMetricStats (only app-CoordinatorState does that) and, without "
        "app-CoordinatorState, no longer uses it. Alone it is a leftover of KCL 3.0-3.4; delete it "
        "by hand once no KCL 3.0-3.4 adapter uses it")
    assert kcl.found_companion_warnings(table, [], NEW, "3.5") == []
    assert kcl.found_companion_warnings(table, ["app-CoordinatorState"], MID, "3.0") == []


def test_migrating_permissions_are_data_of_the_35_layout() -> None:
    assert OLD.migrating_operations == MID.migrating_operations == ()
    assert dict(NEW.migrating_operations) == {
        kcl.COORDINATOR_STATE: (*spec.KCL_LEASE_OPERATIONS, "ConditionCheckItem"),
        kcl.WORKER_METRIC_STATS: spec.KCL_LEASE_OPERATIONS}
    kcl.require_migration(NEW, "3.6")  # no error
    for layout, version, why in ((MID, "3.4.3", "its policy already grants the companion "
                                                "tables in full"),
                                 (OLD, "2", "it has no companion tables")):
        with pytest.raises(InputError) as err:
            kcl.require_migration(layout, version)
        assert str(err.value) == (
            f"--migrating is for an adapter upgraded from KCL 3.0-3.4 to KCL 3.5 or later, "
            f"until KCL's own migration to the lease table reaches COMPLETE; --kcl "
            f"\"{version}\" means KCL {layout.name}, which has no such migration ({why}). "
            f"Pass the version now inside the adapter, e.g. --kcl 3.5.1 --migrating, or "
            f"leave --migrating out.")


def test_version_messages_and_missing_parts() -> None:
    assert kcl.parse_version("3") == (3, 0, 0)
    assert kcl.parse_version("3.4") == (3, 4, 0)
    for raw, why in (("x", "it is not a version number"), (None, "it is not a version number"),
                     ("0.9", "there is no KCL 0.x; the first is 1.x")):
        with pytest.raises(InputError) as err:
            kcl.parse_version(raw)
        assert str(err.value).startswith(
            f'--kcl "{raw}" is not a Kinesis Client Library version: {why}. Give the version')


def test_a_companion_passes_through_and_the_lease_tables_after_it_expand() -> None:
    [lease] = kcl.expand([lt("app")], OLD)
    coordinator = kcl.expand([lt("app")], MID)[1]
    tables = kcl.expand([coordinator, lt("other")], MID)
    assert [(t.table_name, t.role) for t in tables] == [
        ("app-CoordinatorState", "coordinator-state"), ("other", "lease"),
        ("other-CoordinatorState", "coordinator-state"),
        ("other-WorkerMetricStats", "worker-metrics")]
    assert lease.role == "lease"


def test_every_companion_too_long_is_named_once_in_one_message() -> None:
    long = "x" * 240
    with pytest.raises(InputError) as err:
        kcl.expand([lt(long)], MID)
    message = str(err.value)
    assert message.count("which DynamoDB would refuse") == 2
    assert "-CoordinatorState\" beside" in message and "-WorkerMetricStats\" beside" in message
    assert ". KCL 3.0-3.4 needs" in message  # the problems joined by one space


def test_a_companion_that_is_an_earlier_lease_table_is_refused() -> None:
    """The clash found while adding a companion, not while adding a lease table."""
    with pytest.raises(InputError) as err:
        kcl.expand([lt("app-CoordinatorState"), lt("app")], MID)
    assert str(err.value) == snapshot(
        "The table app-CoordinatorState in eu-west-1 would be both a lease table and a "
        "coordinator-state table; KCL gives them different keys, so one table cannot be "
        "both. Check the Application Names and --table names.")
    with pytest.raises(InputError, match=r"^The table app-CoordinatorState would be both"):
        kcl.expand([LeaseTable("app-CoordinatorState", None), LeaseTable("app", None)], MID)


def test_a_companion_has_its_own_copy_of_the_lease_tables_lists() -> None:
    lease = lt("app")
    _, coordinator, metrics = kcl.expand([lease], MID)
    assert coordinator.origins == lease.origins == metrics.origins == [None]
    assert coordinator.sources == lease.sources == ["/conf/a.xml"]
    lease.origins.append(None)
    lease.sources.append("x")
    assert coordinator.origins == [None] and coordinator.sources == ["/conf/a.xml"]


def test_absent_names_carry_the_companions_roles() -> None:
    absent = kcl.absent_names([lt("app")], NEW)
    assert [(t.table_name, t.role) for t in absent] == [
        ("app-CoordinatorState", "coordinator-state"),
        ("app-WorkerMetricStats", "worker-metrics")]


def test_the_kcl_page_says_what_kcl_itself_does_and_what_is_assumed() -> None:
    page = (Path(__file__).parent.parent / "docs" / "kcl-versions.md").read_text(
        encoding="utf-8")
    section = " ".join(page.split())
    assert "exactly what KCL" not in page
    assert "KCL creates the lease table on-demand" in section
    assert "on-demand, deletion protection off and" in section
    assert "off and without the index, and adds" in section
    assert "adds the index with UpdateTable about" in section
    assert "UpdateTable about a minute later" in section
    assert "KCL 2.3.7" in section and "`--billing-mode on-demand` gives" in section
    assert "gives KCL's own choice" in section
    assert "KCL names its companion tables after" in section
    assert "after its own `applicationName`" in section
    assert "unless the adapter overrides KCL's" in section
    assert "overrides KCL's lease-table name" in section
    assert "If it finds `T-CoordinatorState` at" in section
    assert "at start, it runs in its legacy" in section
    assert "a `T-WorkerMetricStats` alone does not" in section
    assert "alone does not switch it" in section
    assert "or `T-WorkerMetricStats`, it runs" not in section
    assert "policy --kcl 3.5.1 --migrating" in section


def test_a_table_without_a_region_is_found_without_one() -> None:
    table = LeaseTable("app", None)
    (leftover,) = kcl.found_companion_warnings(table, ["app-WorkerMetricStats"], NEW, "3.5")
    assert leftover.startswith("app-WorkerMetricStats exists, but app-CoordinatorState does")


# --- a companion's family and near twins -------------------------------------------------

def test_a_companion_belongs_with_the_lease_table_it_is_named_after() -> None:
    assert kcl.lease_name(LeaseTable("app-CoordinatorState", "eu-west-1",
                                     role=kcl.ROLE_COORDINATOR_STATE)) == "app"
    assert kcl.lease_name(LeaseTable("app-WorkerMetricStats", "eu-west-1",
                                     role=kcl.ROLE_WORKER_METRICS)) == "app"
    assert kcl.lease_name(LeaseTable("app-CoordinatorState", "eu-west-1")) == (
        "app-CoordinatorState")  # a lease table that happens to be named so
    assert kcl.family("app") == {"app", "app-CoordinatorState", "app-WorkerMetricStats"}


def test_near_twins_of_a_companion_keep_its_suffix_and_skip_its_own_family() -> None:
    companion = LeaseTable("verintAgentEvents_verintris.2-CoordinatorState", "eu-west-1",
                           adapter_kind="agent-events", application_name="verintAgentEvents",
                           adapter_id="2", role=kcl.ROLE_COORDINATOR_STATE)
    existing = ["verintAgentEvents_verintris.2", "verintAgentEvents_verintris.2-WorkerMetricStats",
                "verintAgentEvents_verintris.2-CoordinatorState",
                "VERINTAGENTEVENTS_VERINTRIS.2-COORDINATORSTATE",
                "verintAgentEvents_verintris.2-coordinatorstate",  # only the suffix differs
                "verintAgentEvents_verintris.corp.2-CoordinatorState",
                "verintAgentEvents_verintris.corp.2", "verintAgentEvents_OTHER.2-CoordinatorState",
                "verintAgentEvents_verintris.corp.3-CoordinatorState",
                "unrelated-CoordinatorState"]
    assert kcl.near_twins(companion, existing) == [
        "VERINTAGENTEVENTS_VERINTRIS.2-COORDINATORSTATE",
        "verintAgentEvents_verintris.2-coordinatorstate",
        "verintAgentEvents_verintris.corp.2-CoordinatorState"]
    assert kcl.twin_reasons(companion, ["verintAgentEvents_verintris.corp.2-CoordinatorState"]) == [
        "verintAgentEvents_verintris.corp.2-CoordinatorState writes the host as verintris.corp "
        "where the adapter's name has verintris, and the adapter uses its host name exactly as "
        "it is"]
    lease = LeaseTable("verintAgentEvents_verintris.2", "eu-west-1", adapter_kind="agent-events",
                       application_name="verintAgentEvents", adapter_id="2")
    assert kcl.near_twins(lease, existing) == ["verintAgentEvents_verintris.corp.2"]


def test_add_index_needs_a_layout_with_the_index() -> None:
    kcl.require_index(MID, "3.0")  # no error
    kcl.require_index(NEW, "3.5")
    with pytest.raises(InputError) as err:
        kcl.require_index(OLD, " 2 ")
    assert str(err.value) == (
        "--add-index adds KCL 3's index LeaseOwnerToLeaseKeyIndex, but --kcl '2' means KCL "
        f"{OLD.name}, whose lease tables have no index: there is nothing to add. Pass the "
        "adapter's KCL version too, e.g. --kcl 3.0 --add-index (the X.Y.Z of "
        "amazon-kinesis-client-X.Y.Z.jar in its installation).")
