"""``diff --format json``: what changed between two revisions, for programs.

The shape lives in :meth:`Diff.as_dict`; this module fixes the serialisation
so the output is byte-stable (two-space indent, keys in build order, UTF-8
kept as is, one trailing newline), like ``check --format json``.
"""

from __future__ import annotations

from isoctl.history.diff import Diff
from isoctl.render import json_text


def render(diff: Diff) -> str:
    """The JSON document for ``diff``; identical input gives identical bytes."""
    return json_text.dumps(diff.as_dict()) + "\n"
