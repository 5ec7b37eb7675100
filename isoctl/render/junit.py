"""``check --format junit``: JUnit XML for CI test-report views (GitLab, Jenkins, Azure).

CI systems already know how to show "tests": a count, the failures, and a diff
against the previous run. So each standard becomes a test suite with one test
case per requirement-bearing (leaf) clause, which passes when the clause is
covered and is skipped when it is validly excluded, and the remaining findings
(everything but the finding that reports a clause's status, which is that
clause's test case) form one more suite.

Failures are exactly what fails the build, so a green pipeline never shows
failed tests: a finding below ``--fail-on`` (``fail_on``) is a passing test
case with the finding in ``system-out``, as is a clause whose coverage rule is
switched off; when ``check`` gates on change (``--new-since``, ``--baseline``)
a finding that was already there is ``skipped``, with the reason, and only new
ones fail. Each finding's test case names its file in a ``file`` attribute,
relative to the git repository root (``prefix`` is the workspace's path in its
repository), which is where GitLab and Jenkins look for it.

Attributes are written in a fixed order and characters XML 1.0 cannot hold are
dropped, so the output always parses and is byte-stable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TYPE_CHECKING

from isoctl.model.result import SEVERITY_RANK, ClauseCoverage, Finding, Result, Severity
from isoctl.render.gap import restates_matrix, title_of
from isoctl.rules.coverage import reporting_rule

if TYPE_CHECKING:
    from isoctl.core.baseline import Comparison, State

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _element(tag: str, attributes: Iterable[tuple[str, str]] = (), text: str | None = None) -> ET.Element:
    element = ET.Element(tag)
    for key, value in attributes:
        element.set(key, _xml(value))
    if text is not None:
        element.text = _xml(text)
    return element


class _Gate:
    """Decides what a finding's test case is: a failure, a pass below ``--fail-on``, or skipped as existing."""

    def __init__(self, fail_on: Severity, prefix: str, baseline: Comparison | None) -> None:
        self.fail_on = fail_on
        self.prefix = prefix
        self.baseline = baseline

    def outcome(self, case: ET.Element, finding: Finding, state: State | None, message: str, detail: str) -> None:
        """Append the failure, skipped or system-out element ``finding`` calls for to ``case``."""
        if SEVERITY_RANK[finding.severity] < SEVERITY_RANK[self.fail_on]:
            case.append(_element("system-out", text=f"{detail}\nnot failing: below --fail-on {self.fail_on}"))
        elif state == "unchanged" and self.baseline is not None:
            reason = f"existing finding: already present at {self.baseline.label}"
            case.append(_element("skipped", [("message", reason)]))
            case.append(_element("system-out", text=detail))
        else:
            case.append(_element("failure", (("message", message), ("type", finding.rule)), detail))


def _clause_case(clause: ClauseCoverage, found: tuple[Finding, State | None] | None, gate: _Gate) -> ET.Element:
    attributes = [("classname", clause.standard), ("name", f"{clause.clause} {title_of(clause)}")]
    if found is not None:
        attributes.append(("file", gate.prefix + found[0].path))
    case = _element("testcase", attributes)
    detail = "\n".join(
        [f"{clause.family}:{clause.clause}: {clause.status}"]
        + [f"reason: {r}" for r in clause.reasons]
        + [f"record: {r}" for r in clause.records]
    )
    if clause.status == "excluded":
        reasons = "; ".join(clause.reasons)
        case.append(_element("skipped", [("message", f"excluded: {reasons}" if reasons else "excluded")]))
    elif found is not None:
        message = clause.status + (": " + "; ".join(clause.reasons) if clause.reasons else "")
        gate.outcome(case, found[0], found[1], message, detail)
    elif reporting_rule(clause) is not None:  # its rule is off, or not selected: nothing to fail on
        case.append(_element("system-out", text=detail))
    return case


def _finding_case(finding: Finding, state: State | None, gate: _Gate) -> ET.Element:
    name = f"{finding.path}:{finding.line}:{finding.column} {finding.rule}"
    case = _element("testcase", (("classname", finding.path), ("name", name), ("file", gate.prefix + finding.path)))
    detail = "\n".join(
        [f"{finding.severity}: {finding.message}"]
        + [f"{key}: {value}" for key, value in (("clause", finding.clause), ("record", finding.record)) if value]
    )
    gate.outcome(case, finding, state, finding.message, detail)
    return case


def _suite(name: str, cases: list[ET.Element]) -> ET.Element:
    failures = sum(case.find("failure") is not None for case in cases)
    skipped = sum(case.find("skipped") is not None for case in cases)
    suite = _element(
        "testsuite",
        (("name", name), ("tests", str(len(cases))), ("failures", str(failures)), ("errors", "0"),
         ("skipped", str(skipped))),
    )
    suite.extend(cases)
    return suite


def render(result: Result, *, fail_on: Severity = "error", prefix: str = "", baseline: Comparison | None = None) -> str:
    """The JUnit XML document: one suite per standard, then the ``findings`` suite.

    ``fail_on`` is ``check``'s ``--fail-on``; with ``baseline`` only new findings fail.
    """
    gate = _Gate(fail_on, prefix, baseline)
    marked: list[tuple[Finding, State | None]] = (
        [(f, None) for f in result.findings] if baseline is None else list(baseline.marked))
    restates = restates_matrix(result)
    by_clause: dict[tuple[str, str], tuple[Finding, State | None]] = {}
    for finding, state in marked:
        if restates(finding) and finding.clause is not None:
            by_clause.setdefault((finding.rule, finding.clause), (finding, state))
    suites = []
    for coverage in result.coverage:
        leaves = [c for c in result.clauses if c.standard == coverage.standard and c.leaf]
        cases = []
        for clause in leaves:
            rule = reporting_rule(clause)
            found = by_clause.get((rule, clause.ref)) if rule is not None else None
            cases.append(_clause_case(clause, found, gate))
        suites.append(_suite(coverage.standard, cases))
    other = sorted(((f, s) for f, s in marked if not restates(f)), key=lambda pair: pair[0].sort_key())
    suites.append(_suite("findings", [_finding_case(f, s, gate) for f, s in other]))
    totals = {key: sum(int(s.get(key, "0")) for s in suites) for key in ("tests", "failures", "errors", "skipped")}
    root = _element("testsuites", [("name", "isoctl"), *((k, str(v)) for k, v in totals.items())])
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
