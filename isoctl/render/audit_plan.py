"""``isoctl audit plan`` as text, Markdown and JSON: the audits of the programme, its areas and its balance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from isoctl.core.audit_plan import Programme
from isoctl.render import json_text
from isoctl.render.console import clean


def _period(programme: Programme) -> str:
    return f"{programme.start.isoformat()} to {last_day(programme).isoformat()}"


def last_day(programme: Programme) -> dt.date:
    return programme.end - dt.timedelta(days=1)


def _visits(programme: Programme) -> dict[str, list[str]]:
    """Per area, the audits that visit it, in date order."""
    out: dict[str, list[str]] = {a.key: [] for a in programme.areas}
    for audit in programme.audits:
        for area in audit.areas:
            out[area.key].append(audit.id)
    return out


def as_dict(programme: Programme, version: str, today: str) -> dict[str, Any]:
    """The programme as plain data (the JSON output; the other formats show the same facts)."""
    visits = _visits(programme)
    return {
        "isoctl": version,
        "format": 1,
        "today": today,
        "programme": {
            "start": programme.start.isoformat(),
            "end": last_day(programme).isoformat(),
            "audit_cycle_days": programme.cycle_days,
            "auditors": programme.auditors,
            "owner": programme.owner,
        },
        "audits": [
            {"id": a.id, "date": a.date.isoformat(), "quarter": a.quarter + 1, "auditor": a.auditor,
             "status": "existing" if a.existing else "new", "scope": a.scope, "areas": [x.key for x in a.areas]}
            for a in programme.audits
        ],
        "areas": [
            {"area": a.key, "kind": a.kind, "title": a.title, "owners": sorted(a.owners), "score": a.score,
             "reasons": a.reasons, "per_cycle": programme.frequency[a.key],
             "last_audited": a.last_audited.isoformat() if a.last_audited else None, "audits": visits[a.key]}
            for a in programme.areas
        ],
        "load": {"auditors": programme.load_per_auditor(), "quarters": programme.load_per_quarter()},
        "notes": programme.notes,
    }


def render_json(programme: Programme, version: str, today: str) -> str:
    return json_text.dumps(as_dict(programme, version, today)) + "\n"


def _scope(entries: list[str], limit: int | None) -> str:
    if limit is None or len(entries) <= limit:
        return ", ".join(entries)
    return ", ".join(entries[:limit]) + f" and {len(entries) - limit} more"


def render_text(programme: Programme) -> str:
    """One line per audit (the scope shortened), then the loads and the areas audited more than once a cycle."""
    lines = [f"Internal audit programme {_period(programme)}: {len(programme.audits)} audits "
             f"({len(programme.new)} new), {len(programme.areas)} areas, audit_cycle_days {programme.cycle_days}"]
    rows = [("ID", "DATE", "Q", "AUDITOR", "SCOPE")]
    for audit in programme.audits:
        mark = "" if not audit.existing else " (planned already)"
        rows.append((audit.id + mark, audit.date.isoformat(), str(audit.quarter + 1), audit.auditor,
                     _scope(audit.scope, 6)))
    widths = [max(len(clean(r[i], one_line=True)) for r in rows) for i in range(4)]
    for row in rows:
        cells = [clean(c, one_line=True) for c in row]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells[:4], widths, strict=True)) + "  " + cells[4])
    lines.append("")
    lines.append("load per auditor (area visits): " + ", ".join(f"{k} {v}" for k, v in programme.load_per_auditor().items()))
    lines.append("load per quarter (area visits): " + " ".join(str(n) for n in programme.load_per_quarter()))
    often = [a for a in programme.areas if programme.frequency[a.key] > 1]
    if often:
        lines.append("")
        lines.append("audited more than once a cycle:")
        for area in often:
            lines.append(f"  {area.key} x{programme.frequency[area.key]}: {'; '.join(area.reasons)}")
    for note in programme.notes:
        lines.append(f"note: {note}")
    return clean("\n".join(lines)) + "\n"


def _cell(value: str) -> str:
    import html

    return html.escape(value, quote=False).replace("|", "\\|").replace("\n", " ")


def render_md(programme: Programme) -> str:
    """The programme as Markdown: audits, loads, and every area with its frequency and reasons."""
    out = [f"# Internal audit programme {_period(programme)}", "",
           f"{len(programme.audits)} audits ({len(programme.new)} new) over {len(programme.areas)} areas; every area "
           f"at least once within audit_cycle_days ({programme.cycle_days}).", "",
           "| Audit | Date | Quarter | Auditor | Scope |", "|---|---|---|---|---|"]
    for audit in programme.audits:
        name = audit.id + (" (planned already)" if audit.existing else "")
        out.append(f"| {_cell(name)} | {audit.date.isoformat()} | Q{audit.quarter + 1} | {_cell(audit.auditor)} | "
                   f"{_cell(', '.join(audit.scope))} |")
    out += ["", "## Balance", "", "| Auditor | Area visits |", "|---|---|"]
    out += [f"| {_cell(k)} | {v} |" for k, v in programme.load_per_auditor().items()]
    out += ["", "| Quarter | Starts | Area visits |", "|---|---|---|"]
    out += [f"| Q{q + 1} | {programme.quarter_start(q).isoformat()} | {n} |"
            for q, n in enumerate(programme.load_per_quarter())]
    visits = _visits(programme)
    out += ["", "## Areas", "", "| Area | Per cycle | Last audited | Owners | Why | Audits |", "|---|---|---|---|---|---|"]
    for area in programme.areas:
        out.append(f"| {_cell(area.title if area.kind != 'process' else f'{area.key} {area.title}')} | "
                   f"{programme.frequency[area.key]} | {area.last_audited.isoformat() if area.last_audited else '-'} | "
                   f"{_cell(', '.join(sorted(area.owners)) or '-')} | {_cell('; '.join(area.reasons) or '-')} | "
                   f"{', '.join(visits[area.key])} |")
    if programme.notes:
        out += [""] + [f"> {_cell(n)}" for n in programme.notes]
    return "\n".join(out) + "\n"
