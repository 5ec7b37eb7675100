"""Hostile outputs and failures at the error boundary: every one a message and a documented exit code.

``-o`` at a device, a named pipe, ``/dev/stdout``, a directory, a record, a
place that cannot be written or is full; stdout closed, full or gone; Ctrl-C;
and a bug in isoctl itself. Each asserts the exit code, the message and that
no traceback reached the user. Where the process itself matters (its stdout,
a pipe, a device, a signal) or it could hang, the real command runs in a child
process with a timeout; -o errors that only concern the file run in-process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import Cli, MakeWorkspace, committed_example, isoctl_command, run_isoctl


@contextlib.contextmanager
def small_filesystem(directory: Path, *options: str) -> Iterator[Path]:
    """A real tmpfs of 64 KiB at ``directory`` (mounted with ``options``), or a skip when this machine cannot mount."""
    directory.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("size=64k", *options)), "tmpfs", str(directory)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip() or 'mount failed'}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], capture_output=True, check=False)


@pytest.fixture
def workspace(make_workspace: MakeWorkspace) -> Path:
    return make_workspace({"policies/quality.yaml": "kind: document\ntype: policy\nstatus: draft\nid: POL-1\n"
                                                    "title: Quality policy\nclauses: [iso9001:5.2]\n"})


# --- -o FILE ---------------------------------------------------------------------------------------------


def test_output_to_a_place_that_cannot_hold_files_is_a_one_line_error(cli: Cli, workspace: Path) -> None:
    cli("gap", "-o", "/proc/isoctl.txt", cwd=workspace).expect(2, "error: -o /proc/isoctl.txt: No such file or directory")


def test_output_into_a_missing_directory_names_it(cli: Cli, workspace: Path, tmp_path: Path) -> None:
    cli("gap", "-o", str(tmp_path / "nowhere" / "gap.txt"), cwd=workspace).expect(2, "does not exist")


def test_output_to_a_directory_is_a_usage_error(cli: Cli, workspace: Path, tmp_path: Path) -> None:
    cli("check", "-o", str(tmp_path), cwd=workspace).expect(2, "is a directory")


@pytest.mark.parametrize("target", ["isoctl.yaml", "policies/quality.yaml", "policies/new.yml"])
def test_output_never_overwrites_or_adds_a_record_of_the_workspace(cli: Cli, workspace: Path, target: str) -> None:
    before = {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()}
    cli("check", "-f", "json", "-o", target, cwd=workspace).expect(2, "would be read as a record of the workspace")
    assert {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()} == before


def test_output_may_be_a_report_inside_the_workspace(cli: Cli, workspace: Path) -> None:
    cli("gap", "-f", "md", "-o", "gap.md", cwd=workspace).expect(0)
    assert (workspace / "gap.md").read_text(encoding="utf-8").startswith("#")


def test_output_through_a_symlink_replaces_the_file_it_names_and_keeps_the_link(cli: Cli, workspace: Path, tmp_path: Path) -> None:
    real = tmp_path / "reports" / "gap.txt"
    real.parent.mkdir()
    real.write_text("old report\n")
    link = tmp_path / "latest.txt"
    link.symlink_to(real)
    cli("gap", "-o", str(link), cwd=workspace).expect(0)
    assert link.is_symlink()
    assert "iso9001-2015" in real.read_text(encoding="utf-8")


def test_output_to_dev_null_leaves_the_device_in_place(cli: Cli, workspace: Path) -> None:
    cli("gap", "-o", "/dev/null", cwd=workspace).expect(0)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_to_dev_stdout_reaches_the_redirected_file(workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with target.open("wb") as out:
        proc = subprocess.run([*isoctl_command(), "gap", "-o", "/dev/stdout"], cwd=workspace, stdout=out,
                              stderr=subprocess.PIPE, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "iso9001-2015" in target.read_text(encoding="utf-8")
    assert os.path.islink("/dev/stdout")  # as root, a rename would have replaced the link with a file


@pytest.fixture(scope="module")
def nimbus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One committed copy of the nimbus-cloud example for the tests that only read it."""
    return committed_example(tmp_path_factory.mktemp("nimbus") / "ws", "nimbus-cloud").root


@pytest.mark.parametrize("command", [
    ["check", "-f", "json"], ["gap", "-f", "json"], ["soa", "-f", "md"], ["report", "-f", "md"], ["diff", "HEAD", "HEAD"],
    ["history", "-f", "json"], ["pulse", "-f", "json"], ["audit", "plan", "-f", "json"], ["baseline", "write"],
], ids=lambda command: " ".join(command[:2]))
def test_output_to_a_dash_is_stdout(cli: Cli, nimbus: Path, command: list[str]) -> None:
    """``-o -`` prints what the command prints without ``-o`` (for ``baseline write``, what it writes to its file),
    and leaves no file named ``-`` behind."""
    root = nimbus
    dated = [*command, "--today", "2026-11-20"] if command[0] not in ("diff", "baseline") else command
    to_stdout = cli(*dated, "-o", "-", cwd=root)
    assert to_stdout.exit_code in (0, 1), to_stdout.stderr
    if command[0] == "baseline":
        cli(*dated, cwd=root).expect(0)
        expected = (root / ".isoctl" / "baseline.json").read_text(encoding="utf-8")
    else:
        expected = cli(*dated, cwd=root).stdout
    assert to_stdout.stdout == expected and expected.strip()
    assert not (root / "-").exists()


def test_default_outputs_in_the_workspace_are_not_written_through_a_link_out_of_it(cli: Cli, workspace: Path,
                                                                                   tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (workspace / ".isoctl").symlink_to(elsewhere, target_is_directory=True)
    for args, where, option in ((("baseline", "write"), ".isoctl/baseline.json", "-o FILE"),
                                (("schema",), ".isoctl/schema", "-o DIR")):
        run = cli(*args, cwd=workspace).expect(2, f"{where} leads outside the workspace; isoctl writes only inside "
                                                   "it, nothing was written")
        assert f"give {option}" in run.stderr
    assert list(elsewhere.iterdir()) == []
    # named on purpose, the same place is written
    cli("baseline", "write", "-o", str(elsewhere / "baseline.json"), cwd=workspace).expect(0)
    assert (elsewhere / "baseline.json").is_file()


def test_output_to_a_named_pipe_feeds_its_reader(workspace: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        time.sleep(0.2)  # let the reader open the pipe
        run_isoctl("gap", "-o", str(fifo), cwd=workspace).expect(0)
        received = reader.communicate(timeout=10)[0].decode()
    finally:
        reader.kill()
    assert "iso9001-2015" in received
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_to_a_process_substitution_reaches_the_process(workspace: Path) -> None:
    # What a shell's `-o >(gzip > gap.gz)` passes: /dev/fd/N, the write end of a pipe.
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([*isoctl_command(), "gap", "-o", f"/dev/fd/{write_end}"], cwd=workspace,
                            pass_fds=(write_end,), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        received = pipe.read().decode()
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "iso9001-2015" in received


def test_output_to_a_named_pipe_nobody_reads_fails_at_once(workspace: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    run_isoctl("gap", "-o", str(fifo), cwd=workspace, timeout=20).expect(2, "no process is reading this named pipe")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_on_a_read_only_filesystem_is_a_one_line_error(workspace: Path, tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "ro", "ro") as directory:
        run_isoctl("gap", "-o", str(directory / "gap.txt"), cwd=workspace).expect(2, "Read-only file system")


def test_output_on_a_full_disk_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "ws")  # its gap text is ~90 KB: more than the filesystem holds
    with small_filesystem(tmp_path / "full") as directory:
        previous = directory / "gap.txt"
        previous.write_text("last week's gap report\n")
        run_isoctl("gap", "-o", str(previous), cwd=repo.root).expect(2, "No space left on device")
        assert previous.read_text() == "last week's gap report\n"
        assert [p.name for p in directory.iterdir()] == ["gap.txt"]


# --- stdout ----------------------------------------------------------------------------------------------


def test_stdout_on_a_full_disk_is_a_one_line_error(workspace: Path) -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([*isoctl_command(), "check", "-f", "json"], cwd=workspace, stdout=full,
                              stderr=subprocess.PIPE, timeout=30, check=False)
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert "No space left on device" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr


@pytest.mark.parametrize("args", [["check"], ["check", "-f", "json"], ["standards", "list"], ["action", "list"]])
def test_closed_stdout_is_a_one_line_error(workspace: Path, args: list[str]) -> None:
    proc = subprocess.run([*isoctl_command(), *args], cwd=workspace, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=30, check=False, preexec_fn=lambda: os.close(1))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert "standard output is closed" in stderr
    assert "Traceback" not in stderr


def test_a_reader_that_goes_away_ends_the_run_quietly(workspace: Path) -> None:
    # /dev/stdout through a pipe whose reader has already gone: EPIPE on the first write.
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = subprocess.run([*isoctl_command(), "gap", "-o", "/dev/stdout"], cwd=workspace, stdout=write_end,
                          stderr=subprocess.PIPE, timeout=30, check=False)
    os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr.decode() == ""


@pytest.mark.parametrize("unbuffered", [False, True])
def test_a_reader_that_leaves_half_way_through_a_long_output_ends_the_run_quietly(tmp_path: Path,
                                                                                 unbuffered: bool) -> None:
    # an unbuffered stdout (python -u, PYTHONUNBUFFERED) writes once per call and may take part of the bytes:
    # the rest must still be written, and fail, not be dropped with exit 0 or 1
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([*isoctl_command(), "standards", "show", "iso27001", "--format", "json"], cwd=tmp_path,
                            stdout=write_end, stderr=subprocess.PIPE, env=env)
    os.close(write_end)
    start = os.read(read_end, 15)  # about 90 KB follow: more than a pipe holds, and reading 15 bytes frees no room
    os.close(read_end)
    _, stderr = proc.communicate(timeout=60)
    assert start.startswith(b"{")
    assert proc.returncode == 141, stderr
    assert b"Traceback" not in stderr


# --- interrupts and bugs ---------------------------------------------------------------------------------


def test_ctrl_c_exits_130_with_one_line(tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "ws")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # A reader that never reads: the ~90 KB gap report fills the pipe and isoctl waits in write().
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        proc = subprocess.Popen([*isoctl_command(), "gap", "-o", str(fifo)], cwd=repo.root, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={**os.environ, "ISOCTL_NO_CACHE": "1"})
        deadline = time.monotonic() + 20
        while _buffered(reader) < 65536 and time.monotonic() < deadline:  # until the pipe is full
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        os.close(reader)
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert text.strip() == "isoctl: interrupted"


def test_ctrl_c_reaching_every_process_prints_one_line(make_workspace: MakeWorkspace) -> None:
    # A terminal's Ctrl-C goes to the whole foreground process group: isoctl and its parse helper.
    records = "".join(f"- {{id: ISS-{n}, kind: issue, type: external, title: Issue {n}, description: {'x' * 400}}}\n"
                      for n in range(200))
    root = make_workspace({f"context/issues-{n}.yaml": records.replace("ISS-", f"ISS-{n}-") for n in range(120)})
    proc = subprocess.Popen([*isoctl_command(), "check"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "ISOCTL_NO_CACHE": "1"}, start_new_session=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < deadline and not children.read_text().strip():
        time.sleep(0.01)  # until the parse helper runs beside isoctl
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr.decode()
    assert stderr.decode() == "isoctl: interrupted\n"


def _buffered(fd: int) -> int:
    """Bytes waiting in a pipe (FIONREAD)."""
    import array
    import fcntl
    import termios

    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]


def test_a_bug_is_exit_3_with_one_line_and_the_traceback_only_on_request(
    cli: Cli, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import isoctl.core.evaluate

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("coverage")

    monkeypatch.setattr(isoctl.core.evaluate, "open_evaluation", broken)
    monkeypatch.delenv("ISOCTL_DEBUG", raising=False)
    quiet = cli("check", cwd=workspace)
    assert quiet.exit_code == 3
    assert quiet.stderr.splitlines() == [
        "isoctl: internal error: KeyError: 'coverage'",
        "hint: this is a bug in isoctl; run again with ISOCTL_DEBUG=1 to see where it happened and report it",
    ]
    monkeypatch.setenv("ISOCTL_DEBUG", "1")
    loud = cli("check", cwd=workspace)
    assert loud.exit_code == 3
    assert "Traceback (most recent call last)" in loud.stderr and "def broken" not in loud.stdout


def test_an_isoctl_error_is_exit_2_with_its_message_and_hint(cli: Cli, tmp_path: Path) -> None:
    run = cli("check", cwd=tmp_path)
    assert run.exit_code == 2
    assert run.stderr.startswith("error: no isoctl.yaml found")
    assert "hint: run 'isoctl init PATH'" in run.stderr


@pytest.mark.parametrize(("args", "line"), [
    (["check", "--format", "xml"],
     "Error: Invalid value for '--format' / '-f': 'xml' is not one of 'text', 'json', 'sarif', 'junit', 'github', "
     "'gitlab'."),
    (["history", "--every", "fortnight"],
     "Error: Invalid value for '--every': 'fortnight' is not one of 'commit', 'week', 'month'."),
    (["action", "new", "--type", "corrective", "--title", "Fix it"],
     "Error: Invalid value for '--type' / '-t': 'corrective' is not one of 'nonconformity', 'incident', 'complaint', "
     "'improvement', 'ofi'."),
    (["portfolio", "--depth", "two"], "Error: Invalid value for '--depth': not a whole number"),
    (["portfolio", "--depth", "33"], "Error: Invalid value for '--depth': must be at most 32"),
    (["standards", "show", "iso9001", "--depth", "0"], "Error: Invalid value for '--depth' / '-d': must be at least 1"),
])
def test_a_bad_value_is_refused_in_the_words_of_a_command_line(cli: Cli, workspace: Path, args: list[str],
                                                                 line: str) -> None:
    run = cli(*args, cwd=workspace).expect(2)
    assert run.stderr.splitlines()[-1] == line  # in the parser's words, without the validation library's


@pytest.mark.parametrize("limit", [10, 12])
def test_too_few_open_files_is_said_as_such_not_as_a_bug(tmp_path: Path, limit: int) -> None:
    import resource

    repo = committed_example(tmp_path / "acme")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]

    def few_files() -> None:  # in the child, before isoctl starts: what 'ulimit -n LIMIT' does
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    done = subprocess.run([*isoctl_command(), "check"], cwd=repo.root, capture_output=True, text=True, timeout=60,
                          preexec_fn=few_files, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("error: the system would not let isoctl open another file: Too many open files\n"
                           f"hint: this shell allows {limit} open files (ulimit -n); raise the limit and run again\n")


@pytest.mark.parametrize("args", [("check",), ("check", "{root}"), ("gap", "{root}"), ("action", "list")])
def test_a_working_directory_deleted_under_isoctl_is_said_as_such(tmp_path: Path, args: tuple[str, ...]) -> None:
    repo = committed_example(tmp_path / "acme")
    doomed = tmp_path / "doomed"
    doomed.mkdir()

    def in_a_deleted_directory() -> None:  # in the child, before isoctl starts: a shell whose directory was removed
        os.chdir(doomed)
        os.rmdir(doomed)

    command = [*isoctl_command(), *(arg.format(root=repo.root) for arg in args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, preexec_fn=in_a_deleted_directory,
                          env={**os.environ, "NO_COLOR": "1"})
    assert (done.returncode, done.stderr) == (2, "error: the current directory no longer exists (it was deleted or "
                                                 "moved)\nhint: cd to a directory that exists and run again\n")
