"""The executive summary: first in every format, readiness with its trend, certification risks ranked in sentences."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from helpers import Cli, GitRepo, MakeWorkspace

from isoctl.model.result import Finding
from isoctl.report.summary import Facts, trend
from isoctl.report.summary import risks as rank
from isoctl.report.svg import Point

TODAY = "2026-11-21"

#: A quality system an auditor would write up: every kind of certification risk the summary ranks, once.
DECAYED = {
    "reviews/MR-2025.yaml": "id: MR-2025\nkind: review\ntitle: Management review 2025\ndate: 2025-06-10\n"
                            "attendees: [akhan]\ninputs: {previous_actions: none open}\n"
                            "outputs: {decisions: [Carry on]}\n",
    "actions/log.yaml": (
        "- {id: ACT-1, kind: action, type: nonconformity, severity: minor, title: Late deliveries, raised_on: 2026-01-05,"
        " due: 2026-03-31, owner: akhan}\n"
        "- {id: ACT-2, kind: action, type: nonconformity, severity: minor, title: Wrong labels, raised_on: 2026-02-01,"
        " status: closed, closed_on: 2026-03-01, root_cause: No template, corrective_action: Template made,"
        " verification: {on: 2026-05-01, by: jsmith, effective: false, note: Labels still wrong}}\n"
        "- {id: ACT-3, kind: action, type: nonconformity, severity: minor, title: Scrap not logged, raised_on: 2026-02-01,"
        " status: closed, closed_on: 2026-03-01, verification: {on: 2026-05-01, by: jsmith, effective: true}}\n"
    ),
    "audits/AUD-1.yaml": "id: AUD-1\nkind: audit\ntype: internal\nstatus: done\ndate: 2026-04-01\nauditor: jsmith\n"
                         "title: Operations\nscope: ['iso9001:8.5']\nfindings:\n"
                         "  - {id: F1, type: minor, clause: 'iso9001:8.5.1', description: Lists unchecked}\n",
    "docs/POL.md": "---\nid: POL-Q\nkind: document\ntype: policy\ntitle: Quality policy\nstatus: approved\nversion: '1'\n"
                   "approved_by: jsmith\napproved_on: 2024-01-10\nclauses: [iso9001:5.2]\n---\n"
                   "# Quality policy\n\nWe make parts to drawing, on time, and we learn from every complaint we get.\n",
}


def md(cli: Cli, root: Path, *args: str) -> str:
    result = cli("report", "-f", "md", "--today", TODAY, *args, cwd=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def summary_of(text: str) -> str:
    return text.split("## Executive summary")[1].split("## Scope and standards")[0]


def risks(text: str) -> list[str]:
    return re.findall(r"^\d+\. (.*)$", summary_of(text), flags=re.M)


def test_trend_sentence() -> None:
    day = dt.date
    assert trend([Point(day(2025, 12, 31), 0.5), Point(day(2026, 11, 21), 0.62)]) == "+12 points since December 2025"
    assert trend([Point(day(2025, 12, 31), 0.5), Point(day(2026, 11, 21), 0.49)]) == "-1 point since December 2025"
    assert trend([Point(day(2026, 1, 31), 0.5), Point(day(2026, 11, 21), 0.5)]) == "unchanged since January 2026"
    assert trend([Point(day(2026, 11, 21), 0.5)]) == "no earlier month to compare with"


def test_risks_are_ranked_in_sentences_with_figures_and_places(cli: Cli, make_workspace: MakeWorkspace) -> None:
    text = md(cli, make_workspace(DECAYED))
    ranked = risks(text)
    topics = [re.findall(r"^\*\*(.+?):\*\*", line)[0] for line in ranked]  # each line opens with its topic
    assert topics[:7] == ["Management review", "Management review", "Corrective actions", "Corrective actions",
                          "Corrective actions", "Audit findings", "Audit programme"]
    assert ranked[0] == ("**Management review:** No management review within 365 days (management_review_days): the last, "
                         "MR-2025, was held on 2025-06-10 (529 days ago). *See Management reviews: isoctl.yaml:1.*")
    assert ranked[1].startswith("**Management review:** MR-2025: no member of top management attended")
    assert ranked[1].endswith("*See Management reviews: reviews/MR-2025.yaml:5.*")
    assert ranked[2] == ("**Corrective actions:** 1 action is past due: ACT-1 by 235 days. "
                         "*See Action register: actions/log.yaml:1.*")
    assert ranked[3].startswith("**Corrective actions:** ACT-2 was closed although the effectiveness check found it "
                                "not effective.")
    assert ranked[4].startswith("**Corrective actions:** ACT-3 was closed without a root cause and corrective action")
    assert ranked[5] == ("**Audit findings:** 1 audit finding has no action: AUD-1 F1 (minor, iso9001:8.5.1). "
                         "*See Audit programme and findings: audits/AUD-1.yaml:10.*")
    assert re.match(r"\*\*Audit programme:\*\* \d+ clauses in scope were not audited within 1095 days \(the audit "
                    r"cycle\): iso9001:4\.1, iso9001:4\.2, ", ranked[6])
    stale = next(line for line in ranked if line.startswith("**Document control:**"))
    assert stale.startswith("**Document control:** 1 of 1 document is past its review date: POL-Q (due 2025-01-09).")
    inputs = next(line for line in ranked if "did not cover" in line)
    assert inputs.startswith("**Management review:** MR-2025 (2025-06-10) did not cover 12 required inputs: changes in "
                             "external and internal issues, changes in the needs and expectations of interested parties, ")
    assert "context_changes" not in inputs
    assert len(ranked) <= 12 and "The other findings are listed under Living-system indicators, and the coverage ones in Clause coverage." in text


def test_a_kept_system_has_fewer_risks(cli: Cli, make_workspace: MakeWorkspace) -> None:
    kept = dict(DECAYED)
    kept["reviews/MR-2026.yaml"] = ("id: MR-2026\nkind: review\ntitle: Management review 2026\ndate: 2026-06-10\n"
                                    "attendees: [jsmith, akhan]\ninputs: {previous_actions: ACT-1 late}\n"
                                    "outputs: {decisions: [Hire a planner]}\n")
    ranked = risks(md(cli, make_workspace(kept)))
    assert not any("No management review within" in line for line in ranked)
    assert not any("MR-2026: no member of top management" in line for line in ranked)


def test_summary_comes_first_in_html_and_markdown(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(DECAYED)
    text = md(cli, root)
    assert text.index("## Executive summary") < text.index("## Scope and standards")
    assert "| ISO 9001:2015 | " in summary_of(text) and "no earlier month to compare with" in summary_of(text)
    html = cli("report", "--today", TODAY, cwd=root).stdout
    sections = re.findall(r'<section id="([^"]+)"', html)
    assert sections[:2] == ["summary", "scope"]
    assert html.index('<section id="summary"') < html.index("<nav>")  # before the table of contents
    assert '<a href="#reviews">Management reviews</a><br><span class="muted">isoctl.yaml:1</span>' in html


def test_trend_over_the_year_from_git(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    root = make_workspace({"docs/POL.md": DECAYED["docs/POL.md"]})
    repo = GitRepo.init(root)
    repo.commit("Policy", date="2026-01-10")
    repo.commit("Context and review", date="2026-06-10", files={
        "context/issues.yaml": "- {id: ISS-1, kind: issue, type: external, title: Market, climate: not-relevant,"
                               " clauses: ['iso9001:4.1']}\n",
        "context/parties.yaml": "- {id: PTY-1, kind: party, title: Customers, needs: [parts], requirements: [drawings],"
                                " clauses: ['iso9001:4.2']}\n",
    })
    line = next(row for row in summary_of(md(cli, root)).splitlines() if row.startswith("| ISO 9001:2015 |"))
    assert "| 2% | +2 points since January 2026 |" in line  # 4.2 covered since the first month


def bookmark_page(data: bytes, title: str) -> int:
    """The 1-based page a PDF bookmark points to (typst writes outline items with a /Dest array object)."""
    kids = re.search(rb"/Type/Pages/Count \d+/Kids\[([^\]]*)\]", data)
    assert kids is not None
    pages = re.findall(rb"(\d+) 0 R", kids.group(1))
    item = re.search(rb"/Title\(" + re.escape(title.encode()) + rb"\)/Dest (\d+) 0 R", data)
    assert item is not None, title
    dest = re.search(rb"\n" + item.group(1) + rb" 0 obj\n\[(\d+) 0 R/XYZ", data)
    assert dest is not None
    return pages.index(dest.group(1)) + 1


def test_pdf_page_one_is_the_executive_summary(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    from isoctl.core.evaluate import open_evaluation
    from isoctl.report.gather import collect
    from isoctl.report.render_pdf import source

    root = make_workspace(DECAYED)
    with open_evaluation(root, today=dt.date.fromisoformat(TODAY)) as evaluation:
        typ = source(collect(evaluation))
    assert typ.index("= Executive summary") < typ.index("#outline(") < typ.index("= Scope and standards")
    target = tmp_path / "pack.pdf"
    assert cli("report", "-f", "pdf", "--today", TODAY, "-o", str(target), cwd=root).exit_code == 0
    data = target.read_bytes()
    assert bookmark_page(data, "Executive summary") == 1
    assert bookmark_page(data, "Certification risks, most likely nonconformity first") == 1
    assert bookmark_page(data, "Scope and standards") > 1


def test_xlsx_opens_on_the_executive_summary(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "pack.xlsx"
    assert cli("report", "-f", "xlsx", "--today", TODAY, "-o", str(target), cwd=make_workspace(DECAYED)).exit_code == 0
    book = load_workbook(target)
    sheet = book.worksheets[0]
    assert sheet.title == "Executive summary"
    assert sheet["A2"].value == "ISO 9001:2015: readiness 11%, no earlier month to compare with"
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert rows[0][:3] == (1, "Management review", "error") and rows[0][4:] == ("Management reviews", "isoctl.yaml:1")
    assert rows[2][3] == "1 action is past due: ACT-1 by 235 days."


def test_decay_in_the_history_ranks_after_what_auditors_raise_first() -> None:
    facts = Facts(actions=(), audit_findings=(), documents=0, review_due={})
    found = [
        Finding("silent-period", "warning", "no record changed in the 5 months from 2026-06 to 2026-10 (p = 0.01)",
                "isoctl.yaml"),
        Finding("expired-competence", "warning", "CMP-1: akhan's forklift licence expired on 2026-01-01 (324 days ago)",
                "people/competence.yaml", 3, record="CMP-1"),
        Finding("expired-competence", "warning", "CMP-2: jsmith's first aid expired on 2026-02-01",
                "people/competence.yaml", 9, record="CMP-2"),
        Finding("stale-document", "warning", "POL-Q was due for review on 2025-01-09 (681 days ago)", "docs/POL.md", 9,
                record="POL-Q"),
        Finding("partial-clause", "warning", "iso9001-2015 4.1: no issue", "isoctl.yaml"),  # the matrix shows those
    ]
    ranked = rank(found, facts)
    assert [r.rule for r in ranked] == ["stale-document", "silent-period", "expired-competence"]
    assert ranked[0].sentence == "1 of 1 document is past its review date: POL-Q."
    assert ranked[1].sentence == "No record changed in the 5 months from 2026-06 to 2026-10 (p = 0.01)."
    assert ranked[1].topic == "Decay in the history" and ranked[1].anchor == "living"
    assert ranked[2].sentence == ("CMP-1: akhan's forklift licence expired on 2026-01-01 (324 days ago); "
                                  "the same for CMP-2.")
    assert ranked[2].where == "people/competence.yaml:3"
    assert [r.rank for r in rank(found, facts, limit=2)] == [1, 2]


def test_an_auditor_auditing_their_own_work_is_one_sentence() -> None:
    facts = Facts(actions=(), audit_findings=(), documents=0, review_due={}, names={"ltaylor": "Lorraine Taylor"})
    found = [Finding("auditor-not-independent", "warning", f"{audit}: auditor ltaylor owns what this audit covers: {what}",
                     "audits/internal.yaml", line, record=audit)
             for audit, what, line in (("AUD-1", "PRC-QMS, MAN-QUALITY", 11), ("AUD-2", "PRO-AUDIT", 23))]
    assert rank(found, facts)[0].sentence == ("In 2 internal audits (AUD-1, AUD-2) the auditor, Lorraine Taylor, audited "
                                              "records they own, such as PRC-QMS, MAN-QUALITY.")
