"""``--at REV``: the workspace exactly as it was at a commit, tag or date."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import MANIFEST, write_tree

ISSUE = "id: ISS-1\nkind: issue\ntype: external\ntitle: Energy prices\nowner: jsmith\n"


def git(root: Path, *args: str, when: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Jane Smith", "GIT_AUTHOR_EMAIL": "jane@example.com",
           "GIT_COMMITTER_NAME": "Jane Smith", "GIT_COMMITTER_EMAIL": "jane@example.com"}
    if when:
        env |= {"GIT_AUTHOR_DATE": f"{when}T12:00:00+00:00", "GIT_COMMITTER_DATE": f"{when}T12:00:00+00:00"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A workspace with three dated commits: a clean start, a broken record, a fix; plus uncommitted junk."""
    root = tmp_path / "qms"
    root.mkdir()
    git(root, "init", "-q")
    write_tree(root, {"isoctl.yaml": MANIFEST, "context/energy.yaml": ISSUE})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start the system", when="2026-01-10")
    git(root, "tag", "v1")
    write_tree(root, {"context/energy.yaml": ISSUE.replace("external", "sideways")})
    git(root, "commit", "-qam", "Break a record", when="2026-02-10")
    write_tree(root, {"context/energy.yaml": ISSUE, "context/more.yaml": ISSUE.replace("ISS-1", "ISS-2")})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Fix it and add another", when="2026-03-10")
    write_tree(root, {"context/uncommitted.yaml": "id: [broken\n"})
    return root


def check(cli, root: Path, *args: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    result = cli("check", "-f", "json", "--select", "schema-error", "--select", "parse-error", *args, cwd=root)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_without_at_the_working_tree_counts_and_is_dirty(cli, repo: Path) -> None:  # type: ignore[no-untyped-def]
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
def test_at_reads_the_commit_not_the_working_tree(cli, repo: Path, rev, records, errors, today) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", "-f", "json", "--select", "schema-error", "--select", "parse-error", "--at", rev, cwd=repo)
    data = json.loads(result.stdout)
    assert data["summary"]["records"] == records and data["summary"]["error"] == errors
    assert data["workspace"]["today"] == today and data["workspace"]["dirty"] is False
    by_day = rev[:4].isdigit()
    expected = git(repo, "rev-list", "-1", f"--before={rev} 23:59:59", "HEAD") if by_day else git(repo, "rev-parse", f"{rev}^{{commit}}")
    assert data["workspace"]["commit"] == expected
    assert "uncommitted changes are ignored with --at" in result.stderr
    if errors:
        assert data["findings"][0]["message"] == "type: expected one of internal, external; got 'sideways'"
        assert (data["findings"][0]["line"], data["findings"][0]["column"]) == (3, 7)


def test_today_option_overrides_the_commit_date(cli, repo: Path) -> None:  # type: ignore[no-untyped-def]
    assert check(cli, repo, "--at", "v1", "--today", "2026-11-21")["workspace"]["today"] == "2026-11-21"


def test_gap_at_a_revision(cli, repo: Path) -> None:  # type: ignore[no-untyped-def]
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
def test_bad_revisions_exit_2(cli, repo: Path, rev: str, message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", "--at", rev, cwd=repo)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_at_outside_a_repository_exits_2(cli, make_workspace) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace({})
    result = cli("check", str(root), "--at", "HEAD")
    assert result.exit_code == 2 and "not in a git repository" in result.stderr


def test_workspace_in_a_subdirectory_of_the_repository(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "monorepo"
    write_tree(repo, {"README.md": "# code\n", "qms/isoctl.yaml": MANIFEST, "qms/context/energy.yaml": ISSUE})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init", when="2026-05-01")
    data = check(cli, repo / "qms", "--at", "HEAD")
    assert data["summary"]["records"] == 1 and data["workspace"]["today"] == "2026-05-01"


def test_symlink_in_a_commit_leading_outside_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "r"
    write_tree(repo, {"isoctl.yaml": MANIFEST})
    os.symlink("/etc/hostname", repo / "host.yaml")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init", when="2026-05-01")
    (repo / "host.yaml").unlink()  # gone from the working tree, still in the commit
    result = cli("check", "-f", "json", "--at", "HEAD", "--select", "path-outside-workspace", cwd=repo)
    found = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["message"]) for f in found] == [("host.yaml", "symlink to a file outside the workspace (/etc/hostname)")]


def test_history_reads_do_not_evict_the_working_tree_cache(cli, repo: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    check(cli, repo, "--today", "2026-11-21")
    live = next((tmp_path / "cache" / "workspaces").glob("*.json")).read_bytes()
    check(cli, repo, "--at", "v1")
    assert next((tmp_path / "cache" / "workspaces").glob("*.json")).read_bytes() == live
    assert list((tmp_path / "cache" / "history").glob("*.json"))


def test_soa_at_a_revision(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "isms"
    row = "- {id: SOA-A.5.1, kind: control, title: Policies, control: iso27001:A.5.1, applicable: true, status: STATUS, justification: Needed.}\n"
    write_tree(root, {"isoctl.yaml": MANIFEST.replace("iso9001:2015", "iso27001:2022"), "soa.yaml": row.replace("STATUS", "planned")})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "SoA drafted", when="2026-04-01")
    write_tree(root, {"soa.yaml": row.replace("STATUS", "implemented")})
    git(root, "commit", "-qam", "Policies implemented", when="2026-06-01")

    def status(*args: str) -> str:
        data = json.loads(cli("soa", "-f", "json", *args, cwd=root).stdout)
        (control,) = [c for c in data["controls"] if c["control"] == "A.5.1"]
        return f"{data['date']} {control['status']}"

    assert status("--at", "HEAD~1") == "2026-04-01 planned"
    assert status("--at", "HEAD") == "2026-06-01 implemented"
