"""The documentation holds to the code: the site's references are generated from it (the
CLI from the real `--help`, the JSON fields, statuses and exit codes from the data beside
the code that writes them), every command is documented, the pictures exist and are
shown, the README stays short and points into the site, and shell completion works (the
sqlite-utils habit: docs that cannot go stale)."""

from __future__ import annotations

import ast
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from lease_tables.cli import signals
from lease_tables.cli.app import app
from lease_tables.config.naming import LeaseTable
from lease_tables.core import errors
from lease_tables.model import kcl, outcome, rows
from lease_tables.model.outcome import OK, TableResult
from lease_tables.model.rows import ResourceRow
from lease_tables.preflight import footprint as preflight_footprint
from lease_tables.preflight import services, streams
from lease_tables.render import report
from tests.conftest import ROOT, clean_env, cli_executable

README = ROOT / "README.md"
DOCS = ROOT / "docs"
REFERENCE = runpy.run_path(str(DOCS / "cli_reference.py"))
COMMANDS = REFERENCE["command_names"]()
CLI_PAGE = DOCS / "cli.md"
JSON_PAGE = DOCS / "json.md"
EXIT_PAGE = DOCS / "exit-codes.md"
# Every page with a generated block (the README has none now: it points into the site).
COG_PAGES = sorted(p.relative_to(ROOT).as_posix() for p in DOCS.glob("*.md")
                   if "[[[cog" in p.read_text(encoding="utf-8"))


def page(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_cog_check_every_generated_page(tmp_path: Path) -> None:
    """`cog --check` fails when a command's --help, a JSON field, a status, an exit code,
    the permission table or the benchmark changed and its page was not regenerated."""
    assert {"docs/cli.md", "docs/json.md", "docs/exit-codes.md", "docs/security.md",
            "docs/benchmark.md"} <= set(COG_PAGES)
    proc = subprocess.run([sys.executable, "-m", "cogapp", "--check", *COG_PAGES], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=clean_env(tmp_path))
    assert proc.returncode == 0, (
        f"a generated page is stale: run `.venv/bin/cog -r {' '.join(COG_PAGES)}`\n"
        + proc.stdout + proc.stderr)


def test_the_cli_page_has_every_command() -> None:
    text = page(CLI_PAGE)
    assert {"create", "verify", "name"} <= set(COMMANDS)
    for name in COMMANDS:
        assert f"## `lease-tables {name}`" in text, f"{name} is missing from docs/cli.md"
        assert f"Usage: lease-tables {name} [OPTIONS]" in text


def test_the_cli_page_renders_the_live_help() -> None:
    """In-process comparison too, so a broken cog marker cannot hide a difference."""
    rendered = REFERENCE["reference"]()
    assert rendered in page(CLI_PAGE)
    assert "Create every lease table that is absent" in rendered


# --------------------------------------------------------------------------- JSON page

def _documented(names: tuple[tuple[str, str], ...]) -> list[str]:
    return [name for name, _ in names]


def test_every_field_the_json_can_hold_is_documented_in_the_order_written() -> None:
    """A lease table's row, a resource's row and a preflight row together write exactly
    the fields `JSON_FIELDS` documents: a new field without words fails here."""
    lease = TableResult(LeaseTable("t1", "us-east-1"), OK).to_json()
    resource = TableResult(ResourceRow("t1", "us-east-1", role=rows.ROLE_STREAM_CONSUMER,
                                       resource="stream/s/consumer/t1"), OK).to_json()
    probed = TableResult(LeaseTable("t1", "us-east-1"), OK, untried=()).to_json()
    written = list(dict.fromkeys([*lease, *resource, *probed]))
    assert written == _documented(outcome.JSON_FIELDS)
    text = page(JSON_PAGE)
    for name in written:
        assert f"| `{name}` |" in text, name


def test_the_documents_fields_are_the_ones_written() -> None:
    """`ok`, `tables` and (for an endpoint not AWS's own) `endpoint` from the report,
    `error` from the CLI when a run stops early."""
    written = report.json_document([], endpoint="http://127.0.0.1:5000")
    assert set(written) | {"error"} == set(_documented(report.DOCUMENT_FIELDS))
    assert "endpoint" not in report.json_document([])
    cli = (ROOT / "src" / "lease_tables" / "cli" / "app.py").read_text(encoding="utf-8")
    assert '{"ok": False, "error":' in cli


def test_every_status_is_documented_with_its_exit_code() -> None:
    documented = [status for status, _, _ in outcome.STATUS_MEANINGS]
    assert sorted(documented) == sorted(outcome._EXIT_BY_STATUS)
    text = page(JSON_PAGE)
    for status in documented:
        code = outcome._EXIT_BY_STATUS[status]
        assert re.search(rf"^\| `{re.escape(status)}` \|.*\| {code} \|$", text, re.MULTILINE), (
            status)


def test_every_role_the_code_names_is_on_the_json_page() -> None:
    """Every ROLE_ constant of the modules that make rows, and the footprint's log-group
    rows (their role is the resource kind)."""
    text = page(JSON_PAGE)
    roles = {value for module in (kcl, rows, streams, services, preflight_footprint)
             for name, value in vars(module).items() if name.startswith("ROLE_")}
    roles.add(preflight_footprint.fp.KIND_LOG_GROUP)
    assert len(roles) >= 11
    for role in roles:
        assert f"| `{role}` |" in text, role


def test_every_exit_code_is_documented() -> None:
    codes = {value for name, value in vars(errors).items()
             if name.startswith("EXIT_") and isinstance(value, int)}
    assert [code for code, _ in errors.EXIT_MEANINGS] == sorted(codes)
    assert signals.SIGNAL_EXIT_BASE + signal.SIGINT == errors.EXIT_INTERRUPTED
    assert signals.SIGNAL_EXIT_BASE + signal.SIGTERM == errors.EXIT_TERMINATED
    assert signals.SIGNAL_EXIT_BASE + signals.WINDOWS_NUMBERS["SIGBREAK"] == errors.EXIT_BREAK
    if hasattr(signal, "SIGHUP"):
        assert signals.SIGNAL_EXIT_BASE + signal.SIGHUP == errors.EXIT_HANGUP
    text = page(EXIT_PAGE)
    for code in codes:
        assert f"| {code} |" in text, code


# --------------------------------------------------------------------------- README

def test_the_readme_is_short_and_keeps_the_quick_start() -> None:
    text = page(README)
    assert len(text.splitlines()) <= 300
    quick_start = text.split("## Quick start", 1)[1].split("```", 2)[1]
    assert [line.split("#")[0].strip() for line in quick_start.splitlines()[1:]] == [
        "python3 dev.py demo", "python3 dev.py test"]
    for command in ("lease-tables create", "lease-tables policy --role adapter",
                    "lease-tables preflight", "lease-tables diagnose --log PATH"):
        assert command in text, command


def test_the_readme_links_resolve_into_the_site() -> None:
    """Relative links, so they work on GitHub; each names a file that exists."""
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page(README))
    pages = [link for link in links if link.startswith("docs/")]
    assert len(pages) >= 10
    for link in links:
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link


def test_the_readme_section_the_policy_note_names_exists() -> None:
    """`policy` without the footprint's options says: see the README section "The
    adapter's whole policy"."""
    assert re.search(r"^#+ .*The adapter's whole policy", page(README), re.MULTILINE)


# --------------------------------------------------------------------------- pictures

PICTURES = runpy.run_path(str(ROOT / "tools" / "pictures.py"), run_name="pictures")
CHART = runpy.run_path(str(ROOT / "bench" / "chart.py"), run_name="chart")


@pytest.mark.parametrize("name", [*PICTURES["PICTURES"], "bench-scaling.svg"])
def test_every_picture_exists_and_a_page_shows_it(name: str) -> None:
    picture = DOCS / "img" / name
    assert picture.exists(), f"docs/img/{name} is missing: run `python3 dev.py pictures`"
    svg = picture.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
    if name != "bench-scaling.svg":  # rich's recording, a frame with the run in it
        assert "Generated with Rich" in svg and "lease-tables" in svg
    shown = [p.name for p in DOCS.glob("*.md") if f"(img/{name})" in page(p)]
    assert shown, f"no page shows docs/img/{name}"


def test_the_live_picture_shows_tables_creating_and_the_verdict_passes() -> None:
    """What each picture is for: the wait (rows CREATING), and a passing verdict."""
    def words(name: str) -> str:
        svg = (DOCS / "img" / name).read_text(encoding="utf-8")
        return re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")
    assert words("create-live.svg").count("creating") >= 4
    assert "created" in words("create-summary.svg")
    assert "PREFLIGHT PASSED" in words("preflight-verdict.svg")


def test_the_chart_is_drawn_from_the_results() -> None:
    results = runpy.run_path(str(ROOT / "bench" / "figures.py"))["load"]()
    assert CHART["render"](results) == (DOCS / "img" / "bench-scaling.svg").read_text(
        encoding="utf-8"), "stale chart: run `python3 bench/chart.py`"


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
