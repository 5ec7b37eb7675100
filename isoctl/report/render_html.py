"""The audit pack as one self-contained HTML file: inline CSS and SVG, nothing fetched, prints on A4.

Rendered from ``templates/report/report.html.j2`` (or a consultant's own,
sandboxed) with autoescaping: text from the workspace can never become
markup. Charts are the report's own SVG, inlined.
"""

from __future__ import annotations

from pathlib import Path

from isoctl.report import templates
from isoctl.report.data import Report


def render(report: Report, template_dir: Path | None = None) -> str:
    return templates.render("html", template_dir, report=report)
