"""History rules on real repositories with dated commits: pre-audit-scramble, single-contributor, shallow clones."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from conftest import MANIFEST, write_tree

AUDITED = MANIFEST + "certification:\n  iso9001:\n    audits:\n      - {type: surveillance, date: 2026-03-09}\n"


def commit(root: Path, day: dt.date, who: str, files: dict[str, str]) -> None:
    write_tree(root, files)
    email = f"{who.split()[0].lower()}@example.com"
    env = {**os.environ, "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": who,
           "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": f"{day}T10:00:00+00:00", "GIT_COMMITTER_DATE": f"{day}T10:00:00+00:00"}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", f"update {day}"], cwd=root, check=True, env=env)


def issue(n: int, text: str = "") -> dict[str, str]:
    return {f"context/ISS-{n}.yaml": f"id: ISS-{n}\nkind: issue\ntype: internal\ntitle: Issue {n} {text}\n"}


def build(tmp_path: Path, plan: list[tuple[dt.date, str, dict[str, str]]], manifest: str = AUDITED) -> Path:
    root = tmp_path / "qms"
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    commit(root, dt.date(2025, 1, 5), "Amir Khan", {"isoctl.yaml": manifest})
    for day, who, files in plan:
        commit(root, day, who, files)
    return root


def findings(cli, root: Path, rule: str, today: str = "2026-11-21") -> list[str]:  # type: ignore[no-untyped-def]
    result = cli("check", "-f", "json", "--today", today, "--select", rule, cwd=root)
    assert result.exit_code == 0, result.stderr  # info findings do not fail the build
    return [f"{f['path']}:{f['line']}:{f['column']}: {f['message']}" for f in json.loads(result.stdout)["findings"]]


def test_scramble_before_an_audit_is_reported(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    quiet = [(dt.date(2025, 5 + i, 10), "Amir Khan", issue(i)) for i in range(3)]
    rush = [(dt.date(2026, 2, 10) + dt.timedelta(days=2 * i), "Amir Khan", issue(10 + i)) for i in range(12)]
    root = build(tmp_path, quiet + rush)
    assert findings(cli, root, "pre-audit-scramble") == [
        "isoctl.yaml:10:9: 12 of 15 record changes (80%) in the year before the surveillance audit on 2026-03-09 "
        "were made in the 4 weeks before it (an even spread would put 8% there)"
    ]


def test_changes_spread_over_the_year_pass(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spread = [(dt.date(2025, 3, 20) + dt.timedelta(days=25 * i), "Amir Khan", issue(i)) for i in range(14)]
    assert findings(cli, build(tmp_path, spread), "pre-audit-scramble") == []


def test_the_scramble_window_follows_settings(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rush = [(dt.date(2026, 1, 5) + dt.timedelta(days=3 * i), "Amir Khan", issue(i)) for i in range(12)]
    manifest = AUDITED + "settings: {scramble_weeks: 10}\n"
    assert len(findings(cli, build(tmp_path, rush, manifest), "pre-audit-scramble")) == 1
    assert findings(cli, build(tmp_path / "b", rush), "pre-audit-scramble") == []  # the default 4 weeks miss January


def test_single_contributor(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alone = [(dt.date(2026, 1, 1) + dt.timedelta(days=20 * i), "Amir Khan", issue(i)) for i in range(12)]
    root = build(tmp_path, alone)
    assert findings(cli, root, "single-contributor") == [
        "isoctl.yaml:1:1: Amir Khan made 12 of the 12 record changes (100%) in the last year: the system rests on one person"
    ]
    commit(root, dt.date(2026, 11, 1), "Jane Smith", issue(50))
    commit(root, dt.date(2026, 11, 2), "Mia Nowak", issue(51))
    assert findings(cli, root, "single-contributor") == []  # 12 of 14 is under 90%


def test_shallow_clone_skips_history_rules_and_says_so(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alone = [(dt.date(2026, 1, 1) + dt.timedelta(days=20 * i), "Amir Khan", issue(i)) for i in range(12)]
    root = build(tmp_path, alone)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True)
    result = cli("check", "-f", "json", "--today", "2026-11-21", "--select", "single-contributor", cwd=clone)
    assert json.loads(result.stdout)["findings"] == []
    assert "shallow clone" in result.stderr and "git fetch --unshallow" in result.stderr


def test_history_rules_need_git(cli, make_workspace) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace({})
    result = cli("check", str(root), "-f", "json", "--select", "single-contributor", "--select", "pre-audit-scramble")
    assert json.loads(result.stdout)["findings"] == [] and result.exit_code == 0
