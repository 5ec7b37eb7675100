"""``isoctl audit checklist AUDIT-ID``: what the auditor looks at, samples and asks, clause by clause and process by
process, with our own summaries, room for notes and a verdict, and the previous audit's findings to follow up."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import Cli, committed_example, make_workspace, run_isoctl

TODAY = "2026-11-21"


def checklist(cli: Cli, root: Path, audit: str, *extra: str) -> str:
    run = cli("audit", "checklist", audit, str(root), "--today", TODAY, *extra)
    assert run.exit_code == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize(("example", "audit", "what"), [
    ("acme-logistics", "AUD-2027-02", "internal audit of processes and clauses, planned, with a previous one to follow up"),
    ("acme-logistics", "EXT-2026-SURV", "external surveillance audit by clause"),
    ("paper-iso", "AUD-2026-01", "internal audit by clause of a system that is only partly effective"),
    ("nimbus-cloud", "AUD-2026-02", "internal audit of an ISMS and BCMS"),
])
def test_markdown_checklists_of_each_type_of_audit(cli: Cli, tmp_path: Path, golden: Any, example: str, audit: str,
                                                   what: str) -> None:
    root = tmp_path / example
    committed_example(root, example)
    golden(f"audit/checklist-{example}-{audit}.md", checklist(cli, root, audit))


def test_each_clause_carries_the_catalogs_own_summary_its_evidence_and_room_for_a_verdict(
        cli: Cli, tmp_path: Path, catalogs: Any) -> None:
    root = tmp_path / "acme"
    committed_example(root, "acme-logistics")
    text = checklist(cli, root, "AUD-2026-02")
    edition = catalogs.edition("iso9001-2015")
    for clause_id in ("7.1.3", "7.1.4", "8.5.1", "8.6"):
        clause = edition.by_id[clause_id]
        assert f"## iso9001:{clause_id} {clause.title}\n\n{clause.summary} (coverage: covered)" in text
    sections = [s for s in text.split("\n## ")[1:] if not s.startswith("Follow up")]
    assert all("\nNotes:\n" in s and "\nVerdict:" in s for s in sections)
    assert "## iso9001:8.7.1 (paragraph of 8.7 Control of nonconforming outputs)" in text
    assert "## Process PRC-WAREHOUSE:" in text and "OBJ-PICK-ACCURACY Pick accuracy: target 99.8" in text
    assert "evidence/calibration-register-2026.csv (AST-TEMP-MONITORING, 2026-10-30)" in text
    assert "ACT-0230 Monthly check of Bristol hand-held probe missed (nonconformity, closed, due 2026-08-31)" in text
    # questions come from what the clause expects, in our words
    assert "- [ ] Show me the asset records that meet this; sample one." in text


def test_the_previous_audit_of_the_same_area_is_followed_up_and_living_findings_become_questions(
        cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "acme"
    committed_example(root, "acme-logistics")
    text = checklist(cli, root, "AUD-2027-02")
    assert "## Follow up from AUD-2026-02 (2026-06-09, auditor rpatel)" in text
    assert "F1 (minor, iso9001:7.1.5): Monthly reference check of Bristol hand-held probe HP-B-01 missed" in text
    assert "action ACT-0230 (closed)" in text
    paper = tmp_path / "paper"
    committed_example(paper, "paper-iso")
    text = checklist(cli, paper, "AUD-2026-01")
    assert "isoctl climate-undetermined (isoctl.yaml):" in text
    assert "isoctl finds: MAN-QUALITY was due for review on 2022-03-15. What is being done about it?" in text
    assert "audit-programme-gap" not in text  # the programme's gaps are for its planner, not the auditee


def test_html_pdf_and_xlsx_escape_record_text_and_give_the_same_bytes_each_time(
        cli: Cli, make_workspace: Any, tmp_path: Path) -> None:
    root = make_workspace({
        "processes.yaml": "- {id: PRC-X, kind: process, title: '<script>alert(1)</script> | #import \"x\"', "
                          "owner: akhan, clauses: ['iso9001:8.5']}\n",
        "audits.yaml": "- {id: AUD-1, kind: audit, title: 'Audit *one*', type: internal, status: planned, "
                       "date: 2027-01-10, auditor: jsmith, scope: [PRC-X, iso9001:8.5.1]}\n",
    })
    html = checklist(cli, root, "AUD-1", "-f", "html")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('class="box"') == 2  # the process and the one clause, each with room for notes
    md = checklist(cli, root, "AUD-1")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| #import" in md
    outputs: dict[str, list[bytes]] = {}
    for fmt in ("pdf", "xlsx"):
        for n in (1, 2):
            target = tmp_path / f"c{n}.{fmt}"
            assert cli("audit", "checklist", "AUD-1", str(root), "--today", TODAY, "-f", fmt, "-o", str(target)).exit_code == 0
            outputs.setdefault(fmt, []).append(target.read_bytes())
    assert outputs["pdf"][0] == outputs["pdf"][1] and outputs["pdf"][0].startswith(b"%PDF")
    assert outputs["xlsx"][0] == outputs["xlsx"][1]
    sheet = openpyxl.load_workbook(io.BytesIO(outputs["xlsx"][0]))["checklist"]
    assert [c.value for c in sheet[3]] == ["item", "title", "our summary", "evidence to sample",
                                           "actions and earlier findings", "questions", "notes", "verdict"]
    assert [sheet.cell(row=r, column=1).value for r in (4, 5)] == ["PRC-X", "iso9001:8.5.1"]
    assert sheet.cell(row=4, column=2).value.startswith("<script>")  # text stays text in a cell
    assert str(sheet.data_validations.dataValidation[0].sqref) == "H4:H5"  # a verdict to choose per row


def test_unknown_ids_outside_a_workspace_and_today_from_the_environment(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "paper"
    committed_example(root, "paper-iso")
    cli("audit", "checklist", "AUD-2O26-01", str(root)).expect(2, "did you mean AUD-2026-01")
    (tmp_path / "empty").mkdir()
    cli("audit", "checklist", "AUD-2026-01", cwd=tmp_path / "empty").expect(2, "isoctl.yaml")
    run = run_isoctl("audit", "checklist", "AUD-2026-01", cwd=root, env={"ISOCTL_TODAY": "2027-01-31"}).expect(0)
    assert "Prepared 2027-01-31 by isoctl" in run.stdout
    make_workspace(tmp_path / "ws", {"audits.yaml": "- {id: AUD-9, kind: audit, title: Odd, type: internal, "
                                                    "status: planned, date: 2027-01-10, scope: [PRC-NONE, iso9001:8.5.9]}\n"})
    run = cli("audit", "checklist", "AUD-9", str(tmp_path / "ws"), "--today", TODAY).expect(0)
    assert "scope entry 'PRC-NONE' names no clause in scope and no process" in run.stderr
    assert re.search(r"Scope entries that name nothing in this workspace: PRC-NONE, iso9001:8\.5\.9", run.stdout)


def test_files_that_cannot_be_read_are_named_by_the_plan_and_the_checklist(cli: Cli, tmp_path: Path) -> None:
    """A FIFO and a link out of the workspace among the records: both commands say their records are missing."""
    import os

    root = tmp_path / "acme"
    committed_example(root, "acme-logistics")
    os.mkfifo(root / "actions" / "fifo.yaml")
    (root / "evidence" / "outside.yaml").symlink_to("/etc/hostname")
    for args in (("audit", "plan"), ("audit", "checklist", "AUD-2026-01")):
        run = cli(*args, "--today", "2026-11-21", cwd=root).expect(0)
        assert "2 files were not read in full (actions/fifo.yaml, evidence/outside.yaml)" in run.stderr
