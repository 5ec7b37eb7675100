"""Rule categories: every rule says what it is about, and each output puts its findings where that belongs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers import Cli, MakeWorkspace

from isoctl.model.result import RuleInfo
from isoctl.rules import all_rules

TODAY = "2026-11-21"
ISO27001 = """\
isoctl: 1
organization: {name: Test Ltd}
standards: [iso27001:2022]
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
"""
#: Twelve SoA rows that exclude a control without saying why: more than text folds per standard.
SOA = "".join(f"- {{id: SOA-8.{n}, kind: control, title: Control 8.{n}, control: 'iso27001:A.8.{n}', applicable: false}}\n"
              for n in range(1, 13))
OVERDUE = "id: ACT-1\nkind: action\ntype: ofi\ntitle: Label the racks\nraised_on: 2026-01-05\ndue: 2026-03-01\n"

LOADING = {"parse-error", "schema-error", "path-outside-workspace", "duplicate-id", "unknown-reference", "unknown-clause"}
COVERAGE = {"unmapped-clause", "partial-clause", "missing-soa-entry", "unjustified-exclusion", "duplicate-soa-row"}
HISTORY = {"pre-audit-scramble", "single-contributor", "late-recording", "narrow-participation", "silent-period",
           "post-certification-slump", "static-objectives", "changed-after-approval"}


@pytest.fixture
def soa_workspace(make_workspace: MakeWorkspace) -> Path:
    return make_workspace({"soa.yaml": SOA}, manifest=ISO27001)


def test_every_rule_has_a_category_and_the_groups_are_the_documented_ones() -> None:
    categories = {rule.id: rule.category for rule in all_rules().values()}
    assert set(categories.values()) == {"loading", "coverage", "living", "history"}
    assert {r for r, c in categories.items() if c == "loading"} == LOADING
    assert {r for r, c in categories.items() if c == "coverage"} == COVERAGE
    assert {r for r, c in categories.items() if c == "history"} == HISTORY
    assert {"overdue-action", "stale-document", "missing-management-review"} <= {
        r for r, c in categories.items() if c == "living"}


def test_isoctl_rules_shows_the_category(cli: Cli) -> None:
    listed = cli("rules").stdout
    line = next(row for row in listed.splitlines() if row.startswith("unjustified-exclusion "))
    assert line.split()[1:3] == ["error", "coverage"]
    assert "categories: loading" in listed
    one = cli("rules", "single-contributor").stdout
    assert one.startswith("single-contributor (info, history)")
    data = json.loads(cli("rules", "-f", "json").stdout)
    assert {r["id"]: r["category"] for r in data} == {r.id: r.category for r in all_rules().values()}


def test_text_folds_clause_rows_but_lists_each_unjustified_exclusion(cli: Cli, soa_workspace: Path) -> None:
    out = cli("check", "--today", TODAY, cwd=soa_workspace).stdout
    assert "clauses not covered" in out and "isoctl gap for the full matrix" in out
    assert "missing-soa-entry" not in out and "unmapped-clause" not in out  # folded, not one row per clause
    listed = [row for row in out.splitlines() if "unjustified-exclusion" in row]
    assert len(listed) == 12  # where each SoA row is matters: they are not folded into the matrix
    assert listed[0].split()[0] == "1:91"


def test_junit_shows_clause_rows_as_clause_cases_and_exclusions_as_findings(cli: Cli, soa_workspace: Path) -> None:
    run = cli("check", "--today", TODAY, "-f", "junit", cwd=soa_workspace)
    suites = {s.get("name"): s for s in ET.fromstring(run.stdout).findall("testsuite")}
    types = [f.get("type") for f in suites["findings"].iter("failure")]
    assert types.count("unjustified-exclusion") == 12
    assert not {"unmapped-clause", "missing-soa-entry", "partial-clause"} & set(types)
    cases = {c.get("name", "").split()[0]: c for c in suites["iso27001-2022"].findall("testcase")}
    failure = cases["A.5.1"].find("failure")
    assert failure is not None and failure.get("type") == "missing-soa-entry"
    assert cases["A.8.1"].find("skipped") is not None


def test_report_lists_living_and_history_findings_and_counts_loading_problems(cli: Cli, make_workspace: MakeWorkspace
                                                                             ) -> None:
    root = make_workspace({"soa.yaml": SOA, "actions/a.yaml": OVERDUE, "broken.yaml": "status: [open\n"},
                          manifest=ISO27001)
    run = cli("report", "-f", "md", "--today", TODAY, "-o", "pack.md", cwd=root)
    assert run.exit_code == 0, run.stderr
    assert "warning: 1 file was not read in full (broken.yaml)" in run.stderr  # the parse error; not the exclusions
    living = (root / "pack.md").read_text(encoding="utf-8").split("## Living-system indicators", 1)[1].split("\n## ")[0]
    rules = {row.split("|")[2].strip() for row in living.splitlines() if row.startswith("| ") and "---" not in row}
    assert {"overdue-action", "missing-management-review"} <= rules
    assert not rules & (LOADING | COVERAGE)


def test_a_rule_description_without_a_known_category_does_not_load() -> None:
    """What lets a cached result from before categories be a cache miss rather than a wrong answer."""
    fields: dict[str, Any] = {"id": "overdue-action", "default_severity": "error", "severity": "error", "summary": "s", "doc": "d"}
    with pytest.raises(TypeError):
        RuleInfo(**fields)
    with pytest.raises(ValueError):
        RuleInfo(**fields | {"category": "misc"})
    assert RuleInfo(**fields, category="living").category == "living"
