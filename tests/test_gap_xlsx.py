"""``isoctl gap --format xlsx``: the coverage matrix as a workbook a consultant hands over, one sheet per standard."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import openpyxl
from helpers import EXAMPLES, Cli

TODAY = "2026-11-21"


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_each_standard_is_a_sheet_with_every_clause_of_the_json_matrix(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "paper"
    shutil.copytree(EXAMPLES / "paper-iso", root)
    out = tmp_path / "gap.xlsx"
    run = cli("gap", str(root), "--today", TODAY, "-f", "xlsx", "-o", str(out))
    assert run.exit_code == 0, run.stderr
    book = workbook(out.read_bytes())
    matrix = json.loads(cli("gap", str(root), "--today", TODAY, "-f", "json").stdout)["clauses"]
    assert book.sheetnames == sorted({c["standard"] for c in matrix}, key=[c["standard"] for c in matrix].index)
    sheet = book[book.sheetnames[0]]
    assert str(sheet["A1"].value).startswith("Gap analysis: iso9001-2015")
    assert "Paperweight Components Ltd as of 2026-11-21: 0% ready" in str(sheet["A2"].value)
    assert [c.value for c in sheet[3]] == ["clause", "title", "status", "records", "reasons"]
    rows = [(r[0], r[2]) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows == [(c["clause"], c["status"]) for c in matrix if c["standard"] == book.sheetnames[0]]
    missing = next(r for r in sheet.iter_rows(min_row=4) if r[2].value == "missing")
    assert missing[2].fill.fgColor.rgb.endswith("F8D7DA") and missing[4].value  # coloured, with its reasons


def test_the_same_input_gives_the_same_bytes_and_standard_narrows_it(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "acme"
    shutil.copytree(EXAMPLES / "acme-logistics", root)

    def gap(name: str, *extra: str) -> bytes:
        target = tmp_path / name
        assert cli("gap", str(root), "--today", TODAY, "-f", "xlsx", "-o", str(target), *extra).exit_code == 0
        return target.read_bytes()

    first, second = gap("first.xlsx"), gap("second.xlsx")
    assert first == second and first.startswith(b"PK")
    assert workbook(first).sheetnames == ["iso9001-2015", "iso14001-2015", "iso45001-2018"]
    assert workbook(gap("only.xlsx", "--standard", "iso14001")).sheetnames == ["iso14001-2015"]
