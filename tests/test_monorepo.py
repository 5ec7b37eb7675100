"""A workspace in a folder of a product repository: CI paths from the repository root, and history read in the folder.

The repository holds code beside ``compliance/``, and commits that touch only the code. Every command runs from
the repository root (naming the workspace), from the workspace and from a folder inside it, and must give the
same answer: GitHub and GitLab place annotations by the path from the repository root, while history, ``--at``,
``diff`` and the report's document register read the workspace's own files out of the repository's commits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import Cli, GitRepo, make_workspace, write_tree

TODAY = "2026-11-21"

POLICY = """\
---
id: POL-QUALITY
kind: document
title: Quality policy
owner: jsmith
type: policy
status: approved
version: "{version}"
approved_by: jsmith
approved_on: 2026-01-10
clauses: [iso9001:5.2]
---
{text}
"""

BROKEN_ACTION = """\
- id: ACT-0001
  kind: action
  title: Label printer jams
  owner: akhan
  type: nonconformity
  status: open
"""


def policy(version: str, text: str) -> str:
    return POLICY.format(version=version, text=text)


@pytest.fixture
def product(tmp_path: Path) -> GitRepo:
    """``product/``: code at the top, the management system in ``compliance/``, five dated commits."""
    repo = GitRepo.init(tmp_path / "product")
    repo.commit("code before the management system", files={"src/app.py": "print('hello')\n", "README.md": "# app\n"},
                date="2026-01-05")
    make_workspace(repo.root / "compliance", {"policies/quality.md": policy("1", "We deliver on time.")})
    repo.commit("compliance: start the management system", date="2026-02-02")
    repo.commit("code only", files={"src/app.py": "print('hello, world')\n"}, date="2026-03-02")
    repo.commit("compliance: quality policy version 2",
                files={"compliance/policies/quality.md": policy("2", "We deliver on time, every time.")},
                date="2026-04-06")
    repo.commit("compliance: log an action", files={"compliance/actions/log.yaml": BROKEN_ACTION}, date="2026-05-04")
    return repo


def places(repo: GitRepo) -> list[tuple[Path, list[str]]]:
    """Where a user runs isoctl from, and the PATH argument that names the workspace from there."""
    return [(repo.root, ["compliance"]), (repo.root / "compliance", []), (repo.root / "compliance" / "actions", [])]


def annotated_files(stdout: str) -> set[str]:
    return {line.split("file=", 1)[1].split(",", 1)[0] for line in stdout.splitlines() if line.startswith("::")
            and "file=" in line}


# CI formats: paths from the repository root ----------------------------------------------------------------------


@pytest.mark.parametrize("where", [0, 1, 2], ids=["repository-root", "workspace", "sub-folder"])
def test_github_annotations_name_files_from_the_repository_root(cli: Cli, product: GitRepo, where: int) -> None:
    cwd, path = places(product)[where]
    result = cli("check", *path, "--today", TODAY, "--format", "github", cwd=cwd).expect(1)
    files = annotated_files(result.stdout)
    assert "compliance/actions/log.yaml" in files and "compliance/isoctl.yaml" in files
    assert all(name.startswith("compliance/") for name in files), files
    assert "::error file=compliance/actions/log.yaml,line=1," in result.stdout


@pytest.mark.parametrize("where", [0, 1, 2], ids=["repository-root", "workspace", "sub-folder"])
def test_gitlab_code_quality_paths_start_at_the_repository_root(cli: Cli, product: GitRepo, where: int) -> None:
    cwd, path = places(product)[where]
    issues = json.loads(cli("check", *path, "--today", TODAY, "--format", "gitlab", cwd=cwd).expect(1).stdout)
    paths = {issue["location"]["path"] for issue in issues}
    assert "compliance/actions/log.yaml" in paths
    assert all(p.startswith("compliance/") for p in paths), paths


def test_gitlab_fingerprints_do_not_depend_on_the_folder(cli: Cli, product: GitRepo, tmp_path: Path) -> None:
    """Moving the workspace to another folder must not make GitLab see every finding as fixed and new."""
    here = json.loads(cli("check", "compliance", "--today", TODAY, "-f", "gitlab", cwd=product.root).stdout)
    product.rename("compliance", "qms")
    moved = json.loads(cli("check", "qms", "--today", TODAY, "-f", "gitlab", cwd=product.root).stdout)
    assert [i["fingerprint"] for i in here] == [i["fingerprint"] for i in moved]
    assert {i["location"]["path"].split("/", 1)[0] for i in moved} == {"qms"}


def test_a_folder_name_with_a_comma_and_a_space_is_escaped(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    make_workspace(repo.root / "ISO 9001, QMS", {"actions/log.yaml": BROKEN_ACTION})
    repo.commit("workspace")
    result = cli("check", "--today", TODAY, "-f", "github", cwd=repo.root / "ISO 9001, QMS").expect(1)
    assert "::error file=ISO 9001%2C QMS/actions/log.yaml,line=1," in result.stdout


def test_a_workspace_at_the_top_of_its_repository_has_no_prefix(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    make_workspace(repo.root, {"actions/log.yaml": BROKEN_ACTION})
    repo.commit("workspace")
    result = cli("check", "--today", TODAY, "-f", "github", cwd=repo.root / "actions").expect(1)
    assert "::error file=actions/log.yaml,line=1," in result.stdout
    issues = json.loads(cli("check", "--today", TODAY, "-f", "gitlab", cwd=repo.root).stdout)
    assert "actions/log.yaml" in {i["location"]["path"] for i in issues}


def test_outside_git_paths_stay_relative_to_the_workspace(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "plain" / "compliance", {"actions/log.yaml": BROKEN_ACTION})
    result = cli("check", "compliance", "--today", TODAY, "-f", "github", cwd=root.parent).expect(1)
    assert "::error file=actions/log.yaml,line=1," in result.stdout
    issues = json.loads(cli("check", "--today", TODAY, "-f", "gitlab", cwd=root).stdout)
    assert "actions/log.yaml" in {i["location"]["path"] for i in issues}


def test_other_formats_keep_paths_in_the_workspace(cli: Cli, product: GitRepo) -> None:
    """JSON and text speak of the workspace (the design's format 1); only the CI formats name repository paths."""
    data = json.loads(cli("check", "compliance", "--today", TODAY, "-f", "json", cwd=product.root).stdout)
    assert "actions/log.yaml" in {f["path"] for f in data["findings"]}
    text = cli("check", "compliance", "--today", TODAY, cwd=product.root).stdout
    assert "compliance/actions/log.yaml" not in text


def test_uncommitted_workspace_in_a_repository_is_prefixed_too(cli: Cli, tmp_path: Path) -> None:
    """A workspace being built, not yet committed, still sits in its repository's folder."""
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("code", files={"src/app.py": "\n"})
    make_workspace(repo.root / "compliance", {"actions/log.yaml": BROKEN_ACTION})
    result = cli("check", "compliance", "--today", TODAY, "-f", "github", cwd=repo.root).expect(1)
    assert "::error file=compliance/actions/log.yaml,line=1," in result.stdout


def test_repo_prefix_names_the_folder_or_nothing(product: GitRepo, tmp_path: Path) -> None:
    from isoctl.history import git

    assert git.repo_prefix(product.root / "compliance") == "compliance/"
    assert git.repo_prefix(product.root) == ""
    outside = make_workspace(tmp_path / "elsewhere")
    assert git.repo_prefix(outside) == ""


# history, --at, diff and the document register in the folder ------------------------------------------------------


@pytest.mark.parametrize("where", [0, 1, 2], ids=["repository-root", "workspace", "sub-folder"])
def test_check_at_reads_the_folder_as_it_was(cli: Cli, product: GitRepo, where: int) -> None:
    cwd, path = places(product)[where]
    then = json.loads(cli("check", *path, "--at", "2026-04-30", "-f", "json", cwd=cwd).stdout)
    assert then["workspace"]["commit"] == product.sha("HEAD~1") and then["workspace"]["today"] == "2026-04-06"
    assert then["summary"]["records"] == 1 and "actions/log.yaml" not in {f["path"] for f in then["findings"]}
    now = json.loads(cli("check", *path, "--at", "HEAD", "-f", "json", cwd=cwd).stdout)
    assert "actions/log.yaml" in {f["path"] for f in now["findings"]}


def test_check_at_a_revision_before_the_workspace_existed_says_so(cli: Cli, product: GitRepo) -> None:
    result = cli("check", "compliance", "--at", "HEAD~4", cwd=product.root).expect(2, "compliance/ does not exist in commit")
    assert "git log --oneline -- compliance/" in result.stderr
    cli("check", "compliance", "--at", "2026-01-20", cwd=product.root).expect(2, "the workspace is younger")


def test_a_commit_that_touches_only_code_changes_nothing_in_the_workspace(cli: Cli, product: GitRepo) -> None:
    at_code = json.loads(cli("check", "compliance", "--at", "HEAD~2", "--today", TODAY, "-f", "json",
                             cwd=product.root).stdout)
    before = json.loads(cli("check", "compliance", "--at", "HEAD~3", "--today", TODAY, "-f", "json",
                            cwd=product.root).stdout)
    assert at_code["findings"] == before["findings"] and at_code["summary"] == before["summary"]
    data = json.loads(cli("diff", "HEAD~3", "HEAD~2", "--path", "compliance", "-f", "json", cwd=product.root).stdout)
    assert data["records"] == {"added": [], "removed": [], "changed": []}


@pytest.mark.parametrize("where", [0, 1, 2], ids=["repository-root", "workspace", "sub-folder"])
def test_diff_names_workspace_paths(cli: Cli, product: GitRepo, where: int) -> None:
    cwd, path = places(product)[where]
    option = ["--path", path[0]] if path else []
    data = json.loads(cli("diff", "HEAD~3", "HEAD", *option, "-f", "json", cwd=cwd).expect(0).stdout)
    changed = {r["id"]: r for r in data["records"]["changed"]}
    assert changed["POL-QUALITY"]["path"] == "policies/quality.md"
    assert {f["field"] for f in changed["POL-QUALITY"]["fields"]} == {"body", "version"}
    assert [r["id"] for r in data["records"]["added"]] == []  # the action does not parse: no record, a finding
    assert "actions/log.yaml" in {f["path"] for f in data["findings"]["appeared"]}


def test_diff_against_the_working_tree_in_the_folder(cli: Cli, product: GitRepo) -> None:
    write_tree(product.root / "compliance", {"policies/quality.md": policy("3", "We deliver on time, every time, "
                                                                               "and we say so when we cannot.")})
    write_tree(product.root, {"src/app.py": "print('changed code')\n"})
    data = json.loads(cli("diff", "HEAD", "-f", "json", cwd=product.root / "compliance" / "policies").stdout)
    assert [r["id"] for r in data["records"]["changed"]] == ["POL-QUALITY"]
    assert data["to"]["rev"] is None


@pytest.mark.parametrize("where", [0, 1, 2], ids=["repository-root", "workspace", "sub-folder"])
def test_history_counts_only_the_commits_of_the_workspace(cli: Cli, product: GitRepo, where: int) -> None:
    cwd, path = places(product)[where]
    data = json.loads(cli("history", *path, "--every", "commit", "-f", "json", cwd=cwd).expect(0).stdout)
    subjects = [p["subject"] for p in data["points"]]
    assert subjects == ["compliance: start the management system", "compliance: quality policy version 2",
                        "compliance: log an action"]
    assert [p["records"] for p in data["points"]] == [1, 1, 1]


def test_history_since_a_revision(cli: Cli, product: GitRepo) -> None:
    data = json.loads(cli("history", "compliance", "--since", "HEAD~1", "--every", "commit", "-f", "json",
                          cwd=product.root).expect(0).stdout)
    assert [p["subject"] for p in data["points"]] == ["compliance: quality policy version 2", "compliance: log an action"]
    cli("history", "compliance", "--since", "no-such-branch", cwd=product.root).expect(
        2, "--since: 'no-such-branch' is not a date (YYYY-MM-DD) nor a commit, tag or branch")
    cli("history", "compliance", "--since", "HEAD", "--until", "2026-01-01", cwd=product.root).expect(
        2, "after the end of the period")


@pytest.mark.parametrize("where", [0, 1, 2], ids=["repository-root", "workspace", "sub-folder"])
def test_report_document_register_has_the_revisions_of_the_folder(cli: Cli, product: GitRepo, where: int) -> None:
    cwd, path = places(product)[where]
    result = cli("report", *path, "--today", TODAY, "--since", "2026-03-15", "-f", "md", cwd=cwd).expect(0)
    register = result.stdout.split("## Document register", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in register.splitlines() if line.startswith("| POL-QUALITY"))
    assert "2026-02-02" in row and "compliance: start the management system (added)" in row
    assert "2026-04-06" in row and "compliance: quality policy version 2 (changed)" in row
    assert "code only" not in row and "code before" not in row
    assert "POL-QUALITY" in result.stdout.split("## Document register", 1)[0]  # the changes since 2026-03-15 name it


def test_document_file_kept_beside_the_record_has_its_revisions(cli: Cli, product: GitRepo) -> None:
    """A document's own file (``path:``) is named from the workspace, and its commits found in the folder."""
    record = POLICY.format(version="1", text="See the manual.").replace("clauses:", "path: manuals/quality.pdf\nclauses:")
    product.commit("compliance: manual as a file", files={
        "compliance/policies/manual.md": record.replace("POL-QUALITY", "MAN-QUALITY"),
        "compliance/manuals/quality.pdf": b"%PDF-1.4 first\n",
    }, date="2026-06-01")
    product.commit("compliance: manual revised", files={"compliance/manuals/quality.pdf": b"%PDF-1.4 second\n"},
                   date="2026-07-01")
    result = cli("report", "compliance", "--today", TODAY, "-f", "md", cwd=product.root).expect(0)
    row = next(line for line in result.stdout.splitlines() if line.startswith("| MAN-QUALITY"))
    assert "compliance: manual revised" in row, row

