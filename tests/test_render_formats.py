"""Every ``check``/``gap`` output format, rendered from one small hand-built Result.

The Result has awkward messages (``%``, ``:``, ``,``, newlines, quotes,
``<&>``), two standards with covered/partial/missing/excluded clauses at leaf
and parent level, and an Annex A control, so each test checks what a user or a
CI system reading that format would notice.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pytest
from helpers import Cli, MakeWorkspace

from isoctl.model.result import ClauseCoverage, Finding, Result, RuleInfo, Severity, StandardCoverage, WorkspaceInfo
from isoctl.render import gap, github, gitlab, json_format, junit, sarif, text
from isoctl.rules import all_rules

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[")
AWKWARD = 'ACT-1 is 5% late: due 2026-01-01, owner "jsmith" <&>\nsee the log'


def rule(rule_id: str, severity: Severity, configured: Severity | Literal["off"] | None = None) -> RuleInfo:
    summary, doc = f"Summary of {rule_id}.", f"Docs for {rule_id}."
    category = all_rules()[rule_id].category
    return RuleInfo(rule_id, severity, configured or severity, summary, doc, category)


def make_result(findings: list[Finding] | None = None) -> Result:
    rules = {
        r.id: r
        for r in (
            rule("unmapped-clause", "error"),
            rule("partial-clause", "warning"),
            rule("missing-soa-entry", "error"),
            rule("overdue-action", "error"),
            rule("stale-document", "warning"),
            rule("pre-audit-scramble", "info"),
            rule("single-contributor", "info", "off"),
        )
    }
    if findings is None:
        findings = [
            Finding("overdue-action", "error", AWKWARD, "records/actions.yaml", 12, 3, "iso9001:10.2", "ACT-1"),
            Finding("stale-document", "warning", "POL-Q, reviewed: never", "docs/quality policy.md", 4, 1, None,
                    "POL-Q"),
            Finding("pre-audit-scramble", "info", "70% of changes in 3 weeks", "isoctl.yaml", 1, 1),
            Finding("unmapped-clause", "error", "iso9001:7.1.6 has no record", "isoctl.yaml", 5, 3, "iso9001:7.1.6"),
            Finding("partial-clause", "warning", "iso9001:8.5.1 is partial", "isoctl.yaml", 5, 3, "iso9001:8.5.1"),
            Finding("missing-soa-entry", "error", "iso27001:A.5.15 has no SoA row", "isoctl.yaml", 6, 3,
                    "iso27001:A.5.15"),
        ]
    q, s = "iso9001-2015", "iso27001-2022"
    clauses = [
        ClauseCoverage(q, "iso9001", "7", "Support", "partial", False, 1, None),
        ClauseCoverage(q, "iso9001", "7.1", "Resources", "partial", False, 2, "7"),
        ClauseCoverage(q, "iso9001", "7.1.1", "General", "covered", True, 3, "7.1", ["PRC-1"]),
        ClauseCoverage(q, "iso9001", "7.1.6", "Organizational knowledge", "missing", True, 3, "7.1", [],
                       ["no record addresses it"]),
        ClauseCoverage(q, "iso9001", "8.3", None, "excluded", True, 2, None, [], ["No design | development, ever"]),
        ClauseCoverage(q, "iso9001", "8.5.1", "Control of production", "partial", True, 3, "8.5", ["DOC-1", "DOC-2"],
                       ["only draft documents", 'evidence "stale", 2024']),
        ClauseCoverage(s, "iso27001", "6.1", "Actions to address risks", "covered", True, 2, None, ["RSK-1"]),
        ClauseCoverage(s, "iso27001", "A.5", "Organizational controls", "missing", False, 1, None),
        ClauseCoverage(s, "iso27001", "A.5.15", "Access control", "missing", True, 2, "A.5", [], ["no SoA row"]),
        ClauseCoverage(s, "iso27001", "A.5.16", "Identity management", "covered", True, 2, "A.5", ["CTL-16"]),
    ]
    coverage = [
        StandardCoverage(q, "ISO 9001:2015", clauses=4, covered=1, partial=1, missing=1, excluded=1),
        StandardCoverage(s, "ISO/IEC 27001:2022", clauses=3, covered=2, partial=0, missing=1, excluded=0),
    ]
    return Result("0.1.0", WorkspaceInfo(".", dt.date(2026, 11, 21)), 14, 9, coverage, clauses, findings, rules)


def moved(result: Result, by: int) -> Result:
    """The same findings, every one ``by`` lines further down its file."""
    shifted = [dataclasses.replace(f, line=f.line + by) for f in result.findings]
    return dataclasses.replace(result, findings=shifted)


# json


def test_json_is_the_design_document_and_byte_stable() -> None:
    result = make_result()
    out = json_format.render(result)
    assert out == json_format.render(make_result())
    assert out.endswith("}\n")
    data = json.loads(out)
    assert data["summary"] == {"error": 3, "warning": 2, "info": 1, "records": 14, "files": 9}
    assert data["findings"][0]["message"] == AWKWARD
    assert "<&>" in out  # not \u-escaped


# SARIF


def sarif_log(result: Result) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(sarif.render(result))
    return log


def test_sarif_validates_against_the_official_schema() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    log = sarif_log(make_result())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_sarif_locations_are_repo_relative_uris_against_srcroot() -> None:
    results = sarif_log(make_result())["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"docs/quality%20policy.md", "isoctl.yaml", "records/actions.yaml"}
    for r in results:
        location = r["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    overdue = next(r for r in results if r["ruleId"] == "overdue-action")
    assert overdue["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "startColumn": 3}
    assert overdue["properties"] == {"clause": "iso9001:10.2", "record": "ACT-1"}
    assert overdue["message"]["text"] == AWKWARD


def test_sarif_windows_style_paths_become_posix() -> None:
    result = make_result([Finding("stale-document", "warning", "old", ".\\docs\\a b#1.md", 2, 1)])
    uri = sarif_log(result)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "docs/a%20b%231.md"


def test_sarif_rules_levels_and_indexes() -> None:
    run = sarif_log(make_result())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "single-contributor" not in ids  # switched off in the manifest
    by_id = {r["id"]: r for r in rules}
    assert by_id["pre-audit-scramble"]["defaultConfiguration"]["level"] == "note"
    assert by_id["stale-document"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["overdue-action"]["shortDescription"]["text"] == "Summary of overdue-action."
    assert by_id["overdue-action"]["fullDescription"]["text"] == "Docs for overdue-action."
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["pre-audit-scramble"] == "note"
    assert levels["overdue-action"] == "error"
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]


def fingerprints_of(result: Result) -> dict[tuple[str, str], str]:
    return {
        (r["ruleId"], r["message"]["text"]): r["partialFingerprints"]["isoctl/v1"]
        for r in sarif_log(result)["runs"][0]["results"]
    }


def test_sarif_fingerprints_survive_moved_lines_and_tell_findings_apart() -> None:
    before = fingerprints_of(make_result())
    after = fingerprints_of(moved(make_result(), 7))
    assert before == after
    assert len(set(before.values())) == len(before)
    reworded = make_result()
    reworded.findings[0] = dataclasses.replace(reworded.findings[0], message="ACT-1 is late")
    assert fingerprints_of(reworded)[("overdue-action", "ACT-1 is late")] != before[("overdue-action", AWKWARD)]


# JUnit


def junit_root(result: Result) -> ET.Element:
    return ET.fromstring(junit.render(result, fail_on="warning").encode("utf-8"))


def test_junit_parses_and_counts_add_up() -> None:
    root = junit_root(make_result())
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("skipped", "-1")) == sum(c.find("skipped") is not None for c in cases)
        assert int(suite.get("errors", "-1")) == sum(c.find("error") is not None for c in cases)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    assert {key: int(root.get(key, "-1")) for key in totals} == totals
    assert totals == {"tests": 10, "failures": 5, "errors": 0, "skipped": 1}


def test_junit_one_case_per_leaf_clause_with_status() -> None:
    suites = {s.get("name"): s for s in junit_root(make_result()).findall("testsuite")}
    assert list(suites) == ["iso9001-2015", "iso27001-2022", "findings"]
    cases = {c.get("name"): c for c in suites["iso9001-2015"].findall("testcase")}
    assert set(cases) == {"7.1.1 General", "7.1.6 Organizational knowledge", "8.3 (untitled paragraph)",
                          "8.5.1 Control of production"}  # parents 7 and 7.1 are not test cases
    assert all(c.get("classname") == "iso9001-2015" for c in cases.values())
    assert list(cases["7.1.1 General"]) == []
    skipped = cases["8.3 (untitled paragraph)"].find("skipped")
    assert skipped is not None and skipped.get("message") == "excluded: No design | development, ever"
    missing = cases["7.1.6 Organizational knowledge"].find("failure")
    assert missing is not None and missing.get("type") == "unmapped-clause"
    assert missing.get("message") == "missing: no record addresses it"
    partial = cases["8.5.1 Control of production"].find("failure")
    assert partial is not None and partial.get("type") == "partial-clause"
    assert partial.get("message", "").startswith("partial: only draft documents")
    control = suites["iso27001-2022"].find("testcase[@name='A.5.15 Access control']/failure")
    assert control is not None and control.get("type") == "missing-soa-entry"


def test_junit_findings_suite_skips_coverage_rules_and_keeps_text_intact() -> None:
    suite = junit_root(make_result()).find("testsuite[@name='findings']")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"records/actions.yaml:12:3 overdue-action", "docs/quality policy.md:4:1 stale-document",
                          "isoctl.yaml:1:1 pre-audit-scramble"}
    failure = cases["records/actions.yaml:12:3 overdue-action"].find("failure")
    assert failure is not None and failure.get("message") == AWKWARD and failure.get("type") == "overdue-action"
    info = cases["isoctl.yaml:1:1 pre-audit-scramble"]
    assert info.find("failure") is None
    assert "70% of changes" in (info.findtext("system-out") or "")


def test_junit_survives_control_characters_and_respects_rules_switched_off() -> None:
    result = make_result([Finding("overdue-action", "error", "bell\x07 and esc\x1b", "a.yaml", 1, 1)])
    result.rules["partial-clause"] = rule("partial-clause", "warning", "off")
    root = junit_root(result)
    assert root.find(".//testcase[@name='a.yaml:1:1 overdue-action']/failure") is not None
    partial = root.find(".//testcase[@name='8.5.1 Control of production']")
    assert partial is not None and partial.find("failure") is None
    assert "partial" in (partial.findtext("system-out") or "")


# GitHub


def test_github_escapes_exactly_as_the_runner_expects() -> None:
    finding = Finding("overdue-action", "error", "50%\r\ndone: a,b", "dir,x/a:b.yaml", 3, 4)
    assert github.annotation(finding) == (
        "::error file=dir%2Cx/a%3Ab.yaml,line=3,col=4,title=overdue-action::50%25%0D%0Adone: a,b"
    )
    lines = github.render(make_result()).splitlines()
    assert lines[0].startswith("::error ")
    assert "::ACT-1 is 5%25 late: due 2026-01-01, owner \"jsmith\" <&>%0Asee the log" in "\n".join(lines)
    assert sum(line.startswith("::warning ") for line in lines) == 2
    assert sum(line.startswith("::notice ") for line in lines) == 1
    assert not lines[-1].startswith("::")
    assert lines[-1] == ("isoctl: 3 errors, 2 warnings, 1 info in 14 records (9 files); "
                         "readiness iso9001-2015 33%, iso27001-2022 67%")


def test_github_caps_annotations_most_severe_first_with_a_summary() -> None:
    findings = [Finding("pre-audit-scramble", "info", f"note {i}", "n.yaml", i + 1, 1) for i in range(30)]
    findings += [Finding("stale-document", "warning", f"warn {i}", "w.yaml", i + 1, 1) for i in range(3)]
    findings += [Finding("overdue-action", "error", f"err {i}", "e.yaml", i + 1, 1) for i in range(2)]
    lines = github.render(make_result(findings), limit=20).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert [c.split(" ", 1)[0] for c in commands[:5]] == ["::error"] * 2 + ["::warning"] * 3
    # GitHub shows only ten notices per step: nine findings, then the summary, which must stay visible.
    assert len(commands) == 15
    assert commands[-1] == ("::notice title=isoctl::21 more findings not shown as annotations "
                            "(0 errors, 0 warnings, 21 info); run isoctl check for the full list")
    lines = github.render(make_result(findings[30:] + findings[:4]), limit=6).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 6  # the summary counts within the limit
    assert commands[-1].startswith("::notice title=isoctl::4 more findings not shown as annotations "
                                   "(0 errors, 0 warnings, 4 info)")
    assert not lines[-1].startswith("::")
    assert len(github.render(make_result(findings), limit=100).splitlines()) == 36  # nothing cut, no notice


# GitLab


def test_gitlab_report_shape_and_unique_stable_fingerprints() -> None:
    twice = [Finding("stale-document", "warning", "same text", "a.yaml", line, 1) for line in (3, 9)]
    result = make_result([*make_result().findings, *twice])
    issues = json.loads(gitlab.render(result))
    prints = [i["fingerprint"] for i in issues]
    assert len(prints) == len(set(prints)) == 8
    assert all(re.fullmatch(r"[0-9a-f]{32}", p) for p in prints)
    assert [i["fingerprint"] for i in json.loads(gitlab.render(moved(result, 5)))] == prints
    overdue = next(i for i in issues if i["check_name"] == "overdue-action")
    assert overdue == {
        "description": AWKWARD,
        "check_name": "overdue-action",
        "fingerprint": overdue["fingerprint"],
        "severity": "major",
        "location": {"path": "records/actions.yaml", "lines": {"begin": 12}},
    }
    assert {i["severity"] for i in issues} == {"major", "minor", "info"}


# text


def test_text_groups_by_file_without_ansi() -> None:
    out = text.render(make_result())
    assert not ANSI.search(out)
    lines = out.splitlines()
    headers = [line for line in lines if line and not line.startswith(" ") and line.endswith((".yaml", ".md"))]
    assert headers == ["docs/quality policy.md", "isoctl.yaml", "records/actions.yaml"]
    start = lines.index("isoctl.yaml")
    block = lines[start + 1: lines.index("records/actions.yaml")]
    assert [line.split()[0] for line in block] == ["1:1", "5:3", "5:3", "6:3"]
    assert re.search(r"^  12:3\s+error\s+overdue-action\s+ACT-1 is 5% late", out, re.M)
    assert lines[-1] == "3 errors, 2 warnings, 1 info in 14 records (9 files)"
    assert re.search(r"^iso27001-2022\s+2\s+0\s+1\s+0\s+67% ", out, re.M)


def test_text_colour_only_when_asked_and_user_text_cannot_inject_escapes() -> None:
    result = make_result([Finding("overdue-action", "error", "evil \x1b[31mred", "a.yaml", 1, 1)])
    plain = text.render(result)
    assert not ANSI.search(plain)
    assert "evil \\x1b[31mred" in plain
    assert ANSI.search(text.render(result, color=True))


def test_text_folds_many_clause_findings_per_standard() -> None:
    findings = [
        Finding("missing-soa-entry", "error", f"A.8.{i} has no SoA row", "isoctl.yaml", 6, 3, f"iso27001:A.8.{i}")
        for i in range(1, 35)
    ]
    findings.append(Finding("unmapped-clause", "error", "7.1.6 has no record", "isoctl.yaml", 5, 3, "iso9001:7.1.6"))
    out = text.render(make_result(findings))
    assert "A.8.1, A.8.2, A.8.3, A.8.4, A.8.5 and 29 more — isoctl gap for the full matrix" in out
    assert "A.8.20 has no SoA row" not in out
    assert "7.1.6 has no record" in out  # one finding for iso9001 is still listed
    assert out.splitlines()[-1] == "35 errors, 0 warnings, 0 info in 14 records (9 files)"


def test_text_says_no_findings() -> None:
    assert text.render(make_result([])).splitlines()[-1] == "no findings in 14 records (9 files)"


# gap


def test_gap_csv_round_trips() -> None:
    out = gap.render(make_result(), "csv")
    assert "\r" not in out
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["standard", "clause", "title", "status", "records", "reasons"]
    assert len(rows) == 11
    by_clause = {row[1]: row for row in rows[1:]}
    assert by_clause["8.5.1"] == ["iso9001-2015", "8.5.1", "Control of production", "partial", "DOC-1; DOC-2",
                                  'only draft documents; evidence "stale", 2024']
    assert by_clause["8.3"][2] == "(untitled paragraph)"


@pytest.mark.parametrize("standard", ["iso27001", "iso27001-2022"])
def test_gap_json_filters_by_family_or_edition(standard: str) -> None:
    data = json.loads(gap.render(make_result(), "json", standard=standard))
    assert data["format"] == 1 and data["isoctl"] == "0.1.0"
    assert [c["clause"] for c in data["clauses"]] == ["6.1", "A.5", "A.5.15", "A.5.16"]
    assert set(data["clauses"][0]) == {"standard", "clause", "title", "status", "records", "reasons"}


def test_gap_markdown_tables_keep_their_columns() -> None:
    out = gap.render(make_result(), "md")
    assert out.count("\n## ") == 2
    assert "Readiness **33%**" in out and "Readiness **67%**" in out
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 2 * 2 + 10
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)[1:-1]
        assert len(cells) == 5, row
    assert "No design \\| development, ever" in out


def test_gap_text_indents_by_depth_and_colours_on_request() -> None:
    out = gap.render(make_result(), "text", standard="iso9001")
    assert not ANSI.search(out)
    assert "iso27001" not in out
    assert re.search(r"^    7\.1\.1\s+General\s+covered\s+PRC-1", out, re.M)
    assert re.search(r"^  7\.1\s+Resources", out, re.M)
    assert "(untitled paragraph)" in out
    assert ANSI.search(gap.render(make_result(), "text", color=True))


def test_the_text_matrix_lists_a_dozen_records_of_a_clause_and_counts_the_rest(cli: Cli,
                                                                              make_workspace: MakeWorkspace) -> None:
    # a clause that 40,000 records map printed 20 MB of ids on one row; the data formats keep them all
    risks = "".join(f"- {{id: RSK-{n:03d}, kind: risk, title: Risk {n}, owner: jsmith, clauses: [iso9001:6.1.1]}}\n"
                    for n in range(1, 31))
    root = make_workspace({"risks.yaml": risks})
    text = cli("gap", "--today", "2026-11-21", cwd=root).stdout
    words = " ".join(text.split())  # the records column wraps
    assert "RSK-011, RSK-012 and 18 more" in words and "RSK-013" not in words
    rows = list(csv.reader(io.StringIO(cli("gap", "-f", "csv", "--today", "2026-11-21", cwd=root).stdout)))
    listed = next(row for row in rows if row[1] == "6.1.1")[4]
    assert listed.split("; ") == [f"RSK-{n:03d}" for n in range(1, 31)]
