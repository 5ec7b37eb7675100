"""Catalogs as JSON for programs: ``standards list`` and ``standards show`` with ``--format json``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from isoctl import __version__
from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.schema import Clause, Edition
from isoctl.render import json_text


def edition_summary(catalogs: Catalogs, edition: Edition) -> dict[str, Any]:
    """The facts ``standards list`` shows about an edition."""
    return {
        "id": edition.id,
        "family": edition.family,
        "edition": edition.edition,
        "title": edition.title,
        "status": edition.status,
        "superseded_by": edition.superseded_by,
        "published": edition.published.isoformat() if edition.published else None,
        "transition_ends": edition.transition_ends.isoformat() if edition.transition_ends else None,
        "transition_confirmed": edition.transition_confirmed if edition.transition_ends else None,
        "amendments": [a.id for a in edition.amendments],
        "clauses": len(edition.requirement_clauses),
        "controls": len(edition.controls),
        "source": catalogs.sources.get(edition.id),
    }


def _envelope(**body: Any) -> str:
    return json_text.dumps({"isoctl": __version__, "format": 1, **body}) + "\n"


def list_json(catalogs: Catalogs, editions: Sequence[Edition]) -> str:
    return _envelope(editions=[edition_summary(catalogs, e) for e in editions])


def clause_json(clause: Clause) -> dict[str, Any]:
    data = clause.model_dump(mode="json")
    data["depth"] = clause.depth
    return data


def edition_json(catalogs: Catalogs, edition: Edition) -> str:
    meta = edition_summary(catalogs, edition)
    meta["exclusions"] = edition.exclusions
    meta["amendments"] = [a.model_dump(mode="json") for a in edition.amendments]
    meta["clauses"] = [clause_json(c) for c in edition.clauses]
    return _envelope(edition=meta)


def clause_payload(catalogs: Catalogs, edition: Edition, clause: Clause) -> dict[str, Any]:
    related = catalogs.correspondences(edition, clause)
    parent = edition.by_id.get(clause.parent) if clause.parent else None
    hs = catalogs.editions.get("hs")
    return {
        "edition": edition.id,
        "clause": clause_json(clause),
        "parent": {"id": parent.id, "title": parent.title} if parent else None,
        "children": [{"id": c.id, "title": c.title} for c in edition.children.get(clause.id, [])],
        "hs_title": hs.by_id[clause.hs].title if hs and clause.hs and clause.hs in hs.by_id else None,
        "corresponds_to": [
            {"edition": c.edition.id, "clause": c.clause.id, "title": c.clause.title, "via": c.via} for c in related
        ],
    }


def clause_json_text(catalogs: Catalogs, edition: Edition, clause: Clause) -> str:
    return _envelope(**clause_payload(catalogs, edition, clause))


