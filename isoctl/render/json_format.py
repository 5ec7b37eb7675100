"""``check --format json``: the format-1 document of design §5.1, for programs.

The shape lives in :meth:`Result.as_dict` so every consumer (this renderer, the
report, tests) agrees on it; this module only fixes the serialisation so the
output is byte-stable: two-space indent, keys in the order the dict builds
them, UTF-8 text kept as is, one trailing newline.
"""

from __future__ import annotations

import json

from isoctl.model.result import Result


def render(result: Result) -> str:
    """The JSON document for ``result``; identical input gives identical bytes."""
    return json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n"
