"""The paper-iso example: a certified system nobody has maintained since the consultant left.

Its records are valid, so every problem isoctl reports is about how the system
is (not) being run; at the README date the living-system rules must show it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from helpers import Cli

TODAY = "2026-11-21"

#: Findings that mean the files themselves are wrong, not the system they describe.
DATA_ERRORS = {"parse-error", "schema-error", "unknown-reference", "unknown-clause", "duplicate-id"}

#: Rules that tell a maintained management system from one kept for the auditor.
LIVING_SYSTEM = {
    "overdue-action",
    "closed-without-root-cause",
    "closed-without-verification",
    "finding-without-action",
    "stale-document",
    "missing-management-review",
    "review-inputs-incomplete",
    "top-management-absent",
    "audit-programme-gap",
    "auditor-not-independent",
    "objective-not-measured",
    "expired-competence",
    "climate-undetermined",
    "stale-record",
    "noncompliant-obligation",
    "stale-evidence",
    "future-evidence",
    "unfinished-document",
    "approver-not-authorised",
    "rushed-closure",
    "recurring-nonconformity",
}

#: Rules against decay that have nothing to catch in an ISO 9001-only machine shop.
NOT_FOR_A_MACHINE_SHOP = {"weak-hazard-controls", "unsupported-implementation"}


@pytest.fixture
def paper_iso(tmp_path: Path) -> Path:
    """A copy outside the repository, so the result does not depend on this checkout."""
    target = tmp_path / "paper-iso"
    shutil.copytree(REPO / "examples" / "paper-iso", target)
    return target


@pytest.fixture
def checked(cli: Cli, paper_iso: Path) -> dict[str, Any]:
    result = cli("check", "--today", TODAY, "--format", "json", cwd=paper_iso)
    assert result.exit_code == 1, "a decayed system must fail the check"
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _by_rule(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for finding in data["findings"]:
        grouped.setdefault(finding["rule"], []).append(finding)
    return grouped


def test_paper_iso_records_are_valid(checked: dict[str, Any]) -> None:
    problems = [f"{f['path']}:{f['line']}: {f['rule']}: {f['message']}" for f in checked["findings"] if f["rule"] in DATA_ERRORS]
    assert problems == []
    assert 25 <= checked["summary"]["records"] <= 80


def test_paper_iso_decay_shows_in_the_living_system_rules(checked: dict[str, Any], paper_iso: Path) -> None:
    by_rule = _by_rule(checked)
    fired = LIVING_SYSTEM & set(by_rule)
    assert fired == LIVING_SYSTEM, f"silent: {sorted(LIVING_SYSTEM - fired)}"
    assert not NOT_FOR_A_MACHINE_SHOP & set(by_rule)
    for rule_id in fired:
        for finding in by_rule[rule_id]:
            assert finding["message"].strip(), rule_id
            assert (paper_iso / finding["path"]).is_file(), f"{rule_id} points at {finding['path']}"
            assert finding["line"] >= 1 and finding["column"] >= 1, rule_id


def test_paper_iso_findings_name_the_records_behind_the_story(checked: dict[str, Any]) -> None:
    """The decay the README describes is what a user reads in the findings."""
    by_rule = _by_rule(checked)
    about = {rule_id: {f["record"] for f in found} for rule_id, found in by_rule.items()}
    assert {"ACT-024", "ACT-026", "ACT-028"} <= about.get("overdue-action", set())
    assert "ACT-021" in about.get("closed-without-root-cause", set())
    assert {"ACT-021", "ACT-023"} <= about.get("closed-without-verification", set())
    assert "MAN-QUALITY" in about.get("stale-document", set())
    assert "CMP-RKAUR-CAL" in about.get("expired-competence", set())
    coverage = {c["standard"]: c for c in checked["coverage"]}["iso9001-2015"]
    assert coverage["missing"] >= 1 and coverage["partial"] > coverage["covered"]


def test_paper_iso_shows_the_slower_decay(checked: dict[str, Any]) -> None:
    """Registers nobody reviews, unmet obligations, old or mistyped evidence, a policy never finished, a fix that did not hold."""
    by_rule = _by_rule(checked)
    about = {rule_id: {f["record"] for f in found} for rule_id, found in by_rule.items()}
    assert {"RSK-01", "RSK-02", "OPP-01", "SUP-MIDLAND-BAR", "SUP-ARDEN-FINISHING", "SUP-SEVERN-METROLOGY",
            "OBL-SUBSTANCES", "OBL-LAYOUT"} <= about["stale-record"]
    assert about["noncompliant-obligation"] == {"OBL-LAYOUT"}
    assert {"AST-GAUGES", "REC-QUALITY-RECORDS"} <= about["stale-evidence"]
    assert about["future-evidence"] == {"AST-CMM-01"}
    assert about["unfinished-document"] == {"POL-QUALITY"}
    assert about["approver-not-authorised"] == {"POL-QUALITY"}
    assert about["rushed-closure"] == {"ACT-027"}
    assert about["recurring-nonconformity"] == {"ACT-029"}
    recurring = by_rule["recurring-nonconformity"][0]["message"]
    assert "ACT-027" in recurring and "iso9001:7.1.5" in recurring
    # ACT-017 was verified three months after closing: a real check is not rushed.
    assert "ACT-017" not in about["rushed-closure"]
