"""``isoctl review prepare``: a draft management review filled from the repository, and its meeting pack."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import Cli, GitRepo, Golden, committed_example, make_workspace

from isoctl.rules.reviews import REVIEW_INPUTS

NO_DATA = "no data in the repository"
ALL_KEYS = list(dict.fromkeys(k for keys in REVIEW_INPUTS.values() for k in keys))

EVERY_STANDARD = """\
isoctl: 1
organization: {name: Every Standard Ltd}
standards: [iso9001:2015, iso14001:2015, iso45001:2018, iso27001:2022, iso22301:2019]
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - {id: pjones, name: Pat Jones, role: Operations Director, top_management: true}
  - {id: akhan, name: Amir Khan, role: Management System Lead}
"""

#: The state at the previous review (committed on 2026-01-05, the review held on 2026-01-10).
BEFORE = {
    "reviews/MR-1.yaml": """\
id: MR-1
kind: review
title: Management review January
owner: akhan
date: 2026-01-10
attendees: [jsmith, akhan]
inputs: {previous_actions: First review}
outputs: {decisions: [Buy a second forklift.], resources: [Second forklift]}
actions: [ACT-1]
""",
    "context/issues.yaml": "- {id: ISS-1, kind: issue, title: Fuel prices, type: external, climate: relevant}\n",
    "context/parties.yaml": "- {id: PTY-1, kind: party, title: Customers, needs: [On-time delivery]}\n",
    "risks.yaml": "- {id: RSK-1, kind: risk, title: Forklift breakdown, likelihood: 3, impact: 4, treatment: mitigate}\n",
    "aspects.yaml": "- {id: ASP-1, kind: aspect, title: Diesel, activity: Transport, aspect: Fuel use, impact: Emissions, significant: true, reviewed_on: 2026-02-01}\n",
    "bia.yaml": "- {id: BIA-1, kind: activity, title: Despatch, rto: 4h, reviewed_on: 2026-03-01}\n",
    "soa.yaml": "- {id: SOA-A.5.1, kind: control, title: Policies, control: iso27001:A.5.1, applicable: true, "
                "justification: Needed, status: partial}\n",
}

#: What happened after the review (committed on 2026-05-01).
AFTER = {
    "context/issues.yaml": BEFORE["context/issues.yaml"]
    + "- {id: ISS-2, kind: issue, title: New low-emission zone, type: external}\n",
    "context/parties.yaml": "- {id: PTY-1, kind: party, title: Customers, needs: [On-time delivery, Carbon data]}\n",
    "actions.yaml": """\
- {id: ACT-1, kind: action, title: Second forklift, type: improvement, source: management-review, raised_on: 2026-01-10, due: 2026-03-31, status: open}
- {id: ACT-2, kind: action, title: Wrong pallets shipped, type: nonconformity, severity: minor, raised_on: 2026-02-03, clauses: [iso9001:8.5.1], status: closed, closed_on: 2026-03-01, root_cause: Labels, corrective_action: Scanner, verification: {on: 2026-04-01, by: akhan, effective: true}}
- {id: ACT-3, kind: action, title: Wrong pallets again, type: nonconformity, severity: major, raised_on: 2026-04-10, clauses: [iso9001:8.5.1], due: 2026-05-01, status: open}
- {id: ACT-4, kind: action, title: Hand injury, type: incident, severity: minor, raised_on: 2026-03-15, status: in-progress, due: 2026-07-31}
- {id: ACT-5, kind: action, title: Late delivery complaint, type: complaint, raised_on: 2026-03-20, status: open, due: 2026-08-01}
- {id: ACT-6, kind: action, title: Route planning tool, type: ofi, raised_on: 2026-04-01, status: open, related: [SUP-1]}
""",
    "objectives.yaml": """\
- id: OBJ-OTIF
  kind: objective
  title: On-time deliveries
  target: 98
  unit: "%"
  direction: increase
  measurements: [{date: 2025-12-31, value: 95}, {date: 2026-03-31, value: 96.5}, {date: 2026-05-31, value: 97}]
""",
    "audits.yaml": """\
- {id: AUD-1, kind: audit, title: Warehouse audit, type: internal, status: done, date: 2026-03-10, auditor: akhan,
   findings: [{id: F1, type: minor, clause: iso9001:8.5.1, action: ACT-3}, {id: F2, type: ofi, description: Route tool}]}
- {id: AUD-EXT, kind: audit, title: Surveillance, type: surveillance, status: done, date: 2026-04-20, findings: []}
- {id: AUD-SUP, kind: audit, title: Haulier audit, type: supplier, status: done, date: 2026-04-25, findings: [{id: F1, type: observation}]}
""",
    "competence.yaml": "- {id: CMP-1, kind: competence, title: Forklift licence, person: akhan, completed_on: 2026-02-10, expires_on: 2026-08-15}\n",
    "risks.yaml": BEFORE["risks.yaml"]
    + "- {id: OPP-1, kind: risk, type: opportunity, title: Electric vans, reviewed_on: 2026-04-01}\n",
    "processes.yaml": "- {id: PRC-DESPATCH, kind: process, title: Despatch, kpis: [OBJ-OTIF]}\n",
    "suppliers.yaml": "- {id: SUP-1, kind: supplier, title: Haulier, service: Trunking, evaluated_on: 2026-03-01, rating: 2, approved: true}\n",
    "obligations.yaml": "- {id: OBL-1, kind: obligation, title: Waste carrier licence, source: EPA 1990, evaluated_on: 2026-02-20, compliant: false}\n",
    "records/newsletter.yaml": "- {id: REC-NEWS, kind: document, title: Neighbour newsletter, type: record, status: approved, tags: [communications]}\n",
    "records/committee.yaml": "- {id: REC-HSC, kind: document, title: Safety committee minutes March, type: record, status: approved}\n",
    "exercises.yaml": "- {id: EX-1, kind: exercise, title: Fire drill, date: 2026-04-15, scenario: Warehouse fire, outcome: Evacuated in 4 minutes, actions: [ACT-4]}\n",
}

#: A fact each input must state about the workspace above.
FACTS = {
    "previous_actions": "MR-1 (2026-01-10) raised 1 action: ACT-1 open, 91 days overdue (due 2026-03-31)",
    "context_changes": "Added since 2026-01-11: ISS-2 New low-emission zone",
    "interested_party_changes": "Changed since 2026-01-11: PTY-1 (needs)",
    "nonconformities": "Recurrence: ACT-3 on iso9001:8.5.1 again after ACT-2",
    "monitoring_results": "2 measurements of 1 objective since 2026-01-11",
    "audit_results": "Internal audits held since 2026-01-11: 1; AUD-1 on 2026-03-10 (1 minor, 1 ofi)",
    "objectives": "OBJ-OTIF On-time deliveries: 97 on 2026-05-31, target at least 98 %: not met; improving (from 95 on 2025-12-31)",
    "resources": "Competence: 1 course completed since 2026-01-11; 0 expired; 1 expiring within 90 days (CMP-1)",
    "risks_and_opportunities": "Added since 2026-01-11: OPP-1 Electric vans",
    "improvement_opportunities": "Opportunities for improvement from audits since 2026-01-11: AUD-1/F2",
    "customer_satisfaction": "Raised since 2026-01-11: 1 complaint: ACT-5",
    "process_performance": "PRC-DESPATCH Despatch: OBJ-OTIF not met, improving",
    "external_providers": "Rated 2 or lower: SUP-1 (2)",
    "compliance_obligations": "Evaluated not compliant: OBL-1",
    "significant_aspects": "1 aspect, 1 significant: ASP-1; 1 reviewed since 2026-01-11",
    "communications": "Tagged communications: REC-NEWS Neighbour newsletter",
    "worker_participation": "REC-HSC Safety committee minutes March",
    "incidents": "Raised since 2026-01-11: 1 incident (1 minor): ACT-4",
    "interested_party_feedback": "Changed since 2026-01-11: PTY-1 (needs)",
    "risk_treatment": "1 applicable control: 0 implemented, 1 partial, 0 planned, 0 not-started",
    "bia_and_risk_assessment": "1 activity in the business impact analysis; 1 reviewed since 2026-01-11",
    "exercise_results": "EX-1 on 2026-04-15 (Warehouse fire): Evacuated in 4 minutes; actions ACT-4",
    "supplier_performance": "Supplier audits: AUD-SUP on 2026-04-25 (1 observation)",
}


def _every_standard(root: Path) -> GitRepo:
    make_workspace(root, manifest=EVERY_STANDARD)
    repo = GitRepo.init(root)
    repo.commit("The system at the January review", files=BEFORE, date="2026-01-05")
    repo.commit("Spring's records", files=AFTER, date="2026-05-01")
    return repo


def _draft(root: Path, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((root / "reviews" / name).read_text(encoding="utf-8"))
    return loaded


def _findings(cli: Cli, root: Path, today: str) -> set[tuple[str, str | None, str]]:
    run = cli("check", str(root), "--today", today, "--format", "json", "--exit-zero").expect(0)
    return {(f["rule"], f["record"], f["message"]) for f in json.loads(run.stdout)["findings"]}


def test_every_input_of_every_standard_is_filled_from_the_records(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _every_standard(root)
    run = cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", "2026-07-02").expect(0)
    assert "reviews/MR-2026-07-02.yaml: draft review MR-2026-07-02 written" in run.stderr
    draft = _draft(root, "MR-2026-07-02.yaml")
    assert draft["status"] == "draft" and str(draft["date"]) == "2026-07-02"
    assert draft["attendees"] == ["jsmith", "pjones"]  # top management, expected
    assert draft["owner"] == "akhan"  # as the previous review
    assert list(draft["inputs"]) == ALL_KEYS
    for key, fact in FACTS.items():
        assert fact in draft["inputs"][key].splitlines(), f"{key}: {fact!r} not in\n{draft['inputs'][key]}"
    assert draft["outputs"] == {"decisions": [], "changes": [], "resources": [], "improvements": []}
    assert draft["actions"] == []
    # the pack shows the same facts, and no input without data
    assert NO_DATA not in run.stdout.casefold()
    assert "### 23. Performance of suppliers and partners" in run.stdout


def test_every_input_says_no_data_when_the_repository_has_none(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", manifest=EVERY_STANDARD)
    run = cli("review", "prepare", str(root), "--today", "2026-06-30").expect(0)
    draft = _draft(root, "MR-2026-06-30.yaml")
    assert draft["inputs"] == dict.fromkeys(ALL_KEYS, NO_DATA)
    assert run.stdout.count("**No data in the repository.** Discuss the gap.") == len(ALL_KEYS)
    assert "no earlier management review: everything in the repository so far" in run.stdout


@pytest.mark.parametrize("standard, own", [
    ("iso9001:2015", REVIEW_INPUTS["iso9001"]),
    ("iso14001:2015", REVIEW_INPUTS["iso14001"]),
    ("iso45001:2018", REVIEW_INPUTS["iso45001"]),
    ("iso27001:2022", REVIEW_INPUTS["iso27001"]),
    ("iso22301:2019", REVIEW_INPUTS["iso22301"]),
])
def test_the_inputs_are_those_of_the_standards_in_scope(cli: Cli, tmp_path: Path, standard: str, own: tuple[str, ...]
                                                         ) -> None:
    manifest = EVERY_STANDARD.replace(
        "[iso9001:2015, iso14001:2015, iso45001:2018, iso27001:2022, iso22301:2019]", f"[{standard}]")
    root = make_workspace(tmp_path / "ws", manifest=manifest)
    cli("review", "prepare", str(root), "--today", "2026-06-30").expect(0)
    assert list(_draft(root, "MR-2026-06-30.yaml")["inputs"]) == list(dict.fromkeys((*REVIEW_INPUTS["common"], *own)))


def test_acme_meeting_pack(cli: Cli, tmp_path: Path, golden: Golden) -> None:
    root = tmp_path / "acme"
    committed_example(root, "acme-logistics")
    run = cli("review", "prepare", str(root), "--today", "2026-11-21", "--date", "2026-12-01", "--dry-run").expect(0)
    golden("review/acme-logistics.md", run.stdout)
    assert "dry run: reviews/MR-2026-12-01.yaml: draft review MR-2026-12-01 would be written" in run.stderr
    assert not (root / "reviews" / "MR-2026-12-01.yaml").exists()


@pytest.mark.parametrize("example", ["acme-logistics", "nimbus-cloud", "paper-iso"])
def test_a_written_draft_leaves_check_as_it_was(cli: Cli, tmp_path: Path, example: str) -> None:
    root = tmp_path / example
    committed_example(root, example)
    before = _findings(cli, root, "2026-11-21")
    for day in ("2026-11-21", "2026-12-14"):  # today, and a meeting still ahead
        cli("review", "prepare", str(root), "--today", "2026-11-21", "--date", day).expect(0)
        draft = _draft(root, f"MR-{day}.yaml")
        assert draft["status"] == "draft" and all(text.strip() for text in draft["inputs"].values())
    assert _findings(cli, root, "2026-11-21") == before
    if example != "paper-iso":  # the shipped paper system has errors of its own; the others stay clean
        cli("check", str(root), "--today", "2026-11-21").expect(0)


def test_refreshing_replaces_only_the_inputs(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    repo = _every_standard(root)
    cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", "2026-07-02").expect(0)
    path = root / "reviews" / "MR-2026-07-02.yaml"
    text = path.read_text(encoding="utf-8")
    edited = (text.replace("attendees: [jsmith, pjones]", "attendees: [jsmith, akhan]  # Pat is away")
              .replace("  decisions: []", "  decisions: [Hire a planner]")
              .replace("actions: []", "actions: [ACT-6]\n# notes: the meeting moved to the canteen"))
    path.write_text(edited, encoding="utf-8")
    repo.commit("A new nonconformity", date="2026-06-20", files={"more-actions.yaml": (
        "- {id: ACT-7, kind: action, title: Damaged goods, type: nonconformity, raised_on: 2026-06-18, status: open}\n")})

    run = cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", "2026-07-02").expect(0)
    assert "inputs refreshed" in run.stderr
    refreshed = path.read_text(encoding="utf-8")
    outside = re.compile(r"^inputs:\n(?:  .*\n|    .*\n)*", re.M)
    assert outside.sub("", refreshed) == outside.sub("", edited)  # every byte outside the inputs as the person left it
    draft = yaml.safe_load(refreshed)
    assert "ACT-7" in draft["inputs"]["nonconformities"]
    assert draft["attendees"] == ["jsmith", "akhan"] and draft["outputs"]["decisions"] == ["Hire a planner"]

    again = cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", "2026-07-02").expect(0)
    assert "MR-2026-07-02 is up to date" in again.stderr
    assert path.read_text(encoding="utf-8") == refreshed


def test_a_held_review_is_never_changed(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _every_standard(root)
    cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", "2026-07-02").expect(0)
    path = root / "reviews" / "MR-2026-07-02.yaml"
    held = path.read_text(encoding="utf-8").replace("status: draft", "status: held")
    path.write_text(held, encoding="utf-8")
    cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", "2026-07-02").expect(
        2, "MR-2026-07-02 (reviews/MR-2026-07-02.yaml) is the review of 2026-07-02 and is not a draft")
    assert path.read_text(encoding="utf-8") == held
    # a review without status on that day is a held (or planned) one too
    cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", "2026-01-10").expect(2, "MR-1")


def _one_review(tmp_path: Path, organization: str, review_id: str, day: str, *, held: bool,
                top_management: bool) -> Path:
    """A workspace of one person, Jane Smith, and one review of ``day`` (without a status unless ``held``)."""
    review = (f"id: {review_id}\nkind: review\ntitle: Management review\ndate: {day}\n"
              + ("status: held\n" if held else "")
              + "attendees: [jsmith]\ninputs: {previous_actions: none}\noutputs: {decisions: [Carry on]}\n")
    top = ", top_management: true" if top_management else ""
    return make_workspace(tmp_path / "ws", {f"reviews/{review_id}.yaml": review},
                          manifest=f"isoctl: 1\norganization: {{name: {organization}}}\nstandards: [iso9001:2015]\n"
                                   f"people:\n  - {{id: jsmith, name: Jane Smith{top}}}\n")


def test_a_meeting_before_the_last_held_review_is_refused(cli: Cli, tmp_path: Path) -> None:
    # its inputs would be gathered up to today: audits and actions after the meeting, reported as its own
    root = _one_review(tmp_path, "Late Ltd", "MR-2026", "2026-05-20", held=True, top_management=True)
    before = sorted(p.name for p in (root / "reviews").iterdir())
    run = cli("review", "prepare", str(root), "--today", "2026-11-21", "--date", "2024-01-01").expect(2)
    assert run.stderr.splitlines() == [
        "error: --date 2024-01-01 is before MR-2026, the review held on 2026-05-20: a review is prepared for the "
        "next meeting, after the last one held", "hint: give a later --date (or none, for today)"]
    assert sorted(p.name for p in (root / "reviews").iterdir()) == before
    cli("review", "prepare", str(root), "--today", "2026-11-21", "--date", "2026-05-21").expect(0)  # the day after


def test_a_draft_does_not_count_as_a_held_review(cli: Cli, tmp_path: Path) -> None:
    root = _one_review(tmp_path, "Nobody On Top Ltd", "MR-OLD", "2024-05-01", held=False, top_management=False)
    before = _findings(cli, root, "2026-06-30")
    assert "missing-management-review" in {rule for rule, _, _ in before}
    for day in ("2026-06-30", "2026-07-20"):
        cli("review", "prepare", str(root), "--today", "2026-06-30", "--date", day).expect(0)
        assert _draft(root, f"MR-{day}.yaml")["attendees"] == []  # nobody is top management
    after = _findings(cli, root, "2026-06-30")
    assert after == before  # still no review held; no finding on the drafts (attendees, outputs, future date)


def test_since_a_day_or_a_revision(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    repo = _every_standard(root)
    repo.tag("spring", "HEAD")
    repo.commit("Summer issue", date="2026-06-10", files={"context/issues.yaml": AFTER["context/issues.yaml"]
                + "- {id: ISS-3, kind: issue, title: Heat waves, type: external}\n"})
    run = cli("review", "prepare", str(root), "--today", "2026-06-30", "--since", "spring", "--dry-run").expect(0)
    assert "since spring (2026-05-01)" in run.stdout
    assert "- Added since 2026-05-01: ISS-3 Heat waves" in run.stdout
    run = cli("review", "prepare", str(root), "--today", "2026-06-30", "--since", "2026-02-01", "--dry-run").expect(0)
    assert "- Added since 2026-02-01: ISS-2 New low-emission zone; ISS-3 Heat waves" in run.stdout
    assert "- Raised since 2026-02-01: 1 nonconformity or incident" not in run.stdout
    cli("review", "prepare", str(root), "--today", "2026-06-30", "--since", "no-such-tag").expect(2, "unknown revision")
    cli("review", "prepare", str(root), "--today", "2026-06-30", "--since", "2026-07-01").expect(
        2, "--since 2026-07-01: the period would start on 2026-07-01, after today (2026-06-30)")


def test_today_from_the_environment_and_the_same_bytes_each_time(cli: Cli, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    _every_standard(root)
    given = cli("review", "prepare", str(root), "--today", "2026-06-30", "--dry-run").expect(0).stdout
    monkeypatch.setenv("ISOCTL_TODAY", "2026-06-30")
    assert cli("review", "prepare", str(root), "--dry-run").expect(0).stdout == given
    assert "Prepared from the repository on 2026-06-30" in given


def test_html_and_pdf_packs(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _every_standard(root)
    html, pdf, pdf2 = tmp_path / "pack.html", tmp_path / "pack.pdf", tmp_path / "again.pdf"
    cli("review", "prepare", str(root), "--today", "2026-06-30", "-f", "html", "-o", str(html)).expect(0)
    page = html.read_text(encoding="utf-8")
    assert "<svg" in page and "OBJ-OTIF On-time deliveries: measurements against the target 98 %" in page
    assert "Expected attendees (top management):</b> Jane Smith, Pat Jones" in page
    cli("review", "prepare", str(root), "--today", "2026-06-30", "-f", "pdf", "-o", str(pdf)).expect(0)
    cli("review", "prepare", str(root), "--today", "2026-06-30", "-f", "pdf", "-o", str(pdf2)).expect(0)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes() == pdf2.read_bytes()


def test_cannot_run_outside_a_workspace_or_on_a_bad_date(cli: Cli, tmp_path: Path) -> None:
    cli("review", "prepare", str(tmp_path), "--today", "2026-06-30").expect(2, "isoctl.yaml")
    root = make_workspace(tmp_path / "ws")
    cli("review", "prepare", str(root), "--date", "next tuesday").expect(2, "--date: 'next tuesday' is not a date")
    assert not (root / "reviews").exists()


def test_records_that_cannot_be_read_are_named(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", {"actions.yaml": "- {id: ACT-1, kind: action, title: [unclosed\n"})
    run = cli("review", "prepare", str(root), "--today", "2026-06-30", "--dry-run").expect(0)
    assert "1 file was not read in full (actions.yaml); their records are not in this review" in run.stderr


def test_nothing_is_written_when_the_pack_cannot_be(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    cli("review", "prepare", str(root), "--today", "2026-06-30", "-o", str(tmp_path / "no" / "such" / "pack.md")).expect(2)
    assert not (root / "reviews").exists()


def test_never_writes_through_a_link_leading_outside(cli: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = make_workspace(tmp_path / "ws")
    (root / "reviews").symlink_to(outside, target_is_directory=True)
    cli("review", "prepare", str(root), "--today", "2026-06-30").expect(2, "outside the workspace")
    assert list(outside.iterdir()) == []


def test_the_installed_command(tmp_path: Path) -> None:
    from helpers import run_isoctl

    root = make_workspace(tmp_path / "ws")
    run = run_isoctl("review", "prepare", "--date", "2026-07-01", env={"ISOCTL_TODAY": "2026-06-30"}, cwd=root).expect(0)
    assert run.stdout.startswith("# Management review 2026-07-01 — Test Ltd\n")
    assert _draft(root, "MR-2026-07-01.yaml")["attendees"] == ["jsmith"]
    run_isoctl("review", "prepare", cwd=tmp_path).expect(2, "isoctl.yaml")


def test_the_audit_pack_shows_a_draft_as_planned(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _every_standard(root)
    cli("review", "prepare", str(root), "--today", "2026-06-30").expect(0)
    pack = cli("report", str(root), "--today", "2026-06-30", "--format", "md").expect(0).stdout
    assert "### MR-2026-06-30 — Management review 2026-06-30 (2026-06-30, planned)" in pack
    assert "### MR-1 — Management review January (2026-01-10)" in pack
