"""A paper system's two years in git: every rule that reads the history has something to say about it."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import Cli
from paper_year import TODAY, paper_year

HISTORY_RULES = ["pre-audit-scramble", "single-contributor", "late-recording", "narrow-participation",
                 "silent-period", "post-certification-slump", "static-objectives", "changed-after-approval"]


def test_every_history_rule_speaks_about_a_paper_year(cli: Cli, tmp_path: Path) -> None:
    repo = paper_year(tmp_path / "paper-works")
    result = cli("check", "-f", "json", "--today", TODAY, *[a for r in HISTORY_RULES for a in ("--select", r)],
                 cwd=repo.root)
    assert result.exit_code == 0, result.stderr  # warnings and notes: the build fails on errors only
    found: dict[str, list[str]] = {}
    for finding in json.loads(result.stdout)["findings"]:
        found.setdefault(finding["rule"], []).append(finding["message"])
    assert sorted(found) == sorted(HISTORY_RULES)
    assert found["single-contributor"] == [
        "Quinn Manager made all 8 record changes of the last year; had a second person shared them evenly, each "
        "would have made 50%, and so one-sided a split happens by chance about 1 time in 128: the system rests on "
        "one person"]  # commits from home count as Quinn's, through git: in isoctl.yaml
    assert [m.split(";")[0] for m in found["silent-period"]] == [
        "no record changed from 2025-03-20 to 2026-02-11 (329 days) while the iso9001 certificate was valid",
        "no record has changed since 2026-03-05 (261 days to today) while the iso9001 certificate was valid",
    ]
    assert found["post-certification-slump"][0].startswith(
        "8 record changes in the year after the certification audit of 2025-03-10, against 27 in the year before it")
    assert found["late-recording"][0].startswith("6 of the 6 events of the last year were committed more than 14 days")
    assert "5 were entered in one commit" in found["late-recording"][0]
    assert found["static-objectives"][0].startswith("OBJ-OTD: target 98 % by 2025-06-30 unchanged since 2024-11-01")
    assert found["changed-after-approval"][0].startswith(
        "POL-QUALITY changed in a commit after its approval on 2024-10-20, still version 2 approved by Dana Director")
