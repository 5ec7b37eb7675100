"""``isoctl init --example NAME``: the examples come with their past, replayed as dated commits by their people.

Each shipped example has a history (examples/_history/NAME.yaml). The
repository made from it must end in exactly the example's files, and the
history-based parts of isoctl must show what each example is for: the
living systems (acme-logistics, nimbus-cloud) pass every history rule at
the README date, the paper one (paper-iso) fails them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from helpers import Cli, GitRepo, git_environment, isolate_git, run_isoctl

TODAY = "2026-11-21"
EXAMPLES = REPO / "examples"

#: The rules that read the git history.
HISTORY_RULES = {"pre-audit-scramble", "single-contributor", "silent-period", "post-certification-slump",
                 "late-recording", "narrow-participation", "changed-after-approval", "static-objectives",
                 "auditor-rotation"}

#: What each example's history is: commits, first and last day, and who made them (most active first).
EXPECTED = {
    "acme-logistics": (401, "2024-11-25", "2026-11-21",
                       {"Sana Khan", "Nina Wright", "Ravi Patel", "Chris Foster", "Marek Nowak", "Tom Brennan",
                        "Lucy Walsh", "Emma Hughes", "Aisha Hill", "Joy Adeyemi", "Rachel Okafor", "Daniel Greaves",
                        "Helen Baxter", "Ben Carter"}),
    "nimbus-cloud": (486, "2024-01-15", "2026-11-21",
                     {"Lena Hoffmann", "Jakub Nowak", "Markus Brandt", "David Okafor", "Paul Fischer", "Anna Schulz",
                      "Elif Kaya", "Sabine Weber", "Clara Wolf", "Tobias Bauer", "Dr. Miriam Krause", "Ralf Lange"}),
    "paper-iso": (27, "2024-05-14", "2026-11-21", {"Lorraine Taylor"}),
}


@pytest.fixture
def made(replayed_examples: dict[str, Path]) -> dict[str, Path]:
    """Each example made into a repository, as ``init --example`` makes it (once per test process: see conftest)."""
    assert set(EXPECTED) <= set(replayed_examples)
    return replayed_examples


def log(root: Path) -> list[list[str]]:
    """Every commit, oldest first: sha, author name, author e-mail, author date, committer date, subject."""
    out = GitRepo(root).git("log", "--reverse", "--format=%H%x00%an%x00%ae%x00%aI%x00%cI%x00%s")
    return [line.split("\0") for line in out.splitlines()]


def tree(root: Path) -> dict[str, bytes]:
    """The files of the last commit with their bytes, as git holds them (one ``git cat-file --batch``)."""
    paths = sorted(GitRepo(root).files())
    asked = "".join(f"HEAD:{path}\n" for path in paths).encode()
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=root, input=asked, capture_output=True, check=True,
                         env=git_environment()).stdout
    files = {}
    for path in paths:
        header, out = out.split(b"\n", 1)
        size = int(header.split()[2])
        files[path], out = out[:size], out[size + 1:]
    return files


def checked(cli: Cli, root: Path) -> dict[str, Any]:
    run = cli("check", "--today", TODAY, "--format", "json", "--exit-zero", cwd=root)
    assert run.exit_code == 0, run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def test_init_example_replays_the_history(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme", "--example", "acme-logistics")
    assert run.exit_code == 0, run.stderr
    commits = log(tmp_path / "acme")
    assert len(commits) == EXPECTED["acme-logistics"][0]
    assert commits[0][5] == "Move the integrated management system from the shared drive into git"
    assert not GitRepo(tmp_path / "acme").dirty()
    # the summary tells what was replayed, and the next steps read the past as of the example's day
    assert f"Replayed the example's past: {len(commits)} dated commits by " in run.stdout
    assert "cd acme && isoctl check --today 2026-11-21\n  isoctl history --today 2026-11-21\n" in run.stdout
    assert "Committed " not in run.stdout


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dated_commits_by_the_example_people(made: dict[str, Path], name: str) -> None:
    count, first, last, authors = EXPECTED[name]
    commits = log(made[name])
    assert len(commits) == count
    assert commits[0][3][:10] == first and commits[-1][3][:10] == last
    assert {c[1] for c in commits} == authors
    assert all(c[3] == c[4] for c in commits), "author and committer dates are the same"
    days = [c[3] for c in commits]
    assert days == sorted(days), "the commits are in date order"
    emails = {c[2].split("@")[1] for c in commits}
    assert len(emails) == 1 and emails.pop().startswith(name.split("-")[0])  # the people's own e-mail addresses


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_last_commit_is_the_example_byte_for_byte(made: dict[str, Path], name: str) -> None:
    files = tree(made[name])
    assert not GitRepo(made[name]).dirty(), "the working tree is the last commit"
    shipped = {p.relative_to(EXAMPLES / name).as_posix(): p.read_bytes()
               for p in (EXAMPLES / name).rglob("*") if p.is_file()}
    assert {path: data for path, data in files.items() if path in shipped} == shipped
    extra = sorted(set(files) - set(shipped))
    assert extra and all(path.startswith((".isoctl/schema/", ".vscode/")) for path in extra)
    first = log(made[name])[0][0]
    assert set(GitRepo(made[name]).files(first)) >= set(extra), "schemas and editor settings come with the first commit"


@pytest.mark.parametrize("name", ["acme-logistics", "nimbus-cloud"])
def test_a_living_system_passes_every_history_rule(cli: Cli, made: dict[str, Path], name: str) -> None:
    data = checked(cli, made[name])
    assert [f for f in data["findings"] if f["rule"] in HISTORY_RULES] == []
    assert data["summary"]["error"] == 0 and data["summary"]["warning"] == 0
    assert data["workspace"]["commit"] == log(made[name])[-1][0]


def test_the_paper_system_fails_the_history_rules(cli: Cli, made: dict[str, Path]) -> None:
    findings = checked(cli, made["paper-iso"])["findings"]
    fired = Counter(f["rule"] for f in findings if f["rule"] in HISTORY_RULES)
    assert fired == {"pre-audit-scramble": 3, "silent-period": 3, "static-objectives": 3, "changed-after-approval": 2,
                     "single-contributor": 1, "late-recording": 1, "narrow-participation": 1}
    said = {f["rule"]: f["message"] for f in findings}
    assert "Lorraine Taylor made all 10 record changes of the last year" in said["single-contributor"]
    assert "of the year before the surveillance audit of 2026-06-15 (100%) fell in its last 4 weeks" in \
        "\n".join(f["message"] for f in findings if f["rule"] == "pre-audit-scramble")
    assert "no record changed from 2025-06-04 to 2026-05-18 (349 days)" in \
        "\n".join(f["message"] for f in findings if f["rule"] == "silent-period")
    assert "median delay 146.5 days" in said["late-recording"]
    policy = next(f for f in findings if f["rule"] == "changed-after-approval" and f["path"] == "manual/POL-QUALITY.md")
    assert '("Quality policy wording")' in policy["message"] and "still version 2" in policy["message"]


def test_without_the_history_the_paper_system_hides_it(cli: Cli, made: dict[str, Path], tmp_path: Path) -> None:
    """The same files committed at once say nothing about how they were kept: the history is what shows it."""
    flat = tmp_path / "flat"
    shutil.copytree(EXAMPLES / "paper-iso", flat)
    GitRepo.init(flat).commit("paper-iso in one commit", date="2026-11-20")
    assert {f["rule"] for f in checked(cli, flat)["findings"]} & (HISTORY_RULES - {"static-objectives"}) == set()


def test_history_shows_a_living_system_all_year(cli: Cli, made: dict[str, Path]) -> None:
    run = cli("history", "--today", TODAY, "--format", "json", cwd=made["acme-logistics"])
    assert run.exit_code == 0, run.stderr
    points = json.loads(run.stdout)["points"]
    assert [p["date"] for p in points][:2] == ["2024-11-30", "2024-12-31"] and points[-1]["date"] == TODAY
    assert all(p["changes"] > 0 and len(p["contributors"]) >= 2 for p in points[1:]), "work every month, by several people"
    assert points[-1]["readiness"] == {"iso9001-2015": 1.0, "iso14001-2015": 1.0, "iso45001-2018": 1.0}
    assert points[-1]["records"] == 237 and points[0]["records"] < 237
    assert all(p["actions_overdue"] == 0 for p in points)


def test_history_shows_the_paper_system_asleep(cli: Cli, made: dict[str, Path]) -> None:
    run = cli("history", "--today", TODAY, "--format", "json", cwd=made["paper-iso"])
    assert run.exit_code == 0, run.stderr
    points = json.loads(run.stdout)["points"]
    busy = sorted(p["date"][:7] for p in points if p["changes"])
    assert busy == ["2024-05", "2024-06", "2025-05", "2025-06", "2026-05", "2026-06", "2026-11"]
    assert {c for p in points for c in p["contributors"]} == {"Lorraine Taylor"}


def test_diff_from_the_first_commit(cli: Cli, made: dict[str, Path]) -> None:
    root = made["acme-logistics"]
    first = log(root)[0][0]
    run = cli("diff", first, "HEAD", "--today", TODAY, "--format", "json", cwd=root)
    assert run.exit_code == 0, run.stderr
    records = json.loads(run.stdout)["records"]
    added = {r["id"] for r in records["added"]}
    assert {"ACT-0236", "MR-2025", "MR-2026", "AUD-2026-01", "MR-2027-01-19", "AUD-2028-01"} <= added
    assert not records["removed"]
    changed = {r["id"]: r for r in records["changed"]}
    assert "ACT-0104" in changed and "POL-QHSE" in changed
    text = cli("diff", first, "HEAD", "--today", TODAY, cwd=root).stdout
    assert f"isoctl diff {first[:8]} (2024-11-25)" in text and "records 169 → 237" in text


@pytest.mark.parametrize(("name", "check_act", "of"), [("acme-logistics", 5, 124), ("paper-iso", 7, 11)])
def test_pulse(cli: Cli, made: dict[str, Path], name: str, check_act: int, of: int) -> None:
    run = cli("pulse", "--today", TODAY, "--format", "json", cwd=made[name])
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    near = data["before_audits"]
    assert (near["check_act"], near["of"]) == (check_act, of)
    active = data["active_months"]
    if name == "acme-logistics":
        assert min(active.values()) >= 11, "work in every stage almost every month"
    else:
        assert active["check"] <= 3 and active["act"] <= 2


def test_the_readme_shows_what_pulse_says_of_the_paper_system(cli: Cli, made: dict[str, Path]) -> None:
    """The README's pulse of the paper example is the command's output: its first lines and its last, as printed."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split(f"$ isoctl pulse --today {TODAY}\n", 1)[1].split("```", 1)[0].splitlines()
    head, tail = block[:block.index("...")], block[block.index("...") + 1:]
    run = cli("pulse", "--today", TODAY, cwd=made["paper-iso"])
    assert run.exit_code == 0, run.stderr
    printed = run.stdout.splitlines()
    assert len(head) > 5 and printed[:len(head)] == head
    assert tail and printed[-len(tail):] == tail


def test_an_action_is_first_committed_as_raised(made: dict[str, Path]) -> None:
    """ACT-0210 arrives open days after it was raised, is closed in February and verified in June, each by its own person."""
    repo = GitRepo(made["acme-logistics"])
    commits = [c for c in log(made["acme-logistics"]) if "ACT-0210" in c[5]]
    assert [(c[1], c[3][:10], c[5].split(":")[0]) for c in commits] == [
        ("Ben Carter", "2026-01-12", "Raise ACT-0210"),
        ("Tom Brennan", "2026-02-23", "Close ACT-0210"),
        ("Ravi Patel", "2026-06-12", "Verify ACT-0210; record AUD-2026-02"),
    ]
    raised = repo.git("show", f"{commits[0][0]}:actions/2026.yaml")
    item = raised.split("- id: ACT-0210\n")[1].split("\n- id:")[0]
    assert "status: open" in item and "root_cause" not in item and "closed_on" not in item
    closed = repo.git("show", f"{commits[1][0]}:actions/2026.yaml").split("- id: ACT-0210\n")[1].split("\n- id:")[0]
    assert "closed_on: 2026-02-20" in closed and "verification" not in closed


def test_works_with_no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed command, with no user.name or user.email anywhere (and no home to find them in)."""
    isolate_git(monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path))
    unset = subprocess.run(["git", "config", "user.name"], cwd=tmp_path, capture_output=True, check=False)
    assert unset.returncode == 1, "no git identity is configured"
    run_isoctl("init", "paper", "--example", "paper-iso", cwd=tmp_path).expect(0, "Created a workspace")
    commits = log(tmp_path / "paper")
    assert len(commits) == EXPECTED["paper-iso"][0]
    assert {(c[1], c[2]) for c in commits} == {("Lorraine Taylor", "lorraine@paperweight-components.example")}


def test_no_git_is_a_plain_copy(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "plain", "--example", "nimbus-cloud", "--no-git")
    assert run.exit_code == 0, run.stderr
    assert not (tmp_path / "plain" / ".git").exists()
    assert (tmp_path / "plain" / "isoctl.yaml").read_bytes() == (EXAMPLES / "nimbus-cloud" / "isoctl.yaml").read_bytes()
    assert not (tmp_path / "plain" / "_history").exists() and not list((tmp_path / "plain").rglob("*.history*"))


def test_inside_a_repository_no_history_is_made(cli: Cli, tmp_path: Path) -> None:
    outer = GitRepo.init(tmp_path / "product")
    outer.commit("product code", files={"src/app.py": "print('hi')\n"})
    run = cli("init", "compliance", "--example", "paper-iso", cwd=outer.root)
    assert run.exit_code == 0, run.stderr
    assert not (outer.root / "compliance" / ".git").exists()
    assert len(log(outer.root)) == 1, "the product repository gets no commits of its own from the example"


TINY_ACTIONS = """\
# Action log
- id: ACT-1
  kind: action
  type: nonconformity
  severity: minor
  title: Wrong label
  owner: ann
  raised_on: 2026-01-05
  raised_by: bob
  root_cause: No check at packing.
  corrective_action: Label check added.
  status: closed
  closed_on: 2026-02-10
  verification: {"on": 2026-04-01, by: ann, effective: true}
- id: ACT-2
  kind: action
  type: improvement
  title: Faster packing
  raised_on: 2026-03-01
  raised_by: bob
"""

TINY_POLICY = """\
---
id: POL-QUALITY
kind: document
type: policy
title: Quality policy
status: approved
version: "3"
approved_by: ann
approved_on: 2026-03-15
---
We ship what was ordered.
"""

TINY_HISTORY = """\
timezone: "+01:00"
steps:
  - date: 2026-01-06
    author: ann
    message: Start
    add: [isoctl.yaml, ACT-1]
    earlier:
      POL-QUALITY: {version: "2", approved_on: 2025-03-10}
  - date: 2026-02-11 16:30
    author: ann
    message: Close ACT-1
    add: [ACT-1]
  - date: 2026-03-02
    author: bob
    message: Raise ACT-2
    add: [ACT-2]
  - date: 2026-03-16
    author: ann
    message: Review the policy
    add: [POL-QUALITY]
  - date: 2026-04-02
    author: ann
    message: Verify ACT-1
    add: [actions/]
"""


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shipped examples directory with one small example and its history; returns the history file."""
    from isoctl.files import resources

    shipped = tmp_path / "shipped" / "examples"
    example = shipped / "tiny"
    (example / "actions").mkdir(parents=True)
    (example / "isoctl.yaml").write_text(
        "isoctl: 1\norganization: {name: Tiny}\nstandards: [iso9001:2015]\npeople:\n"
        "  - {id: ann, name: Ann Lee, email: ann@tiny.example, top_management: true}\n  - {id: bob, name: Bob Roy}\n")
    (example / "actions" / "log.yaml").write_text(TINY_ACTIONS)
    (example / "POL-QUALITY.md").write_text(TINY_POLICY)
    (shipped / "_history").mkdir()
    (shipped / "_history" / "tiny.yaml").write_text(TINY_HISTORY)
    real = resources.data_dir
    monkeypatch.setattr(resources, "data_dir", lambda name: shipped if name == "examples" else real(name))
    return shipped / "_history" / "tiny.yaml"


def test_records_are_committed_as_they_stood(tiny: Path, cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "ws", "--example", "tiny")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "ws"
    repo = GitRepo(root)
    commits = log(root)
    assert [(c[1], c[2], c[3], c[5]) for c in commits] == [
        ("Ann Lee", "ann@tiny.example", "2026-01-06T09:07:00+01:00", "Start"),
        ("Ann Lee", "ann@tiny.example", "2026-02-11T16:30:00+01:00", "Close ACT-1"),
        ("Bob Roy", "bob@example.org", "2026-03-02T09:01:00+01:00", "Raise ACT-2"),
        ("Ann Lee", "ann@tiny.example", "2026-03-16T09:08:00+01:00", "Review the policy"),
        ("Ann Lee", "ann@tiny.example", "2026-04-02T09:15:00+01:00", "Verify ACT-1"),
    ]
    first = repo.git("show", f"{commits[0][0]}:actions/log.yaml")
    assert first == (TINY_ACTIONS.split("- id: ACT-2")[0].replace("  root_cause: No check at packing.\n", "")
                     .replace("  corrective_action: Label check added.\n", "").replace("status: closed", "status: open")
                     .split("  closed_on:")[0]).rstrip("\n")
    closed = repo.git("show", f"{commits[1][0]}:actions/log.yaml")
    assert "closed_on: 2026-02-10" in closed and "verification" not in closed and "ACT-2" not in closed
    policy = repo.git("show", f"{commits[0][0]}:POL-QUALITY.md")
    assert 'version: "2"\n' in policy and "approved_on: 2025-03-10\n" in policy
    assert repo.git("show", f"{commits[3][0]}:POL-QUALITY.md") + "\n" == TINY_POLICY
    assert (root / "actions" / "log.yaml").read_text() == TINY_ACTIONS and not repo.dirty()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    add: [actions/]\n", "    add: [isoctl.yaml]\n"), "the history does not end in the example's files: actions/log.yaml"),
        (("author: bob", "author: eve"), "authors eve are no people of the example's isoctl.yaml"),
        (("add: [ACT-2]", "add: [ACT-3]"), "step 3 adds 'ACT-3', which is no file or record id of the example"),
        (("2026-03-02", "2025-03-02"), "step 3: dated 2025-03-02 09:01, before the step above it"),
        (("2026-03-16", "2026-13-16"), "step 4: '2026-13-16' is not a date and time"),
        (("    author: bob\n", ""), "step 3: every step needs an author (a person id) and a message"),
        (('timezone: "+01:00"', 'timezone: "+01:00"\nrepo: elsewhere'), "a mapping of 'timezone', 'read_on' and a list"),
        (('timezone: "+01:00"', 'timezone: "+01:00"\nread_on: 2025-01-01'), "read_on 2025-01-01 is before the last step"),
        (('timezone: "+01:00"', 'timezone: "+01:00"\nread_on: soon'), "read_on must be a date (YYYY-MM-DD)"),
    ],
)
def test_a_broken_history_creates_nothing(tiny: Path, cli: Cli, tmp_path: Path, change: tuple[str, str],
                                          message: str) -> None:
    tiny.write_text(TINY_HISTORY.replace(*change))
    run = cli("init", "ws", "--example", "tiny")
    assert run.exit_code == 2, run.stdout
    assert message in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "ws").exists()


def test_the_history_folder_is_no_example(tiny: Path, cli: Cli) -> None:
    run = cli("init", "ws", "--example", "nope")
    assert run.exit_code == 2 and "available examples: tiny\n" in run.stderr + "\n"


def test_a_broken_history_leaves_a_given_folder_empty(tiny: Path, cli: Cli, tmp_path: Path) -> None:
    tiny.write_text(TINY_HISTORY.replace("    add: [actions/]\n", "    add: [isoctl.yaml]\n"))
    (tmp_path / "ws").mkdir()
    run = cli("init", "ws", "--example", "tiny")
    assert run.exit_code == 2 and "does not end in the example's files" in run.stderr
    assert list((tmp_path / "ws").iterdir()) == []


def test_report_document_register_shows_each_revision(cli: Cli, made: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    run = cli("report", "--today", TODAY, "--format", "md", "-o", str(out), cwd=made["acme-logistics"])
    assert run.exit_code in (0, 1), run.stderr
    row = next(line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| POL-QHSE |"))
    assert "Daniel Greaves 2026-01-20" in row
    assert row.count("Sana Khan:") == 3, "imported, then approved again in 2025 and 2026 by its owner"
    assert "Approve POL-QHSE version 5" in row and "Approve POL-QHSE version 6" in row


def test_a_living_system_was_living_at_its_last_audit(cli: Cli, made: dict[str, Path]) -> None:
    """Evaluated as it was on the day of its 2026 surveillance audit, acme-logistics passes the history rules too."""
    run = cli("check", "--at", "2026-03-09", "--today", "2026-03-09", "--format", "json", "--exit-zero",
              cwd=made["acme-logistics"])
    findings = json.loads(run.stdout)["findings"]
    assert [f["rule"] for f in findings if f["rule"] in HISTORY_RULES] == []
    assert json.loads(run.stdout)["summary"]["records"] == 203


def test_the_manifest_as_it_stood_before_certification(made: dict[str, Path]) -> None:
    """nimbus-cloud starts in git ten months before its certification audit: audits planned, no certificate yet."""
    repo = GitRepo(made["nimbus-cloud"])
    commits = log(made["nimbus-cloud"])
    first = repo.git("show", f"{commits[0][0]}:isoctl.yaml")
    assert "{type: certification, date: 2024-11-26, status: planned}" in first
    assert "issued:" not in first and "certificate:" not in first and "status: done" not in first
    issued = next(c for c in commits if c[5].startswith("The certificates are issued"))
    assert issued[3][:10] == "2025-01-14"
    manifest = repo.git("show", f"{issued[0]}:isoctl.yaml")
    assert 'certificate: "ISMS-24-0871"' in manifest and "issued: 2025-01-13" in manifest
    assert "{type: certification, date: 2024-11-26, status: done}" in manifest
    assert "{type: surveillance, date: 2025-11-18, status: planned}" in manifest
    # the SoA's approval is in isoctl.yaml from the day the board gave it, not before
    assert "approved_on: 2026-10-20" not in manifest
    approved = next(c for c in commits if c[5].startswith("Statement of Applicability version 2026-2 approved"))
    assert approved[3][:10] == "2026-10-20" and approved[1] == "Dr. Miriam Krause"
    assert "soa: {version: '2026-2', approved_by: mkrause, approved_on: 2026-10-20}" in \
        repo.git("show", f"{approved[0]}:isoctl.yaml")
