"""Every format of ``isoctl report`` for every example, as goldens: Markdown, HTML, the PDF's Typst source, XLSX.

Each example is committed once (a fixed author and date, so its commit hash
and therefore the goldens never change) and evaluated on a fixed day. The
XLSX is compared as a text dump of its sheets and cells, the PDF through its
Typst source (its bytes are checked for determinism and its pages counted).
Every format is rendered twice, the second time from a warm cache: the bytes
must not differ.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from helpers import Cli, Golden, committed_example

TODAY = "2026-11-21"
EXAMPLES = ("acme-logistics", "nimbus-cloud", "paper-iso")
ORGANIZATIONS = {"acme-logistics": "Acme Logistics Ltd", "nimbus-cloud": "Nimbus Cloud GmbH",
                 "paper-iso": "Paperweight Components Ltd"}
PAGE = re.compile(rb"/Type\s*/Page[^s]")


@pytest.fixture(scope="module")
def example_roots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each example in its own repository, committed once with a fixed author and date."""
    roots = {}
    for name in EXAMPLES:
        root = tmp_path_factory.mktemp("examples") / name
        committed_example(root, name, date="2026-11-20T09:00:00+00:00")
        roots[name] = root
    return roots


def rendered(cli: Cli, root: Path, fmt: str, target: Path) -> bytes:
    """``isoctl report --format FMT`` written with ``-o``, as bytes."""
    result = cli("report", "--today", TODAY, "--format", fmt, "-o", str(target), cwd=root)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return target.read_bytes()


def typst_source(root: Path) -> str:
    """The Typst source the PDF is compiled from, gathered the way ``isoctl report`` gathers it."""
    from isoctl.core.evaluate import open_evaluation
    from isoctl.report import render_pdf
    from isoctl.report.gather import collect

    with open_evaluation(root, at=None, today=dt.date.fromisoformat(TODAY)) as evaluation:
        pack = collect(evaluation)
    return render_pdf.source(pack)


def xlsx_dump(data: bytes) -> str:
    """A workbook as text: each sheet's name, frozen pane, filter and print titles, then every non-empty cell."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    lines = []
    for sheet in book.worksheets:
        lines.append(f"== sheet {sheet.title!r}: {sheet.max_row} rows, {sheet.max_column} columns")
        lines.append(f"frozen {sheet.freeze_panes} · filter {sheet.auto_filter.ref} · "
                     f"print titles {sheet.print_title_rows} · {sheet.page_setup.orientation}")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None and cell.value != "":
                    lines.append(f"{cell.coordinate}: {json.dumps(cell.value, ensure_ascii=False, default=str)}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("fmt", ["md", "html", "xlsx"])
def test_golden_and_deterministic(cli: Cli, golden: Golden, example_roots: dict[str, Path], tmp_path: Path,
                                  example: str, fmt: str) -> None:
    root = example_roots[example]
    first = rendered(cli, root, fmt, tmp_path / f"first.{fmt}")
    assert rendered(cli, root, fmt, tmp_path / f"second.{fmt}") == first
    text = xlsx_dump(first) if fmt == "xlsx" else first.decode("utf-8")
    golden(f"report-formats/{example}.{fmt}{'.txt' if fmt == 'xlsx' else ''}", text)


@pytest.mark.parametrize("example", EXAMPLES)
def test_typst_source_golden(golden: Golden, example_roots: dict[str, Path], example: str) -> None:
    source = typst_source(example_roots[example])
    assert typst_source(example_roots[example]) == source
    golden(f"report-formats/{example}.typ", source)


def first_page_text(pdf: Path) -> str:
    """The text of the PDF's first page, as a reader's PDF viewer extracts it."""
    import pypdf

    return str(pypdf.PdfReader(pdf).pages[0].extract_text())


@pytest.mark.parametrize("example", EXAMPLES)
def test_pdf_is_deterministic_and_opens_on_the_cover(cli: Cli, example_roots: dict[str, Path], tmp_path: Path,
                                                     example: str) -> None:
    root = example_roots[example]
    first = rendered(cli, root, "pdf", tmp_path / "first.pdf")
    assert first.startswith(b"%PDF-") and rendered(cli, root, "pdf", tmp_path / "second.pdf") == first
    assert 8 <= len(PAGE.findall(first)) <= 80
    page_one = re.sub(r"\s+", " ", first_page_text(tmp_path / "first.pdf"))
    # page one is the cover lines and the executive summary: whose pack, then the verdict
    assert ORGANIZATIONS[example] in page_one and "Executive summary" in page_one
    assert "Certification risks, most likely nonconformity first" in page_one


def test_templates_compiled_at_build_time_render_what_their_sources_render(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel carries the report's templates compiled (hatch_build.py); they give the bytes the sources give in
    every flavour, and a stamp that no longer matches the sources (an edited template) is not used."""
    import typst

    from isoctl.report import templates

    compiled = tmp_path / "compiled"
    templates.compile_builtin(compiled)
    root = tmp_path / "acme"
    committed_example(root, date="2026-11-20T09:00:00+00:00")
    real_loader, real_render = templates._compiled_loader, templates.render
    monkeypatch.setattr(typst, "compile", lambda *args, **kwargs: b"%PDF-1.7")  # the Typst source is compared

    def rendered(base: Path | None) -> dict[str, str]:
        out: dict[str, str] = {}
        monkeypatch.setattr(templates, "_compiled_loader",
                            lambda folder, flavour, b=None: None if base is None else real_loader(folder, flavour, base))

        def capture(flavour: templates.Flavour, directory: Path | None, **context: object) -> str:
            loaders = getattr(templates.environment(flavour, directory).loader, "loaders", [])
            assert (base is not None) == any(type(loader).__name__ == "ModuleLoader" for loader in loaders)
            out[flavour] = real_render(flavour, directory, **context)
            return out[flavour]

        monkeypatch.setattr(templates, "render", capture)
        templates.environment.cache_clear()
        for fmt in ("html", "md", "pdf"):
            assert cli("report", "-f", fmt, "--today", TODAY, "-o", str(tmp_path / f"r.{fmt}"), cwd=root).exit_code == 0
        templates.environment.cache_clear()
        return out

    from_source = rendered(None)
    assert set(from_source) == {"html", "md", "typ"} and all(len(text) > 10_000 for text in from_source.values())
    assert rendered(compiled) == from_source
    stamp = compiled / "report-md" / "stamp.json"
    stamp.write_text(stamp.read_text().replace('"jinja2": "', '"jinja2": "0.'))
    assert real_loader("report", "md", compiled) is None and real_loader("report", "html", compiled) is not None


def test_markdown_ends_every_table_with_a_blank_line(cli: Cli, tmp_path: Path) -> None:
    """Text right after a table's last row is another row in GFM: the paper-iso history has documents changed
    after their approval, whose list follows the document register."""
    from markdown_it import MarkdownIt

    cli("init", str(tmp_path / "pi"), "--example", "paper-iso").expect(0)
    text = rendered(cli, tmp_path / "pi", "md", tmp_path / "pi.md").decode("utf-8")
    lines = text.splitlines()
    after_tables = [(n + 2, lines[n + 1]) for n, line in enumerate(lines[:-1])
                    if line.startswith("|") and lines[n + 1].strip() and not lines[n + 1].startswith("|")]
    assert after_tables == []
    assert "\n\nUncontrolled changes (ISO 9001 7.5.3: changed after approval without a new version):\n\n- " in text
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<p>Uncontrolled changes (ISO 9001 7.5.3" in html
    assert all("Uncontrolled changes" not in table for table in re.findall(r"<table>.*?</table>", html, re.S))
