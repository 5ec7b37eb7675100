"""``isoctl report``: the registers the records hold (risks, aspects, hazards, obligations, competence, suppliers,
assets, the BIA, exercises), a section each in every format and a sheet each in the XLSX.

The three examples are committed as they ship and reported as of one day; each
register is checked against the example's own YAML, so a record the report
left out, or one that belongs to another register, fails here.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLES, Cli, MakeWorkspace, committed_example

TODAY = "2026-11-21"

#: record kind -> (section title in the report, XLSX sheet)
REGISTERS = {
    "risk": ("Risks and opportunities", "Risks"),
    "aspect": ("Environmental aspects", "Aspects"),
    "hazard": ("Hazards", "Hazards"),
    "obligation": ("Legal and other requirements", "Obligations"),
    "competence": ("Competence", "Competence"),
    "supplier": ("Suppliers", "Suppliers"),
    "asset": ("Assets", "Assets"),
    "activity": ("Business impact analysis", "BIA"),
    "exercise": ("Exercises", "Exercises"),
}


def example_ids(name: str) -> dict[str, set[str]]:
    """The ids of the example's records of each register kind, read straight from its YAML files."""
    out: dict[str, set[str]] = {}
    for path in sorted((EXAMPLES / name).rglob("*.y*ml")):
        if path.name == "isoctl.yaml" or any(part.startswith(".") for part in path.parts):
            continue
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        for record in data if isinstance(data, list) else [data]:
            if isinstance(record, dict) and record.get("kind") in REGISTERS:
                out.setdefault(record["kind"], set()).add(record["id"])
    return out


def run(cli: Cli, root: Path, fmt: str, *args: str) -> str:
    result = cli("report", "--format", fmt, "--today", TODAY, *args, cwd=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def write(cli: Cli, root: Path, target: Path, fmt: str = "xlsx") -> bytes:
    result = cli("report", "--format", fmt, "--today", TODAY, "-o", str(target), cwd=root)
    assert result.exit_code == 0, result.stderr
    return target.read_bytes()


def part(md: str, start: str, end: str = "\n## ") -> str:
    """The Markdown from the heading ``start`` to the next heading of the same level (``end``)."""
    assert start in md, start
    return md.split(start, 1)[1].split(end, 1)[0]


def md_rows(section: str) -> list[list[str]]:
    """The table rows of a Markdown section (header and rule left out), split into stripped cells."""
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


def sheet(data: bytes, name: str) -> list[tuple[Any, ...]]:
    """The rows below the header of one sheet of the workbook ``data``."""
    return list(workbook(data)[name].iter_rows(min_row=4, values_only=True))


@functools.lru_cache(maxsize=2)
def workbook(data: bytes) -> Any:
    """The workbook ``data`` opened once, however many of its sheets a test reads (the tests only read it)."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("examples")
    return {name: committed_example(base / name, name).root for name in ("acme-logistics", "nimbus-cloud", "paper-iso")}


@pytest.mark.parametrize("name", ["acme-logistics", "nimbus-cloud", "paper-iso"])
def test_every_register_the_example_holds_has_all_its_rows_in_markdown_and_xlsx(cli: Cli, examples: dict[str, Path],
                                                                                tmp_path: Path, name: str) -> None:
    root = examples[name]
    ids = example_ids(name)
    assert len(ids) >= 5  # the examples hold most registers
    md = run(cli, root, "md")
    registers = part(md, "\n## Registers\n")
    data = write(cli, root, tmp_path / "pack.xlsx")
    for kind, (title, sheet_name) in REGISTERS.items():
        if kind not in ids:
            continue
        section = part(registers, f"\n### {title}\n", "\n### ")
        assert section.startswith(f"\n{len(ids[kind])} record"), (kind, section[:80])
        assert {row[0] for row in md_rows(section)} == ids[kind], kind
        assert {row[0] for row in sheet(data, sheet_name)} == ids[kind], kind
    # the part sits right before the living-system indicators, after the objectives
    assert md.index("\n## Objectives\n") < md.index("\n## Registers\n") < md.index("\n## Living-system indicators\n")


def test_acme_registers_show_what_an_auditor_reads_in_them(cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    md = run(cli, examples["acme-logistics"], "md")
    risks = md_rows(part(md, "\n### Risks and opportunities\n", "\n### "))
    # highest score first; score = likelihood x impact, next review = reviewed on + 365 days (review_days.risk)
    assert [r[7] for r in risks] == sorted((r[7] for r in risks), key=int, reverse=True)
    assert risks[0] == ["RSK-001", "risk", "Loss of a major customer at contract retender", risks[0][3], "Daniel Greaves",
                        "3", "5", "15", "mitigate", "PRO-CUSTOMER, REC-CUSTOMER-SURVEY, PLN-CARBON", "10", "2026-10-20",
                        "2027-10-20"]
    aspects = md_rows(part(md, "\n### Environmental aspects\n", "\n### "))
    assert aspects[1][:6] == ["ASP-02", "Frozen and chilled storage at Leeds (R404A and R449A plant)",
                              "Release of fluorinated greenhouse gases through leaks or failure",
                              "Climate change (R404A global warming potential about 3,900)", "abnormal", "significant"]
    assert aspects[1][6] == "3/5/4/3/3 = 18 (severity 5)"
    assert [a[5] for a in aspects].index("not significant") == 6  # the six significant aspects come first
    hazards = {h[0]: h for h in md_rows(part(md, "\n### Hazards\n", "\n### "))}
    # each control in its column of the hierarchy of controls
    assert hazards["HAZ-02"][3:9] == ["Pick faces limited to floor and first beam; climbing racking prohibited",
                                      "MEWPs and mobile steps with handrails instead of ladders",
                                      "Gated workshop gantry; edge protection for roof work",
                                      "Permit to work, IPAF training and rescue plan for MEWP work",
                                      "Harness and lanyard in boom MEWPs", "6"]
    obligations = {o[0]: o for o in md_rows(part(md, "\n### Legal and other requirements\n", "\n### "))}
    assert obligations["OBL-02"][5:] == ["2026-01-08", "yes", "2027-01-08"]
    competence = {c[0]: c for c in md_rows(part(md, "\n### Competence\n", "\n### "))}
    assert competence["CMP-02"][1:] == ["Ben Carter", "Internal auditor",
                                        "CQI/IRCA-certified integrated internal auditor course (3 days)", "2024-01-18",
                                        "2027-01-18", "expiring soon"]  # 58 days after the report's day
    assert competence["CMP-03"][6] == "valid"
    # 9001, 14001 and 45001 need no BIA: acme has none, so the register is left out (its drills are exercises)
    assert "### Business impact analysis" not in md and "\n### Exercises\n" in md


def test_nimbus_bia_and_exercises(cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    root = examples["nimbus-cloud"]
    md = run(cli, root, "md")
    bia = {b[0]: b for b in md_rows(part(md, "\n### Business impact analysis\n", "\n### "))}
    assert bia["BIA-INGEST"][3:6] == ["8 hours", "2 hours", "5 minutes"]
    assert "Metadata databases (AST-METADATA-DB) for tenant and key lookup" in bia["BIA-INGEST"][6]
    exercises = md_rows(part(md, "\n### Exercises\n", "\n## "))
    assert [e[1] for e in exercises] == sorted(e[1] for e in exercises)  # oldest first
    first = exercises[0]
    assert first[:2] == ["EX-2025-01", "2025-03-19"] and first[4] == "PLN-CRISIS, PLN-PLATFORM-DR"
    assert first[6].startswith("ACT-0011 (")  # the action with its status now
    rows = {r[0]: r for r in sheet(write(cli, root, tmp_path / "n.xlsx"), "BIA")}
    assert rows["BIA-INGEST"][3:6] == ("8 hours", "2 hours", "5 minutes")
    assert rows["BIA-INGEST"][7] == dt.datetime(2026, 5, 19) and rows["BIA-INGEST"][-1] == "bia/bia-2026.yaml"


def test_paper_iso_marks_what_has_lapsed_in_every_format(cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    root = examples["paper-iso"]
    md = run(cli, root, "md")
    competence = {c[0]: c for c in md_rows(part(md, "\n### Competence\n", "\n### "))}
    assert competence["CMP-RKAUR-CAL"][5:] == ["2025-09-14", "**expired**"]
    obligations = {o[0]: o for o in md_rows(part(md, "\n### Legal and other requirements\n", "\n### "))}
    assert obligations["OBL-LAYOUT"][5:] == ["2025-05-13", "**no**", "**2026-05-13**"]  # not compliant, evaluation late
    assets = md_rows(part(md, "\n### Assets\n", "\n## "))
    assert all(a[-1] == "**never done**" for a in assets)  # no review date at all
    html = run(cli, root, "html")
    section = html.split('<section id="registers">')[1].split("</section>")[0]
    assert '<span class="status s-error">expired</span>' in section
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(write(cli, root, tmp_path / "p.xlsx")))
    shading = {row[0].value: row[0].fill.fgColor.rgb for row in book["Competence"].iter_rows(min_row=4)}
    assert shading["CMP-RKAUR-CAL"].endswith("FDECEC") and not str(shading["CMP-TNOLAN-SETTER"]).endswith("FDECEC")


NEEDS_ALL = """\
isoctl: 1
organization: {name: Empty Registers Ltd}
standards: [iso14001:2015, iso45001:2018, iso22301:2019]
"""


def test_a_register_a_standard_needs_says_so_when_empty(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    title = "'<b>Flood</b> | #pagebreak() $x$ *y*'"  # the workspace's text is text in every format
    root = make_workspace({"records/risk.yaml": f"{{id: RSK-1, kind: risk, title: {title}, likelihood: 2, impact: 3, "
                                                "reviewed_on: 2026-06-01}\n"}, manifest=NEEDS_ALL)
    md = run(cli, root, "md")
    registers = part(md, "\n## Registers\n")
    sentences = {
        "Environmental aspects": "No aspects recorded: ISO 14001:2015 (6.1.2) needs an aspects register.",
        "Hazards": "No hazards recorded: ISO 45001:2018 (6.1.2.1) needs a register of hazards and their controls.",
        "Legal and other requirements": "No legal or other requirements recorded: ISO 14001:2015 (6.1.3), "
                                        "ISO 45001:2018 (6.1.3) and ISO 22301:2019 (4.2.2) need a register of legal "
                                        "and other requirements.",
        "Business impact analysis": "No activities of a business impact analysis recorded: ISO 22301:2019 (8.2.2) "
                                    "needs a business impact analysis.",
        "Exercises": "No exercises recorded: ISO 22301:2019 (8.5) needs an exercise programme with its exercises.",
    }
    for title, sentence in sentences.items():
        assert part(registers, f"\n### {title}\n", "\n### ").strip() == sentence
    assert "\n### Risks and opportunities\n\n1 record." in registers
    assert "| RSK-1 | risk | &lt;b&gt;Flood&lt;/b&gt; \\| #pagebreak() $x$ *y* |" in registers
    # none of the three standards asks for an asset inventory or a supplier register: empty, they are left out
    assert "### Assets" not in registers and "### Suppliers" not in registers
    html = run(cli, root, "html")
    assert f'<p class="note">{sentences["Environmental aspects"]}</p>' in html
    assert "<td>&lt;b&gt;Flood&lt;/b&gt; | #pagebreak() $x$ *y*</td>" in html
    typ = run_typst(cli, root)
    assert "[\\<b\\>Flood\\<\\/b\\> | \\#pagebreak() \\$x\\$ \\*y\\*]" in typ  # and the PDF compiled
    assert "No aspects recorded\\: ISO 14001\\:2015 (6\\.1\\.2) needs an aspects register\\." in typ
    # the XLSX lists records: no sheet for an empty register
    from openpyxl import load_workbook

    names = load_workbook(io.BytesIO(write(cli, root, tmp_path / "e.xlsx"))).sheetnames
    assert "Risks" in names and "Aspects" not in names


def run_typst(cli: Cli, root: Path) -> str:
    """The Typst source of the PDF report (what is compiled), captured on its way to the compiler."""
    import typst

    seen: list[bytes] = []
    compile_ = typst.compile

    def capture(source: bytes, **options: Any) -> Any:
        seen.append(source)
        return compile_(source, **options)

    typst.compile = capture
    try:
        write(cli, root, root.parent / "pack.pdf", "pdf")
    finally:
        typst.compile = compile_
    return seen[0].decode("utf-8")


def test_an_excluded_clause_does_not_ask_for_its_register(cli: Cli, make_workspace: MakeWorkspace) -> None:
    manifest = ("isoctl: 1\norganization: {name: Small Cloud Ltd}\nstandards: [iso27001:2022]\n")
    control = ("{id: SOA-A.5.9, kind: control, title: Inventory, control: 'iso27001:A.5.9', applicable: %s, "
               "justification: '%s'}\n")
    root = make_workspace({"soa/a59.yaml": control % ("false", "No assets of our own: everything runs as a supplier service")},
                          manifest=manifest)
    registers = part(run(cli, root, "md"), "\n## Registers\n")
    assert "### Assets" not in registers
    assert "No risks or opportunities recorded: ISO/IEC 27001:2022 (6.1.2) needs" in registers
    make_workspace({"soa/a59.yaml": control % ("true", "We keep an inventory")}, manifest=manifest)
    registers = part(run(cli, root, "md"), "\n## Registers\n")
    assert "No assets recorded: ISO/IEC 27001:2022 (A.5.9) needs an inventory of assets." in registers


def long_register(count: int) -> str:
    return "".join(f"- {{id: RSK-{n}, kind: risk, title: Risk number {n}, likelihood: {1 + n % 5}, impact: {1 + n % 3}, "
                   f"reviewed_on: 2026-06-01}}\n" for n in range(1, count + 1))


def test_a_long_register_is_cut_in_its_section_and_in_full_in_the_appendix(cli: Cli, make_workspace: MakeWorkspace,
                                                                             tmp_path: Path) -> None:
    root = make_workspace({"risks.yaml": long_register(64)})
    md = run(cli, root, "md")
    section = part(md, "\n### Risks and opportunities\n", "\n## ")
    assert section.startswith('\n64 records. Highest score first; score = likelihood x impact (1-25), residual as '
                              'assessed with the controls working. The first 50 are shown here, all 64 under '
                              '"Registers in full" at the end.\n')
    shown = md_rows(section)
    assert len(shown) == 50
    assert [int(r[7]) for r in shown] == sorted((int(r[7]) for r in shown), reverse=True)  # the highest scores shown
    appendix = part(md, "\n## Registers in full\n", "\n---\n")
    assert appendix.startswith("\n### Risks and opportunities: all 64\n")
    everything = md_rows(appendix)
    assert len(everything) == 64 and everything[:50] == shown
    assert md.index("\n## Document register\n") < md.index("\n## Registers in full\n")  # at the end of the pack
    html = run(cli, root, "html")
    assert html.split('<section id="registers">')[1].split("</section>")[0].count("<tr><td") == 50
    full = html.split('<section id="registers-in-full">')[1].split("</section>")[0]
    assert full.count("<tr><td") == 64 and '<a href="#registers-in-full">' in html
    typ = run_typst(cli, root)
    assert typ.count("\n= Registers in full\n") == 1 and typ.count("[RSK\\-1], ") == 2  # shown and in the appendix
    assert len(sheet(write(cli, root, tmp_path / "r.xlsx"), "Risks")) == 64  # the XLSX always has every row


def test_the_pdf_leaves_a_very_long_register_to_the_xlsx_and_html(cli: Cli, make_workspace: MakeWorkspace,
                                                                   tmp_path: Path) -> None:
    root = make_workspace({"risks.yaml": long_register(201)})  # one more than the PDF prints
    typ = run_typst(cli, root)
    assert ("201 records. Highest score first; score \\= likelihood x impact (1\\-25), residual as assessed with the "
            "controls working\\. The first 50 are shown here; all 201 are in the XLSX, where they can be filtered, and "
            "in the HTML pack (the PDF prints a register in full up to 200 rows).") in typ
    assert "Registers in full" not in typ and typ.count("], [risk], [Risk number ") == 50
    assert part(run(cli, root, "md"), "\n## Registers in full\n", "\n---\n").count("\n| RSK-") == 201
    assert len(sheet(write(cli, root, tmp_path / "r.xlsx"), "Risks")) == 201


def test_next_evaluation_follows_the_cadence_in_the_manifest(cli: Cli, make_workspace: MakeWorkspace) -> None:
    manifest = ("isoctl: 1\norganization: {name: Slow Ltd}\nstandards: [iso14001:2015]\n"
                "settings: {review_days: {obligation: 730, supplier: 90}, review_date_optional: [supplier]}\n")
    root = make_workspace({
        "legal.yaml": "{id: OBL-1, kind: obligation, title: Permit, source: Permit EPR/1, evaluated_on: 2025-06-01, "
                      "compliant: true}\n",
        "suppliers.yaml": "- {id: SUP-1, kind: supplier, title: Skips Ltd, service: Skip hire, evaluated_on: 2026-09-01, "
                          "rating: 4, approved: true}\n- {id: SUP-2, kind: supplier, title: New Ltd, service: Pallets}\n",
    }, manifest=manifest)
    md = run(cli, root, "md")
    assert md_rows(part(md, "\n### Legal and other requirements\n", "\n### "))[0][5:] == ["2025-06-01", "yes", "2027-06-01"]
    suppliers = md_rows(part(md, "\n### Suppliers\n", "\n## "))
    assert suppliers[0][4:] == ["2026-09-01", "4", "yes", "2026-11-30"]  # 90 days: still in time on 2026-11-21
    assert suppliers[1][4:] == ["", "", "", ""]  # not yet evaluated, and the manifest allows it


@pytest.mark.parametrize("fmt", ["md", "html", "xlsx"])
def test_same_input_same_bytes(cli: Cli, examples: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    root = examples["acme-logistics"]
    first = write(cli, root, tmp_path / f"one.{fmt}", fmt)
    second = write(cli, root, tmp_path / f"two.{fmt}", fmt)
    assert first == second
    if fmt == "xlsx":
        from openpyxl import load_workbook

        assert load_workbook(io.BytesIO(first)).sheetnames[-8:] == [
            "Risks", "Aspects", "Hazards", "Obligations", "Competence", "Suppliers", "Assets", "Exercises"]
    else:
        assert b"Pick faces limited to floor and first beam; climbing racking prohibited" in first


def test_hazards_met_only_by_rules_and_ppe_are_marked(cli: Cli, make_workspace: MakeWorkspace) -> None:
    manifest = "isoctl: 1\norganization: {name: Dock Ltd}\nstandards: [iso45001:2018]\n"
    root = make_workspace({"hazards.yaml": """\
- {id: HAZ-1, kind: hazard, title: Dock edge, activity: Loading, hazard: Fall from the dock edge, rating: 20,
   reviewed_on: 2026-06-01, controls: [{control: Keep clear sign, level: administrative}, {control: Boots, level: ppe}]}
- {id: HAZ-2, kind: hazard, title: Forklift, activity: Loading, hazard: Struck by a forklift, rating: 20,
   reviewed_on: 2026-06-01, controls: [{control: Barriers, level: engineering}]}
- {id: HAZ-3, kind: hazard, title: Noise, activity: Sorting, hazard: Noise, rating: 4, reviewed_on: 2026-06-01}
"""}, manifest=manifest)
    hazards = {h[0]: h for h in md_rows(part(run(cli, root, "md"), "\n### Hazards\n", "\n### "))}
    assert hazards["HAZ-1"][3:9] == ["", "", "", "Keep clear sign", "Boots", "**20**"]  # high rating, weak controls
    assert hazards["HAZ-2"][3:9] == ["", "", "Barriers", "", "", "20"]
    assert hazards["HAZ-3"][3:9] == ["**none**"] * 5 + ["4"]  # no control at any level


def test_the_pdf_bookmarks_every_register(cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    import re

    data = write(cli, examples["acme-logistics"], tmp_path / "acme.pdf", "pdf")
    titles = {(bytes.fromhex(hexed.decode()).decode("utf-16") if hexed else literal.decode("latin-1"))
              for literal, hexed in re.findall(rb"/Title\s*(?:\(((?:[^()\\]|\\.)*)\)|<([0-9A-Fa-f]+)>)", data)}
    assert {"Registers", "Risks and opportunities", "Environmental aspects", "Hazards", "Legal and other requirements",
            "Competence", "Suppliers", "Assets", "Exercises"} <= titles
    assert "Registers in full" not in titles  # no register of acme is longer than the section shows


def test_a_consultant_template_reads_the_registers_in_the_sandbox(cli: Cli, examples: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    own = tmp_path / "consultant"
    own.mkdir()
    (own / "report.md.j2").write_text(
        '{% import "isoctl/registers.md.j2" as registers %}'
        "{% for reg in report.registers %}{{ reg.sheet }}: {{ reg.rows | length }}\n{% endfor %}"
        "{% set hazards = report.registers | selectattr('key', 'equalto', 'hazards') | first %}"
        "Top hazard: {{ hazards.rows[0].hazard }} ({{ hazards.rows[0].cells()[8].text }})\n"
        "{{ registers.table(hazards, hazards.rows[:1]) | raw }}", encoding="utf-8")
    md = run(cli, examples["acme-logistics"], "md", "--template", str(own))
    assert md.startswith("Risks: 18\nAspects: 9\nHazards: 9\nObligations: 14\nCompetence: 16\nSuppliers: 9\nAssets: 7\n"
                         "Exercises: 6\nTop hazard: Musculoskeletal injury from lifting, pushing and repetitive handling "
                         "(12)\n| Record | Activity | Hazard |")
    assert md.count("\n| HAZ-") == 1


def test_register_sheets_have_frozen_filtered_headers_and_real_dates(cli: Cli, examples: dict[str, Path],
                                                                     tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(write(cli, examples["acme-logistics"], tmp_path / "a.xlsx")))
    for name in ("Risks", "Aspects", "Hazards", "Obligations", "Competence", "Suppliers", "Assets", "Exercises"):
        sheet_ = book[name]
        assert sheet_.freeze_panes == "A4" and str(sheet_.auto_filter.ref).startswith("A3:")
        assert sheet_.cell(row=3, column=sheet_.max_column).value == "File"
    obligation = next(row for row in book["Obligations"].iter_rows(min_row=4, values_only=True) if row[0] == "OBL-02")
    assert obligation[5:] == (dt.datetime(2026, 1, 8), "yes", dt.datetime(2027, 1, 8), "compliance/obligations.yaml")
