"""The audit pack as Markdown, for a pull request, a wiki or a merge-request comment.

Rendered from ``templates/report/report.md.j2`` (or a consultant's own,
sandboxed). Every printed value is made safe for a table cell (HTML and
pipes escaped, one line), since GitHub, GitLab and most wikis render inline
HTML. Charts are left out: the readiness series is given as numbers.
"""

from __future__ import annotations

from pathlib import Path

from isoctl.report import templates
from isoctl.report.data import Report


def render(report: Report, template_dir: Path | None = None) -> str:
    return templates.render("md", template_dir, report=report)
