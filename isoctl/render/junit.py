"""``check --format junit``: JUnit XML for CI test-report views (GitLab, Jenkins, Azure).

CI systems already know how to show "tests": a count, the failures, and a diff
against the previous run. So each standard becomes a test suite with one test
case per requirement-bearing (leaf) clause, which passes when the clause is
covered and is skipped when it is validly excluded, and the remaining findings
(everything but the finding that reports a clause's status, which is that
clause's test case) form one more suite. A clause whose
coverage rule is switched off (or lowered to info) in the manifest passes with
its status in ``system-out``, the same way an info finding does, so the report
agrees with the exit code.

Attributes are written in a fixed order and characters XML 1.0 cannot hold are
dropped, so the output always parses and is byte-stable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from isoctl.model.result import ClauseCoverage, Finding, Result
from isoctl.render.gap import restates_matrix, title_of
from isoctl.rules.coverage import reporting_rule

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


def _enabled(result: Result, rule: str) -> bool:
    info = result.rules.get(rule)
    return info is None or info.severity in ("error", "warning")


def _clause_case(result: Result, clause: ClauseCoverage) -> ET.Element:
    case = _element("testcase", (("classname", clause.standard), ("name", f"{clause.clause} {title_of(clause)}")))
    detail = "\n".join(
        [f"{clause.family}:{clause.clause}: {clause.status}"]
        + [f"reason: {r}" for r in clause.reasons]
        + [f"record: {r}" for r in clause.records]
    )
    rule = reporting_rule(clause)
    if clause.status == "excluded":
        reasons = "; ".join(clause.reasons)
        case.append(_element("skipped", [("message", f"excluded: {reasons}" if reasons else "excluded")]))
    elif rule is not None and _enabled(result, rule):
        message = clause.status + (": " + "; ".join(clause.reasons) if clause.reasons else "")
        case.append(_element("failure", (("message", message), ("type", rule)), detail))
    elif rule is not None:
        case.append(_element("system-out", text=detail))
    return case


def _finding_case(finding: Finding) -> ET.Element:
    name = f"{finding.path}:{finding.line}:{finding.column} {finding.rule}"
    case = _element("testcase", (("classname", finding.path), ("name", name)))
    detail = "\n".join(
        [f"{finding.severity}: {finding.message}"]
        + [f"{key}: {value}" for key, value in (("clause", finding.clause), ("record", finding.record)) if value]
    )
    if finding.severity == "info":
        case.append(_element("system-out", text=detail))
    else:
        case.append(_element("failure", (("message", finding.message), ("type", finding.rule)), detail))
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


def render(result: Result) -> str:
    """The JUnit XML document: one suite per standard, then the ``findings`` suite."""
    suites = []
    for coverage in result.coverage:
        leaves = [c for c in result.clauses if c.standard == coverage.standard and c.leaf]
        suites.append(_suite(coverage.standard, [_clause_case(result, c) for c in leaves]))
    restates = restates_matrix(result)
    other = sorted((f for f in result.findings if not restates(f)), key=Finding.sort_key)
    suites.append(_suite("findings", [_finding_case(f) for f in other]))
    totals = {key: sum(int(s.get(key, "0")) for s in suites) for key in ("tests", "failures", "errors", "skipped")}
    root = _element("testsuites", [("name", "isoctl"), *((k, str(v)) for k, v in totals.items())])
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
