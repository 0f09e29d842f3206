"""printable: what reaches an operator's screen or a change ticket, with plain values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inline_snapshot import snapshot

from lease_tables.core import printable
from lease_tables.core import printable as p
from lease_tables.core.printable import MAX_VALUE, clean, cut, escape, line, quote, redact


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\nb", "a\\x0ab"),
    ("a\rb", "a\\x0db"),
    ("tab\there", "tab\\x09here"),
    ("esc\x1b[31m", "esc\\x1b[31m"),
    ("del\x7f", "del\\x7f"),
    ("c1\x85\x9b", "c1\\x85\\x9b"),
    ("rlo\u202eevil", "rlo\\u202eevil"),
    ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
    ("sep\u2028next", "sep\\u2028next"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("bom\ufeff", "bom\\ufeff"),
    ("tag\U000e0041", "tag\\U000e0041"),  # invisible "tag" characters smuggle text
    ("nbsp\u00a0x", "nbsp\\xa0x"),
    ("Müller 日本", "Müller 日本"),  # printable text is left as it is
])
def test_escape_makes_every_control_visible(raw: str, shown: str) -> None:
    assert escape(raw) == shown


def test_quote_keeps_windows_paths_as_typed() -> None:
    assert quote("\\\\verintris\\e$\\Conf") == '"\\\\verintris\\e$\\Conf"'
    assert quote("%IMPACT360SOFTWAREDIR%\\Conf") == '"%IMPACT360SOFTWAREDIR%\\Conf"'


def test_a_long_value_is_cut_and_says_how_much_is_left_out() -> None:
    value = "x" * 1_000_000
    shown = clean(value)
    assert shown.startswith("x" * MAX_VALUE)
    assert shown.endswith("(999,800 more characters)")
    assert len(shown) < MAX_VALUE + 40
    assert cut("short") == "short"
    assert cut("y" * (MAX_VALUE + 1)).endswith("(1 more characters)")


def test_escapes_count_toward_the_cut() -> None:
    shown = clean("\n" * 150)
    assert shown.startswith("\\x0a" * 50) and "more characters" in shown


def test_line_folds_line_breaks_but_keeps_column_spaces() -> None:
    assert line("created        name  [us-east-1]") == "created        name  [us-east-1]"
    assert line("first\n\n  second\r\nthird") == "first second third"
    assert "\n" not in line("a\nforged line\nsummary: all fine")


def test_line_is_bounded() -> None:
    assert len(line("z" * 100_000)) < printable.MAX_MESSAGE + 40


TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ" + "A" * 400


@pytest.mark.parametrize("text", [
    f"x-amz-security-token:{TOKEN[:60]}\nx-amz-target:DynamoDB",
    f"'X-Amz-Security-Token': b'{TOKEN[:60]}'",
    f"X-Amz-Security-Token={TOKEN[:60]}&X-Amz-Date=1",
    "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261128/us-east-1/"
    "dynamodb/aws4_request, SignedHeaders=host, Signature=" + "ab12" * 16,
    "Signature:\n" + "0f" * 32,
    "the key AKIAIOSFODNN7EXAMPLE was used",
    "temporary key ASIAQWERTYUIOPASDFGH here",
    f"a bare session token {TOKEN}",
])
def test_redact_removes_every_credential_shape(text: str) -> None:
    shown = redact(text)
    for secret in ("AKIAIOSFODNN7EXAMPLE", "ASIAQWERTYUIOPASDFGH", TOKEN[:60], "ab12" * 16,
                   "0f" * 32):
        assert secret not in shown
    assert "***" in shown


def test_every_line_is_redacted_on_its_way_out() -> None:
    shown = line("refused (x-amz-security-token:IQoJabcdef Credential=AKIAIOSFODNN7EXAMPLE/1)")
    assert "IQoJabcdef" not in shown and "AKIAIOSFODNN7EXAMPLE" not in shown


def test_registered_secrets_are_removed_wherever_they_appear() -> None:
    printable.register_secrets(["my-very-own-secret-value", None, "abc"])
    assert redact("before my-very-own-secret-value after") == "before *** after"
    assert redact("abc stays: too short to be a secret") == "abc stays: too short to be a secret"


def test_redact_leaves_ordinary_text_and_table_names_alone() -> None:
    text = ("The request signature we calculated does not match the signature you provided. "
            "Unable to locate credentials: verintAgentEvents_verintris.2 " + "a" * 255)
    assert redact(text) == text


@given(st.text())
def test_nothing_printed_can_break_a_line_or_reorder_text(text: str) -> None:
    shown = line(text)
    assert shown.isprintable()  # no control, format, separator or private character
    assert len(shown.splitlines()) <= 1


def test_control_and_bidi_characters_become_visible_escapes() -> None:
    assert p.escape("a\nb\x7f\u202ec\x00") == "a\\x0ab\\x7f\\u202ec\\x00"
    assert p.escape("\u00ff\u0100") == "\u00ff\u0100"  # printable, left alone
    assert p.escape("\x9f") == "\\x9f"  # the last C1 control: two hex digits
    assert p.escape("\ufeff") == "\\ufeff"
    assert p.escape("\\\\server\\e$") == "\\\\server\\e$"  # backslashes as typed


def test_cut_keeps_the_limit_and_says_how_much_is_left_out() -> None:
    assert p.cut("abcde", 5) == "abcde"
    assert p.cut("abcdef", 5) == "abcde... (1 more characters)"
    assert p.cut("x" * 1205, 200) == "x" * 200 + "... (1,005 more characters)"
    assert p.clean("a\nb" + "c" * 300) == "a\\x0ab" + "c" * 194 + "... (106 more characters)"
    assert p.clean(12) == "12"
    assert p.quote("a\nb") == '"a\\x0ab"'
    assert p.quote("x" * 5, 3) == '"xxx... (2 more characters)"'


def test_one_line_joins_lines_and_keeps_aligned_spaces() -> None:
    assert p.one_line("ok   table  x") == "ok   table  x"
    assert p.one_line("first\n\n  second  \r\nthird\n") == "first second third"
    assert p.one_line("a\tb") == "a\tb"


def test_line_redacts_joins_escapes_and_bounds() -> None:
    assert p.line("one\ntwo\u202e") == "one two\\u202e"
    assert p.line("x" * 10, 4) == "xxxx... (6 more characters)"
    assert p.line(ValueError("bad")) == "bad"
    long = "ab " * 150  # words, not one token-like run
    assert p.aws_text(long) == long[:400] + "... (50 more characters)"
    assert p.aws_text("a\nb", 1) == "a... (2 more characters)"


def test_secrets_and_credential_shapes_are_redacted() -> None:
    p.register_secrets(["TopSecretValue42", None, "abc", ""])
    assert p.redact("key TopSecretValue42 here") == "key *** here"
    assert p.redact("abc stays: too short to be a secret") == (
        "abc stays: too short to be a secret")
    assert p.redact("X-Amz-Security-Token: FwoGZXIvYXdzE; rest") == (
        "X-Amz-Security-Token: ***; rest")
    assert p.redact("Credential=AKIAIOSFODNN7EXAMPLE/2024") == "Credential=***"
    assert p.redact("id AKIAIOSFODNN7EXAMPLE used") == "id *** used"
    assert p.redact("sig " + "a" * 64 + " end") == "sig *** end"
    assert p.redact("t " + "A" * 300 + "==") == "t ***"
    assert p.redact("t " + "A" * 299) == "t " + "A" * 299
    assert p.line("token TopSecretValue42\nnext") == "token *** next"


def test_secrets_of_four_characters_count_and_the_longest_goes_first() -> None:
    p.register_secrets(["zq7K", "azq7Kb"])
    assert p.redact("zq7K") == "***"
    # Longest first (not in alphabetical order): replacing the short one inside the long
    # one first would leave "a***b".
    assert p.redact("is azq7Kb.") == "is ***."


def test_a_token_of_exactly_the_threshold_length_is_redacted() -> None:
    token = "Ab9+" * 75  # 300 base64 characters: the shortest run treated as a token
    assert p.redact(f"token {token} end") == "token *** end"
    assert p.redact(f"short {token[:299]} end") == f"short {token[:299]} end"


def test_a_result_row_is_kept_as_built_or_folded_onto_one_visible_line() -> None:
    assert p.row("created        verintAgentEvents_verintris.2  [us-east-1]") == snapshot(
        "created        verintAgentEvents_verintris.2  [us-east-1]")
    # A line break inside a row would forge a second result line; a bidi control would
    # reorder it on the screen.
    assert p.row("failed  t1  [us-east-1]\nsummary: all fine\u202e") == snapshot(
        "failed  t1  [us-east-1] summary: all fine\\u202e")


@pytest.mark.parametrize(("text", "shown"), [
    ("at http://ops:pa55@10.0.0.1:8000/x", "at http://ops:***@10.0.0.1:8000/x"),
    ("HTTPS_PROXY=https://d%5Cbob:p@ss:w@proxy:3128 failed",
     "HTTPS_PROXY=https://d%5Cbob:***@proxy:3128 failed"),
    ("socks5h://:only@h", "socks5h://:***@h"),
    ("http://user@host:80/a@b and http://h:80/x@y",
     "http://user@host:80/a@b and http://h:80/x@y"),
])
def test_a_password_in_any_url_is_redacted(text: str, shown: str) -> None:
    assert redact(text) == shown
    assert line(text) == shown


@pytest.mark.parametrize(("url", "password"), [
    ("  http://user:p%40ss@proxy:8080  ", "p@ss"),  # stripped, and unquoted as the SDK reads it
    ("http://user@proxy:8080", None),  # a user alone carries no password
    ("http://proxy:8080", None),
    ("http://[::1", None),  # urlsplit refuses it: no password to register
])
def test_url_password_is_the_password_a_url_carries(url: str, password: str | None) -> None:
    assert printable.url_password(url) == password
