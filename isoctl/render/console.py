"""Terminal primitives every text renderer shares: a console that writes to a string, styles, safe text."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported where a console is made: clean() serves commands that never print with rich
    from rich.console import Console
    from rich.text import Text

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# C0 and C1 controls (ESC starts colour, cursor, title and clear-screen sequences; \x9b is a one-byte CSI),
# and the invisible direction overrides that make text read differently from what it holds
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


#: The height the console reports (nothing isoctl prints pages by it).
HEIGHT = 25


def make_console(*, color: bool, width: int) -> tuple[Console, io.StringIO]:
    """A console writing to a string: no ANSI unless ``color``, fixed width, no guessing from the environment."""
    from rich.console import Console

    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        height=HEIGHT,  # given, so rich reads neither COLUMNS nor LINES (it takes '²' for a number, and fails)
        highlight=False,
        legacy_windows=False,
    )
    return console, out


def readiness_bar(readiness: float, size: int = 10) -> Text:
    """A small bar such as ``████████░░`` for a readiness between 0 and 1."""
    from rich.text import Text

    filled = round(max(0.0, min(readiness, 1.0)) * size)
    style = "green" if readiness >= 0.8 else "yellow" if readiness >= 0.5 else "red"
    return Text.assemble(("█" * filled, style), ("░" * (size - filled), "dim"))


def clean(text: str, *, one_line: bool = False) -> str:
    """Record text made safe for a terminal: control characters shown escaped (``\\x1b``), never sent raw.

    A record's title could otherwise retitle the terminal window, clear the
    screen or recolour what follows. Every text renderer passes record data
    through here. Line breaks stay, for fields shown over several lines on
    purpose; ``one_line`` turns them into spaces (a table cell, a title).
    """
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if one_line:
        text = text.replace("\n", " ")
    return CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
