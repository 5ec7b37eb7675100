"""A PDF that cannot show some of the workspace's text says so: its embedded fonts have no CJK, Thai or emoji."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from glyph_table import candidates, probe
from helpers import MakeWorkspace, run_isoctl

from isoctl.render.pdf_glyphs import shown, unshown

TODAY = "2026-11-21"


def test_the_table_of_characters_agrees_with_the_fonts_typst_embeds() -> None:
    every = [c for c in candidates() if unicodedata.category(chr(c))[0] in "LNSP"]
    sample = every[::97] + [ord(c) for c in "éŒЖωא€★→∑品質한ก😀"]
    assert probe(sample) == {c for c in sample if shown(chr(c))}
    assert unshown("Qualität — Ж ω א ★ 品質 방침 ก 😀 品") == ["品", "質", "방", "침", "ก", "😀"]


def _policy(title: str) -> str:
    return (f"---\nid: POL-QUALITY\nkind: document\ntype: policy\ntitle: {title}\nowner: jsmith\nstatus: draft\n"
            "clauses: [iso9001:5.2]\n---\n\nWe deliver on time.\n")


def test_a_pdf_says_which_characters_it_cannot_show(make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    root = make_workspace({"policy.md": _policy("品質方針 — quality policy 😀")})
    target = tmp_path / "report.pdf"
    done = run_isoctl("report", "-f", "pdf", "--today", TODAY, "-o", str(target), cwd=root, timeout=120)
    assert done.exit_code == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF") and "not read" not in done.stderr  # the policy is in it
    assert "note: the PDF cannot show 5 characters of the workspace's text (品 質 方 針 😀)" in done.stderr
    html = run_isoctl("report", "-f", "html", "--today", TODAY, cwd=root, timeout=120)
    assert "品質方針" in html.stdout and "cannot show" not in html.stderr


def test_a_pdf_of_text_its_fonts_show_says_nothing_of_them(make_workspace: MakeWorkspace, tmp_path: Path) -> None:
    root = make_workspace({"policy.md": _policy("Qualitätspolitik — politique qualité, Ж ω")})
    done = run_isoctl("report", "-f", "pdf", "--today", TODAY, "-o", str(tmp_path / "r.pdf"), cwd=root, timeout=120)
    assert done.exit_code == 0, done.stderr
    assert "cannot show" not in done.stderr
