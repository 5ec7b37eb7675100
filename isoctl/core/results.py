"""Whole results in the user cache, under the keys of :mod:`isoctl.core.keys`.

A cached result is checked twice: the cache itself refuses entries it did
not sign or that nest too deeply, and :func:`load` refuses a body whose shape
or field types are not those of a :class:`Result`. Either is a miss, and the
evaluation runs as if there were no cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from isoctl.files import cache
from isoctl.model.result import ClauseCoverage, Finding, Result, StandardCoverage, from_cache, to_cache

SECTION = "results"


def load(key: str | None) -> Result | None:
    """The result stored under ``key``, or None (absent, or not a well-formed result)."""
    if key is None:
        return None
    data = cache.read(SECTION, key)
    if not isinstance(data, dict):
        return None
    try:
        result = from_cache(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return result if _well_formed(result) else None


def store(key: str | None, result: Result) -> None:
    if key is not None:
        cache.write(SECTION, key, to_cache(result))


def _typed(value: Any, kinds: Mapping[str, type | tuple[type, ...]]) -> bool:
    return all(isinstance(getattr(value, name), kind) for name, kind in kinds.items())


_FINDING: dict[str, type | tuple[type, ...]] = {"rule": str, "severity": str, "message": str, "path": str, "line": int, "column": int,
            "clause": (str, type(None)), "record": (str, type(None))}
_CLAUSE: dict[str, type | tuple[type, ...]] = {"standard": str, "family": str, "clause": str, "status": str, "leaf": bool, "depth": int,
           "records": list, "reasons": list}
_STANDARD: dict[str, type | tuple[type, ...]] = {"standard": str, "title": str, "clauses": int, "covered": int, "partial": int, "missing": int,
             "excluded": int}


def _well_formed(result: Result) -> bool:
    return (
        isinstance(result.workspace.today, dt.date)
        and isinstance(result.records, int)
        and all(isinstance(f, Finding) and _typed(f, _FINDING) for f in result.findings)
        and all(isinstance(c, ClauseCoverage) and _typed(c, _CLAUSE) for c in result.clauses)
        and all(isinstance(s, StandardCoverage) and _typed(s, _STANDARD) for s in result.coverage)
        and all(isinstance(r, str) for c in result.clauses for r in c.records)
    )
