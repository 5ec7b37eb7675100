"""``isoctl portfolio``: every client under some directories, one row each, riskiest first, and nothing written."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLES, Cli, GitRepo, Golden, isolate_git
from paper_year import paper_year

TODAY = "2026-11-21"
#: Every file of each fixture as built, before any isoctl run, to compare with after them.
BUILT: dict[Path, dict[str, bytes]] = {}
BROKEN_MANIFEST = "isoctl: 1\norganization: {name: Broken Ltd\nstandards: [iso9001:2015]\n"


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four clients: a paper system with two years of history, a shallow clone of a living one,
    a plain folder (no git) and a repository whose isoctl.yaml does not parse; plus places never searched."""
    base = tmp_path_factory.mktemp("portfolio")
    root = base / "clients"
    paper_year(root / "paper-works")

    source = GitRepo.init(base / "upstream" / "nimbus")
    shutil.copytree(EXAMPLES / "nimbus-cloud", source.root, dirs_exist_ok=True)
    source.commit("Nimbus system as first written", date="2026-03-02")
    source.write("README.md", "Nimbus Cloud GmbH management system\n")
    source.commit("Say what the repository holds", date="2026-10-05")
    source.clone(root / "nimbus-cloud", depth=1)

    shutil.copytree(EXAMPLES / "acme-logistics", root / "group" / "acme-logistics")

    broken = GitRepo.init(root / "broken")
    broken.commit("Start", files={"isoctl.yaml": BROKEN_MANIFEST}, date="2026-06-01")

    # never searched: dot-directories, node_modules, symbolic links, and deeper than four levels
    for hidden in (".archive/old", "node_modules/pkg", "a/b/c/d/e"):
        shutil.copytree(EXAMPLES / "paper-iso", root / hidden)
    shutil.copytree(EXAMPLES / "paper-iso", base / "elsewhere")
    (root / "linked").symlink_to(base / "elsewhere", target_is_directory=True)
    BUILT[root] = snapshot(root)
    return root


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (inside .git too, links not followed) with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def status(repo: Path) -> str:
    return GitRepo(repo).git("status", "--porcelain", "--untracked-files=all", "--ignored")


def test_rows_in_risk_order(cli: Cli, clients: Path) -> None:
    run = cli("portfolio", str(clients), "--today", TODAY, "--format", "json")
    assert run.exit_code == 1, run.stderr  # the broken client, and a client with errors
    data = json.loads(run.stdout)
    assert data["today"] == TODAY
    rows = {Path(c["path"]).name: c for c in data["clients"]}
    assert set(rows) == {"broken", "paper-works", "nimbus-cloud", "acme-logistics"}
    assert [Path(c["path"]).name for c in data["clients"]] == ["broken", "paper-works", "acme-logistics",
                                                               "nimbus-cloud"]

    broken = rows["broken"]
    assert "isoctl.yaml:" in broken["error"] and broken["organization"] is None

    paper = rows["paper-works"]
    assert paper["organization"] == "Paper Works Ltd" and paper["git"] is True
    assert paper["findings"]["error"] > 0
    assert paper["last_change"] == "2026-03-05"
    assert {"pre-audit-scramble", "single-contributor"} <= set(paper["signals"])
    assert paper["standards"][0]["standard"] == "iso9001-2015"
    assert paper["standards"][0]["superseded"] is True and paper["transition_ends"] is not None
    assert paper["notes"] == []

    nimbus = rows["nimbus-cloud"]
    assert nimbus["git"] is True and nimbus["last_change"] == "2026-10-05"
    assert nimbus["signals"] == []
    assert nimbus["notes"] == ["shallow clone: history signals unavailable"]
    assert [s["standard"] for s in nimbus["standards"]] == ["iso27001-2022", "iso22301-2019"]

    acme = rows["acme-logistics"]
    assert acme["git"] is False and acme["last_change"] is None
    assert acme["next_audit"] == {"date": "2027-01-25", "type": "recertification", "days": 65}
    assert acme["findings"]["error"] == 0 and acme["overdue_actions"] == 0


def test_reads_only(cli: Cli, clients: Path) -> None:
    """Not a byte changes in any client, git's own files (the index) included."""
    for fmt in ("text", "json"):
        cli("portfolio", str(clients), "--today", TODAY, "--format", fmt)
    assert snapshot(clients) == BUILT[clients]
    assert all(status(clients / name) == "" for name in ("paper-works", "nimbus-cloud", "broken"))


def test_text_golden(cli: Cli, clients: Path, golden: Golden) -> None:
    run = cli("portfolio", ".", "--today", TODAY, cwd=clients)
    assert run.exit_code == 1
    golden("portfolio/clients.txt", run.stdout)
    assert "Traceback" not in run.stderr


def test_csv_html_and_xlsx(cli: Cli, clients: Path, tmp_path: Path) -> None:
    run = cli("portfolio", str(clients), "--today", TODAY, "--format", "csv")
    rows = list(csv.reader(io.StringIO(run.stdout)))
    assert rows[0][:4] == ["client", "organisation", "standards", "readiness"]
    assert len(rows) == 5 and all(len(r) == len(rows[0]) for r in rows)
    assert rows[1][-1].startswith("error: ")
    assert [r[9] for r in rows[1:]] == ["", "2026-03-05", "no git", "2026-10-05"]

    page = cli("portfolio", str(clients), "--today", TODAY, "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and page.count("<tr") == 5 and "<script" not in page

    from openpyxl import load_workbook

    target = tmp_path / "portfolio.xlsx"
    assert cli("portfolio", str(clients), "--today", TODAY, "--format", "xlsx", "-o", str(target)).exit_code == 1
    sheet = load_workbook(target).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert values[0][0] == "client" and len(values) == 5
    assert values[2][1] == "Paper Works Ltd"


def test_clean_clients_exit_zero(cli: Cli, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "nimbus-cloud", tmp_path / "one" / "nimbus")
    shutil.copytree(EXAMPLES / "acme-logistics", tmp_path / "two" / "acme")
    run = cli("portfolio", "one", "two", "--today", TODAY, "--format", "json")
    assert run.exit_code == 0, run.stdout
    names = [c["organization"] for c in json.loads(run.stdout)["clients"]]
    assert names == ["Acme Logistics Ltd", "Nimbus Cloud GmbH"]  # the nearer audit first


def test_a_workspace_deep_in_a_monorepo_is_found_with_depth(cli: Cli, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "nimbus-cloud", tmp_path / "mono" / "teams" / "platform" / "compliance" / "isms" / "ws")
    run = cli("portfolio", "mono", "--today", TODAY)
    assert run.exit_code == 2 and "up to 4 levels below" in run.stderr and "--depth 6" in run.stderr
    run = cli("portfolio", "mono", "--depth", "6", "--today", TODAY, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert [c["organization"] for c in json.loads(run.stdout)["clients"]] == ["Nimbus Cloud GmbH"]


def test_bad_input(cli: Cli, tmp_path: Path) -> None:
    run = cli("portfolio", "missing")
    assert run.exit_code == 2 and "error: no such directory: missing" in run.stderr and "hint:" in run.stderr
    (tmp_path / "empty").mkdir()
    run = cli("portfolio", "empty")
    assert run.exit_code == 2 and "no workspace" in run.stderr
    run = cli("portfolio", "empty", "--today", "tomorrow")
    assert run.exit_code == 2 and "--today" in run.stderr
    assert "Traceback" not in run.stderr


def test_library_sequential_matches_parallel(clients: Path) -> None:
    import datetime as dt

    from isoctl.core.portfolio import gather

    day = dt.date.fromisoformat(TODAY)
    one = gather([clients], day, parallel=False)
    two = gather([clients], day, parallel=True)
    assert [c.as_dict() for c in one.clients] == [c.as_dict() for c in two.clients]


_KILLED_PORTFOLIO = """
import os, sys, time, datetime as dt
from pathlib import Path
from isoctl.core import portfolio

def slow(root, today):
    # from the worker evaluating this client, in one write: the two workers write at once, and print() writes the
    # number and its newline apart when PYTHONUNBUFFERED is set, which ran two workers' numbers together
    os.write(1, f"{os.getpid()}\\n".encode())
    time.sleep(60)

portfolio.client_of = slow
portfolio._evaluate_all([Path("a"), Path("b")], dt.date(2026, 11, 21), parallel=True)
"""


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_the_workers_evaluating_clients_die_with_the_command(how: str) -> None:
    from helpers import left_after_killing

    from isoctl.workspace.forks import can_fork

    if not can_fork():
        pytest.skip("no helper process on this machine (one core, or not Linux)")
    assert left_after_killing(_KILLED_PORTFOLIO, how) == []  # the two workers, as the command runs them
