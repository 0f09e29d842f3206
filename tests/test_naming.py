"""Naming rules, host precedence, merging and twins: plain values and properties."""

from __future__ import annotations

import socket
import uuid
from pathlib import PureWindowsPath

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from inline_snapshot import snapshot

from lease_tables.config.naming import (
    HOST_LOCAL,
    HOST_OPTION,
    HOST_UNC,
    HostName,
    LeaseTable,
    agent_events_table_name,
    check_region_option,
    computer_name_warning,
    derive_tables,
    host_option_value,
    is_ip_address,
    is_loopback_name,
    is_region_code,
    local_host_name,
    name_from_options,
    near_twins,
    require_adapters,
    resolve_host,
    table_for_adapter,
    table_from_option,
    table_name_problem,
    twin_reason,
    twins_phrase,
    unc_host,
    unc_server,
)
from lease_tables.config.ris import KIND_AGENT_EVENTS, KIND_CONNECT, Adapter, ConfFile
from lease_tables.core.errors import InputError


def adapter(kind: str = KIND_AGENT_EVENTS, app: str = "verintAgentEvents", aid: str | None = "2",
            region: str | None = None, source: str = "conf.xml",
            enabled: bool | None = None) -> Adapter:
    return Adapter(kind=kind, type="AmazonAgentEventStreamAdapter" if kind == KIND_AGENT_EVENTS
                   else "AmazonConnectAdapter", adapter_id=aid, application_name=app,
                   region=region, source=source, enabled=enabled)


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
        # The domain goes, as the local rule cuts it; case is kept exactly.
        (r"\\VerintRIS02.corp.example\share\Conf", "VerintRIS02"),
        (r"\\?\UNC\verintris\e$\Impact360\Software\Conf", "verintris"),
        (r"\\?\unc\VerintRIS.corp.local\e$\Conf", "VerintRIS"),
        (r"E:\Impact360\Software\Conf", None),
        ("/opt/ris/conf", None),
        ("relative/conf", None),
    ],
)
def test_unc_host(folder: str, server: str | None) -> None:
    assert unc_host(folder) == server
    # PureWindowsPath agrees about which of these are UNC paths.
    assert (server is not None) == PureWindowsPath(folder).drive.upper().startswith(
        ("\\\\", "\\\\?\\UNC\\"))


@pytest.mark.parametrize("folder", [r"\\.\pipe\ris", r"\\?\C:\Impact360\Software\Conf",
                                    r"\\.\C:\Conf", "\\\\"])
def test_device_paths_are_not_unc(folder: str) -> None:
    assert unc_host(folder) is None
    assert resolve_host(None, folder, "ThisBox") == resolve_host(None, "/opt", "ThisBox")


@pytest.mark.parametrize("folder", [r"\\10.1.2.3\e$\Impact360\Software\Conf",
                                    "//10.1.2.3/e$/Conf",
                                    r"\\?\UNC\192.168.0.7\e$\Conf",
                                    r"\\fe80--1s4.ipv6-literal.net\e$\Conf"])
def test_unc_server_by_ip_address_is_no_host_name(folder: str) -> None:
    assert unc_host(folder) is None
    with pytest.raises(InputError) as err:
        resolve_host(None, folder, "ThisBox")
    message = str(err.value)
    assert "--host-name" in message and "IP address" in message
    assert f'"{folder}"' in message  # the folder as typed, not a Python literal
    assert resolve_host("verintris", folder, "ThisBox").value == "verintris"


@pytest.mark.parametrize("server", ["localhost", "LOCALHOST", "localhost.", "Localhost.LocalDomain",
                                    "ip6-localhost", "ip6-loopback", "localhost6",
                                    "ris.localhost", "127.0.0.1", "127.1", "2130706433",
                                    "0x7f.1", "::1", "0--1.ipv6-literal.net"])
def test_unc_server_by_a_loopback_name_is_no_host_name(server: str) -> None:
    """`\\\\localhost\\e$` names whatever machine reads it: no table may be named after it."""
    for folder in (f"\\\\{server}\\e$\\Conf", f"//{server}/e$/Conf",
                   f"\\\\?\\UNC\\{server}\\e$\\Conf"):
        assert unc_host(folder) is None
        with pytest.raises(InputError) as err:
            resolve_host(None, folder, "ThisBox")
        assert "--host-name" in str(err.value) and server in str(err.value)
        assert resolve_host("verintris", folder, "ThisBox").value == "verintris"
    with pytest.raises(InputError, match="not a host name"):
        host_option_value(server)


@pytest.mark.parametrize("server", ["localhostbox", "my-localhost", "ip6", "box127", "a1.b2"])
def test_names_that_merely_look_loopback_are_host_names(server: str) -> None:
    folder = f"\\\\{server}\\e$\\Conf"
    assert resolve_host(None, folder, "ThisBox") == HostName(server.split(".")[0], HOST_UNC)


def test_ip_address_folder_only_matters_for_agent_events() -> None:
    ip = r"\\10.1.2.3\e$\Conf"
    result = derive_tables([conf(adapter(KIND_CONNECT, "ctr", "1"), folder=ip)], local_host="h")
    assert [t.table_name for t in result.tables] == ["ctr"]
    with pytest.raises(InputError, match="--host-name"):
        derive_tables([conf(adapter(), folder=ip)], local_host="h")


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


def test_region_precedence_adapter_then_option_then_default() -> None:
    """One rule for every command: the adapter's KCL looks in its own Region."""
    confs = [conf(adapter(KIND_CONNECT, "ctr", "1", region="eu-west-1"),
                  adapter(KIND_CONNECT, "other", "2"))]
    regions = {t.table_name: t.region for t in
               derive_tables(confs, default_region="ap-south-1", local_host="h").tables}
    assert regions == {"ctr": "eu-west-1", "other": "ap-south-1"}
    filled = derive_tables(confs, table_names=["byHand"], region_option="us-west-2",
                           default_region="ap-south-1", local_host="h")
    assert {t.table_name: t.region for t in filled.tables} == {
        "ctr": "eu-west-1", "other": "us-west-2", "byHand": "us-west-2"}
    # The adapter's Region beat --region: a warning names both, and the table.
    [warning] = filled.warnings
    assert "us-west-2" in warning and "eu-west-1" in warning and "ctr" in warning


def test_no_region_warning_when_option_agrees() -> None:
    confs = [conf(adapter(KIND_CONNECT, "ctr", "1", region="eu-west-1"))]
    assert derive_tables(confs, region_option="eu-west-1", local_host="h").warnings == []


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-2", "us-gov-west-1", "cn-north-1",
                                    "us-isob-east-1", "eu-isoe-west-1", "ap-southeast-2",
                                    "il-central-1", "us-iso-east-1"])
def test_region_codes(region: str) -> None:
    assert is_region_code(region)
    check_region_option(region)


@pytest.mark.parametrize("region", ["US East (N. Virginia)", "us_east_1", "us-east1", "US-EAST-1",
                                    "useast", "local", "us-east-1 ", "us-east-1\n", "",
                                    "us-east-123", "u-east-1"])
def test_not_region_codes(region: str) -> None:
    assert not is_region_code(region)
    with pytest.raises(InputError, match="--region"):
        check_region_option(region)


def test_adapter_region_that_is_no_code_is_bad_input_naming_file_adapter_and_value() -> None:
    bad = adapter(KIND_CONNECT, "ctr", "7", region="US East (N. Virginia)",
                  source=r"\\ris01\e$\Conf\IntegrationService.xml")
    with pytest.raises(InputError) as err:
        derive_tables([conf(bad)], region_option="us-east-1", local_host="h")
    message = str(err.value)
    assert message == snapshot(
        'In "\\\\ris01\\e$\\Conf\\IntegrationService.xml", the AmazonConnectAdapter adapter (ID 7) '
        'gives the region "US East (N. Virginia)", which is not an AWS region code such as '
        "us-east-1, eu-west-2, us-gov-west-1 or cn-north-1. Correct it to the code of the region "
        "the adapter's stream and lease table live in. Its Region setting is where its KCL looks "
        "for its lease table.")
    assert "ID 7" in message and '"US East (N. Virginia)"' in message


def test_malformed_region_option_is_refused_even_with_no_table_needing_it() -> None:
    confs = [conf(adapter(KIND_CONNECT, "ctr", "1", region="eu-west-1"))]
    with pytest.raises(InputError, match='--region "us_east_1"'):
        derive_tables(confs, region_option="us_east_1", local_host="h")


def test_malformed_default_region_is_refused_when_used() -> None:
    own = [conf(adapter(KIND_CONNECT, "ctr", "1", region="eu-west-1"))]
    assert derive_tables(own, default_region="bogus", local_host="h").tables[0].region == (
        "eu-west-1")
    with pytest.raises(InputError, match="AWS configuration"):
        derive_tables(own, table_names=["byHand"], default_region="bogus", local_host="h")


def test_mapped_drives_of_two_servers_would_share_tables_and_are_refused() -> None:
    confs = [conf(adapter(), folder="/mnt/risA/Conf", path="/mnt/risA/Conf/x.xml"),
             conf(adapter(), folder="Z:\\Conf", path="Z:\\Conf\\x.xml")]
    with pytest.raises(InputError) as err:
        derive_tables(confs, local_host="ThisBox")
    message = str(err.value)
    assert "/mnt/risA/Conf/x.xml" in message and "UNC" in message and "--host-name" in message
    # One --host-name over both names one server for both: the same sharing, refused too.
    with pytest.raises(InputError, match="silently share lease tables"):
        derive_tables(confs, host_option="ris01", local_host="b")
    # UNC folders, or only one such file, leave no doubt.
    unc = [conf(adapter(), folder=r"\\risA\e$\Conf"), conf(adapter(), folder="/mnt/b")]
    assert len(derive_tables(unc, local_host="ThisBox").tables) == 2
    connect_too = [confs[0], conf(adapter(KIND_CONNECT, "ctr", "1"), folder="/mnt/risB")]
    assert len(derive_tables(connect_too, local_host="ThisBox").tables) == 2


@pytest.mark.parametrize(("states", "expected"), [
    ((False, False), False), ((False, None), None), ((None, None), None),
    ((False, True), True), ((True, None), True), ((None, True, False), True),
    ((False,), False), ((True,), True), ((None,), None)])
def test_enabled_of_a_shared_table(states: tuple, expected: bool | None) -> None:
    adapters = [adapter(KIND_CONNECT, "ctr", str(i), enabled=e) for i, e in enumerate(states)]
    [table] = derive_tables([conf(*adapters)], table_names=["ctr"], local_host="h").tables
    assert table.enabled is expected
    [byhand] = derive_tables([], table_names=["byHand"]).tables
    assert byhand.enabled is None


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
    assert "conf.xml" in message and "ID 2" in message and '" "' in message


def test_invalid_table_option() -> None:
    with pytest.raises(InputError, match='--table "ab"'):
        derive_tables([], table_names=["ab"])


@pytest.mark.parametrize("name", ["nlTable\n", "nlTable\r\n", "\nnlTable", "nl\nTable"])
def test_a_line_feed_anywhere_is_refused_and_shown_escaped(name: str) -> None:
    problem = table_name_problem(name)
    assert problem is not None and "\n" not in problem
    assert "\\x0a" in problem or "\\x0d" in problem
    with pytest.raises(InputError) as err:
        derive_tables([], table_names=[name])
    assert "\n" not in str(err.value)


def test_no_adapters_is_an_input_error() -> None:
    with pytest.raises(InputError, match="No Amazon"):
        require_adapters([conf()], [])
    require_adapters([conf()], ["tableX"])


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("ab", "at least 3"), ("a" * 256, "at most 255"), ("ab/c", '"/"'), ("tab\u00e9", "U+00E9"),
     ("tab\u202e", "\\u202e")],
)
def test_table_name_problem(name: str, fragment: str) -> None:
    problem = table_name_problem(name)
    assert problem is not None and fragment in problem


def test_near_twins_case_and_host_part() -> None:
    table = table_for_adapter(adapter(), resolve_host("verintris", None, "x"), "us-east-1")
    existing = ["verintAgentEvents_VERINTRIS.2", "verintAgentEvents_oldbox.2",
                "verintAgentEvents_verintris.corp.local.2", "verintAgentEvents_verintris.3",
                "verintAgentEvents_verintris.2", "unrelated"]
    # Another server's table (oldbox) is that server's own, never a twin.
    assert near_twins(table, existing) == ["verintAgentEvents_VERINTRIS.2",
                                           "verintAgentEvents_verintris.corp.local.2"]
    plain = LeaseTable(table_name="ctrApp", region=None)
    assert near_twins(plain, ["CTRAPP", "ctrApp", "ctrApp2"]) == ["CTRAPP"]


_NAME_CHARS = st.characters(codec="utf-8")
_ALLOWED = "abcXYZ019_-."
_VALID_PART = st.text(alphabet=_ALLOWED, min_size=1, max_size=30)


@given(app=st.text(_NAME_CHARS, min_size=1, max_size=60),
       host=st.text(_NAME_CHARS, min_size=1, max_size=30),
       aid=st.text(_NAME_CHARS, min_size=1, max_size=6))
@example(app="verintAgentEvents", host="verintris", aid="2\n")
@example(app="ctr\n", host="h", aid="1")
def test_any_input_gives_a_valid_name_or_a_clear_error(app: str, host: str, aid: str) -> None:
    assume("." not in host)
    try:
        table = table_for_adapter(adapter(app=app, aid=aid), resolve_host(host, None, "x"), "r")
    except InputError as exc:
        message = str(exc)
        assert "conf.xml" in message and "DynamoDB would refuse" in message
        assert "\n" not in message and "\r" not in message  # never a second line
        # Refused only for a reason: a character outside the set, or the length.
        assert (not all(c.isascii() and (c.isalnum() or c in "_-.") for c in app + host + aid)
                or not 3 <= len(app) + len(host) + len(aid) + 2 <= 255)
        return
    name = table.table_name
    # Properties, not the implementation's formula: every character allowed, the
    # application first, the adapter ID last after a dot, the host exactly inside.
    assert 3 <= len(name) <= 255
    assert all(c.isascii() and (c.isalnum() or c in "_-.") for c in name)
    assert name.startswith(app) and name.endswith("." + aid)
    assert host in name[len(app):len(name) - len(aid) - 1]
    assert table_name_problem(name) is None


@given(name=st.text(_NAME_CHARS, min_size=0, max_size=300))
@example(name="nlTable\n")
@example(name="abc\x85")
def test_a_name_is_valid_exactly_when_every_character_is_allowed(name: str) -> None:
    allowed = all(c.isascii() and (c.isalnum() or c in "_-.") for c in name)
    valid = table_name_problem(name) is None
    assert valid == (allowed and 3 <= len(name) <= 255)
    assert table_name_problem(name + "\n") is not None


@given(app=_VALID_PART, host=st.text(alphabet="abcXYZ019-", min_size=1, max_size=20),
       aid=st.integers(min_value=0, max_value=9999))
def test_valid_parts_always_round_trip(app: str, host: str, aid: int) -> None:
    name = agent_events_table_name(app, host, str(aid))
    assume(len(name) >= 3)
    assert table_name_problem(name) is None
    prefix, _, suffix = name.rpartition(".")
    assert suffix == str(aid)
    assert prefix.rpartition("_")[2] == host
    assert table_name_problem(name + "\n") is not None


def test_a_caller_that_skips_the_checks_gets_an_error_not_a_wrong_name() -> None:
    """conf refuses these adapters and derive_tables resolves the host first; calling
    table_for_adapter without them is a bug, refused even under `python -O`."""
    host = HostName("ris", HOST_OPTION)
    with pytest.raises(ValueError, match="no Application Name"):
        table_for_adapter(adapter(KIND_CONNECT, app=None), host, "us-east-1")
    with pytest.raises(ValueError, match="host name and an adapter ID"):
        table_for_adapter(adapter(KIND_AGENT_EVENTS), None, "us-east-1")
    with pytest.raises(ValueError, match="host name and an adapter ID"):
        table_for_adapter(adapter(KIND_AGENT_EVENTS, aid=None), host, "us-east-1")


# --- pins: each a behaviour a mutation run found no test for -----------------------------

@pytest.mark.parametrize(("folder", "server"), [
    ("\\\\?\\UNC\\verintris\\e$\\Conf", "verintris"),
    ("\\\\.\\UNC\\verintris\\e$\\Conf", "verintris"),
    ("//?/UNC/verintris/e$/Conf", "verintris"),
    ("\\\\?\\C:\\Impact360\\Conf", None),   # a long local path, not a share
    ("\\\\.\\pipe\\verintris", None),       # a device, not a share
    ("\\\\.\\C:\\Conf", None),
    ("\\\\verintris\\e$\\Conf", "verintris"),
])
def test_long_and_device_paths(folder: str, server: str | None) -> None:
    assert unc_server(folder) == server
    assert unc_host(folder) == server
    expected = HostName(server, HOST_UNC) if server else HostName("thisbox", HOST_LOCAL)
    assert resolve_host(None, folder, "thisbox") == expected


def test_host_name_sources_are_the_documented_json_words() -> None:
    """`host_name_source` in --output json: install scripts compare these words."""
    assert (HOST_OPTION, HOST_UNC, HOST_LOCAL) == ("option", "unc", "local")
    [table] = derive_tables([conf(adapter(), folder="\\\\verintris\\e$\\Conf")]).tables
    assert (table.host_name, table.host_name_source) == ("verintris", "unc")


def test_one_folder_without_an_amazon_adapter_among_several_is_fine() -> None:
    with_adapters = conf(adapter(KIND_CONNECT, "ctr", "1"), path="a.xml")
    without = conf(path="b.xml")
    require_adapters([without, with_adapters], [])
    require_adapters([with_adapters, without], [])
    with pytest.raises(InputError, match=r'"a\.xml", "b\.xml"'):
        require_adapters([conf(path="a.xml"), conf(path="b.xml")], [])


def test_the_host_is_resolved_for_a_file_with_any_agent_events_adapter() -> None:
    """A connect adapter first must not hide the agent-events one after it."""
    both = conf(adapter(KIND_CONNECT, "ctr", "1"), adapter(), folder="\\\\verintris\\e$\\Conf")
    names = [t.table_name for t in derive_tables([both]).tables]
    assert names == ["ctr", "verintAgentEvents_verintris.2"]


def test_a_connect_table_has_no_host_part_twins() -> None:
    """Only an agent-events name has a host part; a connect table with an adapter ID
    does not make `<app>_<anything>.<id>` a twin."""
    connect = LeaseTable("ctr", "us-east-1", adapter_kind=KIND_CONNECT, adapter_id="1",
                         application_name="ctr")
    assert near_twins(connect, ["ctr_host.1", "CTR"]) == ["CTR"]
    no_app = LeaseTable("x_h.1", "us-east-1", adapter_kind=KIND_AGENT_EVENTS, adapter_id="1",
                        application_name=None)
    assert near_twins(no_app, ["x_other.1"]) == []


def test_a_table_option_is_listed_as_coming_from_the_option() -> None:
    assert table_from_option("byHand", None).adapters == ["--table"]


def test_the_local_host_name_given_is_used_and_else_this_machines() -> None:
    [given] = derive_tables([conf(adapter())], local_host="thisbox").tables
    assert given.table_name == "verintAgentEvents_thisbox.2"
    [own] = derive_tables([conf(adapter())]).tables
    assert own.table_name == f"verintAgentEvents_{socket.gethostname().split('.')[0]}.2"


def test_the_default_region_is_checked_only_when_it_fills_in() -> None:
    with pytest.raises(InputError) as err:
        derive_tables([conf(adapter(region=None))], default_region="bogus", host_option="h")
    assert str(err.value) == snapshot(
        'The AWS configuration (AWS_REGION, AWS_DEFAULT_REGION or the profile\'s region) gives '
        'the region "bogus", which is not an AWS region code such as us-east-1, eu-west-2, '
        "us-gov-west-1 or cn-north-1. Correct it to the code of the region the adapter's "
        "stream and lease table live in. Or pass --region.")
    [table] = derive_tables([conf(adapter(region="eu-west-1"))], default_region="bogus",
                            host_option="h").tables
    assert table.region == "eu-west-1"


def test_every_problem_of_every_file_is_reported_at_once() -> None:
    ip_folders = [conf(adapter(), folder=f"\\\\10.0.0.{i}\\e$\\Conf", path=f"{i}.xml")
                  for i in (1, 2)]
    with pytest.raises(InputError) as err:
        derive_tables(ip_folders)
    assert "10.0.0.1" in str(err.value) and "10.0.0.2" in str(err.value)
    regions = conf(adapter(region="US East", aid="1"), adapter(region="nowhere", aid="2"))
    with pytest.raises(InputError) as err:
        derive_tables([regions], host_option="h")
    assert '"US East"' in str(err.value) and '"nowhere"' in str(err.value)
    names = conf(adapter(KIND_CONNECT, "a b", "1"), adapter(KIND_CONNECT, "c d", "2"))
    with pytest.raises(InputError) as err:
        derive_tables([names])
    assert '"a b"' in str(err.value) and '"c d"' in str(err.value)


def test_shared_table_warning_names_the_file_and_both_adapters() -> None:
    two = conf(adapter(KIND_CONNECT, "ctr", "1"), adapter(KIND_CONNECT, "ctr", "2"),
               path="/r/IntegrationService.xml")
    assert derive_tables([two]).warnings == [
        'In "/r/IntegrationService.xml", the AmazonConnectAdapter adapter (ID 1) and the '
        "AmazonConnectAdapter adapter (ID 2) both use the lease table ctr; they will share "
        "its leases. If they should read different streams, give them different Application "
        "Names."]


def test_the_shared_fallback_problem_comes_first_and_counts_the_files() -> None:
    files = [conf(adapter(aid=str(i)), path=f"f{i}.xml") for i in range(7)]
    files.append(conf(adapter(KIND_CONNECT, "bad name", "9"), path="g.xml"))
    with pytest.raises(InputError) as err:
        derive_tables(files, local_host="thisbox")
    message = str(err.value)
    assert message.startswith(
        'The configuration files "f0.xml" and "f1.xml" and "f2.xml" and "f3.xml" and '
        '"f4.xml" (and 2 more) all have agent-events adapters, and none of their folders is a '
        "UNC path, so every one would take this machine's name (\"thisbox\") as its RIS host "
        "name")
    assert '"bad name"' in message
    five = [conf(adapter(aid=str(i)), path=f"f{i}.xml") for i in range(5)]
    with pytest.raises(InputError) as err:
        derive_tables(five, local_host="thisbox")
    assert '"f4.xml" all have' in str(err.value)


def test_region_kept_message_counts_and_numbers() -> None:
    one = conf(adapter(KIND_CONNECT, "ctr", "1", region="eu-west-1"))
    assert derive_tables([one], region_option="us-east-1").warnings == [
        "--region us-east-1 does not apply to the lease table ctr: the adapter's own Region "
        "setting eu-west-1 wins, because that is where its KCL looks for the table. Correct "
        "the Region setting if us-east-1 is right."]
    many = conf(*(adapter(KIND_CONNECT, f"t{i:02d}", str(i), region="eu-west-1")
                  for i in range(12)))
    [warning] = derive_tables([many], region_option="us-east-1").warnings
    assert warning.startswith(
        "--region us-east-1 does not apply to the lease tables t00, t01, t02, t03, t04, t05, "
        "t06, t07, t08, t09 and 2 more: the adapter's")
    ten = conf(*(adapter(KIND_CONNECT, f"t{i:02d}", str(i), region="eu-west-1")
                 for i in range(10)))
    [warning] = derive_tables([ten], region_option="us-east-1").warnings
    assert "t08, t09: the adapter's" in warning


def test_no_adapter_message_names_every_file() -> None:
    with pytest.raises(InputError) as err:
        require_adapters([conf(path="a.xml"), conf(path="b.xml")], [])
    assert str(err.value) == snapshot(
        'No Amazon Connect or Amazon Agent Event Stream adapter was found in "a.xml", "b.xml". '
        "Check that this is the RIS server that runs the Amazon adapters, or give the table "
        "names with --table.")


def test_near_twins_look_at_every_existing_name() -> None:
    table = LeaseTable("ctr", "us-east-1", adapter_kind=KIND_CONNECT)
    assert near_twins(table, ["ctr", "CTR", "Ctr"]) == ["CTR", "Ctr"]
    assert twins_phrase(["A"]) == snapshot("a table with a near-identical name exists: A")
    assert twins_phrase(["A", "B"]) == snapshot("tables with near-identical names exist: A, B")


def test_a_region_never_seen_before_is_checked_alike() -> None:
    letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])
    assert is_region_code(f"zz-{letters}-1")
    assert not is_region_code(f"zz_{letters}_1")


def test_other_letter_case_of_the_application_is_a_host_part_twin() -> None:
    table = LeaseTable("verintAgentEvents_verintris.2", "us-east-1",
                       adapter_kind=KIND_AGENT_EVENTS, adapter_id="2",
                       application_name="verintAgentEvents")
    assert near_twins(table, ["VERINTAGENTEVENTS_VERINTRIS.corp.2", "VERINTAGENTEVENTS_other.2",
                              ]) == ["VERINTAGENTEVENTS_VERINTRIS.corp.2"]


def test_ip_addresses_and_no_folder() -> None:
    assert is_ip_address("fe80::1") and is_ip_address("10.1.2.3")
    assert is_ip_address("fe80--1.ipv6-literal.net") and not is_ip_address("verintris")
    assert resolve_host(None, None, "thisbox") == HostName("thisbox", HOST_LOCAL)
    with pytest.raises(InputError) as err:
        resolve_host(None, "\\\\10.0.0.5\\e$\\Conf", "thisbox")
    assert str(err.value).startswith(
        'The configuration folder "\\\\10.0.0.5\\e$\\Conf" names its RIS server by the IP '
        'address "10.0.0.5", which is not a host name;')


def test_invalid_name_messages() -> None:
    assert table_name_problem("verint Agent") == snapshot(
        'it contains " " (U+0020) at position 7; DynamoDB allows only letters A-Z and a-z, '
        'digits 0-9, underscore (_), hyphen (-) and dot (.)')
    with pytest.raises(InputError) as err:
        derive_tables([conf(adapter(KIND_CONNECT, "a b", "1"))])
    assert str(err.value).endswith(
        "Correct the Application Name, or give the table name with --table.")
    with pytest.raises(InputError) as err:
        derive_tables([conf(adapter(app="a b"))], host_option="h")
    assert str(err.value).endswith(
        "Correct the Application Name or pass --host-name, or give the table name with "
        "--table.")
    with pytest.raises(InputError) as err:
        derive_tables([conf(adapter(KIND_CONNECT, "a b", "1"), adapter(KIND_CONNECT, "c d",
                                                                         "2"))])
    assert "--table. In " in str(err.value)  # problems joined by one space


def test_the_counts_start_past_five_files_and_ten_tables() -> None:
    six = [conf(adapter(aid=str(i)), path=f"f{i}.xml") for i in range(6)]
    with pytest.raises(InputError, match=r'"f4\.xml" \(and 1 more\) all have'):
        derive_tables(six, local_host="thisbox")
    eleven = conf(*(adapter(KIND_CONNECT, f"t{i:02d}", str(i), region="eu-west-1")
                    for i in range(11)))
    [warning] = derive_tables([eleven], region_option="us-east-1").warnings
    assert "t08, t09 and 1 more: the adapter's" in warning


def test_name_from_options_derives_one_name_and_its_warnings() -> None:
    from lease_tables.config.naming import name_from_options

    assert name_from_options(KIND_CONNECT, "ctr", None, None, None) == ("ctr", [])
    assert name_from_options(KIND_AGENT_EVENTS, "app", "verintris", " 2 ", None) == (
        "app_verintris.2", [])
    name, [cut] = name_from_options(KIND_AGENT_EVENTS, "app", "RIS.corp", "2", "RIS")
    assert name == "app_RIS.2" and "is cut at its first dot" in cut
    # Without --host-name: this machine's name, and COMPUTERNAME only as a warning.
    name, [slip] = name_from_options(KIND_AGENT_EVENTS, "app", None, "2", "VERINTRIS",
                                     local="verintris.corp")
    assert name == "app_verintris.2" and "COMPUTERNAME" in slip
    assert name_from_options(KIND_AGENT_EVENTS, "app", "verintris", "2", "VERINTRIS")[1] == []


@pytest.mark.parametrize(("kind", "app", "host", "adapter", "words"), [
    (KIND_AGENT_EVENTS, "app", None, None, "--kind agent-events needs --adapter-id"),
    (KIND_AGENT_EVENTS, "app", None, "  ", "--kind agent-events needs --adapter-id"),
    (KIND_AGENT_EVENTS, "app", " ", "2", "--host-name is empty"),
    (KIND_CONNECT, "bad name!", None, None, 'The derived name "bad name!" is not a valid'),
])
def test_name_from_options_refuses_bad_input(kind: str, app: str, host: str | None,
                                             adapter: str | None, words: str) -> None:
    from lease_tables.config.naming import name_from_options

    with pytest.raises(InputError) as err:
        name_from_options(kind, app, host, adapter, None, local="verintris")
    assert str(err.value).startswith(words)


# --- --host-name, COMPUTERNAME and `lease-tables name`: the words a user reads -----------

def test_host_name_option_messages_are_whole_paragraphs() -> None:
    cases = {
        "  ": "--host-name is empty. Give the RIS server's host name, e.g. verintris.",
        "10.0.0.5": '--host-name "10.0.0.5" is an IP address, not a host name; agent-events '
                    "lease-table names need the RIS server's host name (what `hostname` prints "
                    "on it), e.g. --host-name verintris.",
        ".corp.local": '--host-name ".corp.local" starts with a dot. Give the RIS server\'s '
                       "host name, e.g. verintris.",
    }
    for raw, message in cases.items():
        with pytest.raises(InputError) as err:
            derive_tables([conf(adapter())], host_option=raw, local_host="thisbox")
        assert str(err.value) == message, raw


def test_a_fully_qualified_host_name_is_cut_at_its_first_dot_with_a_warning() -> None:
    assert host_option_value("verintris") == ("verintris", None)
    assert host_option_value("verintris.corp.example.com") == ("verintris", (
        '--host-name "verintris.corp.example.com" is cut at its first dot to "verintris": '
        "the adapter names its lease table after its host name up to the first dot, as for "
        "UNC servers and this machine's name. Pass --host-name verintris to say so and drop "
        "this warning."))


def test_one_host_name_over_files_of_one_server_is_fine_and_warns_of_the_cut() -> None:
    """Two UNC folders of one server (its name in any case) take one --host-name."""
    same = [conf(adapter(aid="1"), folder=r"\\risA\e$\Conf", path="a.xml"),
            conf(adapter(aid="2"), folder=r"\\RISA.corp\f$\Conf", path="b.xml")]
    result = derive_tables(same, host_option="risA.corp", local_host="thisbox")
    assert [t.table_name for t in result.tables] == ["verintAgentEvents_risA.1",
                                                      "verintAgentEvents_risA.2"]
    assert result.warnings == [host_option_value("risA.corp")[1]]
    # No agent-events adapter takes the host name: nothing was cut that matters.
    connect = [conf(adapter(KIND_CONNECT, "ctr", "1"), folder="/mnt/a", path="a.xml"),
               conf(adapter(KIND_CONNECT, "ctr2", "1"), folder="/mnt/b", path="b.xml")]
    assert derive_tables(connect, host_option="risA.corp").warnings == []


def test_one_host_name_over_files_of_two_servers_is_refused_first() -> None:
    two = [conf(adapter(aid="1"), folder=r"\\risA\e$\Conf", path="a.xml"),
           conf(adapter(aid="2", region="US East"), folder=r"\\risB\e$\Conf",
                path="b.xml")]
    with pytest.raises(InputError) as err:
        derive_tables(two, host_option="risA", local_host="thisbox")
    sharing, _, rest = str(err.value).partition(" In \"conf.xml\"")
    assert sharing == snapshot(
        '--host-name "risA" would apply to the agent-events adapters of the configuration '
        'files "a.xml" and "b.xml", which are not all on one RIS server (a folder that is '
        "not a UNC path may be any server's, a mapped drive or a mount): adapters of "
        "different RIS servers would silently share lease tables. Run once per RIS server "
        "with that server's --host-name, or name each folder by its UNC path "
        "(\\\\server\\e$\\Impact360\\Software\\Conf) without --host-name.")
    assert rest.startswith(', the AmazonAgentEventStreamAdapter adapter (ID 2) gives the '
                           'region "US East"')


def test_the_computer_name_warning_is_one_whole_paragraph() -> None:
    assert computer_name_warning("verintris", "VERINTRIS") == snapshot(
        'this machine\'s host name is "verintris", and its COMPUTERNAME (the upper-case '
        'NetBIOS name) is "VERINTRIS". Agent-events tables use the host name as the adapter '
        "does (Java's InetAddress.getLocalHost().getHostName(), the DNS host name with its "
        'case): "verintris". Table names are case-sensitive; if the adapter\'s existing '
        'table uses "VERINTRIS", pass --host-name VERINTRIS.')
    # Another name altogether (a NetBIOS name cut to 15 characters) is no case slip.
    assert computer_name_warning("verintris", "VERINTRIS01") is None


def test_the_computer_name_matters_only_where_this_machines_name_is_used() -> None:
    local = derive_tables([conf(adapter(), folder="/opt/conf")], local_host="verintris",
                          computer_name="VERINTRIS")
    assert local.warnings == [computer_name_warning("verintris", "VERINTRIS")]
    unc = derive_tables([conf(adapter(), folder=r"\\risA\e$\Conf")], local_host="verintris",
                        computer_name="VERINTRIS")
    assert unc.warnings == []


def test_name_from_options_messages_and_no_empty_warnings() -> None:
    with pytest.raises(InputError) as err:
        name_from_options(KIND_AGENT_EVENTS, "app", "verintris", None, None)
    assert str(err.value) == snapshot(
        "--kind agent-events needs --adapter-id (the adapter's ID in "
        "the RIS configuration, e.g. 2).")
    with pytest.raises(InputError) as err:
        name_from_options(KIND_AGENT_EVENTS, "app", "", "2", None)
    assert str(err.value) == snapshot(
        "--host-name is empty. Give the RIS server's host name, e.g. "
        "verintris, or leave the option out to use this machine's name.")
    # This machine's name with no COMPUTERNAME, or a COMPUTERNAME that is another name.
    assert name_from_options(KIND_AGENT_EVENTS, "app", None, "2", None, local="ris") == (
        "app_ris.2", [])
    assert name_from_options(KIND_AGENT_EVENTS, "app", None, "2", "OTHER", local="ris") == (
        "app_ris.2", [])


def test_twin_reason_tells_a_case_slip_from_another_host_spelling() -> None:
    """A twin in other letter case only is a case slip, even with a host part to compare."""
    table = table_for_adapter(adapter(), resolve_host("verintris", None, "x"), "us-east-1")
    case_slip = twin_reason(table, "verintAgentEvents_VERINTRIS.2")
    assert "differs only in letter case" in case_slip and "writes the host" not in case_slip
    host = twin_reason(table, "verintAgentEvents_verintris.corp.2")
    assert "writes the host as verintris.corp where" in host
    assert "differs only in letter case" not in host


def test_near_twins_compare_host_parts_up_to_their_first_dot_only() -> None:
    """`a.b.c` and `a.x` are one host `a`; `a b` is not `a` (only a dot ends the host)."""
    table = table_for_adapter(adapter(), resolve_host("verintris.corp.local", None, "x"), "r")
    assert near_twins(table, ["verintAgentEvents_verintris.other.2",
                              "verintAgentEvents_verintris corp.2"]) == [
        "verintAgentEvents_verintris.other.2"]


def test_a_loopback_look_alike_is_no_loopback_name() -> None:
    assert is_loopback_name("localhost.")
    assert not is_loopback_name("localhostX")
    assert not is_loopback_name("localhostX.")


def test_loopback_and_ip_refusals_say_which_they_are() -> None:
    with pytest.raises(InputError) as err:
        host_option_value("localhost")
    assert '"localhost" is a loopback name,' in str(err.value)
    with pytest.raises(InputError) as err:
        host_option_value("10.0.0.5")
    assert '"10.0.0.5" is an IP address,' in str(err.value)
    with pytest.raises(InputError) as err:
        resolve_host(None, r"\\localhost\e$\Conf", "ThisBox")
    assert 'the loopback name "localhost",' in str(err.value)
    assert "IP address" not in str(err.value)


def test_host_name_over_files_off_any_server_reports_only_the_option_problem() -> None:
    """With --host-name, this machine's name is never a fallback: no fallback problem."""
    two = [conf(adapter(aid="1"), folder="/mnt/a", path="a.xml"),
           conf(adapter(aid="2"), folder="/mnt/b", path="b.xml")]
    with pytest.raises(InputError) as err:
        derive_tables(two, host_option="risA", local_host="thisbox")
    assert str(err.value).startswith('--host-name "risA" would apply')
    assert "thisbox" not in str(err.value)
