"""History rules on real repositories with dated commits: pre-audit-scramble, single-contributor, shallow clones."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from helpers import JANE, MANIFEST, Cli, GitRepo, MakeWorkspace

AUDITED = MANIFEST + "certification:\n  iso9001:\n    audits:\n      - {type: surveillance, date: 2026-03-09}\n"
AMIR = "Amir Khan <amir@example.com>"
MIA = "Mia Nowak <mia@example.com>"


def issue(n: int, text: str = "") -> dict[str, str]:
    return {f"context/ISS-{n}.yaml": f"id: ISS-{n}\nkind: issue\ntype: internal\ntitle: Issue {n} {text}\n"}


def build(tmp_path: Path, plan: list[tuple[dt.date, str, dict[str, str]]], manifest: str = AUDITED) -> GitRepo:
    """A repository whose commits follow ``plan``: (day, author, files) each, after one that adds the manifest."""
    repo = GitRepo.init(tmp_path / "qms")
    for day, who, files in [(dt.date(2025, 1, 5), AMIR, {"isoctl.yaml": manifest}), *plan]:
        repo.commit(f"update {day}", files=files, date=day, author=who)
    return repo


def findings(cli: Cli, root: Path, rule: str, today: str = "2026-11-21") -> list[str]:
    result = cli("check", "-f", "json", "--today", today, "--select", rule, cwd=root)
    assert result.exit_code == 0, result.stderr  # info findings do not fail the build
    return [f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in json.loads(result.stdout)["findings"]]


def test_scramble_before_an_audit_is_reported(cli: Cli, tmp_path: Path) -> None:
    quiet = [(dt.date(2025, 5 + i, 10), AMIR, issue(i)) for i in range(3)]
    rush = [(dt.date(2026, 2, 10) + dt.timedelta(days=2 * i), AMIR, issue(10 + i)) for i in range(12)]
    root = build(tmp_path, quiet + rush).root
    assert findings(cli, root, "pre-audit-scramble") == [
        "isoctl.yaml:10:9: 12 of 15 record changes (80%) in the year before the surveillance audit on 2026-03-09 "
        "were made in the 4 weeks before it (an even spread would put 8% there)"
    ]


def test_changes_spread_over_the_year_pass(cli: Cli, tmp_path: Path) -> None:
    spread = [(dt.date(2025, 3, 20) + dt.timedelta(days=25 * i), AMIR, issue(i)) for i in range(14)]
    assert findings(cli, build(tmp_path, spread).root, "pre-audit-scramble") == []


def test_the_scramble_window_follows_settings(cli: Cli, tmp_path: Path) -> None:
    rush = [(dt.date(2026, 1, 5) + dt.timedelta(days=3 * i), AMIR, issue(i)) for i in range(12)]
    manifest = AUDITED + "settings: {scramble_weeks: 10}\n"
    assert len(findings(cli, build(tmp_path, rush, manifest).root, "pre-audit-scramble")) == 1
    assert findings(cli, build(tmp_path / "b", rush).root, "pre-audit-scramble") == []  # the default 4 weeks miss January


def test_single_contributor(cli: Cli, tmp_path: Path) -> None:
    alone = [(dt.date(2026, 1, 1) + dt.timedelta(days=20 * i), AMIR, issue(i)) for i in range(12)]
    repo = build(tmp_path, alone)
    assert findings(cli, repo.root, "single-contributor") == [
        "isoctl.yaml:1:1: Amir Khan made 12 of the 12 record changes (100%) in the last year: the system rests on one person"
    ]
    repo.commit("update 2026-11-01", files=issue(50), date="2026-11-01", author=JANE)
    repo.commit("update 2026-11-02", files=issue(51), date="2026-11-02", author=MIA)
    assert findings(cli, repo.root, "single-contributor") == []  # 12 of 14 is under 90%


def test_shallow_clone_skips_history_rules_and_says_so(cli: Cli, tmp_path: Path) -> None:
    alone = [(dt.date(2026, 1, 1) + dt.timedelta(days=20 * i), AMIR, issue(i)) for i in range(12)]
    clone = build(tmp_path, alone).clone(tmp_path / "clone", depth=1).root
    result = cli("check", "-f", "json", "--today", "2026-11-21", "--select", "single-contributor", cwd=clone)
    assert json.loads(result.stdout)["findings"] == []
    assert "shallow clone" in result.stderr and "git fetch --unshallow" in result.stderr


def test_history_rules_need_git(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({})
    result = cli("check", str(root), "-f", "json", "--select", "single-contributor", "--select", "pre-audit-scramble")
    assert json.loads(result.stdout)["findings"] == [] and result.exit_code == 0
