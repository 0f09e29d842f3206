"""Reading IntegrationService.xml: vocabulary, encodings, paths. Plain values, real files."""

from __future__ import annotations

import errno
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inline_snapshot import snapshot
from lxml import etree

from lease_tables.config.naming import derive_tables
from lease_tables.config.ris import (
    CONF_FILE_NAME,
    KIND_AGENT_EVENTS,
    KIND_CONNECT,
    Adapter,
    _first_line,
    _hardened_parser,
    _mentions_doctype,
    _permission_message,
    default_conf_dirs,
    expand_variables,
    is_permission_error,
    kind_of,
    locate_conf_file,
    normalise_key,
    normalise_type,
    parse_adapters,
    read_conf_bytes,
    read_confs,
)
from lease_tables.core.errors import InputError

SAMPLE = Path(__file__).resolve().parent.parent / "sample_conf" / "IntegrationService.xml"


def xml(body: str, decl: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return f"{decl}\n<IFService><Integrations>{body}</Integrations></IFService>".encode()


def test_sample_has_two_amazon_adapters_and_ignores_avaya() -> None:
    adapters = parse_adapters(SAMPLE.read_bytes(), "sample")
    assert [(a.kind, a.adapter_id, a.application_name, a.region) for a in adapters] == [
        (KIND_CONNECT, "1", "verintCTREvents", "us-east-1"),
        (KIND_AGENT_EVENTS, "2", "verintAgentEvents", "us-east-1"),
    ]


@pytest.mark.parametrize(
    ("type_text", "kind"),
    [
        ("AmazonConnectAdapter", KIND_CONNECT),
        ("Amazon Connect Adapter", KIND_CONNECT),
        ("amazon-connect", KIND_CONNECT),
        ("AmazonAgentEventStreamAdapter", KIND_AGENT_EVENTS),
        ("Amazon Agent Event Stream", KIND_AGENT_EVENTS),
        ("AMAZON_CONNECT_AGENT_EVENTS", KIND_AGENT_EVENTS),  # agentevent wins over connect
        ("AWSAgentEventAdapter", KIND_AGENT_EVENTS),
        ("Kinesis Agent Events", KIND_AGENT_EVENTS),
        ("ConnectAgentEventAdapter", KIND_AGENT_EVENTS),
        ("XyzAgentEventAdapter", None),  # another vendor's agent events: not ours
        ("Genesys Agent Event Stream", None),
        ("AvayaCMAPIAdapter", None),
        ("", None),
    ],
)
def test_kind_of(type_text: str, kind: str | None) -> None:
    assert kind_of(type_text) == kind


def test_namespaces_and_case_are_ignored() -> None:
    data = b"""<?xml version="1.0"?>
    <ns:ifservice xmlns:ns="urn:verint:ris" xmlns:x="urn:x">
      <ns:INTEGRATIONS>
        <ns:integration x:ID=" 7 " TYPE="AmazonAgentEventStreamAdapter">
          <ns:SET KEY="application_name" VALUE="agentsApp"/>
          <ns:Set Key="REGION" Value="eu-west-2"/>
        </ns:integration>
      </ns:INTEGRATIONS>
    </ns:ifservice>"""
    [adapter] = parse_adapters(data, "f")
    assert (adapter.kind, adapter.adapter_id, adapter.application_name, adapter.region) == (
        KIND_AGENT_EVENTS, "7", "agentsApp", "eu-west-2")


@pytest.mark.parametrize("key", ["ApplicationName", "Application Name", "application_name",
                                 "application-name", "APPNAME", "AppName"])
def test_application_name_key_spellings(key: str) -> None:
    data = xml(f'<Integration id="1" type="AmazonConnectAdapter"><set key="{key}" '
               f'value="ctr"/></Integration>')
    assert parse_adapters(data, "f")[0].application_name == "ctr"


def test_value_from_element_text_and_whitespace_stripped() -> None:
    data = xml('<Integration id="1" type="AmazonConnectAdapter">'
               '<set key="ApplicationName">  ctrApp \n</set></Integration>')
    assert parse_adapters(data, "f")[0].application_name == "ctrApp"


@pytest.mark.parametrize(
    ("attrs", "sets", "expected"),
    [
        ('id=" 4 "', "", "4"),
        ('adapterId="5"', "", "5"),
        ("", '<set key="AdapterId" value="6"/>', "6"),
        ("", '<set key="Adapter ID" value=" 8 "/>', "8"),
        ('id="1" adapterId="9"', "", "1"),
    ],
)
def test_adapter_id_sources_in_order(attrs: str, sets: str, expected: str) -> None:
    data = xml(f'<Integration {attrs} type="AmazonAgentEventStreamAdapter">'
               f'<set key="ApplicationName" value="a"/>{sets}</Integration>')
    assert parse_adapters(data, "f")[0].adapter_id == expected


def test_missing_application_name_names_file_type_and_id() -> None:
    data = xml('<Integration id="12" type="AmazonConnectAdapter"><set key="Region" '
               'value="us-east-1"/></Integration>')
    with pytest.raises(InputError) as err:
        parse_adapters(data, r"\\ris01\e$\Conf\IntegrationService.xml")
    message = str(err.value)
    assert r"\\ris01\e$\Conf\IntegrationService.xml" in message
    assert "AmazonConnectAdapter" in message and "ID 12" in message
    assert "Application Name" in message


def test_agent_events_without_id_is_an_error() -> None:
    data = xml('<Integration type="AmazonAgentEventStreamAdapter"><set key="AppName" '
               'value="a"/></Integration>')
    with pytest.raises(InputError, match="adapter ID"):
        parse_adapters(data, "f")


def test_connect_without_id_is_fine() -> None:
    data = xml('<Integration type="AmazonConnectAdapter"><set key="AppName" value="ctr"/>'
               '</Integration>')
    assert parse_adapters(data, "f")[0].adapter_id is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                      "windows-1252", "iso-8859-1"])
def test_declared_encodings_and_boms(encoding: str) -> None:
    label = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}.get(
        encoding, encoding)
    text = (f'<?xml version="1.0" encoding="{label}"?>\n<IFService><Integrations>'
            '<Integration id="3" type="AmazonConnectAdapter" name="Café CTR">'
            '<set key="ApplicationName" value="ctrApp"/></Integration>'
            "</Integrations></IFService>")
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = ("\ufeff" + text).encode(encoding)  # the BOM Windows tools write
    [adapter] = parse_adapters(data, "f")
    assert adapter.display_name == "Café CTR"
    assert adapter.application_name == "ctrApp"


def test_setting_of_nested_integration_does_not_leak_to_parent() -> None:
    data = xml('<Integration id="1" type="AmazonConnectAdapter"><set key="AppName" value="outer"/>'
               '<Integration id="2" type="AmazonConnectAdapter"><set key="AppName" value="inner"/>'
               '<set key="Region" value="eu-west-1"/></Integration></Integration>')
    adapters = {a.adapter_id: a for a in parse_adapters(data, "f")}
    assert adapters["1"].application_name == "outer" and adapters["1"].region is None
    assert adapters["2"].application_name == "inner"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"<IFService><Integrations>",
        b"\x00\x01\x02\xff binary",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><IFService>&a;</IFService>',
    ],
)
def test_broken_input_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError):
        parse_adapters(data, "f")


def test_normalise_key() -> None:
    assert normalise_key("Application Name") == normalise_key("application_name") == (
        normalise_key("APPLICATION-NAME")) == "applicationname"


def test_expand_percent_and_dollar_on_any_platform() -> None:
    env = {"IMPACT360SOFTWAREDIR": r"E:\Impact360\Software", "HOME": "/home/op"}
    assert expand_variables(r"%IMPACT360SOFTWAREDIR%\Conf", env) == r"E:\Impact360\Software\Conf"
    assert expand_variables(r"%impact360softwaredir%\Conf", env) == r"E:\Impact360\Software\Conf"
    assert expand_variables("$HOME/conf", env) == "/home/op/conf"
    assert expand_variables("${HOME}/conf", env) == "/home/op/conf"
    assert expand_variables(r"\\verintris\e$\Conf", env) == r"\\verintris\e$\Conf"


def test_unset_variable_is_named() -> None:
    with pytest.raises(InputError, match="IMPACT360SOFTWAREDIR"):
        expand_variables(r"%IMPACT360SOFTWAREDIR%\Conf", {})


def test_default_conf_dir_keeps_windows_and_unc_separators() -> None:
    assert default_conf_dirs({"IMPACT360SOFTWAREDIR": "E:\\Impact360\\Software\\"}) == [
        "E:\\Impact360\\Software\\Conf"]
    assert default_conf_dirs({"Impact360SoftwareDir": r"\\ris01\e$\Software"}) == [
        r"\\ris01\e$\Software\Conf"]
    assert default_conf_dirs({}) == []


def test_locate_folder_file_and_case(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    target = conf / "integrationservice.XML"
    target.write_bytes(SAMPLE.read_bytes())
    assert locate_conf_file(str(tmp_path / "Conf")) == target  # folder case differs
    assert locate_conf_file(str(conf)) == target
    assert locate_conf_file(str(target)) == target


def test_locate_reports_missing_folder_and_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        locate_conf_file(str(tmp_path / "nope"))
    with pytest.raises(InputError, match=r"No IntegrationService\.xml"):
        locate_conf_file(str(tmp_path))


def test_read_conf_expands_variables_and_refuses_oversize(tmp_path: Path) -> None:
    conf = tmp_path / "Conf"
    conf.mkdir()
    (conf / "IntegrationService.xml").write_bytes(SAMPLE.read_bytes())
    [result] = read_confs(["%RISDIR%/Conf"], {"RISDIR": str(tmp_path)})
    assert len(result.adapters) == 2 and result.folder == f"{tmp_path}/Conf"
    with pytest.raises(InputError, match="limit"):
        read_confs([str(conf)], {}, max_bytes=100)


_TYPE_PARTS = st.lists(st.sampled_from(
    ["Amazon", "AWS", "Kinesis", "Connect", "Agent", "Event", "Stream", "Adapter", "Xyz",
     "Genesys", "Avaya", "ama", "zon", " ", "_", "-", ".", "2"]), max_size=8).map("".join)


@given(_TYPE_PARTS, st.sampled_from([str.upper, str.lower, str.title, " ".join, "_".join]))
def test_a_type_is_the_same_kind_whatever_its_case_and_separators(type_text: str,
                                                                  respell) -> None:
    """`Amazon Connect Adapter`, `AMAZON_CONNECT_ADAPTER` and `amazon-connect-adapter` are
    one type: letter case and separators never change the kind."""
    assert kind_of(respell(type_text)) == kind_of(type_text)


@given(_TYPE_PARTS)
def test_agent_events_need_an_amazon_word_and_connect_needs_amazon(type_text: str) -> None:
    """A kind is only ever given for a type that names Amazon: another vendor's agent-event
    adapter, or a bare `Connect`, is not ours."""
    words = type_text.lower()
    kind = kind_of(type_text)
    if kind == KIND_CONNECT:
        assert "amazon" in normalise_type(type_text)
    if kind is not None and "amazon" not in words:
        assert kind == KIND_AGENT_EVENTS
        assert any(word in words for word in ("aws", "kinesis", "connect"))


def test_application_name_beats_appname_whatever_the_order() -> None:
    for sets in ('<set key="AppName" value="short"/><set key="ApplicationName" value="long"/>',
                 '<set key="ApplicationName" value="long"/><set key="AppName" value="short"/>'):
        data = xml(f'<Integration id="1" type="AmazonConnectAdapter">{sets}</Integration>')
        assert parse_adapters(data, "f")[0].application_name == "long"


def test_another_vendors_agent_event_adapter_is_ignored_whatever_it_lacks() -> None:
    data = xml('<Integration id="9" type="XyzAgentEventAdapter"><set key="Host" value="x"/>'
               '</Integration><Integration type="XyzAgentEventAdapter"/>'
               '<Integration id="1" type="AmazonConnectAdapter"><set key="AppName" value="ctr"/>'
               '</Integration>')
    assert [a.application_name for a in parse_adapters(data, "f")] == ["ctr"]


@pytest.mark.parametrize(("marking", "enabled"), [
    ('enabled="false"', False), ('Enabled="FALSE"', False), ('x:ENABLED="False"', False),
    ('enabled=" 0 "', False), ('enabled="no"', False), ('enabled="true"', True),
    ('enabled="1"', True), ('enabled="Yes"', True), ("", None), ('enabled=""', None),
    ('enabled="maybe"', None),
    ('><set key="Enabled" value="No"/', False), ('><set key="enabled" value="FALSE"/', False),
    ('><set key="Enabled" value="0"/', False), ('><set key="Enabled" value="True"/', True),
    ('enabled="true"><set key="Enabled" value="false"/', False),  # either one disables
])
def test_enabled_marking(marking: str, enabled: bool | None) -> None:
    data = xml(f'<Integration xmlns:x="urn:x" id="2" type="AmazonAgentEventStreamAdapter" '
               f'{marking}><set key="ApplicationName" value="agents"/></Integration>')
    [adapter] = parse_adapters(data, "f")  # a disabled adapter still gets its table
    assert adapter.enabled is enabled


def test_a_line_feed_in_an_id_never_makes_a_second_line() -> None:
    forged = "2&#10;created        payroll-prod  [us-east-1]&#10;summary"
    data = xml(f'<Integration id="{forged}" name="n&#x202E;&#x85;x" '
               f'type="AmazonConnectAdapter"/>')
    with pytest.raises(InputError) as err:
        parse_adapters(data, "f")
    message = str(err.value)
    assert "\n" not in message and "\u202e" not in message and "\x85" not in message
    assert "2\\x0acreated" in message and "\\u202e" in message and "\\x85" in message


def test_a_megabyte_value_is_cut_in_messages() -> None:
    big = "A" * 1_000_000
    data = xml(f'<Integration id="{big}" name="{big}" type="AmazonConnectAdapter{big}"/>')
    with pytest.raises(InputError) as err:
        parse_adapters(data, "f")
    assert len(str(err.value)) < 2_000 and "more characters" in str(err.value)


def test_messages_show_windows_paths_as_typed() -> None:
    typed = r"\\verintris\e$\Impact360\Software\Conf"
    with pytest.raises(InputError) as err:
        locate_conf_file(typed)
    assert f'"{typed}"' in str(err.value) and "\\\\" not in str(err.value).replace(
        typed, "")
    with pytest.raises(InputError) as err:
        expand_variables(r"%NOPE%\Conf", {})
    assert r'"%NOPE%\Conf"' in str(err.value)


def test_the_same_file_named_twice_is_read_once(tmp_path: Path) -> None:
    conf = tmp_path / "Conf"
    conf.mkdir()
    target = conf / "IntegrationService.xml"
    target.write_bytes(SAMPLE.read_bytes())
    link = tmp_path / "link"
    link.symlink_to(conf, target_is_directory=True)
    spellings = [str(conf), str(conf) + os.sep, str(target), str(link), str(tmp_path / "conf")]
    confs = read_confs(spellings, {})
    assert len(confs) == 1 and confs[0].folder == str(conf)
    tables = derive_tables(confs, host_option="verintris").tables
    assert all(len(t.origins) == 1 for t in tables)  # not "shared by 2 adapters"
    other = tmp_path / "Other"
    other.mkdir()
    (other / "IntegrationService.xml").write_bytes(SAMPLE.read_bytes())  # a copy: two files
    assert len(read_confs([str(conf), str(other)], {})) == 2


def test_permission_errors_are_recognised_by_errno() -> None:
    assert is_permission_error(PermissionError(errno.EACCES, "Permission denied"))
    assert is_permission_error(OSError(errno.EPERM, "Operation not permitted"))
    assert not is_permission_error(FileNotFoundError(errno.ENOENT, "No such file"))
    assert not is_permission_error(NotADirectoryError(errno.ENOTDIR, "Not a directory"))


@pytest.fixture()
def unlistable(tmp_path_factory: pytest.TempPathFactory):
    """A folder this process really may not list, and a way to be refused.

    As a normal user, mode 000 is enough. As root (test containers), mode bits do
    not stop root, so the check runs with the effective user switched to nobody
    for the duration of the call: a real refusal by the kernel, not a simulation.
    """
    if sys.platform == "win32":
        pytest.skip("POSIX permission bits")
    base = Path(os.path.realpath("/tmp")) / f"lt-perm-{os.getpid()}"
    base.mkdir(mode=0o755, exist_ok=True)
    os.chmod(base, 0o755)
    folder = base / "Conf"
    folder.mkdir(exist_ok=True)
    (folder / "IntegrationService.xml").write_bytes(SAMPLE.read_bytes())
    os.chmod(folder, 0o000)

    def as_unprivileged(call):
        if os.geteuid() != 0:
            return call()
        try:
            os.seteuid(65534)
        except PermissionError:
            pytest.skip("root without CAP_SETUID: cannot be refused for real")
        try:
            return call()
        finally:
            os.seteuid(0)

    yield folder, as_unprivileged
    os.chmod(folder, 0o755)
    (folder / "IntegrationService.xml").unlink()
    folder.rmdir()
    base.rmdir()


def test_a_folder_that_cannot_be_listed_says_permission_denied(unlistable) -> None:
    folder, as_unprivileged = unlistable
    with pytest.raises(InputError) as err:
        as_unprivileged(lambda: locate_conf_file(str(folder)))
    message = str(err.value)
    assert "Permission denied" in message and f'"{folder}"' in message
    assert "No IntegrationService.xml" not in message and "--conf-dir" in message
    # One level down (the folder's own entries cannot be looked at): the same words.
    with pytest.raises(InputError, match="Permission denied"):
        as_unprivileged(lambda: locate_conf_file(str(folder / "IntegrationService.xml")))


def test_a_refused_folder_found_in_other_case_names_the_conf_dir(unlistable) -> None:
    """`Conf` asked for, `conf` found: a refusal to look at `conf` still says where it came from."""
    folder, as_unprivileged = unlistable
    top = folder.parent / "top"
    top.mkdir(mode=0o755)
    try:
        (top / "conf").symlink_to(folder / "IntegrationService.xml")
        with pytest.raises(InputError) as err:
            as_unprivileged(lambda: locate_conf_file(str(top / "Conf")))
        assert str(err.value).startswith(f'Permission denied: this account may not look at "{top}')
        assert f'(from --conf-dir "{top / "Conf"}")' in str(err.value)
    finally:
        (top / "conf").unlink(missing_ok=True)
        top.rmdir()



# --- pins: each a behaviour a mutation run found no test for -----------------------------

def test_the_parser_does_not_expand_entities() -> None:
    """resolve_entities=False on its own: the DTD refusal comes later and would hide it."""
    root = etree.fromstring(b'<!DOCTYPE r [<!ENTITY e "expanded">]><r>&e;</r>',
                            _hardened_parser())
    assert "expanded" not in etree.tostring(root).decode()


def test_the_parser_keeps_libxml2s_depth_limit() -> None:
    """huge_tree stays off: a file nested thousands of levels deep is refused, not parsed."""
    deep = b"<a>" * 1000 + b"</a>" * 1000  # libxml2 allows 256 levels, or 2048 with huge_tree
    with pytest.raises(InputError, match="not well-formed"):
        parse_adapters(deep, "deep.xml")


def test_the_parser_refuses_every_external_resource_it_is_asked_for() -> None:
    """The resolver is installed on the parser and refuses, naming what was asked for."""
    with pytest.raises(InputError, match=r"external resource.*secret.dtd.*refused unread"):
        _hardened_parser().resolvers.resolve("file:///etc/secret.dtd", None, None)


@pytest.mark.parametrize("data", [b"", b"  \r\n\t", b"\xef\xbb\xbf", b"\xff\xfe\x00\x00",
                                  b"\x00\x00\n"])
def test_an_empty_file_says_it_is_empty_and_where_to_point(data: bytes) -> None:
    """Our own message, not lxml's "Document is empty"."""
    with pytest.raises(InputError) as err:
        parse_adapters(data, "/conf/IntegrationService.xml")
    assert str(err.value).startswith('"/conf/IntegrationService.xml" is empty. Point --conf-dir')


def test_a_file_that_cannot_be_read_is_an_input_error(tmp_path: Path) -> None:
    """An OSError while reading (here: the path is a folder) is bad input, exit 2."""
    with pytest.raises(InputError, match=r"Cannot read .*Check that this account may read"):
        read_conf_bytes(tmp_path)


def test_a_set_nested_below_its_integration_belongs_to_it() -> None:
    data = xml('<Integration id="3" type="AmazonConnectAdapter"><Settings><Group>'
               '<set key="ApplicationName" value="deep"/></Group></Settings></Integration>'
               '<set key="ApplicationName" value="stray"/>')
    [adapter] = parse_adapters(data, "conf.xml")
    assert adapter.application_name == "deep"


@pytest.mark.parametrize("spelling", ["integrationservice.xml", "INTEGRATIONSERVICE.XML"])
def test_the_file_named_in_other_letter_case_is_found(tmp_path: Path, spelling: str) -> None:
    real = tmp_path / "IntegrationService.xml"
    real.write_bytes(SAMPLE.read_bytes())
    assert locate_conf_file(str(tmp_path / spelling)) == real
    assert len(read_confs([str(tmp_path / spelling)], env={})[0].adapters) == 2


def _fresh(word: str) -> str:
    """`word` in a letter case no earlier test used, so the reader's memos start cold."""
    bits = uuid.uuid4().int
    return "".join(c.upper() if bits >> i & 1 else c.lower() for i, c in enumerate(word))


def test_names_keys_and_attributes_never_seen_before_are_read_alike() -> None:
    """The memoised lookups give the same answer the first time as every later time."""
    ns = f"urn:x-{uuid.uuid4()}"
    tag = _fresh("integration")
    data = (f'<r xmlns:n="{ns}"><n:{tag} type="AmazonConnectAdapter" '
            f'{_fresh("enabled")}="false" x{uuid.uuid4().hex}="1">'
            f'<n:{_fresh("set")} value="nokey"/>'
            f'<n:{_fresh("set")} key="{_fresh("Application_Name")}" value="fresh"/>'
            f'</n:{tag}></r>').encode()
    [adapter] = parse_adapters(data, "fresh.xml")
    assert (adapter.application_name, adapter.enabled) == ("fresh", False)
    plain = f'<r><Integration type="AmazonConnectAdapter" x{uuid.uuid4().hex}="1">' \
            f'<set key="ApplicationName" value="a"/></Integration></r>'
    assert parse_adapters(plain.encode(), "plain.xml")[0].enabled is None


def test_adapter_descriptions() -> None:
    full = Adapter("connect", "AmazonConnectAdapter", "7", "a", None, "s", "Main CTR", 12)
    assert full.describe() == snapshot('AmazonConnectAdapter adapter "Main CTR" (ID 7, line 12)')
    bare = Adapter("connect", "AmazonConnectAdapter", None, "a", None, "s")
    assert bare.describe() == "AmazonConnectAdapter adapter (no ID)"


def test_unset_variable_message() -> None:
    with pytest.raises(InputError) as err:
        expand_variables("%NOPE%\\Conf", {})
    assert str(err.value) == snapshot(
        'The path "%NOPE%\\Conf" uses the environment variable NOPE, which is not set. '
        "Set it, or pass the folder itself with --conf-dir.")


def test_default_conf_dir_keeps_posix_separators() -> None:
    assert default_conf_dirs({"IMPACT360SOFTWAREDIR": "/opt/impact360/"}) == [
        "/opt/impact360/Conf"]


def test_the_folder_named_is_used_when_another_differs_only_in_case(tmp_path: Path) -> None:
    (tmp_path / "Conf").mkdir()  # sorts first, and has no file
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "IntegrationService.xml").write_bytes(SAMPLE.read_bytes())
    assert locate_conf_file(str(tmp_path / "conf")) == tmp_path / "conf" / CONF_FILE_NAME


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_something_that_is_neither_file_nor_folder_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError) as err:
        locate_conf_file(str(tmp_path / "pipe"), "%X%")
    assert str(err.value).startswith(
        f'The configuration folder "{tmp_path}/pipe" does not exist or cannot be read (from '
        f'--conf-dir "%X%"). Check the path')


def test_a_folder_named_like_the_file_is_not_the_file(tmp_path: Path) -> None:
    (tmp_path / CONF_FILE_NAME).mkdir()
    with pytest.raises(InputError) as err:
        locate_conf_file(str(tmp_path), "given")
    assert str(err.value).startswith(
        f'No {CONF_FILE_NAME} in "{tmp_path}" (from --conf-dir "given"). Pass the RIS')
    with pytest.raises(InputError) as err:
        locate_conf_file(str(tmp_path))
    assert f'(from --conf-dir "{tmp_path}")' in str(err.value)


def test_windows_access_denied_codes_are_permission_errors() -> None:
    for code, denied in ((5, True), (1326, True), (6, False), (1327, False)):
        exc = OSError("refused")
        exc.winerror = code  # type: ignore[attr-defined]
        assert is_permission_error(exc) is denied


def test_permission_message() -> None:
    assert _permission_message(Path("/r/Conf"), '--conf-dir "%D%"', "list the folder") == snapshot(
        'Permission denied: this account may not list the folder "/r/Conf" (from --conf-dir '
        '"%D%"). Run lease-tables as an account that may read the RIS configuration folder '
        "(an administrator of the RIS server, say), or copy IntegrationService.xml somewhere "
        "readable and pass that file with --conf-dir.")


def test_the_refusal_names_the_resource() -> None:
    with pytest.raises(InputError) as err:
        _hardened_parser().resolvers.resolve("http://x/e.dtd", None, None)
    assert str(err.value) == snapshot(
        'The configuration file refers to an external resource ("http://x/e.dtd"); it was '
        "refused unread. A RIS IntegrationService.xml never does this.")


def test_size_limit_boundary_and_messages(tmp_path: Path) -> None:
    body = b'<r><Integration type="AmazonConnectAdapter"><set key="ApplicationName" value="a"/>' \
           b"</Integration></r>"
    exact = tmp_path / "exact.xml"
    exact.write_bytes(b"<!--" + b"-" * 10 + b"-->" + body)
    size = exact.stat().st_size
    assert read_conf_bytes(exact, max_bytes=size) == exact.read_bytes()
    with pytest.raises(InputError) as err:
        read_conf_bytes(exact, max_bytes=size - 1)
    assert str(err.value) == (
        f'"{exact}" is {size:,} bytes, over the {size - 1:,}-byte limit for a configuration '
        f"file. It is not an IntegrationService.xml; check the path.")
    with pytest.raises(InputError) as err:
        read_conf_bytes(tmp_path)
    assert str(err.value) == (
        f'Cannot read "{tmp_path}": Is a directory. Check that this account may read the RIS '
        f"configuration folder.")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_a_file_that_grows_while_read_is_refused(tmp_path: Path) -> None:
    """A pipe says it has 0 bytes, then delivers more and stays open: what a file still
    being written does. The reader stops one byte past the limit; it does not wait for
    the end (a pipe rather than /dev/zero, so a reader that would waits, not fills memory)."""
    pipe = tmp_path / "growing.xml"
    os.mkfifo(pipe)
    finished = threading.Event()

    def write() -> None:
        with open(pipe, "wb") as handle:
            handle.write(b"x" * 11)
            handle.flush()
            finished.wait(timeout=20)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    started = time.monotonic()
    try:
        with pytest.raises(InputError) as err:
            read_conf_bytes(pipe, max_bytes=10)
    finally:
        finished.set()
        writer.join(timeout=5)
    assert time.monotonic() - started < 10
    assert str(err.value) == f'"{pipe}" grew past the 10-byte limit while being read.'


def test_first_line_and_doctype_detection() -> None:
    assert _first_line("one\ntwo") == "one"
    assert _first_line("") == "unknown error"
    assert _mentions_doctype(b"<!doctype r><r")
    assert _mentions_doctype("<!DOCTYPE r><r".encode("utf-16-le"))
    assert _mentions_doctype("<!DOCTYPE r><r".encode("utf-16-be"))
    # Ending the data, a UTF-16-BE DOCTYPE holds no shifted UTF-16-LE one.
    assert _mentions_doctype("<!DOCTYPE".encode("utf-16-be"))
    assert not _mentions_doctype(b"<r><!-- no DTD --></r")
    assert not _mentions_doctype("<r/>".encode("utf-16-le"))


def test_a_set_without_a_key_does_not_end_the_settings() -> None:
    [adapter] = parse_adapters(xml('<Integration type="AmazonConnectAdapter">'
                                   '<set value="x"/><set key="ApplicationName" value="a"/>'
                                   "</Integration>"), "c.xml")
    assert adapter.application_name == "a"


def test_read_conf_records_where_it_read(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "Conf"
    folder.mkdir()
    (folder / CONF_FILE_NAME).write_bytes(SAMPLE.read_bytes())
    monkeypatch.setenv("RISCONFTEST", str(folder))
    [conf] = read_confs(["$RISCONFTEST"])
    assert conf.path == str(folder / CONF_FILE_NAME) and conf.folder == str(folder)
    assert {a.source for a in conf.adapters} == {str(folder / CONF_FILE_NAME)}
    with pytest.raises(InputError, match=r'from --conf-dir "\$RISCONFTEST/missing"'):
        read_confs(["$RISCONFTEST/missing"])
    [again] = read_confs(["$RISCONFTEST"])
    assert again == conf
    with pytest.raises(InputError, match=r'from --conf-dir "\$RISCONFTEST/missing"'):
        read_confs(["$RISCONFTEST/missing"])
    with pytest.raises(InputError, match="limit"):
        read_confs([str(folder)], max_bytes=100)


def test_a_file_named_twice_does_not_stop_the_files_after_it(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / CONF_FILE_NAME).write_bytes(SAMPLE.read_bytes())
    confs = read_confs([str(tmp_path / "a"), str(tmp_path / "a"), str(tmp_path / "b")], env={})
    assert [Path(c.path).parent.name for c in confs] == ["a", "b"]


def test_permission_messages_name_the_path_the_value_and_the_step(unlistable) -> None:
    folder, as_unprivileged = unlistable
    with pytest.raises(InputError) as err:
        as_unprivileged(lambda: locate_conf_file(str(folder), "%RIS%"))
    assert str(err.value).startswith(
        f'Permission denied: this account may not list the folder "{folder}" (from '
        f'--conf-dir "%RIS%").')
    inside = folder / "IntegrationService.xml"
    with pytest.raises(InputError) as err:
        as_unprivileged(lambda: locate_conf_file(str(inside), "%RIS%\\file"))
    assert str(err.value).startswith(
        f'Permission denied: this account may not look at "{inside}" (from --conf-dir '
        f'"%RIS%\\file").')


def test_the_plain_spelling_wins_over_other_cases_of_one_attribute() -> None:
    [adapter] = parse_adapters(xml(
        '<Integration TYPE="AvayaCMAPIAdapter" type="AmazonConnectAdapter" Enabled="true" '
        'enabled="false"><set KEY="Region" key="ApplicationName" VALUE="no" value="app"/>'
        "</Integration>"), "c.xml")
    assert (adapter.type, adapter.enabled, adapter.application_name) == (
        "AmazonConnectAdapter", False, "app")


def test_without_the_plain_spelling_the_first_other_spelling_wins() -> None:
    [adapter] = parse_adapters(xml(
        '<Integration xmlns:x="urn:x" Name="first" x:NAME="second" id="1" '
        'ID="2" type="AmazonConnectAdapter"><set key="ApplicationName" value="app"/>'
        "</Integration>"), "c.xml")
    assert (adapter.display_name, adapter.adapter_id) == ("first", "1")


def test_a_listed_but_unreadable_folder_says_permission_denied_at_each_step(unlistable) -> None:
    """A folder that may be entered but not listed (mode 311): the file looked for by
    name, and the folder's entries, each refused with the value as given."""
    folder, as_unprivileged = unlistable
    listless = folder.parent / "Listless"
    listless.mkdir(mode=0o755, exist_ok=True)
    os.chmod(listless, 0o311)
    try:
        for target, given in ((listless / "other.xml", "%A%"), (listless, "%B%")):
            with pytest.raises(InputError) as err:
                as_unprivileged(lambda t=target, g=given: locate_conf_file(str(t), g))
            assert str(err.value).startswith(
                f'Permission denied: this account may not list the folder "{listless}" '
                f'(from --conf-dir "{given}").')
    finally:
        os.chmod(listless, 0o755)
        listless.rmdir()


def test_a_posix_permission_error_without_an_errno_is_one() -> None:
    assert is_permission_error(PermissionError("denied"))
    assert not is_permission_error(FileNotFoundError(errno.ENOENT, "gone"))


def test_a_document_with_a_dtd_is_refused_with_its_own_message() -> None:
    expected = (
        '"c.xml" contains a DOCTYPE declaration, which a RIS IntegrationService.xml never '
        "has; it was refused, and nothing it refers to was read, because DTDs can make a "
        "parser fetch files or expand entities. Restore the file from the RIS server.")
    for data in (b'<!DOCTYPE IFService [<!ENTITY x "y">]><IFService/>',
                 b'<!DOCTYPE IFService SYSTEM "http://127.0.0.1:9/x.dtd"><IFService/>',
                 b'<!DOCTYPE IFService SYSTEM "file:///etc/passwd"><IFService/>',
                 b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r'):  # broken, DTD seen anyway
        with pytest.raises(InputError) as err:
            parse_adapters(data, "c.xml")
        assert str(err.value) == expected


def test_a_malformed_file_names_itself_and_lxmls_first_line() -> None:
    data = b"<IFService><Integrations>"
    try:
        etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        first = str(exc).splitlines()[0]
    with pytest.raises(InputError) as err:
        parse_adapters(data, "c.xml")
    assert str(err.value) == (
        f'"c.xml" is not well-formed XML ({first}). The file may be truncated or not an '
        f"IntegrationService.xml; restore it from the RIS server or its backup. Nothing was "
        f"changed.")
    with pytest.raises(InputError, match="not well-formed"):
        parse_adapters(b"XX", "x.xml")  # only the blanks and marks of an empty file count


def test_comments_and_instructions_inside_a_value_are_not_part_of_it() -> None:
    [adapter] = parse_adapters(xml(
        '<Integration type="AmazonConnectAdapter"><set key="ApplicationName">'
        "<!-- the CTR stream -->ctr<?pi x?>App</set></Integration>"), "c.xml")
    assert adapter.application_name == "ctrApp"


def test_every_incomplete_adapter_is_reported_in_one_message() -> None:
    with pytest.raises(InputError) as err:
        parse_adapters(xml(
            '<Integration id="1" type="AmazonConnectAdapter"/>'
            '<Integration type="AmazonAgentEventStreamAdapter"/>'), "c.xml")
    assert str(err.value) == snapshot(
        'In "c.xml", the AmazonConnectAdapter adapter (ID 1, line 2) lacks an Application '
        'Name (a <set key="ApplicationName" value="..."/>). Its lease-table name cannot be '
        "derived. Complete the adapter in the RIS configuration tool, or give the table "
        'name with --table. In "c.xml", the AmazonAgentEventStreamAdapter adapter (no ID, '
        'line 2) lacks an Application Name (a <set key="ApplicationName" value="..."/>) and '
        'an adapter ID (an id="..." attribute). Its lease-table name cannot be derived. '
        "Complete the adapter in the RIS configuration tool, or give the table name with "
        "--table.")


def test_what_the_file_leaves_out_stays_unknown() -> None:
    [adapter] = parse_adapters(xml(
        '<Integration type="AmazonConnectAdapter"><set key="ApplicationName" value="a"/>'
        '<set key="Region"/></Integration>'), "c.xml")
    assert (adapter.display_name, adapter.region, adapter.line) == (None, None, 2)
    assert parse_adapters(xml('<Integration name="x"/><Integration type="Other"/>'), "c") == []


def test_kinds_are_remembered_as_first_found() -> None:
    for _ in range(2):
        assert kind_of("AmazonConnectAdapter") == KIND_CONNECT
        assert kind_of("AvayaAdapter") is None
        assert kind_of("AWS Agent Events") == KIND_AGENT_EVENTS
    assert normalise_type("Amazon-Connect Adapter 2") == "amazonconnectadapter2"


def test_default_conf_dir_keeps_every_letter_of_the_base() -> None:
    assert default_conf_dirs({"IMPACT360SOFTWAREDIR": "/opt/X"}) == ["/opt/X/Conf"]


# --------------------------------------------------------------------------- settings twice


def test_an_adapter_setting_read_keys_twice_differently_is_named_with_both_values() -> None:
    """Each clashing key as written with its two values, in file order; identical repeats,
    keys we never read and the AppName alias beside ApplicationName are no clash."""
    with pytest.raises(InputError) as err:
        parse_adapters(xml(
            '<Integration id="7" type="AmazonConnectAdapter" name="CTR">'
            '<set key="ApplicationName" value="a"/><set key="AppName" value="other"/>'
            '<set key="Region" value="us-east-1"/><set key="Region" value="us-east-1"/>'
            '<set key="DevicePassCode" value="1"/><set key="DevicePassCode" value="2"/>'
            '<set key="region" value=" eu-west-1 "/><set key="Application_Name" value="b"/>'
            "</Integration>"), "c.xml")
    assert str(err.value) == snapshot(
        'In "c.xml", the AmazonConnectAdapter adapter "CTR" (ID 7, line 2) sets region '
        'twice, to "us-east-1" and to "eu-west-1"; and Application_Name twice, to "a" and '
        'to "b". Which one its adapter uses is not certain, so its lease table cannot be '
        "derived. Keep one <set> of each key (in the RIS configuration tool) and rerun.")


def test_each_clashing_adapter_is_named_once_and_only_its_own_keys() -> None:
    """Clashes belong to the Integration that holds the `set`s (the inner one when adapters
    nest); an adapter that repeats only an unread key or the same value is read."""
    with pytest.raises(InputError) as err:
        parse_adapters(xml(
            '<Integration id="1" type="AmazonConnectAdapter">'
            '<set key="ApplicationName" value="outer"/>'
            '<Integration id="2" type="AmazonAgentEventStreamAdapter">'
            '<set key="ApplicationName" value="inner"/><set key="AdapterId" value="x"/>'
            '<set key="adapter-id" value="y"/></Integration>'
            '<set key="Enabled" value="true"/><set key="enabled" value="false"/>'
            "</Integration>"
            '<Integration id="3" type="AmazonConnectAdapter">'
            '<set key="ApplicationName" value="c"/><set key="Timeout" value="1"/>'
            '<set key="Timeout" value="2"/><set key="ApplicationName" value="c"/>'
            "</Integration>"), "c.xml")
    tail = ("Which one its adapter uses is not certain, so its lease table cannot be derived. "
            "Keep one <set> of each key (in the RIS configuration tool) and rerun.")
    assert str(err.value) == (
        'In "c.xml", the AmazonConnectAdapter adapter (ID 1, line 2) sets enabled twice, to '
        f'"true" and to "false". {tail} '
        'In "c.xml", the AmazonAgentEventStreamAdapter adapter (ID 2, line 2) sets '
        f'adapter-id twice, to "x" and to "y". {tail}')


def test_repeats_that_do_not_clash_keep_the_first_spelling() -> None:
    [adapter] = parse_adapters(xml(
        '<Integration id="3" type="AmazonConnectAdapter">'
        '<set key="ApplicationName" value="c"/><set key="AppName" value="d"/>'
        '<set key="Timeout" value="1"/><set key="Timeout" value="2"/>'
        '<set key="Region" value="eu-west-1"/><set key="REGION" value="eu-west-1 "/>'
        "</Integration>"), "c.xml")
    assert (adapter.application_name, adapter.region) == ("c", "eu-west-1")
