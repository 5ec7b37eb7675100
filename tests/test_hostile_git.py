"""Git data is untrusted: hostile commits, file names, dates, ownership, and progress on long walks.

Every case starts from a committed copy of examples/acme-logistics. Commits
git itself refuses to write (Latin-1 or control characters in the author, a
time zone of +9959, the years 1960 and 10000) are written as raw objects with
``git hash-object --literally``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest
from helpers import Cli, GitRepo, Run, committed_example, git_environment, isolate_git, read_until_closed, run_isoctl

DAY = "2026-03-01"  # the evaluation date of every check here: results do not move with the real clock

# (author and committer line after the keyword, message) of the commits git will not write itself
HOSTILE: dict[str, tuple[bytes, bytes]] = {
    "latin-1": (b"Jos\xe9 M\xfcller <jose@example.com> 1768564800 +0000", b"Revis\xe9 \x1b[31mthe register\n"),
    "control": (b"Mallory\x1b[2J\x07 Evil <mallory@example.com> 1768651200 +0100", b"Tidy\x08\x08 up\n"),
    "newline": (b"Broken\nName <broken@example.com> 1768737600 +0000", b"Newline in the author\n"),
    "zone": (b"Far Zone <zone@example.com> 1768824000 +9959", b"Time zone +9959\n"),
    "1960": (b"Old Timer <old@example.com> -315619200 +0000", b"Dated 1960\n"),
    "10000": (b"Far Future <future@example.com> 253402300800 +0000", b"Dated in the year 10000\n"),
}


def raw_commit(repo: GitRepo, ident: bytes, message: bytes, touch: str = "actions/2026.yaml") -> str:
    """Append to the branch a commit with ``ident`` as author and committer, changing ``touch``; returns its sha."""
    path = repo.root / touch
    path.write_bytes(path.read_bytes() + b"\n# touched\n")
    repo.git("add", "--all")
    tree, parent = repo.git("write-tree"), repo.sha()
    body = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\n%s" % (tree.encode(), parent.encode(), ident, ident, message)
    written = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"], cwd=repo.root,
                             input=body, capture_output=True, check=True, env=git_environment())
    sha = written.stdout.decode().strip()
    repo.git("update-ref", "HEAD", sha)
    return sha


def ran(result: Run) -> None:
    """Ran to the end: findings or not, but no crash and no traceback."""
    text = result.stdout + result.stderr
    assert result.exit_code in (0, 1), text
    assert "Traceback" not in text and "internal error" not in text, text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """The example with one commit of each hostile kind on top, in the order of HOSTILE."""
    repo = committed_example(tmp_path_factory.mktemp("hostile") / "acme")
    for ident, message in HOSTILE.values():
        raw_commit(repo, ident, message)
    return repo


# 1. authors, e-mails, messages and dates of any encoding or range


def test_hostile_commits_are_read_by_check_history_and_report(cli: Cli, hostile: GitRepo) -> None:
    check = cli("check", "--today", DAY, "-f", "json", cwd=hostile.root)
    ran(check)
    json.loads(check.stdout)
    assert "4 commits carry a date git cannot give" in check.stderr  # newline (no date at all), +9959, 1960, 10000

    history = cli("history", "--every", "commit", "-f", "json", cwd=hostile.root)
    ran(history)
    assert "\x1b" not in history.stdout and "\\u001b" not in history.stdout and "\\u0007" not in history.stdout
    points = json.loads(history.stdout)["points"]
    # the undated commits are no points of their own: 1970, 2999 or 10000 would put them in no real period
    assert [p["date"] for p in points] == ["2026-01-15", "2026-01-16", "2026-01-17"]
    assert points[1]["author"] == "José Müller" and points[1]["subject"].startswith("Revisé ")
    assert points[2]["author"] == "Mallory[2J Evil"
    assert "not points of the timeline" in history.stderr

    report = cli("report", "--today", DAY, "-f", "md", cwd=hostile.root)
    ran(report)
    assert "\x1b" not in report.stdout and "\x07" not in report.stdout

    at = cli("check", "--at", "HEAD", "-f", "json", cwd=hostile.root)  # HEAD is the year-10000 commit
    ran(at)
    assert "carries no usable date, so it is evaluated as of today" in at.stderr


def test_library_reads_every_author_cleaned_and_every_date_in_range(hostile: GitRepo) -> None:
    from isoctl.history import revisions

    commits = revisions.log(hostile.root)
    by_subject = {c.subject.split()[0]: c for c in commits}
    assert by_subject["Revisé"].author == "José Müller" and not by_subject["Revisé"].clamped
    assert by_subject["Tidy"].author == "Mallory[2J Evil" and by_subject["Tidy"].subject == "Tidy up"
    assert by_subject["Tidy"].authored.utcoffset() == dt.timedelta(hours=1)
    assert by_subject["Newline"].author == "" and by_subject["Newline"].clamped
    assert by_subject["Time"].clamped and by_subject["Time"].authored.utcoffset() == dt.timedelta(0)
    assert by_subject["Dated"].clamped
    years = sorted(c.authored.year for c in commits)
    assert years[0] == 1970 and years[-1] == 2999  # clamped into the span isoctl evaluates on
    assert all(1900 <= c.committed.date().year <= 2999 for c in commits)


@pytest.mark.parametrize(("ident", "today"), [
    (b"Far Future <future@example.com> 253402300800 +0000", "2999-12-31"),  # clamped to 2999-12-31
    (b"Old Timer <old@example.com> -315619200 +0000", "1970-06-01"),  # clamped to 1970-01-01
])
def test_clamped_dates_are_not_activity(cli: Cli, git_repo: GitRepo, ident: bytes, today: str) -> None:
    from helpers import make_workspace

    make_workspace(git_repo.root, {f"actions/ACT-{n}.yaml": f"id: ACT-{n}\nkind: action\ntype: improvement\n"
                                   f"title: Action {n}\nraised_on: 2026-01-0{n}\n" for n in range(1, 4)})
    git_repo.commit("Start", date="2026-01-10")
    for n in range(12):
        raw_commit(git_repo, ident, b"Edit %d\n" % n, touch=f"actions/ACT-{n % 3 + 1}.yaml")
    result = cli("check", "--today", today, "--select", "single-contributor", "-f", "json", cwd=git_repo.root)
    ran(result)
    assert json.loads(result.stdout)["findings"] == []  # twelve changes by one person, but none dated in that year
    assert "12 commits carry a date git cannot give" in result.stderr


# 2. file names that are not UTF-8


@pytest.fixture(scope="module")
def latin1_names(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """The example plus a record file and an evidence file whose names are Latin-1 bytes."""
    repo = committed_example(tmp_path_factory.mktemp("names") / "acme")
    root = os.fsencode(repo.root)
    with open(os.path.join(root, b"actions", b"caf\xe9.yaml"), "wb") as handle:
        handle.write(b"id: ACT-9001\nkind: action\ntype: improvement\ntitle: Espresso machine\nraised_on: 2026-01-20\n"
                     b"due: 2026-01-31\n")  # overdue on DAY: a finding located in that file
    with open(os.path.join(root, b"evidence", b"r\xe9sum\xe9.pdf"), "wb") as handle:
        handle.write(b"%PDF-1.4\n")
    repo.commit("Latin-1 file names", date="2026-01-20")
    return repo


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "gitlab"])
def test_non_utf8_file_names_in_every_check_format(cli: Cli, latin1_names: GitRepo, fmt: str) -> None:
    for at in ((), ("--at", "HEAD")):
        result = cli("check", "--today", DAY, "-f", fmt, *at, cwd=latin1_names.root)
        ran(result)
        if fmt == "sarif":  # a URI of the file's own bytes, which a SARIF viewer can open
            assert "actions/caf%E9.yaml" in result.stdout, (at, result.stdout[-2000:])
            assert unquote(result.stdout.split("actions/caf", 1)[1][:8], "latin-1") == "\xe9.yaml"
            continue
        shown = result.stdout.replace("\\\\", "\\")  # JSON escapes the backslash
        assert "actions/caf\\xe9.yaml" in shown, (at, result.stdout[-2000:])


def test_non_utf8_file_names_are_named_alike_committed_or_not(cli: Cli, latin1_names: GitRepo) -> None:
    from isoctl.history import trees

    assert "actions/caf\\xe9.yaml" in trees.snapshot(latin1_names.root, "HEAD").files
    added = cli("diff", "HEAD~1", "HEAD", "--today", DAY, "-f", "json", cwd=latin1_names.root)
    ran(added)
    assert [r["path"] for r in json.loads(added.stdout)["records"]["added"]] == ["actions/caf\\xe9.yaml"]
    same = cli("diff", "HEAD", "--today", DAY, "-f", "json", cwd=latin1_names.root)  # working tree vs HEAD
    ran(same)
    assert json.loads(same.stdout)["records"] == {"added": [], "removed": [], "changed": []}
    ran(cli("history", "--every", "commit", cwd=latin1_names.root))
    ran(cli("report", "--today", DAY, "-f", "md", cwd=latin1_names.root))


def _tree(repo: GitRepo, entries: list[tuple[bytes, bytes, str]]) -> str:
    """A tree object written as given (git checks nothing with --literally): (mode, name, sha) in git's order."""
    body = b"".join(b"%s %s\0%s" % (mode, name, bytes.fromhex(sha)) for mode, name, sha in entries)
    written = subprocess.run(["git", "hash-object", "-t", "tree", "-w", "--literally", "--stdin"], cwd=repo.root,
                             input=body, capture_output=True, check=True, env=git_environment())
    return written.stdout.decode().strip()


def test_tree_paths_leading_out_of_the_commit_are_not_followed(cli: Cli, tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "acme")
    repo.commit("A catalog folder", files={"isoctl.yaml": (repo.root / "isoctl.yaml").read_text() + "\ncatalogs: [extra]\n",
                                          "extra/README.md": "Our own catalogs.\n"}, date="2026-01-16")
    # a commit whose tree holds extra/../../NAME: copying the catalog folder out of it would write NAME
    # into the temporary directory's parent
    name = f"isoctl-escaped-{os.getpid()}-{tmp_path.name}.yaml"
    escaped = Path(tempfile.gettempdir()) / name
    readme = repo.git("rev-parse", "HEAD:extra/README.md")
    leaf = _tree(repo, [(b"100644", name.encode(), readme)])
    up = _tree(repo, [(b"40000", b"..", leaf)])
    extra = _tree(repo, [(b"40000", b"..", up), (b"100644", b"README.md", readme)])
    top = []
    for line in repo.git("ls-tree", "HEAD").splitlines():
        meta, entry = line.split("\t")
        mode, _, sha = meta.split()
        top.append((mode.lstrip("0").encode(), entry.encode(), extra if entry == "extra" else sha))
    commit = repo.git("commit-tree", _tree(repo, top), "-p", "HEAD", "-m", "Escape", date="2026-01-17")
    repo.git("update-ref", "HEAD", commit)
    assert f"extra/../../{name}" in repo.git("ls-tree", "-r", "--name-only", "HEAD")
    try:
        ran(cli("check", "--at", "HEAD", "--today", DAY, cwd=repo.root))
        ran(cli("history", "--every", "commit", cwd=repo.root))
        assert not escaped.exists()
    finally:
        escaped.unlink(missing_ok=True)


def test_a_repository_configuration_runs_no_command(cli: Cli, tmp_path: Path) -> None:
    # a workspace unpacked from someone's archive, .git included: its config names an fsmonitor "hook"
    repo = committed_example(tmp_path / "acme")
    marker = tmp_path / "fsmonitor-ran"
    repo.git("config", "core.fsmonitor", f"touch {marker}; echo")
    ran(cli("check", "--today", DAY, cwd=repo.root))
    ran(cli("history", cwd=repo.root))
    assert not marker.exists()


# 3. evaluation dates outside the calendar


@pytest.mark.parametrize("today", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
def test_evaluation_date_out_of_range_is_a_usage_error(cli: Cli, latin1_names: GitRepo, today: str) -> None:
    import isoctl

    cli("check", "--today", today, cwd=latin1_names.root).expect(2, "is outside the dates isoctl evaluates on "
                                                                  "(1900-01-01 to 2999-12-31)")
    with pytest.raises(isoctl.IsoctlError, match="outside the dates"):
        isoctl.evaluate(latin1_names.root, today=today)
    with pytest.raises(isoctl.IsoctlError, match="outside the dates"):
        isoctl.evaluate(latin1_names.root, today=dt.date.fromisoformat(today))


@pytest.mark.parametrize("today", ["1900-01-01", "2999-12-31"])
def test_history_rules_run_on_the_first_and_last_evaluation_dates(cli: Cli, latin1_names: GitRepo, today: str) -> None:
    ran(cli("check", "--today", today, "--select", "single-contributor", "--select", "pre-audit-scramble",
            cwd=latin1_names.root))


def test_evaluation_span_is_the_span_of_record_dates() -> None:
    from isoctl.core import evaluate
    from isoctl.model import fields

    assert (evaluate.FIRST_DAY, evaluate.LAST_DAY) == (fields.FIRST_DAY, fields.LAST_DAY)


# 4. a day after the last commit


def test_a_day_after_the_last_commit_is_the_last_commit(cli: Cli, latin1_names: GitRepo) -> None:
    head = latin1_names.sha()
    at = cli("check", "--at", "2100-01-01", "-f", "json", cwd=latin1_names.root)
    ran(at)
    assert json.loads(at.stdout)["workspace"]["commit"] == head
    ran(cli("check", "--at", "2999-12-31", cwd=latin1_names.root))
    diff = cli("diff", "2100-01-01", "--today", DAY, "-f", "json", cwd=latin1_names.root)
    ran(diff)
    assert json.loads(diff.stdout)["from"]["commit"] == head
    ran(cli("report", "--since", "2100-01-01", "--today", DAY, "-f", "md", cwd=latin1_names.root))
    cli("check", "--at", "2026-01-14", cwd=latin1_names.root).expect(2, "no commit on or before 2026-01-14")
    cli("check", "--at", "0001-01-01", cwd=latin1_names.root).expect(2, "no commit on or before 0001-01-01")


# 5. a checkout another user owns


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give the copy away")
def test_repository_of_another_user(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)  # no safe.directory from the machine's configuration
    repo = committed_example(tmp_path / "acme")
    for directory, _, files in os.walk(repo.root):
        for name in [directory, *(os.path.join(directory, f) for f in files)]:
            os.lchown(name, 65534, 65534)

    check = cli("check", "--today", DAY, "-f", "json", cwd=repo.root)
    ran(check)
    json.loads(check.stdout)
    assert check.stderr.count("git refuses to read the repository") == 1, check.stderr
    assert ("the rules that read it (changed-after-approval, late-recording, narrow-participation, "
            "post-certification-slump, pre-audit-scramble, silent-period, single-contributor, static-objectives) "
            "were skipped") in check.stderr
    assert f"git config --global --add safe.directory {repo.root}" in check.stderr

    for args in (("check", "--at", "HEAD"), ("diff", "HEAD"), ("history",), ("report", "--since", "HEAD")):
        cli(*args, cwd=repo.root).expect(2, "git refuses to read the repository").expect(2, "safe.directory")


def test_no_git_on_path_inside_a_repository_is_said_like_a_refused_one(cli: Cli, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The working tree is still checked; the history rules are skipped with a note, and --strict-history fails."""
    repo = committed_example(tmp_path / "paper", "paper-iso")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git"))  # a directory that does not exist: no git anywhere
    unavailable = f"git is not installed or not on PATH, so the history of the repository at {repo.root} is unavailable"

    check = cli("check", "--today", DAY, "-f", "json", cwd=repo.root)
    ran(check)
    data = json.loads(check.stdout)
    assert data["workspace"]["commit"] is None and data["summary"]["records"] > 0
    assert check.stderr.count(unavailable) == 1, check.stderr
    assert ("and the rules that read it (changed-after-approval, late-recording, narrow-participation, "
            "post-certification-slump, pre-audit-scramble, silent-period, single-contributor, static-objectives) "
            "were skipped; install git, or add the directory that holds it to PATH") in check.stderr

    for args in (("check", "--strict-history"), ("report", "--strict-history", "-f", "md"), ("check", "--at", "HEAD")):
        result = cli(*args, "--today", DAY, cwd=repo.root).expect(2, f"error: {unavailable}")
        assert result.stdout == "" and "not a git repository" not in result.stderr
    report = cli("report", "--today", DAY, "-f", "md", cwd=repo.root)
    ran(report)
    assert report.stderr.count(unavailable) == 1, report.stderr
    assert f"working tree ({unavailable})" in report.stdout and "not a git repository" not in report.stdout
    for args in (("history",), ("diff", "HEAD"), ("pulse",)):
        cli(*args, cwd=repo.root).expect(2, "git is not installed or not on PATH")


# 6. progress on long walks

PROGRESS_CHILD = ("import sys, isoctl.cli.progress as p; p.DELAY = 0; from isoctl.cli import main; "
                  "sys.argv[0] = 'isoctl'; main()")


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = committed_example(tmp_path_factory.mktemp("busy") / "acme")
    for n in range(6):
        repo.write("actions/2026.yaml", (repo.root / "actions/2026.yaml").read_text() + f"\n# edit {n}\n")
        repo.commit(f"Edit {n}", date=f"2026-02-{n + 1:02d}")
    return repo


def _history_child(root: Path, cache: Path, stderr: int) -> subprocess.Popen[bytes]:
    # progress.DELAY = 0, so that a short history shows progress too; everything else as a user runs it
    env = {**os.environ, "ISOCTL_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-c", PROGRESS_CHILD, "history", "--every", "commit", "-f", "json"],
                            cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)


def test_no_progress_when_stderr_is_not_a_terminal(busy: GitRepo, tmp_path: Path) -> None:
    child = _history_child(busy.root, tmp_path / "cache", subprocess.PIPE)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert err == b""
    assert len(json.loads(out)["points"]) == 7


def test_progress_on_a_terminal(busy: GitRepo, tmp_path: Path) -> None:
    master, slave = pty.openpty()
    try:
        child = _history_child(busy.root, tmp_path / "cache", slave)
        os.close(slave)
        shown = read_until_closed(master)
        out, _ = child.communicate(timeout=60)
    finally:
        os.close(master)
    assert child.returncode == 0
    assert b"evaluating the history" in shown and b"7/7" in shown
    assert len(json.loads(out)["points"]) == 7  # stdout has the timeline and nothing else


def test_report_tells_its_progress(busy: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from isoctl.core.evaluate import open_evaluation
    from isoctl.report.gather import collect

    monkeypatch.setenv("ISOCTL_CACHE_DIR", str(tmp_path / "cache"))  # cold: the timeline points are computed
    told: list[tuple[str, int, int]] = []
    with open_evaluation(busy.root, today=DAY) as evaluation:
        collect(evaluation, progress=lambda what, done, total: told.append((what, done, total)))
    assert ("evaluating the history", 2, 2) in told  # the January and February points
    assert ("reading document revisions", 7, 7) in told


# 7. files git would wait on for ever (git never commits one: something on this machine made it)

WAITED_ON: dict[str, Callable[[Path], Path]] = {
    "HEAD": lambda root: _fifo(root / ".git" / "HEAD"),
    "index": lambda root: _fifo(root / ".git" / "index"),
    "packed refs": lambda root: _fifo(root / ".git" / "packed-refs"),
    "the branch's ref": lambda root: _fifo(root / ".git" / "refs" / "heads" / "main"),
    "config linked to a device": lambda root: _link(root / ".git" / "config", Path("/dev/zero")),
    ".git itself": lambda root: _fifo(root / ".git"),
    "a .gitignore": lambda root: _fifo(root / "actions" / ".gitignore"),
}


def _fifo(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    os.mkfifo(path)
    return path


def _link(path: Path, target: Path) -> Path:
    path.unlink()
    path.symlink_to(target)
    return path


@pytest.mark.parametrize("case", list(WAITED_ON))
def test_a_file_git_would_wait_on_is_named_and_check_goes_on_without_git(case: str, tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "acme")
    assert repo.git("branch", "--show-current") == "main"
    blocked = WAITED_ON[case](repo.root)
    kind = "a character device" if case.startswith("config") else "a named pipe (FIFO)"
    said = f"{blocked} is {kind}, not a file: git would wait on it for ever"
    for _ in range(2):  # the second run asks the replay cache, which reads the repository's files too
        check = run_isoctl("check", "--today", DAY, "-f", "json", cwd=repo.root, timeout=60)
        ran(check)
        assert json.loads(check.stdout)["summary"]["records"] > 0
        assert check.stderr.count(said) == 1, check.stderr
        assert "static-objectives) were skipped" in check.stderr and f"remove {blocked}" in check.stderr
    history = run_isoctl("history", "-f", "json", cwd=repo.root, timeout=60)
    if case == "a .gitignore":  # git log reads no working tree file: the history is there
        assert history.exit_code == 0 and json.loads(history.stdout), history.stderr
    else:
        history.expect(2, said)


def test_a_linked_worktree_is_looked_over_where_its_git_directory_is(tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "acme")
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "--quiet", str(linked))
    assert (linked / ".git").is_file()  # "gitdir: .../.git/worktrees/linked"
    blocked = _fifo(repo.root / ".git" / "worktrees" / "linked" / "index")
    check = run_isoctl("check", "--today", DAY, "-f", "json", cwd=linked, timeout=60)
    ran(check)
    assert f"{blocked} is a named pipe (FIFO), not a file" in check.stderr
    # the main working tree is not the linked one: its own index is a file, and its history is read
    main = run_isoctl("history", "-f", "json", cwd=repo.root, timeout=60)
    assert main.exit_code == 0 and json.loads(main.stdout), main.stderr


# 8. a damaged repository: an object the history names is gone


def test_a_missing_blob_is_a_damaged_repository_not_a_crash(tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "acme")
    blob = repo.git("rev-parse", "HEAD:isoctl.yaml")
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # committed_example leaves loose objects
    said = f"git cannot give object {blob} of this repository (it is missing, or the repository is damaged)"
    for args in (("check", "--at", "HEAD"), ("report", "--today", DAY, "-o", str(tmp_path / "pack.html"))):
        run = run_isoctl(*args, cwd=repo.root, timeout=60)
        assert run.exit_code == 2 and said in run.stderr, run.stderr
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert not (tmp_path / "pack.html").exists()


# 9. submodules: an entry that names a commit of another repository, not a file


def test_a_submodule_named_like_a_record_is_no_file_of_the_history(tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "acme")
    elsewhere = "0123456789abcdef0123456789abcdef01234567"  # a commit of another repository: not in this one
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{elsewhere},vendor/policies.yaml")
    repo.git("commit", "--quiet", "--message", "Add a submodule", date="2026-01-20")
    log = repo.root / "actions" / "2026.yaml"  # then a file becomes a submodule, in one commit
    repo.git("rm", "--quiet", "--cached", "actions/2026.yaml")
    log.unlink()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{elsewhere},actions/2026.yaml")
    repo.git("commit", "--quiet", "--message", "The log becomes a submodule", date="2026-01-21")
    repo.git("reset", "--quiet", "--hard")
    history = run_isoctl("history", "--every", "commit", "-f", "json", cwd=repo.root, timeout=60)
    assert history.exit_code == 0, history.stderr
    points = json.loads(history.stdout)["points"]
    assert points[-1]["records"] < points[-3]["records"]  # the log's records went with it
    for args in (("check", "--at", "HEAD~1"), ("report", "--today", DAY, "-o", str(tmp_path / "pack.html")),
                 ("diff", "HEAD~2", "HEAD"), ("pulse", "--today", DAY)):
        run = run_isoctl(*args, cwd=repo.root, timeout=60)
        assert run.exit_code in (0, 1), (args, run.stderr)
        assert "cannot give object" not in run.stderr and "Traceback" not in run.stderr


def test_a_long_running_caller_sees_a_pipe_put_in_the_repository_after_its_first_evaluation(tmp_path: Path) -> None:
    repo = committed_example(tmp_path / "acme")
    script = ("import os, sys, isoctl\n"
              "first = isoctl.evaluate(sys.argv[1], today='2026-03-01')\n"
              "index = os.path.join(sys.argv[1], '.git', 'index')\n"
              "os.unlink(index); os.mkfifo(index)\n"
              "second = isoctl.evaluate(sys.argv[1], today='2026-03-01')\n"
              "print(first.workspace.commit is not None, len(first.findings) > 0, any('named pipe' in n for n in second.notes))\n")
    done = subprocess.run([sys.executable, "-c", script, str(repo.root)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "ISOCTL_NO_CACHE": "1"})
    assert done.stdout.split() == ["True", "True", "True"], done.stderr
