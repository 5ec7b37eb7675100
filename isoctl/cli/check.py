"""``isoctl check`` and ``isoctl gap``: validate a workspace and show its coverage."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from isoctl.cli.common import (
    StrictHistoryOption,
    explicit_today,
    note,
    repo_prefix,
    require_full_history,
    show,
    warn_unread,
)
from isoctl.model.result import SEVERITY_RANK, Result

if TYPE_CHECKING:
    from isoctl.core.baseline import Comparison
    from isoctl.core.evaluate import Evaluation


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"
    gitlab = "gitlab"


class GapFormat(str, enum.Enum):
    text = "text"
    json = "json"
    md = "md"
    csv = "csv"
    xlsx = "xlsx"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"


PathArgument = typer.Argument(None, metavar="PATH", help="The workspace, or any path inside it. Default: the current directory.",
                              show_default=False)
TodayOption = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                           help="Evaluate as of this date (YYYY-MM-DD). Default: today.")


def names_stdout(output: Path) -> bool:
    """Whether ``-o`` names stdout: ``-o -``, as for most command-line tools (never a file named ``-``)."""
    return os.fsdecode(output) == "-"


def stdout_if_dash(value: Path | None) -> Path | None:
    """The ``-o`` option's value, None (stdout) for ``-o -``."""
    return None if value is not None and names_stdout(value) else value


OutputOption = typer.Option(None, "--output", "-o", metavar="FILE", help="Write to FILE, or - for stdout (the default).",
                            dir_okay=False, callback=stdout_if_dash)


AtOption = typer.Option(None, "--at", metavar="REV",
                        help="Evaluate the workspace as committed at REV: a commit, tag, branch, or a date "
                             "(the last commit on or before it). Today defaults to that commit's date.")


@contextlib.contextmanager
def opened(path: Path | None, today: str | None, at: str | None, *, select: list[str] | None = None,
           ignore: list[str] | None = None) -> Iterator[Evaluation]:
    """The evaluation every command shares, with the options as the command line gives them; notes go to stderr."""
    from isoctl.cli import keep_until_exit, replay
    from isoctl.core.evaluate import open_evaluation
    from isoctl.workspace.discover import search_start

    with open_evaluation(path, at=at, today=explicit_today(today), select=select or (), ignore=ignore or ()) as evaluation:
        yield evaluation
        replay.workspace(search_start(path), evaluation.root, evaluation.files)
        for message in evaluation.notes:
            note(message)
    keep_until_exit(evaluation)


def evaluated(path: Path | None, today: str | None, at: str | None, *, select: list[str] | None = None,
              ignore: list[str] | None = None) -> Result:
    """The Result of the workspace (see :func:`opened`), with its notes told on stderr."""
    with opened(path, today, at, select=select, ignore=ignore) as evaluation:
        result = evaluation.result()
    for message in result.notes:
        note(message)
    return result


NewSinceOption = typer.Option(None, "--new-since", metavar="REV",
                              help="Fail only on findings not present at REV (a branch such as origin/main, a merge "
                                   "base, a commit or tag): existing ones are let through and fixed ones reported.",
                              rich_help_panel="Gating on change")
BaselineOption = typer.Option(None, "--baseline", metavar="FILE",
                              help="Fail only on findings not in this baseline file, written by 'isoctl baseline "
                                   "write' (usually .isoctl/baseline.json in the workspace).",
                              show_default=False, rich_help_panel="Gating on change")


def check(
    path: Path | None = PathArgument,
    format: CheckFormat | None = typer.Option(None, "--format", "-f", help="Output format. Default: text, or github when GITHUB_ACTIONS=true.", show_default=False),
    output: Path | None = OutputOption,
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help="Exit 1 when a finding is at least this severe."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings (2 still means isoctl could not run)."),
    today: str | None = TodayOption,
    select: list[str] | None = typer.Option(None, "--select", metavar="RULE", help="Run only these rules (repeatable)."),
    ignore: list[str] | None = typer.Option(None, "--ignore", metavar="RULE", help="Do not run these rules (repeatable)."),
    at: str | None = AtOption,
    strict_history: bool = StrictHistoryOption,
    new_since: str | None = NewSinceOption,
    baseline: str | None = BaselineOption,
    watch: bool = typer.Option(False, "--watch", help="Check again each time a file of the workspace changes or a "
                               "commit is made, until Ctrl-C."),
) -> None:
    """Validate every record and report findings and coverage; exit 1 on findings at or above --fail-on."""
    from isoctl.errors import UsageError

    if format is None:
        format = CheckFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else CheckFormat.text
    if new_since is not None and baseline is not None:
        raise UsageError("--new-since and --baseline both say what counts as existing; give one of them")
    if new_since is not None and not new_since.strip():
        raise UsageError("--new-since needs a revision", hint="e.g. --new-since origin/main")
    if watch and at is not None:
        raise UsageError("--watch follows the working tree, and --at names a commit, which never changes",
                         hint="drop --at to watch the working tree")
    if strict_history:
        require_full_history(path, what="the evaluation of the rules that read git history")

    def once() -> tuple[int, Path]:
        """One check: its output shown, its exit code and the root of the workspace it read."""
        comparison: Comparison | None = None
        with opened(path, today, at, select=select, ignore=ignore) as evaluation:
            result = evaluation.result()
            if new_since is not None:
                from isoctl.core.baseline import new_since as compare_with_revision

                comparison = compare_with_revision(evaluation, new_since)
            elif baseline is not None:
                comparison = _against_file(baseline, result)
        for message in result.notes:
            note(message)
        prefix = repo_prefix(path, format.value)
        shown, options = _rendered(result, comparison, format.value, fail_on.value)
        show(shown, "check", format.value, output, prefix=prefix, **options)
        failing = result.failing(fail_on.value) if comparison is None else \
            [f for f in comparison.new if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on.value]]
        if comparison is not None:
            _tell(comparison, len(failing), fail_on.value)
        return (1 if failing and not exit_zero else 0), evaluation.root

    if watch:
        watching(once)
    code = once()[0]
    if code:
        raise typer.Exit(code)


#: How often ``--watch`` looks at the workspace at most (seconds), and the share of one core looking may take: on a
#: workspace whose look takes longer (a look is a stat of every file), it looks less often.
WATCH_EVERY = 0.1
WATCH_SHARE = 0.1
#: How long ``--watch`` lets a change settle before it checks (an editor saving several files, or one in steps).
WATCH_SETTLE = 0.05


def watching(once: Callable[[], tuple[int, Path]]) -> NoReturn:
    """``check --watch``: run ``once``, then again whenever the workspace changes, until Ctrl-C.

    A change is what the replay of an unchanged check looks at (every entry
    below the root by content, and the repository's HEAD, refs and index as
    files), taken after the output is written, so an output file inside the
    workspace is not a change. Each check runs in this same process, so the
    second and later ones import nothing and take the records of unchanged
    files from memory (:func:`isoctl.workspace.record_files.keep_loaded`).
    A later check that cannot run (the manifest deleted, an unreadable
    folder) says why and the watch goes on (a first one ends it, exit 2:
    there is nothing to watch yet); Ctrl-C ends it (exit 130), as does
    anything isoctl cannot recover from (exit 3).
    """
    import gc
    import time

    from isoctl.cli import boundary, keep_until_exit, replay
    from isoctl.errors import IsoctlError
    from isoctl.workspace.discover import shown_root
    from isoctl.workspace.record_files import keep_loaded

    keep_loaded()  # the records of unchanged files stay in memory from one check to the next
    root = once()[1]
    while True:
        sys.stdout.flush()
        keep_until_exit(None)  # the last evaluation is freed now, while nothing changes, not during the next check
        gc.collect()  # the command line runs without the cycle collector; a long watch tidies between checks
        seen = replay.state(root)
        note(f"watching {shown_root(root)} for changes; Ctrl-C ends", label="watch")
        while True:
            looked = time.perf_counter()
            now = replay.state(root)
            if now != seen:
                break
            time.sleep(max(WATCH_EVERY, (time.perf_counter() - looked) / WATCH_SHARE))
        time.sleep(WATCH_SETTLE)
        started = time.perf_counter()
        try:
            root = once()[1]
        except IsoctlError as exc:  # said as a one-off run would say it; the next change may fix it
            boundary.failure(exc)
        note(f"checked again after a change in {time.perf_counter() - started:.2f} s", label="watch")


def _against_file(given: str, result: Result) -> Comparison:
    """The comparison with the baseline file ``given`` (relative to the current directory, as every path option)."""
    from isoctl.core.baseline import compare, read

    findings, guid = read(Path(given), given)
    return compare(result.findings, findings, against=given, commit=None, guid=guid)


def _rendered(result: Result, comparison: Comparison | None, fmt: str, fail_on: str) -> tuple[Result, dict[str, object]]:
    """What each format gets when gating on change (see docs/ci.md, "Gating on change").

    json, sarif and junit mark every finding new or existing (and list the
    fixed ones); text and github show only the new findings, which are what a
    change is answerable for; gitlab gets every finding, since GitLab itself
    compares a merge request's report with the target branch's by fingerprint.
    """
    options: dict[str, object] = {"fail_on": fail_on} if fmt == "junit" else {}
    if comparison is None:
        return result, options
    if fmt in ("json", "sarif", "junit"):
        return result, {**options, "baseline": comparison}
    if fmt == "text":
        return dataclasses.replace(result, findings=comparison.new), {**options, "existing": len(comparison.unchanged)}
    if fmt == "github":
        return dataclasses.replace(result, findings=comparison.new), options
    return result, options


def _tell(comparison: Comparison, failing: int, fail_on: str) -> None:
    """The stderr note on what the comparison let through, failed and found fixed."""
    from isoctl.history.record_changes import plural

    new, existing, fixed = len(comparison.new), len(comparison.unchanged), len(comparison.absent)
    parts = [f"{plural(new, 'new finding')}" + (f" ({failing} at or above --fail-on {fail_on})" if new else "")]
    parts.append(f"{plural(existing, 'existing finding')} let through")
    parts.append(f"{plural(fixed, 'finding')} fixed")
    note(f"compared with {comparison.label}: " + ", ".join(parts))


def gap(
    path: Path | None = PathArgument,
    standard: str | None = typer.Option(None, "--standard", "-s", metavar="FAMILY", help="Only this standard (iso9001 or iso9001-2015)."),
    format: GapFormat = typer.Option(GapFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
    at: str | None = AtOption,
) -> None:
    """Show the clause-by-clause coverage matrix: status, evidencing records and reasons."""
    result = evaluated(path, today, at)
    warn_unread(result.unread(), "this matrix")
    if standard is not None:
        from isoctl.catalog.refs import normalise_edition
        from isoctl.errors import UsageError

        wanted = normalise_edition(standard)
        in_scope = {c.standard for c in result.coverage}
        if not any(s == wanted or s.split("-")[0] == wanted for s in in_scope):
            raise UsageError(f"--standard {standard}: not in scope; in scope: {', '.join(sorted(in_scope))}")
        standard = wanted
    show(result, "gap", format.value, output, standard=standard)
