"""``isoctl history``: a year of dated commits, renames, deletions, a merge and a shallow clone."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import JANE, Cli, GitRepo, MakeWorkspace, make_workspace

AMIR = "Amir Khan <amir@example.com>"


def action(n: int, raised: str, status: str = "open", due: str = "2026-12-31", closed: str | None = None) -> str:
    text = (f"id: ACT-{n}\nkind: action\ntype: improvement\ntitle: Action {n}\nraised_on: {raised}\n"
            f"status: {status}\ndue: {due}\n")
    return text + (f"closed_on: {closed}\n" if closed else "")


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year of activity: monthly actions, a rename, a deletion and a merged branch."""
    repo = GitRepo.init(tmp_path_factory.mktemp("history") / "qms", author=AMIR)
    make_workspace(repo.root)
    repo.commit("Start", date=dt.date(2025, 12, 1))
    for month in range(1, 7):
        files = {f"actions/ACT-{month}.yaml": action(month, f"2026-{month:02d}-01", due=f"2026-{month:02d}-28")}
        if month >= 3:  # close the one raised two months earlier
            n = month - 2
            files[f"actions/ACT-{n}.yaml"] = action(n, f"2026-{n:02d}-01", "closed", closed=f"2026-{month:02d}-10")
        repo.commit(f"Actions for month {month}", files=files, date=dt.date(2026, month, 15), author=JANE if month % 2 else None)
    repo.rename("actions/ACT-1.yaml", "actions/2026-ACT-1.yaml")
    repo.commit("Rename a file", date=dt.date(2026, 7, 2))
    repo.remove("actions/ACT-2.yaml")
    repo.commit("Delete a record", date=dt.date(2026, 7, 3))
    repo.branch("audit")
    repo.commit("Context on a branch", files={"context/ISS-1.yaml": "id: ISS-1\nkind: issue\ntype: internal\ntitle: Staff turnover\n"},
                date=dt.date(2026, 7, 20))
    repo.checkout("main")
    repo.merge("audit", "Merge the audit branch", date=dt.date(2026, 8, 1))
    return repo.root


def timeline(cli: Cli, root: Path, *args: str) -> list[dict[str, Any]]:
    result = cli("history", "-f", "json", *args, cwd=root)
    assert result.exit_code == 0, result.stderr
    points: list[dict[str, Any]] = json.loads(result.stdout)["points"]
    return points


def test_monthly_points_follow_the_first_parent_line(cli: Cli, year: Path) -> None:
    points = timeline(cli, year)
    assert [p["date"] for p in points] == ["2025-12-01", "2026-01-15", "2026-02-15", "2026-03-15", "2026-04-15",
                                           "2026-05-15", "2026-06-15", "2026-07-03", "2026-08-01"]
    by_date = {p["date"]: p for p in points}
    assert by_date["2026-02-15"]["records"] == 2 and by_date["2026-02-15"]["actions_open"] == 2
    assert by_date["2026-02-15"]["actions_overdue"] == 1  # ACT-1 was due 2026-01-28
    assert by_date["2026-06-15"]["mean_days_to_close"] == 69.0  # ACT-1 and 2 took 68 days, ACT-3 and 4 took 70
    assert by_date["2026-07-03"]["records"] == 5  # renamed file kept, deleted record gone
    assert by_date["2026-08-01"]["records"] == 6  # the merge brought the issue in
    assert by_date["2026-08-01"]["subject"] == "Merge the audit branch"
    assert by_date["2026-01-15"]["contributors"] == ["Jane Smith"]


def test_every_commit_and_period_filters(cli: Cli, year: Path) -> None:
    assert len(timeline(cli, year, "--every", "commit")) == 10
    points = timeline(cli, year, "--every", "commit", "--since", "2026-07-01", "--until", "2026-07-31")
    assert [p["subject"] for p in points] == ["Rename a file", "Delete a record"]
    assert len(timeline(cli, year, "--every", "week", "--since", "2026-01-01", "--until", "2026-03-31")) == 3


def test_csv_and_text(cli: Cli, year: Path) -> None:
    csv_text = cli("history", "-f", "csv", cwd=year).stdout
    header, *rows = csv_text.splitlines()
    assert header.startswith("date,commit,author,readiness iso9001-2015,actions open,actions overdue")
    assert len(rows) == 9
    text = cli("history", cwd=year).stdout
    assert "9 points, every month, 2025-12-01 to 2026-08-01" in text and "9001" in text


def test_warm_cache_gives_the_same_timeline(cli: Cli, year: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    cold = cli("history", "-f", "json", "--every", "commit", cwd=year).stdout
    assert list((tmp_path / "cache").rglob("*.json"))
    assert cli("history", "-f", "json", "--every", "commit", cwd=year).stdout == cold
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json", encoding="utf-8")  # a damaged cache is rebuilt, not trusted
    assert cli("history", "-f", "json", "--every", "commit", cwd=year).stdout == cold


def test_shallow_clone_is_labelled_or_refused(cli: Cli, year: Path, tmp_path: Path) -> None:
    clone = GitRepo(year).clone(tmp_path / "shallow", depth=2).root
    result = cli("history", "-f", "json", cwd=clone)
    assert result.exit_code == 0 and json.loads(result.stdout)["shallow"] is True
    assert "shallow clone" in result.stderr and "git fetch --unshallow" in result.stderr
    assert "partial: shallow clone" in cli("history", cwd=clone).stdout
    strict = cli("history", "--strict-history", cwd=clone)
    assert strict.exit_code == 2 and "git fetch --unshallow" in strict.stderr


def test_no_git_processes_are_left_behind(year: Path, tmp_path: Path) -> None:
    import sys

    code = ("import os, subprocess, sys; from isoctl.cli import main; sys.argv = ['isoctl', 'history', '-f', 'json', '--every', 'commit']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "children = subprocess.run(['ps', '--ppid', str(os.getpid()), '-o', 'comm='], capture_output=True, text=True).stdout\n"
            "print('LEFT:' + ','.join(c for c in children.split() if c not in ('ps',)), file=sys.stderr)")
    env = {**os.environ, "ISOCTL_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-c", code], cwd=year, capture_output=True, text=True, env=env)
    assert "LEFT:\n" in run.stderr + "\n" and "LEFT:git" not in run.stderr, run.stderr


def test_bad_dates_and_no_repository(cli: Cli, year: Path, make_workspace: MakeWorkspace) -> None:
    bad = cli("history", "--since", "last year", cwd=year)
    assert bad.exit_code == 2 and "--since: 'last year' is not a date" in bad.stderr
    plain = cli("history", str(make_workspace({})))
    assert plain.exit_code == 2 and "not in a git repository" in plain.stderr
