"""Which characters isoctl's PDFs can show, so a PDF that cannot show some of a workspace's text says so.

isoctl compiles PDFs with only the fonts Typst embeds (the same bytes on
every machine: see :mod:`isoctl.render.typst_markup`). They cover Latin,
Greek, Cyrillic, Hebrew, some Arabic and Devanagari, and many symbols, but
no Chinese, Japanese or Korean, Thai or emoji; Typst prints a character no
font has as an empty glyph, and says nothing. :data:`COVERED` lists the code
points those fonts show, as Typst itself showed them (``tests/glyph_table.py``
finds them again; the suite checks a sample against the installed Typst).
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
import warnings

#: Runs of code points (hexadecimal, ``first-last`` or one) the embedded fonts show, below U+A0 everything.
COVERED = (
    "A0-AC AE-300 302-30B 30D-30E 310 312-326 328-340 342-34E 350-377 37A-37F 384-38A 38C 38E-3A1 3A3-484 487-4FF "
    "510-513 51A-51D 531-556 559-58A 58D-58F 591-5C7 5D0-5EA 5EF-5F4 606-60C 615 61B 61F 621-63A 640-64A 65A 660-66D "
    "674 679-67B 67E-680 683-684 686-687 691 698 6A4 6A9 6AF 6BE 6CC 6F0-6F9 900-950 955-97F E3F E81-E82 E84 E87-E88 "
    "E8A E8D E94-E97 E99-E9F EA1-EA3 EA5 EA7 EAA-EAB EAD-EB9 EBB-EBC EC8-ECD 10D0-10FF 13A0-13F5 13F8-13FD 17C1-17C3 "
    "1D00-1DBF 1E00-1F15 1F18-1F1D 1F20-1F45 1F48-1F4D 1F50-1F57 1F59 1F5B 1F5D 1F5F-1F7D 1F80-1FB4 1FB6-1FC4 "
    "1FC6-1FD3 1FD6-1FDB 1FDD-1FEF 1FF2-1FF4 1FF6-1FFE 2000-200A 2010-2027 202F-2040 2042 2044-2052 2054-205F "
    "2070-2071 2074-208E 2090-209C 20A0-20C0 2100-211E 2120 2122 2124 2126-2151 2153-2184 2189 2190-23FF 2422-2423 "
    "2460-2606 2609-262F 2638-268B 2690-269C 26A0-26A7 26AA-26AF 26B2 2701-2704 2706-2709 270C-2714 2717-2726 "
    "272A-274B 274D 274F-2752 2756 2758-275E 2761-277F 2794 2798-27AF 27B1-2B73 2B76-2B95 2B97-2BFF 2C60-2CF3 "
    "2CF9-2CFF 2E02-2E05 2E08-2E0A 2E17-2E18 2E1F 2E22-2E25 2E2E 3000 3012 3016-3017 301A-301B 302E-3030 3036 306E "
    "A46A-A46B A640-A641 A648-A649 A656-A657 A708-A716 A71B-A727 A72D A730 A735 A765 A789-A78E A790-A791 A793 A7AA "
    "A7F8-A7F9 AB52 AB66 AB70-ABBF FB00-FB06 FB13-FB17 FB1D-FB36 FB38-FB3C FB3E FB40-FB41 FB43-FB44 FB46-FB4F "
    "FB52-FB81 FB8A-FB95 FB9E-FB9F FBAA-FBAD FBE8-FBE9 FBFC-FBFF FE2E-FE2F FE66 FE70-FE74 FE76-FEFC FFF9-FFFD "
    "10140-1018E 102E1-102FB 1D106-1D107 1D400-1D454 1D456-1D49C 1D49E-1D49F 1D4A2 1D4A5-1D4A6 1D4A9-1D4AC "
    "1D4AE-1D4B9 1D4BB 1D4BD-1D4C3 1D4C5-1D505 1D507-1D50A 1D50D-1D514 1D516-1D51C 1D51E-1D539 1D53B-1D53E "
    "1D540-1D544 1D546 1D54A-1D550 1D552-1D6A5 1D6A8-1D7CB 1D7CE-1D7FF 1EE00-1EE03 1EE05-1EE1F 1EE21-1EE22 1EE24 "
    "1EE27 1EE29-1EE32 1EE34-1EE37 1EE39 1EE3B 1EE42 1EE47 1EE49 1EE4B 1EE4D-1EE4F 1EE51-1EE52 1EE54 1EE57 1EE59 "
    "1EE5B 1EE5D 1EE5F 1EE61-1EE62 1EE64 1EE67-1EE6A 1EE6C-1EE72 1EE74-1EE77 1EE79-1EE7C 1EE7E 1EE80-1EE89 "
    "1EE8B-1EE9B 1EEA1-1EEA3 1EEA5-1EEA9 1EEAB-1EEBB 1EEF0-1EEF1 1F12F 1F6D1 1F780-1F7D8 1F7E0-1F7EB 1F800-1F80B "
    "1F810-1F847 1F850-1F859 1F860-1F887 1F890-1F8AD 1F8B0-1F8B1 "
)


@functools.cache
def _runs() -> tuple[list[int], list[int]]:
    firsts: list[int] = []
    lasts: list[int] = []
    for run in "".join(COVERED).split():
        first, _, last = run.partition("-")
        firsts.append(int(first, 16))
        lasts.append(int(last or first, 16))
    return firsts, lasts


def shown(character: str) -> bool:
    """Whether a PDF shows ``character`` (anything that is not a letter, number, mark-free symbol or punctuation,
    such as a space, a joiner or a combining accent, counts as shown: it has no glyph of its own to miss)."""
    point = ord(character)
    if point < 0xA0 or unicodedata.category(character)[0] not in "LNSP":
        return True
    firsts, lasts = _runs()
    at = bisect.bisect_right(firsts, point) - 1
    return at >= 0 and point <= lasts[at]


def unshown(text: str) -> list[str]:
    """The characters of ``text`` a PDF cannot show, each once, in the order they first appear."""
    missing = [character for character in set(text) if ord(character) >= 0xA0 and not shown(character)]
    return sorted(missing, key=text.index)


class UnshownCharacters(UserWarning):
    """A PDF was written with characters its fonts cannot show (the command line prints it as a note)."""


def warn_unshown(source: str) -> None:
    """Warn (:class:`UnshownCharacters`) when ``source``, the Typst of a PDF, holds characters it cannot show."""
    missing = unshown(source)
    if not missing:
        return
    shown_here = " ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
    count = f"{len(missing)} character{'s' if len(missing) != 1 else ''}"
    warnings.warn(UnshownCharacters(
        f"the PDF cannot show {count} of the workspace's text ({shown_here}): the fonts isoctl embeds have no glyph "
        "for them, so they print blank; the HTML, Markdown and spreadsheet formats show them"), stacklevel=3)
