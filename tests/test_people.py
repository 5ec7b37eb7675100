"""People: ``init --person`` (and its prompt), and ``isoctl people rename`` rewriting every reference byte for byte."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
import yaml
from helpers import Cli, GitRepo, Golden, isolate_git, make_workspace
from typer.testing import CliRunner

TODAY = "2026-01-05"
POLICY = "documents/policies/quality-policy.md"


@pytest.fixture(autouse=True)
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private git config naming Jane Smith, so who becomes a person does not depend on the machine."""
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text("[user]\n\tname = Jane Smith\n\temail = jane@example.com\n[init]\n\tdefaultBranch = main\n")
    isolate_git(monkeypatch, config)
    monkeypatch.setenv("ISOCTL_TODAY", TODAY)
    return config


def people_of(root: Path) -> list[dict[str, object]]:
    people: list[dict[str, object]] = yaml.safe_load((root / "isoctl.yaml").read_text(encoding="utf-8"))["people"]
    return people


def front_matter(path: Path) -> dict[str, object]:
    head = path.read_text(encoding="utf-8").split("---\n")[1]
    data: dict[str, object] = yaml.safe_load(head)
    return data


def findings(cli: Cli, root: Path, rule: str) -> list[dict[str, object]]:
    run = cli("check", "--format", "json", "--exit-zero", "--today", TODAY, cwd=root)
    assert run.exit_code == 0, run.stderr
    return [f for f in json.loads(run.stdout)["findings"] if f["rule"] == rule]


# -- init --person ---------------------------------------------------------------------------------------------------


def test_init_with_two_people(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme", "--standard", "iso9001:2015", "--person", "jsmith:Jane Smith:Managing Director:top",
              "--person", "akhan:Amir Khan:Quality Coordinator")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "acme"
    assert people_of(root) == [
        {"id": "jsmith", "name": "Jane Smith", "role": "Managing Director", "top_management": True},
        {"id": "akhan", "name": "Amir Khan", "role": "Quality Coordinator"},
    ]
    assert front_matter(root / POLICY)["owner"] == "jsmith"
    assert "jane-smith" not in (root / "isoctl.yaml").read_text(encoding="utf-8")  # the git user is nobody here
    assert not GitRepo(root).dirty()
    assert findings(cli, root, "unknown-reference") == []


def test_top_marks_who_owns_the_drafts(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme", "-s", "iso9001:2015", "-p", "akhan:Amir Khan:Quality Coordinator",
              "-p", "mdiaz:María Díaz::top", "--no-git")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "acme"
    assert people_of(root) == [
        {"id": "akhan", "name": "Amir Khan", "role": "Quality Coordinator"},
        {"id": "mdiaz", "name": "María Díaz", "top_management": True},
    ]
    assert front_matter(root / POLICY)["owner"] == "mdiaz"
    assert findings(cli, root, "top-management-absent") == []


def test_nobody_at_the_top_is_a_warning(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme", "-s", "iso9001:2015", "-p", "akhan:Amir Khan", "--no-git")
    assert run.exit_code == 0, run.stderr
    assert "warning: nobody is marked top management" in run.stderr
    assert people_of(tmp_path / "acme") == [{"id": "akhan", "name": "Amir Khan"}]
    assert front_matter(tmp_path / "acme" / POLICY)["owner"] == "akhan"


def test_without_people_the_git_user_is_top_management(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme", "-s", "iso9001:2015", "--no-git")
    assert run.exit_code == 0, run.stderr
    assert people_of(tmp_path / "acme") == [{"id": "jane-smith", "name": "Jane Smith", "email": "jane@example.com",
                                             "role": "TODO: role, for example Managing Director",
                                             "top_management": True}]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["jsmith"], "expected id:Name:Role[:top]"),
        (["jsmith:Jane:Director:top:extra"], "expected id:Name:Role[:top]"),
        ([":Jane Smith:Director"], "the id is empty"),
        (["jsmith::Director"], "the name is empty"),
        (["j smith:Jane Smith:Director"], "'j smith' is not a valid person id"),
        (["-js:Jane Smith"], "'-js' is not a valid person id"),
        (["007:James Bond:Agent"], "would read as a number or a boolean"),
        (["true:Yes Man"], "would read as a number or a boolean"),
        (["jsmith:Jane Smith", "akhan:Amir Khan", "jsmith:John Smith"], "the id 'jsmith' is given twice (also for Jane Smith)"),
    ],
)
def test_invalid_people_exit_2_and_create_nothing(specs: list[str], message: str, cli: Cli, tmp_path: Path) -> None:
    args = [a for spec in specs for a in ("--person", spec)]
    run = cli("init", "ws", "-s", "iso9001:2015", *args)
    assert run.exit_code == 2, run.stdout
    assert f"error: --person '{specs[-1]}': {message}" in run.stderr or message in run.stderr
    assert "hint:" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "ws").exists()


def test_person_with_an_example_is_refused(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "ws", "--example", "acme-logistics", "--person", "jsmith:Jane Smith")
    assert run.exit_code == 2
    assert "cannot be combined with --person" in run.stderr


def run_at_a_terminal(monkeypatch: pytest.MonkeyPatch, cwd: Path, args: list[str], answers: str) -> tuple[int, str]:
    """``init`` as if stdin were a terminal, answering its questions with ``answers``."""
    from isoctl.cli import people
    from isoctl.cli.app import app

    monkeypatch.setattr(people, "_interactive", lambda: True)
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, args, input=answers, catch_exceptions=False)
    return result.exit_code, result.stderr


def test_prompt_at_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    answers = "jsmith:Jane Smith:Managing Director:top\nj smith:Bad Id\njsmith:Again\nakhan:Amir Khan:Quality Lead\n\n"
    code, stderr = run_at_a_terminal(monkeypatch, tmp_path, ["init", "acme", "-s", "iso9001:2015", "--no-git"], answers)
    assert code == 0, stderr
    assert "'j smith' is not a valid person id" in stderr and "given twice" in stderr  # asked again, not stopped
    assert [p["id"] for p in people_of(tmp_path / "acme")] == ["jsmith", "akhan"]


def test_prompt_answered_with_nothing_and_yes_skip_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, stderr = run_at_a_terminal(monkeypatch, tmp_path, ["init", "a", "-s", "iso9001:2015", "--no-git"], "\n")
    assert code == 0, stderr
    assert [p["id"] for p in people_of(tmp_path / "a")] == ["jane-smith"]
    code, stderr = run_at_a_terminal(monkeypatch, tmp_path, ["init", "b", "-s", "iso9001:2015", "--no-git", "--yes"], "")
    assert code == 0, stderr
    assert "Who is who" not in stderr
    assert [p["id"] for p in people_of(tmp_path / "b")] == ["jane-smith"]


def test_prompt_not_shown_for_a_directory_that_cannot_be_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    code, stderr = run_at_a_terminal(monkeypatch, tmp_path, ["init", "full", "-s", "iso9001:2015"], "")
    assert code == 2 and "is not empty" in stderr and "Who is who" not in stderr


# -- people rename ---------------------------------------------------------------------------------------------------

MANIFEST = """\
isoctl: 1
organization: {name: Test Ltd}
standards: [iso9001:2015]
people:
  # the directors first
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - id: akhan   # quality
    name: Amir Khan
    role: Quality Lead
"""

FILES = {
    "actions/log.yaml": """\
# The action log: one list, comments kept.
- id: ACT-0001
  kind: action
  type: nonconformity
  title: Late delivery
  owner: jsmith        # owns the fix
  raised_on: 2026-01-10
  raised_by: 'jsmith'
  status: closed
  closed_on: 2026-02-01
  root_cause: Planning
  corrective_action: New plan
  verification: {on: 2026-03-01, by: jsmith, effective: true}
- {id: ACT-0002, kind: action, type: improvement, title: Labels, owner: akhan, raised_on: 2026-01-12, raised_by: "jsmith"}
""",
    "reviews/2026.yaml": """\
id: MR-2026
kind: review
title: Management review 2026
owner: jsmith
date: 2026-01-20
attendees:
  - jsmith   # chair
  - akhan
actions: [ACT-0001]
""",
    "reviews/2025.yaml": "id: MR-2025\nkind: review\ntitle: Review 2025\ndate: 2025-01-20\nattendees: [akhan, jsmith]\n",
    "reviews/2024.yaml": "id: MR-2024\nkind: review\ntitle: Review 2024\ndate: 2024-01-20\nattendees: jsmith\n",
    "audits/2026.yaml": """\
- id: AUD-1
  kind: audit
  type: internal
  status: done
  date: 2026-01-15
  auditor: jsmith
  owner: akhan
- id: AUD-2
  kind: audit
  type: supplier
  status: planned
  date: 2026-05-15
  auditor: jsmith consulting   # an external auditor, by name: not a person id
""",
    "competence/jsmith.yaml": "id: CMP-1\nkind: competence\ntitle: Lead auditor\nperson: jsmith\nrole: auditor\n",
    "documents/policy.md": """\
---
id: POL-Q
kind: document
type: policy
status: approved
title: Quality policy
owner: jsmith
approved_by: jsmith
approved_on: 2026-01-02
version: 1
---
# Quality policy

jsmith signs this policy; the text of a record is never rewritten.
""",
    "risks/crlf.yaml": "id: RSK-1\r\nkind: risk\r\ntitle: Supplier failure\r\nowner: jsmith\r\nlikelihood: 2\r\nimpact: 3\r\n",
}


def workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws", FILES, manifest=MANIFEST)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def diff_of(before: dict[str, bytes], after: dict[str, bytes]) -> str:
    out = []
    for name in sorted(before):
        old, new = before[name].decode(), after[name].decode()
        out += difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{name}", f"b/{name}", n=1)
    return "".join(out).replace("\r", "\\r")


def test_rename_rewrites_every_reference_byte_for_byte(cli: Cli, golden: Golden, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    repo = GitRepo.init(root)
    repo.commit("Start", files={})
    before = snapshot(root)
    assert len(findings(cli, root, "unknown-reference")) == 0
    run = cli("people", "rename", "jsmith", "jane.smith", cwd=root / "reviews")  # from a folder inside the workspace
    assert run.exit_code == 0, run.stderr
    after = snapshot(root)
    assert set(after) == set(before)  # nothing created: no temp, backup or lock file is left
    golden("people/rename.diff", diff_of(before, after))
    golden("people/rename.txt", run.stdout)
    assert "Renamed 'jsmith' to 'jane.smith': 14 references in 9 files." in run.stdout
    assert b"jsmith signs this policy" in after["documents/policy.md"]
    assert b"auditor: jsmith consulting" in after["audits/2026.yaml"]
    assert after["competence/jsmith.yaml"].count(b"jane.smith") == 1  # file names are not references
    assert findings(cli, root, "unknown-reference") == []
    changed = set(repo.git("diff", "--name-only").split())
    assert changed == {name for name in before if before[name] != after[name]}


def test_dry_run_changes_nothing_and_says_the_same(cli: Cli, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    before = snapshot(root)
    run = cli("people", "rename", "jsmith", "jane", "--dry-run", "--json", cwd=root)
    assert run.exit_code == 0, run.stderr
    assert snapshot(root) == before
    report = json.loads(run.stdout)
    assert report["dry_run"] is True and report["written"] is False
    assert len(report["references"]) == 14
    assert {"path": "reviews/2026.yaml", "line": 7, "record": "MR-2026", "field": "attendees[0]"} in report["references"]
    assert report["files"][0] == "isoctl.yaml"
    text = cli("people", "rename", "jsmith", "jane", "--dry-run", cwd=root)
    assert text.stdout.startswith("Would rename 'jsmith' to 'jane': 14 references in 9 files (dry run")


def test_uncommitted_changes_stop_the_rename_unless_allowed(cli: Cli, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    repo = GitRepo.init(root)
    repo.commit("Start", files={})
    (root / "risks" / "crlf.yaml").write_bytes(b"id: RSK-1\r\nkind: risk\r\ntitle: Supplier loss\r\nowner: jsmith\r\n"
                                               b"likelihood: 2\r\nimpact: 3\r\n")
    before = snapshot(root)
    refused = cli("people", "rename", "jsmith", "jane", cwd=root).expect(2, "uncommitted changes")
    assert "--allow-dirty" in refused.stderr
    assert snapshot(root) == before
    cli("people", "rename", "jsmith", "jane", "--dry-run", cwd=root).expect(0)  # a dry run writes nothing: allowed
    cli("people", "rename", "jsmith", "jane", "--allow-dirty", cwd=root).expect(0, "Renamed 'jsmith' to 'jane'")
    assert b"owner: jane\r\n" in (root / "risks" / "crlf.yaml").read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("jsmith", "akhan", "'akhan' is a person in isoctl.yaml already"),
        ("jsmith", "jane smith", "'jane smith' is not a valid person id"),
        ("jsmith", "jsmith", "nothing to rename"),
        ("jsmtih", "jane", "'jsmtih' is not a person in isoctl.yaml, and no record names it"),
    ],
)
def test_refused_renames_exit_2_and_change_nothing(old: str, new: str, message: str, cli: Cli, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    before = snapshot(root)
    run = cli("people", "rename", old, new, cwd=root)
    assert run.exit_code == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert snapshot(root) == before
    if old == "jsmtih":
        assert "did you mean jsmith?" in run.stderr


def test_finishing_a_rename_made_by_hand_in_the_manifest(cli: Cli, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    manifest = root / "isoctl.yaml"
    manifest.write_text(MANIFEST.replace("id: jsmith", "id: jane"), encoding="utf-8")
    assert len(findings(cli, root, "unknown-reference")) >= 10
    run = cli("people", "rename", "jsmith", "jane", cwd=root)
    assert run.exit_code == 0, run.stderr
    assert "'jsmith' is not in isoctl.yaml any more" in run.stdout
    assert findings(cli, root, "unknown-reference") == []


def test_a_file_that_does_not_parse_stops_the_rename(cli: Cli, tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "risks" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    before = snapshot(root)
    run = cli("people", "rename", "jsmith", "jane", cwd=root)
    assert run.exit_code == 2
    assert "cannot rename: 1 file(s) cannot be read: risks/broken.yaml" in run.stderr
    assert snapshot(root) == before


def test_outside_a_workspace(cli: Cli, tmp_path: Path) -> None:
    run = cli("people", "rename", "a", "b", cwd=tmp_path)
    assert run.exit_code == 2 and "Traceback" not in run.stderr


@pytest.mark.parametrize("args", [("people",), ("people", "rename")])
def test_help_snapshots(args: tuple[str, ...], cli: Cli, golden: Golden) -> None:
    result = cli(*args, "--help")
    assert result.exit_code == 0
    golden(f"help/{'-'.join(('isoctl',) + args)}.txt", result.stdout)
