"""Making values safe to print: escapes, cuts, one line, redaction. Plain strings."""

from __future__ import annotations

from lease_tables import printable as p


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
