"""``--at REV``: the workspace exactly as it was at a commit, tag or date."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import MANIFEST, Cli, GitRepo, MakeWorkspace, make_workspace

ISSUE = "id: ISS-1\nkind: issue\ntype: external\ntitle: Energy prices\nowner: jsmith\n"


@pytest.fixture
def repo(git_repo: GitRepo) -> Path:
    """A workspace with three dated commits: a clean start, a broken record, a fix; plus uncommitted junk."""
    make_workspace(git_repo.root, {"context/energy.yaml": ISSUE})
    git_repo.commit("Start the system", date="2026-01-10")
    git_repo.tag("v1")
    git_repo.commit("Break a record", files={"context/energy.yaml": ISSUE.replace("external", "sideways")}, date="2026-02-10")
    git_repo.commit("Fix it and add another", files={"context/energy.yaml": ISSUE, "context/more.yaml": ISSUE.replace("ISS-1", "ISS-2")},
                    date="2026-03-10")
    git_repo.write("context/uncommitted.yaml", "id: [broken\n")
    return git_repo.root


def check(cli: Cli, root: Path, *args: str) -> dict[str, Any]:
    result = cli("check", "-f", "json", "--select", "schema-error", "--select", "parse-error", *args, cwd=root)
    assert result.exit_code in (0, 1), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_without_at_the_working_tree_counts_and_is_dirty(cli: Cli, repo: Path) -> None:
    data = check(cli, repo, "--today", "2026-11-21")
    assert data["workspace"]["dirty"] is True
    assert [f["path"] for f in data["findings"]] == ["context/uncommitted.yaml"]


@pytest.mark.parametrize(("rev", "records", "errors", "today"), [
    ("v1", 1, 0, "2026-01-10"),
    ("HEAD~1", 0, 1, "2026-02-10"),
    ("2026-02-28", 0, 1, "2026-02-10"),  # the last commit on or before that day
    ("2026-03-10", 2, 0, "2026-03-10"),
    ("HEAD", 2, 0, "2026-03-10"),
])
def test_at_reads_the_commit_not_the_working_tree(cli: Cli, repo: Path, rev: str, records: int, errors: int,
                                                  today: str) -> None:
    result = cli("check", "-f", "json", "--select", "schema-error", "--select", "parse-error", "--at", rev, cwd=repo)
    data = json.loads(result.stdout)
    assert data["summary"]["records"] == records and data["summary"]["error"] == errors
    assert data["workspace"]["today"] == today and data["workspace"]["dirty"] is False
    by_day = rev[:4].isdigit()
    git = GitRepo(repo).git
    expected = git("rev-list", "-1", f"--before={rev} 23:59:59", "HEAD") if by_day else git("rev-parse", f"{rev}^{{commit}}")
    assert data["workspace"]["commit"] == expected
    assert "uncommitted changes are ignored with --at" in result.stderr
    if errors:
        assert data["findings"][0]["message"] == "type: expected one of internal, external; got 'sideways'"
        assert (data["findings"][0]["line"], data["findings"][0]["column"]) == (3, 7)


def test_today_option_overrides_the_commit_date(cli: Cli, repo: Path) -> None:
    assert check(cli, repo, "--at", "v1", "--today", "2026-11-21")["workspace"]["today"] == "2026-11-21"


def test_gap_at_a_revision(cli: Cli, repo: Path) -> None:
    old = json.loads(cli("gap", "-f", "json", "--at", "v1", cwd=repo).stdout)
    now = json.loads(cli("gap", "-f", "json", "--at", "HEAD", cwd=repo).stdout)
    records = {c["clause"]: c["records"] for c in now["clauses"] if c["standard"] == "iso9001-2015"}
    assert records["4.1"] == ["ISS-1", "ISS-2"]
    assert {c["clause"]: c["records"] for c in old["clauses"]}["4.1"] == ["ISS-1"]


@pytest.mark.parametrize(("rev", "message"), [
    ("no-such-branch", "unknown revision 'no-such-branch'"),
    ("2025-12-31", "no commit on or before 2025-12-31"),
    ("2026-02-30", "'2026-02-30' is not a date"),
])
def test_bad_revisions_exit_2(cli: Cli, repo: Path, rev: str, message: str) -> None:
    result = cli("check", "--at", rev, cwd=repo)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_at_outside_a_repository_exits_2(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({})
    result = cli("check", str(root), "--at", "HEAD")
    assert result.exit_code == 2 and "not in a git repository" in result.stderr


def test_workspace_in_a_subdirectory_of_the_repository(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "monorepo")
    repo.write("README.md", "# code\n")
    make_workspace(repo.root / "qms", {"context/energy.yaml": ISSUE})
    repo.commit("init", date="2026-05-01")
    data = check(cli, repo.root / "qms", "--at", "HEAD")
    assert data["summary"]["records"] == 1 and data["workspace"]["today"] == "2026-05-01"


def test_symlink_in_a_commit_leading_outside_is_refused(cli: Cli, git_repo: GitRepo) -> None:
    make_workspace(git_repo.root)
    os.symlink("/etc/hostname", git_repo.root / "host.yaml")
    git_repo.commit("init", date="2026-05-01")
    git_repo.remove("host.yaml")  # gone from the working tree, still in the commit
    result = cli("check", "-f", "json", "--at", "HEAD", "--select", "path-outside-workspace", cwd=git_repo.root)
    found = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["message"]) for f in found] == [("host.yaml", "symlink to a file outside the workspace (/etc/hostname)")]


def test_history_reads_do_not_evict_the_working_tree_cache(cli: Cli, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    check(cli, repo, "--today", "2026-11-21")
    live = next((tmp_path / "cache" / "workspaces").glob("*.json")).read_bytes()
    check(cli, repo, "--at", "v1")
    assert next((tmp_path / "cache" / "workspaces").glob("*.json")).read_bytes() == live
    assert list((tmp_path / "cache" / "history").glob("*.json"))


def test_soa_at_a_revision(cli: Cli, git_repo: GitRepo) -> None:
    row = "- {id: SOA-A.5.1, kind: control, title: Policies, control: iso27001:A.5.1, applicable: true, status: STATUS, justification: Needed.}\n"
    make_workspace(git_repo.root, {"soa.yaml": row.replace("STATUS", "planned")}, manifest=MANIFEST.replace("iso9001:2015", "iso27001:2022"))
    git_repo.commit("SoA drafted", date="2026-04-01")
    git_repo.commit("Policies implemented", files={"soa.yaml": row.replace("STATUS", "implemented")}, date="2026-06-01")

    def status(*args: str) -> str:
        data = json.loads(cli("soa", "-f", "json", *args, cwd=git_repo.root).stdout)
        (control,) = [c for c in data["controls"] if c["control"] == "A.5.1"]
        return f"{data['date']} {control['status']}"

    assert status("--at", "HEAD~1") == "2026-04-01 planned"
    assert status("--at", "HEAD") == "2026-06-01 implemented"


# A day before 1973-03-03 is a timestamp of fewer than nine digits, which git reads as no date at all when it is
# written "@<seconds>": every command that takes a day must still find no commit on or before it.

@pytest.fixture
def dated_2024(git_repo: GitRepo) -> GitRepo:
    """One commit, of 2024-05-14, with a finding (so evaluating it by mistake exits 1)."""
    make_workspace(git_repo.root, {"context/energy.yaml": ISSUE.replace("external", "sideways")})
    git_repo.commit("Start the system", date="2024-05-14")
    return git_repo


@pytest.mark.parametrize("args", [
    ["check", "--at", "1972-06-01", "-f", "json"],
    ["check", "--at", "1970-01-01"],
    ["gap", "--at", "1972-06-01"],
    ["diff", "1972-06-01"],
    ["report", "--since", "1972-06-01", "-f", "md"],
])
def test_a_day_before_1973_is_before_every_commit(cli: Cli, dated_2024: GitRepo, args: list[str]) -> None:
    result = cli(*args, cwd=dated_2024.root).expect(2, "no commit on or before ")
    assert result.stdout == ""


def test_new_since_a_day_before_1973_lets_nothing_through_as_existing(cli: Cli, dated_2024: GitRepo) -> None:
    result = cli("check", "--new-since", "1972-06-01", "-f", "json", cwd=dated_2024.root)
    result.expect(2, "error: --new-since 1972-06-01: no commit on or before 1972-06-01")


def test_a_day_in_1970_finds_a_commit_of_the_first_second(cli: Cli, git_repo: GitRepo) -> None:
    make_workspace(git_repo.root, {"context/energy.yaml": ISSUE})
    first = git_repo.commit("Start the system", date="1970-01-01T00:00:01+00:00")
    git_repo.commit("Later", files={"context/more.yaml": ISSUE.replace("ISS-1", "ISS-2")}, date="1973-03-02")
    for day in ("1970-01-02", "1973-03-01"):
        data = check(cli, git_repo.root, "--at", day)
        assert (data["workspace"]["commit"], data["workspace"]["today"]) == (first, "1970-01-01")
        assert data["summary"]["records"] == 1
    assert check(cli, git_repo.root, "--at", "1973-03-02")["summary"]["records"] == 2
    cli("check", "--at", "1969-12-30", cwd=git_repo.root).expect(2, "no commit on or before 1969-12-30")


# A repository, or a branch, without a commit: no history to read, said as such (not git's usage line).

DATED = [["check", "--at", "2025-01-01"], ["check", "--new-since", "2025-01-01"], ["diff", "2025-01-01"],
         ["gap", "--at", "2025-01-01"], ["report", "--at", "2025-01-01"], ["report", "--since", "2025-01-01"],
         ["check", "--at", "HEAD"]]


@pytest.mark.parametrize("args", DATED)
def test_a_day_in_a_repository_without_commits(cli: Cli, git_repo: GitRepo, args: list[str]) -> None:
    make_workspace(git_repo.root, {"context/energy.yaml": ISSUE})
    result = cli(*args, cwd=git_repo.root).expect(2, f"error: no commit in {git_repo.root} yet, so there is no "
                                                     "history to read")
    assert "hint: commit the workspace (git add, git commit)" in result.stderr
    assert "git <command>" not in result.stderr


@pytest.mark.parametrize("args", DATED)
def test_a_day_on_an_orphan_branch(cli: Cli, repo: Path, args: list[str]) -> None:
    GitRepo(repo).git("checkout", "--quiet", "--orphan", "drafts")
    result = cli(*args, cwd=repo).expect(2, f"error: no commit on branch 'drafts' of {repo} yet, so there is no "
                                            "history to read")
    assert "switch to a branch that has commits" in result.stderr and "git <command>" not in result.stderr
    assert check(cli, repo, "--at", "v1")["summary"]["records"] == 1  # a named revision is still there
