"""Examples with a past: replay an example's history as dated git commits by the people who made them.

An example folder is the system as it stands on its evaluation day; its
history (``examples/_history/<name>.yaml``, described in docs/examples.md) is
an ordered list of steps, each with a day, an author (a person id of the
example's isoctl.yaml), a message and what it adds: whole files, or single
records by id from files that hold several. A record is written *as it
stood on the step's day*, derived from its final text by :mod:`.as_of`: an
action raised but not yet closed is open, without its investigation,
closure and verification; a measurement, evidence entry or audit held
after that day is not there yet. Naming it again on a later day brings it
up to that day; ``earlier`` gives fields the values they had then. A step
may also write an earlier version of a file literally. After the last
step every file must be exactly the example's file, byte for byte, or the
history is refused: the shipped data is checked, not trusted.

The commits are made with one ``git fast-import`` stream (hundreds of
commits in a fraction of a second), with author and committer dates and
identities written into the stream, so no git identity needs to be
configured; the working tree is the copied example, matched to the last
commit by ``git reset``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from isoctl.errors import GitError, ScaffoldError, YamlProblem
from isoctl.files import yamlio
from isoctl.scaffold.as_of import PATH_LINE, as_of, certificates_as_of, with_fields

#: Where the histories live, beside the example folders (a folder of data, not an example).
HISTORY_DIR = "_history"

_ITEM = re.compile(r"^- ", re.M)
_ID = re.compile(r"^(?:- |  )?id:\s*['\"]?([^'\"\s#]+)", re.M)
#: Variables that tell git where a repository is, which the one created here never takes from the caller.
_LOCATION = frozenset({"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
                       "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE"})
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2}))?$")


@dataclass(frozen=True)
class Step:
    """One commit of a history: when, by whom, why, and what it brings."""

    when: dt.datetime
    author: str
    message: str
    add: tuple[str, ...] = ()
    write: dict[str, str] = field(default_factory=dict)
    earlier: dict[str, dict[str, str]] = field(default_factory=dict)  # record id -> field -> value it had then
    final: tuple[str, ...] = ()  # added exactly as the example has them, whatever their dates

    @property
    def day(self) -> dt.date:
        return self.when.date()


@dataclass
class History:
    """An example's history: its steps in order, and the file they were read from."""

    steps: list[Step]
    source: Path
    read_on: dt.date | None = None  # the day the example is meant to be evaluated on (its README's --today)

    def describe(self) -> str:
        """One line on what the replay made: how many commits, by how many people, over which dates."""
        people = len({s.author for s in self.steps})
        first, last = self.steps[0].day, self.steps[-1].day
        return (f"Replayed the example's past: {len(self.steps)} dated commit{'s' if len(self.steps) != 1 else ''} "
                f"by {people} {'person' if people == 1 else 'people'} from {first} to {last}.")


def history_file(examples: Path, name: str) -> Path | None:
    """The history shipped for the example ``name``, if it has one."""
    path = examples / HISTORY_DIR / f"{name}.yaml"
    return path if path.is_file() else None


def load(path: Path) -> History:
    """Read a history file; a ScaffoldError naming the step for anything malformed."""
    try:
        data = yamlio.parse(yamlio.read_text(path))
    except (OSError, YamlProblem) as exc:
        raise ScaffoldError(f"cannot read the example history {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or set(data) - {"timezone", "read_on", "steps"}:
        raise ScaffoldError(f"{path}: an example history is a mapping of 'timezone', 'read_on' and a list of 'steps'")
    read_on = None
    if data.get("read_on") is not None:
        try:
            read_on = dt.date.fromisoformat(str(data["read_on"]))
        except ValueError:
            raise ScaffoldError(f"{path}: read_on must be a date (YYYY-MM-DD)") from None
    offset = _offset(data.get("timezone", "+00:00"), path)
    steps: list[Step] = []
    for number, raw in enumerate(data["steps"], start=1):
        where = f"{path}: step {number}"
        if not isinstance(raw, dict) or set(raw) - {"date", "author", "message", "add", "final", "earlier", "write"}:
            raise ScaffoldError(f"{where}: a step has date, author, message, and add, final, earlier and/or write")
        match = _TIME.match(str(raw.get("date", "")))
        if match is None:
            raise ScaffoldError(f"{where}: date must be YYYY-MM-DD or 'YYYY-MM-DD HH:MM'")
        try:
            day = dt.date.fromisoformat(match[1])
            same_day = sum(s.when.date() == day for s in steps)
            # no time given: the working day, in order (steps of one day 50 minutes or so apart from 9 o'clock)
            minutes = int(match[2]) * 60 + int(match[3]) if match[2] else 540 + min(same_day * 50, 780) + number * 7 % 20
            when = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), offset)
        except ValueError:
            raise ScaffoldError(f"{where}: '{raw.get('date')}' is not a date and time") from None
        add, final, write = raw.get("add", []), raw.get("final", []), raw.get("write", {})
        if not all(isinstance(names, list) and all(isinstance(a, str) for a in names) for names in (add, final)) \
                or not isinstance(write, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in write.items()):
            raise ScaffoldError(f"{where}: 'add' and 'final' are lists of paths and record ids, 'write' maps paths to text")
        if not str(raw.get("author") or "").strip() or not str(raw.get("message") or "").strip():
            raise ScaffoldError(f"{where}: every step needs an author (a person id) and a message")
        if steps and when < steps[-1].when:
            raise ScaffoldError(f"{where}: dated {when:%Y-%m-%d %H:%M}, before the step above it")
        earlier = raw.get("earlier", {})
        if not isinstance(earlier, dict) or not all(isinstance(v, dict) for v in earlier.values()):
            raise ScaffoldError(f"{where}: 'earlier' maps record ids to the fields they had then")
        then = {str(rid): {str(k): _scalar(v) for k, v in fields.items()} for rid, fields in earlier.items()}
        steps.append(Step(when, str(raw.get("author", "")), str(raw.get("message", "")).strip(),
                          (*add, *then, *final), write, then, tuple(final)))
    if not steps:
        raise ScaffoldError(f"{path}: an example history needs at least one step")
    if read_on is not None and read_on < steps[-1].day:
        raise ScaffoldError(f"{path}: read_on {read_on} is before the last step ({steps[-1].day})")
    return History(steps, path, read_on)


def _scalar(value: object) -> str:
    """A field's value as the history gives it, as text (a date as YYYY-MM-DD)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _offset(text: object, path: Path) -> dt.timezone:
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", str(text))
    if match is None:
        raise ScaffoldError(f"{path}: timezone must look like +01:00")
    minutes = int(match[2]) * 60 + int(match[3])
    return dt.timezone(dt.timedelta(minutes=-minutes if match[1] == "-" else minutes))


@dataclass
class _File:
    """A file of the example as the history has it so far."""

    final: bytes
    head: str = ""  # a list file's text before its first item
    items: list[tuple[str | None, str]] = field(default_factory=list)  # (id, text) of each item, in order
    whole: dt.date | None = None  # the day the whole file was last brought up to
    shown: dict[int, dt.date] = field(default_factory=dict)  # item -> the day it was last brought up to
    literal: bytes | None = None
    earlier: dict[int, dict[str, str]] = field(default_factory=dict)  # item (-1: the file) -> fields it had then

    records: bool = False  # a YAML or Markdown file, whose records are shown as they stood
    manifest: bool = False  # isoctl.yaml, whose certificates are shown as they stood
    links: frozenset[str] = frozenset()  # the files its evidence entries name

    @property
    def exists(self) -> bool:
        return self.literal is not None or self.whole is not None or bool(self.shown)

    def render(self, exists: Callable[[str], bool]) -> bytes | None:
        """The file's bytes now (evidence naming a file that does not ``exist`` left out); None before it exists."""
        if self.literal is not None:
            return self.literal
        if not self.records:
            return self.final if self.whole is not None else None
        text = self.final.decode("utf-8")
        if not self.items:
            if self.whole is None:
                return None
            then = as_of(text, self.whole, indent=0, exists=exists)
            then = certificates_as_of(then, self.whole) if self.manifest else then
            return with_fields(then, self.earlier.get(-1, {}), indent=0).encode("utf-8")
        if not self.shown:
            return None
        body = "".join(with_fields(as_of(item, self.shown[i], indent=2, exists=exists), self.earlier.get(i, {}), indent=2)
                       for i, (_, item) in enumerate(self.items) if i in self.shown)
        return (self.head + body).encode("utf-8")


def _index(final: dict[str, bytes]) -> tuple[dict[str, _File], dict[str, tuple[str, int | None]]]:
    """The files, and where each record id is: (path, item number) for a list item, (path, None) for a file."""
    files: dict[str, _File] = {}
    ids: dict[str, tuple[str, int | None]] = {}
    for path, data in sorted(final.items()):
        state = files[path] = _File(data, manifest=path == "isoctl.yaml")
        if not path.endswith((".yaml", ".yml", ".md")):
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        state.records = True
        state.links = frozenset(m[1] for m in map(PATH_LINE.match, text.splitlines()) if m)
        content = next((line for line in text.splitlines() if line.strip() and not line.startswith(("#", "---"))), "")
        starts = [m.start() for m in _ITEM.finditer(text)] if path.endswith((".yaml", ".yml")) else []
        if starts and content.startswith("- "):  # a list of records (not a mapping with a list at its margin)
            state.head = text[:starts[0]]
            chunks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
            for number, chunk in enumerate(chunks):
                found = _ID.search(chunk)
                state.items.append((found[1] if found else None, chunk))
                if found:
                    ids.setdefault(found[1], (path, number))
            continue
        found = _ID.search(text)
        if found:
            ids.setdefault(found[1], (path, None))
    return files, ids


def _matches(pattern: str, paths: Iterable[str]) -> list[str]:
    """The paths a step's ``add`` entry names: a path, a folder (``dir/``) or a glob."""
    pattern = pattern.strip()
    if pattern.endswith("/"):
        return [p for p in paths if p.startswith(pattern)]
    return [p for p in paths if p == pattern or fnmatch.fnmatchcase(p, pattern)]


@dataclass(frozen=True)
class Commit:
    """One commit to make: its step and the files it sets."""

    step: Step
    files: dict[str, bytes]


def plan(history: History, final: dict[str, bytes], *, first: Iterable[str] = ()) -> list[Commit]:
    """The commits that replay ``history`` up to ``final`` (path -> bytes); ``first`` are added by the first one.

    Refused (ScaffoldError) when a step names nothing that exists, or the
    last commit's files are not exactly ``final``.
    """
    files, ids = _index(final)
    shown: dict[str, bytes] = {}
    present: set[str] = set()  # the files that exist so far
    commits: list[Commit] = []
    for number, step in enumerate(history.steps, start=1):
        touched: set[str] = set(first) if number == 1 else set()
        for name in step.add:
            day = dt.date.max if name in step.final else step.day
            if name in ids:
                path, item = ids[name]
                if item is None:
                    files[path].whole = day
                else:
                    files[path].shown[item] = day
                files[path].literal = None
                files[path].earlier[-1 if item is None else item] = step.earlier.get(name, {})
                touched.add(path)
                continue
            paths = _matches(name, files)
            if not paths:
                raise ScaffoldError(f"{history.source}: step {number} adds '{name}', which is no file or record id "
                                    "of the example")
            for path in paths:
                state = files[path]
                state.whole, state.literal = day, None
                state.shown = dict.fromkeys(range(len(state.items)), day)
                state.earlier = {}
                touched.add(path)
        for path, text in step.write.items():
            if path not in files:
                raise ScaffoldError(f"{history.source}: step {number} writes {path}, which the example does not have")
            files[path].literal = text.encode("utf-8")
            touched.add(path)
        for path in first if number == 1 else ():
            files[path].whole = step.day
        arrived = {path for path, state in files.items() if state.exists and path not in present}
        present |= arrived
        touched |= {path for path, state in files.items() if state.links & arrived and state.exists}
        changed = {}
        for path in sorted(touched):
            data = files[path].render(present.__contains__)
            if data is not None and shown.get(path) != data:
                changed[path] = shown[path] = data
        commits.append(Commit(step, changed))
    wrong = sorted(path for path, data in final.items() if shown.get(path) != data)
    if wrong:
        listed = ", ".join(wrong[:5]) + (f" and {len(wrong) - 5} more" if len(wrong) > 5 else "")
        raise ScaffoldError(f"{history.source}: the history does not end in the example's files: {listed}",
                            hint="name them (or their records) in a step dated on or after their last event")
    return commits


def identities(manifest: Path) -> dict[str, tuple[str, str]]:
    """Each person id of an isoctl.yaml with the name and e-mail their commits carry."""
    try:
        data = yamlio.parse(yamlio.read_text(manifest))
    except (OSError, YamlProblem) as exc:
        raise ScaffoldError(f"cannot read {manifest}: {exc}") from exc
    people = data.get("people", []) if isinstance(data, dict) else []
    out = {}
    for person in people if isinstance(people, list) else []:
        if isinstance(person, dict) and person.get("id"):
            pid = str(person["id"])
            out[pid] = (str(person.get("name") or pid), str(person.get("email") or f"{pid}@example.org"))
    return out


def replay(target: Path, history: History, *, example: Path) -> str:
    """Make ``target`` (a copy of ``example`` plus files isoctl wrote) a repository whose commits replay ``history``.

    Files of ``target`` that the example folder does not have (schemas,
    editor settings) come with the first commit. Returns the last commit's sha.
    """
    final = _tree(target)
    own = set(_tree(example, read=False))
    commits = plan(history, final, first=sorted(set(final) - own))
    people = identities(target / "isoctl.yaml")
    unknown = sorted({c.step.author for c in commits} - set(people))
    if unknown:
        raise ScaffoldError(f"{history.source}: authors {', '.join(unknown)} are no people of the example's isoctl.yaml")
    _git(target, "init", "--quiet")
    branch = _git(target, "symbolic-ref", "--quiet", "HEAD").decode("utf-8").strip() or "refs/heads/main"
    _git(target, "fast-import", "--quiet", "--done", stdin=_stream(commits, people, branch))
    _git(target, "reset", "--quiet")
    return _git(target, "rev-parse", "HEAD").decode("ascii").strip()


def _tree(root: Path, *, read: bool = True) -> dict[str, bytes]:
    out = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and ".git" not in relative.parts and "__pycache__" not in relative.parts:
            out[relative.as_posix()] = path.read_bytes() if read else b""
    return out


def _stream(commits: list[Commit], people: dict[str, tuple[str, str]], branch: str) -> bytes:
    """The ``git fast-import`` input that makes ``commits`` on ``branch``."""
    out = bytearray()

    def data(payload: bytes) -> None:
        out.extend(b"data %d\n" % len(payload) + payload + b"\n")

    for mark, commit in enumerate(commits, start=1):
        name, email = people[commit.step.author]
        when = commit.step.when
        offset = when.strftime("%z")
        stamp = f"{name} <{email}> {int(when.timestamp())} {offset}".encode()
        out.extend(f"commit {branch}\nmark :{mark}\n".encode() + b"author " + stamp + b"\ncommitter " + stamp + b"\n")
        data(commit.step.message.encode("utf-8") + b"\n")
        if mark > 1:
            out.extend(f"from :{mark - 1}\n".encode())
        for path, content in sorted(commit.files.items()):
            out.extend(b"M 100644 inline " + _quoted(path) + b"\n")
            data(content)
        out.extend(b"\n")
    out.extend(b"done\n")
    return bytes(out)


def _quoted(path: str) -> bytes:
    """A path as fast-import reads it: quoted C-style when it holds what would end or confuse the line."""
    raw = path.encode("utf-8")
    if not re.search(rb'[\x00-\x20"\\]', raw):
        return raw
    escaped = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")
    return b'"' + escaped + b'"'


def _git(where: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """``git ARGS`` in ``where``, run as isoctl runs git to write: no prompts, the user's own configuration."""
    # a GIT_DIR or GIT_INDEX_FILE of the caller (a hook, a script) must not point the new repository elsewhere
    env = {name: value for name, value in os.environ.items() if name not in _LOCATION}
    env["GIT_TERMINAL_PROMPT"] = "0"
    try:
        done = subprocess.run(["git", "-C", str(where), *args], input=stdin, capture_output=True, env=env, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH",
                       hint="install git, or run without git (for example 'isoctl init --no-git')") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {where}: {detail[-1] if detail else done.returncode}")
    return done.stdout
