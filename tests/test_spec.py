"""The table shape as data: request, key checks, options validation."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from lease_tables.core.errors import InputError
from lease_tables.model import spec
from lease_tables.model.spec import (
    TableOptions,
    capacity_differences,
    create_table_request,
    index_definition,
    index_problem,
    index_status,
    key_schema_problem,
    make_options,
    parse_tags,
)


def test_default_request_is_the_vendor_table() -> None:
    assert create_table_request("verintCTREvents", TableOptions()) == {
        "TableName": "verintCTREvents",
        "KeySchema": [{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "leaseKey", "AttributeType": "S"}],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        "DeletionProtectionEnabled": True,
    }


def test_on_demand_with_tags_and_no_protection() -> None:
    options = make_options("on-demand", deletion_protection=False,
                           tags=["owner=rec team", "env=prod", "owner=recording"])
    request = create_table_request("t12", options)
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in request
    assert request["DeletionProtectionEnabled"] is False
    assert request["Tags"] == [{"Key": "owner", "Value": "recording"},
                               {"Key": "env", "Value": "prod"}]


@pytest.mark.parametrize("raw", ["novalue", "=x", "aws:reserved=1", "bad#key=1"])
def test_bad_tags(raw: str) -> None:
    with pytest.raises(InputError):
        parse_tags([raw])


def test_tag_value_may_contain_equals_and_be_empty() -> None:
    assert parse_tags(["a=b=c", "empty="]) == (("a", "b=c"), ("empty", ""))


@pytest.mark.parametrize("bad", [dict(read_capacity=0), dict(write_capacity=-1),
                                 dict(billing_mode="free")])
def test_bad_options(bad: dict) -> None:
    with pytest.raises(InputError):
        make_options(**bad)


def described(keys, attrs, billing="PROVISIONED", read=10, write=10) -> dict:
    return {"KeySchema": keys, "AttributeDefinitions": attrs,
            "BillingModeSummary": {"BillingMode": billing},
            "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write}}


HASH = [{"AttributeName": "leaseKey", "KeyType": "HASH"}]
S = [{"AttributeName": "leaseKey", "AttributeType": "S"}]


def test_key_schema_problem() -> None:
    assert key_schema_problem(described(HASH, S)) is None
    assert "leaseKey (N, HASH)" in key_schema_problem(
        described(HASH, [{"AttributeName": "leaseKey", "AttributeType": "N"}]))
    assert "id (S, HASH)" in key_schema_problem(
        described([{"AttributeName": "id", "KeyType": "HASH"}],
                  [{"AttributeName": "id", "AttributeType": "S"}]))
    with_sort = [*HASH, {"AttributeName": "checkpoint", "KeyType": "RANGE"}]
    assert key_schema_problem(described(with_sort, [*S, {"AttributeName": "checkpoint",
                                                         "AttributeType": "S"}]))


def test_capacity_differences() -> None:
    assert capacity_differences(described(HASH, S)) == []
    assert capacity_differences(described(HASH, S, read=5)) == [
        "capacity is 5 RCU / 10 WCU, expected 10 / 10"]
    assert "PAY_PER_REQUEST" in capacity_differences(described(HASH, S, "PAY_PER_REQUEST"))[0]
    on_demand = make_options("on-demand")
    assert capacity_differences(described(HASH, S, "PAY_PER_REQUEST"), on_demand) == []


def test_key_schema_problem_with_another_expected_key() -> None:
    wid = described([{"AttributeName": "wid", "KeyType": "HASH"}],
                    [{"AttributeName": "wid", "AttributeType": "S"}])
    assert key_schema_problem(wid, "wid") is None
    assert "KCL needs wid (S, HASH)" in (key_schema_problem(described(HASH, S), "wid") or "")
    assert "KCL needs leaseKey" in (key_schema_problem(wid) or "")


INDEX = {"IndexName": "LeaseOwnerToLeaseKeyIndex", "IndexStatus": "ACTIVE",
         "KeySchema": [{"AttributeName": "leaseOwner", "KeyType": "HASH"},
                       {"AttributeName": "leaseKey", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}}
OWNER = [*S, {"AttributeName": "leaseOwner", "AttributeType": "S"}]


def with_index(**changes) -> dict:
    table = described(HASH, OWNER)
    table["GlobalSecondaryIndexes"] = [{"IndexName": "other"}, {**INDEX, **changes}]
    return table


def test_index_problem_and_status() -> None:
    assert index_problem(with_index()) is None
    assert index_status(with_index()) == "ACTIVE"
    assert index_status(with_index(IndexStatus="CREATING")) == "CREATING"
    assert index_problem(with_index(IndexStatus="CREATING")) is None
    plain = described(HASH, S)
    assert index_status(plain) is None
    assert "no index LeaseOwnerToLeaseKeyIndex" in (index_problem(plain) or "")
    # KCL reads only the keys: another projection works (a warning, not a problem).
    for projection in ({"ProjectionType": "ALL"},
                       {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["checkpoint"]}):
        assert index_problem(with_index(Projection=projection)) is None
    swapped = [{"AttributeName": "leaseKey", "KeyType": "HASH"},
               {"AttributeName": "leaseOwner", "KeyType": "RANGE"}]
    assert index_problem(with_index(KeySchema=swapped)) == snapshot(
        "its index LeaseOwnerToLeaseKeyIndex differs: its key is leaseKey (S, HASH), leaseOwner "
        "(S, RANGE); KCL needs leaseOwner (S, HASH) + leaseKey (S, RANGE)")
    numeric = described(HASH, [*S, {"AttributeName": "leaseOwner", "AttributeType": "N"}])
    numeric["GlobalSecondaryIndexes"] = [INDEX]
    assert "leaseOwner (N, HASH)" in (index_problem(numeric) or "")


def test_index_definition_follows_the_billing_mode() -> None:
    assert index_definition(make_options(read_capacity=3, write_capacity=4))[
        "ProvisionedThroughput"] == {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
    assert "ProvisionedThroughput" not in index_definition(make_options("on-demand"))
    with pytest.raises(ValueError):
        create_table_request("t12", TableOptions(), hash_key="wid", index=True)



# --- pins: each a behaviour a mutation run found no test for -----------------------------

def test_capacity_one_is_the_least_allowed() -> None:
    options = make_options(read_capacity=1, write_capacity=1)
    assert create_table_request("t1x", options)["ProvisionedThroughput"] == {
        "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    for bad in (dict(read_capacity=0), dict(write_capacity=0)):
        with pytest.raises(InputError, match="must be 1 or more"):
            make_options(**bad)


def test_tag_value_limit_is_256_characters() -> None:
    assert parse_tags(["k=" + "v" * 256]) == (("k", "v" * 256),)
    with pytest.raises(InputError, match="longer than AWS's 256"):
        parse_tags(["k=" + "v" * 257])


def test_tag_keys_are_stripped_and_limited_to_128_characters() -> None:
    assert parse_tags(["  owner \t= rec "]) == (("owner", " rec "),)
    assert parse_tags(["k" * 128 + "=1"]) == (("k" * 128, "1"),)
    for bad in ("k" * 129 + "=1", "   =1", "AWS:x=1"):
        with pytest.raises(InputError):
            parse_tags([bad])


def test_a_table_without_billing_mode_summary_is_provisioned() -> None:
    """DescribeTable leaves BillingModeSummary out for tables always provisioned."""
    plain = {"ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}}
    assert capacity_differences(plain) == []
    assert capacity_differences(plain, make_options("on-demand")) == [
        "billing mode is PROVISIONED, expected PAY_PER_REQUEST"]
    assert capacity_differences({**plain, "BillingModeSummary": {}}) == []
    small = {"ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5}}
    assert capacity_differences(small) == ["capacity is 10 RCU / 5 WCU, expected 10 / 10"]
    on_demand = {"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}}
    assert capacity_differences(on_demand, make_options("on-demand")) == []


def test_describe_says_each_choice() -> None:
    assert TableOptions().describe() == snapshot(
        "key leaseKey (String, HASH), provisioned 10 RCU / 10 WCU, deletion protection on")
    assert make_options("on-demand", deletion_protection=False,
                        tags=["a=1", "b=2"]).describe() == snapshot(
        "key leaseKey (String, HASH), on-demand, deletion protection OFF, tags a=1, b=2")
    assert make_options(read_capacity=3, write_capacity=4).describe() == snapshot(
        "key leaseKey (String, HASH), provisioned 3 RCU / 4 WCU, deletion protection on")


@pytest.mark.parametrize(("status", "usable", "pending"), [
    ("ACTIVE", True, False), ("UPDATING", True, False), ("CREATING", False, True),
    ("DELETING", False, False), ("ARCHIVED", False, False), ("SOMETHING_NEW", False, False),
    (None, False, False)])
def test_table_states(status: str | None, usable: bool, pending: bool) -> None:
    assert spec.is_usable(status) is usable
    assert spec.is_pending(status) is pending
    assert (spec.state_problem("t", status) is None) is (usable or pending)


def test_state_problems_say_what_to_do() -> None:
    assert spec.state_problem("Table t", "DELETING") == snapshot(
        "Table t is DELETING: it is being deleted. Rerun `lease-tables create` once it is "
        "gone; it will be created afresh.")
    assert spec.state_problem("Table t", "SOMETHING_NEW") == snapshot(
        "Table t is SOMETHING_NEW: lease-tables does not know this state, so it neither waits "
        "for it nor treats it as usable. Check the table in the DynamoDB console, then rerun.")
    assert spec.state_problem("Table t", None) == snapshot(
        "Table t is in no state DescribeTable named: lease-tables does not know this state, so "
        "it neither waits for it nor treats it as usable. Check the table in the DynamoDB "
        "console, then rerun.")


def test_option_messages() -> None:
    def message(**options) -> str:
        with pytest.raises(InputError) as err:
            make_options(**options)
        return str(err.value)

    assert message(billing_mode="free") == snapshot(
        "--billing-mode \"free\" is not one of: provisioned, on-demand.")
    assert message(read_capacity=0) == snapshot(
        "--read-capacity 0 must be 1 or more (the vendor's default is 10).")
    assert message(write_capacity=-2) == snapshot(
        "--write-capacity -2 must be 1 or more (the vendor's default is 10).")
    assert make_options().deletion_protection is True


def test_tag_messages() -> None:
    def message(raw: str) -> str:
        with pytest.raises(InputError) as err:
            parse_tags([raw])
        return str(err.value)

    assert message("novalue") == snapshot(
        "--tag \"novalue\" is not KEY=VALUE, e.g. --tag owner=recording-team.")
    assert message("aws:x=1") == snapshot(
        "--tag key \"aws:x\" is not a valid AWS tag key (1-128 letters, digits, spaces and "
        "_ . : / = + - @; not starting with aws:). Change the key and rerun.")
    assert message("k=" + "v" * 257) == snapshot(
        "--tag \"k\": the value is longer than AWS's 256 characters.")


def test_describe_and_key_messages() -> None:
    assert spec.attribute_definitions() == [{"AttributeName": "leaseKey", "AttributeType": "S"}]
    with pytest.raises(ValueError, match=r"^only a lease table \(leaseKey\) has "
                                         r"LeaseOwnerToLeaseKeyIndex$"):
        create_table_request("t", TableOptions(), hash_key="key", index=True)
    assert index_status({"GlobalSecondaryIndexes": [
        {"IndexName": "LeaseOwnerToLeaseKeyIndex"}]}) == ""
    two = {"KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
                         {"AttributeName": "b", "KeyType": "RANGE"}],
           "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "N"}]}
    assert key_schema_problem(two) == snapshot(
        "its key is a (N, HASH), b (?, RANGE); KCL needs leaseKey (S, HASH) and no sort key")
    assert key_schema_problem({}) == snapshot(
        "its key is no key; KCL needs leaseKey (S, HASH) and no sort key")
    bad_index = {"GlobalSecondaryIndexes": [
        {"IndexName": "LeaseOwnerToLeaseKeyIndex", "KeySchema": [
            {"AttributeName": "leaseOwner", "KeyType": "HASH"},
            {"AttributeName": "x", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}}],
        "AttributeDefinitions": [{"AttributeName": "leaseOwner", "AttributeType": "S"}]}
    assert index_problem(bad_index) == snapshot(
        "its index LeaseOwnerToLeaseKeyIndex differs: its key is leaseOwner (S, HASH), "
        "x (?, RANGE); KCL needs leaseOwner (S, HASH) + leaseKey (S, RANGE)")
    no_keys = {"GlobalSecondaryIndexes": [
        {"IndexName": "LeaseOwnerToLeaseKeyIndex", "Projection": {"ProjectionType": "KEYS_ONLY"}}]}
    assert index_problem(no_keys) == snapshot(
        "its index LeaseOwnerToLeaseKeyIndex differs: its key is no key; KCL needs leaseOwner "
        "(S, HASH) + leaseKey (S, RANGE)")


# ------------------------------------------------- KCL 3's index on an existing table


def test_add_index_request_takes_the_table_s_current_capacity() -> None:
    described = {"ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
                 "BillingModeSummary": {"BillingMode": "PROVISIONED"}}
    request = spec.add_index_request("leases", described, spec.TableOptions())
    assert request == {
        "TableName": "leases",
        "AttributeDefinitions": [{"AttributeName": "leaseKey", "AttributeType": "S"},
                                 {"AttributeName": "leaseOwner", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {
            "IndexName": "LeaseOwnerToLeaseKeyIndex",
            "KeySchema": [{"AttributeName": "leaseOwner", "KeyType": "HASH"},
                          {"AttributeName": "leaseKey", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
        }}],
    }


def test_add_index_request_on_demand_and_without_throughput() -> None:
    on_demand = spec.add_index_request(
        "leases", {"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
                   "ProvisionedThroughput": {"ReadCapacityUnits": 0,
                                             "WriteCapacityUnits": 0}},
        spec.TableOptions())
    create = on_demand["GlobalSecondaryIndexUpdates"][0]["Create"]
    assert "ProvisionedThroughput" not in create
    # No summary: a provisioned table (DynamoDB leaves it out then); no throughput
    # shown: the fallback's capacity.
    bare = spec.add_index_request("leases", {}, spec.TableOptions(read_capacity=4,
                                                                  write_capacity=6))
    assert bare["GlobalSecondaryIndexUpdates"][0]["Create"]["ProvisionedThroughput"] == {
        "ReadCapacityUnits": 4, "WriteCapacityUnits": 6}


@pytest.mark.parametrize(("status", "usable", "pending"), [
    # KCL 3 waits at start until IndexStatus is ACTIVE: UPDATING is waited for too,
    # although the table itself is usable when UPDATING.
    ("ACTIVE", True, False), ("UPDATING", False, True), ("CREATING", False, True),
    ("DELETING", False, False), (None, False, False), ("SOMETHING_NEW", False, False)])
def test_index_states(status: str | None, usable: bool, pending: bool) -> None:
    assert spec.index_is_usable(status) is usable
    assert spec.index_is_pending(status) is pending
    problem = spec.index_state_problem("leases in us-east-1", status, "3.0")
    assert (problem is None) is (usable or pending)


def test_index_state_problem_words() -> None:
    assert spec.index_state_problem("T in r", "DELETING", "3.2") == snapshot(
        "T in r: its index LeaseOwnerToLeaseKeyIndex is DELETING: someone is deleting it. "
        "Once it is gone, add it again with `lease-tables create --kcl 3.2 --add-index`.")
    assert spec.index_state_problem("T in r", "ODD", "3.2") == snapshot(
        "T in r: its index LeaseOwnerToLeaseKeyIndex is ODD: lease-tables does not know this "
        "state, so it neither waits for it nor treats it as usable. Check the table's "
        "indexes in the DynamoDB console, then rerun.")
    assert "is in no state:" in spec.index_state_problem("T in r", None, "3.2")


def test_a_projection_other_than_keys_only_is_a_warning_that_says_what_it_costs() -> None:
    assert spec.index_projection_note(with_index(), "3.1") is None
    assert spec.index_projection_note(described(HASH, S), "3.1") is None  # no index
    note = spec.index_projection_note(
        with_index(Projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}), "3.1")
    assert note == snapshot(
        "its index LeaseOwnerToLeaseKeyIndex has projection INCLUDE; KCL creates KEYS_ONLY "
        "and reads only the keys, so it works, but every lease write also writes the "
        "projected attributes into the index (more write capacity). To match KCL, delete "
        "the index by hand when no adapter runs and add it again with `lease-tables create "
        "--kcl 3.1 --add-index`")
    assert "projection ALL;" in (spec.index_projection_note(
        with_index(Projection={"ProjectionType": "ALL"}), "3.5") or "")


def test_describe_names_the_table_s_own_key() -> None:
    assert make_options("on-demand").describe("wid") == snapshot(
        "key wid (String, HASH), on-demand, deletion protection on")


def test_the_request_s_docstring_does_not_claim_to_be_kcl_s_own_request() -> None:
    words = " ".join((create_table_request.__doc__ or "").split())
    assert "exactly what KCL" not in words
    assert "KCL creates a lease table on-demand" in words
    assert "deletion protection off and without" in words
    assert "off and without the index" in words
    assert "adds the index with UpdateTable about" in words
    assert "UpdateTable about a minute later" in words
    assert "KCL 2.3.7" in words and "--billing-mode on-demand" in words


def test_tag_character_messages_name_the_refused_characters() -> None:
    def message(raw: str) -> str:
        with pytest.raises(InputError) as err:
            parse_tags(["ok=1", raw])
        return str(err.value)

    only = "(only letters, digits, spaces and _ . : / = + - @)"
    assert message("bad#key=1") == (
        f'--tag key "bad#key" is not a valid AWS tag key: the character # is not allowed '
        f"{only} (1-128 letters, digits, spaces and _ . : / = + - @; not starting with "
        f"aws:). Change the key and rerun.")
    # Sorted, each once, at most ten shown; letters of any script, digits, spaces pass.
    assert message("owner=Zürich 東京 ١٢٣ ?!*&%$#!") == (
        '--tag "owner=Zürich 東京 ١٢٣ ?!*&%$#!": the value "Zürich 東京 ١٢٣ ?!*&%$#!" is not a '
        f"valid AWS tag value: the characters ! # $ % & * ? are not allowed {only}. Change "
        "the value and rerun.")
    assert message("k=<>?!#$%&*;|") == (
        '--tag "k=<>?!#$%&*;|": the value "<>?!#$%&*;|" is not a valid AWS tag value: the '
        f"characters ! # $ % & * ; < > ? are not allowed {only}. Change the value and rerun.")


def test_fifty_tags_are_aws_limit() -> None:
    fifty = [f"k{n}=v" for n in range(50)]
    assert len(parse_tags(fifty)) == 50
    assert len(parse_tags([*fifty, "k0=again"])) == 50  # a repeated key replaces
    with pytest.raises(InputError) as err:
        parse_tags([*fifty, "k50=v"])
    assert str(err.value) == snapshot(
        "51 different --tag keys were given; AWS allows at most 50 tags on a table.")


def test_capacity_with_on_demand_names_each_option_given() -> None:
    def message(**options) -> str:
        with pytest.raises(InputError) as err:
            make_options("on-demand", **options)
        return str(err.value)

    tail = ("cannot apply with --billing-mode on-demand: on-demand tables have no provisioned "
            "capacity, so DynamoDB would have nothing to set. Drop the capacity option(s), or "
            "use --billing-mode provisioned.")
    assert message(read_capacity=5, write_capacity=7) == (
        f"--read-capacity 5 and --write-capacity 7 {tail}")
    assert message(write_capacity=10) == f"--write-capacity 10 {tail}"


def test_an_index_without_a_projection_type_is_named_so() -> None:
    index = {"IndexName": "LeaseOwnerToLeaseKeyIndex", "Projection": {}}
    assert spec.index_projection_note({"GlobalSecondaryIndexes": [index]}, "3.1") == snapshot(
        "its index LeaseOwnerToLeaseKeyIndex has projection none named; KCL creates KEYS_ONLY "
        "and reads only the keys, so it works, but every lease write also writes the "
        "projected attributes into the index (more write capacity). To match KCL, delete the "
        "index by hand when no adapter runs and add it again with `lease-tables create --kcl "
        "3.1 --add-index`")


# ------------------------------------------------------------------ drift messages
# `create` (the default) changed nothing it says it left untouched and sends the reader to
# rerun; `verify` (checked_only) only looked, so it neither says so nor sends to verify.


def test_a_table_kcl_cannot_use_is_described_for_create_and_for_verify() -> None:
    assert spec.drift_message("Table T in r", "its key is x") == snapshot(
        "Table T in r exists but its key is x. It was left untouched. KCL cannot use it, and "
        "DynamoDB can neither rename a table nor change its key: after checking that nothing else "
        "uses it (and keeping its items if they matter), delete it by hand, then rerun "
        "`lease-tables create`.")
    assert spec.drift_message("Table T in r", "its key is x", checked_only=True) == snapshot(
        "Table T in r exists but its key is x. KCL cannot use it, and DynamoDB can neither rename "
        "a table nor change its key: after checking that nothing else uses it (and keeping its "
        "items if they matter), delete it by hand, then run `lease-tables create`.")


def test_a_missing_index_is_described_for_create_and_for_verify() -> None:
    assert spec.missing_index_message("Table T in r", "3.2") == snapshot(
        "Table T in r exists but has no index LeaseOwnerToLeaseKeyIndex, which KCL 3.2 needs; with "
        "dynamodb:UpdateTable denied the adapter cannot add it and would fail at start. It was "
        "left untouched. Check with `lease-tables verify --kcl 3.2`, then add only the index with "
        "`lease-tables create --kcl 3.2 --add-index` (one UpdateTable: the index takes the table's "
        "current capacity; items, key, capacity and settings stay as they are). Index creation can "
        "take minutes on a table with many items.")
    assert spec.missing_index_message("Table T in r", "3.2", checked_only=True) == snapshot(
        "Table T in r exists but has no index LeaseOwnerToLeaseKeyIndex, which KCL 3.2 needs; with "
        "dynamodb:UpdateTable denied the adapter cannot add it and would fail at start. Add only "
        "the index with `lease-tables create --kcl 3.2 --add-index` (one UpdateTable: the index "
        "takes the table's current capacity; items, key, capacity and settings stay as they are). "
        "Index creation can take minutes on a table with many items.")


def test_an_index_with_other_keys_is_described_for_create_and_for_verify() -> None:
    assert spec.index_drift_message("Table T in r", "its index differs", "3.2") == snapshot(
        "Table T in r exists but its index differs. It was left untouched. KCL only looks for an "
        "index of that name, so it would use it as it is and fail; DynamoDB cannot change an "
        "index's keys. After checking that nothing else uses it, delete that index by hand "
        "(DynamoDB console, Indexes), then run `lease-tables create --kcl 3.2 --add-index`.")
    verify = spec.index_drift_message("Table T in r", "its index differs", "3.2",
                                      checked_only=True)
    assert verify == snapshot(
        "Table T in r exists but its index differs. KCL only looks for an index of that name, so "
        "it would use it as it is and fail; DynamoDB cannot change an index's keys. After checking "
        "that nothing else uses it, delete that index by hand (DynamoDB console, Indexes), then "
        "run `lease-tables create --kcl 3.2 --add-index`.")
