"""The HTML report and the HTML SoA printed from a browser: print rules, margins, tables that stay legible.

The rules are checked on every run. Printing itself is checked with headless
Chromium when a Chromium or Chrome binary is on PATH (a 33-row action
register once took ten pages, its words stacked in narrow columns); without
one those tests are skipped and say why.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import Cli, MakeWorkspace
from test_check_cli import copy_of

TODAY = "2026-11-21"
BROWSERS = ("chromium", "chromium-browser", "chromium-headless-shell", "google-chrome", "google-chrome-stable",
            "chrome", "chrome-headless-shell")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)
PAGE = re.compile(rb"/Type\s*/Page[^s]")

MANIFEST = """\
isoctl: 1
organization: {name: "Brass & \\"Sons\\" </style> Ltd"}
standards: [iso9001:2015]
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - {id: akhan, name: Amir Khan, role: Quality Lead}
"""


def actions(count: int) -> str:
    """``count`` actions with the texts a real CAPA log has: a sentence of title, a paragraph of description."""
    rows = []
    for n in range(1, count + 1):
        closed = n % 3 == 0
        rows.append({
            "id": f"ACT-{n:03d}", "kind": "action", "title": f"Customer reject {n}: thread undersize on brass adaptors",
            "owner": "akhan" if n % 2 else "jsmith", "type": "nonconformity", "severity": "minor",
            "source": "external-audit" if n % 4 == 0 else "complaint", "raised_on": f"2026-0{1 + n % 9}-1{n % 10}",
            "raised_by": "jsmith", "clauses": ["iso9001:10.2"],
            "description": "Customer returned parts from one works order; the thread gauge did not go on. "
                           "Investigated with the setter and the inspector on the day the complaint came in.",
            "correction": "Batch sorted and the rejects remade.", "due": "2026-12-31",
            "status": "closed" if closed else "open",
            **({"closed_on": "2026-10-01", "root_cause": "Worn tap.", "corrective_action": "Tap life counter."}
               if closed else {}),
        })
    return "".join(f"- {json.dumps(row)}\n" for row in rows)


def html_report(cli: Cli, root: Path) -> str:
    result = cli("report", "--today", TODAY, "-f", "html", cwd=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def style_of(page: str) -> str:
    match = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    assert match is not None
    return match.group(1)


# -- the rules, always checked --------------------------------------------------------------


def test_the_report_prints_with_margins_repeated_headers_and_whole_rows(cli: Cli, make_workspace: MakeWorkspace) -> None:
    css = style_of(html_report(cli, make_workspace({"actions/log.yaml": actions(3)}, manifest=MANIFEST)))
    assert "@page { size: A4;" in css and "@media print {" in css
    # page x of N and the organization in the margins (Chromium 131+), the organization as an escaped CSS string
    assert '@bottom-right { content: "Page " counter(page) " of " counter(pages);' in css
    assert '@top-left { content: "Brass & \\000022Sons\\000022 \\00003c/style\\00003e Ltd";' in css
    assert "</style>" not in css and "Chromium 131" not in css  # template comments stay in the template
    assert "thead { display: table-header-group; }" in css
    assert "tr { break-inside: avoid; page-break-inside: avoid; }" in css
    assert "section { margin-top: 0; break-before: page;" in css and "h2, h3 { break-after: avoid;" in css


def test_words_are_never_stacked_letter_by_letter(cli: Cli, make_workspace: MakeWorkspace) -> None:
    """Only wide text columns may break inside a word; headers and tiles break between words ("CERTIFICA TE")."""
    css = style_of(html_report(cli, make_workspace({"actions/log.yaml": actions(3)}, manifest=MANIFEST)))
    anywhere = [rule.strip() for rule in re.findall(r"([^{}]*)\{[^{}]*overflow-wrap: anywhere", css)]
    assert anywhere == ["td.text"]
    assert re.search(r"th, td \{[^}]*overflow-wrap: break-word; word-break: normal;", css)
    assert "h1, h2, h3, .tiles, th { overflow-wrap: normal; word-break: normal; hyphens: manual; }" in css
    assert "td.nowrap { min-width: 5.5em; }" in css and "td.num { white-space: nowrap; }" in css


def test_the_soa_prints_landscape_with_its_version_commit_and_page_numbers(cli: Cli, tmp_path: Path) -> None:
    root = copy_of("nimbus-cloud", tmp_path)
    assert "soa: {version: '2026-2', approved_by: mkrause, approved_on: 2026-10-20}" in \
        (root / "isoctl.yaml").read_text(encoding="utf-8")  # the example's SoA is a controlled document
    result = cli("soa", "--today", TODAY, "-f", "html", cwd=root)
    assert result.exit_code == 0, result.stderr
    css = style_of(result.stdout)
    assert "@page { size: A4 landscape;" in css
    assert '@top-left { content: "Nimbus Cloud GmbH — Statement of Applicability, version 2026-2";' in css
    assert '@top-right { content: "commit not under version control";' in css
    assert '@bottom-left { content: "version 2026-2, approved by Dr. Miriam Krause on 2026-10-20";' in css
    assert '@bottom-right { content: "Page " counter(page) " of " counter(pages);' in css
    assert "thead { display: table-header-group; }" in css and "tr { break-inside: avoid;" in css
    anywhere = [rule.strip() for rule in re.findall(r"([^{}]*)\{[^{}]*overflow-wrap: anywhere", css)]
    assert anywhere == ["td.wide"]


# -- printing, where a browser is installed ----------------------------------------------------


def printed_pages(html: str, target: Path) -> int:
    """Print ``html`` to PDF with headless Chromium, as a user's "Save as PDF" does; the number of pages."""
    assert BROWSER is not None
    page = target.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    pdf = target.with_suffix(".pdf")
    subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    return len(PAGE.findall(pdf.read_bytes()))


def only_section(page: str, section: str) -> str:
    """The report page with its head (every print rule) and one section only."""
    head = page[:page.index("<body>") + len("<body>")]
    match = re.search(rf'<section id="{section}">.*?</section>', page, re.DOTALL)
    assert match is not None
    return f"{head}\n{match.group(0)}\n</body>\n</html>\n"


@pytest.mark.skipif(BROWSER is None, reason=f"no Chromium or Chrome on PATH (looked for {', '.join(BROWSERS)})")
def test_a_33_row_action_register_prints_on_a_few_pages(cli: Cli, make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    """Rows stay a few lines high (no word stacked letter by letter): 33 actions print on at most four A4 pages."""
    root = make_workspace({"actions/log.yaml": actions(33)}, manifest=MANIFEST)
    page = html_report(cli, root)
    assert "ACT-001" in page and "ACT-033" in page
    assert 1 <= printed_pages(only_section(page, "actions"), tmp_path / "actions") <= 4
    whole = printed_pages(page, tmp_path / "report")
    assert whole >= 8  # every section starts a page


@pytest.mark.skipif(BROWSER is None, reason=f"no Chromium or Chrome on PATH (looked for {', '.join(BROWSERS)})")
def test_the_soa_prints_its_93_controls_on_a_bounded_number_of_pages(cli: Cli, tmp_path: Path) -> None:
    result = cli("soa", "--today", TODAY, "-f", "html", cwd=copy_of("nimbus-cloud", tmp_path))
    assert 6 <= printed_pages(result.stdout, tmp_path / "soa") <= 20
