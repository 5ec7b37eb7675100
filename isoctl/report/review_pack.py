"""The management review's meeting pack: every input as gathered, objective charts, the outputs to decide.

Rendered from ``templates/review/pack.{md,html,typ}.j2`` in a sandboxed
jinja environment with the report's escaping (:mod:`isoctl.report.templates`:
HTML autoescaped, Markdown and Typst escaped as they print), and the
report's own SVG line charts for the objectives. PDF goes through Typst as
the audit pack does. The same preparation gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from isoctl import __version__
from isoctl.core.review_period import ObjectiveTrend
from isoctl.core.review_prepare import Preparation
from isoctl.render.typst_markup import compile_own
from isoctl.report import templates
from isoctl.report.svg import Point, line_chart

Flavour = Literal["html", "md", "typ"]

#: The outputs the meeting decides (9.3.3), with what each asks.
OUTPUTS = (
    ("Decisions", "Opportunities for improvement; is the system still suitable, adequate and effective, and in line "
                  "with the strategy?"),
    ("Changes", "Changes needed to the management system: policy, objectives, processes, documents."),
    ("Resources", "Resources needed: people, skills, budget, equipment, time."),
    ("Actions", "Who does what by when: each decision carried by an action (isoctl action new --source "
                "management-review)."),
)


@dataclass(frozen=True)
class Chart:
    """An objective's measurements against its target, drawn."""

    objective: ObjectiveTrend
    svg: str


def charts(prep: Preparation) -> tuple[Chart, ...]:
    """One chart per objective with measurements."""
    out = []
    for trend in prep.objectives:
        if not trend.points:
            continue
        points = [Point(day, value) for day, value in trend.points]
        unit = f" {trend.unit}" if trend.unit else ""
        label = f"{trend.id} {trend.title}: measurements against the target {trend.show(trend.target)}{unit}"
        out.append(Chart(trend, line_chart(points, label=label, target=trend.target, width=360, height=120)))
    return tuple(out)


def _environment(flavour: Flavour) -> Any:
    """The report's environment (escaping, filters) over the meeting pack's own templates in templates/review/."""
    return templates.environment(flavour, folder="review")


def source(prep: Preparation, flavour: Flavour) -> str:
    """The pack in one flavour (``typ`` is the Typst source of the PDF)."""
    template = _environment(flavour).get_template(f"pack.{flavour}.j2")
    return str(template.render(prep=prep, charts=charts(prep), outputs=OUTPUTS, version=__version__))


def render(prep: Preparation, fmt: str) -> str | bytes:
    """The pack as ``md`` or ``html`` text, or ``pdf`` bytes."""
    if fmt != "pdf":
        return source(prep, "html" if fmt == "html" else "md")
    return compile_own(source(prep, "typ"), "the PDF")  # the charts are inline: Typst's root is empty
