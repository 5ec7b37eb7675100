"""``isoctl report`` on a large management system: long sections summarised in the PDF and Markdown, every row kept
in the XLSX and the HTML pack, a bounded page count, the same bytes on every run.

The workspace is generated: 200 actions (overdue ones, closures without root
cause, sound closures), 200 documents (approved in 2024 and committed in 2025,
some past review, a few changed this year) and lapsed competence, committed in
two dated commits, so it has a few hundred living-system findings, more than
the report lists one by one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import GitRepo, make_workspace

from isoctl.report import long_sections

TODAY = "2026-11-21"
OVERDUE = range(1, 21)  # ACT-1..20: open nonconformities past due
NO_ROOT_CAUSE = range(21, 51)  # ACT-21..50: closed nonconformities without root cause or verification
ACTIONS = 200  # ACT-51..200: improvements closed and verified
STALE = range(1, 41)  # DOC-1..40: review was due in 2025
CHANGED = range(41, 46)  # DOC-41..45: revised this year
DOCUMENTS = 200
LAPSED = 40  # competence records that expired in 2025
REVIEWS = 8  # MR-1..8, one every half year since 2023
OBJECTIVES = 30  # OBJ-1..5 never measured, OBJ-6..10 off target, OBJ-11..15 last measured in 2025, the rest fine
AUDITS, FINDINGS, UNANSWERED = 4, 40, 8  # AUD-n: F1 major and F2..F8 minor with no action, F9 minor on ACT-n (open)


def _actions() -> str:
    lines = []
    for n in range(1, ACTIONS + 1):
        head = f"- {{id: ACT-{n}, kind: action, title: Action number {n}, owner: akhan, raised_on: 2025-0{1 + n % 9}-10"
        if n in OVERDUE:
            lines.append(f"{head}, type: nonconformity, severity: minor, due: 2026-0{1 + n % 9}-01}}")
        elif n in NO_ROOT_CAUSE:
            lines.append(f"{head}, type: nonconformity, severity: minor, status: closed, closed_on: 2025-12-01}}")
        else:
            lines.append(f"{head}, type: improvement, status: closed, closed_on: 2025-12-01,"
                         " verification: {on: 2026-03-01, by: jsmith, effective: true}}")
    return "\n".join(lines) + "\n"


def _document(n: int, version: int) -> str:
    review = "2025-06-01" if n in STALE else "2027-06-01"
    return (f"- {{id: DOC-{n}, kind: document, type: procedure, title: Procedure number {n}, status: approved,"
            f" version: '{version}', approved_by: jsmith, approved_on: 2024-06-0{1 + version}, next_review: {review},"
            f" owner: akhan, clauses: ['iso9001:7.5']}}")


def _documents(changed: bool, busy: int = 2) -> dict[str, str]:
    """Every document; ``changed``: those of CHANGED at version 2, the first of them at version ``busy``."""
    files: dict[str, str] = {}
    for n in range(1, DOCUMENTS + 1):
        name = f"documents/set-{(n - 1) // 50}.yaml"
        version = (busy if n == CHANGED[0] else 2) if changed and n in CHANGED else 1
        files[name] = files.get(name, "") + _document(n, version) + "\n"
    return files


def _competence() -> str:
    return "".join(f"- {{id: CMP-{n}, kind: competence, title: Forklift licence {n}, owner: akhan, person: akhan,"
                   f" role: Driver, course: Forklift licence, completed_on: 2022-01-10, expires_on: 2025-01-10}}\n"
                   for n in range(1, LAPSED + 1))


def _reviews() -> str:
    return "".join(f"- {{id: MR-{n}, kind: review, title: Management review {n}, owner: jsmith,"
                   f" date: {2023 + (n - 1) // 2}-0{1 + 6 * ((n - 1) % 2)}-15, attendees: [jsmith, akhan],"
                   f" inputs: {{previous_actions: All closed, audit_results: Audit {n} reported}},"
                   f" outputs: {{decisions: [Keep the objectives]}}}}\n" for n in range(1, REVIEWS + 1))


def _objectives() -> str:
    out = []
    for n in range(1, OBJECTIVES + 1):
        value, day = (80, "2026-10-31") if 6 <= n <= 10 else (97, "2025-06-30" if n <= 15 else "2026-10-31")
        measured = "" if n <= 5 else f", measurements: [{{date: 2025-01-31, value: 90}}, {{date: {day}, value: {value}}}]"
        out.append(f"- {{id: OBJ-{n}, kind: objective, title: Objective {n}, owner: akhan, target: 95, unit: '%',"
                   f" direction: increase, due: 2027-12-31{measured}}}\n")
    return "".join(out)


def _audits() -> str:
    out = []
    for n in range(1, AUDITS + 1):
        findings = [f"{{id: F{k}, type: {'major' if k == 1 else 'minor'}, clause: 'iso9001:7.5',"
                    f" description: Finding {k} of audit {n}}}" for k in range(1, UNANSWERED + 1)]
        findings.append(f"{{id: F{UNANSWERED + 1}, type: minor, clause: 'iso9001:8.5', description: Answered late,"
                        f" action: ACT-{n}}}")
        findings += [f"{{id: F{k}, type: observation, clause: 'iso9001:9.1', description: Observation {k}}}"
                     for k in range(UNANSWERED + 2, FINDINGS + 1)]
        out.append(f"- {{id: AUD-{n}, kind: audit, title: Internal audit {n}, owner: akhan, type: internal,"
                   f" status: done, date: 2026-0{n + 1}-10, auditor: jsmith, scope: ['iso9001:7', 'iso9001:8'],"
                   f" findings: [{', '.join(findings)}]}}\n")
    return "".join(out)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("long") / "ws", {
        "actions/log.yaml": _actions(), "competence/licences.yaml": _competence(), "reviews/reviews.yaml": _reviews(),
        "objectives/objectives.yaml": _objectives(),         "audits/internal.yaml": _audits(), **_documents(changed=False)})
    repo = GitRepo.init(root)
    repo.commit("The management system as it came into git", date="2025-05-01")
    repo.write_files(_documents(changed=True))
    repo.commit("Five procedures revised", date="2026-04-01")
    for version in (3, 4, 5):  # one of them twice more: five revisions in all
        repo.write_files(_documents(changed=True, busy=version))
        repo.commit(f"Procedure {CHANGED[0]} revised again", date=f"2026-0{version + 2}-01")
    return root


@pytest.fixture(scope="module")
def pack(root: Path) -> Any:
    from isoctl.core.evaluate import open_evaluation
    from isoctl.report.gather import collect

    with open_evaluation(root, at=None, today=dt.date.fromisoformat(TODAY)) as evaluation:
        return collect(evaluation)


@pytest.fixture(scope="module")
def outputs(root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every format, written by the real CLI (in a subprocess), twice."""
    from helpers import run_isoctl

    out = tmp_path_factory.mktemp("out")
    written = {}
    for fmt in ("pdf", "md", "html", "xlsx"):
        for run in (1, 2):
            target = out / f"pack-{run}.{fmt}"
            run_isoctl("report", "--format", fmt, "--today", TODAY, "-o", str(target), str(root),
                       cwd=out, timeout=120).expect(0)
            written[f"{fmt}{run}"] = target.read_bytes()
    return written


def section(text: str, start: str, end: str) -> str:
    assert start in text, start
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_workspace_is_long_enough_to_be_summarised(pack: Any) -> None:
    assert len(pack.living) > long_sections.FINDING_LIMIT
    assert len(pack.actions) == ACTIONS > long_sections.ACTION_LIMIT
    assert len(pack.documents.documents) == DOCUMENTS > long_sections.DOCUMENT_LIMIT


def test_pdf_groups_living_findings_by_rule_and_says_where_the_rest_are(pack: Any) -> None:
    from isoctl.report import render_pdf

    typ = render_pdf.source(pack)
    living = section(typ, "\n= Living-system indicators", "\n= ")
    total = len(pack.living)
    assert f"{total} findings of " in living and "grouped by rule, errors first" in living
    assert f'all {total} are in the XLSX "Findings" sheet' in living
    rows = re.findall(r'^  \[#st\("(\w+)"\)\], \[(.*?)\], \[(\d+)\], \[(.*)\],$', living, flags=re.M)
    by_rule = {rule.replace("\\-", "-"): (severity, int(count), rest) for severity, rule, count, rest in rows}
    counts: dict[str, int] = {}
    for finding in pack.living:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    assert {rule: count for rule, (_, count, _) in by_rule.items()} == counts  # every rule, every finding counted
    severities = [severity for severity, _, _, _ in rows]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)  # errors first
    severity, count, rest = by_rule["overdue-action"]
    assert (severity, count) == ("error", len(OVERDUE))
    assert rest.count("#muted[actions\\/log\\.yaml:") == long_sections.EXAMPLES  # the first three, with file:line
    assert f'{len(OVERDUE) - long_sections.EXAMPLES} more in the XLSX "Findings" sheet and the HTML pack' in rest
    assert "[Where]" not in living  # no finding-by-finding table


def test_pdf_shortlists_the_actions_that_need_attention(pack: Any) -> None:
    from isoctl.report import render_pdf

    typ = render_pdf.source(pack)
    register = section(typ, "\n= Action register", "\n= ")
    attention = len(OVERDUE) + len(NO_ROOT_CAUSE)
    assert f"{attention} actions need attention: overdue (longest first)" in register
    assert f'all {ACTIONS} actions, with every CAPA field, are in the XLSX "Actions" sheet' in register
    listed = re.findall(r"^  \[(ACT\\-\d+)\], ", register, flags=re.M)
    ids = [int(x.split("-")[1]) for x in listed]
    assert set(ids) == set(OVERDUE) | set(NO_ROOT_CAUSE)  # the sound closures are left to the XLSX and HTML
    assert set(ids[:len(OVERDUE)]) == set(OVERDUE)  # overdue ones first
    assert "… and 18 more" in register  # the 30 flagged ids in the summary line: the first 12, then a count


def test_pdf_shortlists_the_documents_an_auditor_samples_first(pack: Any) -> None:
    from isoctl.report import render_pdf

    typ = render_pdf.source(pack)
    register = section(typ, "\n= Document register", "\n= ")
    listed = [int(n) for n in re.findall(r"^  \[DOC\\-(\d+)\], ", register, flags=re.M)]
    assert listed == [*STALE, *CHANGED]  # past review (all due the same day), then changed this year; the rest left out
    assert f"{len(STALE) + len(CHANGED)} documents are what an auditor samples first" in register
    assert "#muted[review due 2025\\-06\\-01]" in register and "#muted[changed 2026\\-04\\-01]" in register
    busy = section(register, f"  [DOC\\-{CHANGED[0]}], ", "\n")  # five revisions: the latest three, two counted
    assert '#muted[2 earlier revisions in the XLSX "Document revisions" sheet]' in busy
    assert busy.count("#raw(") == long_sections.REVISIONS and "2026\\-07\\-01" in busy and "2025\\-05\\-01" not in busy
    assert f'all {DOCUMENTS} documents are in the XLSX "Documents" and "Document revisions" sheets' in register


def test_pdf_lists_the_audit_findings_not_yet_answered(pack: Any) -> None:
    from isoctl.report import render_pdf

    typ = render_pdf.source(pack)
    findings = section(typ, "\n== Findings", "\n= ")
    total, open_ = AUDITS * FINDINGS, AUDITS * (UNANSWERED + 1)
    assert f"{total} audit findings. {open_} major or minor findings are not yet answered" in findings
    assert f'all {total} findings are in the XLSX "Audit findings" sheet' in findings
    listed = re.findall(r"^  \[AUD\\-(\d)\], \[F(\d+)\], \[(\w+)\]", findings, flags=re.M)
    assert len(listed) == open_ and all(kind != "observation" for _, _, kind in listed)
    assert [(int(a), int(f)) for a, f, _ in listed[:AUDITS]] == [(n, 1) for n in range(AUDITS, 0, -1)]  # majors first
    assert ("1", str(UNANSWERED + 1), "minor") in listed  # answered by an action that is still open


def test_pdf_prints_the_latest_reviews_as_minutes_and_the_earlier_ones_in_a_table(pack: Any) -> None:
    from isoctl.report import render_pdf

    typ = render_pdf.source(pack)
    reviews = section(typ, "\n= Management reviews", "\n= ")
    latest = long_sections.REVIEW_LIMIT
    assert f"{REVIEWS} management reviews: the latest {latest} as minutes" in reviews
    minutes = re.findall(r"^== MR\\-(\d+) — ", reviews, flags=re.M)
    assert minutes == [str(n) for n in range(REVIEWS, REVIEWS - latest, -1)]  # newest first
    earlier = section(reviews, "\n== Earlier reviews", "\n)")
    assert re.findall(r"^  \[MR\\-(\d+)\]", earlier, flags=re.M) == [str(n) for n in range(REVIEWS - latest, 0, -1)]
    assert "[present], [2 of 13], [none]" in earlier


def test_pdf_charts_the_objectives_an_auditor_asks_about_and_tables_them_all(pack: Any) -> None:
    from isoctl.report import render_pdf

    typ = render_pdf.source(pack)
    objectives = section(typ, "\n= Objectives", "\n= ")
    assert f"{OBJECTIVES} objectives. Charts for the 15 objectives an auditor asks about first" in objectives
    charted = [int(n) for n in re.findall(r"^== OBJ\\-(\d+) — ", objectives, flags=re.M)]
    assert charted == [*range(1, 16)]  # never measured, off target, then not measured lately
    assert objectives.count("chart(") == 15
    table = section(objectives, "\n== All objectives", "\n)")
    assert [int(n) for n in re.findall(r"^  \[OBJ\\-(\d+)\]", table, flags=re.M)] == [*range(1, OBJECTIVES + 1)]
    assert '[#st("missing") never]' in table and '[#st("not met")]' in table


def test_markdown_summarises_like_the_pdf(outputs: dict[str, bytes], pack: Any) -> None:
    md = outputs["md1"].decode()
    living = section(md, "\n## Living-system indicators", "\n## ")
    assert f'all {len(pack.living)} are in the XLSX "Findings" sheet' in living
    assert "| error | overdue-action | 20 |" in living
    actions = section(md, "\n## Action register", "\n## ")
    assert len(re.findall(r"^\| ACT-\d+ \|", actions, flags=re.M)) == len(OVERDUE) + len(NO_ROOT_CAUSE)
    audits = section(md, "\n## Audit programme and findings", "\n## ")
    assert len(re.findall(r"^\| AUD-\d \| F\d+ \|", audits, flags=re.M)) == AUDITS * (UNANSWERED + 1)
    reviews = section(md, "\n## Management reviews", "\n## ")
    assert len(re.findall(r"^### MR-\d+ — ", reviews, flags=re.M)) == long_sections.REVIEW_LIMIT
    assert len(re.findall(r"^\| MR-\d+ \|", reviews, flags=re.M)) == REVIEWS - long_sections.REVIEW_LIMIT
    documents = section(md, "\n## Document register", "\n## ")
    assert len(re.findall(r"^\| DOC-\d+ \|", documents, flags=re.M)) == len(STALE) + len(CHANGED)


def test_html_keeps_every_finding_action_and_document(outputs: dict[str, bytes], pack: Any) -> None:
    html = outputs["html1"].decode()
    living = section(html, '<section id="living">', "</section>")
    by_rule = section(living, '<table class="by-rule">', "</table>")  # a count per rule first, as the PDF groups them
    assert len(re.findall(r'<td class="num">(\d+)</td>', by_rule)) == len(pack.digest.findings)
    assert sum(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', by_rule)) == len(pack.living)
    listed = living.split('<table class="by-rule">', 1)[1].split("</table>", 1)[1]
    assert listed.count('<td class="status s-') == len(pack.living)  # then every finding
    actions = section(html, '<section id="actions">', "</section>")
    assert {int(n) for n in re.findall(r'<td class="nowrap">ACT-(\d+)</td>', actions)} == set(range(1, ACTIONS + 1))
    audits = section(html, '<section id="audits">', "</section>")
    assert len(re.findall(r'<td class="nowrap">AUD-\d<br>.*?</td><td class="nowrap">F\d+</td>', audits)) == AUDITS * FINDINGS
    reviews = section(html, '<section id="reviews">', "</section>")
    assert all(f"MR-{n}" in reviews for n in range(1, REVIEWS + 1))
    documents = section(html, '<section id="documents">', "</section>")
    assert {int(n) for n in re.findall(r'<td class="nowrap">DOC-(\d+)<br>', documents)} == set(range(1, DOCUMENTS + 1))


def test_xlsx_has_every_finding_action_and_document(outputs: dict[str, bytes], pack: Any) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(outputs["xlsx1"]))

    def rows(name: str) -> list[tuple[Any, ...]]:
        return [r for r in book[name].iter_rows(min_row=4, values_only=True) if any(v is not None for v in r)]

    findings = rows("Findings")
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in findings] == [
        (f.severity, f.rule, f.message, f.path, f.line) for f in pack.living]
    assert book["Findings"]["A3"].value == "Severity" and book["Findings"].freeze_panes == "A4"
    assert {r[0] for r in rows("Actions")} == {f"ACT-{n}" for n in range(1, ACTIONS + 1)}
    assert {r[0] for r in rows("Documents")} == {f"DOC-{n}" for n in range(1, DOCUMENTS + 1)}
    audit_findings = rows("Audit findings")
    assert len(audit_findings) == AUDITS * FINDINGS
    assert {(r[0], r[2], r[3]) for r in audit_findings} == {(f.audit, f.id, f.type) for f in pack.audit_findings}
    assert len({r[0] for r in rows("Review inputs")}) == REVIEWS  # every review's inputs, not only the latest


def test_pdf_summarised_sections_take_a_few_pages(outputs: dict[str, bytes], tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages cannot be read")
    path = tmp_path / "pack.pdf"
    path.write_bytes(outputs["pdf1"])
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # every part starts on a new page: its title is the first line under the running header
    starts = [next(iter(line.strip() for line in page.splitlines()[1:] if line.strip()), "")
              for page in text.split("\f")]
    spans: dict[str, int] = {}
    current = ""
    for first in starts:
        if first in ("Action register", "Living-system indicators", "Document register", "Audit programme and findings",
                     "Management reviews", "Objectives", "Registers", "Changes", "Registers in full"):
            current = first
        spans[current] = spans.get(current, 0) + 1
    # listed in full: actions 7 pages, audits and findings 6, living-system findings 6, documents 7; 43 in all
    assert spans["Action register"] <= 3, spans
    assert spans["Audit programme and findings"] <= 4, spans
    assert spans["Living-system indicators"] <= 2, spans
    assert spans["Document register"] <= 4, spans
    assert len(starts) <= 31, len(starts)


def test_every_format_is_byte_identical_on_a_second_run(outputs: dict[str, bytes]) -> None:
    for fmt in ("pdf", "md", "html", "xlsx"):
        assert outputs[f"{fmt}1"] == outputs[f"{fmt}2"], fmt
    assert outputs["pdf1"].startswith(b"%PDF-")


def test_a_register_at_the_limit_is_listed_in_full(pack: Any) -> None:
    assert long_sections.actions(pack.actions[: long_sections.ACTION_LIMIT]) is None
    assert long_sections.group_findings(pack.living[: long_sections.FINDING_LIMIT]) is None
    assert long_sections.documents(pack.documents.documents[: long_sections.DOCUMENT_LIMIT], pack.today) is None
    capped = long_sections.actions(pack.actions, cap=10)
    assert capped is not None and len(capped.rows) == 10 and capped.capped == capped.qualifying - 10
    assert capped.listed == "The first 10 are listed here" and capped.more == ACTIONS - 10
    sound = long_sections.actions([a for a in pack.actions if a.status == "closed" and not a.flags], limit=10)
    assert sound is not None and sound.rows == () and sound.listed == "None is listed here"


@pytest.mark.parametrize("example", ["acme-logistics", "nimbus-cloud", "paper-iso"])
def test_the_examples_are_listed_in_full(example: str, tmp_path: Path) -> None:
    from helpers import committed_example

    from isoctl.core.evaluate import open_evaluation
    from isoctl.report.gather import collect

    root = tmp_path / example
    committed_example(root, example, date="2026-11-20")
    with open_evaluation(root, at=None, today=dt.date.fromisoformat(TODAY)) as evaluation:
        digest = collect(evaluation).digest
    assert digest.findings is None and digest.actions is None and digest.documents is None
    assert digest.audit_findings is None and digest.reviews is None and digest.objectives is None
