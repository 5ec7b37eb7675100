"""``diff --format json``: what changed between two revisions, for programs.

The shape lives in :meth:`Diff.as_dict`; this module fixes the serialisation
so the output is byte-stable (two-space indent, keys in build order, UTF-8
kept as is, one trailing newline), like ``check --format json``.
"""

from __future__ import annotations

import json

from isoctl.history.diff import Diff


def render(diff: Diff) -> str:
    """The JSON document for ``diff``; identical input gives identical bytes."""
    return json.dumps(diff.as_dict(), indent=2, ensure_ascii=False) + "\n"
