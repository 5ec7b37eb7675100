"""Gating on change: which findings are new against a revision or a baseline file, and which were fixed.

``check --new-since REV`` evaluates the workspace at REV through
:func:`isoctl.core.evaluate.open_evaluation` (the one evaluation path, on the
same day and with the same rules as the current side) and compares the two
lists of findings; ``check --baseline FILE`` compares with a list written
earlier by ``isoctl baseline write``. Either way the answer is a
:class:`Comparison`: every current finding marked ``new`` or ``unchanged``
(the SARIF words), and the findings of the baseline that are gone
(``absent``: fixed).

A finding is matched by its :func:`fingerprint`, never by where it sits:

* its rule, record id and clause reference;
* its file, only when it has neither a record nor a clause (a file that does
  not parse is about that file; a record's finding follows the record to
  another file);
* its message with every run of digits replaced by ``#``, so counts and
  dates that move with the calendar ("12 days overdue") and line numbers
  quoted in a message ("first used at log.yaml:9") do not make an old
  finding new.

Line and column are left out, so inserting or reordering text changes
nothing. Findings are compared as multisets: when a fingerprint occurs more
often now than at the baseline, the extra ones (the last in file order) are
new. Severity is left out too: an existing finding whose rule was made more
severe stays existing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from isoctl import __version__
from isoctl.errors import UsageError
from isoctl.model.result import SEVERITIES, Finding

if TYPE_CHECKING:
    from isoctl.core.evaluate import Evaluation

State = Literal["new", "unchanged", "absent"]

#: Names the fingerprint definition; a baseline written under another one is refused with a hint to rewrite it.
SCHEME = "isoctl-finding/1"
FORMAT = 1
#: Where ``baseline write`` puts the file and ``check --baseline`` looks for it, relative to the workspace root.
DEFAULT_PATH = ".isoctl/baseline.json"
_DIGITS = re.compile(r"\d+")
_ENTRY_KEYS = ("fingerprint", "rule", "severity", "record", "clause", "path", "message")
# A fixed namespace for the SARIF baselineGuid: the same baseline always gets the same GUID.
_NAMESPACE = uuid.UUID("6f0e6a52-4b1c-5d0e-9a63-5f3c2b7d8e10")


def identity(finding: Finding) -> tuple[str, str, str, str, str]:
    """What a finding is about, as :func:`fingerprint` hashes it (see the module documentation)."""
    path = finding.path if finding.record is None and finding.clause is None else ""
    return (finding.rule, finding.record or "", finding.clause or "", path, _DIGITS.sub("#", finding.message))


def fingerprint(finding: Finding) -> str:
    """A stable hexadecimal fingerprint of :func:`identity` (32 characters)."""
    data = "\0".join((SCHEME, *identity(finding))).encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class Comparison:
    """The current findings measured against a baseline (a revision or a baseline file)."""

    against: str  # as the user named it: "origin/main", ".isoctl/baseline.json"
    commit: str | None  # the commit compared with (--new-since), else None
    marked: tuple[tuple[Finding, State], ...]  # every current finding, in the result's order
    absent: tuple[Finding, ...]  # at the baseline, gone now: fixed
    guid: str  # a GUID naming the baseline (SARIF run.baselineGuid), the same for the same baseline

    @property
    def new(self) -> list[Finding]:
        return [f for f, state in self.marked if state == "new"]

    @property
    def unchanged(self) -> list[Finding]:
        return [f for f, state in self.marked if state == "unchanged"]

    @property
    def label(self) -> str:
        """How notes name the baseline: ``origin/main (0a1b2c3d)``, or the file."""
        if self.commit is None or self.commit.startswith(self.against.lower()):
            return self.against if self.commit is None else self.commit[:8]
        return f"{self.against} ({self.commit[:8]})"

    def as_dict(self) -> dict[str, Any]:
        """The ``baseline`` member of ``check --format json``."""
        return {
            "against": self.against,
            "commit": self.commit,
            "new": len(self.new),
            "unchanged": len(self.unchanged),
            "absent": len(self.absent),
            "fixed": [f.as_dict() for f in self.absent],
        }


def compare(current: Sequence[Finding], baseline: Iterable[Finding], *, against: str, commit: str | None,
            guid: str) -> Comparison:
    """Mark each of ``current`` new or unchanged against ``baseline``; the baseline's leftovers are absent."""
    before: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted(baseline, key=Finding.sort_key):
        before[fingerprint(finding)].append(finding)
    seen: dict[str, int] = defaultdict(int)
    states: dict[int, State] = {}
    for index in sorted(range(len(current)), key=lambda i: current[i].sort_key()):
        key = fingerprint(current[index])
        seen[key] += 1
        states[index] = "unchanged" if seen[key] <= len(before.get(key, ())) else "new"
    absent = [f for key, found in before.items() for f in found[seen.get(key, 0):]]
    return Comparison(against=against, commit=commit,
                      marked=tuple((f, states[i]) for i, f in enumerate(current)),
                      absent=tuple(sorted(absent, key=Finding.sort_key)), guid=guid)


def guid_of(text: str) -> str:
    """A deterministic GUID (version 5) for a baseline named by ``text`` (a commit sha, a file's digest)."""
    return str(uuid.uuid5(_NAMESPACE, text))


# The baseline file


def entry(finding: Finding) -> dict[str, Any]:
    """One finding as the baseline file holds it: the fingerprint and, for people reviewing the file, what it is."""
    return {"fingerprint": fingerprint(finding), "rule": finding.rule, "severity": finding.severity,
            "record": finding.record, "clause": finding.clause, "path": finding.path, "message": finding.message}


def dumps(findings: Iterable[Finding]) -> str:
    """The baseline file's text: sorted, two-space indented, one trailing newline; the same findings give the same bytes.

    Positions are left out, so moving text around does not change the file.
    """
    entries = sorted((entry(f) for f in findings),
                     key=lambda e: (e["path"], e["rule"], e["record"] or "", e["clause"] or "", e["message"],
                                    e["fingerprint"]))
    document = {"isoctl": __version__, "format": FORMAT, "fingerprint": SCHEME, "findings": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


#: The largest baseline file read: about 400 bytes a finding, so room for over half a million findings.
MAX_BYTES = 256 * 1024 * 1024


_HINT = f"write it again with 'isoctl baseline write' (it goes to {DEFAULT_PATH} by default)"


def read(path: Path, shown: str) -> tuple[list[Finding], str]:
    """The findings a baseline file holds and a GUID naming it; UsageError (exit 2) for a file that is not one."""
    data = _read_bytes(path, shown)
    return parse(data, shown), guid_of("file\0" + hashlib.sha256(data).hexdigest())


def _read_bytes(path: Path, shown: str) -> bytes:
    """The bytes of a baseline file (a plain file of at most MAX_BYTES); UsageError (exit 2) when it cannot be read."""
    from isoctl.errors import TooLarge, YamlProblem
    from isoctl.files import yamlio

    try:
        # a plain file only: a named pipe nobody writes to would have the check wait for ever, a device never end
        data = yamlio.read_bytes(path, max_bytes=MAX_BYTES)
    except TooLarge:
        raise UsageError(f"--baseline {shown}: larger than {MAX_BYTES:,} bytes, so not a baseline file isoctl "
                         "wrote", hint=_HINT) from None
    except YamlProblem as exc:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"--baseline {shown}: no such file", hint=_HINT) from None
        raise UsageError(f"--baseline {shown}: {exc.message}", hint=_HINT) from None
    except OSError as exc:
        raise UsageError(f"--baseline {shown}: cannot be read ({exc.strerror or exc})") from None
    return data


def parse(data: bytes, shown: str) -> list[Finding]:
    """The findings of a baseline file's bytes; UsageError (exit 2) when they are not a baseline this isoctl reads."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise UsageError(f"--baseline {shown}: not a baseline file: it is not valid JSON{where}", hint=_HINT) from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise UsageError(f"--baseline {shown}: not a baseline file: no list of findings", hint=_HINT)
    if document.get("format") != FORMAT or document.get("fingerprint") != SCHEME:
        raise UsageError(f"--baseline {shown}: written in another baseline format "
                         f"(format {document.get('format')!r}, fingerprint {document.get('fingerprint')!r}); "
                         f"this isoctl reads format {FORMAT}, fingerprint {SCHEME}", hint=_HINT)
    return [_finding(item, number, shown) for number, item in enumerate(document["findings"], start=1)]


def _finding(item: Any, number: int, shown: str) -> Finding:
    where = f"--baseline {shown}: finding {number}"
    if not isinstance(item, dict) or sorted(item) != sorted(_ENTRY_KEYS):
        raise UsageError(f"{where}: expected exactly the keys {', '.join(_ENTRY_KEYS)}", hint=_HINT)
    for key in _ENTRY_KEYS:
        value = item[key]
        if not (isinstance(value, str) or (value is None and key in ("record", "clause"))):
            raise UsageError(f"{where}: {key} must be {'text or null' if key in ('record', 'clause') else 'text'}",
                             hint=_HINT)
    if item["severity"] not in SEVERITIES:
        raise UsageError(f"{where}: severity must be one of {', '.join(SEVERITIES)}", hint=_HINT)
    finding = Finding(item["rule"], item["severity"], item["message"], item["path"], 1, 1, item["clause"],
                      item["record"])
    if fingerprint(finding) != item["fingerprint"]:
        raise UsageError(f"{where} ({item['rule']} in {item['path']}): its fingerprint does not match what it says; "
                         "the file was changed by hand", hint=_HINT)
    return finding


# Against a revision

SHALLOW = ("'{rev}' is not in this clone: it is a shallow clone, so the history that holds it was not fetched")
SHALLOW_HINT = ("fetch it with 'git fetch --unshallow' (or 'git fetch origin <branch>'); in CI check out the full "
                "history: fetch-depth: 0 (GitHub actions/checkout), GIT_DEPTH: 0 (GitLab)")


def new_since(current: Evaluation, rev: str) -> Comparison:
    """``current``'s findings against the workspace as committed at ``rev``, evaluated on ``current``'s day.

    Both sides use the same rule selection and day, so only the records make
    a difference. A revision a shallow clone lacks is a GitError that says so;
    a revision whose tree has no workspace yet counts every finding as new.
    """
    from isoctl.core.evaluate import open_evaluation
    from isoctl.errors import GitError, WorkspaceError
    from isoctl.history import revisions

    try:
        sha = revisions.commit_of(current.root, rev)
    except UsageError as exc:
        if current.commit is not None and revisions.is_shallow(current.root) and "shallow" not in exc.message:
            raise GitError(SHALLOW.format(rev=rev), hint=SHALLOW_HINT) from None
        raise UsageError(f"--new-since {rev}: {exc.message}", hint=exc.hint) from None
    options = current.options
    findings: list[Finding]
    try:
        with open_evaluation(current.root, at=sha, today=current.today, select=options.select, ignore=options.ignore,
                             history=options.history) as old:
            findings = list(old.result().findings)
    except WorkspaceError:
        if current.root.joinpath("isoctl.yaml").is_file() and not _has_manifest(current.root, sha):
            findings = []  # the workspace is new since rev: everything it reports is new
        else:
            raise
    renamed = _renamed_people(current, sha)
    if renamed:  # 'isoctl people rename' changes no finding: the old side is read with the new ids
        findings = with_ids(findings, renamed)
    return compare(current.result().findings, findings, against=rev, commit=sha, guid=guid_of("commit\0" + sha))


def _renamed_people(current: Evaluation, sha: str) -> dict[str, str]:
    """The people whose id changed since commit ``sha`` (old id: new id): same name, and the only one of it.

    A finding that names a person names them by id; after a rename, every
    such finding would otherwise look fixed and new at once, and a gate on
    ``--new-since`` would fail the commit of the rename itself.
    """
    from isoctl.errors import IsoctlError
    from isoctl.history import trees
    from isoctl.workspace.load import load_manifest

    try:
        with trees.snapshot(current.root, sha) as snapshot:
            before = load_manifest(current.root, snapshot)[0].people
        if current.at is not None and current.commit is not None:
            with trees.snapshot(current.root, current.commit) as snapshot:
                after = load_manifest(current.root, snapshot)[0].people
        else:
            after = load_manifest(current.root)[0].people
    except IsoctlError:
        return {}
    old_ids, new_ids = {p.id for p in before}, {p.id for p in after}
    gone = [p for p in before if p.id not in new_ids]
    came = [p for p in after if p.id not in old_ids]
    renamed = {}
    for person in gone:
        same = [p for p in came if p.name == person.name]
        if len(same) == 1 and sum(1 for p in gone if p.name == person.name) == 1:
            renamed[person.id] = same[0].id
    return renamed


def with_ids(findings: Iterable[Finding], renamed: dict[str, str]) -> list[Finding]:
    """``findings`` with each renamed person's old id in their messages replaced by the new one (whole ids only)."""
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, sorted(renamed, key=len, reverse=True))) + r")(?![\w-])")

    def renamed_in(finding: Finding) -> Finding:
        message = pattern.sub(lambda m: renamed[m.group(1)], finding.message)
        return finding if message == finding.message else dataclasses.replace(finding, message=message)

    return [renamed_in(finding) for finding in findings]


def _has_manifest(root: Path, sha: str) -> bool:
    """Whether the workspace's isoctl.yaml exists in commit ``sha`` (a folder younger than it has none)."""
    from isoctl.errors import WorkspaceError
    from isoctl.history import trees

    try:
        with trees.snapshot(root, sha) as snapshot:
            return "isoctl.yaml" in snapshot.files
    except WorkspaceError:
        return False


def renamed_file(path: Path, old: str, new: str) -> tuple[bytes, bytes] | None:
    """A baseline file's bytes before and after person ``old`` is renamed ``new`` in its findings; None when the
    file is absent, is not a baseline this isoctl reads, or names nobody by ``old``.

    ``isoctl people rename`` rewrites it with the records, so that a gate on
    ``--baseline`` sees the same findings after the rename as before.
    """
    try:
        before = _read_bytes(path, path.name)
        findings = parse(before, path.name)
    except UsageError:
        return None
    renamed = with_ids(findings, {old: new})
    return None if renamed == findings else (before, dumps(renamed).encode("utf-8"))
