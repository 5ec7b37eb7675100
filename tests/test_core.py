"""One question, one answer: every command and the library evaluate through the same core.

The repository below has one author who changes the risk register every
month of 2026: at its first commit there is too little history to judge,
at HEAD ``single-contributor`` holds. Each command must agree with
``check`` (and ``check --at``) about that, and about everything else.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any, cast

import pytest
from helpers import Cli, GitRepo, committed_example, make_workspace

import isoctl

RISK = """\
- id: RSK-1
  kind: risk
  type: risk
  title: Late deliveries (review {n})
  owner: jsmith
  clauses: [iso9001:6.1]
  likelihood: 2
  impact: 3
  treatment: mitigate
  reviewed_on: 2026-{month:02d}-05
"""


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """Twelve monthly commits by one person; tags ``first`` and ``sixth``."""
    git = GitRepo.init(tmp_path / "repo")
    make_workspace(git.root)
    for month in range(1, 13):
        git.commit(f"Review risks ({month})", files={"risks.yaml": RISK.format(n=month, month=month)},
                   date=f"2026-{month:02d}-05")
        if month in (1, 6):
            git.tag("first" if month == 1 else "sixth")
    return git


def findings(run_stdout: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["message"]) for f in json.loads(run_stdout)["findings"]}


def rules_of(found: set[tuple[str, str]]) -> set[str]:
    return {rule for rule, _ in found}


def test_library_and_cli_give_the_same_findings(repo: GitRepo, cli: Cli) -> None:
    run = cli("check", "--select", "single-contributor", "-f", "json", "--today", "2026-12-20", cwd=repo.root)
    assert run.exit_code == 0, run.stderr  # info does not fail the build
    assert rules_of(findings(run.stdout)) == {"single-contributor"}
    result = isoctl.evaluate(repo.root, today="2026-12-20", select=["single-contributor"])
    assert {(f.rule, f.message) for f in result.findings} == findings(run.stdout)
    everything = cli("check", "-f", "json", "--today", "2026-12-20", cwd=repo.root)
    library = isoctl.evaluate(repo.root, today="2026-12-20")
    assert {(f.rule, f.message) for f in library.findings} == findings(everything.stdout)
    assert json.loads(isoctl.render_as(library, "json")) == json.loads(everything.stdout)


def test_diff_says_what_check_at_each_side_says(repo: GitRepo, cli: Cli) -> None:
    day = "2026-12-05"
    old = findings(cli("check", "--at", "first", "--today", day, "-f", "json", cwd=repo.root).stdout)
    new = findings(cli("check", "--at", "HEAD", "--today", day, "-f", "json", cwd=repo.root).stdout)
    assert "single-contributor" in rules_of(new) - rules_of(old)
    run = cli("diff", "first", "HEAD", "--today", day, "-f", "json", cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    body = json.loads(run.stdout)["findings"]
    assert {(f["rule"], f["message"]) for f in body["appeared"]} == new - old
    assert {(f["rule"], f["message"]) for f in body["disappeared"]} == old - new


def test_diff_against_the_working_tree_matches_check(repo: GitRepo, cli: Cli) -> None:
    day = "2026-12-05"
    old = findings(cli("check", "--at", "sixth", "--today", day, "-f", "json", cwd=repo.root).stdout)
    now = findings(cli("check", "--today", day, "-f", "json", cwd=repo.root).stdout)
    body = json.loads(cli("diff", "sixth", "--today", day, "-f", "json", cwd=repo.root).stdout)["findings"]
    assert {(f["rule"], f["message"]) for f in body["appeared"]} == now - old


def test_report_since_counts_as_new_only_what_check_at_since_lacks(repo: GitRepo, cli: Cli, tmp_path: Path) -> None:
    day = "2026-12-05"
    before = findings(cli("check", "--at", "HEAD~1", "--today", day, "-f", "json", cwd=repo.root).stdout)
    assert "single-contributor" in rules_of(before)  # already there a month earlier
    out = tmp_path / "report.md"
    run = cli("report", "--since", "HEAD~1", "--today", day, "-f", "md", "-o", str(out), cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    text = out.read_text(encoding="utf-8")
    changes = text[text.index("HEAD~1"):]
    assert "single-contributor" not in changes
    now = findings(cli("check", "--today", day, "-f", "json", cwd=repo.root).stdout)
    diff = isoctl.diff(repo.root, "HEAD~1", today=day)
    assert {(f.rule, f.message) for f in diff.appeared} == now - before
    assert {(f.rule, f.message) for f in diff.disappeared} == before - now


def test_history_counts_are_those_of_check_at_each_point(repo: GitRepo, cli: Cli) -> None:
    run = cli("history", "--every", "commit", "-f", "json", cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    points = json.loads(run.stdout)["points"]
    assert len(points) == 12
    for point in (points[0], points[5], points[-1]):
        at = cli("check", "--at", point["commit"], "-f", "json", cwd=repo.root)
        assert json.loads(at.stdout)["summary"] | point["findings"] == json.loads(at.stdout)["summary"]
        assert point["date"] == json.loads(at.stdout)["workspace"]["today"]


def test_history_follows_a_change_of_rule_severity(repo: GitRepo, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new isoctl (here: single-contributor made a warning) recomputes cached points, like check does."""
    from dataclasses import replace

    from isoctl.core import keys
    from isoctl.rules import REGISTRY

    first = json.loads(cli("history", "-f", "json", cwd=repo.root).stdout)["points"][-1]["findings"]
    monkeypatch.setitem(REGISTRY, "single-contributor", replace(REGISTRY["single-contributor"], severity="warning"))
    monkeypatch.setattr(keys, "code_digest", lambda: "another isoctl")
    second = json.loads(cli("history", "-f", "json", cwd=repo.root).stdout)["points"][-1]["findings"]
    check = json.loads(cli("check", "-f", "json", "--today", "2026-12-05", cwd=repo.root).stdout)["summary"]
    assert second["warning"] == first["warning"] + 1 and second["info"] == first["info"] - 1
    assert check["warning"] == second["warning"]


def test_the_code_digest_follows_every_shipped_file_and_nothing_else(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached answer is kept only for the code and data that computed it: any shipped file edited, added or
    removed, at any depth, is another isoctl."""
    import os

    from isoctl.core import keys
    from isoctl.files import resources

    shipped = {"standards": tmp_path / "standards", "templates": tmp_path / "templates"}
    (shipped["standards"] / "iso9001" / "2015").mkdir(parents=True)
    (shipped["templates"] / "report").mkdir(parents=True)
    catalog = shipped["standards"] / "iso9001" / "2015" / "clauses.yaml"
    catalog.write_text("clauses: []\n", encoding="utf-8")
    (shipped["templates"] / "report" / "base.html.j2").write_text("<html>\n", encoding="utf-8")
    monkeypatch.setattr(resources, "data_dir", lambda name: shipped[name])

    def digest() -> str:
        keys.code_digest.cache_clear()
        return keys.code_digest()

    seen = [digest()]
    assert digest() == seen[0]  # nothing changed: the same isoctl
    os.utime(catalog, ns=(10**18, 10**18))  # a file installed again: same size, another time
    seen.append(digest())
    catalog.write_text("clauses: [4.1]\n", encoding="utf-8")
    seen.append(digest())
    (shipped["templates"] / "report" / "deep").mkdir()
    (shipped["templates"] / "report" / "deep" / "part.j2").write_text("x", encoding="utf-8")
    seen.append(digest())
    assert len(set(seen)) == len(seen), seen
    (shipped["templates"] / "report" / "deep" / "part.j2").unlink()
    assert digest() == seen[-2]  # removed again: the isoctl it was
    (shipped["standards"] / "empty").mkdir()  # a folder alone is no file
    (shipped["templates"] / "loop").symlink_to(shipped["templates"], target_is_directory=True)  # not followed
    assert digest() == seen[-2]
    keys.code_digest.cache_clear()


def test_a_shallow_clone_skips_history_rules_and_says_so(repo: GitRepo, cli: Cli, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    repo.git("clone", "--quiet", "--depth", "2", f"file://{repo.root}", str(clone))
    run = cli("check", "--select", "single-contributor", "-f", "json", "--today", "2026-12-20", cwd=clone)
    assert findings(run.stdout) == set()
    assert "shallow clone" in run.stderr and "single-contributor" in run.stderr
    again = cli("check", "--select", "single-contributor", "-f", "json", "--today", "2026-12-20", cwd=clone)
    assert again.stdout == run.stdout and "shallow clone" in again.stderr  # a cached answer says it too
    assert isoctl.evaluate(clone, today="2026-12-20", select=["single-contributor"]).notes


def test_history_false_skips_git_history(repo: GitRepo) -> None:
    result = isoctl.evaluate(repo.root, today="2026-12-20", select=["single-contributor"], history=False)
    assert result.findings == []


def test_open_evaluation_gives_the_workspace_and_the_result(repo: GitRepo) -> None:
    with isoctl.open_evaluation(repo.root, at="sixth") as evaluation:
        assert evaluation.today.isoformat() == "2026-06-05"  # the commit's date
        assert [r.id for r in evaluation.workspace().records] == ["RSK-1"]
        assert evaluation.result().workspace.commit == repo.sha("sixth")


def test_unknown_rule_and_revision_are_usage_errors(repo: GitRepo) -> None:
    with pytest.raises(isoctl.IsoctlError, match="unknown rule 'single-contributer'"):
        isoctl.evaluate(repo.root, select=["single-contributer"])
    with pytest.raises(isoctl.IsoctlError, match="unknown revision"):
        isoctl.evaluate(repo.root, at="no-such-tag")


def test_arguments_are_taken_as_python_callers_write_them(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from isoctl.errors import UsageError, WorkspaceError

    as_list = isoctl.evaluate(repo.root, today="2026-12-20", select=["single-contributor"])
    assert isoctl.evaluate(repo.root, today="2026-12-20", select="single-contributor").findings == as_list.findings
    assert as_list.findings  # one author: found, not "unknown rule 's'" for a name split into letters
    by_day = isoctl.evaluate(repo.root, at=dt.date(2026, 6, 30), today="2026-12-20")
    assert by_day.workspace.commit == repo.sha("sixth")
    assert isoctl.evaluate(repo.root, at=dt.datetime(2026, 6, 30, 9), today="2026-12-20").workspace.commit == repo.sha(
        "sixth")
    with pytest.raises(UsageError, match=r"select: expected rule names; got 1"):
        isoctl.evaluate(repo.root, select=cast(Any, [1]))  # what an untyped caller may pass
    with pytest.raises(UsageError, match=r"at: expected a revision or a date; got 3"):
        isoctl.evaluate(repo.root, at=cast(Any, 3))
    monkeypatch.chdir(repo.root.parent)
    assert [r.id for r in isoctl.load_workspace(repo.root.name).records] == ["RSK-1"]
    with pytest.raises(WorkspaceError, match="no such file or directory: nowhere"):
        isoctl.load_workspace("nowhere")


def test_a_gap_of_a_standard_out_of_scope_is_refused_as_the_cli_refuses_it(repo: GitRepo, cli: Cli) -> None:
    from isoctl.errors import UsageError

    result = isoctl.evaluate(repo.root, today="2026-12-20")
    assert isoctl.render_as(result, "csv", subject="gap", standard="iso9001").count("\n") > 1
    with pytest.raises(UsageError, match="standard iso27001: not in scope; in scope: iso9001-2015"):
        isoctl.render_as(result, "csv", subject="gap", standard="iso27001")  # once a CSV of its header only
    cli("gap", "-s", "iso27001", "-f", "csv", "--today", "2026-12-20", cwd=repo.root).expect(2, "not in scope")


def test_import_isoctl_is_lazy() -> None:
    import subprocess
    import sys

    code = "import sys, isoctl; print(sorted(m for m in sys.modules if m.startswith(('isoctl.', 'pydantic', 'typer'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_public_names_are_the_lazy_ones() -> None:
    assert sorted(set(isoctl.__all__) - {"__version__"}) == sorted(isoctl._LAZY)
    for name in isoctl.__all__:
        assert getattr(isoctl, name) is not None


def test_the_python_example_runs() -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, str(repo / "docs" / "examples" / "readiness.py"),
                          str(repo / "examples" / "acme-logistics"), "2026-11-21"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "iso9001-2015" in run.stdout and "100%" in run.stdout
    missing = subprocess.run([sys.executable, str(repo / "docs" / "examples" / "readiness.py"), "/nonexistent"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("error: no such file or directory")


def test_every_commands_format_choices_are_the_registrys() -> None:
    from isoctl.cli.check import CheckFormat, GapFormat
    from isoctl.cli.diff import DiffFormat
    from isoctl.cli.history import HistoryFormat
    from isoctl.cli.soa import SoaFormat
    from isoctl.render import formats

    for subject, choices in (("check", CheckFormat), ("gap", GapFormat), ("soa", SoaFormat), ("diff", DiffFormat),
                             ("history", HistoryFormat)):
        assert tuple(c.value for c in choices) == formats(subject), subject


def test_the_readme_python_example_runs() -> None:
    import re
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    readme = (repo / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    run = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "('iso9001-2015', 1.0)" in run.stdout and '"version": "2.1.0"' in run.stdout


def test_an_evaluation_from_python_runs_without_the_cycle_collector_and_gives_it_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line turns the cycle collector off; a script calling the library has it on, and it walked the
    loaded workspace again and again (evaluating 5,000 records took half as long again). ``evaluate`` and ``diff``
    pause it; the caller's collector is as it was afterwards, on or off."""
    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    root = committed_example(tmp_path / "acme").root
    isoctl.diff(root, "HEAD", today="2026-11-20")  # the modules needed are imported (importing collects as it goes)
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    threshold = gc.get_threshold()
    gc.set_threshold(50, 5, 5)  # a collection every few dozen new containers, were it on
    gc.callbacks.append(count)
    try:
        assert gc.isenabled()
        first = isoctl.evaluate(root, today="2026-11-21")
        assert len(collections) <= 1 and gc.isenabled()  # one, as the collector is given back
        collections.clear()
        isoctl.diff(root, "HEAD", today="2026-11-21")
        assert len(collections) <= 1 and gc.isenabled()
        gc.disable()
        second = isoctl.evaluate(root, today="2026-11-21")
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)
    assert first.findings == second.findings and first.records > 200
