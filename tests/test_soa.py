"""``isoctl soa``: the Statement of Applicability an auditor is handed, in every format.

The example nimbus-cloud has a complete SoA; a small workspace built here from
the catalog has a few controls without a row, one row twice, risks linked
every way a risk can name a control, and awkward text, so the gap rows and
the escaping are visible in the goldens.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import REPO
from helpers import Cli, GitRepo, Golden, MakeWorkspace
from test_check_cli import copy_of

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

TODAY = "2026-11-21"
GOLDEN_FORMATS = {"text": "txt", "md": "md", "json": "json", "html": "html"}
ANSI = re.compile(r"\x1b\[")

GAPS_MANIFEST = """\
isoctl: 1
organization: {name: Gapwise Ltd}
standards: [iso27001:2022]
people:
  - {id: ncole, name: Nadia Cole, role: ISMS manager, top_management: true}
  - {id: obanks, name: Omar Banks, role: IT lead}
"""
#: Controls the small workspace has no SoA row for.
MISSING = ("A.5.3", "A.7.4", "A.8.30")
STATUSES = ("implemented", "implemented", "partial", "planned", "implemented", "not-started")


def control_rows(catalogs: Catalogs, skip: tuple[str, ...] = MISSING) -> str:
    """One SoA row per Annex A control of the catalog except ``skip``, with a spread of statuses."""
    rows = []
    for index, clause in enumerate(catalogs.editions["iso27001-2022"].controls):
        if clause.id in skip:
            continue
        number, title = clause.id[2:], clause.title
        assert title is not None
        row: dict[str, object] = {"id": f"SOA-{number}", "kind": "control", "title": title, "control": f"iso27001:{clause.id}",
                                  "owner": "ncole" if index % 2 else "obanks"}
        if index % 9 == 4:
            row.update(applicable=False, justification=f"Excluded: nothing in scope needs {title.lower()}.")
        else:
            row.update(applicable=True, justification=f"Treats the risks around {title.lower()}.",
                       status=STATUSES[index % len(STATUSES)],
                       implementation=f"Handled by the {clause.theme} team's procedure.")
        rows.append(json.dumps(row, ensure_ascii=False))
    return "".join(f"- {row}\n" for row in rows)


def gaps_workspace(make_workspace: MakeWorkspace, catalogs: Catalogs) -> Path:
    """Most rows present, three missing, one control with two rows, and every way of linking a risk."""
    soa = control_rows(catalogs).replace(
        '{"id": "SOA-5.1",', '{"risks": ["RSK-9"], "evidence": [{"path": "evidence/policy.pdf", "date": "2026-10-01"}, '
        '{"url": "https://wiki.example/isms"}], "id": "SOA-5.1",'
    ).replace(
        '"justification": "Treats the risks around information security roles and responsibilities."',
        '"justification": "Roles | duties must be clear,\\nin writing."',
    ).replace('"owner": "obanks", "applicable": true, "justification": "Treats the risks around threat',
              '"owner": "ghost", "applicable": true, "justification": "Treats the risks around threat')
    return make_workspace(
        {
            "soa/annex-a.yaml": soa,
            "soa/older.yaml": "- {id: SOA-5.2-OLD, kind: control, title: Old roles row, control: iso27001:A.5.2,"
                              " applicable: false, justification: superseded}\n",
            "risks/register.yaml": (
                "- {id: RSK-1, kind: risk, title: Phishing, controls: [SOA-5.1]}\n"
                "- {id: RSK-2, kind: risk, title: Lost laptop, controls: ['iso27001:A.5.2', 'iso27001-2022:A.8.1']}\n"
                "- {id: RSK-3, kind: risk, title: Insider, controls: ['iso27001:A.5.3', 'iso27001:A.6']}\n"
                "- {id: RSK-4, kind: risk, title: Unrelated, controls: [PLN-DR]}\n"
            ),
        },
        manifest=GAPS_MANIFEST,
    )


def soa_json(cli: Cli, root: Path, *args: str) -> dict[str, Any]:
    result = cli("soa", str(root), "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- goldens -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(GOLDEN_FORMATS))
def test_nimbus_cloud_golden(cli: Cli, golden: Golden, tmp_path: Path, fmt: str) -> None:
    root = copy_of("nimbus-cloud", tmp_path)
    result = cli("soa", "--today", TODAY, "--format", fmt, cwd=root)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    golden(f"soa/nimbus-cloud.{GOLDEN_FORMATS[fmt]}", result.stdout)


@pytest.mark.parametrize("fmt", list(GOLDEN_FORMATS))
def test_gaps_golden(cli: Cli, golden: Golden, make_workspace: MakeWorkspace, catalogs: Catalogs, fmt: str) -> None:
    root = gaps_workspace(make_workspace, catalogs)
    result = cli("soa", "--today", TODAY, "--format", fmt, cwd=root)
    assert result.exit_code == 0, result.stderr
    golden(f"soa/gaps.{GOLDEN_FORMATS[fmt]}", result.stdout)


# -- content -------------------------------------------------------------------


def test_every_control_in_catalog_order_with_everything_an_auditor_reads(cli: Cli, tmp_path: Path, catalogs: Catalogs) -> None:
    data = soa_json(cli, copy_of("nimbus-cloud", tmp_path), "--today", TODAY)
    assert list(data) == ["isoctl", "format", "standard", "organization", "date", "document", "summary", "controls"]
    assert (data["format"], data["standard"], data["organization"], data["date"]) == (
        1, "iso27001-2022", "Nimbus Cloud GmbH", TODAY)
    ids = [c["control"] for c in data["controls"]]
    assert ids == [c.id for c in catalogs.editions["iso27001-2022"].controls] and len(ids) == 93
    assert data["summary"] == {"controls": 93, "applicable": 89, "excluded": 4, "implemented": 89, "missing": 0}
    a51 = data["controls"][0]
    assert a51["theme"] == "organizational" and a51["record"] == "SOA-5.1" and a51["path"] == "soa/organizational.yaml"
    assert a51["applicable"] is True and a51["status"] == "implemented"
    assert a51["justification"].startswith("Needed to set direction") and a51["implementation"].startswith("Board-approved")
    assert (a51["owner"], a51["owner_id"]) == ("Lena Hoffmann", "lhoffmann")
    assert {"path": "evidence/policy-acknowledgements-2026.csv", "date": "2026-10-31",
            "note": "98.9 % of staff acknowledged the 2026 policy set"} in a51["evidence"]
    assert {"url": "https://trust.nimbus-cloud.example/policies", "date": None, "note": "published policy summaries"} in a51["evidence"]
    excluded = {c["control"]: c for c in data["controls"] if c["applicable"] is False}
    assert sorted(excluded) == ["A.7.11", "A.7.12", "A.7.6", "A.8.30"]
    assert excluded["A.7.6"]["justification"].startswith("Excluded. We have no secure areas")
    # A.8.13 (backup) is named by the continuity risks' controls, not only by its own row
    assert {"RSK-BC-01", "RSK-002"} <= set(next(c for c in data["controls"] if c["control"] == "A.8.13")["risks"])


def test_gaps_are_rows_marked_no_soa_entry_and_counted(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    root = gaps_workspace(make_workspace, catalogs)
    data = soa_json(cli, root, "--today", TODAY)
    assert len(data["controls"]) == 93
    gaps = [c for c in data["controls"] if c["missing"]]
    assert [c["control"] for c in gaps] == list(MISSING)
    assert all(c["record"] is None and c["applicable"] is None and c["status"] is None for c in gaps)
    assert data["summary"]["missing"] == 3
    assert data["summary"]["applicable"] + data["summary"]["excluded"] + 3 == 93
    text = cli("soa", "--today", TODAY, cwd=root).stdout
    assert "3 without an SoA entry" in text and "no SoA entry: A.5.3, A.7.4, A.8.30" in text
    assert sum("no SoA entry" in line for line in text.splitlines() if line.startswith(MISSING)) == 3
    md = cli("soa", "--today", TODAY, "-f", "md", cwd=root).stdout
    assert len([line for line in md.splitlines() if "| **no SoA entry** |" in line]) == 3


def test_risks_link_through_the_row_the_record_id_and_the_clause(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    data = soa_json(cli, gaps_workspace(make_workspace, catalogs), "--today", TODAY)
    rows = {c["control"]: c for c in data["controls"]}
    assert rows["A.5.1"]["risks"] == ["RSK-1", "RSK-9"]  # named by the risk's controls, and by the row's risks
    assert rows["A.5.2"]["risks"] == ["RSK-2"]  # the clause reference iso27001:A.5.2
    assert rows["A.8.1"]["risks"] == ["RSK-2"]  # an edition-qualified reference
    assert rows["A.5.3"]["risks"] == ["RSK-3"]  # a gap row still shows which risks rely on the control
    assert all("RSK-3" in rows[c]["risks"] for c in rows if c.startswith("A.6."))  # a theme names all its controls
    assert not any("RSK-4" in row["risks"] for row in rows.values())


def test_owner_is_the_persons_name_or_the_id_as_written(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    rows = {c["control"]: c for c in soa_json(cli, gaps_workspace(make_workspace, catalogs), "--today", TODAY)["controls"]}
    assert rows["A.5.1"]["owner"] == "Omar Banks" and rows["A.5.2"]["owner"] == "Nadia Cole"
    assert (rows["A.5.7"]["owner"], rows["A.5.7"]["owner_id"]) == ("ghost", "ghost")


def test_a_control_with_two_rows_shows_the_first_and_says_so(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    root = gaps_workspace(make_workspace, catalogs)
    row = next(c for c in soa_json(cli, root, "--today", TODAY)["controls"] if c["control"] == "A.5.2")
    assert (row["record"], row["duplicates"], row["applicable"]) == ("SOA-5.2", ["SOA-5.2-OLD"], True)
    assert "A.5.2 has more than one SoA row: SOA-5.2, SOA-5.2-OLD" in cli("soa", "--today", TODAY, cwd=root).stdout


FIRST_ROW = ("- {id: SOA-6.1, kind: control, title: Screening, control: 'iso27001:A.6.1', applicable: true, "
             "justification: Staff see customer data., status: implemented, implementation: Checks before the offer.}\n")


@pytest.mark.parametrize(("second", "severity", "said"), [
    (None, None, None),
    ("applicable: true, justification: Staff see data., status: planned", "warning", ""),
    ("applicable: false, justification: Contractors only.", "error",
     ", and says applicable where this one says not applicable"),
])
def test_check_reports_a_second_soa_row_for_a_control(cli: Cli, make_workspace: MakeWorkspace, second: str | None,
                                                     severity: str | None, said: str | None) -> None:
    files = {"soa/people.yaml": FIRST_ROW}
    if second is not None:
        files["soa/zz-added.yaml"] = f"# added later\n- {{id: SOA-6.1-B, kind: control, title: Again, control: 'iso27001:A.6.1', {second}}}\n"
    root = make_workspace(files, manifest=GAPS_MANIFEST)
    found = json.loads(cli("check", "-f", "json", "--today", TODAY, "--select", "duplicate-soa-row", "--exit-zero",
                           cwd=root).stdout)["findings"]
    if second is None:
        assert found == []
        return
    assert [(f["path"], f["line"], f["column"], f["record"], f["severity"], f["message"]) for f in found] == [
        ("soa/zz-added.yaml", 2, 57, "SOA-6.1-B", severity,
         f"iso27001-2022 A.6.1: a second SoA row; SOA-6.1 counts{said}; keep one row per control")]
    pinned = make_workspace({}, manifest=GAPS_MANIFEST + "rules: {duplicate-soa-row: info}\n")
    assert {f["severity"] for f in json.loads(cli("check", "-f", "json", "--today", TODAY, "--select",
                                                  "duplicate-soa-row", cwd=pinned).stdout)["findings"]} == {"info"}


def test_markdown_cells_escape_pipes_and_keep_to_one_line(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    md = cli("soa", "--today", TODAY, "-f", "md", cwd=gaps_workspace(make_workspace, catalogs)).stdout
    line = next(line for line in md.splitlines() if line.startswith("| A.5.2 |"))
    assert "Roles \\| duties must be clear,<br>in writing." in line
    assert len(re.split(r"(?<!\\)\|", line)) == 13  # 11 cells between 12 unescaped pipes


def test_text_is_plain_when_not_a_terminal(cli: Cli, tmp_path: Path) -> None:
    root = copy_of("nimbus-cloud", tmp_path)
    out = cli("soa", "--today", TODAY, cwd=root).stdout
    assert not ANSI.search(out)
    assert out.startswith("Statement of Applicability — Nimbus Cloud GmbH\nISO/IEC 27001:2022 Annex A · 2026-11-21")
    assert "93 controls: 89 applicable (89 implemented), 4 excluded, 0 without an SoA entry" in out


def test_the_date_is_today_from_option_environment_or_clock(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch) -> None:
    root = gaps_workspace(make_workspace, catalogs)
    assert soa_json(cli, root, "--today", "2025-03-01")["date"] == "2025-03-01"
    monkeypatch.setenv("ISOCTL_TODAY", "2025-04-02")
    assert soa_json(cli, root)["date"] == "2025-04-02"
    monkeypatch.delenv("ISOCTL_TODAY")
    assert soa_json(cli, root)["date"] == dt.date.today().isoformat()
    bad = cli("soa", str(root), "--today", "tomorrow")
    assert bad.exit_code == 2 and "--today: 'tomorrow' is not a date" in bad.stderr


# -- refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("standards", "hint"),
    [("[iso9001:2015]", "add iso27001:2022 to 'standards' in isoctl.yaml"),
     ("[iso27001:2013]", "move the workspace to iso27001:2022 first")],
)
def test_without_iso27001_2022_in_scope_it_exits_2(cli: Cli, make_workspace: MakeWorkspace, standards: str, hint: str) -> None:
    root = make_workspace({}, manifest=GAPS_MANIFEST.replace("[iso27001:2022]", standards))
    result = cli("soa", "--today", TODAY, cwd=root)
    assert result.exit_code == 2
    assert "error: the Statement of Applicability needs iso27001:2022 in scope" in result.stderr
    assert hint in result.stderr and "Traceback" not in result.stderr and result.stdout == ""


def test_unreadable_files_are_reported_and_their_rows_show_as_gaps(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    broken = "- {id: SOA-8.1, kind: control, control: iso27001:A.8.1\n"  # the flow mapping never closes
    root = make_workspace({"soa/annex-a.yaml": control_rows(catalogs, skip=("A.8.1",)), "soa/broken.yaml": broken},
                          manifest=GAPS_MANIFEST)
    result = cli("soa", "-f", "json", "--today", TODAY, cwd=root)
    assert result.exit_code == 0
    assert "warning: 1 file was not read in full (soa/broken.yaml)" in result.stderr and "isoctl check" in result.stderr
    assert [c["control"] for c in json.loads(result.stdout)["controls"] if c["missing"]] == ["A.8.1"]


# -- HTML ------------------------------------------------------------------------


def test_html_escapes_workspace_text_and_needs_nothing_from_outside(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    rows = control_rows(catalogs).replace(
        '"justification": "Treats the risks around policies for information security."',
        '"justification": "<script>alert(1)</script> & <b>bold</b>", '
        '"evidence": [{"url": "javascript:alert(2)"}, {"url": "https://wiki.example/a?b=1&c=2"}]',
    )
    root = make_workspace({"soa/annex-a.yaml": rows}, manifest=GAPS_MANIFEST)
    page = cli("soa", "--today", TODAY, "-f", "html", cwd=root).stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script" not in page.lower() and "<b>bold" not in page
    assert 'href="javascript:' not in page and "javascript:alert(2)" in page  # shown, never a link
    assert '<a href="https://wiki.example/a?b=1&amp;c=2"' in page
    # self-contained: no stylesheet, script, font, image or frame is fetched
    assert not re.search(r"<link|<img|<iframe|\bsrc=|@import|url\(", page, re.IGNORECASE)
    assert "@page { size: A4 landscape" in page and "thead { display: table-header-group; }" in page
    assert page.count('<tr id="A.') + page.count('<tr class="gap" id="A.') == 93


# -- XLSX ------------------------------------------------------------------------


def test_xlsx_is_deterministic_and_reads_back_as_a_filtered_frozen_table(cli: Cli, tmp_path: Path) -> None:
    import openpyxl
    from openpyxl.worksheet.worksheet import Worksheet

    root = copy_of("nimbus-cloud", tmp_path)
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    for target in (first, second):
        result = cli("soa", "--today", TODAY, "-f", "xlsx", "-o", str(target), cwd=root)
        assert result.exit_code == 0 and result.stdout == ""
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:  # nothing in it comes from the clock
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 21, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2026-11-21T00:00:00Z") == 2

    book = openpyxl.load_workbook(first)
    assert len(book.worksheets) == 1
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    title = sheet["A1"].value
    assert all(part in title for part in ("Nimbus Cloud GmbH", "Statement of Applicability", "isoctl 0.1.0", TODAY))
    header = [cell.value for cell in sheet[3]]
    assert header[:4] == ["Control", "Title", "Theme", "Applicable"] and "Justification" in header and "Evidence" in header
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:K96"
    data = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(data) == 93 and data[0][0] == "A.5.1" and data[-1][0] == "A.8.34"
    justification = header.index("Justification") + 1
    assert sheet.cell(row=4, column=justification).alignment.wrap_text
    assert sheet.column_dimensions["E"].width >= 40 and sheet.column_dimensions["A"].width >= 8
    assert book.properties.created == dt.datetime(2026, 11, 21)


def test_xlsx_keeps_formula_like_text_as_text(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs, tmp_path: Path) -> None:
    import openpyxl
    from openpyxl.worksheet.worksheet import Worksheet

    rows = control_rows(catalogs).replace(
        '"justification": "Treats the risks around policies for information security."',
        '"justification": "=HYPERLINK(\\"http://evil.example\\")"',
    )
    root = make_workspace({"soa/annex-a.yaml": rows}, manifest=GAPS_MANIFEST)
    target = tmp_path / "soa.xlsx"
    assert cli("soa", "--today", TODAY, "-f", "xlsx", "-o", str(target), cwd=root).exit_code == 0
    sheet = openpyxl.load_workbook(target).active
    assert isinstance(sheet, Worksheet)
    cell = sheet["E4"]
    assert cell.value == '=HYPERLINK("http://evil.example")' and cell.data_type == "s"
    gap_rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[3] == "no SoA entry"]
    assert [r[0] for r in gap_rows] == list(MISSING)


def test_xlsx_to_a_pipe_from_the_installed_command(tmp_path: Path) -> None:
    root = copy_of("nimbus-cloud", tmp_path)
    piped = subprocess.run([sys.executable, "-m", "isoctl", "soa", "-f", "xlsx", "--today", TODAY], cwd=root,
                           capture_output=True, check=True)
    written = tmp_path / "soa.xlsx"
    subprocess.run([sys.executable, "-m", "isoctl", "soa", "-f", "xlsx", "--today", TODAY, "-o", str(written)],
                   cwd=root, capture_output=True, check=True)
    assert piped.stdout[:2] == b"PK" and piped.stdout == written.read_bytes()


def test_soa_is_listed_under_reports_in_help(cli: Cli) -> None:
    text = cli("--help").stdout
    assert re.search(r"Reports:\n\s+soa\s+Show the Statement of Applicability", text)
    assert (REPO / "templates" / "report" / "soa.html.j2").is_file()


# -- the SoA as a controlled document ----------------------------------------------

APPROVED = GAPS_MANIFEST + "soa: {version: '2026-2', approved_by: ncole, approved_on: 2026-10-20}\n"


def approved_repo(git_repo: GitRepo, catalogs: Catalogs) -> GitRepo:
    """The full SoA of a small ISMS, its version and approval in the manifest, committed twice."""
    git_repo.commit("SoA 2026-1", files={"isoctl.yaml": APPROVED.replace("2026-2", "2026-1"),
                                         "soa/annex-a.yaml": control_rows(catalogs, skip=())}, date="2026-03-02")
    git_repo.commit("SoA 2026-2", files={"isoctl.yaml": APPROVED}, date="2026-10-21")
    return git_repo


def xlsx_text(path: Path) -> str:
    import openpyxl
    from openpyxl.worksheet.worksheet import Worksheet

    sheet = openpyxl.load_workbook(path).active
    assert isinstance(sheet, Worksheet)
    cells = [str(sheet.cell(row=1, column=1).value), str(sheet.cell(row=2, column=1).value)]
    return "\n".join([*cells, sheet.oddHeader.left.text or "", sheet.oddHeader.right.text or "",
                      sheet.oddFooter.left.text or "", sheet.oddFooter.right.text or ""])


def test_every_format_names_the_version_the_approval_and_the_commit(cli: Cli, git_repo: GitRepo, catalogs: Catalogs,
                                                                    tmp_path: Path) -> None:
    repo = approved_repo(git_repo, catalogs)
    short = repo.sha()[:8]
    text = cli("soa", "--today", TODAY, cwd=repo.root).stdout
    assert ("Version: 2026-2 · Approved by: Nadia Cole · Approved on: 2026-10-20 · Commit: " + short) in text
    md = cli("soa", "--today", TODAY, "-f", "md", cwd=repo.root).stdout
    assert ("**Version:** 2026-2 · **Approved by:** Nadia Cole · **Approved on:** 2026-10-20 · **Commit:** "
            + short) in md
    html = cli("soa", "--today", TODAY, "-f", "html", cwd=repo.root).stdout
    assert "<dt>Version</dt><dd>2026-2</dd>" in html and "<dt>Approved by</dt><dd>Nadia Cole</dd>" in html
    assert "<dt>Approved on</dt><dd>2026-10-20</dd>" in html and f"<dt>Commit</dt><dd>{short}</dd>" in html
    data = soa_json(cli, repo.root, "--today", TODAY)
    assert data["document"] == {"version": "2026-2", "approved_by": "Nadia Cole", "approved_by_id": "ncole",
                                "approved_on": "2026-10-20", "commit": repo.sha(), "dirty": False}
    book = tmp_path / "soa.xlsx"
    assert cli("soa", "--today", TODAY, "-f", "xlsx", "-o", str(book), cwd=repo.root).exit_code == 0
    sheet = xlsx_text(book)
    assert f"Version: 2026-2 · Approved by: Nadia Cole · Approved on: 2026-10-20 · Commit: {short}" in sheet
    assert "Gapwise Ltd — Statement of Applicability, version 2026-2" in sheet and f"commit {short}" in sheet
    assert "version 2026-2, approved by Nadia Cole on 2026-10-20" in sheet and "&P / &N" in sheet


def test_the_pdf_carries_the_document_control_on_its_cover_and_every_page(git_repo: GitRepo, catalogs: Catalogs) -> None:
    from isoctl.analysis.soa import build_soa
    from isoctl.core.evaluate import open_evaluation
    from isoctl.render import soa_pdf

    repo = approved_repo(git_repo, catalogs)
    with open_evaluation(repo.root, at=None, today=dt.date(2026, 11, 21)) as evaluation:
        soa = build_soa(evaluation.workspace(), evaluation.today, commit=evaluation.commit, dirty=evaluation.dirty)
    source = soa_pdf.source(soa)
    short = repo.sha()[:8]
    # the running header and footer, then the cover's facts
    assert "Gapwise Ltd — Statement of Applicability, version 2026\\-2" in source
    assert f"version 2026\\-2, approved by Nadia Cole on 2026\\-10\\-20 · commit {short}" in source
    assert "muted[Approved by], [*Nadia Cole*]" in source and f"muted[Commit], [*{short}*]" in source


def test_uncommitted_changes_are_said_and_at_shows_the_commit_read(cli: Cli, git_repo: GitRepo, catalogs: Catalogs) -> None:
    repo = approved_repo(git_repo, catalogs)
    repo.write("soa/extra.yaml", "- {id: SOA-X, kind: control, title: Extra, control: iso27001:A.5.1, applicable: true,"
                                 " justification: x, status: planned}\n")
    now = soa_json(cli, repo.root, "--today", TODAY)["document"]
    assert (now["commit"], now["dirty"]) == (repo.sha(), True)
    assert f"Commit: {repo.sha()[:8]} + uncommitted changes" in cli("soa", "--today", TODAY, cwd=repo.root).stdout
    then = soa_json(cli, repo.root, "--today", TODAY, "--at", "HEAD~1")["document"]
    assert (then["version"], then["commit"], then["dirty"]) == ("2026-1", repo.sha("HEAD~1"), False)


def test_outside_git_and_without_approval_it_says_so(cli: Cli, make_workspace: MakeWorkspace, catalogs: Catalogs) -> None:
    root = gaps_workspace(make_workspace, catalogs)
    text = cli("soa", "--today", TODAY, cwd=root).stdout
    assert ("Version: not set · Approved by: not recorded · Approved on: not recorded · "
            "Commit: not under version control") in text
    make_workspace(manifest=GAPS_MANIFEST + "soa: {version: 7, approved_by: the management board}\n")
    document = soa_json(cli, root, "--today", TODAY)["document"]
    assert (document["version"], document["approved_by"], document["approved_on"]) == ("7", "the management board", None)


def test_a_bad_approval_date_is_reported_where_it_is_written(cli: Cli, make_workspace: MakeWorkspace,
                                                              catalogs: Catalogs) -> None:
    root = gaps_workspace(make_workspace, catalogs)
    make_workspace(manifest=GAPS_MANIFEST + "soa: {version: '1', approved_on: last tuesday}\n")
    result = cli("soa", "--today", TODAY, cwd=root)
    assert result.exit_code == 0 and "Approved on: not recorded" in result.stdout
    assert "warning: 1 file was not read in full (isoctl.yaml)" in result.stderr
    check = cli("check", "--today", TODAY, cwd=root).stdout
    line = next(line for line in check.splitlines() if "soa.approved_on" in line)
    assert re.match(r"\s+7:34\s+error\s+schema-error\s+soa.approved_on: expected a date", line), line


# -- PDF -------------------------------------------------------------------------------


def test_pdf_is_deterministic_landscape_and_refused_on_a_terminal_only(cli: Cli, tmp_path: Path) -> None:
    root = copy_of("nimbus-cloud", tmp_path)
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    for target in (first, second):
        result = cli("soa", "--today", TODAY, "-f", "pdf", "-o", str(target), cwd=root)
        assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    data = first.read_bytes()
    assert data.startswith(b"%PDF-") and data == second.read_bytes()
    assert 6 <= data.count(b"/Type/Page/") <= 14  # 93 controls with their texts, A4 landscape
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes and {(round(float(w)), round(float(h))) for w, h in boxes} == {(842, 595)}  # A4 landscape, every page
    piped = subprocess.run([sys.executable, "-m", "isoctl", "soa", "-f", "pdf", "--today", TODAY], cwd=root,
                           capture_output=True, check=True)
    assert piped.stdout == data


def test_pdf_of_a_soa_with_gaps_duplicates_and_markup_in_its_texts(cli: Cli, make_workspace: MakeWorkspace,
                                                                   catalogs: Catalogs, tmp_path: Path) -> None:
    from isoctl.analysis.soa import build_soa
    from isoctl.render import soa_pdf
    from isoctl.workspace.load import load_workspace

    rows = control_rows(catalogs).replace(
        '"justification": "Treats the risks around policies for information security."',
        '"justification": "#import \\"evil.typ\\" *bold* $x$ [link] // not a comment"',
    )
    root = gaps_workspace(make_workspace, catalogs)
    make_workspace({"soa/annex-a.yaml": rows}, manifest=GAPS_MANIFEST)
    target = tmp_path / "soa.pdf"
    result = cli("soa", "--today", TODAY, "-f", "pdf", "-o", str(target), cwd=root)
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF-")
    source = soa_pdf.source(build_soa(load_workspace(root), dt.date(2026, 11, 21)))
    assert "\\#import \\\"evil\\.typ\\\" \\*bold\\* \\$x\\$ \\[link\\] \\/\\/ not a comment" in source  # shown, not run
    assert source.count('#st("no SoA entry")') == 3 and "No SoA entry: A\\.5\\.3, A\\.7\\.4, A\\.8\\.30." in source
    assert "A\\.5\\.2 has more than one SoA row: SOA\\-5\\.2, SOA\\-5\\.2\\-OLD (the first is shown)." in source
