"""Typst for isoctl's PDFs: workspace text escaped as markup, string literals, and the compiler call.

The PyPI ``typst`` wheel carries the Typst compiler itself, so a PDF needs
nothing beyond pip: no LaTeX, no browser, no system libraries. Only the
fonts Typst embeds are used (system fonts are ignored) and every template
sets the document date from the evaluation day, so the same input gives the
same bytes on every machine. Text from the workspace is escaped as Typst
markup; a title such as ``#import`` or ``*urgent*`` prints as written and can
never run as Typst code.
"""

from __future__ import annotations

import re
from typing import Any


class Raw(str):
    """Text already written in the output's own language: printed as is by Markdown and Typst templates."""

    __slots__ = ()


_TYPST_MARKUP = re.compile(r"""([\\#*_`$<>@=\-+/~\[\]"'.:{}])""")


def typst_text(value: Any) -> str:
    """Any value as Typst markup that shows exactly its text (every markup character escaped)."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return str(value)
    escaped = _TYPST_MARKUP.sub(r"\\\1", str(value))
    return "#linebreak()".join(escaped.splitlines()) if "\n" in escaped or "\r" in escaped else escaped


def typst_string(value: Any) -> Raw:
    """A Typst string literal holding ``value`` (for code such as ``image(bytes(...))``)."""
    text = "" if value is None else str(value)
    return Raw('"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"')


def compile_pdf(source: str) -> bytes:
    """PDF bytes of a Typst source, with the embedded fonts only; ``typst.TypstError`` when it does not compile."""
    import typst

    data: bytes = typst.compile(source.encode("utf-8"), format="pdf", ignore_system_fonts=True)
    return data
