"""Machine and plain-text forms of actions: JSON and CSV for scripts, a field-by-field view for people.

Pure functions of the found actions and ``today``; byte-stable for the same
input (fixed key and column order, no colour, ``\\n`` line endings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from isoctl import __version__
from isoctl.actions.query import FoundAction, days_overdue
from isoctl.render import json_text
from isoctl.render.cells import csv_text
from isoctl.render.console import clean

CSV_COLUMNS = ("id", "title", "type", "severity", "source", "status", "owner", "raised_on", "raised_by", "due",
               "closed_on", "overdue", "days_overdue", "clauses", "path", "line")

#: The order ``action show`` lists fields in: what it is, where it stands, who and when, then the story.
SHOW_ORDER = ("status", "type", "severity", "source", "owner", "raised_on", "raised_by", "due", "closed_on", "clauses", "related",
              "description", "correction", "root_cause", "corrective_action", "verification", "evidence", "tags",
              "body")


def as_dict(found: FoundAction, today: dt.date) -> dict[str, Any]:
    """One action as JSON data: every field of the record, then where it is and whether it is late."""
    data = found.model.model_dump(mode="json")
    late = days_overdue(found.model, today)
    return {**data, "path": found.relative, "line": found.line, "overdue": late > 0, "days_overdue": late}


def to_json(actions: Sequence[FoundAction], today: dt.date) -> str:
    payload = {"isoctl": __version__, "format": 1, "today": today.isoformat(),
               "actions": [as_dict(a, today) for a in actions]}
    return json_text.dumps(payload) + "\n"


def show_json(found: FoundAction, today: dt.date) -> str:
    return json_text.dumps(as_dict(found, today)) + "\n"


def to_csv(actions: Sequence[FoundAction], today: dt.date) -> str:
    """One row per action; text a spreadsheet would run as a formula is neutralised (:mod:`isoctl.render.cells`)."""
    rows = []
    for found in actions:
        row = as_dict(found, today)
        row["clauses"] = " ".join(row["clauses"])
        row["overdue"] = "yes" if row["overdue"] else "no"
        rows.append(["" if row.get(c) is None else row[c] for c in CSV_COLUMNS])
    return csv_text([CSV_COLUMNS, *rows])


def _value(value: Any) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(v) if not isinstance(v, dict) else _inline(v) for v in value)
    if isinstance(value, dict):
        return _inline(value)
    return str(value)


def _inline(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {_value(v)}" for k, v in mapping.items() if v is not None)


def show_text(found: FoundAction, today: dt.date) -> str:
    """Every field of the action, one per line, with multi-line text indented under its label.

    It is printed on a terminal: record text is passed through
    :func:`~isoctl.render.console.clean`, so a control sequence in a field
    is shown escaped instead of acting on the terminal.
    """
    data = found.model.model_dump(mode="json")
    width = max(len(name) for name in SHOW_ORDER) + 2
    lines = [clean(f"{found.id}  {found.model.title}", one_line=True),
             clean(f"{'file:':<{width}}{found.relative}:{found.line}", one_line=True)]
    for name in SHOW_ORDER:
        value = data.get(name)
        if name == "body" and value is None:
            continue
        if name == "verification" and isinstance(value, dict):
            lines.append("verification:")
            lines += [clean(f"  {k + ':':<{width - 2}}{_value(v)}", one_line=True) for k, v in value.items()]
            continue
        text = clean(_value(value))
        if name == "status":
            late = days_overdue(found.model, today)
            text += f" (overdue by {late} day{'s' if late != 1 else ''}, due {found.model.due})" if late else ""
        first, *rest = text.rstrip("\n").split("\n") or [""]
        lines.append(f"{name + ':':<{width}}{first}".rstrip())
        lines += [(" " * width + line).rstrip() for line in rest]
    return "\n".join(lines) + "\n"
