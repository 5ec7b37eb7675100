"""``isoctl check --watch``: checked again on every change of the workspace or its repository, until Ctrl-C.

These run the installed command in a child process, as a user would leave
it running in a terminal, and read what it says on stderr as it says it.
Every wait has a deadline, so a watch that stops answering fails the test
instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import GitRepo, isoctl_command, make_workspace, open_action

#: Long enough for a check on a loaded machine, short enough that a stuck watch fails the test soon.
DEADLINE = 60.0


class Watch:
    """A running ``isoctl check --watch``, and the lines it writes to stderr as they come."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([*isoctl_command(), "check", "--watch", *args], cwd=cwd, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.said: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, containing: str, *, within: float = DEADLINE) -> str:
        """The next line of stderr that contains ``containing`` (what came before it is kept in :attr:`said`)."""
        deadline = time.monotonic() + within
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {containing!r} within {within} s; it said: {self.said}") from None
            if line is None:
                raise AssertionError(f"the watch ended (exit {self.process.wait()}) before {containing!r}: {self.said}")
            self.said.append(line)
            if containing in line:
                return line

    def quiet_for(self, seconds: float) -> list[str]:
        """What it says in the next ``seconds`` (nothing, for a watch with nothing to do)."""
        deadline = time.monotonic() + seconds
        heard = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            heard.append(line)
        self.said += heard
        return heard

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=DEADLINE)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ISOCTL_", "GIT_", "GITHUB_"))}
    return {**base, "NO_COLOR": "1", "ISOCTL_CACHE_DIR": str(tmp_path / "cache"),
            "ISOCTL_STATE_DIR": str(tmp_path / "state"), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture
def watches() -> Iterator[list[Watch]]:
    """Every watch a test starts is killed when it ends, whatever happened."""
    started: list[Watch] = []
    yield started
    for watch in started:
        if watch.process.poll() is None:
            watch.process.kill()
            watch.process.wait(timeout=DEADLINE)


def rules_of(output: Path) -> list[str]:
    return sorted(f["rule"] for f in json.loads(output.read_text(encoding="utf-8"))["findings"])


def test_an_edit_is_checked_again_and_ctrl_c_ends_the_watch(tmp_path: Path, env: dict[str, str],
                                                            watches: list[Watch]) -> None:
    root = make_workspace(tmp_path / "ws", {"actions/ACT-1.yaml": open_action(due="2026-04-01")})
    output = tmp_path / "out.json"
    watch = Watch(["-f", "json", "-o", str(output), "--today", "2026-03-01"], root, env)
    watches.append(watch)
    watch.next_line("watch: watching")
    assert "overdue-action" not in rules_of(output)

    (root / "actions" / "ACT-1.yaml").write_text(open_action(due="2026-02-01"), encoding="utf-8")
    assert "after a change" in watch.next_line("watch: checked again")
    assert "overdue-action" in rules_of(output)  # the output of the check that followed the edit
    watch.next_line("watch: watching")

    assert watch.interrupt() == 130
    assert not any("Traceback" in line for line in watch.said)


def test_its_own_output_inside_the_workspace_is_not_a_change(tmp_path: Path, env: dict[str, str],
                                                             watches: list[Watch]) -> None:
    root = make_workspace(tmp_path / "ws", {"actions/ACT-1.yaml": open_action(due="2026-04-01")})
    watch = Watch(["-f", "json", "-o", "report.json", "--today", "2026-03-01"], root, env)
    watches.append(watch)
    watch.next_line("watch: watching")
    assert (root / "report.json").is_file()
    assert watch.quiet_for(2.0) == []
    # an edit that changes the output: one check, whose new report.json is not taken for another change
    (root / "actions" / "ACT-1.yaml").write_text(open_action(due="2026-02-01"), encoding="utf-8")
    watch.next_line("watch: checked again")
    watch.next_line("watch: watching")
    assert watch.quiet_for(2.0) == []
    assert "overdue-action" in rules_of(root / "report.json")
    assert watch.interrupt() == 130


def test_a_check_that_cannot_run_is_said_and_the_watch_goes_on(tmp_path: Path, env: dict[str, str],
                                                               watches: list[Watch]) -> None:
    root = make_workspace(tmp_path / "ws", {"actions/ACT-1.yaml": open_action(due="2026-04-01")})
    manifest = (root / "isoctl.yaml").read_text(encoding="utf-8")
    watch = Watch(["--today", "2026-03-01"], root, env)
    watches.append(watch)
    watch.next_line("watch: watching")

    (root / "isoctl.yaml").unlink()
    assert watch.next_line("error:").startswith("error: ")  # as a check run on its own would say it
    watch.next_line("watch: watching")
    assert watch.process.poll() is None

    (root / "isoctl.yaml").write_text(manifest, encoding="utf-8")
    watch.next_line("watch: checked again")
    assert watch.interrupt() == 130
    assert not any("Traceback" in line or "internal error" in line for line in watch.said)


def test_a_commit_that_changes_no_file_is_a_change_too(tmp_path: Path, env: dict[str, str],
                                                       watches: list[Watch]) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    make_workspace(repo.root, {"actions/ACT-1.yaml": open_action(due="2026-04-01")})
    repo.commit("Start", date="2026-01-10")
    watch = Watch(["--today", "2026-03-01"], repo.root, env)
    watches.append(watch)
    watch.next_line("watch: watching")
    repo.git("commit", "--quiet", "--allow-empty", "-m", "Reviewed, nothing to change", date="2026-02-01")
    watch.next_line("watch: checked again")  # the rules that read the history see one more commit
    assert watch.interrupt() == 130


def test_watch_refuses_at(tmp_path: Path, env: dict[str, str]) -> None:
    root = make_workspace(tmp_path / "ws")
    done = subprocess.run([*isoctl_command(), "check", "--watch", "--at", "HEAD"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=DEADLINE)
    assert done.returncode == 2
    assert done.stderr.startswith("error: --watch follows the working tree, and --at names a commit")


def test_a_watch_keeps_the_records_of_unchanged_files_and_reads_changed_ones_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.core.keys import fingerprint
    from isoctl.workspace import record_files
    from isoctl.workspace.load import load_workspace

    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(record_files, "_kept", {})  # as check --watch turns it on, for this test only
    root = make_workspace(tmp_path / "ws", {
        "actions/ACT-1.yaml": open_action(due="2026-04-01"),
        "actions/ACT-2.yaml": open_action(due="2026-04-01", record_id="ACT-2"),
        "actions/bad.yaml": "id: [unclosed\n",
    })
    time.sleep(2.1)  # files not written a moment ago: their stat vouches for their content (see files.hashes.RACY_NS)
    fingerprint(root)  # as the watch looks at the tree before each check
    first = load_workspace(root)
    (root / "actions" / "ACT-2.yaml").write_text(open_action(due="2026-02-01", record_id="ACT-2"),
                                                 encoding="utf-8")
    fingerprint(root)
    second = load_workspace(root)
    before = {r.id: r for r in first.records}
    after = {r.id: r for r in second.records}
    assert after["ACT-1"] is before["ACT-1"]  # unchanged: the very record loaded before, not validated again
    assert after["ACT-2"] is not before["ACT-2"] and str(after["ACT-2"].model.due) == "2026-02-01"
    # a file with a problem says it on every load
    assert [f.path for f in first.findings] == [f.path for f in second.findings] == ["actions/bad.yaml"]
