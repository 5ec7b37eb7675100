"""The needs analysis as a record of the workspace it led to: ``context/needs-analysis.md``.

``isoctl init --answers`` keeps the analysis in the new workspace as a
draft ``document`` of type ``record`` mapped to ``hs:4.3``: the evidence
of why the scope covers the standards it does. Its body is the Markdown
of :func:`isoctl.render.advise.render_md`, answers included, so the
decision can be revisited when the answers change.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from isoctl.core.advise import Advice
from isoctl.render.advise import render_md

PATH = PurePosixPath("context/needs-analysis.md")
RECORD_ID = "DOC-NEEDS-ANALYSIS"


def render_record(advice: Advice, *, owner: str | None) -> str:
    """The record's text: YAML front matter (with the editor's schema modeline) and the analysis as its body."""
    import yaml

    fields: dict[str, object] = {
        "id": RECORD_ID,
        "kind": "document",
        "type": "record",
        "title": "Needs analysis: the choice of standards",
        "status": "draft",
        "version": "0.1",
    }
    if owner is not None:
        fields["owner"] = owner
    fields.update({
        "review_every_days": 365,
        "clauses": ["hs:4.3"],
        "tags": ["needs-analysis", *(r.family for r in advice.chosen)],
    })
    front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000)
    note = (f"Recorded by `isoctl init --answers` on {advice.today.isoformat()}. Review it with top management, "
            "then set `status: approved` with `approved_by` and `approved_on`; run `isoctl advise` again when the "
            "answers change.\n\n")
    modeline = f"# yaml-language-server: $schema={'../' * (len(PATH.parts) - 1)}.isoctl/schema/record.json\n"
    return f"---\n{modeline}{front}---\n{note}{render_md(advice, level=1)}"
