"""Hostile repositories against the action commands, evidence paths and every output that shows record text.

Each case starts from a committed copy of examples/acme-logistics and turns one
thing hostile: a folder or file symlinked out of the workspace, a full disk, an
abandoned lock, a log that does not parse, evidence that points where it must
not, terminal escapes and spreadsheet formulas in titles. Nothing may be
written outside the workspace, no lock may be left behind, and the user gets
a located message with exit code 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import Cli, committed_example, isoctl_command, read_until_closed

ACTION = "ACT-0210"  # the first action of actions/2026.yaml
LOG = "actions/2026.yaml"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    committed_example(tmp_path / "ws")
    return tmp_path / "ws"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _retitle(root: Path, title_yaml: str) -> None:
    """Give ACT-0210 the title ``title_yaml`` (YAML text, so escapes such as ``"\\e"`` can be written)."""
    path = root / LOG
    text = path.read_text(encoding="utf-8")
    start = text.index("  title: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + f"  title: {title_yaml}" + text[end:], encoding="utf-8")


# --- 1. records are written only inside the workspace ---------------------------------------------------------


def test_new_refuses_an_actions_folder_symlinked_outside(cli: Cli, example: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.move(str(example / "actions"), outside / "actions")
    (example / "actions").symlink_to(outside / "actions", target_is_directory=True)
    before = _tree(outside)

    cli("action", "new", "--type", "ofi", "--title", "Try", cwd=example).expect(2, "leads outside the workspace")

    assert _tree(outside) == before
    assert not list(example.rglob("ACT-*.yaml"))


def test_new_refuses_a_dangling_actions_link(cli: Cli, example: Path, tmp_path: Path) -> None:
    shutil.rmtree(example / "actions")
    (example / "actions").symlink_to(tmp_path / "not-yet", target_is_directory=True)

    cli("action", "new", "--type", "ofi", "--title", "Try", cwd=example).expect(2, "leads outside the workspace")

    assert not (tmp_path / "not-yet").exists()


@pytest.mark.parametrize("command", [
    ("update", ACTION, "--title", "changed"),
    ("close", ACTION, "--verified-by", "skhan", "--effective", "--force"),
    ("show", ACTION),
])
def test_a_log_symlinked_outside_is_neither_read_nor_written(cli: Cli, example: Path, tmp_path: Path,
                                                             command: tuple[str, ...]) -> None:
    outside = tmp_path / "2026.yaml"
    shutil.move(str(example / LOG), outside)
    (example / LOG).symlink_to(outside)
    before = outside.read_bytes()

    run = cli("action", *command, cwd=example).expect(2, f"no action '{ACTION}'")

    assert "symlinks leading outside the workspace: actions/2026.yaml" in run.stderr
    assert outside.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_edit_refuses_a_log_swapped_for_an_outside_link_after_the_scan(
    cli: Cli, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from isoctl.actions.context import ActionContext

    outside = tmp_path / "2026.yaml"
    real_scan = ActionContext.scan

    def scan_then_swap(self: ActionContext) -> object:
        found = real_scan(self)
        shutil.move(str(example / LOG), outside)  # someone replaces the log by a link between scan and write
        (example / LOG).symlink_to(outside)
        return found

    monkeypatch.setattr(ActionContext, "scan", scan_then_swap)
    before = (example / LOG).read_bytes()

    cli("action", "update", ACTION, "--title", "changed", cwd=example).expect(2, "leads outside the workspace")

    assert outside.read_bytes() == before
    assert not (tmp_path / ".2026.yaml.isoctl-lock").exists()


# --- 2. full disk and abandoned locks --------------------------------------------------------------------------


@contextlib.contextmanager
def _full_actions_folder(root: Path) -> Iterator[Path]:
    """``actions/`` on a 64 KiB tmpfs holding the logs and a filler that takes every free byte."""
    folder = root / "actions"
    saved = _tree(folder)
    shutil.rmtree(folder)
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {mounted.stderr.decode(errors='replace').strip()}")
    try:
        for name, data in saved.items():
            (folder / name).write_bytes(data)
        with contextlib.suppress(OSError), (folder / ".filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_full_disk_leaves_the_log_and_no_lock_and_later_edits_work(cli: Cli, example: Path) -> None:
    with _full_actions_folder(example) as folder:
        before = (folder / "2026.yaml").read_bytes()

        cli("action", "update", ACTION, "--title", "changed", cwd=example).expect(2, "No space left on device")

        assert (folder / "2026.yaml").read_bytes() == before
        assert sorted(p.name for p in folder.iterdir()) == [".filler", "2024.yaml", "2025.yaml", "2026.yaml"]

        cli("action", "new", "--type", "ofi", "--title", "Try", cwd=example).expect(2, "No space left on device")
        assert sorted(p.name for p in folder.iterdir()) == [".filler", "2024.yaml", "2025.yaml", "2026.yaml"]

        (folder / ".filler").unlink()  # space is freed: the next edit goes through at once
        started = time.monotonic()
        cli("action", "update", ACTION, "--title", "changed", cwd=example).expect(0, f"{ACTION} updated (title)")
        assert time.monotonic() - started < 5
        assert b"title: changed" in (folder / "2026.yaml").read_bytes()


@pytest.mark.parametrize("command", [
    ["action", "update", ACTION, "--title", "changed"],
    ["action", "close", "ACT-0244", "--verified-by", "skhan", "--effective", "--on", "2026-11-20"],
    ["people", "rename", "tbrennan", "tom-brennan"],
    ["check", "-f", "json", "-o", "findings.json"],
])
def test_a_file_made_read_only_is_not_replaced(cli: Cli, example: Path, command: list[str]) -> None:
    # a rename replaces a file whatever its mode; the owner's chmod a-w says it is not to be changed (even for root)
    log = example / (LOG if command[0] != "check" else "findings.json")
    if not log.exists():
        log.write_text("{}\n")
    log.chmod(0o444)
    def files() -> dict[str, bytes]:  # git refreshes its index when asked the status of a file chmod touched
        return {name: data for name, data in _tree(example).items() if not name.startswith(".git/")}

    before = files()
    run = cli(*command, "--today", "2026-11-21", cwd=example) if command[0] == "check" else cli(*command, cwd=example)
    run.expect(2, "the file is read-only")
    assert files() == before and log.stat().st_mode & 0o777 == 0o444
    assert not list(example.rglob(".*.tmp"))


def test_a_read_only_output_file_is_named_with_what_to_do(cli: Cli, example: Path, tmp_path: Path) -> None:
    out = tmp_path / "findings.json"
    out.write_text("kept\n")
    out.chmod(0o444)
    run = cli("check", "-f", "json", "-o", str(out), "--today", "2026-11-21", cwd=example).expect(2)
    assert run.stderr.splitlines()[-2:] == [f"error: -o {out}: the file is read-only",
                                            "hint: make it writable (chmod u+w) if it is to be replaced, or write to "
                                            "another file"]
    assert out.read_text() == "kept\n"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("content", ["empty", "dead owner", "garbage"])
def test_an_abandoned_lock_is_taken_over(cli: Cli, example: Path, content: str) -> None:
    import socket

    lock = example / "actions" / ".2026.yaml.isoctl-lock"
    if content == "dead owner":
        lock.write_text(f"{_dead_pid()} {socket.gethostname()}\n")
    else:
        lock.write_bytes(b"" if content == "empty" else b"\xff\xfe not a pid")
        old = time.time() - 60  # written a minute ago by an isoctl that died before writing its pid
        os.utime(lock, (old, old))
    started = time.monotonic()

    cli("action", "update", ACTION, "--title", "changed", cwd=example).expect(0, f"{ACTION} updated (title)")

    assert time.monotonic() - started < 5
    assert not lock.exists()


def test_a_live_or_fresh_lock_is_respected(example: Path) -> None:
    import socket

    from isoctl.actions.writes import lock_path, locked
    from isoctl.errors import WorkspaceError

    target = example / LOG
    lock = lock_path(target)
    for content in (f"{os.getppid()} {socket.gethostname()}\n", ""):  # a running owner; one still writing its pid
        lock.write_text(content)
        with pytest.raises(WorkspaceError, match="being edited by another isoctl"), locked(target, timeout=0.2):
            pass
        assert lock.read_text() == content
    lock.unlink()


# --- 3. an action in a file that does not parse ----------------------------------------------------------------


def test_show_and_update_name_the_log_that_does_not_parse(cli: Cli, example: Path) -> None:
    log = example / LOG
    lines = log.read_text(encoding="utf-8").count("\n")
    with log.open("a", encoding="utf-8") as handle:
        handle.write("- id: ACT-9999\n  title: [unclosed\n")
    before = log.read_bytes()

    for command in (("show", ACTION), ("update", ACTION, "--title", "changed")):
        run = cli("action", *command, cwd=example).expect(2, f"{ACTION} is in a file that does not parse: {LOG}:")
        assert "no action" not in run.stderr and "closest" not in run.stderr
        assert f"{LOG}:{lines + 3}:" in run.stderr  # where the parser gave up
    assert log.read_bytes() == before

    listed = cli("action", "list", cwd=example).expect(0)
    assert f"warning: {LOG}:{lines + 3}:" in listed.stderr


# --- 4. evidence is a file of the workspace, or an http(s)/mailto link ----------------------------------------


HOSTILE_EVIDENCE = {
    "drafts/etc/passwd": "which isoctl.yaml ignores",
    ".hidden/etc/passwd": "dot-directory .hidden/",
    "evidence/passwd.txt": "leads outside the workspace",
    "file:///etc/passwd": "is a URL, not a file",
    "": "path is empty",
    ".": "names the whole workspace",
    "evidence/a\0b": "contains a NUL character",
    "evidence/loop": "symlink loop",
    "evidence/self/x": "symlink loop",
    ".hidden/loop/x": "dot-directory .hidden/",
}
HOSTILE_URLS = {
    "javascript:alert(1)": "is a javascript: link",
    "file:///etc/passwd": "is a file: link",
    "data:text/html,<script>alert(1)</script>": "is a data: link",
}


@pytest.fixture
def hostile_evidence(example: Path) -> Path:
    from helpers import write_tree

    for folder in ("drafts", ".hidden"):
        (example / folder).mkdir()
        (example / folder / "etc").symlink_to("/etc", target_is_directory=True)
    (example / ".hidden" / "loop").symlink_to("loop")
    (example / "evidence" / "passwd.txt").symlink_to("/etc/passwd")
    (example / "evidence" / "loop").symlink_to("loop")
    (example / "evidence" / "self").symlink_to("self")
    with (example / "isoctl.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write("ignore: [drafts/]\n")
    items = ['    - {path: "' + p.replace("\0", "\\0") + '"}' for p in HOSTILE_EVIDENCE]
    items += [f'    - {{url: "{u}"}}' for u in HOSTILE_URLS]
    items += ['    - {url: "https://example.com/report"}', '    - {url: "mailto:qa@example.com"}',
              "    - {path: evidence/briefings-log-2026.csv}", "    - {path: evidence/drills}"]
    write_tree(example, {"context/hostile.yaml": "id: ISS-HOSTILE\nkind: issue\ntitle: Hostile evidence\n"
                                                "type: internal\nevidence:\n" + "\n".join(items) + "\n"})
    return example


def test_every_hostile_evidence_path_is_refused_and_good_ones_pass(hostile_evidence: Path) -> None:
    from isoctl.analysis.paths import check_path, url_problem
    from isoctl.workspace.load import load_workspace

    workspace = load_workspace(hostile_evidence)
    for path, message in HOSTILE_EVIDENCE.items():
        found = check_path(workspace, path)
        assert found.status == "refused" and message in (found.message or ""), (path, found)
    for url, message in HOSTILE_URLS.items():
        assert message in (url_problem(url) or ""), url
    assert check_path(workspace, "evidence/briefings-log-2026.csv").status == "ok"
    assert check_path(workspace, "evidence/drills").status == "ok"
    assert check_path(workspace, "evidence/nothing-here.pdf").status == "missing"
    assert url_problem("https://example.com/report") is None and url_problem("mailto:qa@example.com") is None


def test_check_reports_each_hostile_evidence_entry_at_its_line(cli: Cli, hostile_evidence: Path) -> None:
    import json

    run = cli("check", "-f", "json", cwd=hostile_evidence).expect(1)
    found = {f["line"]: f["message"] for f in json.loads(run.stdout)["findings"] if f["path"] == "context/hostile.yaml"}
    expected = [*HOSTILE_EVIDENCE.values(), *HOSTILE_URLS.values()]
    for line, message in enumerate(expected, start=6):
        assert message in found.get(line, ""), (line, message, found)
    assert len(found) == len(expected)  # the good entries after them pass


# --- 5. record text never reaches the terminal raw -------------------------------------------------------------


ESCAPES = r'"\e]0;pwned\a\e[2J[/bold] done"'


def test_list_and_show_escape_terminal_sequences_in_titles(cli: Cli, example: Path) -> None:
    _retitle(example, ESCAPES)

    listed = cli("action", "list", "--status", "all", cwd=example).expect(0)
    shown = cli("action", "show", ACTION, cwd=example).expect(0)

    for output in (listed.stdout, shown.stdout):
        assert "\x1b" not in output and "\x07" not in output
        assert "\\x1b]0;pwned\\x07\\x1b[2J[/bold] done" in output
    assert "\n" in shown.stdout.split("description:")[1].strip()  # a multi-line description keeps its lines


def test_gap_and_history_text_escape_terminal_sequences() -> None:
    from isoctl.core.timeline import Point, Timeline
    from isoctl.model.result import ClauseCoverage, Result
    from isoctl.render import gap, history

    clause = ClauseCoverage("iso9001-2015", "iso9001", "4.1", "\x1b[2JContext", "missing", True, 1, None,
                            ["REC-1"], ["no record \x1b]0;x\x07"])
    result = Result("0", None, 0, 0, [], [clause], [], {})  # type: ignore[arg-type]  # the text view reads no workspace
    text = gap.render(result, "text", width=120)
    point = Point("a" * 40, "2026-01-15", "Jane", "s", {"iso9001-2015\x1b[2J": 0.5}, 1, 0, None,
                  {"error": 0, "warning": 0, "info": 0}, 1, 1)
    timeline = history.render_text(Timeline([point], shallow=False, every="month"))
    for output in (text, timeline):
        assert "\x1b" not in output and "\x07" not in output
        assert "\\x1b[2J" in output


# --- 6. spreadsheet formulas in record text stay text ----------------------------------------------------------


FORMULA = """'=HYPERLINK("http://evil.example","open")'"""


def test_action_list_csv_neutralises_formulas(cli: Cli, example: Path) -> None:
    _retitle(example, FORMULA)

    run = cli("action", "list", "--status", "all", "--format", "csv", cwd=example).expect(0)

    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(run.stdout))}
    assert rows[ACTION]["title"] == "'=HYPERLINK(\"http://evil.example\",\"open\")"
    assert rows[ACTION]["line"] == "2"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_gap_history_and_xlsx_share_one_neutraliser(text: str) -> None:
    from openpyxl import Workbook

    from isoctl.core.timeline import Point, Timeline
    from isoctl.model.result import ClauseCoverage
    from isoctl.render import gap, history
    from isoctl.render.xlsx import put

    clause = ClauseCoverage("iso9001-2015", "iso9001", "4.1", text, "missing", True, 1, None, [], [text])
    gap_row = list(csv.reader(io.StringIO(gap._csv([clause]), newline="")))[1]
    assert gap_row[2] == gap_row[5] == "'" + text

    point = Point("a" * 40, "2026-01-15", text, "s", {}, 1, 0, -1.5, {"error": 0, "warning": 0, "info": 0}, 1, 1,
                  [text])
    history_row = list(csv.reader(io.StringIO(history.render_csv(Timeline([point], False, "month")), newline="")))[1]
    assert history_row[2] == history_row[-1] == "'" + text
    assert history_row[5] == "-1.5"  # a number stays a number

    sheet = Workbook().active
    assert sheet is not None
    put(sheet, 1, 1, text)
    put(sheet, 1, 2, -3)
    cell = sheet.cell(row=1, column=1)  # XLSX stores the leading quote as the cell's quote prefix
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert sheet.cell(row=1, column=2).value == -3


def test_ordinary_text_is_left_alone() -> None:
    from isoctl.render.cells import neutral

    assert [neutral(v) for v in ("Fire drill", "ACT-0042", "", "2026-01-15", -3, 2.5, None)] == [
        "Fire drill", "ACT-0042", "", "2026-01-15", -3, 2.5, None]



def test_action_list_says_which_files_it_could_not_read(cli: Cli, example: Path) -> None:
    os.mkfifo(example / "actions" / "incoming.yaml")
    (example / "handbook.md").write_text("# Handbook\n" + "words " * 600_000)  # 3.6 MB, no front matter: not a record
    listed = cli("action", "list", cwd=example).expect(0)
    assert "warning: actions/incoming.yaml: not a regular file (a named pipe)" in listed.stderr
    assert "handbook.md" not in listed.stderr
    assert "ACT-" in listed.stdout


def _on_a_terminal(args: list[str], cwd: Path) -> bytes:
    """What ``isoctl ARGS`` writes to a terminal (a pseudo-terminal as its stdout)."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([*isoctl_command(), *args], cwd=cwd, stdout=follower, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})
    os.close(follower)
    received = read_until_closed(leader)
    os.close(leader)
    proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return received


@pytest.mark.parametrize("args", [["action", "list", "-s", "all", "--format", "csv"], ["report", "-f", "md"],
                                  ["action", "list", "-s", "all", "--format", "json"]])
def test_csv_markdown_and_json_on_a_terminal_carry_no_raw_control_characters(example: Path, args: list[str]) -> None:
    _retitle(example, ESCAPES)
    shown = _on_a_terminal(args, example)
    assert b"\x1b" not in shown and b"\x07" not in shown
    assert b"pwned" in shown


def test_action_commands_reach_files_whose_names_are_not_utf8(cli: Cli, example: Path) -> None:
    name = os.fsencode(example / "actions") + b"/caf\xe9.yaml"
    with open(name, "wb") as handle:
        handle.write(b"- {id: ACT-0900, kind: action, title: Cafe, owner: rokafor, type: ofi, raised_on: 2026-01-01}\n")
    assert "ACT-0900" in cli("action", "list", cwd=example).expect(0).stdout
    assert "actions/caf\\xe9.yaml" in cli("action", "show", "ACT-0900", cwd=example).expect(0).stdout
    cli("action", "update", "ACT-0900", "--status", "in-progress", cwd=example).expect(0, "ACT-0900 updated")
    with open(name, "rb") as handle:
        assert b"status: in-progress" in handle.read()


def test_a_utf16_action_log_is_named_not_silently_skipped(cli: Cli, example: Path) -> None:
    log = example / LOG
    log.write_text(log.read_text(encoding="utf-8"), encoding="utf-16")
    listed = cli("action", "list", cwd=example).expect(0)
    assert f"warning: {LOG}: UTF-16: convert to UTF-8" in listed.stderr
    cli("action", "show", "ACT-0244", cwd=example).expect(2, f"files that could not be read may hold it: {LOG} (UTF-16")


def test_an_actions_folder_linked_outside_is_named_by_list_and_gap(cli: Cli, example: Path, tmp_path: Path) -> None:
    shutil.move(example / "actions", tmp_path / "elsewhere")
    (example / "actions").symlink_to(tmp_path / "elsewhere")
    listed = cli("action", "list", cwd=example).expect(0)
    assert "warning: actions: symlink to a directory outside the workspace" in listed.stderr
    cli("gap", cwd=example).expect(0, "warning: 1 file was not read in full (actions)")
