"""Workspace text inside the CSS of isoctl's HTML pages (the running heads and feet of the print rules)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

#: Characters that could end a CSS string, a rule or the ``<style>`` element.
UNSAFE = frozenset("\"'\\<>{}")


def css_string(value: Any) -> Markup:
    """A quoted CSS string showing ``value`` (for ``content:`` in ``@page`` rules), safe inside ``<style>``.

    Printable text stays as written; quotes, backslashes, angle brackets,
    braces and control characters become six-digit CSS escapes, so no
    organization's name can end the string, the rule or the style sheet
    (``</style>``), and a line break cannot leave the string unterminated.
    """
    text = "" if value is None else str(value)
    escaped = "".join(f"\\{ord(c):06x}" if c in UNSAFE or not c.isprintable() else c for c in text)
    return Markup(f'"{escaped}"')
