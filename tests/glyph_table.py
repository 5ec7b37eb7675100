"""Which characters the fonts Typst embeds can show, found by asking Typst itself.

``probe(code_points)`` compiles one line per character (with Typst's font
fallback, as isoctl's PDFs do), reads the PDF's text back with pypdf, and
returns the characters that came out as themselves rather than as the
missing glyph (``\\x00``). The test suite probes a sample against
:data:`isoctl.render.pdf_glyphs.COVERED`; run this module to write the whole
table again after a Typst upgrade changes its fonts::

    python tests/glyph_table.py > /tmp/covered.txt
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
from collections.abc import Iterable

#: Categories that are not characters a reader sees on their own (unassigned, private, surrogates, controls).
_INVISIBLE = ("Cn", "Co", "Cs", "Cc", "Zl", "Zp")


def candidates(first: int = 0xA0, last: int = 0x2FFFF) -> list[int]:
    """Every assigned, visible code point from ``first`` to ``last``."""
    return [c for c in range(first, last + 1) if unicodedata.category(chr(c)) not in _INVISIBLE]


def probe(code_points: Iterable[int], chunk: int = 4000) -> set[int]:
    """The code points Typst's embedded fonts show (see the module docstring)."""
    import pypdf
    import typst

    points = list(code_points)
    shown: set[int] = set()
    for start in range(0, len(points), chunk):
        lines = "\n\n".join(f"Q{c:05X}R#str.from-unicode({c})S" for c in points[start:start + chunk])
        source = "#set page(width: 20cm, height: auto, margin: 1cm)\n#set par(spacing: 0.3em)\n" + lines
        pdf = typst.compile(source.encode(), format="pdf", ignore_system_fonts=True)
        text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        for match in re.finditer(r"Q([0-9A-F]{5})R(.*?)S", text, re.S):
            if match.group(2) and "\x00" not in match.group(2):
                shown.add(int(match.group(1), 16))
    return shown


def ranges(points: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted code points as (first, last) runs."""
    out: list[tuple[int, int]] = []
    for point in sorted(points):
        if out and point == out[-1][1] + 1:
            out[-1] = (out[-1][0], point)
        else:
            out.append((point, point))
    return out


if __name__ == "__main__":
    runs = ranges(probe(candidates()))
    sys.stdout.write(" ".join(f"{a:X}-{b:X}" if a != b else f"{a:X}" for a, b in runs) + "\n")
