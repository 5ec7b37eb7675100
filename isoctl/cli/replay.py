"""An unchanged question answered again without running it: ``check`` and ``gap`` replayed from the cache.

Most runs of ``isoctl check`` (a pre-commit hook, an editor, a watch loop)
ask exactly what the previous run asked, of exactly the same files. Such a
run is answered before the command line or the analysis is even imported:
the previous run's output, notes and exit code are written again.

A replay is keyed by everything the output can depend on, and checked
against the workspace before it is trusted:

* the arguments, the working directory, the environment variables isoctl
  reads, whether stdout is a terminal (and its size), and today's date;
* isoctl's code and shipped data (:func:`isoctl.core.keys.code_digest`);
* the workspace that the arguments led to, found again from the same
  starting directory, and its state: every entry below the root
  (:func:`isoctl.core.keys.fingerprint`) and the repository's HEAD, refs,
  index and shallow marker as files on disk (so no ``git`` process runs).

Anything else (``-o``, ``--at``, another command, an error) runs normally.
Entries live in the user cache (signed, bounded; see docs/cache.md), and any
problem reading one is simply a miss.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

COMMANDS = frozenset({"check", "gap"})
SECTION = "replay"
#: Environment variables that can change what ``check`` or ``gap`` print.
ENVIRONMENT = ("ISOCTL_TODAY", "GITHUB_ACTIONS", "NO_COLOR", "COLUMNS", "LINES", "TERM", "ISOCTL_DEBUG",
               "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
_NEVER = ("-o", "--output", "--at", "-h", "--help", "--watch")


@dataclass
class _Recording:
    key: str
    root: str | None = None
    start: str | None = None
    files: str | None = None
    stdout: list[bytes] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


_recording: _Recording | None = None


def _key(argv: list[str]) -> str | None:
    """The key of this exact invocation, or None when it must run normally."""
    if not argv or argv[0] not in COMMANDS or sys.stdout is None or sys.stderr is None:
        return None
    if any(arg.startswith(_NEVER) for arg in argv[1:]):
        return None
    from isoctl.core.keys import code_digest
    from isoctl.files import cache

    if cache.cache_dir() is None:
        return None
    tty = sys.stdout.isatty()
    size = str(shutil.get_terminal_size()) if tty else ""
    environment = [f"{name}={os.environ.get(name, '')}" for name in ENVIRONMENT]
    return cache.digest(["replay-2", code_digest(), *argv, "\0", os.getcwd(), *environment, str(tty), size,
                         dt.date.today().isoformat()])


def _state(root: Path, files: str | None) -> str | None:
    """The workspace's ``files`` (its fingerprint) and its repository as files on disk; None when either is unknown."""
    from isoctl.files import cache

    repository = _repository(root)
    if files is None or repository is None:
        return None
    return cache.digest([files, *repository])


def state(root: Path) -> str | None:
    """What ``check --watch`` compares to see a change: the workspace's fingerprint and its repository's state;
    None while the tree cannot be read.

    Where the repository is laid out in a way :func:`_repository` does not
    follow (a worktree, a submodule), its HEAD comes from git itself.
    """
    from isoctl.core import keys
    from isoctl.errors import IsoctlError
    from isoctl.files import cache

    files = keys.fingerprint(root)
    if files is None:
        return None
    repository = _repository(root)
    if repository is None:
        from isoctl.history import git

        try:
            repository = [str(git.head_state(root))]
        except IsoctlError as exc:
            repository = [exc.message]
    return cache.digest([files, *repository])


def _repository(root: Path) -> list[str] | None:
    """HEAD, the ref it names, the index, packed refs, shallow marker and excludes of the repository holding ``root``.

    None for layouts this does not follow (a ``.git`` file: worktrees and
    submodules), so those always run normally.
    """
    for directory in (root, *root.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            break
        if dot_git.exists():
            return None
    else:
        return ["no repository"]
    parts = [str(dot_git)]
    try:
        head = _read(dot_git / "HEAD").decode("utf-8", "replace").strip()
        parts.append(head)
        if head.startswith("ref: "):
            ref = dot_git / head[5:]
            parts.append(_read(ref).decode("utf-8", "replace").strip() if ref.is_file() else "")
        for name in ("index", "packed-refs", "shallow", "info/exclude"):
            path = dot_git / name
            if path.exists():
                parts += [name, hashlib.sha1(_read(path), usedforsecurity=False).hexdigest()]
    except OSError:
        return None
    return parts


#: The largest file of a repository's state read to key a replay (a bigger index: the run goes on normally).
READ_AT_MOST = 256 * 1024 * 1024


def _read(path: Path) -> bytes:
    """A regular file's bytes, never waiting on a pipe nor following a link (OSError for those, and past the cap)."""
    from isoctl.files import cache

    return cache.read_plain(path, READ_AT_MOST)


def answer(argv: list[str]) -> int | None:
    """Write the recorded answer to this invocation and return its exit code; None to run it normally.

    Also starts recording when the invocation can be replayed next time.
    """
    global _recording, _edited
    _edited = False
    try:
        key = _key(argv)
        if key is None:
            return None
        hit = _recorded(key)
        if hit is None:
            _recording = _Recording(key)
            return None
    except Exception:  # a cache problem only ever costs the shortcut, never the run
        _recording = None
        return None
    out, err, code = hit
    from isoctl.cli.output import write_stdout

    sys.stderr.write(err)
    sys.stderr.flush()
    write_stdout(out)
    return code


def _recorded(key: str) -> tuple[bytes, str, int] | None:
    """The stdout, stderr and exit code recorded under ``key``, if the workspace is still as it was then.

    An entry is its facts on one line of JSON, then the output as it was
    written: after an edit, only the facts are decoded (the output, megabytes
    on a large workspace, is verified with the rest of the entry and no more).
    Nothing in an entry is acted on before the entry is verified: its facts
    name the directory whose files are then fingerprinted.
    """
    from isoctl.files import cache

    body = cache.read_bytes(SECTION, key)
    if body is None or b"\n" not in body:
        return None
    line, _, out = body.partition(b"\n")
    facts = cache.loads(line)
    if not isinstance(facts, dict) or not _current(facts):
        return None
    stderr, code = facts["stderr"], facts["code"]
    assert isinstance(stderr, str) and isinstance(code, int)
    return out, stderr, code


def _current(facts: dict[str, object]) -> bool:
    """Whether an entry's facts are well formed and its workspace is found, and is, as it was when recorded."""
    from isoctl.core.keys import fingerprint
    from isoctl.workspace.discover import find_root

    root, start, state = facts.get("root"), facts.get("start"), facts.get("state")
    if not (isinstance(root, str) and isinstance(start, str) and isinstance(state, str)
            and isinstance(facts.get("stderr"), str) and facts.get("code") in (0, 1)):
        return False
    if find_root(Path(start)) != Path(root):
        return False
    # the evaluation that runs when the state differs takes this walk instead of making its own
    files = fingerprint(Path(root), remember=True)
    global _edited
    _edited = files is not None and _few_read(Path(root))
    return _state(Path(root), files) == state


#: Whether this run's replay check found the workspace of a recorded run with only a few files edited since they
#: were last read (see :func:`edited`).
_edited = False

#: At most this many files read again (and at most one in :data:`EDITED_SHARE`) is "a few files edited".
EDITED_FILES = 16
EDITED_SHARE = 20


def _few_read(root: Path) -> bool:
    from isoctl.files.hashes import ContentHashes

    hashes = ContentHashes.of(root.resolve())
    return hashes.read <= EDITED_FILES and hashes.read * EDITED_SHARE <= len(hashes.visited)


def edited() -> bool:
    """Whether the question was answered before, of the same workspace, and only a few files changed since.

    The fingerprint of the replay check read again just the files whose
    stat no longer vouched for them: the record cache holds the records of
    all the others, so parsing the workspace ahead in a helper would be
    wasted work (the evaluation parses the few edited files itself).
    """
    return _edited


def workspace(start: Path, root: Path, files: str | None) -> None:
    """The command found ``root`` from ``start`` and answered about its files as fingerprinted ``files``."""
    if _recording is not None and _recording.root is None:
        _recording.root, _recording.start, _recording.files = str(root), str(start), files


def stdout(data: bytes) -> None:
    if _recording is not None:
        _recording.stdout.append(data)


def stderr(text: str) -> None:
    if _recording is not None:
        _recording.stderr.append(text)


def finish(code: object) -> None:
    """Keep the answer of a run that completed (exit 0 or 1) for the next identical invocation."""
    global _recording
    recording, _recording = _recording, None
    code = 0 if code is None else code
    if recording is None or recording.root is None or code not in (0, 1):
        return
    from isoctl.files import cache

    # The repository is read after the run (git may have refreshed its index meanwhile); the
    # files are those the evaluation checked were unchanged while it computed the answer.
    state = _state(Path(recording.root), recording.files)
    if state is None:
        return
    facts = {"root": recording.root, "start": recording.start, "state": state, "code": code,
             "stderr": "".join(recording.stderr)}
    cache.write_bytes(SECTION, recording.key, b"".join([cache.dumps(facts), b"\n", *recording.stdout]))
