"""The README's CLI reference is the real `--help`, every command is documented, and
shell completion works (the sqlite-utils habit: docs that cannot go stale)."""

from __future__ import annotations

import ast
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from lease_tables.cli.app import app
from tests.conftest import ROOT, clean_env, cli_executable

README = ROOT / "README.md"
REFERENCE = runpy.run_path(str(ROOT / "docs" / "cli_reference.py"))
COMMANDS = REFERENCE["command_names"]()


def test_cog_check_readme_matches_help(tmp_path: Path) -> None:
    """`cog --check` fails when any command's --help changed and README was not regenerated."""
    proc = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env=clean_env(tmp_path))
    assert proc.returncode == 0, (
        "README.md's CLI reference is stale: run `.venv/bin/cog -r README.md`\n"
        + proc.stdout + proc.stderr)


def test_reference_is_the_last_section_and_has_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[-1] == "## CLI reference"
    assert {"create", "verify", "name"} <= set(COMMANDS)
    for name in COMMANDS:
        assert f"### `lease-tables {name}`" in text, f"{name} is missing from README.md"
        assert f"Usage: lease-tables {name} [OPTIONS]" in text


def test_reference_renders_the_live_help() -> None:
    """In-process comparison too, so a broken cog marker cannot hide a difference."""
    rendered = REFERENCE["reference"]()
    assert rendered in README.read_text(encoding="utf-8")
    assert "Create every lease table that is absent" in rendered


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_has_help_text(name: str) -> None:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"`{name}` has no help text"
    for param in command.params:
        if param.param_type_name == "option":
            assert (getattr(param, "help", None) or "").strip(), (
                f"`{name}` option {param.opts} has no help text")


def test_show_completion_prints_a_bash_script(tmp_path: Path) -> None:
    env = clean_env(tmp_path, SHELL="/bin/bash")
    for args in (["--show-completion", "bash"], ["--show-completion"]):
        proc = subprocess.run([cli_executable(), *args], capture_output=True, text=True,
                              env=env, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
        assert "complete -o default -F _lease_tables" in proc.stdout
        assert "_lease_tables_completion lease-tables" in proc.stdout


def complete(words: str, tmp_path: Path) -> list[str]:
    """Ask the CLI for completions the way the bash script does."""
    env = clean_env(tmp_path, COMP_WORDS=words, COMP_CWORD=str(len(words.split(" ")) - 1),
                    _LEASE_TABLES_COMPLETE="complete_bash")
    proc = subprocess.run([cli_executable()], capture_output=True, text=True, env=env,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_completion_completes_commands_options_and_choices(tmp_path: Path) -> None:
    assert complete("lease-tables cr", tmp_path) == ["create"]
    assert complete("lease-tables create --dry", tmp_path) == ["--dry-run"]
    assert complete("lease-tables create --output ", tmp_path) == ["text", "json"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_accepts_the_completion_script(tmp_path: Path) -> None:
    script = f'eval "$({cli_executable()} --show-completion bash)"; complete -p lease-tables'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                          env={**clean_env(tmp_path), "PATH": os.environ.get("PATH", "")},
                          timeout=60)
    assert proc.returncode == 0 and "_lease_tables_completion" in proc.stdout, proc.stderr


def test_the_architecture_page_names_every_module_and_only_those() -> None:
    """docs/architecture.md must match the code: one row per module, none invented."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_/]+)\.py` \|", page, flags=re.MULTILINE))
    package = ROOT / "src" / "lease_tables"
    modules = {p.relative_to(package).with_suffix("").as_posix() for p in package.rglob("*.py")
               if p.stem not in {"__init__", "__main__"}}
    assert documented == modules, (sorted(modules - documented), sorted(documented - modules))


# --------------------------------------------------------------------------- bench figures

BENCH_README = ROOT / "bench" / "README.md"
FIGURES = runpy.run_path(str(ROOT / "bench" / "figures.py"))


def test_cog_check_bench_figures_match_the_results_file(tmp_path: Path) -> None:
    """The figures table is the benchmark's own output: `cog --check` fails when
    bench/results.json and bench/README.md disagree."""
    proc = subprocess.run([sys.executable, "-m", "cogapp", "--check", "bench/README.md"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=clean_env(tmp_path))
    assert proc.returncode == 0, (
        "bench/README.md's figures are stale: run `.venv/bin/cog -r bench/README.md`\n"
        + proc.stdout + proc.stderr)
    rendered = FIGURES["render"](FIGURES["load"]())
    assert rendered in BENCH_README.read_text(encoding="utf-8")


def test_the_results_say_when_and_on_what_machine() -> None:
    results = FIGURES["load"]()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", results["date"])
    machine = results["machine"]
    assert machine["cpu"] and machine["cores"] >= 1 and re.match(r"3\.\d+", machine["python"])
    line = FIGURES["machine_line"](results)
    for value in (results["date"], machine["cpu"], f"{machine['cores']} cores",
                  f"Python {machine['python']}"):
        assert value in line
    for case, values in results["cases"].items():  # every case's target decided by figures.py
        assert isinstance(FIGURES["met"](case, values), bool)


def _bench_constants() -> set[str]:
    """Figures the prose may name that are settings of the code, not measurements: read
    from the code (and botocore's waiter model) here, so they cannot drift either."""
    import botocore.session

    from lease_tables.core import polling

    results = FIGURES["load"]()
    waiter = botocore.session.get_session().get_waiter_model("dynamodb").get_waiter(
        "TableExists")
    return {f"{results['settings']['create_table_ms'] / 1000:.1f} s",
            f"{polling.POLL_FIRST:g} s", f"{polling.POLL_STEP:g} s", f"{polling.POLL_MAX:g} s",
            f"{500 / polling.POLL_RATE:g} s", f"{waiter.delay:g} s"}


def test_bench_prose_cites_no_figure_the_table_lacks() -> None:
    """A measured figure outside the generated block would drift from the next run."""
    text = BENCH_README.read_text(encoding="utf-8")
    before, _, rest = text.partition("<!-- [[[cog")
    block, _, after = rest.partition("<!-- [[[end]]] -->")
    allowed = _bench_constants()
    for figure in re.findall(r"\b\d[\d,]*(?:\.\d+)?\s?(?:ms|s|MB|x|%)(?![\w-])",
                             before + after):
        assert figure in block or figure in allowed, (
            f"bench/README.md's prose cites {figure!r}, which the generated table lacks")


# A long expected text belongs in `snapshot("...")` (inline-snapshot), where `python3 dev.py
# snapshots` rewrites it after a deliberate rewording; a literal of this length compared by
# hand in an assert is a paragraph someone must edit in three places. Shorter phrases that
# name one fact stay as they are. A literal that truly must stay goes here, with why.
LONG_LITERAL = 40
LONG_LITERALS_ALLOWED: dict[str, str] = {}


def long_literal_asserts(tree: ast.AST) -> list[int]:
    """The lines of the asserts that compare with a str literal of LONG_LITERAL or more
    characters, on either side of ==, !=, in or not in."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and any(
                isinstance(side, ast.Constant) and isinstance(side.value, str)
                and len(side.value) >= LONG_LITERAL
                for compare in ast.walk(node.test) if isinstance(compare, ast.Compare)
                for side in (compare.left, *compare.comparators)):
            found.append(node.lineno)
    return found


def test_the_counter_finds_a_long_literal_on_either_side() -> None:
    text = "x" * LONG_LITERAL
    source = (f"assert a == {text!r}\nassert {text!r} in b\nassert c not in {text!r}\n"
              f"assert a == {text[1:]!r}\nassert a == snapshot({text!r})\n")
    assert long_literal_asserts(ast.parse(source)) == [1, 2, 3]


def test_no_assert_compares_with_a_paragraph_long_literal() -> None:
    found = [f"{path.relative_to(ROOT).as_posix()}:{line}"
             for path in sorted((ROOT / "tests").rglob("*.py"))
             for line in long_literal_asserts(ast.parse(path.read_text(encoding="utf-8")))]
    assert [where for where in found if where not in LONG_LITERALS_ALLOWED] == []
