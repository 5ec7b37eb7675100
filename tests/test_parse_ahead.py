"""Parsing ahead: a helper parses the record files while the command is still importing; what loading takes from
it gives exactly what loading alone gives, whatever the files, and whatever becomes of the helper."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from helpers import EXAMPLES, run_isoctl

from isoctl.files.hashes import RACY_NS
from isoctl.workspace import ahead, forks
from isoctl.workspace.load import Workspace, load_workspace

pytestmark = pytest.mark.skipif(not forks.can_fork(), reason="no helper process on this machine (one core, or not Linux)")

ACTION = """\
- kind: action
  id: ACT-9{n:02d}
  type: nonconformity
  severity: minor
  source: internal-audit
  title: Check the label printer on line {n}
  owner: lwalsh
  raised_on: 2026-03-{day:02d}
  raised_by: skhan
  clauses: [iso9001:8.5.1]
  due: 2026-04-30
  status: open
"""


def hostile_acme(root: Path, outside: Path) -> Path:
    """The acme example, and beside its records every kind of file loading must get right."""
    shutil.copytree(EXAMPLES / "acme-logistics", root)
    extra = root / "actions" / "extra"
    extra.mkdir()
    for n in range(60):
        (extra / f"line-{n:02d}.yaml").write_text(ACTION.format(n=n, day=n % 28 + 1), encoding="utf-8")
    (extra / "broken.yaml").write_text("- kind: action\n  id: [unclosed\n", encoding="utf-8")
    (extra / "unknown-field.yaml").write_text(ACTION.format(n=99, day=3) + "  colour: blue\n", encoding="utf-8")
    (extra / "notes.md").write_text("# Notes from the line\n\nNothing to record.\n", encoding="utf-8")
    (extra / "bomb.yaml").write_text("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)), encoding="utf-8")
    os.mkfifo(extra / "pipe.yaml")
    outside.write_text(ACTION.format(n=98, day=2), encoding="utf-8")
    (extra / "elsewhere.yaml").symlink_to(outside)
    return root


def loaded(workspace: Workspace) -> tuple[list[object], list[object]]:
    """What a load gives: every record (where from, and its validated model), and every finding."""
    return ([(r.file.relative, r.index, r.model) for r in workspace.records], workspace.findings)


@pytest.mark.parametrize("files", ["just written", "settled"])
def test_check_gives_the_same_answer_with_the_helper_parsing_ahead_as_without(tmp_path: Path, files: str) -> None:
    # Settled files (changed more than hashes.RACY_NS before they are hashed) are vouched for by their stat once the
    # check has fingerprinted them: loading then takes the helper's answers without reading those files at all, and
    # reads only the ones it parses itself (here at least the broken ones, which the helper leaves to it).
    root = hostile_acme(tmp_path / "acme", tmp_path / "outside.yaml")
    if files == "settled":
        time.sleep(RACY_NS / 1e9 + 0.2)
    answers = {}
    for name, env in (("ahead", {}), ("one process", {"ISOCTL_NO_PARALLEL": "1"})):
        cache = tmp_path / f"cache-{name.replace(' ', '-')}"
        cold = run_isoctl("check", "--format", "json", "--today", "2026-11-21", cwd=root,
                          env={**env, "ISOCTL_CACHE_DIR": str(cache)})
        (root / "actions" / "extra" / "line-07.yaml").write_text(ACTION.format(n=7, day=9), encoding="utf-8")
        edited = run_isoctl("check", "--format", "json", "--today", "2026-11-21", str(root), cwd=tmp_path,
                            env={**env, "ISOCTL_CACHE_DIR": str(cache)})
        (root / "actions" / "extra" / "line-07.yaml").write_text(ACTION.format(n=7, day=8), encoding="utf-8")
        answers[name] = (cold.exit_code, cold.stdout, cold.stderr, edited.exit_code, edited.stdout, edited.stderr)
    assert answers["ahead"] == answers["one process"]
    cold_code, cold_out = answers["ahead"][:2]
    assert cold_code == 1
    for expected in ("actions/extra/broken.yaml", "actions/extra/pipe.yaml", "actions/extra/elsewhere.yaml",
                     "actions/extra/bomb.yaml", "colour", "ACT-959"):
        assert expected in cold_out


def test_a_helper_that_dies_costs_only_time(tmp_path: Path) -> None:
    root = hostile_acme(tmp_path / "acme", tmp_path / "outside.yaml")
    alone = loaded(load_workspace(root, save=False))
    ahead.start(root)
    for helper in multiprocessing.active_children():
        if helper.name == "isoctl-parse-ahead":
            os.kill(helper.pid or 0, signal.SIGKILL)
    assert loaded(load_workspace(root, save=False)) == alone
    assert not [p for p in multiprocessing.active_children() if p.name == "isoctl-parse-ahead"]


def test_files_changed_after_the_helper_parsed_them_are_loaded_as_they_are_now(tmp_path: Path) -> None:
    root = hostile_acme(tmp_path / "acme", tmp_path / "outside.yaml")
    ahead.start(root)
    time.sleep(1.0)  # the helper has parsed (and holds answers for) every file by now
    target = root / "actions" / "extra" / "line-11.yaml"
    target.write_text(ACTION.format(n=11, day=5).replace("label printer", "conveyor belt"), encoding="utf-8")
    (root / "actions" / "extra" / "broken.yaml").write_text(ACTION.format(n=97, day=6), encoding="utf-8")
    (root / "actions" / "extra" / "line-12.yaml").unlink()
    now = load_workspace(root, save=False)
    by_id = {r.id: r.model for r in now.records}
    assert getattr(by_id["ACT-911"], "title") == "Check the conveyor belt on line 11"  # noqa: B009 - any record kind
    assert "ACT-997" in by_id and "ACT-912" not in by_id
    assert loaded(now) == loaded(load_workspace(root, save=False))  # and the same as a load without a helper



def test_a_helper_parsing_ahead_gives_way_when_the_history_is_read(tmp_path: Path) -> None:
    root = hostile_acme(tmp_path / "acme", tmp_path / "outside.yaml")
    ahead.start(root)  # its answers (hundreds of KB) outgrow the pipe: it waits, alive, until they are read
    try:
        helper = next(p for p in multiprocessing.active_children() if p.name == "isoctl-parse-ahead")
        assert helper.pid is not None
        before = os.getpriority(os.PRIO_PROCESS, helper.pid)
        ahead.make_way()
        assert os.getpriority(os.PRIO_PROCESS, helper.pid) == 19 > before
    finally:
        ahead.stop_all()
    assert not [p for p in multiprocessing.active_children() if p.name == "isoctl-parse-ahead"]


def test_after_a_small_edit_the_check_parses_the_edited_files_itself(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.cli import replay
    from isoctl.files import hashes

    # files copied a moment ago: their stat vouches for what was hashed only after git's racy-clean second has passed
    monkeypatch.setattr(hashes, "RACY_NS", 0)
    monkeypatch.setenv("NO_COLOR", "1")  # as run_isoctl runs it: the same question
    root = shutil.copytree(EXAMPLES / "acme-logistics", tmp_path / "acme")
    question = ["check", "--today", "2026-03-01", "-f", "json"]
    monkeypatch.chdir(root)
    assert replay.answer(question) is None and not replay.edited()  # never asked: no shortcut, parse ahead
    run_isoctl(*question, cwd=root).expect(1)
    files = sorted((root / "actions").glob("*.yaml")) + sorted((root / "risks").glob("*.yaml"))

    def retitle(path: Path, n: int) -> None:
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", f"title: Edit {n} ", 1), encoding="utf-8")

    retitle(files[0], 1)
    assert replay.answer(question) is None and replay.edited()  # one file read again: the record cache has the rest
    edited = run_isoctl(*question, cwd=root)
    assert edited.stdout == run_isoctl(*question, cwd=root, env={"ISOCTL_NO_CACHE": "1"}).stdout
    assert json.loads(edited.stdout)["summary"]["records"] > 0

    for n, path in enumerate(files, start=2):  # most of a register rewritten (a checkout of another branch)
        retitle(path, n)
    for directory in ("objectives", "audits", "reviews", "context"):
        for path in (root / directory).glob("*.yaml"):
            retitle(path, 99)
    assert replay.answer(question) is None and not replay.edited()
