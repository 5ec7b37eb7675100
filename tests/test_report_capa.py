"""The CAPA register of the report: every field an auditor checks, and doubtful closures flagged in every format."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from helpers import Cli, MakeWorkspace

TODAY = "2026-11-21"

ACTIONS = (
    "- {id: ACT-1, kind: action, type: nonconformity, severity: minor, source: complaint, title: Late deliveries,"
    " raised_on: 2026-01-05, raised_by: jsmith, due: 2026-03-31, owner: akhan,"
    " description: Three deliveries a day late in December, correction: Customer called}\n"
    "- {id: ACT-2, kind: action, type: nonconformity, severity: minor, source: internal-audit, title: Wrong labels,"
    " raised_on: 2026-02-01, owner: akhan, status: closed, closed_on: 2026-03-01, root_cause: No label template,"
    " corrective_action: Template made, verification: {on: 2026-05-01, by: jsmith, effective: false,"
    " note: Labels still wrong in April}}\n"
    "- {id: ACT-3, kind: action, type: incident, title: Forklift scrape, raised_on: 2026-02-01, status: closed,"
    " closed_on: 2026-03-01, verification: {on: 2026-05-01, by: jsmith, effective: true}}\n"
    "- {id: ACT-4, kind: action, type: nonconformity, title: Scrap not logged, raised_on: 2026-02-01, status: closed,"
    " closed_on: 2026-03-11, root_cause: Form missing at the cell, corrective_action: Form placed at every cell,"
    " verification: {on: 2026-06-01, by: jsmith, effective: true, note: No gaps since}}\n"
)


@pytest.fixture
def root(make_workspace: MakeWorkspace) -> Path:
    return make_workspace({"actions/log.yaml": ACTIONS})


def render(cli: Cli, root: Path, fmt: str, tmp_path: Path) -> bytes:
    target = tmp_path / f"pack.{fmt}"
    result = cli("report", "-f", fmt, "--today", TODAY, "-o", str(target), cwd=root)
    assert result.exit_code == 0, result.stderr
    return target.read_bytes()


def test_html_register_flags_doubtful_closures_and_shows_the_capa_record(cli: Cli, root: Path, tmp_path: Path) -> None:
    html = render(cli, root, "html", tmp_path).decode()
    section = html.split('<section id="actions">')[1].split("</section>")[0]
    assert "4 actions: 1 open (1 overdue), 3 closed (2 flagged: ACT-2, ACT-3)" in section
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr[^>]*><td class="nowrap">(ACT-\d)</td>.*?</tr>\n<tr class="detail.*?</tr>',
                                                         section, flags=re.S)}
    assert '<td class="status s-missing">closed<br><span class="s-missing">not effective</span>' in rows["ACT-2"]
    assert "<b>Effectiveness check:</b> 2026-05-01 by Jane Smith: not effective (Labels still wrong in April)" in rows["ACT-2"]
    assert "<b>Root cause:</b> No label template · <b>Corrective action:</b> Template made" in rows["ACT-2"]
    assert '<span class="s-missing">closed without root cause</span>' in rows["ACT-3"]
    assert '<td class="status s-closed">closed</td>' in rows["ACT-4"] and "s-missing" not in rows["ACT-4"]
    assert "<br>Jane Smith</td>" in rows["ACT-1"]  # raised by
    assert "<b>Description:</b> Three deliveries a day late in December · <b>Correction:</b> Customer called" in rows["ACT-1"]
    assert '<td class="nowrap">2026-03-11</td><td class="num"></td><td class="num">38</td>' in rows["ACT-4"]  # closed, time


def test_markdown_register_never_shows_a_flagged_closure_as_plain_closed(cli: Cli, root: Path, tmp_path: Path) -> None:
    md = render(cli, root, "md", tmp_path).decode()
    row = {line.split(" | ")[0][2:]: line for line in md.splitlines() if line.startswith("| ACT-")}
    assert "| closed **NOT EFFECTIVE** | 2026-03-01 |" in row["ACT-2"]
    assert "| closed **CLOSED WITHOUT ROOT CAUSE** | 2026-03-01 |" in row["ACT-3"]
    assert "| closed | 2026-03-11 |  | 38 |" in row["ACT-4"]
    assert "| open **overdue 235 d** |" in row["ACT-1"] and "| 2026-01-05 Jane Smith |" in row["ACT-1"]
    assert ("- **ACT-2** **NOT EFFECTIVE**: *Description:* " not in md
            and "- **ACT-2** **NOT EFFECTIVE**: *Root cause:* No label template · *Corrective action:* Template made · "
                "*Effectiveness check:* 2026-05-01 by Jane Smith: not effective (Labels still wrong in April)" in md)


def test_pdf_register_colours_a_flagged_closure_red(cli: Cli, root: Path, tmp_path: Path) -> None:
    from isoctl.core.evaluate import open_evaluation
    from isoctl.report.gather import collect
    from isoctl.report.render_pdf import source

    with open_evaluation(root, today=dt.date.fromisoformat(TODAY)) as evaluation:
        typ = source(collect(evaluation))
    register = typ.split("= Action register")[1].split("= Audit programme")[0]
    act2 = next(line for line in register.splitlines() if line.startswith("  [ACT\\-2]"))
    assert '#text(weight: "bold", fill: rgb("#a01c1c"))[closed]' in act2 and '#st("closed")' not in act2
    assert '#text(weight: "bold", fill: rgb("#a01c1c"))[not effective]' in act2
    act4 = next(line for line in register.splitlines() if line.startswith("  [ACT\\-4]"))
    assert '#st("closed")' in act4 and "a01c1c" not in act4
    assert "*Root cause:* No label template" in register and "table.cell(colspan: 9)" in register
    assert render(cli, root, "pdf", tmp_path).startswith(b"%PDF-")


def test_xlsx_register_has_every_capa_column_and_marks_flagged_rows(cli: Cli, root: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(render(cli, root, "xlsx", tmp_path)))["Actions"]
    header = [c.value for c in sheet[3]]
    assert header[14:] == ["Flagged", "Raised by", "Description", "Correction", "Root cause", "Corrective action",
                           "Verified on", "Verified by", "Verification note", "File"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=4)}
    act2 = [c.value for c in rows["ACT-2"]]
    assert act2[13:16] == ["no", "not effective", None]
    assert act2[18:23] == ["No label template", "Template made", dt.datetime(2026, 5, 1), "Jane Smith",
                           "Labels still wrong in April"]
    assert [c.value for c in rows["ACT-3"]][14] == "closed without root cause"
    assert rows["ACT-2"][0].fill.fgColor.rgb.endswith("FDECEC") and rows["ACT-3"][0].fill.fgColor.rgb.endswith("FDECEC")
    assert rows["ACT-4"][0].fill.fgColor.rgb in ("00000000", None) and [c.value for c in rows["ACT-4"]][14] is None
    assert sheet["A2"].value == "4 actions: 1 open (1 overdue), 3 closed (2 flagged: ACT-2, ACT-3)"
