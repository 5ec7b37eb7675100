"""The audit programme in the report: a clause-by-year matrix over the cycle, full scopes, overdue planned audits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import Cli, MakeWorkspace

TODAY = "2026-11-21"
LONG_SCOPE = [f"iso9001:8.{n}" for n in range(1, 8)] + [f"iso9001:7.{n}" for n in range(1, 6)] + ["iso9001:9.1", "PRC-1"]

FILES = {
    "processes/PRC-1.yaml": "id: PRC-1\nkind: process\ntitle: Document control\nowner: jsmith\nclauses: ['iso9001:7.5']\n",
    "audits/AUD-1.yaml": "id: AUD-1\nkind: audit\ntype: internal\nstatus: done\ndate: 2025-04-10\nauditor: akhan\n"
                         f"title: Operations\nscope: [{', '.join(LONG_SCOPE)}]\n",
    "audits/AUD-2.yaml": "id: AUD-2\nkind: audit\ntype: internal\nstatus: planned\ndate: 2026-03-01\nauditor: jsmith\n"
                         "title: Performance evaluation\nscope: ['iso9001:9']\n",
    "audits/AUD-3.yaml": "id: AUD-3\nkind: audit\ntype: internal\nstatus: planned\ndate: 2027-02-01\nauditor: akhan\n"
                         "title: Context\nscope: ['iso9001:4.1']\n",
    "audits/SURV.yaml": "id: SURV-2026\nkind: audit\ntype: surveillance\nstatus: planned\ndate: 2026-10-01\ntitle: Surveillance\n",
}


@pytest.fixture
def root(make_workspace: MakeWorkspace) -> Path:
    return make_workspace(FILES)


def md(cli: Cli, root: Path) -> str:
    result = cli("report", "-f", "md", "--today", TODAY, cwd=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout.split("## Audit programme and findings")[1].split("## Management reviews")[0]


def test_planned_audits_whose_day_passed_are_overdue(cli: Cli, root: Path) -> None:
    text = md(cli, root)
    assert "| AUD-2 | 2026-03-01 | Performance evaluation | **overdue** | Jane Smith | iso9001:9 | 0 |" in text
    assert "**2026:** 0 of 1 internal audit done, **1 overdue**." in text
    assert "| AUD-3 | 2027-02-01 | Context | planned | Amir Khan | iso9001:4.1 | 0 |" in text
    assert "| 2026-10-01 |  | surveillance | **overdue** |  | SURV-2026 |" in text


def test_scopes_are_given_in_full(cli: Cli, root: Path) -> None:
    text = md(cli, root)
    assert f"| {', '.join(LONG_SCOPE)} |" in text and "more" not in text.split("<details>")[0]


def test_matrix_shows_which_audit_covered_each_clause_each_year_and_the_gaps(cli: Cli, root: Path) -> None:
    text = md(cli, root)
    assert "<summary>Programme over the audit cycle (1095 days, since 2023-11-22): " in text
    header = next(line for line in text.splitlines() if line.startswith("| standard | clause |"))
    assert header == "| standard | clause | title | 2024 | 2025 | 2026 | 2027 |"
    row = {line.split(" | ")[1]: line for line in text.splitlines() if line.startswith("| ISO 9001:2015 |")}
    assert row["8.5.1"] == "| ISO 9001:2015 | 8.5.1 | Control of production and service provision |  | AUD-1 (Amir Khan) |  |  |"
    assert row["7.5.3.1"].endswith("|  | AUD-1 (Amir Khan) |  |  |")  # through the process PRC-1 and 7.5 itself
    assert row["9.1.1"].endswith("|  | AUD-1 (Amir Khan) | AUD-2 (Jane Smith), overdue |  |")
    assert "not audited" not in row["9.1.1"]
    assert row["9.2.1"] == ("| ISO 9001:2015 | 9.2.1 | part of 9.2 Internal audit **not audited in the cycle** |  |  | "
                            "AUD-2 (Jane Smith), overdue |  |")  # only planned, and that plan is late
    assert row["4.1"].endswith("**not audited in the cycle** |  |  |  | AUD-3 (Amir Khan), planned |")
    gaps = sum(1 for line in row.values() if "**not audited in the cycle**" in line)
    assert f": {gaps} clauses not audited</summary>" in text and gaps > 10


def test_html_and_pdf_highlight_the_gaps(cli: Cli, root: Path) -> None:
    from isoctl.core.evaluate import open_evaluation
    from isoctl.report.gather import collect
    from isoctl.report.render_pdf import source

    html = cli("report", "--today", TODAY, cwd=root).stdout.split('<section id="audits">')[1].split("</section>")[0]
    assert '<td class="status s-overdue">overdue</td><td>Jane Smith</td><td>iso9001:9</td>' in html
    assert ('<tr class="gap"><td class="nowrap">ISO 9001:2015</td><td class="nowrap">9.2.1</td><td>part of 9.2 Internal '
            'audit<br><span class="s-missing">not audited in the cycle</span></td>') in html
    assert '<span class="nowrap s-overdue">AUD-2 (Jane Smith), overdue</span>' in html
    with open_evaluation(root, today=dt.date.fromisoformat(TODAY)) as evaluation:
        typ = source(collect(evaluation))
    audits = typ.split("= Audit programme and findings")[1].split("= Management reviews")[0]
    assert "== Programme over the audit cycle" in audits
    assert 'table.cell(fill: rgb("#fdecec"))[9\\.2\\.1]' in audits
    assert '#text(fill: colours.at("overdue"))[AUD\\-2 (Jane Smith), overdue]' in audits
    target = cli("report", "-f", "pdf", "--today", TODAY, "-o", str(root / "pack.pdf"), cwd=root)
    assert target.exit_code == 0 and (root / "pack.pdf").read_bytes().startswith(b"%PDF-")


def test_xlsx_sheet_of_the_programme(cli: Cli, root: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "pack.xlsx"
    assert cli("report", "-f", "xlsx", "--today", TODAY, "-o", str(target), cwd=root).exit_code == 0
    sheet = load_workbook(target)["Audit programme"]
    assert [c.value for c in sheet[3]] == ["Standard", "Clause", "Title", "2024", "2025", "2026", "2027", "Gap"]
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=4)}
    assert [c.value for c in rows["9.1.1"]][3:] == [None, "AUD-1 (Amir Khan)", "AUD-2 (Jane Smith), overdue", None, "no"]
    assert rows["9.2.1"][7].value == "yes" and rows["9.2.1"][0].fill.fgColor.rgb.endswith("FDECEC")
