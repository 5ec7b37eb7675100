"""Terminal primitives every text renderer shares: a console that writes to a string, styles, safe text."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.text import Text

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def make_console(*, color: bool, width: int) -> tuple[Console, io.StringIO]:
    """A console writing to a string: no ANSI unless ``color``, fixed width, no guessing from the environment."""
    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        legacy_windows=False,
    )
    return console, out


def readiness_bar(readiness: float, size: int = 10) -> Text:
    """A small bar such as ``████████░░`` for a readiness between 0 and 1."""
    filled = round(max(0.0, min(readiness, 1.0)) * size)
    style = "green" if readiness >= 0.8 else "yellow" if readiness >= 0.5 else "red"
    return Text.assemble(("█" * filled, style), ("░" * (size - filled), "dim"))


def clean(text: str) -> str:
    """User text made safe for a terminal: control characters (an ESC could recolour it) shown escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\r\n", "\n").replace("\t", "    "))
