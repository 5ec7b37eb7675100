"""``isoctl check`` and ``isoctl gap``: validate a workspace and show its coverage."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from isoctl.model.result import Result

if TYPE_CHECKING:
    from isoctl.history.git import CommitInfo
    from isoctl.workspace.load import Workspace
from isoctl.cli.common import emit, handles_errors, parse_today, stdout_is_terminal, terminal_width


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


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"


PathArgument = typer.Argument(None, metavar="PATH", help="The workspace, or any path inside it. Default: the current directory.",
                              show_default=False)
TodayOption = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                           help="Evaluate as of this date (YYYY-MM-DD). Default: today.")
OutputOption = typer.Option(None, "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.",
                            dir_okay=False)


AtOption = typer.Option(None, "--at", metavar="REV",
                        help="Evaluate the workspace as committed at REV: a commit, tag, branch, or a date "
                             "(the last commit on or before it). Today defaults to that commit's date.")


@contextlib.contextmanager
def loaded(path: Path | None, today: str | None, at: str | None) -> Iterator[tuple[Workspace, dt.date, str | None, bool]]:
    """The workspace (now, or as committed at ``at``), the evaluation date, its commit and whether it is dirty.

    With ``at``, today defaults to that commit's date and uncommitted changes
    are ignored (and the user is told so).
    """
    from isoctl.history import git
    from isoctl.workspace.load import find_workspace, load_workspace

    if at is None:
        day = parse_today(today)
        workspace = load_workspace(path)
        commit, dirty = git.head_state(workspace.root)
        yield workspace, day, commit, dirty
        workspace.save_cache()
        return
    root = find_workspace(path)
    with git.snapshot(root, at) as snap:
        workspace = load_workspace(root, snapshot=snap)
        day = parse_today(today) if today else snap.committed.date()  # --today or ISOCTL_TODAY win
        if git.head_state(root)[1]:
            typer.echo("note: uncommitted changes are ignored with --at", err=True)
        yield workspace, day, snap.commit, False
        workspace.save_cache()


def _analyse(path: Path | None, today: str | None, select: list[str] | None = None, ignore: list[str] | None = None,
             at: str | None = None) -> Result:
    from isoctl.core.analyse import check_rule_names, shown_root

    check_rule_names(select or [], "--select")
    check_rule_names(ignore or [], "--ignore")
    if at is None:  # an unchanged workspace checked again: the result is in the cache
        from isoctl.core import results as result_cache
        from isoctl.history import git
        from isoctl.workspace.load import find_workspace

        root = find_workspace(path)
        commit, dirty = git.head_state(root)
        options = ("check", parse_today(today).isoformat(), sorted(select or []), sorted(ignore or []), commit, dirty,
                   git.is_shallow(root) if commit else False)
        key = result_cache.fingerprint(root, options)
        hit = result_cache.load(key)
        if hit is not None:
            hit.workspace.root = shown_root(root)
            return hit
        result = _fresh(path, today, select, ignore, None)
        result_cache.store(key, result)
        return result
    # a commit never changes: the result at it is cached by its sha and the options
    from isoctl.core import results as result_cache
    from isoctl.history import git
    from isoctl.workspace.load import find_workspace

    root = find_workspace(path)
    sha = git.commit_of(root, at)
    key = result_cache.at_commit(root, sha, ("check", today, sorted(select or []), sorted(ignore or [])))
    hit = result_cache.load(key)
    if hit is not None:
        if git.head_state(root)[1]:
            typer.echo("note: uncommitted changes are ignored with --at", err=True)
        hit.workspace.root = shown_root(root)
        return hit
    result = _fresh(path, today, select, ignore, sha)
    result_cache.store(key, result)
    return result


def _fresh(path: Path | None, today: str | None, select: list[str] | None, ignore: list[str] | None,
           at: str | None) -> Result:
    from isoctl.core.analyse import analyse

    with loaded(path, today, at) as (workspace, day, commit, dirty):
        history, shallow = _history(workspace, commit)
        return analyse(workspace, day, select=select or [], ignore=ignore or [], commit=commit, dirty=dirty,
                       history=history, shallow=shallow)


HISTORY_RULES = ("pre-audit-scramble", "single-contributor")


def _history(workspace: Workspace, commit: str | None) -> tuple[list[CommitInfo] | None, bool]:
    """The commits up to ``commit``, read only when a history rule is on (one ``git log`` call)."""
    from isoctl.history import git

    rules = workspace.manifest.rules
    if commit is None or all(rules.get(name) == "off" for name in HISTORY_RULES):
        return None, False
    shallow = git.is_shallow(workspace.root)
    if shallow:
        typer.echo("note: this is a shallow clone, so the history rules (pre-audit-scramble, single-contributor) "
                   "were skipped; run 'git fetch --unshallow' for the full history", err=True)
    return git.log(workspace.root, until=commit), shallow


@handles_errors
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
) -> None:
    """Validate every record and report findings and coverage; exit 1 on findings at or above --fail-on."""
    if format is None:
        format = CheckFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else CheckFormat.text
    result = _analyse(path, today, select, ignore, at)
    if format is CheckFormat.text:
        from isoctl.render import text

        color = output is None and stdout_is_terminal()
        emit(text.render(result, color=color, width=terminal_width()), output)
    else:
        from importlib import import_module

        module = import_module(f"isoctl.render.{'json_format' if format is CheckFormat.json else format.value}")
        emit(module.render(result), output)
    if result.failing(fail_on.value) and not exit_zero:
        raise typer.Exit(1)


@handles_errors
def gap(
    path: Path | None = PathArgument,
    standard: str | None = typer.Option(None, "--standard", "-s", metavar="FAMILY", help="Only this standard (iso9001 or iso9001-2015)."),
    format: GapFormat = typer.Option(GapFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
    at: str | None = AtOption,
) -> None:
    """Show the clause-by-clause coverage matrix: status, evidencing records and reasons."""
    from isoctl.render import gap as render_gap

    result = _analyse(path, today, at=at)
    if standard is not None:
        from isoctl.catalog.refs import normalise_edition
        from isoctl.errors import UsageError

        wanted = normalise_edition(standard)
        in_scope = {c.standard for c in result.coverage}
        if not any(s == wanted or s.split("-")[0] == wanted for s in in_scope):
            raise UsageError(f"--standard {standard}: not in scope; in scope: {', '.join(sorted(in_scope))}")
        standard = wanted
    color = output is None and stdout_is_terminal()
    emit(render_gap.render(result, format.value, standard=standard, color=color, width=terminal_width()), output)
