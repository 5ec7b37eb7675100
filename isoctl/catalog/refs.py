"""Clause references as records and the command line write them.

``iso9001:8.5.1`` names a family and resolves to the edition in scope;
``iso9001-2015:8.5.1`` names an edition; ``hs:9.2`` names a clause of the
harmonized structure and expands to the matching clause of every standard in
scope. Editions are written ``iso9001-2015`` in catalogs and ``iso9001:2015``
in the manifest; both are accepted wherever an edition is asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REF = re.compile(r"^(?P<family>[a-z][a-z0-9]*)(?:-(?P<edition>\d{4}))?:(?P<clause>(?:A\.)?\d{1,2}(?:\.\d+)*)$", re.I)


@dataclass(frozen=True, order=True)
class ClauseRef:
    """A parsed clause reference; ``edition`` is None when only the family was named."""

    family: str
    edition: int | None
    clause: str

    @property
    def edition_id(self) -> str | None:
        return f"{self.family}-{self.edition}" if self.edition is not None else None

    def __str__(self) -> str:
        prefix = self.edition_id or self.family
        return f"{prefix}:{self.clause}"


def parse_ref(text: str) -> ClauseRef | None:
    """Parse ``family[-year]:clause``; None when the text is not in that form."""
    match = _REF.match(text.strip())
    if not match:
        return None
    clause = match["clause"]
    if clause[:2].lower() == "a.":
        clause = "A." + clause[2:]
    edition = match["edition"]
    return ClauseRef(match["family"].lower(), int(edition) if edition else None, clause)


def normalise_edition(text: str) -> str:
    """Map the ways people write an edition onto catalog ids.

    ``iso9001:2015``, ``ISO 9001:2015``, ``ISO/IEC 27001:2022`` and ``iso9001-2015``
    all become ``iso9001-2015``; a bare family (``iso9001``) stays as it is.
    """
    cleaned = text.strip().lower().replace("/iec", "").replace(" ", "").replace("_", "-")
    return re.sub(r"^([a-z][a-z0-9]*):(\d{4})$", r"\1-\2", cleaned)
