"""``isoctl soa --format html``: one self-contained page an auditor can open, search and print.

The page carries its CSS inline and fetches nothing (no fonts, scripts or
images), so it opens the same from an email attachment or an air-gapped
laptop, and prints on A4 landscape with the table header repeated on every
page, rows kept whole, and (in Chromium) the organization, the SoA's version
and page x of N in the margins. Everything from the workspace is autoescaped: a justification holding
``<script>`` shows as text, never runs.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from isoctl.analysis.soa import Soa
from isoctl.files.resources import data_dir
from isoctl.render.css import css_string

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE = "soa.html.j2"


@functools.cache
def environment() -> Environment:
    """The environment for isoctl's own report templates: autoescaped, strict about undefined names."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(data_dir("templates") / "report"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env


def render(soa: Soa) -> str:
    return environment().get_template(TEMPLATE).render(soa=soa)
