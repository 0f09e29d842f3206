"""`dev.py mutate`: mutation testing (mutmut) of the pure modules with their fast unit tests.

A score per module, and exit 1 when a surviving mutant is not in the reviewed list
docs/mutation-equivalents.txt (docs/testing.md says how to read and keep it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tools.paths import PYTHON, ROOT, VENV, WINDOWS, venv_script
from tools.step import say
from tools.venv import ensure_venv

# The modules `mutate` checks by default, and those it also knows (tested mostly end to end).
# Named by their path under lease_tables (`config.ris`); a mutant's key in the reviewed list
# starts with the module's own name (`ris.kind_of | ...`).
MUTATE_DEFAULT = ("config.ris", "config.naming", "model.spec", "render.policy",
                  "config.selection", "model.outcome", "model.kcl", "provision.plan",
                  "model.rows", "preflight.answers", "preflight.groups", "core.polling",
                  "model.probes", "model.consumers", "model.footprint", "aws.failures")
MUTATE_KNOWN = (*MUTATE_DEFAULT, "core.printable")
EQUIVALENTS = ROOT / "docs" / "mutation-equivalents.txt"
MUTANTS = ROOT / "mutants"  # mutmut's work folder (git-ignored)
# mutmut's verdicts (its exit codes per mutant) that count as killed.
KILLED_CODES = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout",
                152: "timeout", 255: "timeout", 37: "type check"}
SURVIVED_CODES = {0: "survived", 5: "no tests", 33: "no tests", None: "not checked"}

# Prints {mutant name: the mutmut diff} for the names on stdin, one process for all.
_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({name: get_diff_for_mutant(name) for name in sys.stdin.read().split()}))
"""


def mutant_function(name: str) -> str:
    """`lease_tables.config.naming.x__merge__mutmut_3` -> `naming._merge`, and for a method
    `lease_tables.model.spec.x\u01c1TableOptions\u01c1describe__mutmut_3` ->
    `spec.TableOptions.describe`.
    """
    path, _, function = name.rpartition("__mutmut_")[0].removeprefix("lease_tables.") \
        .rpartition(".")
    module = path.rpartition(".")[2]
    if function.startswith("x\u01c1"):
        function = ".".join(part for part in function[1:].split("\u01c1") if part)
    else:
        function = function.removeprefix("x_")
    return f"{module}.{function}"


def mutant_key(name: str, diff: str) -> str:
    """A stable description of a mutant: its function and the code it puts in, without
    mutmut's run-specific number (which shifts when the function changes)."""
    lines = diff.splitlines()[2:]  # after the ---/+++ header
    added = [line[1:].strip() for line in lines if line.startswith("+")]
    removed = [line[1:].strip() for line in lines if line.startswith("-")]
    code = " / ".join(added) if added else "without " + " / ".join(removed)
    return f"{mutant_function(name)} | {code}"


def read_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """The reviewed list: `module.function | mutated code` lines, each followed by an
    indented line with the reason it changes no behaviour. `#` lines are comments."""
    entries: dict[str, str] = {}
    key = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            if key is not None:
                raise ValueError(f"{path.name}:{number - 1}: {key!r} has no reason line")
            key = raw.strip()
        elif key is None:
            raise ValueError(f"{path.name}:{number}: a reason without a mutant above it")
        else:
            entries[key] = raw.strip()
            key = None
    if key is not None:
        raise ValueError(f"{path.name}: the last entry {key!r} has no reason line")
    return entries


def mutant_diffs(names: Sequence[str]) -> dict[str, str]:
    """mutmut's diff of each mutant, asked of mutmut in .venv (this Python has none)."""
    if not names:
        return {}
    result = subprocess.run([str(PYTHON), "-c", _DIFFS], input="\n".join(names), text=True,
                            capture_output=True, cwd=ROOT, check=True)
    diffs: dict[str, str] = json.loads(result.stdout)
    return diffs


def mutate(modules: Sequence[str], workers: int, fresh: bool) -> int:
    """mutmut over `modules`, a score per module, survivors against the reviewed list."""
    if WINDOWS:
        print("dev.py mutate: mutmut needs fork(); run it on Linux or macOS.", file=sys.stderr)
        return 2
    unknown = sorted(set(modules) - set(MUTATE_KNOWN))
    if unknown:
        print(f"dev.py mutate: unknown module(s) {', '.join(unknown)}; known: "
              f"{', '.join(MUTATE_KNOWN)}", file=sys.stderr)
        return 2
    modules = list(dict.fromkeys(modules or MUTATE_DEFAULT))
    equivalents = read_equivalents()
    ensure_venv()
    if fresh:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    MUTANTS.mkdir(exist_ok=True)
    log = MUTANTS / "dev-mutate.log"
    # The end-to-end tests skip themselves: they would run the installed code, not the
    # mutant. A derandomised hypothesis profile with few examples (tests/conftest.py), so
    # a verdict does not vary by chance and property tests do not dominate the run.
    env = {**os.environ, "LEASE_TABLES_FAST_TESTS_ONLY": "1", "HYPOTHESIS_PROFILE": "mutate"}
    say(f"mutmut over {', '.join(modules)} with {workers} worker(s); log: "
        f"{log.relative_to(ROOT)}")
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(
            [str(venv_script(VENV, "mutmut")), "run", "--max-children", str(workers),
             *(f"lease_tables.{module}.*" for module in modules)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    elapsed = time.monotonic() - started
    if code != 0:
        print(log.read_text(encoding="utf-8", errors="replace")[-3000:])
        say(f"mutmut failed (exit {code}); see {log.relative_to(ROOT)}")
        return code
    survivors: list[str] = []
    rows = []
    for module in modules:
        meta = MUTANTS / "src" / "lease_tables" / f"{module.replace('.', '/')}.py.meta"
        verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        killed = sum(1 for c in verdicts.values() if c in KILLED_CODES)
        alive = sorted((n for n, c in verdicts.items() if c not in KILLED_CODES),
                       key=lambda n: int(n.rpartition("_")[2]))
        survivors += alive
        rows.append((module, len(verdicts), killed, alive))
    diffs = mutant_diffs(survivors)
    keys = {name: mutant_key(name, diffs[name]) for name in survivors}
    unlisted = [name for name in survivors if keys[name] not in equivalents]
    say("mutation score per module (equivalent: a listed survivor that changes no behaviour)")
    print(f"  {'module':<10} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'unlisted':>8}"
          f" {'killed/total':>13} {'killed/non-equivalent':>22}")
    for module, total, killed, alive in rows:
        equivalent = sum(1 for name in alive if keys[name] in equivalents)
        real = total - equivalent
        print(f"  {module:<10} {total:>7} {killed:>7} {equivalent:>7} "
              f"{len(alive) - equivalent:>8} {killed / max(total, 1):>13.1%} "
              f"{killed / max(real, 1):>22.1%}")
    stale = sorted(key for key in set(equivalents) - set(keys.values())
                   if key.partition(".")[0] in {m.rpartition(".")[2] for m in modules})
    if stale:
        say(f"{len(stale)} listed equivalent(s) no longer survive; remove them from "
            f"{EQUIVALENTS.relative_to(ROOT)}:")
        for key in stale:
            print(f"  {key}")
    say(f"mutmut took {elapsed / 60:.1f} min")
    if unlisted:
        say(f"{len(unlisted)} surviving mutant(s) not in {EQUIVALENTS.relative_to(ROOT)}: "
            f"write a test that kills each, or (only if it changes no behaviour) list it "
            f"with its reason")
        for name in unlisted:
            status = SURVIVED_CODES.get(verdicts_of(name), "suspicious")
            print(f"\n  {keys[name]}\n    ({name}: {status})")
            print("\n".join("      " + line for line in diffs[name].splitlines()[2:]))
        return 1
    say("every surviving mutant is a reviewed equivalent")
    return 0


def verdicts_of(name: str) -> int | None:
    module = name.removeprefix("lease_tables.").rpartition(".")[0]
    meta = MUTANTS / "src" / "lease_tables" / f"{module.replace('.', '/')}.py.meta"
    verdict: int | None = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].get(name)
    return verdict
