"""JUnit failures are what fails the build: findings below ``--fail-on`` pass, existing ones are skipped.

For every ``--fail-on`` level the report's failure count equals the number of
findings at or above it, and is non-zero exactly when ``check`` exits 1; with
``--new-since`` the findings already there are skipped with the reason and
only new ones fail.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import MANIFEST, Cli, GitRepo, make_workspace

from isoctl.model.result import SEVERITIES, SEVERITY_RANK

TODAY = "2026-03-01"
ACTIONS = """\
- id: ACT-1
  kind: action
  type: improvement
  title: Faster picking
  owner: akhan
  raised_on: 2026-01-05
  due: 2026-02-01
  status: open
  clauses: [iso9001:10.3]
"""
GHOST = ACTIONS.replace("ACT-1", "ACT-2").replace("owner: akhan", "owner: ghost").replace("due: 2026-02-01", "due: 2026-12-01")
#: every error rule the workspace above triggers, lowered to a warning: a system being built, not yet failing
LOWERED = MANIFEST + "rules: {unmapped-clause: warning, overdue-action: warning, missing-management-review: warning}\n"


def junit(cli: Cli, root: Path, *args: str) -> tuple[ET.Element, int]:
    run = cli("check", "--today", TODAY, "-f", "junit", *args, cwd=root)
    assert run.exit_code in (0, 1), run.stderr
    return ET.fromstring(run.stdout), run.exit_code


def counts(cli: Cli, root: Path, *args: str) -> dict[str, int]:
    import json

    data = json.loads(cli("check", "--today", TODAY, "-f", "json", *args, cwd=root).stdout)
    return {severity: data["summary"][severity] for severity in SEVERITIES}


def totals_add_up(report: ET.Element) -> None:
    for key in ("tests", "failures", "skipped"):
        suites = sum(int(suite.get(key, "0")) for suite in report.findall("testsuite"))
        assert int(report.get(key, "-1")) == suites, key
    for suite in report.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("failures", "-1")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("skipped", "-1")) == sum(c.find("skipped") is not None for c in cases)


@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_failures_are_the_findings_at_or_above_fail_on(cli: Cli, tmp_path: Path, fail_on: str) -> None:
    root = make_workspace(tmp_path / "ws", {"actions/log.yaml": ACTIONS})
    found = counts(cli, root)
    assert found["error"] and found["warning"] and found["info"]
    report, code = junit(cli, root, "--fail-on", fail_on)
    totals_add_up(report)
    failing = sum(n for severity, n in found.items() if SEVERITY_RANK[severity] >= SEVERITY_RANK[fail_on])
    assert int(report.get("failures", "-1")) == failing
    assert code == 1
    passing = [c for c in report.iter("testcase") if "not failing: below --fail-on" in (c.findtext("system-out") or "")]
    assert len(passing) == sum(found.values()) - failing
    assert all(f"below --fail-on {fail_on}" in (c.findtext("system-out") or "") for c in passing)


@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_a_green_pipeline_shows_no_failed_tests(cli: Cli, tmp_path: Path, fail_on: str) -> None:
    root = make_workspace(tmp_path / "ws", {"actions/log.yaml": ACTIONS}, manifest=LOWERED)
    found = counts(cli, root)
    assert found["error"] == 0 and found["warning"] > 50
    report, code = junit(cli, root, "--fail-on", fail_on)
    failures = int(report.get("failures", "-1"))
    assert (failures > 0) == (code == 1)
    if fail_on == "error":
        assert (failures, code) == (0, 0)  # dozens of warnings, and still not one failed test on a green run
    else:
        assert failures == sum(n for s, n in found.items() if SEVERITY_RANK[s] >= SEVERITY_RANK[fail_on])


def test_a_clause_case_follows_its_finding_s_severity(cli: Cli, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", {"actions/log.yaml": ACTIONS}, manifest=LOWERED)
    report, _ = junit(cli, root)
    case = report.find("testsuite[@name='iso9001-2015']/testcase[@name='4.1 Understanding the organization and its context']")
    assert case is not None and case.find("failure") is None
    assert case.get("file") == "isoctl.yaml"
    assert "missing" in (case.findtext("system-out") or "") and "below --fail-on error" in (case.findtext("system-out") or "")
    report, _ = junit(cli, root, "--fail-on", "warning")
    failure = report.find("testsuite[@name='iso9001-2015']/testcase[@name='4.1 Understanding the organization and its context']/failure")
    assert failure is not None and failure.get("type") == "unmapped-clause"


@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_with_new_since_existing_findings_are_skipped_and_only_new_ones_fail(cli: Cli, tmp_path: Path, fail_on: str) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    make_workspace(repo.root, {"actions/log.yaml": ACTIONS})
    repo.commit("workspace", date="2026-01-15")
    repo.branch("feature")
    repo.commit("ghost owner", files={"actions/log.yaml": ACTIONS + GHOST}, date="2026-01-20")
    found = counts(cli, repo.root)

    report, code = junit(cli, repo.root, "--new-since", "main", "--fail-on", fail_on)
    totals_add_up(report)
    failures = [c for c in report.iter("testcase") if c.find("failure") is not None]
    assert [f.get("type") for c in failures if (f := c.find("failure")) is not None] == ["unknown-reference"]
    assert failures[0].get("file") == "actions/log.yaml"
    assert code == 1
    skipped = [c for c in report.iter("testcase") if c.find("skipped") is not None]
    reasons = {s.get("message") for c in skipped if (s := c.find("skipped")) is not None}
    sha = repo.sha("main")[:8]
    existing_failing = sum(n for s, n in found.items() if SEVERITY_RANK[s] >= SEVERITY_RANK[fail_on]) - 1
    assert reasons == {f"existing finding: already present at main ({sha})"}
    assert len(skipped) == existing_failing  # below --fail-on they pass instead
