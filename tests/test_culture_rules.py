"""How the system is lived, read from real repositories with dated commits: late-recording, narrow-participation,
silent-period, post-certification-slump, static-objectives and changed-after-approval, each on both sides of its
threshold, with authors mapped through the manifest, a merge, a shallow clone and a single commit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers import JANE, MANIFEST, POLICY, Cli, GitRepo, policy

AMIR = "Amir Khan <amir@example.com>"
MIA = "Mia Nowak <mia@example.com>"
TODAY = "2026-11-21"
CULTURE = ["late-recording", "narrow-participation", "silent-period", "post-certification-slump",
           "static-objectives", "changed-after-approval"]

CERTIFIED = MANIFEST + "certification:\n  iso9001:\n    audits:\n      - {type: certification, date: 2025-03-10}\n"


def action(n: int, raised: str, *, kind: str = "nonconformity", by: str = "akhan", extra: str = "") -> str:
    return (f"- id: ACT-{n}\n  kind: action\n  type: {kind}\n  title: Action {n}\n  raised_on: {raised}\n"
            f"  raised_by: {by}\n{extra}")


def findings(cli: Cli, root: Path, rule: str, today: str = TODAY) -> list[str]:
    result = cli("check", "-f", "json", "--today", today, "--select", rule, cwd=root)
    assert result.exit_code in (0, 1), result.stderr
    return [f"{f['path']}:{f['line']}: {f['message']}" for f in json.loads(result.stdout)["findings"]]


def repo_with(tmp_path: Path, manifest: str = MANIFEST, day: dt.date = dt.date(2025, 1, 5)) -> GitRepo:
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("Start the management system", files={"isoctl.yaml": manifest}, date=day, author=AMIR)
    return repo


# late-recording ------------------------------------------------------------------------------------------------


def test_events_committed_months_late_in_one_batch_are_reported(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    log = "".join(action(n, f"2026-0{n}-10") for n in range(1, 6))
    repo.commit("Write up the year's actions", files={"actions/log.yaml": log}, date="2026-06-20", author=AMIR)
    assert findings(cli, repo.root, "late-recording") == [
        "isoctl.yaml:1: 5 of the 5 events of the last year were committed more than 14 days after they happened "
        "(median delay 102 days; settings.late_recording_days is 14); 5 were entered in one commit "
        f"({repo.sha()[:8]} of 2026-06-20 by Amir Khan); the latest: ACT-1 raised on 2026-01-10, committed "
        "2026-06-20 (161 days later), ACT-2 raised on 2026-02-10, committed 2026-06-20 (130 days later), ACT-3 "
        "raised on 2026-03-10, committed 2026-06-20 (102 days later): records written after the fact are "
        "reconstructions"
    ]


def test_events_committed_within_days_are_not(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    log = ""
    for n in range(1, 6):
        log += action(n, f"2026-0{n}-10")
        repo.commit(f"Log ACT-{n}", files={"actions/log.yaml": log}, date=f"2026-0{n}-{10 + n}", author=AMIR)
    assert findings(cli, repo.root, "late-recording") == []


def test_the_delay_runs_to_the_commit_that_first_states_each_date(cli: Cli, tmp_path: Path) -> None:
    """A verification written up three months after it happened is late even though the action was logged on time."""
    repo = repo_with(tmp_path)
    log = "".join(action(n, f"2026-0{n}-10") for n in range(1, 4))
    repo.commit("Log three actions", files={"actions/log.yaml": log}, date="2026-03-12", author=AMIR)
    verified = "".join(action(n, f"2026-0{n}-10", extra=(
        "  status: closed\n  closed_on: 2026-04-01\n  root_cause: worn part\n"
        f"  verification: {{'on': 2026-04-0{n + 1}, by: jsmith, effective: true}}\n")) for n in range(1, 4))
    repo.commit("Verify them", files={"actions/log.yaml": verified}, date="2026-07-30", author=AMIR)
    [message] = findings(cli, repo.root, "late-recording")
    assert "6 events" in message and "5 of the 6" in message and "3 were entered in one commit" in message
    assert "ACT-1 verified on 2026-04-02, committed 2026-07-30 (119 days later)" in message


def test_events_before_the_first_commit_are_not_judged(cli: Cli, tmp_path: Path) -> None:
    """A system imported into git today cannot have recorded last year's events in it on time."""
    repo = GitRepo.init(tmp_path / "qms")
    log = "".join(action(n, f"2026-0{n}-10") for n in range(1, 6))
    repo.commit("Import the system", files={"isoctl.yaml": MANIFEST, "actions/log.yaml": log}, date="2026-06-20")
    assert findings(cli, repo.root, "late-recording") == []


# changed-after-approval -----------------------------------------------------------------------------------------


def test_an_edit_after_approval_under_the_same_version_is_reported(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    repo.commit("Approve the quality policy", files=policy(), date="2026-02-01", author=JANE)
    repo.commit("Tweak the wording", files=policy(body="We deliver on time, every time."), date="2026-05-12",
                author=MIA)
    sha = repo.sha()
    assert findings(cli, repo.root, "changed-after-approval") == [
        "documents/quality-policy.md:9: POL-1 changed in a commit after its approval on 2026-02-01, still version 1 "
        f"approved by Jane Smith: the last, {sha[:8]} of 2026-05-12 by Mia Nowak (\"Tweak the wording\"), changed "
        "its text; an approved document changes only with a new version and approval"
    ]


def test_a_new_version_with_a_new_approval_is_controlled(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    repo.commit("Approve the quality policy", files=policy(), date="2026-02-01", author=JANE)
    repo.commit("Version 2", files=policy("2", "2026-05-12", "We deliver on time, every time."), date="2026-05-12")
    assert findings(cli, repo.root, "changed-after-approval") == []


def test_comments_layout_and_review_dates_are_no_change(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    repo.commit("Approve the quality policy", files=policy(), date="2026-02-01", author=JANE)
    text = POLICY.format(version="1", approved="2026-02-01", body="We deliver on time.")
    text = text.replace("# owner: the managing director", "# owner: the MD\nnext_review: 2027-02-01")
    text = text.replace('version: "1"', "version: '1'")
    repo.commit("Comment and review date", files={"documents/quality-policy.md": text}, date="2026-06-01")
    assert findings(cli, repo.root, "changed-after-approval") == []


def test_an_attached_file_changed_after_approval_is_reported(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    record = ("id: PRO-1\nkind: document\ntype: procedure\ntitle: Dispatch procedure\nstatus: approved\nversion: '4'\n"
              "approved_by: jsmith\napproved_on: 2026-02-01\npath: files/dispatch.pdf\n")
    repo.commit("Approve the dispatch procedure", files={"documents/dispatch.yaml": record,
                                                        "files/dispatch.pdf": b"%PDF-1.7 v4"}, date="2026-02-01")
    repo.commit("Replace the PDF", files={"files/dispatch.pdf": b"%PDF-1.7 v4 edited"}, date="2026-03-03", author=MIA)
    [message] = findings(cli, repo.root, "changed-after-approval")
    assert message.startswith("documents/dispatch.yaml:8: PRO-1 changed in a commit after its approval on 2026-02-01")
    assert "changed its file files/dispatch.pdf" in message


# static-objectives ------------------------------------------------------------------------------------------------

OBJECTIVE = """\
id: OBJ-1
kind: objective
title: On-time delivery
target: {target}
unit: "%"
direction: increase
due: {due}
"""


def test_an_objective_left_unchanged_long_after_it_fell_due_is_reported(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, day=dt.date(2023, 1, 5))
    repo.commit("Set the objective", files={"objectives/otd.yaml": OBJECTIVE.format(target=98, due="2024-06-30")},
                date="2023-01-10")
    assert findings(cli, repo.root, "static-objectives") == [
        "objectives/otd.yaml:7: OBJ-1: target 98 % by 2024-06-30 unchanged since 2023-01-10 (1,411 days, where "
        "settings.objective_static_days is 730), and its due date passed 874 days ago: judge it and set the next "
        "target or date"
    ]


def test_an_objective_revised_when_it_fell_due_is_not(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, day=dt.date(2023, 1, 5))
    repo.commit("Set the objective", files={"objectives/otd.yaml": OBJECTIVE.format(target=98, due="2024-06-30")},
                date="2023-01-10")
    repo.commit("Next year's target", files={"objectives/otd.yaml": OBJECTIVE.format(target=97, due="2026-06-30")},
                date="2025-07-02")
    assert findings(cli, repo.root, "static-objectives") == []  # due passed, but changed 507 days ago


# silent-period and post-certification-slump -------------------------------------------------------------------------


def test_months_without_a_record_change_while_certified_are_reported(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, CERTIFIED, dt.date(2025, 1, 5))
    for n, day in enumerate(["2025-09-01", "2025-10-01", "2026-02-20", "2026-03-10"]):
        repo.commit(f"Log ACT-{n}", files={f"actions/act-{n}.yaml": action(n, day)[2:].replace("\n  ", "\n")},
                    date=day)
    assert findings(cli, repo.root, "silent-period") == [
        "isoctl.yaml:9: no record changed from 2025-03-10 to 2025-08-31 (175 days) while the iso9001 certificate "
        "was valid; a system that is used changes more often than every 90 days (settings.silent_days)",
        "isoctl.yaml:9: no record changed from 2025-10-02 to 2026-02-19 (141 days) while the iso9001 certificate "
        "was valid; a system that is used changes more often than every 90 days (settings.silent_days)",
        "isoctl.yaml:9: no record has changed since 2026-03-10 (256 days to today) while the iso9001 certificate "
        "was valid; a system that is used changes more often than every 90 days (settings.silent_days)",
    ]


def test_no_certificate_means_no_silent_period_and_short_gaps_pass(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, MANIFEST)
    repo.commit("One record", files={"actions/a.yaml": action(1, "2025-02-01")[2:].replace("\n  ", "\n")},
                date="2025-02-01")
    assert findings(cli, repo.root, "silent-period") == []
    busy = repo_with(tmp_path / "busy", CERTIFIED, dt.date(2025, 1, 5))
    for n in range(25):
        day = dt.date(2025, 1, 10) + dt.timedelta(days=80 * n)
        if day.isoformat() > TODAY:
            break
        busy.commit(f"Log ACT-{n}", files={f"actions/act-{n}.yaml": action(n, day.isoformat())[2:].replace("\n  ", "\n")},
                    date=day)
    assert findings(cli, busy.root, "silent-period") == []


def test_a_slump_after_certification_is_reported(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, CERTIFIED, dt.date(2024, 3, 1))
    days = [dt.date(2024, 4, 1) + dt.timedelta(days=11 * n) for n in range(30)] + [dt.date(2025, 9, 1)]
    for n, day in enumerate(days):
        repo.commit(f"Log ACT-{n}", files={f"actions/act-{n}.yaml": action(n, day.isoformat())[2:].replace("\n  ", "\n")},
                    date=day)
    assert findings(cli, repo.root, "post-certification-slump") == [
        "isoctl.yaml:10: 1 record change in the year after the certification audit of 2025-03-10, against 30 in "
        "the year before it: activity fell by 97%; so lopsided a split happens by chance less than 1 time in a million"
    ]


def test_steady_work_after_certification_is_no_slump(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, CERTIFIED, dt.date(2024, 3, 1))
    days = [dt.date(2024, 4, 1) + dt.timedelta(days=25 * n) for n in range(30)]
    for n, day in enumerate(days):
        repo.commit(f"Log ACT-{n}", files={f"actions/act-{n}.yaml": action(n, day.isoformat())[2:].replace("\n  ", "\n")},
                    date=day)
    assert findings(cli, repo.root, "post-certification-slump") == []


# narrow-participation ---------------------------------------------------------------------------------------------

TEAM = MANIFEST + """\
  - id: mnowak
    name: Mia Nowak
    role: QHSE manager
    coordinator: true
    git: [mia.nowak@home.example, "Mia N"]
  - {id: tlee, name: Tom Lee, role: Driver}
  - {id: rpatel, name: Ravi Patel, role: Warehouse operative}
"""


def test_one_voice_is_reported_with_authors_mapped_through_the_manifest(cli: Cli, tmp_path: Path) -> None:
    """Mia commits from two machines under two names; both count as her, and only she raises anything."""
    repo = repo_with(tmp_path, TEAM, dt.date(2025, 11, 1))
    log = ""
    for n in range(1, 7):
        log += action(n, f"2026-0{n}-10", by="mnowak", kind="improvement" if n == 3 else "nonconformity")
        who = MIA if n % 2 else "Mia N <mia.nowak@home.example>"
        repo.commit(f"Log ACT-{n}", files={"actions/log.yaml": log}, date=f"2026-0{n}-11", author=who)
    assert findings(cli, repo.root, "narrow-participation") == [
        "isoctl.yaml:5: over the last year Mia Nowak accounts for 6 of the 6 actions raised (100%); Mia Nowak accounts "
        "for 6 of the 6 record changes (100%); none of the 6 actions of the year is an improvement or ofi raised by "
        "anyone but Mia Nowak (marked coordinator): improvement rests on too few people"
    ]


def test_many_voices_and_ideas_from_the_floor_pass(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path, TEAM, dt.date(2025, 11, 1))
    people = [("tlee", "Tom Lee <tom@example.com>"), ("rpatel", "Ravi Patel <ravi@example.com>"),
              ("akhan", AMIR), ("jsmith", JANE), ("mnowak", MIA), ("tlee", "Tom Lee <tom@example.com>")]
    log = ""
    for n, (person, author) in enumerate(people, start=1):
        log += action(n, f"2026-0{n}-10", by=person, kind="ofi" if person == "tlee" else "nonconformity")
        repo.commit(f"Log ACT-{n}", files={"actions/log.yaml": log}, date=f"2026-0{n}-11", author=author)
    assert findings(cli, repo.root, "narrow-participation") == []


# every rule: shallow clones, single commits, merges ------------------------------------------------------------------


def test_a_shallow_clone_skips_every_culture_rule_and_says_so(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    log = "".join(action(n, f"2026-0{n}-10") for n in range(1, 6))
    repo.commit("Write up the year's actions", files={"actions/log.yaml": log}, date="2026-06-20")
    repo.commit("Approve", files=policy(), date="2026-07-01")
    repo.commit("Edit", files=policy(body="Changed."), date="2026-08-01")
    clone = repo.clone(tmp_path / "clone", depth=1).root
    args = [arg for rule in CULTURE for arg in ("--select", rule)]
    result = cli("check", "-f", "json", "--today", TODAY, *args, cwd=clone)
    assert result.exit_code == 0 and json.loads(result.stdout)["findings"] == []
    note = result.stderr
    assert "shallow clone" in note and all(rule in note for rule in CULTURE)
    full = cli("check", "-f", "json", "--today", TODAY, *args, cwd=repo.root)
    assert {f["rule"] for f in json.loads(full.stdout)["findings"]} >= {"late-recording", "changed-after-approval"}


def test_a_single_commit_has_nothing_to_say(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("Everything at once", files={"isoctl.yaml": CERTIFIED, **policy(),
                                            "objectives/otd.yaml": OBJECTIVE.format(target=98, due="2026-06-30")},
                date="2026-11-20")
    args = [arg for rule in CULTURE for arg in ("--select", rule)]
    result = cli("check", "-f", "json", "--today", TODAY, *args, cwd=repo.root)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["findings"] == []


def test_a_merged_branch_counts_as_its_merge_commit(cli: Cli, tmp_path: Path) -> None:
    """The first-parent line is what was accepted: an edit made on a branch lands when it is merged."""
    repo = repo_with(tmp_path)
    repo.commit("Approve the quality policy", files=policy(), date="2026-02-01", author=JANE)
    repo.git("checkout", "--quiet", "-b", "wording")
    repo.commit("Tweak the wording", files=policy(body="Reworded."), date="2026-03-01", author=MIA)
    repo.git("checkout", "--quiet", "main")
    repo.commit("Unrelated", files={"actions/a.yaml": action(1, "2026-03-02")[2:].replace("\n  ", "\n")},
                date="2026-03-02")
    repo.git("merge", "--quiet", "--no-ff", "-m", "Merge the new wording", "wording", date="2026-04-04", author=JANE)
    [message] = findings(cli, repo.root, "changed-after-approval")
    assert "of 2026-04-04 by Jane Smith (\"Merge the new wording\")" in message


@pytest.mark.parametrize("rule", CULTURE)
def test_every_culture_rule_is_documented_with_its_setting(cli: Cli, rule: str) -> None:
    result = cli("rules", rule)
    text = " ".join(result.stdout.split())
    assert result.exit_code == 0 and "Needs the git history (not a shallow clone)" in text and "Fails:" in text


def test_the_document_register_marks_an_uncontrolled_change(cli: Cli, tmp_path: Path) -> None:
    repo = repo_with(tmp_path)
    repo.commit("Approve the quality policy", files=policy(), date="2026-02-01", author=JANE)
    repo.commit("Tweak the wording", files=policy(body="We deliver on time, every time."), date="2026-05-12",
                author=MIA)
    markdown = cli("report", "-f", "md", "--today", TODAY, cwd=repo.root)
    assert markdown.exit_code == 0, markdown.stderr
    [row] = [line for line in markdown.stdout.splitlines() if line.startswith("| POL-1 |")]
    assert "| approved **uncontrolled change** | 1 |" in row
    assert f"- POL-1 changed in a commit after its approval on 2026-02-01, still version 1 approved by Jane Smith: " \
           f"the last, {repo.sha()[:8]}" in markdown.stdout
    page = cli("report", "-f", "html", "--today", TODAY, cwd=repo.root)
    assert page.exit_code == 0 and 'class="uncontrolled"' in page.stdout and "uncontrolled change</span>" in page.stdout
    controlled = repo_with(tmp_path / "other")
    controlled.commit("Approve the quality policy", files=policy(), date="2026-02-01", author=JANE)
    clean = cli("report", "-f", "md", "--today", TODAY, cwd=controlled.root)
    assert "uncontrolled change" not in clean.stdout


def test_commits_after_the_evaluation_date_are_not_yet_history(cli: Cli, tmp_path: Path) -> None:
    """--today before the last commits judges the system as it stood that day: a later edit has not happened yet."""
    repo = repo_with(tmp_path)
    repo.commit("Approve the quality policy", files=policy(), date="2026-02-01", author=JANE)
    repo.commit("Tweak the wording", files=policy(body="Reworded."), date="2026-05-12", author=MIA)
    assert findings(cli, repo.root, "changed-after-approval", today="2026-05-11") == []
    assert len(findings(cli, repo.root, "changed-after-approval", today="2026-05-12")) == 1
