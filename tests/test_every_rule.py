"""Every rule has a case: tests/data/every-rule holds something for each one to catch.

A new rule without a case there fails :func:`test_every_rule_fires_on_the_fixture`,
so the fixture, the rule list and the documentation cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from helpers import JANE, Cli, GitRepo

from isoctl.rules import all_rules

FIXTURE = REPO / "tests" / "data" / "every-rule"
TODAY = "2026-11-21"

#: The surveillance audit in the fixture's isoctl.yaml.
AUDIT = dt.date(2026, 6, 15)


def commit_before_the_audit(repo: GitRepo, files: list[str]) -> None:
    """Commit each file on its own, one a day, in the four weeks before the audit, all as Jane Smith."""
    for offset, relative in enumerate(files):
        day = AUDIT - dt.timedelta(days=25 - offset)
        assert day < AUDIT, "too many files for the four weeks before the audit"
        repo.git("add", "--", relative)
        repo.git("commit", "--quiet", "--message", f"Add {relative}", date=day, author=JANE)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The fixture, copied out of this checkout, committed the way a system kept for the auditor is.

    The manifest goes in a year before the audit; every other file follows in
    the four weeks before it (pre-audit-scramble, late-recording), all by one
    person (single-contributor, narrow-participation); the approved quality
    policy is edited two days before the audit (changed-after-approval), and
    nothing changes after it (silent-period, post-certification-slump).
    """
    root = tmp_path / "every-rule"
    shutil.copytree(FIXTURE, root)
    repo = GitRepo.init(root)
    repo.git("add", "--", "isoctl.yaml")
    repo.git("commit", "--quiet", "--message", "Start the management system", date=dt.date(2025, 7, 1), author=JANE)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    commit_before_the_audit(repo, [f for f in files if f != "isoctl.yaml"])
    policy = root / "documents" / "POL-QUALITY.md"  # changed-after-approval: edited, still the same approval
    policy.write_text(policy.read_text(encoding="utf-8") + "\nA sentence added after the approval.\n", encoding="utf-8")
    repo.git("commit", "--quiet", "--all", "--message", "Polish the quality policy", date=AUDIT - dt.timedelta(days=2),
             author=JANE)
    assert repo.git("status", "--porcelain") == ""
    return root


@pytest.fixture
def checked(cli: Cli, workspace: Path) -> dict[str, Any]:
    result = cli("check", "-f", "json", "--today", TODAY, cwd=workspace)
    assert result.exit_code == 1, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_every_rule_fires_on_the_fixture(checked: dict[str, Any]) -> None:
    fired = {finding["rule"] for finding in checked["findings"]}
    rules = set(all_rules())
    assert fired - rules == set(), "findings from rules isoctl does not list"
    assert rules - fired == set(), "rules with no case in tests/data/every-rule: add one"


def test_each_case_is_found_where_the_fixture_says(checked: dict[str, Any]) -> None:
    """Each hand-made case is caught on the record built for it, and nowhere else.

    The coverage rules are left out: with three standards in scope they find
    clauses by the dozen.
    """
    about: dict[str, set[tuple[str, str | None]]] = {}
    for finding in checked["findings"]:
        about.setdefault(finding["rule"], set()).add((finding["path"], finding["record"]))
    expected = {
        "parse-error": ("loading/broken.yaml", None),
        "schema-error": ("loading/typo.yaml", "ACT-TYPO"),
        "duplicate-id": ("loading/twins.yaml", "ISS-TWIN"),
        "unknown-reference": ("loading/references.yaml", "ISS-REFERENCES"),
        "unknown-clause": ("loading/references.yaml", "ISS-REFERENCES"),
        "path-outside-workspace": ("loading/references.yaml", "ISS-REFERENCES"),
        "closed-without-root-cause": ("actions/log.yaml", "ACT-01"),
        "closed-without-verification": ("actions/log.yaml", "ACT-01"),
        "overdue-action": ("actions/log.yaml", "ACT-02"),
        "rushed-closure": ("actions/log.yaml", "ACT-03"),
        "recurring-nonconformity": ("actions/log.yaml", "ACT-04"),
        "auditor-not-independent": ("audits/internal.yaml", "AUD-01"),
        "finding-without-action": ("audits/internal.yaml", "AUD-01"),
        "top-management-absent": ("reviews/MR-2024.yaml", "MR-2024"),
        "review-inputs-incomplete": ("reviews/MR-2024.yaml", "MR-2024"),
        "approver-not-authorised": ("documents/POL-QUALITY.md", "POL-QUALITY"),
        "unfinished-document": ("documents/POL-QUALITY.md", "POL-QUALITY"),
        "stale-document": ("documents/registers.yaml", "WI-OLD"),
        "stale-evidence": ("documents/registers.yaml", "REC-CALIBRATION"),
        "stale-record": ("registers/registers.yaml", "RSK-01"),
        "noncompliant-obligation": ("registers/registers.yaml", "OBL-01"),
        "weak-hazard-controls": ("registers/registers.yaml", "HAZ-01"),
        "future-evidence": ("registers/registers.yaml", "AST-CMM"),
        "expired-competence": ("people/competence.yaml", "CMP-QM-AUDIT"),
        "objective-not-measured": ("objectives/OBJ-SCRAP.yaml", "OBJ-SCRAP"),
        "unsupported-implementation": ("soa/annex-a.yaml", "SOA-5.1"),
        "duplicate-soa-row": ("soa/annex-a.yaml", "SOA-5.1-B"),
        "pre-audit-scramble": ("isoctl.yaml", None),
        "late-recording": ("isoctl.yaml", None),
        "narrow-participation": ("isoctl.yaml", None),
        "silent-period": ("isoctl.yaml", None),
        "post-certification-slump": ("isoctl.yaml", None),
        "static-objectives": ("objectives/OBJ-SCRAP.yaml", "OBJ-SCRAP"),
        "changed-after-approval": ("documents/POL-QUALITY.md", "POL-QUALITY"),
        "single-contributor": ("isoctl.yaml", None),
        "missing-management-review": ("isoctl.yaml", None),
        "climate-undetermined": ("isoctl.yaml", None),
        "unjustified-exclusion": ("isoctl.yaml", None),
        "superseded-edition": ("isoctl.yaml", None),
    }
    assert {rule_id: about.get(rule_id) for rule_id in expected} == {rule_id: {case} for rule_id, case in expected.items()}
