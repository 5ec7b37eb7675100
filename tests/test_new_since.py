"""Gating on change: ``check --new-since REV`` and ``check --baseline FILE`` fail only on new findings.

Real repositories with dated commits, a pull-request-like branch off ``main``,
and the real CLI: the change that adds one finding among a hundred fails on
exactly that one, a change that only moves text fails on nothing, fixed
findings are reported, and every format says which findings are new.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO
from helpers import Cli, GitRepo, make_workspace, run_isoctl

from isoctl.core.baseline import fingerprint
from isoctl.model.result import Finding

TODAY = "2026-03-01"
ACT_1 = """\
- id: ACT-1
  kind: action
  type: improvement
  title: Faster picking
  owner: akhan
  raised_on: 2026-01-05
  due: 2026-02-01
  status: open
  clauses: [iso9001:10.3]
"""
ACT_2 = """\
- id: ACT-2
  kind: action
  type: improvement
  title: Label printer on every bay
  owner: akhan
  raised_on: 2026-01-20
  due: 2026-12-01
  status: open
  clauses: [iso9001:10.3]
"""
GHOST = ACT_2.replace("owner: akhan", "owner: ghost")  # one new finding: unknown-reference


def main_branch(root: Path, prefix: str = "") -> GitRepo:
    """A repository whose ``main`` holds a workspace (at ``prefix``) with well over a hundred findings."""
    repo = GitRepo.init(root)
    make_workspace(root / prefix if prefix else root, {"actions/log.yaml": "# action log\n" + ACT_1 + ACT_2})
    repo.commit("workspace", date="2026-01-15")
    repo.branch("feature")
    return repo


def check(cli: Cli, repo: GitRepo, *args: str, cwd: Path | None = None) -> Any:
    return cli("check", "--today", TODAY, *args, cwd=cwd or repo.root)


def findings(cli: Cli, repo: GitRepo, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(check(cli, repo, "-f", "json", *args).stdout)
    return data


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return main_branch(tmp_path / "repo")


def test_a_change_adding_one_finding_among_a_hundred_fails_on_exactly_that_one(cli: Cli, repo: GitRepo) -> None:
    existing = findings(cli, repo)["findings"]
    assert len(existing) >= 100
    repo.commit("a new action with an owner nobody knows", files={"actions/log.yaml": "# action log\n" + ACT_1 + GHOST},
                date="2026-01-20")

    assert check(cli, repo).exit_code == 1  # without gating, the old errors fail too
    run = check(cli, repo, "--new-since", "main").expect(1)
    assert "owner: 'ghost' is not a person" in run.stdout
    assert "unmapped-clause" not in run.stdout  # existing findings are not what this change is answerable for
    assert f"compared with main ({repo.sha('main')[:8]}): 1 new finding (1 at or above --fail-on error), " \
           f"{len(existing)} existing findings let through, 0 findings fixed" in run.stderr

    data = findings(cli, repo, "--new-since", "main")
    new = [f for f in data["findings"] if f["baseline"] == "new"]
    assert [(f["rule"], f["record"]) for f in new] == [("unknown-reference", "ACT-2")]
    assert sum(f["baseline"] == "unchanged" for f in data["findings"]) == len(existing)
    assert data["baseline"] == {"against": "main", "commit": repo.sha("main"), "new": 1, "unchanged": len(existing),
                                "absent": 0, "fixed": []}
    assert data["summary"]["error"] == sum(f["severity"] == "error" for f in existing) + 1  # the summary stays whole


def test_a_change_that_only_moves_text_around_fails_on_nothing(cli: Cli, repo: GitRepo) -> None:
    before = findings(cli, repo)["findings"]
    # records reordered, lines added above them, one record moved to another file
    repo.commit("reorder", files={"actions/log.yaml": "# action log\n# kept by the quality lead\n\n" + ACT_2 + ACT_1},
                date="2026-01-21")
    repo.commit("split", files={"actions/log.yaml": "# action log\n\n\n" + ACT_1, "actions/2026.yaml": ACT_2},
                date="2026-01-22")
    after = findings(cli, repo)["findings"]
    assert {(f["rule"], f["line"]) for f in after} != {(f["rule"], f["line"]) for f in before}  # lines did move
    run = check(cli, repo, "--new-since", "main").expect(0)
    assert f"0 new findings, {len(before)} existing findings let through, 0 findings fixed" in run.stderr
    # the summary does not claim the workspace is clean: it says what was let through
    assert f"no new findings ({len(before)} existing findings let through) in" in run.stdout
    assert "\nno findings" not in run.stdout


def test_fixed_findings_are_reported_in_the_note_json_and_sarif(cli: Cli, repo: GitRepo) -> None:
    repo.checkout("main")
    repo.commit("a ghost owner on main", files={"actions/log.yaml": "# action log\n" + ACT_1 + GHOST}, date="2026-01-18")
    repo.checkout("feature")
    repo.git("merge", "--quiet", "--ff-only", "main")
    repo.commit("owner fixed", files={"actions/log.yaml": "# action log\n" + ACT_1 + ACT_2}, date="2026-01-20")

    run = check(cli, repo, "--new-since", "main").expect(0)
    assert "0 new findings" in run.stderr and "1 finding fixed" in run.stderr
    data = findings(cli, repo, "--new-since", "main")
    assert [(f["rule"], f["record"]) for f in data["baseline"]["fixed"]] == [("unknown-reference", "ACT-2")]
    results = json.loads(check(cli, repo, "-f", "sarif", "--new-since", "main").stdout)["runs"][0]["results"]
    absent = [r for r in results if r["baselineState"] == "absent"]
    assert [(r["ruleId"], r["properties"]["record"]) for r in absent] == [("unknown-reference", "ACT-2")]


def test_sarif_marks_baseline_state_and_validates_against_the_official_schema(cli: Cli, repo: GitRepo) -> None:
    repo.commit("one fixed, one new", files={"actions/log.yaml": "# action log\n" + ACT_1.replace(
        "due: 2026-02-01", "due: 2026-06-01") + GHOST}, date="2026-01-20")
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    out = check(cli, repo, "-f", "sarif", "--new-since", "main").expect(1).stdout
    log = json.loads(out)
    jsonschema.Draft7Validator(schema).validate(log)
    run = log["runs"][0]
    states = {(r["ruleId"], r["baselineState"]) for r in run["results"]}
    assert ("unknown-reference", "new") in states and ("overdue-action", "absent") in states
    assert ("unmapped-clause", "unchanged") in states
    assert all("baselineState" in r for r in run["results"])
    assert run["baselineGuid"] == json.loads(check(cli, repo, "-f", "sarif", "--new-since", "main").stdout)["runs"][0]["baselineGuid"]
    fingerprints = [r["partialFingerprints"]["isoctl/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    plain = json.loads(check(cli, repo, "-f", "sarif").stdout)["runs"][0]
    assert "baselineGuid" not in plain and all("baselineState" not in r for r in plain["results"])


def test_every_format_gates_on_new_findings_only(cli: Cli, repo: GitRepo) -> None:
    repo.commit("ghost", files={"actions/log.yaml": "# action log\n" + ACT_1 + GHOST}, date="2026-01-20")
    for fmt in ("text", "json", "sarif", "junit", "github", "gitlab"):
        check(cli, repo, "-f", fmt, "--new-since", "main").expect(1)
    github = check(cli, repo, "-f", "github", "--new-since", "main").stdout
    assert [line.split(" ")[0] for line in github.splitlines() if line.startswith("::")] == ["::error"]
    gitlab = json.loads(check(cli, repo, "-f", "gitlab", "--new-since", "main").stdout)
    assert len(gitlab) > 100  # GitLab compares with the target branch's report itself
    junit = ET.fromstring(check(cli, repo, "-f", "junit", "--new-since", "main").stdout)
    assert junit.get("failures") == "1"


def test_only_a_new_finding_at_or_above_fail_on_fails(cli: Cli, repo: GitRepo) -> None:
    # a new partial clause (a warning): ACT-1 and ACT-2 address 10.3 ... a draft policy addressing 5.2 is partial
    policy = "---\nid: POL-Q\nkind: document\ntype: policy\ntitle: Quality policy\nowner: jsmith\nstatus: draft\n" \
             "clauses: [iso9001:5.2.1]\n---\nWe deliver on time.\n"
    repo.commit("draft policy", files={"policies/quality.md": policy}, date="2026-01-20")
    data = findings(cli, repo, "--new-since", "main")
    new = {(f["rule"], f["severity"]) for f in data["findings"] if f["baseline"] == "new"}
    assert new and all(severity != "error" for _, severity in new), new
    check(cli, repo, "--new-since", "main").expect(0)
    check(cli, repo, "--new-since", "main", "--fail-on", "warning").expect(1)
    check(cli, repo, "--new-since", "main", "--fail-on", "warning", "--exit-zero").expect(0)


def test_renaming_a_person_adds_no_finding(cli: Cli, tmp_path: Path) -> None:
    # findings name people by id: after 'people rename' each looked fixed and new at once, and the hook isoctl
    # init installs (check --new-since HEAD) refused the commit of the rename itself
    from helpers import committed_example

    repo = committed_example(tmp_path / "paper", "paper-iso")
    before = cli("check", "-f", "json", "--today", "2026-11-21", cwd=repo.root).stdout
    assert "ltaylor" in before
    cli("baseline", "write", "--today", "2026-11-21", cwd=repo.root).expect(0)
    repo.commit("Baseline", date="2026-11-20")
    renamed = cli("people", "rename", "ltaylor", "lt2", cwd=repo.root).expect(0)
    assert ".isoctl/baseline.json: the findings that name 'ltaylor' now name 'lt2'" in renamed.stderr + renamed.stdout
    run = cli("check", "-f", "json", "--today", "2026-11-21", "--new-since", "HEAD", cwd=repo.root).expect(0)
    data = json.loads(run.stdout)
    assert (data["baseline"]["new"], data["baseline"]["absent"]) == (0, 0)
    assert "lt2" in run.stdout and "ltaylor" not in run.stdout
    gated = cli("check", "-f", "json", "--today", "2026-11-21", "--baseline", ".isoctl/baseline.json", cwd=repo.root)
    assert (json.loads(gated.expect(0).stdout)["baseline"]["new"], json.loads(gated.stdout)["baseline"]["absent"]) == (0, 0)
    # the gate still works after it: a finding the change adds is new
    (repo.root / "risks" / "late.yaml").write_text(
        "id: RSK-LATE\nkind: risk\ntitle: Late review\nowner: lt2\nreviewed_on: 2020-01-01\n", encoding="utf-8")
    again = cli("check", "-f", "json", "--today", "2026-11-21", "--new-since", "HEAD", "--fail-on", "warning",
                cwd=repo.root).expect(1, "1 new finding (1 at or above --fail-on warning)")
    assert json.loads(again.stdout)["baseline"]["new"] == 1


def test_a_workspace_that_did_not_exist_at_rev_is_all_new(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("readme", files={"README.md": "# product\n"}, date="2026-01-10")
    repo.branch("feature")
    make_workspace(repo.root, {"actions/log.yaml": ACT_1})
    repo.commit("workspace", date="2026-01-15")
    run = check(cli, repo, "--new-since", "main").expect(1)
    assert "0 existing findings let through" in run.stderr


def test_bad_revisions_and_option_clashes_exit_2(cli: Cli, repo: GitRepo) -> None:
    check(cli, repo, "--new-since", "no-such-branch").expect(2, "error: --new-since no-such-branch: unknown revision")
    check(cli, repo, "--new-since", "main", "--baseline", "x.json").expect(2, "give one of them")
    check(cli, repo, "--new-since", " ").expect(2, "--new-since needs a revision")


def test_a_shallow_clone_missing_the_revision_says_so_and_how_to_fetch_it(cli: Cli, repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("ghost", files={"actions/log.yaml": "# action log\n" + ACT_1 + GHOST}, date="2026-01-20")
    repo.commit("more", files={"notes.md": "notes\n"}, date="2026-01-21")
    clone = repo.clone(tmp_path / "clone", depth=1)
    for rev in ("origin/main", "HEAD~2"):
        run = check(cli, clone, "--new-since", rev).expect(2, "shallow clone")
        assert "git fetch --unshallow" in run.stderr and "fetch-depth: 0" in run.stderr
        assert "Traceback" not in run.stderr


# the baseline file


def test_baseline_write_and_compare_round_trip(cli: Cli, repo: GitRepo) -> None:
    cli("baseline", "write", "--today", TODAY, cwd=repo.root).expect(0, "wrote .isoctl/baseline.json")
    target = repo.root / ".isoctl" / "baseline.json"
    first = target.read_bytes()
    data = json.loads(first)
    assert data["format"] == 1 and data["fingerprint"] == "isoctl-finding/1" and data["isoctl"]
    assert len(data["findings"]) == len(findings(cli, repo)["findings"])
    assert all("line" not in entry for entry in data["findings"])
    keys = [(e["path"], e["rule"], e["record"] or "", e["clause"] or "", e["message"]) for e in data["findings"]]
    assert keys == sorted(keys)
    repo.commit("baseline", date="2026-01-16")

    # moving text changes neither the file nor the verdict
    repo.commit("reorder", files={"actions/log.yaml": "# action log\n\n\n" + ACT_2 + ACT_1}, date="2026-01-17")
    cli("baseline", "write", "--today", TODAY, "-o", "again.json", cwd=repo.root).expect(0)
    assert (repo.root / "again.json").read_bytes() == first
    check(cli, repo, "--baseline", ".isoctl/baseline.json").expect(0, "0 new findings")

    repo.write("actions/log.yaml", "# action log\n" + ACT_1 + GHOST)
    run = check(cli, repo, "--baseline", ".isoctl/baseline.json", "-f", "json").expect(1)
    new = [f for f in json.loads(run.stdout)["findings"] if f["baseline"] == "new"]
    assert [(f["rule"], f["record"]) for f in new] == [("unknown-reference", "ACT-2")]
    assert json.loads(run.stdout)["baseline"]["commit"] is None


def test_baseline_for_a_workspace_in_a_subdirectory_is_written_beside_its_manifest(cli: Cli, tmp_path: Path) -> None:
    repo = main_branch(tmp_path / "repo", prefix="compliance")
    cli("baseline", "write", "compliance", "--today", TODAY, cwd=repo.root).expect(0)
    assert (repo.root / "compliance" / ".isoctl" / "baseline.json").is_file()
    check(cli, repo, "compliance", "--baseline", "compliance/.isoctl/baseline.json").expect(0)


@pytest.mark.parametrize(("content", "message"), [
    ("{", "not valid JSON (line 1, column 2)"),
    ("[]", "no list of findings"),
    ('{"format": 2, "fingerprint": "isoctl-finding/1", "findings": []}', "another baseline format"),
    ('{"format": 1, "fingerprint": "isoctl-finding/1", "findings": [{"rule": "x"}]}', "finding 1: expected exactly the keys"),
    (b"\xff\xfe", "not valid JSON"),
])
def test_a_corrupt_baseline_is_a_clear_error(cli: Cli, repo: GitRepo, content: str | bytes, message: str) -> None:
    repo.write("bad.json", content)
    run = check(cli, repo, "--baseline", "bad.json").expect(2, message)
    assert run.stderr.startswith("error: --baseline bad.json: ") and "hint: write it again with 'isoctl baseline write'" in run.stderr


def test_a_baseline_edited_by_hand_is_refused(cli: Cli, repo: GitRepo) -> None:
    cli("baseline", "write", "--today", TODAY, cwd=repo.root).expect(0)
    target = repo.root / ".isoctl" / "baseline.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    data["findings"][0]["record"] = "ACT-99"
    target.write_text(json.dumps(data), encoding="utf-8")
    check(cli, repo, "--baseline", ".isoctl/baseline.json").expect(2, "its fingerprint does not match what it says")
    data["findings"][0]["severity"] = "fatal"
    target.write_text(json.dumps(data), encoding="utf-8")
    check(cli, repo, "--baseline", ".isoctl/baseline.json").expect(2, "severity must be one of error, warning, info")
    check(cli, repo, "--baseline", "missing.json").expect(2, "--baseline missing.json: no such file")


def test_a_baseline_that_is_a_named_pipe_or_a_device_is_refused_at_once(repo: GitRepo) -> None:
    os.mkfifo(repo.root / "pipe.json")  # nobody writes to it: reading it would wait for ever
    (repo.root / "zero.json").symlink_to("/dev/zero")  # never ends
    for name, what in (("pipe.json", "a named pipe"), ("zero.json", "a device")):
        run = run_isoctl("check", "--today", TODAY, "--baseline", name, cwd=repo.root, timeout=60)
        run.expect(2, f"--baseline {name}: not a regular file ({what}); isoctl reads only plain files")


# the fingerprint


def test_the_fingerprint_ignores_position_numbers_and_a_record_s_file() -> None:
    base = Finding("overdue-action", "error", "ACT-1 is 12 days overdue (due 2026-02-01)", "actions/log.yaml", 10, 3,
                   None, "ACT-1")
    moved = Finding("overdue-action", "error", "ACT-1 is 40 days overdue (due 2026-02-01)", "actions/2026.yaml", 90, 1,
                    None, "ACT-1")
    assert fingerprint(base) == fingerprint(moved)
    assert fingerprint(base) != fingerprint(Finding("overdue-action", "error", base.message, base.path, 10, 3, None, "ACT-2"))
    assert fingerprint(base) != fingerprint(Finding("stale-document", "error", base.message, base.path, 10, 3, None, "ACT-1"))
    # a finding about a file (no record, no clause) is told apart by its file
    broken = Finding("parse-error", "error", "invalid YAML", "a.yaml", 3, 1)
    assert fingerprint(broken) != fingerprint(Finding("parse-error", "error", "invalid YAML", "b.yaml", 3, 1))
    assert fingerprint(broken) == fingerprint(Finding("parse-error", "error", "invalid YAML", "a.yaml", 9, 4))


# CI paths in a monorepo


def test_sarif_and_junit_paths_start_at_the_repository_root_in_a_monorepo(cli: Cli, tmp_path: Path) -> None:
    repo = main_branch(tmp_path / "repo", prefix="compliance")
    repo.commit("ghost", files={"compliance/actions/log.yaml": "# action log\n" + ACT_1 + GHOST}, date="2026-01-20")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd, where in ((repo.root, "compliance"), (repo.root / "compliance" / "actions", "."),
                       (elsewhere, str(repo.root / "compliance"))):
        log = json.loads(cli("check", where, "--today", TODAY, "-f", "sarif", cwd=cwd).stdout)
        run = log["runs"][0]
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
        assert uris == {"compliance/isoctl.yaml", "compliance/actions/log.yaml"}, cwd
        assert "compliance/" in run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
        junit = ET.fromstring(cli("check", where, "--today", TODAY, "-f", "junit", cwd=cwd).stdout)
        files = {case.get("file") for case in junit.iter("testcase") if case.get("file")}
        assert files == {"compliance/isoctl.yaml", "compliance/actions/log.yaml"}, cwd
    gated = json.loads(cli("check", "compliance", "--today", TODAY, "-f", "sarif", "--new-since", "main",
                           cwd=repo.root).stdout)
    new = [r for r in gated["runs"][0]["results"] if r["baselineState"] == "new"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in new] == ["compliance/actions/log.yaml"]


def test_a_workspace_folder_younger_than_rev_is_all_new(cli: Cli, tmp_path: Path) -> None:
    """In a bigger repository, the commit before the workspace's folder was added has no such folder at all."""
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("code", files={"src/app.py": "print('hi')\n"}, date="2026-01-10")
    make_workspace(repo.root / "compliance", {"actions/log.yaml": ACT_1})
    repo.commit("compliance", date="2026-01-15")
    run = cli("check", "--today", "2026-03-01", "--new-since", "HEAD~1", cwd=repo.root / "compliance")
    assert run.exit_code == 1, run.stderr
    assert "0 existing findings let through" in run.stderr and "younger" not in run.stderr
