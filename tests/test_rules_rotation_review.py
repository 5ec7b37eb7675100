"""auditor-rotation and rubber-stamp-review: how the audits and reviews of a system are lived, on real workspaces.

``auditor-rotation`` counts cycles of ``audit_cycle_days`` from the first
internal audit held and reports one auditor on one area in
``rotation_cycles`` consecutive ones; ``rubber-stamp-review`` reports a
review with no outputs, or one whose inputs and outputs are 90% or more the
words of the review held before it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace

TODAY = "2026-11-21"

PROCESS = "- {id: PRC-WAREHOUSE, kind: process, title: Warehouse, owner: jsmith, clauses: [iso9001:8.5]}\n"


def check(cli: Cli, root: Path, *rules: str) -> list[dict[str, Any]]:
    """``isoctl check -f json --select RULE`` as a user runs it: the findings of those rules."""
    selected = [arg for rule_id in rules for arg in ("--select", rule_id)]
    result = cli("check", str(root), "-f", "json", "--today", TODAY, *selected)
    assert result.exit_code in (0, 1), result.stderr
    found: list[dict[str, Any]] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] in rules]
    return found


def lines(cli: Cli, root: Path, rule_id: str) -> set[str]:
    """The findings of one rule as a user reads them: ``path:line:col: message``."""
    return {f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in check(cli, root, rule_id)}


def audit(record_id: str, date: str, auditor: str | None, scope: str = "[PRC-WAREHOUSE]", *,
          status: str = "done", kind: str = "internal") -> str:
    who = f"  auditor: {auditor}\n" if auditor is not None else ""
    return (f"- id: {record_id}\n  kind: audit\n  title: Audit\n  type: {kind}\n  status: {status}\n"
            f"  date: {date}\n{who}  scope: {scope}\n")


def manifest(**settings: int) -> str:
    return MANIFEST + ("settings: {" + ", ".join(f"{k}: {v}" for k, v in settings.items()) + "}\n" if settings else "")


# auditor-rotation ---------------------------------------------------------------------------------------------------


def test_one_auditor_on_one_process_in_two_cycles_is_reported_at_the_latest_audit(
        cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"processes.yaml": PROCESS,
                           "audits.yaml": audit("AUD-2022", "2022-06-14", "akhan") + audit("AUD-2025", "2025-06-17", "akhan")})
    assert lines(cli, root, "auditor-rotation") == {
        "audits.yaml:15:12: AUD-2025: auditor akhan has audited PRC-WAREHOUSE in 2 consecutive audit cycles of 1095 days "
        "(audit_cycle_days; rotation_cycles: 2): AUD-2022 (2022-06-14), AUD-2025 (2025-06-17)"}
    found = check(cli, root, "auditor-rotation")
    assert [(f["severity"], f["record"]) for f in found] == [("info", "AUD-2025")]


def test_another_auditor_in_the_next_cycle_passes(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"processes.yaml": PROCESS,
                           "audits.yaml": audit("AUD-2022", "2022-06-14", "akhan") + audit("AUD-2025", "2025-06-17", "jsmith")})
    assert lines(cli, root, "auditor-rotation") == set()


@pytest.mark.parametrize(("gap_days", "reported"), [(364, False), (365, True)])
def test_a_cycle_is_audit_cycle_days_from_the_first_audit(
        cli: Cli, make_workspace: MakeWorkspace, gap_days: int, reported: bool) -> None:
    """Two audits 364 days apart fall in one 365-day cycle; 365 days apart, in two consecutive ones."""
    second = (dt.date(2025, 1, 1) + dt.timedelta(days=gap_days)).isoformat()
    root = make_workspace({"processes.yaml": PROCESS,
                           "audits.yaml": audit("AUD-A", "2025-01-01", "akhan") + audit("AUD-B", second, "akhan")},
                          manifest=manifest(audit_cycle_days=365))
    assert len(lines(cli, root, "auditor-rotation")) == (1 if reported else 0)


@pytest.mark.parametrize(("cycles", "reported"), [(2, False), (3, True)])
def test_rotation_cycles_is_the_run_that_is_reported(
        cli: Cli, make_workspace: MakeWorkspace, cycles: int, reported: bool) -> None:
    """With ``rotation_cycles: 3`` two consecutive cycles pass and three are reported, once, at the third."""
    dates = ["2024-03-05", "2025-03-10", "2026-03-16"][:cycles]
    audits = "".join(audit(f"AUD-{d[:4]}", d, "akhan") for d in dates)
    root = make_workspace({"processes.yaml": PROCESS, "audits.yaml": audits},
                          manifest=manifest(audit_cycle_days=365, rotation_cycles=3))
    expected = {"audits.yaml:23:12: AUD-2026: auditor akhan has audited PRC-WAREHOUSE in 3 consecutive audit cycles "
                "of 365 days (audit_cycle_days; rotation_cycles: 3): AUD-2024 (2024-03-05), AUD-2025 (2025-03-10), "
                "AUD-2026 (2026-03-16)"}
    assert lines(cli, root, "auditor-rotation") == (expected if reported else set())


def test_a_longer_run_is_reported_once_at_its_end(cli: Cli, make_workspace: MakeWorkspace) -> None:
    audits = "".join(audit(f"AUD-{year}", f"{year}-03-05", "akhan") for year in (2023, 2024, 2025, 2026))
    root = make_workspace({"processes.yaml": PROCESS, "audits.yaml": audits}, manifest=manifest(audit_cycle_days=365))
    found = check(cli, root, "auditor-rotation")
    assert [f["record"] for f in found] == ["AUD-2026"]
    assert "in 4 consecutive audit cycles" in found[0]["message"]


def test_the_same_cycle_twice_or_a_cycle_between_passes(cli: Cli, make_workspace: MakeWorkspace) -> None:
    """Twice in one cycle is a follow-up, not a habit; someone else in between is rotation."""
    twice = audit("AUD-1", "2025-01-14", "akhan") + audit("AUD-2", "2025-11-11", "akhan")
    between = (audit("AUD-1", "2024-01-16", "akhan") + audit("AUD-2", "2025-01-20", "jsmith")
               + audit("AUD-3", "2026-01-26", "akhan"))
    for audits in (twice, between):
        root = make_workspace({"processes.yaml": PROCESS, "audits.yaml": audits}, manifest=manifest(audit_cycle_days=365))
        assert lines(cli, root, "auditor-rotation") == set()


def test_only_internal_audits_held_by_today_count(cli: Cli, make_workspace: MakeWorkspace) -> None:
    audits = (audit("AUD-1", "2025-01-14", "akhan")
              + audit("AUD-2", "2026-01-13", "akhan", status="planned")
              + audit("AUD-3", "2026-12-01", "akhan")
              + audit("EXT-1", "2026-01-20", "akhan", kind="surveillance")
              + audit("AUD-4", "2026-02-10", None))
    root = make_workspace({"processes.yaml": PROCESS, "audits.yaml": audits}, manifest=manifest(audit_cycle_days=365))
    assert lines(cli, root, "auditor-rotation") == set()


def test_a_clause_covers_its_sub_clauses_and_names_are_compared_loosely(cli: Cli, make_workspace: MakeWorkspace) -> None:
    """``hs:9`` one year and ``iso9001:9.2`` the next share 9.2; "Martin Shaw" is "martin  shaw"."""
    audits = (audit("AUD-1", "2025-01-14", "Martin Shaw", "[hs:9]")
              + audit("AUD-2", "2026-01-20", "martin  shaw", "[iso9001:9.2, iso9001:7.5]"))
    root = make_workspace({"audits.yaml": audits}, manifest=manifest(audit_cycle_days=365))
    assert lines(cli, root, "auditor-rotation") == {
        "audits.yaml:15:12: AUD-2: auditor martin  shaw has audited iso9001:9.2 in 2 consecutive audit cycles of "
        "365 days (audit_cycle_days; rotation_cycles: 2): AUD-1 (2025-01-14), AUD-2 (2026-01-20)"}
    # the other way round, the broad entry is named by the part of it that was audited before
    audits = (audit("AUD-1", "2025-01-14", "akhan", "[iso9001:9.2]") + audit("AUD-2", "2026-01-20", "akhan", "[hs:9]"))
    root = make_workspace({"audits.yaml": audits}, manifest=manifest(audit_cycle_days=365))
    assert [f["message"].split(" in 2 ")[0] for f in check(cli, root, "auditor-rotation")] == [
        "AUD-2: auditor akhan has audited iso9001:9.2"]


# rubber-stamp-review ------------------------------------------------------------------------------------------------

WORDS = [f"w{n}" for n in range(99)]  # with the input's key, 100 words


def review(record_id: str, date: str, *, inputs: str = "monitoring_results: OTD 96%", outputs: str | None = None,
           actions: str | None = "[ACT-1]") -> str:
    return (f"id: {record_id}\nkind: review\ntitle: Management review\ndate: {date}\nattendees: [jsmith, akhan]\n"
            f"inputs: {{{inputs}}}\n" + (f"outputs: {outputs}\n" if outputs is not None else "")
            + (f"actions: {actions}\n" if actions is not None else ""))


def test_a_review_with_no_outputs_or_actions_is_reported(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"reviews/MR-2026.yaml": review("MR-2026", "2026-05-20", outputs="{decisions: []}", actions=None),
                           "reviews/MR-2025.yaml": review("MR-2025", "2025-05-20", inputs="objectives: met",
                                                          actions=None)})
    assert lines(cli, root, "rubber-stamp-review") == {
        "reviews/MR-2026.yaml:7:1: MR-2026 (2026-05-20) is a rubber stamp: no decisions, changes, resources, "
        "improvements or actions among its outputs",
        "reviews/MR-2025.yaml:4:1: MR-2025 (2025-05-20) is a rubber stamp: no decisions, changes, resources, "
        "improvements or actions among its outputs"}
    assert [f["severity"] for f in check(cli, root, "rubber-stamp-review")] == ["warning", "warning"]


@pytest.mark.parametrize("outputs, actions", [
    ("{decisions: [Second shift for returns]}", None),
    ("{changes: [Returns moved to hall B]}", None),
    ("{resources: [One more forklift]}", None),
    ("{improvements: [Barcode scanning at goods-in]}", None),
    (None, "[ACT-0231]"),
])
def test_any_output_or_action_passes(cli: Cli, make_workspace: MakeWorkspace, outputs: str | None, actions: str | None) -> None:
    root = make_workspace({"MR.yaml": review("MR-2026", "2026-05-20", outputs=outputs, actions=actions)})
    assert lines(cli, root, "rubber-stamp-review") == set()


@pytest.mark.parametrize(("changed", "reported"), [(10, True), (11, False)])
def test_a_copy_of_the_previous_review_is_ninety_percent_the_same_words(
        cli: Cli, make_workspace: MakeWorkspace, changed: int, reported: bool) -> None:
    """100 words with 10 changed are 90% alike (a copy); with 11 changed, 89% (not)."""
    later = [f"new{n}" if n < changed else word for n, word in enumerate(WORDS)]
    root = make_workspace({
        "MR-2025.yaml": review("MR-2025", "2025-05-20", inputs=f"monitoring_results: {' '.join(WORDS)}"),
        "MR-2026.yaml": review("MR-2026", "2026-05-20", inputs=f"monitoring_results: {' '.join(later)}"),
    })
    expected = {"MR-2026.yaml:4:1: MR-2026 (2026-05-20) is a rubber stamp: its inputs and outputs are 90% the same "
                "text as MR-2025's (held 2025-05-20)"}
    assert lines(cli, root, "rubber-stamp-review") == (expected if reported else set())


def test_whitespace_and_case_do_not_hide_a_copy_and_both_problems_are_named(
        cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({
        "MR-2025.yaml": review("MR-2025", "2025-05-20", inputs="objectives: 'All  met;  OTD 96%'",
                               outputs="{decisions: [No changes needed]}"),
        "MR-2026.yaml": review("MR-2026", "2026-05-20", inputs="objectives: 'ALL met; OTD 96%'",
                               outputs="{decisions: [' No  changes needed']}", actions="[]"),
    })
    assert lines(cli, root, "rubber-stamp-review") == {
        "MR-2026.yaml:7:1: MR-2026 (2026-05-20) is a rubber stamp: its inputs and outputs are 100% the same text as "
        "MR-2025's (held 2025-05-20)"}
    # an empty review after an empty-output one: both reasons, once
    root = make_workspace({
        "MR-2025.yaml": review("MR-2025", "2025-05-20", inputs="objectives: 'All met'", actions="[ACT-1]"),
        "MR-2026.yaml": review("MR-2026", "2026-05-20", inputs="objectives: 'All met'", outputs="{}", actions="[]"),
    })
    assert lines(cli, root, "rubber-stamp-review") == {
        "MR-2026.yaml:7:1: MR-2026 (2026-05-20) is a rubber stamp: no decisions, changes, resources, improvements or "
        "actions among its outputs; its inputs and outputs are 100% the same text as MR-2025's (held 2025-05-20)"}


def test_only_the_previous_review_held_is_compared(cli: Cli, make_workspace: MakeWorkspace) -> None:
    """MR-2026 copies MR-2024, but MR-2025 came between; a review dated after today is not held yet."""
    same = "objectives: 'All met; OTD 96%; scrap 1.8%'"
    root = make_workspace({
        "MR-2024.yaml": review("MR-2024", "2024-05-20", inputs=same),
        "MR-2025.yaml": review("MR-2025", "2025-05-20", inputs="objectives: 'OTD fell to 91% after the move'"),
        "MR-2026.yaml": review("MR-2026", "2026-05-20", inputs=same),
        "MR-2027.yaml": review("MR-2027", "2026-12-01", inputs=same),
    })
    assert lines(cli, root, "rubber-stamp-review") == set()


# both: configuration, output ----------------------------------------------------------------------------------------

ROTATION_AND_STAMP = {
    "processes.yaml": PROCESS,
    "audits.yaml": audit("AUD-2025", "2025-01-14", "akhan") + audit("AUD-2026", "2026-01-20", "akhan"),
    "MR.yaml": review("MR-2026", "2026-05-20", actions=None),
}
SELECTED = ("--select", "auditor-rotation", "--select", "rubber-stamp-review")


@pytest.mark.parametrize(("overrides", "expected"), [
    ("", {"auditor-rotation": "info", "rubber-stamp-review": "warning"}),
    ("rules: {auditor-rotation: warning, rubber-stamp-review: error}\n",
     {"auditor-rotation": "warning", "rubber-stamp-review": "error"}),
    ("rules: {auditor-rotation: 'off', rubber-stamp-review: 'off'}\n", {}),
])
def test_severity_is_overridden_in_the_manifest(
        cli: Cli, make_workspace: MakeWorkspace, overrides: str, expected: dict[str, str]) -> None:
    root = make_workspace(ROTATION_AND_STAMP, manifest=manifest(audit_cycle_days=365) + overrides)
    result = cli("check", str(root), "-f", "json", "--today", TODAY, *SELECTED)
    data = json.loads(result.stdout)
    ours = {f["rule"]: f["severity"] for f in data["findings"] if f["rule"] in ("auditor-rotation", "rubber-stamp-review")}
    assert ours == expected
    assert result.exit_code == (1 if "error" in expected.values() else 0), result.stderr


def test_findings_are_counted_in_json_and_annotated_on_github(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(ROTATION_AND_STAMP, manifest=manifest(audit_cycle_days=365))
    data = json.loads(cli("check", str(root), "-f", "json", "--today", TODAY, *SELECTED).stdout)
    assert {k: data["summary"][k] for k in ("error", "warning", "info")} == {"error": 0, "warning": 1, "info": 1}
    github = cli("check", str(root), "-f", "github", "--today", TODAY, *SELECTED).stdout
    assert "::notice file=audits.yaml,line=15,col=12,title=auditor-rotation::AUD-2026: auditor akhan has audited" in github
    assert "::warning file=MR.yaml,line=4,col=1,title=rubber-stamp-review::MR-2026 (2026-05-20) is a rubber stamp" in github


@pytest.mark.parametrize("value", [1, 21])
def test_rotation_cycles_is_bounded(cli: Cli, make_workspace: MakeWorkspace, value: int) -> None:
    root = make_workspace({}, manifest=manifest(rotation_cycles=value))
    found = [f for f in json.loads(cli("check", str(root), "-f", "json", "--today", TODAY).stdout)["findings"]
             if f["rule"] == "schema-error"]
    assert found and all(f["path"] == "isoctl.yaml" for f in found)
    assert any("rotation_cycles" in f["message"] for f in found)
