"""Shallow clones (every CI checkout by default): a revision or day that cannot be found because the history was not
fetched is named as such, with the command that fetches it, and exits 2; ``--strict-history`` refuses partial
history on every command that reads it.

The clones are real: ``git clone --depth N file://...`` of a repository with dated commits.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import Cli, GitRepo, Run, make_workspace

TODAY = "2026-11-21"

ACTION = """\
id: ACT-{n:04d}
kind: action
title: Action {n}
owner: akhan
type: improvement
source: suggestion
raised_on: 2026-0{n}-01
raised_by: akhan
description: Something to improve.
due: 2026-12-31
status: open
"""


def build(root: Path, folder: str = "") -> GitRepo:
    """A repository whose workspace (at the top, or in ``folder``) has four dated commits, the last on 2026-05-04."""
    repo = GitRepo.init(root)
    if folder:
        repo.commit("code", files={"src/app.py": "\n"}, date="2026-01-05")
    workspace = repo.root / folder if folder else repo.root
    make_workspace(workspace)
    repo.commit("start", date="2026-02-02")
    for n in (3, 4, 5):
        make_workspace(workspace, {f"actions/act-{n}.yaml": ACTION.format(n=n)})
        repo.commit(f"action {n}", date=f"2026-0{n}-04")
    return repo


@pytest.fixture
def origin(tmp_path: Path) -> GitRepo:
    return build(tmp_path / "origin")


@pytest.fixture
def shallow(origin: GitRepo, tmp_path: Path) -> Path:
    """A clone holding only the last commit (2026-05-04), as ``actions/checkout`` makes by default."""
    return origin.clone(tmp_path / "ci", depth=1).root


def names_the_shallow_clone(run: Run) -> None:
    """Exit 2, the shallow clone named as the cause, and how to fetch the history (locally, on GitHub, on GitLab)."""
    run.expect(2, "shallow clone")
    text = run.stderr
    assert "git fetch --unshallow" in text and "fetch-depth: 0" in text and "GIT_DEPTH: 0" in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize("args", [
    ["diff", "HEAD~1"],
    ["diff", "HEAD~3", "HEAD"],
    ["diff", "2026-03-10"],
    ["check", "--at", "2026-03-10"],
    ["check", "--at", "HEAD~2"],
    ["check", "--at", "main^"],
    ["gap", "--at", "HEAD~1"],
    ["report", "--since", "2026-03-10", "-f", "md"],
    ["report", "--since", "HEAD~1", "-f", "md"],
    ["report", "--at", "HEAD~1", "-f", "md"],
    ["history", "--since", "HEAD~1"],
    ["pulse", "--since", "HEAD~1"],
], ids=lambda args: " ".join(args))
def test_missing_history_is_named_with_the_command_that_fetches_it(cli: Cli, shallow: Path, args: list[str]) -> None:
    run = cli(*args, "--today", TODAY, cwd=shallow)
    names_the_shallow_clone(run)
    assert "unknown revision" not in run.stderr  # HEAD~1 exists; it was not fetched


def test_day_before_the_oldest_commit_names_that_commit(cli: Cli, shallow: Path) -> None:
    run = cli("check", "--at", "2026-03-10", cwd=shallow)
    names_the_shallow_clone(run)
    assert "no commit on or before 2026-03-10 in this shallow clone" in run.stderr
    assert "of 2026-05-04" in run.stderr  # where the fetched history starts


def test_an_unfetched_branch_may_be_missing_history(cli: Cli, origin: GitRepo, tmp_path: Path) -> None:
    """``actions/checkout`` fetches one ref: origin/main is absent in a pull request's shallow checkout."""
    origin.branch("feature")
    origin.commit("feature work", files={"notes.md": "x\n"}, date="2026-05-10")
    clone = origin.clone(tmp_path / "pr", depth=1).root
    run = cli("diff", "origin/main", cwd=clone)
    names_the_shallow_clone(run)
    assert "unknown revision 'origin/main' in a shallow clone" in run.stderr


def test_revisions_inside_the_fetched_history_still_work(cli: Cli, origin: GitRepo, tmp_path: Path) -> None:
    clone = origin.clone(tmp_path / "deeper", depth=2).root
    compared = cli("diff", "HEAD~1", "--today", TODAY, cwd=clone).expect(0, "ACT-0005")
    assert "warning: this is a shallow clone" in compared.stderr  # the history rules were skipped on both sides
    at = cli("check", "--at", "2026-04-20", "--today", TODAY, "-f", "json", cwd=clone).expect(1)  # unmapped clauses
    assert '"commit": "' + origin.sha("HEAD~1") in at.stdout
    names_the_shallow_clone(cli("diff", "HEAD~2", cwd=clone))
    names_the_shallow_clone(cli("check", "--at", "2026-04-01", cwd=clone))


def test_a_full_clone_keeps_the_plain_messages(cli: Cli, origin: GitRepo, tmp_path: Path) -> None:
    full = origin.clone(tmp_path / "full").root
    run = cli("diff", "HEAD~9", cwd=full).expect(2, "unknown revision 'HEAD~9'")
    assert "shallow" not in run.stderr
    run = cli("check", "--at", "2025-12-31", cwd=full).expect(2, "no commit on or before 2025-12-31")
    assert "shallow" not in run.stderr
    cli("diff", "HEAD~3", "--today", TODAY, cwd=full).expect(0)


def test_a_workspace_in_a_folder_of_a_shallow_clone(cli: Cli, tmp_path: Path) -> None:
    origin = build(tmp_path / "product", folder="compliance")
    clone = origin.clone(tmp_path / "ci", depth=1).root
    names_the_shallow_clone(cli("diff", "HEAD~1", "--path", "compliance", cwd=clone))
    names_the_shallow_clone(cli("check", "compliance", "--at", "2026-03-10", cwd=clone))
    names_the_shallow_clone(cli("report", "--since", "HEAD~1", "-f", "md", cwd=clone / "compliance" / "actions"))


# --strict-history ------------------------------------------------------------------------------------------------

STRICT = [["check"], ["check", "--at", "HEAD"], ["diff", "HEAD"], ["report", "-f", "md"], ["history"], ["pulse"]]


@pytest.mark.parametrize("args", STRICT, ids=lambda args: " ".join(args))
def test_strict_history_refuses_a_shallow_clone(cli: Cli, shallow: Path, args: list[str]) -> None:
    run = cli(*args, "--strict-history", "--today", TODAY, cwd=shallow)
    run.expect(2, "this is a shallow clone")
    assert "git fetch --unshallow" in run.stderr and "fetch-depth: 0" in run.stderr
    assert run.stdout == ""  # refused before any output


@pytest.mark.parametrize("args", STRICT, ids=lambda args: " ".join(args))
def test_strict_history_accepts_the_full_history(cli: Cli, origin: GitRepo, tmp_path: Path, args: list[str]) -> None:
    full = origin.clone(tmp_path / "full").root
    run = cli(*args, "--strict-history", "--today", TODAY, cwd=full)
    assert run.exit_code in (0, 1), run.stderr  # check exits 1 on the workspace's findings
    assert "shallow" not in run.stderr


def test_without_strict_history_the_report_warns_and_renders(cli: Cli, shallow: Path) -> None:
    run = cli("report", "-f", "md", "--today", TODAY, cwd=shallow).expect(0, "shallow clone")
    assert "## Document register" in run.stdout


def test_strict_history_outside_git_has_no_history_to_complete(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "plain")
    cli("report", "-f", "md", "--strict-history", "--today", TODAY, cwd=root).expect(0)
    assert cli("check", "--strict-history", "--today", TODAY, cwd=root).exit_code in (0, 1)


@pytest.mark.parametrize("command", ["check", "diff", "report", "history", "pulse"])
def test_strict_history_is_on_every_history_reading_command(cli: Cli, command: str) -> None:
    text = re.sub(r"[\s│]+", " ", cli(command, "--help").expect(0).stdout)
    assert "--strict-history" in text and "Exit 2 on a shallow clone instead of warning." in text
