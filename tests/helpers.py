"""Real workspaces and real git repositories for tests, built in a temp directory.

``make_workspace(root, {"actions/a.yaml": "..."})`` writes an ``isoctl.yaml``
and the files. ``GitRepo.init(root)`` starts a repository whose commits have
the date and author a test gives them: git runs with no user or system
configuration and none of the caller's ``GIT_*`` variables, so a machine's
signing, hooks, default branch or identity never change a result or a sha.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml

MANIFEST = """\
isoctl: 1
organization: {name: Test Ltd}
standards: [iso9001:2015]
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - {id: akhan, name: Amir Khan, role: Quality Lead}
"""

JANE = "Jane Smith <jane@example.com>"

#: An approved quality policy in Markdown, for the rules that follow a document after its approval.
POLICY = """\
---
id: POL-1
kind: document
type: policy
title: Quality policy
status: approved
version: "{version}"
approved_by: jsmith
approved_on: {approved}
# owner: the managing director
---
{body}
"""


def policy(version: str = "1", approved: str = "2026-02-01", body: str = "We deliver on time.") -> dict[str, str]:
    return {"documents/quality-policy.md": POLICY.format(version=version, approved=approved, body=body)}


OPEN_ACTION = """\
id: {id}
kind: action
type: improvement
title: Label the racking
owner: jsmith
raised_on: 2026-01-10
status: open
due: {due}
"""


def open_action(due: str = "2026-02-01", record_id: str = "ACT-1") -> str:
    """An open improvement action owned by jsmith, raised 2026-01-10: overdue-action from the day after ``due``."""
    return OPEN_ACTION.format(id=record_id, due=due)

# Settings that make git ignore the machine it runs on: no ~/.gitconfig, no /etc/gitconfig, no prompts.
ISOLATED_GIT = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}

_IDENTITY = re.compile(r"^(?P<name>[^<>]+?)\s*<(?P<email>[^<>]*)>$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Files = Mapping[str, str | bytes]


def write_tree(root: Path, files: Files) -> Path:
    """Write files (relative path -> text or bytes) under ``root``, creating folders; returns ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def make_workspace(root: Path, files: Files | None = None, *, manifest: str | Mapping[str, Any] | None = None) -> Path:
    """Write a workspace at ``root``: ``isoctl.yaml`` and ``files``; returns ``root``.

    ``manifest`` is the text of ``isoctl.yaml`` (written as given, even when it
    is broken on purpose) or a mapping dumped as YAML; by default a 9001
    system of Test Ltd with two people, ``jsmith`` (top management) and
    ``akhan``. Calling it again on the same root adds and overwrites files.
    """
    if manifest is None:
        text = MANIFEST
    elif isinstance(manifest, str):
        text = manifest
    else:
        text = yaml.safe_dump(dict(manifest), sort_keys=False, allow_unicode=True)
    root.mkdir(parents=True, exist_ok=True)
    return write_tree(root, {"isoctl.yaml": text, **(files or {})})


def identity(person: str) -> tuple[str, str]:
    """``"Jane Smith <jane@example.com>"`` as ``("Jane Smith", "jane@example.com")``."""
    match = _IDENTITY.match(person)
    if match is None:
        raise ValueError(f"{person!r} is not 'Name <email>'")
    return match["name"], match["email"]


def timestamp(date: str | dt.date) -> str:
    """A git date: a bare day is noon UTC (the same day in every time zone); anything else is passed on as written."""
    text = date.isoformat() if isinstance(date, dt.date) else date
    return f"{text}T12:00:00+00:00" if _DAY.match(text) else text


def git_environment(*, author: str = JANE, committer: str | None = None, date: str | dt.date | None = None) -> dict[str, str]:
    """The environment the helpers run git in: the caller's, less its ``GIT_*`` variables, plus isolation and identity."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    env.update(ISOLATED_GIT)
    for role, person in (("AUTHOR", author), ("COMMITTER", committer or author)):
        name, email = identity(person)
        env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = name, email
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = timestamp(date)
    return env


def isolate_git(monkeypatch: pytest.MonkeyPatch, global_config: Path | None = None) -> None:
    """Give the git commands isoctl runs in this test the isolation the helpers have.

    ``global_config`` stands in for the user's ``~/.gitconfig`` (none by
    default), for tests of what isoctl reads from it.
    """
    for name in [name for name in os.environ if name.startswith("GIT_")]:
        monkeypatch.delenv(name)
    for name, value in ISOLATED_GIT.items():
        monkeypatch.setenv(name, value)
    if global_config is not None:
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(global_config))


class GitRepo:
    """A real git repository at ``root``, driven with the git command line.

    ``author`` (``"Name <email>"``) is who commits unless a call names
    someone else; the committer is the author unless given.
    """

    def __init__(self, root: Path, *, author: str = JANE) -> None:
        self.root = root
        self.author = author

    @classmethod
    def init(cls, root: Path, *, branch: str = "main", author: str = JANE) -> GitRepo:
        """Create (or reuse) the directory ``root`` and start a repository there on ``branch``."""
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root, author=author)
        repo.git("init", "--quiet", "--initial-branch", branch)
        return repo

    def git(self, *args: str, date: str | dt.date | None = None, author: str | None = None,
            committer: str | None = None) -> str:
        """Run ``git ARGS`` in the repository; its output without the final newline. A failure raises with git's message."""
        env = git_environment(author=author or self.author, committer=committer, date=date)
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed ({done.returncode}) in {self.root}:\n{done.stderr}")
        return done.stdout.rstrip("\n")

    def write(self, relative: str, text: str | bytes) -> Path:
        """Write one file of the working tree (folders created); returns its path. Nothing is staged."""
        write_tree(self.root, {relative: text})
        return self.root / relative

    def write_files(self, files: Files) -> None:
        """Write several files of the working tree at once."""
        write_tree(self.root, files)

    def remove(self, relative: str) -> None:
        """Delete a file from the working tree; the next commit records the deletion."""
        (self.root / relative).unlink()

    def rename(self, old: str, new: str) -> None:
        """Move a file in the working tree; the next commit records it (git sees a rename, as after ``git mv``)."""
        target = self.root / new
        target.parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(target)

    def commit(self, message: str, *, files: Files | None = None, date: str | dt.date = "2026-01-15",
               author: str | None = None, committer: str | None = None) -> str:
        """Write ``files``, stage every change in the working tree and commit it; returns the new sha.

        ``date`` (a day, taken as noon UTC, or a full ISO timestamp) is both the
        author and the committer date.
        """
        if files:
            self.write_files(files)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--message", message, date=date, author=author, committer=committer)
        return self._head()

    def _head(self) -> str:
        """HEAD's sha read from the repository's files when it is a plain ``.git`` with a loose ref (no process)."""
        git_dir = self.root / ".git"
        try:
            head = (git_dir / "HEAD").read_text().strip()
            if head.startswith("ref: refs/"):
                sha = (git_dir / head[5:]).read_text().strip()
            else:
                sha = head
        except OSError:  # a worktree's .git file, a packed ref
            return self.sha()
        return sha if len(sha) == 40 and all(c in "0123456789abcdef" for c in sha) else self.sha()

    def tag(self, name: str, rev: str = "HEAD") -> None:
        """A lightweight tag on ``rev``."""
        self.git("tag", name, rev)

    def branch(self, name: str) -> None:
        """Create branch ``name`` at HEAD and switch to it."""
        self.git("checkout", "--quiet", "-b", name)

    def checkout(self, rev: str) -> None:
        """Switch the working tree to ``rev``."""
        self.git("checkout", "--quiet", rev)

    def merge(self, branch: str, message: str, *, date: str | dt.date = "2026-01-15", author: str | None = None) -> str:
        """Merge ``branch`` into the current branch with a merge commit (``--no-ff``); returns its sha."""
        self.git("merge", "--quiet", "--no-ff", "--message", message, branch, date=date, author=author)
        return self.sha()

    def sha(self, rev: str = "HEAD", *, short: int | None = None) -> str:
        """The commit ``rev`` names, in full or abbreviated to ``short`` characters."""
        return self.git("rev-parse", f"--short={short}" if short else "--verify", f"{rev}^{{commit}}")

    def author_of(self, rev: str = "HEAD") -> tuple[str, str]:
        """The author's name and email of commit ``rev``."""
        name, email = self.git("show", "--no-patch", "--format=%an%n%ae", rev).split("\n")
        return name, email

    def files(self, rev: str = "HEAD") -> set[str]:
        """The paths of every file in commit ``rev``."""
        return set(self.git("ls-tree", "-r", "-z", "--name-only", rev).split("\0")) - {""}

    def dirty(self) -> bool:
        """Whether the working tree differs from HEAD, untracked files included."""
        return self.git("status", "--porcelain", "--untracked-files=all") != ""

    def clone(self, target: Path, *, depth: int | None = None) -> GitRepo:
        """A clone at ``target`` through the file:// protocol, so ``depth`` makes a real shallow clone."""
        shallow = ["--depth", str(depth)] if depth else []
        self.git("clone", "--quiet", *shallow, self.root.resolve().as_uri(), str(target.resolve()))
        return GitRepo(target, author=self.author)


def isoctl_command() -> list[str]:
    """The isoctl installed beside the interpreter running the tests, not whichever one is first on PATH."""
    script = Path(sys.executable).parent / ("isoctl.exe" if os.name == "nt" else "isoctl")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "isoctl"]


@dataclass
class Run:
    """What one ``isoctl`` invocation returned."""

    exit_code: int
    stdout: str
    stderr: str

    def expect(self, code: int, message: str | None = None) -> Run:
        """Assert the exit code, that ``message`` is in stderr+stdout, and that no traceback reached the user."""
        text = self.stderr + self.stdout
        assert "Traceback (most recent call last)" not in text, text
        assert self.exit_code == code, f"exit {self.exit_code}, expected {code}:\n{text}"
        if message is not None:
            assert message in text, f"{message!r} not in:\n{text}"
        return self


def read_until_closed(fd: int) -> bytes:
    """Everything written to the terminal (pty leader) ``fd`` until its other end is closed."""
    received = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed its end: Linux reports EIO on the leader
            return received
        if not chunk:
            return received
        received += chunk


def run_isoctl(*args: str, cwd: Path, timeout: float = 30, env: Mapping[str, str] | None = None,
               stdin: Any = subprocess.DEVNULL) -> Run:
    """Run the installed ``isoctl`` as a user would, in a child process that must finish within ``timeout`` s.

    A hang fails the test (``subprocess.TimeoutExpired``) instead of stalling the suite.
    """
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run([*isoctl_command(), *args], cwd=cwd, env=environment, stdin=stdin, capture_output=True,
                          timeout=timeout, check=False)
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def still_running(pids: Sequence[int], *, within: float) -> list[int]:
    """Those of ``pids`` still running (not ended, not a zombie) after waiting up to ``within`` seconds (Linux)."""
    import time

    def running(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    deadline = time.monotonic() + within
    alive = [pid for pid in pids if running(pid)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [pid for pid in alive if running(pid)]
    return alive


def left_after_killing(script: str, how: str, *, count: int = 2) -> list[int]:
    """Run ``python -c script``, which prints the ids of the ``count`` processes it forks (spaces or lines between
    them) and then waits; send it the signal named ``how``; return those of its processes still running 10 s on."""
    import signal
    import subprocess

    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert parent.stdout is not None and parent.stderr is not None
    children: list[int] = []
    while len(children) < count:
        line = parent.stdout.readline()
        if not line:  # say how it ended, and what it said
            code = parent.wait(timeout=10)
            raise AssertionError(f"the script ended (exit {code}) after naming {children} of its {count} processes; "
                                 f"its stderr: {parent.stderr.read()!r}")
        children += [int(pid) for pid in line.split()]
    assert len(set(children)) == count and parent.pid not in children  # helpers, not the parent itself
    parent.send_signal(getattr(signal, how))
    parent.wait(timeout=10)
    return still_running(children, within=10)


class Cli(Protocol):
    """The ``cli`` fixture: ``cli("check", "-f", "json", cwd=root)``."""

    def __call__(self, *args: str, cwd: Path | None = None) -> Run: ...


class MakeWorkspace(Protocol):
    """The ``make_workspace`` fixture: ``make_workspace({"a.yaml": "..."}, manifest=...)`` in the test's temp dir."""

    def __call__(self, files: Files | None = None, *, manifest: str | Mapping[str, Any] | None = None) -> Path: ...


class Golden(Protocol):
    """The ``golden`` fixture: ``golden("diff/v1-head.txt", text)`` compares with tests/golden/ or rewrites it."""

    def __call__(self, name: str, text: str) -> None: ...


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def committed_example(target: Path, name: str = "acme-logistics", *, date: str = "2026-01-15") -> GitRepo:
    """A copy of ``examples/NAME`` at ``target``, committed once: the repository hostile cases start from."""
    import shutil

    shutil.copytree(EXAMPLES / name, target)
    repo = GitRepo.init(target)
    repo.commit(f"{name} as shipped", date=date)
    return repo
