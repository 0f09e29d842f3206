"""Hostile and broken configuration files: refused with exit 2, nothing read beyond the file.

Each case runs the installed CLI as a subprocess (exit code, one paragraph, no
traceback); the network case also has a listener on 127.0.0.1 that must see no
connection, and a fuzz test feeds mutated real-looking files to the reader.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lease_tables.config.naming import derive_tables
from lease_tables.config.ris import parse_adapters, read_confs
from lease_tables.core.errors import InputError
from tests.conftest import SAMPLE_CONF, clean_env, run_cli

SAMPLE = (SAMPLE_CONF / "IntegrationService.xml").read_bytes()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<IFService><Integrations><Integration id="1" type="AmazonConnectAdapter">
<set key="ApplicationName" value="&lol9;"/></Integration></Integrations></IFService>"""

QUADRATIC_BLOWUP = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 50_000
                    + b'">]><IFService><Integrations><Integration id="1" '
                    b'type="AmazonConnectAdapter"><set key="AppName" value="'
                    + b"&a;" * 5_000 + b'"/></Integration></Integrations></IFService>')


def xxe_local(target: Path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{target}">]>'
            '<IFService><Integrations><Integration id="1" type="AmazonConnectAdapter">'
            '<set key="ApplicationName" value="&x;"/></Integration></Integrations>'
            "</IFService>").encode()


def run_on(tmp_path: Path, content: bytes) -> tuple[int, str, str]:
    folder = tmp_path / "Conf"
    folder.mkdir(exist_ok=True)
    (folder / "IntegrationService.xml").write_bytes(content)
    run = run_cli(["create", "--dry-run", "--conf-dir", str(folder)], clean_env(tmp_path))
    return run.code, run.stdout, run.stderr


def assert_refused(code: int, stdout: str, stderr: str) -> None:
    assert code == 2, stdout + stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr  # one paragraph
    assert "IntegrationService.xml" in stderr
    assert stdout == ""


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("billion laughs", BILLION_LAUGHS),
        ("quadratic blowup", QUADRATIC_BLOWUP),
        ("binary junk", bytes(range(256)) * 40),
        ("truncated", SAMPLE[: len(SAMPLE) // 2]),
        ("empty", b""),
        ("only a BOM", b"\xef\xbb\xbf"),
        ("only unrelated adapters", SAMPLE.replace(b"AmazonConnectAdapter", b"AvayaAdapter")
         .replace(b"AmazonAgentEventStreamAdapter", b"GenesysAdapter")),
        ("utf-16 declared, utf-8 bytes", SAMPLE.replace(b'encoding="utf-8"',
                                                        b'encoding="utf-16"')),
    ],
)
def test_hostile_or_broken_file_is_refused(tmp_path, name: str, content: bytes) -> None:
    assert_refused(*run_on(tmp_path, content))


def test_xxe_to_a_local_file_does_not_read_it(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    code, stdout, stderr = run_on(tmp_path, xxe_local(secret))
    assert_refused(code, stdout, stderr)
    assert "TOP-SECRET-CONTENT" not in stdout + stderr
    assert "DOCTYPE" in stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("form", ["entity", "external subset"])
def test_xxe_target_is_never_even_opened(tmp_path, form: str) -> None:
    """The target is a named pipe with no writer: opening it would block until the timeout."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    content = xxe_local(pipe) if form == "entity" else SAMPLE.replace(
        b"<IFService", f'<!DOCTYPE IFService SYSTEM "file://{pipe}"><IFService'.encode(), 1)
    assert_refused(*run_on(tmp_path, content))


@pytest.fixture()
def listener():
    """A TCP listener on 127.0.0.1 that counts connections (an 'attacker' DTD server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[tuple] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = server.accept()
            except OSError:
                continue
            seen.append(addr)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(timeout=5)
    server.close()


@pytest.mark.parametrize("form", ["external subset", "parameter entity", "general entity"])
def test_external_dtd_over_http_is_never_fetched(tmp_path, listener, form: str) -> None:
    port, seen = listener
    url = f"http://127.0.0.1:{port}/evil.dtd"
    doctype = {
        "external subset": f'<!DOCTYPE IFService SYSTEM "{url}">',
        "parameter entity": f'<!DOCTYPE IFService [<!ENTITY % e SYSTEM "{url}"> %e;]>',
        "general entity": f'<!DOCTYPE IFService [<!ENTITY e SYSTEM "{url}">]>',
    }[form]
    content = SAMPLE.replace(b"<IFService", doctype.encode() + b"<IFService", 1)
    assert_refused(*run_on(tmp_path, content))
    time.sleep(0.3)
    assert seen == [], "the parser connected to the DTD server"


def test_oversize_file_is_refused_before_reading(tmp_path) -> None:
    folder = tmp_path / "Conf"
    folder.mkdir()
    big = folder / "IntegrationService.xml"
    with big.open("wb") as handle:  # sparse: 60 MiB that cost no disk and no reading
        handle.truncate(60 * 1024 * 1024)
    run = run_cli(["create", "--dry-run", "--conf-dir", str(folder)], clean_env(tmp_path),
                  timeout=30)
    assert_refused(run.code, run.stdout, run.stderr)
    assert "limit" in run.stderr and "62,914,560 bytes" in run.stderr


def test_folder_without_the_file_is_refused(tmp_path) -> None:
    folder = tmp_path / "Conf"
    folder.mkdir()
    (folder / "OtherService.xml").write_bytes(SAMPLE)
    run = run_cli(["create", "--dry-run", "--conf-dir", str(folder)], clean_env(tmp_path))
    assert run.code == 2 and "No IntegrationService.xml" in run.stderr


def test_oversize_is_refused_by_the_reader_without_parsing(tmp_path) -> None:
    big = tmp_path / "IntegrationService.xml"
    big.write_bytes(SAMPLE + b"<!--" + b"x" * 2000 + b"-->")
    with pytest.raises(InputError, match="limit"):
        read_confs([str(big)], {}, max_bytes=len(SAMPLE))


_SNIPPETS = [b"<!DOCTYPE r>", b"&x;", b"<Integration type='AmazonConnect'>", b"\x00",
             b"</Integration>", b"<set key='AppName' value='a b'/>", b"\xff\xfe", b"]]>",
             b"<![CDATA[", b"id=''", "é".encode(), b"<set key='AdapterId'/>",
             b'<Integration id="9" type="AmazonAgentEventStreamAdapter">']


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position:position + draw(st.integers(1, 40))]
        elif action == "insert":
            data[position:position] = draw(st.sampled_from(_SNIPPETS))
        else:
            del data[position:]
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sample())
def test_fuzzed_files_give_a_result_or_an_input_error(data: bytes) -> None:
    try:
        adapters = parse_adapters(data, "fuzz.xml")
        derive_tables([_conf(adapters)], host_option="verintris")
    except InputError as exc:
        assert str(exc)  # a message, never empty


def _conf(adapters):
    from lease_tables.config.ris import ConfFile

    return ConfFile(path="fuzz.xml", folder="/conf", adapters=tuple(adapters))
