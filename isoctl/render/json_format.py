"""``check --format json``: the format-1 document of design §5.1, for programs.

The shape lives in :meth:`Result.as_dict` so every consumer (this renderer, the
report, tests) agrees on it; this module only fixes the serialisation so the
output is byte-stable: two-space indent, keys in the order the dict builds
them, UTF-8 text kept as is, one trailing newline.

When ``check`` gates on change (``--new-since``, ``--baseline``), every
finding gains ``"baseline": "new"`` or ``"unchanged"`` (the SARIF words for a
finding introduced since the baseline and one already there), and the
document gains a ``baseline`` member: what it was compared with, the counts,
and the findings that are gone (``fixed``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from isoctl.model.result import Result
from isoctl.render import json_text

if TYPE_CHECKING:
    from isoctl.core.baseline import Comparison


def render(result: Result, *, baseline: Comparison | None = None) -> str:
    """The JSON document for ``result``; identical input gives identical bytes."""
    document = result.as_dict()
    if baseline is not None:
        document["findings"] = [{**f.as_dict(), "baseline": state} for f, state in baseline.marked]
        document["baseline"] = baseline.as_dict()
    return json_text.dumps(document) + "\n"
