"""``isoctl history``: a year of dated commits, renames, deletions, a merge and a shallow clone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
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
    points = timeline(cli, year, "--today", "2026-08-31")
    assert [p["date"] for p in points] == ["2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30",
                                           "2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31"]
    assert [p["committed"] for p in points] == ["2025-12-01", "2026-01-15", "2026-02-15", "2026-03-15", "2026-04-15",
                                                "2026-05-15", "2026-06-15", "2026-07-03", "2026-08-01"]
    assert [p["commits"] for p in points] == [1, 1, 1, 1, 1, 1, 1, 2, 1]  # the branch's commit is not on the line
    assert not any(p["silent"] for p in points)
    by_date = {p["committed"]: p for p in points}
    assert by_date["2026-02-15"]["records"] == 2 and by_date["2026-02-15"]["actions_open"] == 2
    assert by_date["2026-02-15"]["actions_overdue"] == 1  # ACT-1 was due 2026-01-28; ACT-2 is due on the 28th itself
    assert by_date["2026-06-15"]["mean_days_to_close"] == 69.0  # ACT-1 and 2 took 68 days, ACT-3 and 4 took 70
    assert by_date["2026-07-03"]["records"] == 5  # renamed file kept, deleted record gone
    assert by_date["2026-08-01"]["records"] == 6  # the merge brought the issue in
    assert by_date["2026-08-01"]["subject"] == "Merge the audit branch"
    assert by_date["2026-01-15"]["contributors"] == ["Jane Smith"]


def test_every_commit_and_period_filters(cli: Cli, year: Path) -> None:
    assert len(timeline(cli, year, "--every", "commit")) == 10
    assert len(timeline(cli, year, "--every", "commit", "--today", "2026-01-01")) == 10  # one point per commit, as ever
    points = timeline(cli, year, "--every", "commit", "--since", "2026-07-01", "--until", "2026-07-31")
    assert [p["subject"] for p in points] == ["Rename a file", "Delete a record"]
    assert [(p["date"], p["commits"], p["silent"]) for p in points] == [("2026-07-02", 1, False), ("2026-07-03", 1, False)]
    weeks = timeline(cli, year, "--every", "week", "--since", "2026-01-01", "--until", "2026-03-31")
    # the weeks (Monday to Sunday) from the one holding 1 January, the last cut at --until; commits in three of them
    assert len(weeks) == 14 and weeks[0]["date"] == "2026-01-04" and weeks[-1]["date"] == "2026-03-31"
    assert all(dt.date.fromisoformat(p["date"]).weekday() == 6 for p in weeks[:-1])
    assert [p["date"] for p in weeks if not p["silent"]] == ["2026-01-18", "2026-02-15", "2026-03-15"]


def test_csv_and_text(cli: Cli, year: Path) -> None:
    csv_text = cli("history", "-f", "csv", "--today", "2026-08-31", cwd=year).stdout
    header, *rows = csv_text.splitlines()
    assert header.startswith("date,commit,author,readiness iso9001-2015,actions open,actions overdue")
    assert header.endswith(",records,changes,commits,committed,contributors")
    assert len(rows) == 9
    text = cli("history", "--today", "2026-08-31", cwd=year).stdout
    assert "9 points, every month, 2025-12-31 to 2026-08-31" in text and "9001" in text
    assert "without commits" not in text and " ·" not in text


# -- time moves when nobody commits ---------------------------------------------------


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Commits in January and June 2026 only; the action raised in June is due on 31 August."""
    repo = GitRepo.init(tmp_path_factory.mktemp("quiet") / "qms", author=AMIR)
    make_workspace(repo.root)
    repo.commit("Start", files={"actions/ACT-1.yaml": action(1, "2026-01-10", due="2026-12-31")}, date=dt.date(2026, 1, 10))
    repo.commit("An action for the summer", files={"actions/ACT-2.yaml": action(2, "2026-06-01", due="2026-08-31")},
                date=dt.date(2026, 6, 12), author=JANE)
    return repo.root


def test_silent_months_are_points_and_overdue_counts_grow(cli: Cli, quiet: Path) -> None:
    points = timeline(cli, quiet, "--since", "2026-01-01", "--until", "2026-11-30")
    assert [p["date"] for p in points] == [f"2026-{m:02d}-{d}" for m, d in
                                           zip(range(1, 12), (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30), strict=True)]
    assert [p["commits"] for p in points] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    assert [p["date"] for p in points if p["silent"]] == ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31",
                                                          "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31",
                                                          "2026-11-30"]
    # a silent month shows the last commit before it, seen on the month's last day
    assert {p["committed"] for p in points[5:]} == {"2026-06-12"} and {p["subject"] for p in points[5:]} == {
        "An action for the summer"}
    assert [p["actions_overdue"] for p in points] == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]  # ACT-2 is late from September
    assert all(p["changes"] == 0 and p["contributors"] == [] for p in points if p["silent"])
    assert points[5]["contributors"] == ["Jane Smith"] and points[5]["changes"] == 1

    csv_rows = list(csv.DictReader(io.StringIO(cli("history", "-f", "csv", "--since", "2026-01-01", "--until",
                                                   "2026-11-30", cwd=quiet).stdout)))
    assert [(r["date"], r["commits"], r["committed"], r["actions overdue"]) for r in csv_rows[-3:]] == [
        ("2026-09-30", "0", "2026-06-12", "1"), ("2026-10-31", "0", "2026-06-12", "1"), ("2026-11-30", "0", "2026-06-12", "1")]

    text = cli("history", "--since", "2026-01-01", "--until", "2026-11-30", cwd=quiet).stdout
    assert "11 points, every month, 2026-01-31 to 2026-11-30, 9 without commits (·)" in text
    assert "  no commits      ···· ·····\n" in text  # under the sparklines, a mark where nobody committed
    rows = [line for line in text.splitlines() if line.startswith("2026-")]
    assert [row[:12] for row in rows if row[10:12] == " ·"] == [f"{p['date']} ·" for p in points if p["silent"]]
    assert len(rows) == 11 and rows[5].startswith("2026-06-30    48dbd57")


def test_until_defaults_to_today(cli: Cli, quiet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert timeline(cli, quiet, "--today", "2026-12-02")[-1]["date"] == "2026-12-02"  # the month so far
    monkeypatch.setenv("ISOCTL_TODAY", "2026-09-15")
    points = timeline(cli, quiet)
    assert points[0]["date"] == "2026-01-31" and points[-1]["date"] == "2026-09-15" and points[-1]["actions_overdue"] == 1
    assert timeline(cli, quiet, "--until", "2026-07-31")[-1]["date"] == "2026-07-31"  # --until wins over today
    assert timeline(cli, quiet, "--since", "2025-01-01", "--until", "2026-02-28")[0]["date"] == "2026-01-31"  # no tree yet


def test_until_before_since_is_a_usage_error(cli: Cli, quiet: Path) -> None:
    cli("history", "--since", "2026-06-01", "--until", "2026-05-31", cwd=quiet).expect(
        2, "--until 2026-05-31 is before --since 2026-06-01")
    cli("history", "--every", "commit", "--since", "2026-06-01", "--until", "2026-05-31", cwd=quiet).expect(2, "is before")
    cli("history", "--since", "2026-06-01", "--today", "2026-05-31", cwd=quiet).expect(2, "is after today (2026-05-31)")
    cli("history", "--today", "next week", cwd=quiet).expect(2, "--today: 'next week' is not a date")


def test_a_tree_is_loaded_once_for_all_its_dates(quiet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.core import timeline as module
    from isoctl.history import revisions

    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(module, "PARALLEL_MIN_POINTS", 1000)  # one process, so the calls are counted here
    loaded: list[str] = []
    real = module.load_workspace

    def counting(root: Path, **options: Any) -> Any:
        loaded.append(options["snapshot"].commit)
        return real(root, **options)

    monkeypatch.setattr(module, "load_workspace", counting)
    commits = revisions.log(quiet)
    walked = module.walk(quiet, commits, every="week", until=dt.date(2026, 11, 30))
    assert len(walked.points) == 48 and len(loaded) == 2  # 48 weeks, two trees
    assert module.walk(quiet, commits, every="month", until=dt.date(2026, 11, 30)).points[-1].actions_overdue == 1
    assert len(loaded) == 4  # new dates: each tree loaded once more, then analysed on every one of them
    module.walk(quiet, commits, every="week", until=dt.date(2026, 11, 30))
    assert len(loaded) == 4  # every point cached by commit and date


def test_report_chart_marks_months_without_commits(cli: Cli, quiet: Path) -> None:
    html = cli("report", "-f", "html", "--today", "2026-11-21", cwd=quiet).stdout
    readiness = html.split('<section id="readiness">')[1].split("</section>")[0]
    points = re.findall(r"<circle ([^>]*)><title>(\d{4}-\d{2}-\d{2}): \d+%( \(no commits that month\))?</title></circle>",
                        readiness)
    assert [day for _, day, _ in points] == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31",
                                             "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31",
                                             "2026-11-21"]  # each month's end, then the state evaluated today
    assert [day for circle, day, note in points if 'fill="#ffffff"' in circle and note] == ["2026-02-28", "2026-03-31", "2026-04-30",
                                                                         "2026-05-31", "2026-07-31", "2026-08-31",
                                                                         "2026-09-30", "2026-10-31"]
    assert ">no commits that month</text>" in readiness and "a hollow dot: nobody committed that month" in readiness


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
    result = cli("history", "-f", "json", "--today", "2026-10-15", cwd=clone)
    assert result.exit_code == 0 and json.loads(result.stdout)["shallow"] is True
    points = json.loads(result.stdout)["points"]  # from the oldest commit the clone has, silent months after the last
    assert [(p["date"], p["commits"]) for p in points] == [("2026-07-31", 1), ("2026-08-31", 1), ("2026-09-30", 0),
                                                           ("2026-10-15", 0)]
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
