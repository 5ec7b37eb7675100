"""Rules about documented information (7.5): documents that nobody has looked at for too long."""

from __future__ import annotations

from collections.abc import Iterator

from isoctl.analysis.coverage import review_due
from isoctl.model.records import Document
from isoctl.rules import Context, Hit, rule
from isoctl.rules.actions import days


@rule("stale-document", "warning", category="living")
def stale_document(ctx: Context) -> Iterator[Hit]:
    """An approved document past its review date, or one that cannot show when it was reviewed.

    A procedure that still describes last year's organisation is worse than
    none: people follow it, or learn to ignore documents. Each approved
    document is due for review on its ``next_review``, else
    ``review_every_days`` after ``approved_on``, else
    ``document_review_days`` (settings in isoctl.yaml, default 365) after
    ``approved_on``. An approved document with neither ``approved_on`` nor
    ``next_review`` is reported too: nothing shows it was ever reviewed.
    Drafts and obsolete documents are not checked.

    Fails:  ``status: approved, approved_on: 2024-01-10`` on 2026-11-21 (due 2025-01-09)
    Passes: ``approved_on: 2026-01-10``, or ``next_review: 2027-01-31``
    """
    default_days = ctx.workspace.manifest.settings.document_review_days
    for document in ctx.records(Document):
        if document.status != "approved":
            continue
        due = review_due(document, default_days)
        if due is None:
            yield ctx.at(document, "status", message=f"{document.id} is approved but has neither approved_on nor "
                         "next_review, so it cannot show when it was last reviewed")
        elif due < ctx.today:
            where = "next_review" if document.next_review is not None else "approved_on"
            yield ctx.at(document, where, message=f"{document.id} was due for review on {due.isoformat()} "
                         f"({days((ctx.today - due).days)} ago)")
