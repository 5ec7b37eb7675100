"""isoctl: compliance-as-code for ISO management systems.

The package is a library first; the command line in :mod:`isoctl.cli` is a
thin layer over it. The public API (see docs/api.md)::

    import isoctl

    result = isoctl.evaluate("path/to/workspace", today="2026-11-21")
    for finding in result.findings:
        print(finding.path, finding.line, finding.rule, finding.message)
    print(isoctl.render_as(result, "sarif"))

Names are imported on first use, so ``import isoctl`` (and ``isoctl
--version``) stays instant. (``isoctl.render`` and ``isoctl.rules`` are the
subpackages; the functions are ``render_as`` and ``all_rules``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from isoctl.core.changes import diff
    from isoctl.core.evaluate import Evaluation, evaluate, open_evaluation
    from isoctl.errors import IsoctlError
    from isoctl.model.result import ClauseCoverage, Finding, Result, StandardCoverage
    from isoctl.render import render as render_as
    from isoctl.rules import all_rules
    from isoctl.scaffold.workspace import scaffold
    from isoctl.workspace.load import Workspace, load_workspace

_LAZY = {
    "evaluate": ("isoctl.core.evaluate", "evaluate"),
    "open_evaluation": ("isoctl.core.evaluate", "open_evaluation"),
    "Evaluation": ("isoctl.core.evaluate", "Evaluation"),
    "diff": ("isoctl.core.changes", "diff"),
    "Result": ("isoctl.model.result", "Result"),
    "Finding": ("isoctl.model.result", "Finding"),
    "ClauseCoverage": ("isoctl.model.result", "ClauseCoverage"),
    "StandardCoverage": ("isoctl.model.result", "StandardCoverage"),
    "render_as": ("isoctl.render", "render"),
    "all_rules": ("isoctl.rules", "all_rules"),
    "load_workspace": ("isoctl.workspace.load", "load_workspace"),
    "Workspace": ("isoctl.workspace.load", "Workspace"),
    "scaffold": ("isoctl.scaffold.workspace", "scaffold"),
    "IsoctlError": ("isoctl.errors", "IsoctlError"),
}

__all__ = [
    "ClauseCoverage",
    "Evaluation",
    "Finding",
    "IsoctlError",
    "Result",
    "StandardCoverage",
    "Workspace",
    "__version__",
    "all_rules",
    "diff",
    "evaluate",
    "load_workspace",
    "open_evaluation",
    "render_as",
    "scaffold",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'isoctl' has no attribute {name!r}") from None
    from importlib import import_module

    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value
