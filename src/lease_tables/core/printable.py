"""Make any value safe to put in front of an operator or a security team.

Everything this tool prints was, at some point, text someone else chose: an
attribute in IntegrationService.xml, an option, an AWS error message. Such a
value must not be able to forge a result line (a line feed in an adapter ID),
reorder what the terminal shows (U+202E), bury the message under a megabyte of
text, or leak a credential that AWS quoted back (an InvalidSignatureException
quotes the canonical request, session token included). So every output path
(text, JSON messages, warnings, errors, `--verbose` logs) goes through here.

Two layers: `quote()` for one value placed inside a sentence (escaped, cut to
about 200 characters, in double quotes), and `line()` for a whole message on
its way out (escaped, redacted, one line). Backslashes are left alone, so a
Windows path reads as the operator typed it (not as a Python literal).

Pure: no I/O; the only state is the set of secrets a run registered.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MAX_VALUE = 200  # characters of one quoted value before it is cut
MAX_MESSAGE = 4000  # characters of one whole message (a paragraph, never a page)

_REDACTED = "***"
# Markers after which AWS texts and botocore logs put credentials: whatever follows
# them up to a separator goes (SigV4 header parts, query strings, canonical requests).
_AFTER_MARKER = re.compile(
    r"(?i)((?:x-amz-security-token|security-token|x-amz-signature|signature|credential"
    r"|aws_secret_access_key|aws_session_token|secret_?key|session_?token)"
    r"['\"]?\s*[:=]\s*b?['\"]?\s*)[^\s'\",&;}<]+")
# Access key IDs (long-term AKIA, temporary ASIA) wherever they appear.
_KEY_PREFIXES = ("AKIA", "ASIA", "AIDA", "AROA", "ANPA", "ANVA", "AGPA")
_ACCESS_KEY_ID = re.compile(r"\b(?:" + "|".join(_KEY_PREFIXES) + r")[A-Z0-9]{16}\b")
# Words one of which every marker above contains: a cheap test before the regex.
_MARKER_WORDS = ("token", "signature", "credential", "secret")
# A SigV4 signature or signing key: 64 hex digits (payload hashes look the same and
# are worth nothing to a reader, so they go too).
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
_HEX_RUN = re.compile(r"[0-9a-f]{64}")
# Session tokens are long base64; a table name (the longest thing we print that
# uses the same letters) has at most 255 characters, so 300 are never ours.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9+/]{300,}={0,2}")

# A password in a URL (`http://user:secret@proxy:3128`, an endpoint URL written the same
# way): everything between the user's colon and the last `@` of the authority goes.
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/?#@:]*:)[^\s/?#]*@")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secrets(values: Iterable[str | None]) -> None:
    """Remember this run's credentials so that no output can ever show them."""
    with _secrets_lock:
        _secrets.update(v for v in values if v and len(v) >= 4)


def redact(text: str) -> str:
    """Remove credentials: registered secrets, and anything that looks like one.

    Each pattern runs only when a plain substring test says it could match: every
    result line of a 20,000-adapter dry run passes here, and a case-insensitive
    alternation at every position is ten times the cost of the whole line otherwise.
    """
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, _REDACTED)
    if "@" in text and "://" in text:
        text = hide_password(text)
    lower = text.lower()  # once, not once per marker word: every result line passes here
    if any(word in lower for word in _MARKER_WORDS):
        text = _AFTER_MARKER.sub(lambda m: m.group(1) + _REDACTED, text)
    if any(prefix in text for prefix in _KEY_PREFIXES):
        text = _ACCESS_KEY_ID.sub(_REDACTED, text)
    # Signatures and tokens are long words: look for them only inside such words.
    long_words = [word for word in text.split() if len(word) >= 64]
    if any(_HEX_RUN.search(word) for word in long_words):
        text = _HEX64.sub(_REDACTED, text)
    if any(len(word) >= 300 and _LONG_TOKEN.search(word) for word in long_words):
        text = _LONG_TOKEN.sub(_REDACTED, text)
    return text


def hide_password(text: str) -> str:
    """Every URL in `text` with its password (if any) as `***`; user and host kept, so
    the operator still sees which endpoint or proxy is meant."""
    return _URL_PASSWORD.sub(lambda m: m.group(1) + _REDACTED + "@", text)


def url_password(url: str) -> str | None:
    """The password a URL carries (`scheme://user:password@host`), or None."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url.strip()).password
    except ValueError:
        return None
    return unquote(password) if password else None


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape(text: str) -> str:
    """Non-printable characters as visible escapes (`\\x0a`, `\\u202e`); the rest as is.

    "Non-printable" is Python's rule, not a list of ours: C0 and C1 controls, DEL, the
    format characters that reorder or hide text (U+202E, zero-width ones, tags), line
    and paragraph separators, unassigned and private code points, spaces other than
    the plain one. So nothing new slips through when Unicode grows.
    """
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def cut(text: str, limit: int = MAX_VALUE) -> str:
    """At most about `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def clean(value: object, limit: int = MAX_VALUE) -> str:
    """One value, safe inside a line: escaped, then cut (escapes count toward the cut)."""
    return cut(escape(str(value)), limit)


def quote(value: object, limit: int = MAX_VALUE) -> str:
    """One value in double quotes, for a sentence: `"\\\\verintris\\e$\\Conf"` reads as typed."""
    return f'"{clean(value, limit)}"'


def one_line(text: str) -> str:
    """Line breaks (and the blank lines around them) become single spaces; the spaces
    that line up a result line are kept."""
    if text.isprintable():
        return text
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def line(message: object, limit: int = MAX_MESSAGE) -> str:
    """A whole message on its way out: redacted, one line, escaped, bounded."""
    return cut(escape(one_line(redact(str(message)))), limit)


def row(text: str) -> str:
    """One result row: escaped and on one line, not redacted again.

    Rows are built from validated names, values already passed through `clean` or
    `quote`, and AWS texts already passed through `aws_text` (redacted where they
    entered); a fleet's dry run prints 20,000 of them, so they skip the redaction
    scan that every other message gets.
    """
    return text if text.isprintable() else escape(one_line(text))  # checked once, in C


def aws_text(message: object, limit: int = MAX_VALUE * 2) -> str:
    """An AWS or botocore message inside ours: redacted, one line, escaped, cut."""
    return line(message, limit)
