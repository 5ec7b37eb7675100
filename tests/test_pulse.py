"""``isoctl pulse``: work per PDCA stage and month, from real repositories with dated commits.

The main history is a paper system: documents and risks touched now and
then through the year, and every audit, review, measurement and action of
the year written in the four weeks before the external audit of 2026-06-26.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers import Cli, GitRepo, Golden, git_environment, isoctl_command

TODAY = "2026-09-30"
AMIR = "Amir Khan <amir@example.com>"

MANIFEST = """\
isoctl: 1
organization: {name: Paper Mill Ltd}
standards: [iso9001:2015]
certification:
  iso9001:
    body: Example Certification Ltd
    audits:
      - {type: surveillance, date: 2025-06-10, status: done}
      - {type: surveillance, date: 2026-06-26, status: done}
      - {type: recertification, date: 2027-06-20, status: planned}
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - {id: akhan, name: Amir Khan, role: Quality Lead}
"""

ISSUES = """\
- id: ISS-1
  kind: issue
  title: Two customers require ISO 9001
  owner: jsmith
  type: external
  climate: not-relevant
"""

RISKS = """\
- id: RSK-1
  kind: risk
  title: Key customer leaves
  owner: jsmith
  type: risk
  likelihood: 2
  impact: 4
  treatment: mitigate
"""

RSK_2 = """\
- id: RSK-2
  kind: risk
  title: Late deliveries from the plater
  owner: akhan
  type: risk
  likelihood: 3
  impact: 3
  treatment: mitigate
"""


def policy(version: str, line: str) -> str:
    return f"""\
---
id: POL-QUALITY
kind: document
title: Quality policy
owner: jsmith
type: policy
status: approved
version: "{version}"
approved_by: jsmith
approved_on: 2025-09-01
---
We make parts to drawing, on time. {line}
"""


def objective(*measurements: tuple[str, float]) -> str:
    rows = "".join(f"  - {{date: {day}, value: {value}}}\n" for day, value in measurements)
    return ("id: OBJ-OTD\nkind: objective\ntitle: On-time delivery\nowner: akhan\ntarget: 95\nunit: '%'\n"
            "direction: increase\nmeasurements:\n" + rows)


def action(*, closed: bool = False) -> str:
    text = """\
- id: ACT-1
  kind: action
  title: Gauges past their check dates
  owner: akhan
  type: nonconformity
  severity: minor
  source: internal-audit
  raised_on: 2025-07-02
  raised_by: akhan
  due: 2026-06-30
"""
    if not closed:
        return text + "  status: open\n"
    return text + """\
  status: closed
  root_cause: No reminder for gauge checks
  corrective_action: Gauge checks added to the weekly plan
  closed_on: 2026-06-10
  verification: {"on": 2026-06-20, by: jsmith, effective: true}
"""


ACT_2 = """\
- id: ACT-2
  kind: action
  title: Order review not recorded
  owner: akhan
  type: nonconformity
  severity: minor
  source: internal-audit
  raised_on: 2026-06-12
  raised_by: akhan
  due: 2026-09-01
  status: open
"""


def internal_audit(status: str, findings: bool = False) -> str:
    text = f"""\
- id: AUD-2026
  kind: audit
  title: Internal audit 2026
  owner: akhan
  type: internal
  status: {status}
  date: 2026-06-10
  auditor: jsmith
  clauses: ["iso9001:9.2.1"]
"""
    if findings:
        text += """\
  findings:
    - {id: F1, type: minor, clause: "iso9001:8.2.2", description: Order review not recorded, action: ACT-2}
"""
    return text


REVIEW = """\
id: MR-2026
kind: review
title: Management review 2026
owner: jsmith
date: 2026-06-15
attendees: [jsmith, akhan]
inputs: {audit_results: AUD-2026}
outputs: {decisions: [Keep the plater]}
"""


def paper_history(root: Path) -> GitRepo:
    """A year of a paper system; see the module docstring."""
    repo = GitRepo.init(root)
    repo.commit("Import the quality system", date="2025-09-01", files={
        "isoctl.yaml": MANIFEST, "context/issues.yaml": ISSUES, "risks/risks.yaml": RISKS,
        "documents/POL-QUALITY.md": policy("1", ""), "objectives/OBJ-OTD.yaml": objective(("2025-08-31", 91)),
        "actions/log.yaml": action(), "README.md": "Not a record.\n"})
    repo.commit("Policy wording", date="2025-11-12", files={"documents/POL-QUALITY.md": policy("1", "Safely.")})
    repo.commit("Plater risk; plan the internal audit", date="2026-01-20", author=AMIR,
                files={"risks/risks.yaml": RISKS + RSK_2, "audits/internal.yaml": internal_audit("planned")})
    repo.commit("Policy wording again", date="2026-03-03",
                files={"documents/POL-QUALITY.md": policy("1", "Safely, every time.")})
    repo.commit("Internal audit done, ACT-2 raised", date="2026-06-12", author=AMIR,
                files={"audits/internal.yaml": internal_audit("done", findings=True), "actions/log.yaml": action() + ACT_2})
    repo.commit("Management review; on-time delivery measured", date="2026-06-16", files={
        "reviews/MR-2026.yaml": REVIEW,
        "objectives/OBJ-OTD.yaml": objective(("2025-08-31", 91), ("2026-05-31", 93))})
    repo.commit("Close ACT-1", date="2026-06-22", author=AMIR, files={"actions/log.yaml": action(closed=True) + ACT_2})
    return repo


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    return paper_history(tmp_path / "paper").root


def pulse_json(cli: Cli, root: Path, *args: str) -> dict[str, Any]:
    result = cli("pulse", "--format", "json", "--today", TODAY, *args, cwd=root).expect(0)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def by_month(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["month"]: m for m in data["months"]}


# -- what a user sees ----------------------------------------------------------------------


def test_check_and_act_of_a_paper_system_fall_in_the_audit_month_only(cli: Cli, paper: Path) -> None:
    data = pulse_json(cli, paper)
    months = by_month(data)
    assert list(months) == [f"2025-{m}" for m in ("10", "11", "12")] + [f"2026-{m:02d}" for m in range(1, 10)]
    counts = {label: [m[stage] for stage in ("plan", "do", "check", "act")] for label, m in months.items()}
    assert counts["2025-11"] == [0, 1, 0, 0]  # the policy's wording
    assert counts["2026-01"] == [2, 0, 0, 0]  # a risk identified, the internal audit scheduled
    assert counts["2026-03"] == [0, 1, 0, 0]
    assert counts["2026-06"] == [0, 0, 3, 3]  # audit, review, measurement; ACT-2 raised, ACT-1 closed and verified
    assert all(c == [0, 0, 0, 0] for label, c in counts.items() if label not in ("2025-11", "2026-01", "2026-03", "2026-06"))
    june = months["2026-06"]
    assert june["work"]["check"] == {"audits": 1, "reviews": 1, "measurements": 1, "evaluations": 0, "exercises": 0}
    assert june["work"]["act"] == {"raised": 1, "closed": 1, "verified": 1, "updated": 0}
    assert months["2026-01"]["work"]["plan"]["scheduled"] == 1 and months["2026-01"]["work"]["plan"]["risks"] == 1
    assert data["totals"] == {"plan": 2, "do": 2, "check": 3, "act": 3}
    assert data["active_months"] == {"plan": 1, "do": 2, "check": 1, "act": 1}
    assert data["before_audits"] == {"weeks": 4, "check_act": 6, "of": 6, "share": 1.0, "share_of_days": 0.0795}


def test_external_audits_are_marked_on_their_months(cli: Cli, paper: Path) -> None:
    data = pulse_json(cli, paper)
    marked = {m["month"]: m["audits"] for m in data["months"] if m["audits"]}
    assert marked == {"2026-06": [{"date": "2026-06-26", "type": "surveillance", "standard": "iso9001", "status": "done"}]}
    text = cli("pulse", "--today", TODAY, cwd=paper).expect(0).stdout
    lines = text.splitlines()
    header = next(line for line in lines if line.rstrip().endswith("Sep") and "Jun" in line)
    audit_row = next(line for line in lines if line.startswith("audit"))
    assert audit_row.rstrip().endswith("▲") and len(audit_row.rstrip()) == header.index("Jun") + 3
    assert "▲ external audit: 2026-06-26 surveillance (iso9001)" in text
    wider = pulse_json(cli, paper, "--since", "2025-01-01", "--until", "2027-12-31")
    assert [a["date"] for a in wider["audits"]] == ["2025-06-10", "2026-06-26", "2027-06-20"]
    assert [a["status"] for a in wider["audits"]] == ["done", "done", "planned"]


def test_text_heatmap_shows_counts_shades_and_what_each_stage_did(cli: Cli, paper: Path) -> None:
    text = cli("pulse", "--today", TODAY, cwd=paper).expect(0).stdout
    assert "\x1b[" not in text  # not a terminal: no colour
    check_row = next(line for line in text.splitlines() if line.startswith("Check "))  # the heatmap's, before the summary's
    check_cells = check_row[8:]
    assert check_cells.count("·") == 11 and "█   3" in check_cells  # one dark cell, eleven empty months
    assert "Check       3, active in 1 of 12 months: audits 1, reviews 1, measurements 1" in text
    assert "Act         3, active in 1 of 12 months: raised 1, closed 1, verified 1" in text
    assert "Check and Act: 6 of 6 (100%) in the 4 weeks before an external audit, which are 8% of the period" in text


def test_shades_are_quarters_of_the_stages_busiest_month(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "ws")
    repo.commit("Start", date="2026-01-05", files={"isoctl.yaml": MANIFEST, "documents/POL-QUALITY.md": policy("1", "")})
    for day, count in (("2026-02", 8), ("2026-03", 1), ("2026-04", 2), ("2026-05", 5), ("2026-06", 6)):
        for n in range(count):
            repo.commit(f"Edit {day} {n}", date=f"{day}-{n + 10}", files={"documents/POL-QUALITY.md": policy("1", f"{day} {n}")})
    text = cli("pulse", "--today", "2026-06-30", "--since", "2026-02-01", cwd=repo.root).expect(0).stdout
    do = next(line for line in text.splitlines() if line.startswith("Do "))
    # 8 is the busiest: 1 is up to a quarter, 2 a quarter exactly, 5 over a half, 6 three quarters exactly
    assert do == "Do      " + "█   8" .rjust(6) + " ░   1 ░   2 ▓   5 ▓   6"


def test_text_output_golden(cli: Cli, paper: Path, golden: Golden) -> None:
    golden("pulse/paper.txt", cli("pulse", "--today", TODAY, cwd=paper).expect(0).stdout)


def test_colour_only_on_a_terminal(paper: Path) -> None:
    import datetime as dt

    from isoctl.core.pulse import measure
    from isoctl.history import revisions
    from isoctl.render import render
    from isoctl.workspace.load import load_manifest

    manifest, _, _ = load_manifest(paper)
    picture = measure(paper, revisions.log(paper), manifest, since=dt.date(2025, 10, 1), until=dt.date(2026, 9, 30))
    coloured = render(picture, "text", subject="pulse", color=True)
    plain = render(picture, "text", subject="pulse", color=False)
    assert isinstance(coloured, str) and "\x1b[" in coloured
    assert isinstance(plain, str) and "\x1b[" not in plain


def test_months_before_the_first_commit_are_blank_and_the_import_is_not_work(cli: Cli, paper: Path) -> None:
    data = pulse_json(cli, paper, "--since", "2025-07-01", "--until", "2025-12-31")
    assert [(m["month"], m["before_history"]) for m in data["months"]] == [
        ("2025-07", True), ("2025-08", True), ("2025-09", False), ("2025-10", False), ("2025-11", False), ("2025-12", False)]
    september = by_month(data)["2025-09"]
    assert september["commits"] == 1 and all(september[s] == 0 for s in ("plan", "do", "check", "act"))
    assert data["history_starts"]["date"] == "2025-09-01" and data["history_starts"]["records"] == 5
    text = cli("pulse", "--today", TODAY, "--since", "2025-07-01", "--until", "2025-12-31", cwd=paper).expect(0).stdout
    plan = next(line for line in text.splitlines() if line.startswith("Plan"))
    assert plan[8:20].strip() == ""  # July and August: no history, not "nothing done"
    assert "The history starts on 2025-09-01 with 5 records" in text


# -- the kind -> stage table ------------------------------------------------------------------


KIND_CASES = [
    ("context/party.yaml", "id: P-1\nkind: party\ntitle: Customers\nowner: jsmith\n", "plan", "context"),
    ("env/aspect.yaml", "id: ASP-1\nkind: aspect\ntitle: Coolant\nowner: jsmith\nactivity: Turning\naspect: Waste coolant\n"
     "impact: Water pollution\ncondition: normal\nsignificant: true\n", "plan", "risks"),
    ("processes/p.yaml", "id: PRC-1\nkind: process\ntitle: Production\nowner: jsmith\n", "plan", "processes"),
    ("obligations/o.yaml", "id: OBL-1\nkind: obligation\ntitle: REACH\nowner: jsmith\nsource: REACH\n", "plan", "obligations"),
    ("people/c.yaml", "id: CMP-1\nkind: competence\ntitle: CMM training\nowner: jsmith\nperson: akhan\n"
     "completed_on: 2026-02-01\n", "do", "competence"),
    ("suppliers/s.yaml", "id: SUP-1\nkind: supplier\ntitle: Plater\nowner: jsmith\nservice: Plating\n", "do", "suppliers"),
    ("assets/a.yaml", "id: AST-1\nkind: asset\ntitle: CMM\nowner: jsmith\ntype: equipment\n", "do", "assets"),
    ("bia/a.yaml", "id: BIA-1\nkind: activity\ntitle: Despatch\nowner: jsmith\nrto: 2d\n", "do", "bia"),
    ("reviews/r.yaml", "id: MR-X\nkind: review\ntitle: Review\nowner: jsmith\ndate: 2026-02-09\nattendees: [jsmith]\n",
     "check", "reviews"),
    ("reviews/r.yaml", "id: MR-X\nkind: review\ntitle: Review\nowner: jsmith\ndate: 2026-04-01\nattendees: [jsmith]\n",
     "plan", "scheduled"),
    ("exercises/e.yaml", "id: EX-1\nkind: exercise\ntitle: Fire drill\nowner: jsmith\ndate: 2026-02-10\n", "check", "exercises"),
    ("exercises/e.yaml", "id: EX-1\nkind: exercise\ntitle: Fire drill\nowner: jsmith\ndate: 2026-02-11\n", "plan", "scheduled"),
]


@pytest.mark.parametrize(("path", "text", "stage", "what"), KIND_CASES, ids=[f"{c[3]}-{c[0]}" for c in KIND_CASES])
def test_each_kind_counts_in_its_stage(cli: Cli, tmp_path: Path, path: str, text: str, stage: str, what: str) -> None:
    repo = GitRepo.init(tmp_path / "ws")
    repo.commit("Start", date="2026-01-05", files={"isoctl.yaml": MANIFEST})
    repo.commit("One record", date="2026-02-10", files={path: text})
    data = pulse_json(cli, repo.root, "--since", "2026-02-01", "--until", "2026-02-28")
    (month,) = data["months"]
    counted = {(s, w): n for s, works in month["work"].items() for w, n in works.items() if n}
    assert counted == {(stage, what): 1}


def test_evaluations_are_check_and_other_changes_are_not(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "ws")
    base = "id: SUP-1\nkind: supplier\ntitle: Plater\nowner: jsmith\nservice: Plating\n"
    repo.commit("Start", date="2026-01-05", files={"isoctl.yaml": MANIFEST, "suppliers/s.yaml": base})
    repo.commit("Evaluated", date="2026-02-10", files={"suppliers/s.yaml": base + "evaluated_on: 2026-02-09\nrating: 4\n"})
    repo.commit("Rating corrected", date="2026-03-10", files={"suppliers/s.yaml": base + "evaluated_on: 2026-02-09\nrating: 3\n"})
    months = by_month(pulse_json(cli, repo.root, "--since", "2026-02-01", "--until", "2026-03-31"))
    assert months["2026-02"]["work"]["check"]["evaluations"] == 1 and months["2026-02"]["do"] == 0
    assert months["2026-03"]["work"]["do"]["suppliers"] == 1 and months["2026-03"]["check"] == 0


# -- formats and output ---------------------------------------------------------------------


def test_csv_has_one_line_per_month(cli: Cli, paper: Path) -> None:
    text = cli("pulse", "--today", TODAY, "--format", "csv", cwd=paper).expect(0).stdout
    table = list(csv.reader(io.StringIO(text)))
    header, lines = table[0], table[1:]
    assert header[:9] == ["month", "from", "to", "plan", "do", "check", "act", "commits", "external audits"]
    assert "act: closed" in header and "check: measurements" in header
    assert [line[0] for line in lines] == [m["month"] for m in pulse_json(cli, paper)["months"]]
    june = next(line for line in lines if line[0] == "2026-06")
    assert june[3:8] == ["0", "0", "3", "3", "3"] and june[8] == "2026-06-26 surveillance (iso9001)"
    assert june[header.index("act: verified")] == "1"
    first = lines[0]
    assert first[1:3] == ["2025-10-01", "2025-10-31"] and lines[-1][2] == TODAY


def test_json_shape(cli: Cli, paper: Path) -> None:
    data = pulse_json(cli, paper)
    assert data["format"] == 1 and data["since"] == "2025-10-01" and data["until"] == TODAY
    assert data["shallow"] is False and data["undated_commits"] == 0 and data["commits"] == 6
    assert data["stages"]["act"] == ["raised", "closed", "verified", "updated"]
    month = data["months"][0]
    assert set(month) == {"month", "from", "to", "commits", "plan", "do", "check", "act", "work", "before_history", "audits"}
    assert list(month["work"]) == ["plan", "do", "check", "act"]


def test_svg_is_a_self_contained_heatmap(cli: Cli, paper: Path) -> None:
    text = cli("pulse", "--today", TODAY, "--format", "svg", cwd=paper).expect(0).stdout
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("viewBox")
    labels = [t.text for t in root.iter(f"{ns}text")]
    for name in ("Oct", "Nov", "Dec", "Jan", "Jun", "Sep", "2025", "2026", "Plan", "Do", "Check", "Act"):
        assert name in labels, name
    cells = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert len(cells) == 4 * 12
    tips = [c.findtext(f"{ns}title") for c in cells]
    assert "Check, Jun 2026: 3 (audits 1, reviews 1, measurements 1)" in tips
    marks = [p.find(f"{ns}title") for p in root.iter(f"{ns}polygon")]
    assert [m.text for m in marks if m is not None] == ["external audit: 2026-06-26 surveillance (iso9001)"]
    assert "href" not in text and "<script" not in text and "<style" not in text


def test_output_file_is_written_whole(cli: Cli, paper: Path, tmp_path: Path) -> None:
    target = tmp_path / "pulse.svg"
    result = cli("pulse", "--today", TODAY, "--format", "svg", "-o", str(target), cwd=paper).expect(0)
    assert result.stdout == "" and ET.fromstring(target.read_text(encoding="utf-8")).tag.endswith("svg")
    missing = tmp_path / "nowhere" / "pulse.json"
    cli("pulse", "--today", TODAY, "--format", "json", "-o", str(missing), cwd=paper).expect(2, "does not exist")
    assert not missing.parent.exists()


def test_installed_command_writes_the_same_json(paper: Path) -> None:
    done = subprocess.run([*isoctl_command(), "pulse", "--format", "json", "--today", TODAY, str(paper)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"] == {"plan": 2, "do": 2, "check": 3, "act": 3}


# -- the period -----------------------------------------------------------------------------


def test_since_and_until_choose_the_months(cli: Cli, paper: Path) -> None:
    data = pulse_json(cli, paper, "--since", "2026-01-15", "--until", "2026-03-10")
    assert [(m["month"], m["from"], m["to"]) for m in data["months"]] == [
        ("2026-01", "2026-01-15", "2026-01-31"), ("2026-02", "2026-02-01", "2026-02-28"), ("2026-03", "2026-03-01", "2026-03-10")]
    assert data["totals"] == {"plan": 2, "do": 1, "check": 0, "act": 0}
    cut = pulse_json(cli, paper, "--since", "2026-01-21", "--until", "2026-03-02")
    assert cut["totals"] == {"plan": 0, "do": 0, "check": 0, "act": 0}  # both commits fall outside by a day


def test_until_alone_shows_the_twelve_months_ending_there(cli: Cli, paper: Path) -> None:
    data = pulse_json(cli, paper, "--until", "2026-02-14")
    assert data["since"] == "2025-03-01" and data["until"] == "2026-02-14" and len(data["months"]) == 12


def test_since_a_revision_starts_on_its_day(cli: Cli, paper: Path) -> None:
    repo = GitRepo(paper)
    repo.tag("v-march", "HEAD~3")  # "Policy wording again", 2026-03-03
    data = pulse_json(cli, paper, "--since", "v-march")
    assert data["since"] == "2026-03-03" and data["totals"] == {"plan": 0, "do": 1, "check": 3, "act": 3}


def test_decades_before_the_history_are_not_drawn_but_kept_as_data(cli: Cli, paper: Path) -> None:
    # the history starts in 2025-09; the manifest's first external audit is of 2025-06-10
    data = pulse_json(cli, paper, "--since", "1960-01-01")
    assert len(data["months"]) == 801 and data["months"][0]["month"] == "1960-01"
    text = cli("pulse", "--today", TODAY, "--since", "1960-01-01", cwd=paper).expect(0).stdout
    lines = text.splitlines()
    assert lines[2] == "Jan 1960 to Dec 2024: before the history starts, 780 months not drawn"
    years = [line.strip() for line in lines if line.strip().isdigit()]
    assert years == ["2025", "2026"]  # the last year before the history, with its audit, then the history
    assert sum(1 for line in lines if line.startswith("audit")) == 2
    svg = cli("pulse", "--today", TODAY, "--since", "1960-01-01", "--format", "svg", cwd=paper).expect(0).stdout
    root = ET.fromstring(svg)
    assert float(root.attrib["width"]) < 1000  # 21 columns, not 801
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Jan 1960 to Dec 2024: before the history starts, 780 months not drawn" in texts
    assert "1960" not in texts and "2025" in texts
    # a period that starts a year or less before the history is drawn whole
    near = cli("pulse", "--today", TODAY, "--since", "2024-10-01", cwd=paper).expect(0).stdout
    assert "not drawn" not in near and near.splitlines()[2].split() == ["2024", "2025"]


@pytest.mark.parametrize(("args", "message"), [
    (("--since", "2026-13-01"), "--since: '2026-13-01' is not a date"),
    (("--until", "soon"), "--until: 'soon' is not a date"),
    (("--since", "no-such-tag"), "unknown revision 'no-such-tag'"),
    (("--since", "2026-05-01", "--until", "2026-04-01"), "--until 2026-04-01 is before --since 2026-05-01"),
    (("--since", "2026-12-01"), "--since 2026-12-01 is after today (2026-09-30)"),
    (("--format", "xlsx"), "Invalid value"),
])
def test_bad_options_exit_2_with_a_message(cli: Cli, paper: Path, args: tuple[str, ...], message: str) -> None:
    cli("pulse", "--today", TODAY, *args, cwd=paper).expect(2, message)


# -- repositories that have little to say ---------------------------------------------------------


def test_outside_git_exits_2(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "isoctl.yaml").write_text(MANIFEST, encoding="utf-8")
    cli("pulse", cwd=root).expect(2, "not in a git repository")


def test_no_commit_yet_exits_2(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "fresh")
    repo.write("isoctl.yaml", MANIFEST)
    cli("pulse", "--today", TODAY, cwd=repo.root).expect(2, "no commit")


def test_a_single_commit_draws_an_empty_picture(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "one")
    repo.commit("Import", date="2026-09-02", files={"isoctl.yaml": MANIFEST, "risks/risks.yaml": RISKS})
    result = cli("pulse", "--today", TODAY, cwd=repo.root).expect(0)
    assert "0, active in 0 of 12 months" in result.stdout and "The history starts on 2026-09-02 with 1 record" in result.stdout
    data = pulse_json(cli, repo.root)
    assert data["totals"] == {"plan": 0, "do": 0, "check": 0, "act": 0}
    assert sum(m["before_history"] for m in data["months"]) == 11
    svg = cli("pulse", "--today", TODAY, "--format", "svg", cwd=repo.root).expect(0).stdout
    ET.fromstring(svg)


def test_shallow_clone_is_noted_or_refused(cli: Cli, paper: Path, tmp_path: Path) -> None:
    clone = GitRepo(paper).clone(tmp_path / "shallow", depth=2).root
    result = cli("pulse", "--today", TODAY, "--format", "json", cwd=clone).expect(0)
    assert "shallow clone" in result.stderr and "git fetch --unshallow" in result.stderr
    data = json.loads(result.stdout)
    assert data["shallow"] is True and data["history_starts"]["date"] == "2026-06-16"
    assert data["totals"] == {"plan": 0, "do": 0, "check": 0, "act": 2}  # only the last commit is work
    assert "partial: shallow clone" in cli("pulse", "--today", TODAY, cwd=clone).stdout
    cli("pulse", "--today", TODAY, "--strict-history", cwd=clone).expect(2, "git fetch --unshallow")


def test_undated_commits_are_not_counted(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "ws")
    repo.commit("Start", date="2026-01-05", files={"isoctl.yaml": MANIFEST})
    repo.commit("Risk", date="2026-02-10", files={"risks/risks.yaml": RISKS})
    repo.write("risks/risks.yaml", RISKS + RSK_2)
    repo.git("add", "--all")
    tree, parent = repo.git("write-tree"), repo.sha()
    ident = b"Jane Smith <jane@example.com> 1768824000 +9959"  # a time zone git cannot give: no usable date
    body = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\nNo usable date\n" % (tree.encode(), parent.encode(), ident, ident)
    written = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"], cwd=repo.root,
                             input=body, capture_output=True, check=True, env=git_environment())
    repo.git("update-ref", "HEAD", written.stdout.decode().strip())
    result = cli("pulse", "--today", TODAY, "--format", "json", cwd=repo.root).expect(0)
    assert "1 commit carries no usable date" in result.stderr
    data = json.loads(result.stdout)
    assert data["undated_commits"] == 1 and data["totals"]["plan"] == 1  # RSK-1; RSK-2 came in the undated commit


# -- the report's living-system section --------------------------------------------------------


def test_report_shows_the_same_picture(cli: Cli, paper: Path, tmp_path: Path) -> None:
    md = cli("report", "--format", "md", "--today", TODAY, cwd=paper).expect(0).stdout
    living = md[md.index("## Living-system indicators"):]
    table = [line for line in living[living.index("### PDCA pulse"):].splitlines() if line.startswith("|")]
    assert table[0].startswith("| stage | 2025-10 | 2025-11 |") and table[0].endswith("| 2026-09 | total |")
    rows = {cells[1].strip(): [c.strip() for c in cells[2:-1]] for cells in (line.split("|") for line in table[2:])}
    assert rows["Check"] == ["·"] * 8 + ["3"] + ["·"] * 3 + ["3"]
    assert rows["Act"][8] == "3" and rows["Plan"][3] == "2" and rows["Do"][1] == "1"
    assert rows["external audit"][8] == "▲" and rows["external audit"].count("▲") == 1
    assert "Check and Act: 6 of 6 (100%) in the 4 weeks before an external audit" in living
    html = cli("report", "--format", "html", "--today", TODAY, cwd=paper).expect(0).stdout
    section = html[html.index('<section id="living">'):]
    section = section[:section.index("</section>")]
    svg = section[section.index("<svg"):section.index("</svg>") + len("</svg>")]
    assert ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title") is not None
    assert "Check, Jun 2026: 3 (audits 1, reviews 1, measurements 1)" in svg
    assert "<b>Check</b>: 3, active in 1 of 12 months" in section
    pdf = tmp_path / "pack.pdf"
    cli("report", "--format", "pdf", "--today", TODAY, "-o", str(pdf), cwd=paper).expect(0)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_second_run_gives_the_same_picture_and_a_new_commit_a_new_one(cli: Cli, paper: Path) -> None:
    first = cli("pulse", "--today", TODAY, "--format", "json", cwd=paper).expect(0).stdout
    assert cli("pulse", "--today", TODAY, "--format", "json", cwd=paper).expect(0).stdout == first  # from the cache
    repo = GitRepo(paper)
    repo.commit("Supplier evaluated", date="2026-09-15", files={
        "suppliers/s.yaml": "id: SUP-1\nkind: supplier\ntitle: Plater\nowner: jsmith\nservice: Plating\n"
                            "evaluated_on: 2026-09-14\n"})
    after = json.loads(cli("pulse", "--today", TODAY, "--format", "json", cwd=paper).expect(0).stdout)
    assert by_month(after)["2026-09"]["work"]["do"]["suppliers"] == 1
    assert by_month(after)["2026-09"]["work"]["check"]["evaluations"] == 1
    (paper / "isoctl.yaml").write_text(MANIFEST.replace("2026-06-26", "2026-07-03"), encoding="utf-8")
    moved = json.loads(cli("pulse", "--today", TODAY, "--format", "json", cwd=paper).expect(0).stdout)
    assert [m["month"] for m in moved["months"] if m["audits"]] == ["2026-07"]  # the manifest as it is now


def test_a_shorter_history_read_after_a_longer_one_counts_only_its_own_commits(paper: Path, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Record versions are shared within a run: a report --at an older commit must not count the later ones."""
    import datetime as dt

    from isoctl.core.pulse import measure
    from isoctl.history import revisions, versions
    from isoctl.workspace.load import load_manifest

    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    manifest, _, _ = load_manifest(paper)
    commits = revisions.log(paper)
    period = {"since": dt.date(2025, 10, 1), "until": dt.date(2026, 9, 30)}
    versions._open.clear()
    alone = measure(paper, commits[:-1], manifest, **period)
    versions._open.clear()
    versions.along(commits, manifest.ignore, paper)  # the whole history read first, as a check at HEAD does
    after = measure(paper, commits[:-1], manifest, **period)
    assert [m.work for m in after.months] == [m.work for m in alone.months]
    assert sum(sum(w.values()) for m in alone.months for w in m.work.values()) > 0  # there is work to count
