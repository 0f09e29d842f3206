#!/usr/bin/env python3
"""Development and delivery commands; run `python3 dev.py` for the list.

Every command works on a fresh machine with Python 3.10+ and nothing else installed
by hand: they make `.venv/` beside this file and install the development tools there
from the lock, `requirements/dev.txt` (exact versions with hashes, one file for
Python 3.10-3.13 on Linux and Windows), then lease-tables itself with `--no-deps`.

    demo       start a local DynamoDB-compatible endpoint (moto_server) on 127.0.0.1,
               run `create` then `verify` on `sample_conf/`, and stop it
    test       ruff, mypy, lint-imports, vulture and the whole pytest suite against the lock
               (pytest options pass on);
               `test --floors [--python PY]` runs the floors check below instead
    floors     a fresh venv with every runtime dependency at exactly its declared floor
               (and the build requirement at its floor), then the smoke run
    lock       re-resolve requirements/dev.txt from pyproject.toml to the newest releases
    mutate     mutation testing (mutmut) of the pure modules with their fast unit tests:
               a score per module, and exit 1 when a surviving mutant is not in the
               reviewed list docs/mutation-equivalents.txt (`mutate [MODULE...]`)
    bundle     an offline installer zip for one platform and Python version
    freeze     a Python-free build of lease-tables for this platform (PyInstaller)
    kcl-proof  run the real KCL 3.1.3 (Java 17) on tables from `create --kcl 3.1` and on
               four broken layouts, CreateTable/UpdateTable denied, every call held
               against the adapter policy; prints what KCL called and whether it started
               (`kcl-proof --positive-only`, `--keep DIR` for its logs)
    kcl-logs   capture the real KCL's own logs (3.1.3, and 3.0.3 from its wheel, installed
               into .cache/) in each situation the KCL harness makes: the test data of
               `diagnose`, in tests/data/kcl-logs/ (`--out DIR`, `--situation NAME`,
               `--kcl VERSION`); one JVM at a time, about twelve minutes
    pictures   the documentation's terminal pictures (docs/img/), recorded by rich from
               real runs against local servers, and the benchmark chart
    snapshots  after a deliberate rewording: rewrite the message texts the tests pin with
               `snapshot("...")` (inline-snapshot), wrapped to the line limit, then run
               those tests again (`snapshots [pytest args]`, default `-m "not slow"`)

Written in Python rather than shell so it runs the same on Windows.
"""

# This file only reads the command line: each command is a module of tools/ (the
# standard library only, so it runs before .venv exists; docs/testing.md lists them).

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from tools.bundle import PLATFORMS, bundle
from tools.demo import demo
from tools.floors import floors
from tools.freeze import freeze
from tools.kcl_logs import kcl_logs
from tools.kcl_proof import kcl_proof
from tools.lock import lock
from tools.mutate import MUTATE_DEFAULT, MUTATE_KNOWN, mutate
from tools.pictures import pictures
from tools.snapshots import snapshots
from tools.test import test


def main(argv: list[str]) -> int:
    commands = ("demo", "test", "floors", "lock", "mutate", "bundle", "freeze", "kcl-proof",
                "kcl-logs", "pictures", "snapshots")
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        print("usage: python3 dev.py " + " | ".join(commands), file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return demo()
    if command == "test":
        return test(rest)
    if command == "lock":
        return lock(rest)
    if command == "kcl-proof":
        return kcl_proof(rest)
    if command == "kcl-logs":
        return kcl_logs(rest)
    if command == "pictures":
        return pictures()
    if command == "snapshots":
        return snapshots(rest)
    parser = argparse.ArgumentParser(prog=f"dev.py {command}")
    if command == "mutate":
        also = " ".join(module for module in MUTATE_KNOWN if module not in MUTATE_DEFAULT)
        parser.add_argument("modules", nargs="*", metavar="MODULE",
                            help=f"modules of src/lease_tables (default: "
                                 f"{' '.join(MUTATE_DEFAULT)}; also: {also})")
        parser.add_argument("--workers", type=int, default=2,
                            help="test processes at once (default 2: the machine is shared)")
        parser.add_argument("--fresh", action="store_true",
                            help="forget earlier verdicts (mutants/) and test every mutant")
        args = parser.parse_args(rest)
        return mutate(args.modules, args.workers, args.fresh)
    if command == "floors":
        parser.add_argument("--python", help="the Python to check (default: this one)")
        return floors(parser.parse_args(rest).python)
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    if command == "bundle":
        parser.add_argument("--platform", required=True, choices=sorted(PLATFORMS))
        parser.add_argument("--python-version", required=True, help="target Python, e.g. 3.11")
        args = parser.parse_args(rest)
        bundle(args.platform, args.python_version, args.out.resolve())
        return 0
    freeze(parser.parse_args(rest).out.resolve())
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        command = " ".join(str(part) for part in exc.cmd)
        sys.exit(f"dev.py: this step failed with exit code {exc.returncode}: {command}")
