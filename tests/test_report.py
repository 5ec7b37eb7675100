"""``isoctl report``: the audit pack from a year of real git history, in HTML, PDF, Markdown and XLSX.

The repository built here has a year of dated commits by two people: a policy
approved twice and then renamed, a register file holding two procedures of
which only one changes, a form whose own file is revised, a record deleted,
a branch merged, internal and external audits with findings, a management
review and measured objectives.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from helpers import JANE, Cli, GitRepo, isoctl_command, write_tree

TODAY = "2026-11-21"
AMIR = "Amir Khan <amir@example.com>"
PRIYA = "Priya Patel <priya@example.com>"

MANIFEST = """\
isoctl: 1
organization: {name: Harbour Freight Ltd, sites: [Leeds depot]}
scope: Road freight for retail customers from the Leeds depot.
standards: [iso9001:2015]
certification:
  iso9001:
    body: Example Certification Ltd
    certificate: "QMS 612345"
    issued: 2025-03-01
    expires: 2028-02-28
    audits:
      - {type: surveillance, date: 2026-10-15}
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - {id: akhan, name: Amir Khan, role: Quality Lead}
"""


def policy(version: str, body: str) -> str:
    return (f"---\nid: POL-QUALITY\nkind: document\ntype: policy\ntitle: Quality policy\nstatus: approved\n"
            f"version: \"{version}\"\napproved_by: jsmith\napproved_on: 2025-12-01\nowner: akhan\n"
            f"clauses: [iso9001:5.2]\n---\n# Quality policy\n\n{body}\n")


def procedures(a: str, b: str) -> str:
    return (f"- {{id: PRO-A, kind: document, type: procedure, title: Picking, status: approved, version: '{a}', "
            f"approved_by: akhan, approved_on: 2025-12-01, clauses: ['iso9001:8.5.1']}}\n"
            f"- {{id: PRO-B, kind: document, type: procedure, title: Loading, status: approved, version: '{b}', "
            f"approved_by: akhan, approved_on: 2025-12-01, clauses: ['iso9001:8.5.1']}}\n")


def objective(*values: tuple[str, int]) -> str:
    points = "".join(f"  - {{date: {day}, value: {value}}}\n" for day, value in values)
    return ("id: OBJ-1\nkind: objective\ntitle: On-time deliveries\ntarget: 95\nunit: '%'\ndirection: increase\n"
            f"baseline: 88\nowner: akhan\nclauses: [iso9001:6.2]\nmeasurements:\n{points}")


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year of a small quality system, commit by commit."""
    repo = GitRepo.init(tmp_path_factory.mktemp("report") / "qms", author=AMIR)
    repo.commit("Start the quality system", date="2025-12-01", files={
        "isoctl.yaml": MANIFEST,
        "policies/POL-QUALITY.md": policy("1", "We deliver on time."),
        "documents/procedures.yaml": procedures("1", "1"),
        "objectives/OBJ-1.yaml": objective(("2025-12-01", 88)),
        "actions/ACT-1.yaml": "id: ACT-1\nkind: action\ntype: improvement\ntitle: Label the bays\nraised_on: 2025-12-01\n"
                              "due: 2026-02-28\nowner: akhan\n",
    })
    repo.commit("Approve quality policy v2", date="2026-01-15",
                files={"policies/POL-QUALITY.md": policy("2", "We deliver on time, every time.")}, author=JANE)
    repo.commit("Revise the picking procedure", date="2026-02-15", files={"documents/procedures.yaml": procedures("2", "1")})
    repo.commit("Internal audit AUD-1", date="2026-03-15", files={
        "objectives/OBJ-1.yaml": objective(("2025-12-01", 88), ("2026-03-01", 92)),
        "actions/ACT-2.yaml": "id: ACT-2\nkind: action\ntype: nonconformity\nseverity: minor\nsource: internal-audit\n"
                              "title: Picking lists not checked\nraised_on: 2026-03-10\ndue: 2026-06-30\nowner: akhan\n",
        "audits/AUD-1.yaml": "id: AUD-1\nkind: audit\ntype: internal\nstatus: done\ndate: 2026-03-10\nauditor: jsmith\n"
                             "title: Operations audit\nscope: ['iso9001:8.5']\nfindings:\n"
                             "  - {id: F1, type: minor, clause: 'iso9001:8.5.1', description: Lists unchecked, action: ACT-2}\n",
    })
    repo.tag("v-march")
    repo.rename("policies/POL-QUALITY.md", "policies/quality-policy.md")
    repo.commit("Rename the quality policy file", date="2026-04-02")
    repo.remove("actions/ACT-1.yaml")
    repo.commit("Withdraw ACT-1", date="2026-05-03")
    repo.commit("Add the delivery note form", date="2026-06-10", files={
        "forms/FRM-1.yaml": "id: FRM-1\nkind: document\ntype: form\ntitle: Delivery note\nstatus: approved\nversion: '1'\n"
                            "approved_by: jsmith\napproved_on: 2026-06-10\npath: forms/delivery-note.txt\n",
        "forms/delivery-note.txt": "Delivered to: ____\n",
    })
    repo.commit("Delivery note: add a signature box", date="2026-07-10",
                files={"forms/delivery-note.txt": "Delivered to: ____\nSignature: ____\n"})
    repo.branch("audit")
    repo.commit("Loading procedure v2", date="2026-08-05", files={"documents/procedures.yaml": procedures("2", "2")}, author=PRIYA)
    repo.checkout("main")
    repo.merge("audit", "Merge the audit branch", date="2026-08-20")
    repo.commit("Management review 2026", date="2026-09-20", files={
        "objectives/OBJ-1.yaml": objective(("2025-12-01", 88), ("2026-03-01", 92), ("2026-09-01", 96)),
        "reviews/MR-2026.yaml": "id: MR-2026\nkind: review\ntitle: Management review 2026\ndate: 2026-09-20\n"
                                "attendees: [jsmith, akhan]\ninputs: {previous_actions: ACT-1 withdrawn, objectives: On track}\n"
                                "outputs: {decisions: [Keep the policy]}\n",
    })
    repo.commit("Surveillance audit 2026 and its finding", date="2026-10-16", files={
        "audits/EXT-2026.yaml": "id: EXT-2026\nkind: audit\ntype: surveillance\nstatus: done\ndate: 2026-10-15\n"
                                "title: Surveillance audit 2026\nfindings:\n  - {id: NC1, type: minor, clause: 'iso9001:7.5.3',"
                                " description: Form versions unclear, action: ACT-3}\n",
        "actions/ACT-3.yaml": "id: ACT-3\nkind: action\ntype: nonconformity\nseverity: minor\nsource: external-audit\n"
                              "title: '<b>*Urgent*</b> #pagebreak() | form $versions$'\nraised_on: 2026-10-15\n"
                              "due: 2026-11-15\nowner: jsmith\n",
    })
    repo.commit("Close ACT-2", date="2026-11-05", files={
        "actions/ACT-2.yaml": "id: ACT-2\nkind: action\ntype: nonconformity\nseverity: minor\nsource: internal-audit\n"
                              "title: Picking lists not checked\nraised_on: 2026-03-10\ndue: 2026-06-30\nowner: akhan\n"
                              "status: closed\nclosed_on: 2026-11-01\nroot_cause: No checker named\n"
                              "corrective_action: Checker named per shift\n"
                              "verification: {on: 2026-11-05, by: jsmith, effective: true}\n",
    })
    return repo.root


def report(cli: Cli, root: Path, *args: str, fmt: str = "md") -> str:
    result = cli("report", "--format", fmt, *args, cwd=root)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def to_file(cli: Cli, root: Path, target: Path, *args: str) -> bytes:
    result = cli("report", "-o", str(target), *args, cwd=root)
    assert result.exit_code == 0, result.stderr
    return target.read_bytes()


def sheet_rows(data: bytes, name: str) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book[name].iter_rows(min_row=4, values_only=True)]


# -- the document register ---------------------------------------------------------


def test_document_register_follows_each_document_through_renames_merges_and_its_own_file(cli: Cli, year: Path,
                                                                                         tmp_path: Path) -> None:
    data = to_file(cli, year, tmp_path / "pack.xlsx", "--format", "xlsx", "--today", TODAY)
    history: dict[str, list[tuple[object, ...]]] = {}
    for document, _title, _sha, day, author, message, change in sheet_rows(data, "Document revisions"):
        assert isinstance(day, dt.datetime)
        history.setdefault(str(document), []).append((day.date().isoformat(), author, message, change))
    assert list(history) == ["FRM-1", "POL-QUALITY", "PRO-A", "PRO-B"]
    assert history["POL-QUALITY"] == [
        ("2025-12-01", "Amir Khan", "Start the quality system", "added"),
        ("2026-01-15", "Jane Smith", "Approve quality policy v2", "changed"),
        ("2026-04-02", "Amir Khan", "Rename the quality policy file", "moved from policies/POL-QUALITY.md"),
    ]
    # one file holds both procedures: each lists only the commits that changed it
    assert [m for _, _, m, _ in history["PRO-A"]] == ["Start the quality system", "Revise the picking procedure"]
    # the branch's commit reaches the main line as its merge (first-parent history)
    assert history["PRO-B"][-1] == ("2026-08-20", "Amir Khan", "Merge the audit branch", "changed")
    assert history["FRM-1"] == [
        ("2026-06-10", "Amir Khan", "Add the delivery note form", "added; file forms/delivery-note.txt added"),
        ("2026-07-10", "Amir Khan", "Delivery note: add a signature box", "file forms/delivery-note.txt changed"),
    ]
    shas = {row[2] for row in sheet_rows(data, "Document revisions")}
    assert GitRepo(year).sha("HEAD", short=8) not in shas  # closing ACT-2 touched no document
    documents = {row[0]: row for row in sheet_rows(data, "Documents")}
    assert documents["POL-QUALITY"][4:8] == ("2", "Amir Khan", "Jane Smith", dt.datetime(2025, 12, 1))
    assert documents["POL-QUALITY"][11] == "policies/quality-policy.md"


def test_markdown_register_lines_and_registers(cli: Cli, year: Path) -> None:
    md = report(cli, year, "--today", TODAY)
    sha = GitRepo(year).sha("HEAD~10", short=8)  # the January commit, counted back on the first-parent line
    assert f"2026-01-15 `{sha}` Jane Smith: Approve quality policy v2 (changed)" in md
    assert "4 documents, 9 revisions. Revision history from git" in md
    # the action register: age of open actions, days to close, overdue marked; HTML and pipes escaped
    row = next(line for line in md.splitlines() if line.startswith("| ACT-3 |"))
    assert "&lt;b&gt;*Urgent*&lt;/b&gt; #pagebreak() \\| form" in row
    assert "open **overdue 6 d** |  | 37 |" in row
    assert next(line for line in md.splitlines() if line.startswith("| ACT-2 |")).endswith("| closed | 2026-11-01 |  | 236 |")
    assert "ACT-1" not in md.split("## Action register")[1].split("## Audit")[0]  # deleted from the repository
    assert "| AUD-1 | F1 | minor | iso9001:8.5.1 | Lists unchecked | ACT-2 (closed) |" in md
    assert "| EXT-2026 | NC1 | minor | iso9001:7.5.3 | Form versions unclear | ACT-3 (open) |" in md
    # the manifest's planned audit and the audit record of the same day are one row
    assert "| 2026-10-15 | iso9001:2015 | surveillance | done | Example Certification Ltd | EXT-2026 |" in md
    assert "| All standards | Status of actions from previous management reviews | ACT-1 withdrawn |" in md
    assert "| All standards | Changes in external and internal issues | **not covered** |" in md
    assert "| OBJ-1 | On-time deliveries | increase to 95 % | 96 % | 2026-09-01 (81 days ago) | met |" in md
    assert "## Changes since" not in md


def test_html_is_self_contained_and_charts_the_year(cli: Cli, year: Path) -> None:
    html = report(cli, year, "--today", TODAY, fmt="html")
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    for external in ("<link", "<script", " src=", "@import", "url(", "<iframe", "<object"):
        assert external not in html.lower(), external
    assert set(re.findall(r'href="([^"]*)"', html)) <= {f"#{s}" for s in re.findall(r'<section id="([^"]+)"', html)}
    assert set(re.findall(r"https?://[^\s\"'<]+", html)) == {"http://www.w3.org/2000/svg"}  # the SVG namespace only
    assert "@page { size: A4" in html and "break-before: page" in html and "display: table-header-group" in html
    assert "&lt;b&gt;*Urgent*&lt;/b&gt;" in html and "<b>*Urgent*" not in html
    readiness = html.split('<section id="readiness">')[1].split("</section>")[0]
    days = re.findall(r"<title>(\d{4}-\d{2}-\d{2}): \d+%</title></circle>", readiness)
    assert days[0] == "2025-12-31" and days[-2:] == ["2026-10-31", TODAY]  # each month's end, then today
    assert len(days) == 12
    objectives = html.split('<section id="objectives">')[1]
    assert objectives.count("<circle") == 3 and 'stroke-dasharray="4 3"' in objectives  # 3 measurements, target line


def test_pdf_compiles_to_pages_with_the_workspace_text(cli: Cli, year: Path, tmp_path: Path) -> None:
    data = to_file(cli, year, tmp_path / "pack.pdf", "--format", "pdf", "--today", TODAY)
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) > 3
    titles = pdf_titles(data)
    assert "Audit pack — Harbour Freight Ltd" in titles  # the document's title
    assert "MR-2026 — Management review 2026 (2026-09-20)" in titles  # headings become bookmarks
    assert "OBJ-1 — On-time deliveries" in titles and "Document register" in titles
    assert b"CreationDate(D:20261121" in data


def pdf_titles(data: bytes) -> set[str]:
    """Document title and bookmark texts of a PDF (literal or UTF-16 hex strings)."""
    out = set()
    for literal, hexed in re.findall(rb"/Title\s*(?:\(((?:[^()\\]|\\.)*)\)|<([0-9A-Fa-f]+)>)", data):
        out.add(bytes.fromhex(hexed.decode()).decode("utf-16") if hexed else literal.decode("latin-1"))
    return out


@pytest.mark.parametrize("fmt", ["html", "md", "pdf", "xlsx"])
def test_same_input_same_bytes(cli: Cli, year: Path, tmp_path: Path, fmt: str) -> None:
    first = to_file(cli, year, tmp_path / f"one.{fmt}", "--format", fmt, "--today", TODAY)
    second = to_file(cli, year, tmp_path / f"two.{fmt}", "--format", fmt, "--today", TODAY)
    assert first == second and len(first) > 1000


def test_xlsx_registers_have_frozen_filtered_headers(cli: Cli, year: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_file(cli, year, tmp_path / "x.xlsx", "--format", "xlsx", "--today", TODAY)))
    assert book.sheetnames == ["Executive summary", "Gap matrix", "Actions", "Audit programme", "Review inputs",
                               "Documents", "Document revisions", "Findings", "Audit findings"]  # no SoA without 27001
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A3:")
        assert all((sheet.column_dimensions[c].width or 0) >= 6 for c in "ABC")
    actions = {row[0]: row for row in book["Actions"].iter_rows(min_row=4, values_only=True)}
    assert actions["ACT-3"][1] == "<b>*Urgent*</b> #pagebreak() | form $versions$"
    assert actions["ACT-3"][9:11] == (6, 37) and actions["ACT-2"][12] == 236
    gap = list(book["Gap matrix"].iter_rows(min_row=4, values_only=True))
    assert gap[[r[1] for r in gap].index("5.2")][:3] == ("iso9001:2015", "5.2", "Policy")


def test_nimbus_cloud_has_its_soa_sheet(cli: Cli, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    root = nimbus_repo(tmp_path)
    book = load_workbook(io.BytesIO(to_file(cli, root, tmp_path / "n.xlsx", "--format", "xlsx", "--today", TODAY)))
    assert book.sheetnames == ["Executive summary", "Gap matrix", "Statement of Applicability", "Actions",
                               "Audit programme", "Review inputs", "Documents", "Document revisions",
                               "Findings", "Audit findings", "Risks", "Obligations", "Competence", "Suppliers",
                               "Assets", "BIA", "Exercises"]
    assert book["Statement of Applicability"].max_row == 3 + 93


# -- --since and --at ----------------------------------------------------------------


def test_since_a_date_lists_what_changed(cli: Cli, year: Path) -> None:
    md = report(cli, year, "--today", TODAY, "--since", "2026-03-31")
    march = GitRepo(year).sha("v-march", short=8)
    changes = md.split("## Changes since")[1].split("## Document register")[0]
    assert changes.startswith(f" 2026-03-31 ({march}, 2026-03-15)\n")
    assert "| ACT-1 | action | Label the bays | removed from actions/ACT-1.yaml |" in changes
    assert "| FRM-1 | document | Delivery note | added in forms/FRM-1.yaml |" in changes
    assert "| POL-QUALITY | document | Quality policy | moved from policies/POL-QUALITY.md |" in changes
    act2 = next(line for line in changes.splitlines() if line.startswith("| ACT-2 |"))
    assert "status: open → closed; closed_on: (none) → 2026-11-01" in act2
    assert f"to HEAD ({GitRepo(year).sha('HEAD', short=8)}, 2026-11-05): 4 records added, 4 changed, 1 removed" in changes
    assert "| iso9001-2015 | 9.3.2 | Management review inputs | missing | covered |" in changes  # MR-2026 held


def test_since_a_tag_equals_since_its_date(cli: Cli, year: Path) -> None:
    by_tag = report(cli, year, "--today", TODAY, "--since", "v-march").split("## Changes since")[1]
    by_day = report(cli, year, "--today", TODAY, "--since", "2026-03-31").split("## Changes since")[1]
    assert by_tag.startswith(" v-march (") and by_day.startswith(" 2026-03-31 (")
    assert by_tag.split("\n\n", 2)[2] == by_day.split("\n\n", 2)[2]  # the same tables after the headline


def test_at_reports_the_system_as_it_was(cli: Cli, year: Path) -> None:
    md = report(cli, year, "--at", "2026-03-31")
    march = GitRepo(year).sha("v-march", short=8)
    assert f"Evaluated 2026-03-31 ({march}, 2026-03-15) as of 2026-03-15" in md
    register = md.split("## Document register")[1]
    assert "FRM-1" not in register and "| POL-QUALITY |" in register
    assert "Rename the quality policy file" not in register
    assert "| ACT-1 | Label the bays | improvement |  | 2025-12-01 | Amir Khan | 2026-02-28 | open **overdue 15 d** |  | 104 |" in md


def test_bad_revisions_and_dates_exit_2(cli: Cli, year: Path) -> None:
    for args, message in ((("--since", "no-such-tag"), "unknown revision 'no-such-tag'"),
                          (("--since", "2020-01-01"), "no commit on or before 2020-01-01"),
                          (("--at", "nope"), "unknown revision 'nope'"),
                          (("--today", "21/11/2026"), "is not a date")):
        result = cli("report", *args, cwd=year)
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


# -- consultant templates ------------------------------------------------------------


def test_template_reaching_python_internals_is_refused(cli: Cli, year: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil"
    evil.mkdir()
    for attack in ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ report.__class__.__init__.__globals__ }}",
                   "{{ cycler.__init__.__globals__.os }}"):
        (evil / "report.html.j2").write_text(attack, encoding="utf-8")
        result = cli("report", "--today", TODAY, "--template", str(evil), cwd=year)
        assert result.exit_code == 2, attack
        assert "refused" in result.stderr and "sandbox" in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""


def test_template_that_does_not_parse_names_its_line(cli: Cli, year: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "report.md.j2").write_text("# {{ report.organization }}\n{% for x in %}\n", encoding="utf-8")
    result = cli("report", "-f", "md", "--today", TODAY, "--template", str(broken), cwd=year)
    assert result.exit_code == 2 and f"{broken / 'report.md.j2'}:2:" in result.stderr
    missing = cli("report", "--template", str(tmp_path / "nowhere"), cwd=year)
    assert missing.exit_code == 2 and "not a directory" in missing.stderr


def test_consultant_template_extends_the_builtin_and_missing_ones_fall_back(cli: Cli, year: Path, tmp_path: Path) -> None:
    own = tmp_path / "consultant"
    own.mkdir()
    (own / "report.html.j2").write_text(
        '{% extends "isoctl/report.html.j2" %}{% block cover %}<h1>Prepared by Auditwise for '
        "{{ report.organization }}: {{ report.actions[-1].title }}</h1>{% endblock %}", encoding="utf-8")
    html = report(cli, year, "--today", TODAY, "--template", str(own), fmt="html")
    assert "<h1>Prepared by Auditwise for Harbour Freight Ltd: &lt;b&gt;*Urgent*&lt;/b&gt;" in html  # still escaped
    assert '<section id="documents">' in html and "Audit pack — Harbour Freight Ltd</h1>" not in html
    builtin = report(cli, year, "--today", TODAY)
    assert report(cli, year, "--today", TODAY, "--template", str(own)) == builtin  # no report.md.j2 there
    (own / "report.typ.j2").write_text("= Custom {{ report.organization }}\n#lorem(20)\n", encoding="utf-8")
    pdf = to_file(cli, year, tmp_path / "own.pdf", "-f", "pdf", "--today", TODAY, "--template", str(own))
    assert "Custom Harbour Freight Ltd" in pdf_titles(pdf)


# -- history that is missing or partial -----------------------------------------------


def test_shallow_clone_says_the_history_is_partial(cli: Cli, year: Path, tmp_path: Path) -> None:
    clone = GitRepo(year).clone(tmp_path / "shallow", depth=2).root
    result = cli("report", "-f", "md", "--today", TODAY, cwd=clone)
    assert result.exit_code == 0 and "shallow clone" in result.stderr
    assert "so the history is partial" in result.stdout
    register = result.stdout.split("## Document register")[1]
    assert "Start the quality system" not in register  # before the clone's oldest commit


def test_without_git_the_history_is_unavailable(cli: Cli, year: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(year, plain, ignore=shutil.ignore_patterns(".git"))
    md = report(cli, plain, "--today", TODAY)
    assert "The revision history is unavailable: the workspace is not in a git repository" in md
    assert "| PRO-A | Picking | procedure | approved | 2 | Amir Khan 2025-12-01 | unavailable |" in md
    since = cli("report", "--since", "2026-01-01", cwd=plain)
    assert since.exit_code == 2 and "not in a git repository" in since.stderr


def test_uncommitted_changes_show_in_the_register(cli: Cli, year: Path, tmp_path: Path) -> None:
    clone = GitRepo(year).clone(tmp_path / "work").root
    write_tree(clone, {"documents/procedures.yaml": procedures("3", "2")})
    md = report(cli, clone, "--today", TODAY)
    assert "working tree with uncommitted changes" in md
    pro_a = next(line for line in md.splitlines() if line.startswith("| PRO-A |"))
    pro_b = next(line for line in md.splitlines() if line.startswith("| PRO-B |"))
    assert pro_a.endswith("<br>`uncommitted` uncommitted changes in the working tree (changed) |")
    assert "uncommitted" not in pro_b


def test_a_document_file_swapped_for_a_pipe_after_loading_is_not_waited_on(year: Path, tmp_path: Path) -> None:
    """The register reads the working tree's document files again; one that became a named pipe since the load
    must not stop the report (it shows as changed, like any file that no longer says what was committed)."""
    import os
    import threading

    from isoctl import load_workspace
    from isoctl.report import document_register

    clone = GitRepo(year).clone(tmp_path / "work").root
    documents = [r for r in load_workspace(clone).records if r.kind == "document"]
    target = clone / "documents" / "procedures.yaml"
    target.unlink()
    os.mkfifo(target)
    found: list[dict[str, list[object]]] = []
    reader = threading.Thread(target=lambda: found.append(document_register.revisions(
        [], documents, lambda blob: b"", root=clone)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert found, "the register waited on a named pipe"
    assert {doc for doc, revisions in found[0].items() if revisions} >= {"PRO-A", "PRO-B"}


# -- goldens ----------------------------------------------------------------------------


def nimbus_repo(tmp_path: Path) -> Path:
    """examples/nimbus-cloud in a fresh repository with one commit whose hash never changes."""
    root = tmp_path / "nimbus-cloud"
    shutil.copytree(REPO / "examples" / "nimbus-cloud", root)
    repo = GitRepo.init(root, author=AMIR)
    repo.commit("Import the Nimbus Cloud management system", date="2026-11-20T09:00:00+00:00")  # the sha is in the goldens
    return root


def test_installed_command_writes_the_pdf(tmp_path: Path) -> None:
    root = nimbus_repo(tmp_path)
    target = tmp_path / "nimbus.pdf"
    done = subprocess.run([*isoctl_command(), "report", "-f", "pdf", "--today", TODAY, "-o", str(target)], cwd=root,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Nimbus Cloud GmbH" in " ".join(pdf_titles(target.read_bytes()))
