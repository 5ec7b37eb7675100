"""``isoctl soa --format pdf``: the SoA as the controlled document an auditor files, A4 landscape.

Rendered from ``templates/report/soa.typ.j2`` and compiled by the ``typst``
package (see :mod:`isoctl.render.typst_markup`): a cover block with the
document control (version, approver, approval date, the commit it was
rendered from) and the summary, then one table per Annex A theme, each a
bookmark, with its header repeated on every page. Every page carries the
organization and the SoA's version at its head and ``page x / N`` with the
commit at its foot. The same SoA always gives the same bytes.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from isoctl.analysis.soa import Soa
from isoctl.files.resources import data_dir
from isoctl.render.typst_markup import compile_own, typst_string, typst_text

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE = "soa.typ.j2"


@functools.cache
def environment() -> Environment:
    """Typst templates of isoctl: every printed value escaped as Typst markup, strict about undefined names."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(data_dir("templates") / "report"),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=typst_text,
    )
    env.filters["typst_string"] = typst_string
    return env


def source(soa: Soa) -> str:
    """The Typst source of the SoA."""
    return environment().get_template(TEMPLATE).render(soa=soa)


def render(soa: Soa) -> bytes:
    """The SoA as PDF bytes (deterministic for the same SoA)."""
    return compile_own(source(soa), "the SoA PDF")
