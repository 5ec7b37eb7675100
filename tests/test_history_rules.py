"""History rules on real repositories with dated commits: pre-audit-scramble, single-contributor, shallow clones."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import pytest
from helpers import JANE, MANIFEST, Cli, GitRepo, MakeWorkspace
from test_culture_rules import policy

from isoctl.rules.history import SIGNIFICANCE, binomial_tail, how_rare

AUDITED = MANIFEST + "certification:\n  iso9001:\n    audits:\n      - {type: surveillance, date: 2026-03-09}\n"
AMIR = "Amir Khan <amir@example.com>"
MIA = "Mia Nowak <mia@example.com>"
AUDIT = dt.date(2026, 3, 9)


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
        "isoctl.yaml:10:9: 12 of the 15 record changes of the year before the surveillance audit of 2026-03-09 (80%) "
        "fell in its last 4 weeks, where an even spread would put 8%; so uneven a spread happens by chance "
        "less than 1 time in a million"
    ]


def in_the_year(count: int) -> list[dt.date]:
    """``count`` days spread over the eleven months before the last four weeks before the audit."""
    return [dt.date(2025, 3, 20) + dt.timedelta(days=30 * i) for i in range(count)]


def in_the_last_weeks(count: int) -> list[dt.date]:
    return [AUDIT - dt.timedelta(days=20 - 3 * i) for i in range(count)]


def test_a_small_system_is_judged_too(cli: Cli, tmp_path: Path) -> None:
    """9 changes, 5 of them in the 4 weeks before the audit: an even spread gives that about 1 time in 4,000."""
    days = in_the_year(4) + in_the_last_weeks(5)
    root = build(tmp_path, [(day, AMIR, issue(n)) for n, day in enumerate(days)]).root
    assert findings(cli, root, "pre-audit-scramble") == [
        "isoctl.yaml:10:9: 5 of the 9 record changes of the year before the surveillance audit of 2026-03-09 (56%) "
        "fell in its last 4 weeks, where an even spread would put 8%; so uneven a spread happens by chance "
        "less than 1 time in 1,000"
    ]


def test_two_of_three_changes_is_too_little_to_say(cli: Cli, tmp_path: Path) -> None:
    """2 of 3 in the last 4 weeks: chance gives that about 1 time in 60, more often than SIGNIFICANCE allows."""
    days = in_the_year(1) + in_the_last_weeks(2)
    root = build(tmp_path, [(day, AMIR, issue(n)) for n, day in enumerate(days)]).root
    assert findings(cli, root, "pre-audit-scramble") == []
    assert binomial_tail(2, 3, Fraction(28, 365)) > SIGNIFICANCE
    assert binomial_tail(3, 3, Fraction(28, 365)) < SIGNIFICANCE  # all three there would be reported


def test_a_significant_but_small_excess_is_not_a_scramble(cli: Cli, tmp_path: Path) -> None:
    """4 of 9 in the last weeks is rare by chance (1 in 314) but under half the year's changes."""
    days = in_the_year(5) + in_the_last_weeks(4)
    root = build(tmp_path, [(day, AMIR, issue(n)) for n, day in enumerate(days)]).root
    assert findings(cli, root, "pre-audit-scramble") == []


def test_a_single_commit_has_nothing_to_say(cli: Cli, tmp_path: Path) -> None:
    """One commit is one change, however many records it adds: no finding, and no error."""
    records = {path: text for n in range(20) for path, text in issue(n).items()}
    repo = GitRepo.init(tmp_path / "qms")
    repo.commit("Import the system", files={"isoctl.yaml": AUDITED, **records}, date=AUDIT - dt.timedelta(days=3),
                author=AMIR)
    for rule in ("pre-audit-scramble", "single-contributor"):
        assert findings(cli, repo.root, rule, today="2026-03-20") == []


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
        "isoctl.yaml:1:1: Amir Khan made all 12 record changes of the last year; had a second person shared them "
        "evenly, each would have made 50%, and so one-sided a split happens by chance less than 1 time in 1,000: "
        "the system rests on one person"
    ]
    repo.commit("update 2026-11-01", files=issue(50), date="2026-11-01", author=JANE)
    repo.commit("update 2026-11-02", files=issue(51), date="2026-11-02", author=MIA)
    assert findings(cli, repo.root, "single-contributor") == []  # 12 of 14 is under 90%
    repo.commit("update 2026-11-03", files={"isoctl.yaml": MANIFEST + "settings: {single_contributor_share: 0.8}\n"},
                date="2026-11-03", author=AMIR)
    assert findings(cli, repo.root, "single-contributor") == [
        "isoctl.yaml:1:1: Amir Khan made 12 of the 14 record changes of the last year (86%), where an even split among "
        "the 3 people who made them would give each 33%; so uneven a split happens by chance less than 1 time in "
        "1,000: the system rests on one person"
    ]


@pytest.mark.parametrize(("changes", "reported"), [(8, True), (7, False)])
def test_one_person_alone_needs_enough_changes_to_say_so(cli: Cli, tmp_path: Path, changes: int,
                                                         reported: bool) -> None:
    """Judged as if a second person had shared the work evenly: 8 of 8 happens 1 time in 128, 7 of 7 1 in 64."""
    alone = [(dt.date(2026, 1, 1) + dt.timedelta(days=20 * i), AMIR, issue(i)) for i in range(changes)]
    found = findings(cli, build(tmp_path, alone).root, "single-contributor")
    assert found == ([f"isoctl.yaml:1:1: Amir Khan made all {changes} record changes of the last year; had a second "
                      "person shared them evenly, each would have made 50%, and so one-sided a split happens by "
                      "chance about 1 time in 128: the system rests on one person"] if reported else [])


@pytest.mark.parametrize(("amir", "reported"), [(11, True), (10, False)])
def test_two_people_one_of_them_nearly_alone(cli: Cli, tmp_path: Path, amir: int, reported: bool) -> None:
    """11 of 12 against an even split of two happens 1 time in 158; 10 of 11 (91%) 1 time in 85: too little."""
    plan = [(dt.date(2026, 1, 1) + dt.timedelta(days=20 * i), AMIR, issue(i)) for i in range(amir)]
    plan.append((dt.date(2026, 11, 1), JANE, issue(99)))
    found = findings(cli, build(tmp_path, plan).root, "single-contributor")
    assert found == (["isoctl.yaml:1:1: Amir Khan made 11 of the 12 record changes of the last year (92%), where an "
                      "even split among the 2 people who made them would give each 50%; so uneven a split happens by "
                      "chance about 1 time in 158: the system rests on one person"] if reported else [])


@pytest.mark.parametrize(("successes", "trials", "chance", "tail"), [
    (8, 10, Fraction(1, 2), 56 / 1024),  # C(10,8) + C(10,9) + C(10,10) = 56 of 2**10
    (15, 20, Fraction(1, 2), 21700 / 2**20),
    (60, 100, Fraction(1, 2), 0.028443966820490392),  # scipy.stats.binom.sf(59, 100, 0.5)
    (1, 6, Fraction(1, 6), 1 - (5 / 6) ** 6),  # at least one six in six throws
    (5, 9, Fraction(28, 365), 0.000257208695138),
    (2, 3, Fraction(28, 365), 3 * (28 / 365) ** 2 * (337 / 365) + (28 / 365) ** 3),
])
def test_binomial_tail_against_known_values(successes: int, trials: int, chance: Fraction, tail: float) -> None:
    assert binomial_tail(successes, trials, chance) == pytest.approx(tail, rel=1e-12)


def test_binomial_tail_edges_and_large_counts() -> None:
    assert binomial_tail(0, 5, Fraction(1, 3)) == 1.0 and binomial_tail(-1, 0, Fraction(1, 3)) == 1.0
    assert binomial_tail(6, 5, Fraction(1, 3)) == 0.0
    assert binomial_tail(1, 5, Fraction(0)) == 0.0 and binomial_tail(5, 5, Fraction(1)) == 1.0
    assert binomial_tail(5, 5, Fraction(1, 2)) == 1 / 32
    # 20,000 fair coins: at least half heads is 1/2 plus half the chance of exactly half, C(2n, n) / 4**n ~ 1/sqrt(pi n)
    assert binomial_tail(10_000, 20_000, Fraction(1, 2)) == pytest.approx(0.5 + 0.5 / (3.14159265 * 10_000) ** 0.5,
                                                                         rel=1e-5)
    assert 0 < binomial_tail(5_000, 50_000, Fraction(28, 365)) < 1e-70  # no overflow, no underflow to 0
    with pytest.raises(ValueError, match="no binomial distribution"):
        binomial_tail(1, 2, Fraction(3, 2))


@pytest.mark.parametrize(("chance", "words"), [
    (1 / 128, "about 1 time in 128"),
    (0.016751, "about 1 time in 60"),
    (0.000257, "less than 1 time in 1,000"),
    (0.0000257, "less than 1 time in 10,000"),
    (1e-9, "less than 1 time in a million"),
])
def test_how_rare_in_plain_words(chance: float, words: str) -> None:
    assert how_rare(chance) == words


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


# A commit dated in the future (a clock set wrong) between dated ones: not the end of the history.

FUTURE = "@4102444800 +0000"  # 2100-01-01: git reads no written date after 2099


def skewed(tmp_path: Path) -> tuple[GitRepo, list[str]]:
    """Import (2025-01-01), an edit dated 2100-01-01 by a skewed clock, then an edit of 2025-03-01."""
    repo = GitRepo.init(tmp_path / "qms")
    shas = [repo.commit("Import the system", date="2025-01-01", author=JANE,
                        files={"isoctl.yaml": MANIFEST, **policy(approved="2025-01-01", body="On time.")})]
    for day, name, body in ((FUTURE, "2100-01-01", "On time, always."), ("2025-03-01", "2025-03-01", "On time, every time.")):
        shas.append(repo.commit(f"Reword ({name})", date=day, author=MIA,
                                files=policy(approved="2025-01-01", body=body)))
    return repo, shas


def test_a_commit_dated_in_the_future_does_not_hide_the_commits_after_it(cli: Cli, tmp_path: Path) -> None:
    repo, shas = skewed(tmp_path)
    result = cli("check", "-f", "json", "--today", "2026-11-21", "--select", "changed-after-approval", cwd=repo.root)
    assert result.exit_code == 0, result.stderr  # a warning: exit 0 under the default --fail-on error
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["message"] == (
        "POL-1 changed in a commit after its approval on 2025-01-01, still version 1 approved by Jane Smith: the "
        f"last, {shas[2][:8]} of 2025-03-01 by Mia Nowak (\"Reword (2025-03-01)\"), changed its text; an approved "
        "document changes only with a new version and approval")
    assert ("note: 1 commit is dated after 2026-11-21 though later commits are dated on or before it (a clock set "
            "wrong); the rules that read git history do not count it as activity") in result.stderr


def test_a_day_before_the_last_commits_still_cuts_them(cli: Cli, tmp_path: Path) -> None:
    repo, _ = skewed(tmp_path)
    for today in ("2025-02-28", "2025-01-01"):  # the edit of 2025-03-01 has not happened yet; neither has 2100's
        result = cli("check", "-f", "json", "--today", today, "--select", "changed-after-approval", cwd=repo.root)
        assert json.loads(result.stdout)["findings"] == [] and "clock" not in result.stderr, result.stderr


def test_the_timeline_pulse_and_report_read_a_skewed_commit_alike(cli: Cli, tmp_path: Path) -> None:
    repo, shas = skewed(tmp_path)
    timeline = cli("history", "-f", "json", "--every", "month", "--since", "2025-01-01", "--until", "2025-03-31",
                   cwd=repo.root)
    assert timeline.exit_code == 0, timeline.stderr
    points = [(p["date"], p["commit"], p["findings"]["warning"]) for p in json.loads(timeline.stdout)["points"]]
    warnings = points[0][2]
    # March's point is the edit of 2025-03-01, evaluated with the history up to it: one more warning, the uncontrolled change
    assert points == [("2025-01-31", shas[0], warnings), ("2025-02-28", shas[0], warnings),
                      ("2025-03-31", shas[2], warnings + 1)]
    pulse = cli("pulse", "-f", "json", "--since", "2025-01-01", "--until", "2025-03-31", cwd=repo.root)
    assert pulse.exit_code == 0, pulse.stderr
    assert {m["month"]: m["commits"] for m in json.loads(pulse.stdout)["months"]} == \
        {"2025-01": 1, "2025-02": 0, "2025-03": 1}
    report = cli("report", "-f", "md", "--today", "2026-11-21", cwd=repo.root)
    assert report.exit_code == 0, report.stderr
    [row] = [line for line in report.stdout.splitlines() if line.startswith("| POL-1 |")]
    assert "| approved **uncontrolled change** | 1 |" in row
    assert f"the last, {shas[2][:8]} of 2025-03-01 by Mia Nowak" in report.stdout
    assert "1 commit is dated after 2026-11-21 though later commits are dated on or before it" in report.stderr
