"""Management reviews in the report read as minutes: chair, attendees, every required input, outputs, actions now."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import Cli, MakeWorkspace

TODAY = "2026-11-21"

MANIFEST = """\
isoctl: 1
organization: {name: Test Ltd}
standards: [iso9001:2015, iso14001:2015]
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - {id: akhan, name: Amir Khan, role: Quality Lead}
settings: {management_review_days: 200}
"""

FILES = {
    "reviews/MR-2026.yaml": "id: MR-2026\nkind: review\ntitle: Management review 2026\ndate: 2026-03-10\nchair: jsmith\n"
                            "attendees: [jsmith, akhan]\n"
                            "inputs: {previous_actions: All 2025 actions closed, significant_aspects: Diesel use still the largest}\n"
                            "outputs: {decisions: [Buy two electric vans], resources: [One planner]}\n"
                            "actions: [ACT-1, ACT-2, ACT-9]\n",
    "reviews/MR-2025.yaml": "id: MR-2025\nkind: review\ntitle: Management review 2025\ndate: 2025-03-12\nattendees: [akhan]\n"
                            "inputs: {objectives: On track}\n",
    "reviews/MR-2027.yaml": "id: MR-2027\nkind: review\ntitle: Management review 2027\ndate: 2027-01-15\n",
    "actions/log.yaml": (
        "- {id: ACT-1, kind: action, type: improvement, title: Electric vans, raised_on: 2026-03-10, due: 2026-09-30}\n"
        "- {id: ACT-2, kind: action, type: nonconformity, title: Spill kit empty, raised_on: 2026-03-10, status: closed,"
        " closed_on: 2026-04-01, root_cause: Nobody checks, corrective_action: Monthly check,"
        " verification: {on: 2026-06-01, by: jsmith, effective: false}}\n"
    ),
}


@pytest.fixture
def md(cli: Cli, make_workspace: MakeWorkspace) -> str:
    result = cli("report", "-f", "md", "--today", TODAY, cwd=make_workspace(FILES, manifest=MANIFEST))
    assert result.exit_code == 0, result.stderr
    return result.stdout.split("## Management reviews")[1].split("## Objectives")[0]


def minutes(md: str, review: str) -> str:
    return md.split(f"### {review} ")[1].split("### ")[0]


def test_minutes_name_chair_attendees_and_the_next_review(md: str) -> None:
    assert md.index("### MR-2027") < md.index("### MR-2026") < md.index("### MR-2025")  # newest first
    mr = minutes(md, "MR-2026")
    assert "- Chair: Jane Smith\n- Attendees: Jane Smith (top management), Amir Khan\n" in mr
    assert "- Next review due by 2026-09-26 **overdue**" in mr  # 2026-03-10 + 200 days, past on 2026-11-21
    assert "(2027-01-15, planned)" in md and "Next review" not in minutes(md, "MR-2027")
    old = minutes(md, "MR-2025")
    assert "- Chair: not recorded\n- Attendees: Amir Khan **(no top management)**" in old and "Next review" not in old


def test_every_required_input_is_listed_in_words_reviewed_or_not_covered(md: str) -> None:
    mr = minutes(md, "MR-2026")
    assert "| All standards | Status of actions from previous management reviews | All 2025 actions closed |" in mr
    assert "| All standards | Changes in external and internal issues | **not covered** |" in mr
    assert "| ISO 9001 | Customer satisfaction and feedback | **not covered** |" in mr
    assert "| ISO 14001 | Significant environmental aspects | Diesel use still the largest |" in mr
    assert mr.count("Fulfilment of compliance obligations") == 1
    assert "previous_actions" not in md and "significant_aspects" not in md  # labels, never the keys
    rows = [line for line in mr.splitlines() if line.startswith("| ") and not line.startswith("| required")]
    assert len(rows) == 10 + 3 + 3  # common inputs, ISO 9001's, ISO 14001's


def test_outputs_and_the_status_now_of_the_actions_raised(md: str) -> None:
    mr = minutes(md, "MR-2026")
    assert "- Decisions: Buy two electric vans\n- Resources: One planner\n" in mr
    assert ("- Actions raised: ACT-1 Electric vans (open, **overdue**); ACT-2 Spill kit empty (closed, **not effective**); "
            "ACT-9 (no such action)") in mr
    assert "- Outputs: **no decisions, changes, resources or improvements recorded**" in minutes(md, "MR-2025")


def test_html_and_pdf_minutes(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    from isoctl.core.evaluate import open_evaluation
    from isoctl.report.gather import collect
    from isoctl.report.render_pdf import source

    root = make_workspace(FILES, manifest=MANIFEST)
    html = cli("report", "--today", TODAY, cwd=root).stdout.split('<section id="reviews">')[1].split("</section>")[0]
    assert ('<tr class="gap"><td>All standards</td><td>Changes in external and internal issues</td>'
            '<td><span class="s-missing">not covered</span></td></tr>') in html
    assert "<dt>Chair</dt><dd>Jane Smith</dd>" in html and "Jane Smith <b>(top management)</b>, Amir Khan" in html
    assert '<dt>Next review</dt><dd>due by 2026-09-26 <span class="status s-overdue">overdue</span></dd>' in html
    with open_evaluation(root, today=dt.date.fromisoformat(TODAY)) as evaluation:
        typ = source(collect(evaluation))
    reviews = typ.split("= Management reviews")[1].split("= Objectives")[0]
    assert "[*Chair*], [Jane Smith]," in reviews and "[Significant environmental aspects], [Diesel use still the largest]" in reviews
    assert 'ACT\\-2 Spill kit empty: #text(weight: "bold", fill: rgb("#a01c1c"))[closed, not effective]' in reviews
    target = tmp_path / "pack.pdf"
    assert cli("report", "-f", "pdf", "--today", TODAY, "-o", str(target), cwd=root).exit_code == 0


def test_xlsx_sheet_of_review_inputs(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "pack.xlsx"
    root = make_workspace(FILES, manifest=MANIFEST)
    assert cli("report", "-f", "xlsx", "--today", TODAY, "-o", str(target), cwd=root).exit_code == 0
    rows = [r for r in load_workbook(target)["Review inputs"].iter_rows(min_row=4, values_only=True) if r[0] == "MR-2026"]
    assert len(rows) == 16
    assert rows[0][2:] == ("Jane Smith", "Jane Smith (top management), Amir Khan", "All standards",
                           "Status of actions from previous management reviews", "All 2025 actions closed")
    assert rows[1][6] == "not covered"
