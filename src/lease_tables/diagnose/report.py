"""A diagnosis in words (text, one finding a line) and as the JSON object scripts read.

Every log text is escaped and redacted on its way in (`judge` passes samples
through `printable.aws_text`); names and paths are escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from lease_tables.core.printable import clean, row
from lease_tables.diagnose.judge import Finding
from lease_tables.diagnose.run import Diagnosis


def _times(finding: Finding) -> str:
    if finding.first_seen and finding.last_seen and finding.first_seen != finding.last_seen:
        return f", {finding.first_seen} to {finding.last_seen}"
    return f", {finding.first_seen}" if finding.first_seen else ""


def finding_line(finding: Finding) -> str:
    """cause, application, resource and action, count, times, sample, fix: one line."""
    what = " ".join(clean(part) for part in (finding.action, finding.resource) if part)
    if finding.action and finding.resource:
        what = f"{clean(finding.action)} on {clean(finding.resource)}"
    times = "1 time" if finding.count == 1 else f"{finding.count:,} times"
    parts = [f"{finding.cause}: {clean(finding.application or '(application not named)')}"]
    if what:
        parts.append(what)
    parts.append(f"{times}{_times(finding)}")
    parts.append(f"log: {finding.evidence}")
    parts.append(f"fix: {finding.fix}")
    return row("; ".join(parts))


def read_lines(diagnosis: Diagnosis) -> list[str]:
    """What was read: files, lines, time span, applications, retrieval, KCL versions."""
    verdict = diagnosis.verdict
    files = ", ".join(
        f"{clean(r.file.path)} ({r.file.size:,} bytes, {r.encoding}"
        + (f", {r.windows_1252_lines:,} lines windows-1252" if r.windows_1252_lines else "")
        + ")" for r in reversed(diagnosis.readings))
    span = ""
    if diagnosis.first_time or diagnosis.last_time:
        span = f"; {diagnosis.first_time or '?'} to {diagnosis.last_time or '?'}"
    seen = ", ".join(verdict.versions) or "none shown"
    kcl = (f"versions in the log: {seen}; the fixes use --kcl {verdict.kcl}"
           + (" (KCL 3.0-3.4's tables)" if verdict.kcl_assumed
              else "" if verdict.versions else " (--kcl, or the default)"))
    names = ", ".join(clean(a) for a in verdict.applications) or "none named"
    starts = (f"the most recent start {verdict.last_start or 'at an unknown time'}"
              if verdict.starts
              else "no KCL start in what was read: everything read was judged")
    return [
        row(f"read: {len(diagnosis.readings)} file{'s' if len(diagnosis.readings) != 1 else ''}"
            f" newest first: {files}{span}"),
        row(f"read: applications (lease tables): {names}; streams: "
            f"{', '.join(clean(s) for s in verdict.streams) or 'none named'}; retrieval: "
            f"{', '.join(verdict.retrieval) or 'not shown'}; KCL {kcl}; {starts}"),
    ]


def verdict_line(diagnosis: Diagnosis) -> str:
    verdict = diagnosis.verdict
    if verdict.findings:
        count = len(verdict.findings)
        return (f"{count} finding{'s' if count != 1 else ''} at the most recent start; "
                f"fix them in the order shown, then restart the adapter.")
    if verdict.unexplained_failures:
        return (f"KCL failed {verdict.unexplained_failures} initialization attempt(s) since "
                f"the most recent start for a reason this tool does not recognise: read the "
                f"exceptions after \"Caught exception when initializing LeaseCoordinator\".")
    started = " KCL initialized." if verdict.started else ""
    return f"Nothing wrong at the most recent start in what was read.{started}"


def text(diagnosis: Diagnosis) -> list[str]:
    verdict = diagnosis.verdict
    lines = [finding_line(f) for f in verdict.findings]
    if verdict.earlier:
        lines.append("earlier (before the most recent start; does not decide the exit code):")
        lines += ["  " + finding_line(f) for f in verdict.earlier]
    return [*lines, *read_lines(diagnosis), verdict_line(diagnosis)]


def to_json(diagnosis: Diagnosis) -> dict[str, object]:
    verdict = diagnosis.verdict
    files: Sequence[dict[str, object]] = [
        {"path": str(r.file.path), "bytes": r.file.size,
         "encoding": r.encoding, "windows_1252_lines": r.windows_1252_lines,
         "modified": r.file.modified}
        for r in reversed(diagnosis.readings)]
    return {
        "ok": verdict.ok,
        "findings": [f.to_json() for f in verdict.findings],
        "earlier": [f.to_json() for f in verdict.earlier],
        "read": {
            "files": files,
            "bytes": sum(r.file.size for r in diagnosis.readings),
            "first_seen": diagnosis.first_time, "last_seen": diagnosis.last_time,
            "applications": list(verdict.applications), "streams": list(verdict.streams),
            "retrieval": list(verdict.retrieval), "kcl_versions": list(verdict.versions),
            "kcl": verdict.kcl, "kcl_assumed": verdict.kcl_assumed,
            "last_start": verdict.last_start,
            "initialized": verdict.started,
            "unexplained_failures": verdict.unexplained_failures,
            "summary": verdict_line(diagnosis),
        },
    }
