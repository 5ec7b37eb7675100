"""``migrate --format json``: the migration report for programs, byte-stable like ``check --format json``."""

from __future__ import annotations

from isoctl import __version__
from isoctl.actions.migrate.report import Migration
from isoctl.render import json_text


def render(migration: Migration) -> str:
    """The JSON document: ``{"isoctl", "format": 1, "migration": {...}}``; identical input gives identical bytes."""
    return json_text.dumps({"isoctl": __version__, "format": 1, "migration": migration.as_dict()}) + "\n"
