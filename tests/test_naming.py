"""Naming rules, host precedence, merging and twins: plain values and properties."""

from __future__ import annotations

import re
from pathlib import PureWindowsPath

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lease_tables.conf import KIND_AGENT_EVENTS, KIND_CONNECT, Adapter, ConfFile
from lease_tables.errors import InputError
from lease_tables.naming import (
    HOST_LOCAL,
    HOST_OPTION,
    HOST_UNC,
    LeaseTable,
    agent_events_table_name,
    derive_tables,
    local_host_name,
    near_twins,
    require_adapters,
    resolve_host,
    table_for_adapter,
    table_name_problem,
    unc_host,
)


def adapter(kind: str = KIND_AGENT_EVENTS, app: str = "verintAgentEvents", aid: str | None = "2",
            region: str | None = None, source: str = "conf.xml") -> Adapter:
    return Adapter(kind=kind, type="AmazonAgentEventStreamAdapter" if kind == KIND_AGENT_EVENTS
                   else "AmazonConnectAdapter", adapter_id=aid, application_name=app,
                   region=region, source=source)


def conf(*adapters: Adapter, folder: str = "/opt/conf", path: str = "conf.xml") -> ConfFile:
    return ConfFile(path=path, folder=folder, adapters=tuple(adapters))


def test_vendor_examples() -> None:
    assert agent_events_table_name("verintAgentEvents", "verintris", "2") == (
        "verintAgentEvents_verintris.2")
    result = derive_tables([conf(adapter(), adapter(KIND_CONNECT, "verintCTREvents", "1"))],
                           host_option="verintris")
    assert [t.table_name for t in result.tables] == ["verintAgentEvents_verintris.2",
                                                     "verintCTREvents"]
    connect = result.tables[1]
    assert (connect.adapter_kind, connect.host_name, connect.host_name_source) == (
        "connect", None, None)


@pytest.mark.parametrize(
    ("folder", "server"),
    [
        (r"\\verintris\e$\Impact360\Software\Conf", "verintris"),
        ("//verintris/e$/Impact360/Software/Conf", "verintris"),
        (r"\\VerintRIS02.corp.example\share\Conf", "VerintRIS02.corp.example"),
        (r"E:\Impact360\Software\Conf", None),
        ("/opt/ris/conf", None),
        ("relative/conf", None),
    ],
)
def test_unc_host(folder: str, server: str | None) -> None:
    assert unc_host(folder) == server
    # PureWindowsPath agrees about which of these are UNC paths.
    assert (server is not None) == PureWindowsPath(folder).drive.startswith("\\\\")


def test_host_precedence_option_unc_local() -> None:
    unc = r"\\verintris\e$\Conf"
    assert resolve_host("Opt", unc, "local").source == HOST_OPTION
    assert resolve_host(None, unc, "local").value == "verintris"
    assert resolve_host(None, unc, "local").source == HOST_UNC
    assert resolve_host(None, "/opt/conf", "ThisBox").value == "ThisBox"
    assert resolve_host(None, "/opt/conf", "ThisBox").source == HOST_LOCAL


def test_local_host_name_keeps_case_and_drops_domain() -> None:
    assert local_host_name("VerintRIS.corp.example.com") == "VerintRIS"
    assert local_host_name("ris01") == "ris01"


def test_unc_folder_gives_the_host_per_folder() -> None:
    result = derive_tables([
        conf(adapter(), folder=r"\\risA\e$\Conf", path=r"\\risA\e$\Conf\IntegrationService.xml"),
        conf(adapter(), folder="//risB/e$/Conf", path="//risB/e$/Conf/IntegrationService.xml"),
    ], local_host="me")
    assert [(t.table_name, t.host_name_source) for t in result.tables] == [
        ("verintAgentEvents_risA.2", HOST_UNC), ("verintAgentEvents_risB.2", HOST_UNC)]


def test_shared_name_merges_sources_and_warns_in_one_file() -> None:
    one = conf(adapter(KIND_CONNECT, "ctr", "1"), adapter(KIND_CONNECT, "ctr", "4"), path="a.xml")
    other = conf(adapter(KIND_CONNECT, "ctr", "1", source="b.xml"), path="b.xml")
    result = derive_tables([one, other], local_host="h")
    [table] = result.tables
    assert table.sources == ["conf.xml", "conf.xml", "b.xml"]  # one entry per adapter
    assert len(table.adapters) == 3
    assert len(result.warnings) == 1 and "ID 1" in result.warnings[0]
    assert "ID 4" in result.warnings[0]


def test_same_name_in_two_regions_is_two_tables() -> None:
    result = derive_tables([conf(adapter(KIND_CONNECT, "ctr", "1", region="us-east-1"),
                                 adapter(KIND_CONNECT, "ctr", "2", region="eu-west-1"))],
                           local_host="h")
    assert [(t.table_name, t.region) for t in result.tables] == [
        ("ctr", "eu-west-1"), ("ctr", "us-east-1")]


def test_region_precedence() -> None:
    confs = [conf(adapter(KIND_CONNECT, "ctr", "1", region="eu-west-1"),
                  adapter(KIND_CONNECT, "other", "2"))]
    regions = {t.table_name: t.region for t in
               derive_tables(confs, default_region="ap-south-1", local_host="h").tables}
    assert regions == {"ctr": "eu-west-1", "other": "ap-south-1"}
    forced = derive_tables(confs, region_option="us-west-2", default_region="x", local_host="h")
    assert {t.region for t in forced.tables} == {"us-west-2"}


def test_table_option_merges_with_adapter_and_keeps_adapter_facts() -> None:
    result = derive_tables([conf(adapter(KIND_CONNECT, "ctr", "1"))], table_names=["ctr", "xyz"],
                           local_host="h")
    by_name = {t.table_name: t for t in result.tables}
    assert by_name["ctr"].adapter_kind == "connect"
    assert by_name["ctr"].sources == ["conf.xml", "--table"]
    assert by_name["xyz"].adapter_kind is None and by_name["xyz"].sources == ["--table"]


def test_invalid_derived_name_names_file_adapter_and_character() -> None:
    with pytest.raises(InputError) as err:
        derive_tables([conf(adapter(app="verint Agent"))], host_option="ris")
    message = str(err.value)
    assert "conf.xml" in message and "ID 2" in message and "' '" in message


def test_invalid_table_option() -> None:
    with pytest.raises(InputError, match="--table 'ab'"):
        derive_tables([], table_names=["ab"])


def test_no_adapters_is_an_input_error() -> None:
    with pytest.raises(InputError, match="No Amazon"):
        require_adapters([conf()], [])
    require_adapters([conf()], ["tableX"])


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("ab", "at least 3"), ("a" * 256, "at most 255"), ("ab/c", "'/'"), ("tab\u00e9", "U+00E9")],
)
def test_table_name_problem(name: str, fragment: str) -> None:
    problem = table_name_problem(name)
    assert problem is not None and fragment in problem


def test_near_twins_case_and_host_part() -> None:
    table = table_for_adapter(adapter(), resolve_host("verintris", None, "x"), "us-east-1")
    existing = ["verintAgentEvents_VERINTRIS.2", "verintAgentEvents_oldbox.2",
                "verintAgentEvents_verintris.3", "verintAgentEvents_verintris.2", "unrelated"]
    assert near_twins(table, existing) == ["verintAgentEvents_VERINTRIS.2",
                                           "verintAgentEvents_oldbox.2"]
    plain = LeaseTable(table_name="ctrApp", region=None)
    assert near_twins(plain, ["CTRAPP", "ctrApp", "ctrApp2"]) == ["CTRAPP"]


_NAME_CHARS = st.characters(codec="utf-8")
_VALID_PART = st.text(alphabet="abcXYZ019_-.", min_size=1, max_size=30)


@given(app=st.text(_NAME_CHARS, min_size=1, max_size=60),
       host=st.text(_NAME_CHARS, min_size=1, max_size=30),
       aid=st.text(_NAME_CHARS, min_size=1, max_size=6))
def test_any_input_gives_a_valid_name_or_a_clear_error(app: str, host: str, aid: str) -> None:
    assume("." not in host)
    try:
        table = table_for_adapter(adapter(app=app, aid=aid), resolve_host(host, None, "x"), "r")
    except InputError as exc:
        assert "conf.xml" in str(exc) and "DynamoDB would refuse" in str(exc)
        assert table_name_problem(f"{app}_{host}.{aid}") is not None
        return
    assert re.fullmatch(r"[A-Za-z0-9_.\-]{3,255}", table.table_name)
    # Round trip: the name splits back into its parts by the rule.
    assert table.table_name == f"{app}_{host}.{aid}"
    assert table.table_name.startswith(app + "_") and table.table_name.endswith("." + aid)


@given(app=_VALID_PART, host=st.text(alphabet="abcXYZ019-", min_size=1, max_size=20),
       aid=st.integers(min_value=0, max_value=9999))
def test_valid_parts_always_round_trip(app: str, host: str, aid: int) -> None:
    name = agent_events_table_name(app, host, str(aid))
    assume(len(name) >= 3)
    assert table_name_problem(name) is None
    prefix, _, suffix = name.rpartition(".")
    assert suffix == str(aid)
    assert prefix.rpartition("_")[2] == host


def test_region_option_only_fills_in_when_it_does_not_override() -> None:
    """SPEC 5's policy: the adapter's Region setting, else --region, else the default."""
    confs = [conf(adapter(KIND_CONNECT, "ctr", "1", region="eu-west-1"),
                  adapter(KIND_CONNECT, "other", "2"))]
    filled = derive_tables(confs, region_option="us-west-2", default_region="ap-south-1",
                           local_host="h", region_overrides=False)
    assert {t.table_name: t.region for t in filled.tables} == {"ctr": "eu-west-1",
                                                               "other": "us-west-2"}
