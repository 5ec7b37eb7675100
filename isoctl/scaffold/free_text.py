"""Free text that ``init`` writes into a new workspace: names, one line of printable text.

The organization's name and the people's names and roles reach places no
filter can quote: YAML comments (``# The manifest of {{ organization }}'s
management system``), Markdown headings and tables, a consultant's own
templates. A line break there ends the comment and turns the rest of the
name into YAML (``Acme\\n---\\nkind: action`` starts a second document), so
the fresh workspace fails its own schema; a control character makes YAML
readers refuse the file. Such text is refused before anything is written.
"""

from __future__ import annotations

import unicodedata

from isoctl.errors import UsageError

#: What YAML readers (and people) take for the end of a line.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

#: The code points YAML does not allow in a file at all (besides the control characters).
NOT_CHARACTERS = frozenset("\ufffe\uffff")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be written into a file as one line of a name; None when it can."""
    for char in text:
        if char in LINE_BREAKS:
            return "a line break"
        category = unicodedata.category(char)
        if category == "Cs":  # a byte the shell passed on that is not UTF-8 (kept by surrogateescape)
            return "bytes that are not valid UTF-8"
        if category == "Cc" or char in NOT_CHARACTERS:
            return f"the control character U+{ord(char):04X}"
    return None


def check_line(text: str, what: str, *, hint: str | None = None) -> str:
    """``text`` when it is one line of printable text; UsageError naming ``what`` (``--org``) otherwise."""
    problem = text_problem(text)
    if problem is not None:
        raise UsageError(  # repr: every line break and control character shown as its escape, on one line
            f"{what} holds {problem} ({text!r}): a name must be one line of printable text",
            hint=hint or "write it on one line, without tabs or other control characters",
        )
    return text
