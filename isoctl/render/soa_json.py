"""``isoctl soa --format json`` (format 1): every control with its SoA row, stable for tools and diffs.

``{"isoctl", "format": 1, "standard", "organization", "date", "document",
"summary", "controls": [...]}``; ``document`` is the document control
(``version``, ``approved_by`` as a name and ``approved_by_id`` as written,
``approved_on``, the full ``commit`` or null outside git, ``dirty``); controls
in catalog order, each with ``missing: true`` and nulls where the workspace
has no row for it. Keys keep their order and
nothing depends on the clock or the machine, so the same workspace always
gives the same bytes.
"""

from __future__ import annotations

from isoctl.analysis.soa import Soa
from isoctl.render import json_text


def render(soa: Soa) -> str:
    return json_text.dumps(soa.as_dict()) + "\n"
