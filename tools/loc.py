"""Code lines of src/lease_tables: blank lines, comments and docstrings apart.

`python3 tools/loc.py [PATH...]` prints the count per module and the total (the house
keeps it at most 6,500, `diagnose/` not counted: it is measured on its own). Standard
library only: `tokenize` says which lines hold code, `ast` says which strings are
docstrings (the first statement of a module, class or function).
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "lease_tables"
NOT_COUNTED = ("diagnose",)


def docstring_lines(tree: ast.AST) -> set[int]:
    """The line numbers every docstring of the module spans."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                first = body[0]
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def code_lines(source: str) -> int:
    """How many lines hold a token that is neither a comment nor part of a docstring."""
    skip = docstring_lines(ast.parse(source))
    seen: set[int] = set()
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
               tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in ignored:
            continue
        for line in range(token.start[0], token.end[0] + 1):
            if line not in skip:
                seen.add(line)
    return len(seen)


def modules(paths: list[Path]) -> list[Path]:
    """Every .py file under `paths`, the packages not counted left out."""
    found: list[Path] = []
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        found += [f for f in files if not set(NOT_COUNTED) & set(f.relative_to(path).parts[:-1])
                  or path.is_file()]
    return found


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [PACKAGE]
    total = 0
    for module in modules(paths):
        count = code_lines(module.read_text(encoding="utf-8"))
        total += count
        print(f"{count:6d}  {module.relative_to(ROOT) if module.is_relative_to(ROOT) else module}")
    print(f"{total:6d}  total")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
