"""Output formats: each a pure function of what the core computed, found through one registry.

:data:`FORMATS` names, for every subject a command renders (``check``,
``gap``, ``soa``, ``diff``, ``history``, ``pulse``), its formats and the function that
renders each; commands take their ``--format`` choices from it, and
:func:`render` is the one way to call a renderer. Text renderers return
strings like every other format; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Format:
    """Where one format's renderer lives and how it is called."""

    module: str
    function: str = "render"
    styled: bool = False  # takes color= and width= (text for terminals)
    binary: bool = False  # returns bytes (xlsx, pdf)
    leading: tuple[str, ...] = field(default=())  # positional arguments after the value (the gap module's format)
    #: takes prefix= (the workspace's path in its git repository): CI platforms place files from the repository root
    rooted: bool = False


def _gap(fmt: str) -> Format:
    return Format("isoctl.render.gap", styled=True, leading=(fmt,))


FORMATS: dict[str, dict[str, Format]] = {
    "check": {
        "text": Format("isoctl.render.text", styled=True),
        "json": Format("isoctl.render.json_format"),
        "sarif": Format("isoctl.render.sarif", rooted=True),
        "junit": Format("isoctl.render.junit", rooted=True),
        "github": Format("isoctl.render.github", rooted=True),
        "gitlab": Format("isoctl.render.gitlab", rooted=True),
    },
    "gap": {**{name: _gap(name) for name in ("text", "json", "md", "csv")},
            "xlsx": Format("isoctl.render.gap_xlsx", binary=True)},
    "soa": {
        "text": Format("isoctl.render.soa_text", styled=True),
        "md": Format("isoctl.render.soa_md"),
        "html": Format("isoctl.render.soa_html"),
        "json": Format("isoctl.render.soa_json"),
        "xlsx": Format("isoctl.render.soa_xlsx", binary=True),
        "pdf": Format("isoctl.render.soa_pdf", binary=True),
    },
    "diff": {
        "text": Format("isoctl.render.diff_text", styled=True),
        "json": Format("isoctl.render.diff_json"),
        "md": Format("isoctl.render.diff_md"),
    },
    "history": {
        "text": Format("isoctl.render.history", "render_text", styled=True),
        "json": Format("isoctl.render.history", "render_json"),
        "csv": Format("isoctl.render.history", "render_csv"),
    },
    "pulse": {
        "text": Format("isoctl.render.pulse", "render_text", styled=True),
        "json": Format("isoctl.render.pulse", "render_json"),
        "csv": Format("isoctl.render.pulse", "render_csv"),
        "svg": Format("isoctl.render.pulse_svg", "render_svg"),
    },
}


def formats(subject: str) -> tuple[str, ...]:
    """The format names of ``subject``, in the order ``--help`` lists them."""
    return tuple(FORMATS[subject])


def render(value: Any, fmt: str = "text", *, subject: str = "check", color: bool = False, width: int = 100,
           **options: Any) -> str | bytes:
    """Render ``value`` (a Result for ``check`` and ``gap``, a Soa, a Diff, a Timeline) in ``fmt``.

    ``color`` and ``width`` reach the formats meant for terminals; other
    keyword options (``standard=`` for ``gap``) reach the renderer as given,
    but ``prefix=`` only the formats whose paths start at the repository root.
    """
    try:
        chosen = FORMATS[subject][fmt]
    except KeyError:
        known = ", ".join(FORMATS.get(subject, {})) or ", ".join(FORMATS)
        raise ValueError(f"no format {fmt!r} for {subject!r}; choose from {known}") from None
    function = getattr(import_module(chosen.module), chosen.function)
    if chosen.styled:
        options = {**options, "color": color, "width": width}
    if not chosen.rooted:
        options.pop("prefix", None)
    output: str | bytes = function(value, *chosen.leading, **options)
    return output
