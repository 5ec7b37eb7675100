"""``check --format github``: GitHub Actions workflow commands that annotate the files.

GitHub turns ``::error file=...,line=...::message`` lines in a step's log into
annotations on the pull request diff. It shows at most 10 annotations per
level per step and 50 per job and silently drops the rest, so we choose which
ones survive: the most severe first, at most ``limit`` commands in all, and
when some had to be cut, a final notice (counted within ``limit``, and kept
among the first ten notices) that says how many and where to see them. The
last line is plain log text with the counts and readiness, for people reading
the raw log.

Paths are relative to the git repository root, which is where GitHub looks
for the file: a workspace in ``compliance/`` of a product repository annotates
``compliance/actions/log.yaml``. The caller gives that prefix (see
:func:`isoctl.history.git.repo_prefix`); outside git there is none.

Escaping follows the runner's rules (actions/toolkit ``command.ts``): data
escapes ``%``, CR and LF; property values additionally ``:`` and ``,``.
"""

from __future__ import annotations

from isoctl.model.result import SEVERITY_RANK, Finding, Result

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
#: GitHub's per-level cap in one step; the summary notice must stay within it to be seen.
LEVEL_CAP = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, prefix: str = "") -> str:
    """One ``::error``/``::warning``/``::notice`` command for a finding; ``prefix`` is the workspace's path in its repository."""
    properties = (
        ("file", prefix + finding.path),
        ("line", str(finding.line)),
        ("col", str(finding.column)),
        ("title", finding.rule),
    )
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(finding.message)}"


def _select(findings: list[Finding], limit: int) -> list[Finding]:
    if len(findings) <= limit:
        return findings
    # Room for the summary notice, and no more than nine notices ahead of it.
    shown = findings[: limit - 1]
    notices = [f for f in shown if f.severity == "info"]
    if len(notices) > LEVEL_CAP - 1:
        shown = shown[: len(shown) - (len(notices) - (LEVEL_CAP - 1))]
    return shown


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 or word == "info" else "s")


def plain_summary(result: Result) -> str:
    """Counts and readiness as ordinary log text (not a command), for people reading the raw log."""
    counts = result.counts()
    line = "isoctl: " + ", ".join(_plural(counts[s], s) for s in ("error", "warning", "info"))
    line += f" in {_plural(result.records, 'record')} ({_plural(result.files, 'file')})"
    if result.coverage:
        line += "; readiness " + ", ".join(f"{c.standard} {c.readiness:.0%}" for c in result.coverage)
    return line


def render(result: Result, *, limit: int = 50, prefix: str = "") -> str:
    """Workflow commands for at most ``limit`` (at least 1) annotations, then the plain summary line.

    ``prefix`` (``"compliance/"``) makes every path relative to the repository root.
    """
    limit = max(limit, 1)
    ordered = sorted(result.findings, key=lambda f: (-SEVERITY_RANK[f.severity], *f.sort_key()))
    shown = _select(ordered, limit)
    lines = [annotation(f, prefix) for f in shown]
    if len(shown) < len(ordered):
        cut = ordered[len(shown):]
        count = {s: sum(f.severity == s for f in cut) for s in ("error", "warning", "info")}
        lines.append(
            f"::notice title=isoctl::{len(cut)} more findings not shown as annotations "
            f"({count['error']} errors, {count['warning']} warnings, {count['info']} info); "
            "run isoctl check for the full list"
        )
    lines.append(plain_summary(result))
    return "\n".join(lines) + "\n"
