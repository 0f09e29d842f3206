"""`dev.py snapshots`: rewrite the message texts pinned with `snapshot("...")` in tests/
after a deliberate rewording, wrap what inline-snapshot wrote to the line limit, and rerun.

inline-snapshot writes a changed text as one `'...'` on one line; ruff allows 100
characters, so each rewritten `snapshot(...)` whose text is a str (or a list or tuple of
them) is laid out again as implicit concatenation within the limit. The standard library
only: this runs before `.venv` has anything but what the lock installed.
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Sequence

from tools.paths import BIN, PYTHON, ROOT
from tools.step import say
from tools.venv import ensure_venv

LIMIT = 100  # [tool.ruff] line-length
DEFAULT_SELECTION = ("-m", "not slow")


def literal(text: str) -> str:
    """A str literal, double-quoted where the text allows (the house style)."""
    written = repr(text)
    if written.startswith("'") and '"' not in text:
        written = '"' + written[1:-1].replace("\\'", "'") + '"'
    return written


def chunks(text: str, width: int, last_width: int) -> list[str]:
    """`text` cut after whitespace into pieces whose literals fit `width` (the last one
    `last_width`); a word longer than the width stays whole."""
    words = re.findall(r"\s*\S+\s*|\s+", text) or [""]
    pieces: list[str] = []
    current = ""
    for word in words:
        if current and len(literal(current + word)) > width:
            pieces.append(current)
            current = ""
        current += word
    pieces.append(current)
    if len(pieces[-1]) and len(literal(pieces[-1])) > last_width:
        tail = re.findall(r"\s*\S+\s*|\s+", pieces[-1])
        if len(tail) > 1:
            pieces[-1:] = ["".join(tail[:-1]), tail[-1]]
    return pieces


def _snapshot_names(tree: ast.Module) -> set[str]:
    return {alias.asname or alias.name for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module == "inline_snapshot"
            for alias in node.names if alias.name == "snapshot"}


def _layout(value: ast.expr, indent: int, tail: int) -> list[str] | None:
    """The lines of `value` (a str, or a list or tuple of str) at `indent`; None for
    anything else."""
    pad = " " * indent
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [pad + literal(piece)
                for piece in chunks(value.value, LIMIT - indent, LIMIT - indent - tail)]
    if isinstance(value, ast.List | ast.Tuple) and all(
            isinstance(item, ast.Constant) and isinstance(item.value, str)
            for item in value.elts):
        lines: list[str] = []
        for item in value.elts:
            item_lines = _layout(item, indent, 1)
            if item_lines is None:
                return None
            item_lines[-1] += ","
            lines.extend(item_lines)
        return lines
    return None


def wrap(source: str) -> str:
    """`source` with every `snapshot(...)` that crosses the line limit laid out again."""
    tree = ast.parse(source)
    names = _snapshot_names(tree)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in names and len(node.args) == 1
                and node.end_lineno is not None and node.end_col_offset is not None):
            continue
        spanned = lines[node.lineno - 1:node.end_lineno]
        if max(len(line.rstrip("\n")) for line in spanned) <= LIMIT:
            continue
        first = lines[node.lineno - 1]
        base = len(first) - len(first.lstrip(" "))
        after = lines[node.end_lineno - 1].encode()[node.end_col_offset:].decode().rstrip("\n")
        value = node.args[0]
        body = _layout(value, base + 4, len(after) + 2)
        if body is None:
            continue
        if isinstance(value, ast.Constant):
            text = f"{node.func.id}(\n" + "\n".join(body) + ")"
        else:
            opening, closing = ("[", "]") if isinstance(value, ast.List) else ("(", ")")
            text = (f"{node.func.id}({opening}\n" + "\n".join(body) + "\n" + " " * base
                    + closing + ")")
        edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                       text))
    for start_line, start_col, end_line, end_col, text in sorted(edits, reverse=True):
        head = lines[start_line - 1].encode()[:start_col].decode()
        rest = lines[end_line - 1].encode()[end_col:].decode()
        lines[start_line - 1:end_line] = [head + text + rest]
    return "".join(lines)


def snapshots(extra: Sequence[str]) -> int:
    """Fix the pinned texts of the selected tests (default: every test but the slow ones),
    wrap the rewritten ones, then run the same tests again to show they hold."""
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in extra):
        say("inline-snapshot rewrites nothing under xdist: give no -n")
        return 2
    ensure_venv()
    selection = list(extra) or list(DEFAULT_SELECTION)
    tests = sorted((ROOT / "tests").rglob("*.py"))
    before = {path: path.read_bytes() for path in tests}
    say("pytest --inline-snapshot=fix " + " ".join(selection))
    subprocess.run([str(PYTHON), "-m", "pytest", "-p", "no:cacheprovider",
                    "--inline-snapshot=fix", *selection], cwd=ROOT)
    changed = [path for path in tests if path.read_bytes() != before[path]]
    for path in changed:
        source = path.read_text(encoding="utf-8")
        path.write_text(wrap(source), encoding="utf-8", newline="")
        say(f"rewrote {path.relative_to(ROOT)}")
    if not changed:
        say("no pinned text changed")
    lint = subprocess.run([str(BIN / "ruff"), "check", "tests"], cwd=ROOT).returncode
    say("pytest -n 2 " + " ".join(selection) + " (the pinned texts as they now are)")
    check = subprocess.run([str(PYTHON), "-m", "pytest", "-p", "no:cacheprovider", "-n", "2",
                            *selection], cwd=ROOT).returncode
    return check or lint

