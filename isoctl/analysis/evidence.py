"""Which records evidence which clauses: explicit references and the catalogs' expectations.

A record evidences a clause when it references it (directly, through a parent
clause, or through ``hs:``), or when it matches one of the clause's
``expects`` entries. Everything here is computed once per analysis and is a
pure function of the records, the catalogs in scope and ``today``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import os
import posixpath
import re
import stat
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.refs import ClauseRef, parse_ref
from isoctl.catalog.schema import Clause, Edition, Expect
from isoctl.errors import reason
from isoctl.model.manifest import Settings
from isoctl.workspace.files import ignored  # the walker's own test: evidence and records agree
from isoctl.workspace.records import LoadedRecord

if TYPE_CHECKING:
    from isoctl.workspace.load import Workspace

ClauseKey = tuple[str, str]  # (edition id, clause id)


def record_date(record: Any) -> dt.date | None:
    """The date that says how recent a record is (the one ``within`` windows are measured on)."""
    kind = record.kind
    if kind == "objective":
        dates = [m.date for m in record.measurements]
        return max(dates) if dates else None
    attribute = {
        "review": "date",
        "audit": "date",
        "exercise": "date",
        "competence": "completed_on",
        "obligation": "evaluated_on",
        "supplier": "evaluated_on",
        "risk": "reviewed_on",
        "document": "approved_on",
        "action": "raised_on",
    }.get(kind)
    return getattr(record, attribute, None) if attribute else None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if type(value) is str:  # the common case, first
        return value != ""
    if isinstance(value, str | list | dict):
        return bool(value)
    if hasattr(value, "model_dump"):
        return any(_present(v) for v in value.model_dump().values())
    return True


#: Kinds that evidence a clause only where they name it. A document can be about
#: anything, so "some approved policy exists" must not make every policy evidence
#: of every clause that expects one; a review, an audit or a risk is what it is.
NAMED_ONLY = frozenset({"document"})


def matches(record: Any, expect: Expect, settings: Settings, today: dt.date) -> bool:
    """Whether one record satisfies one expectation of a clause (wherever it is referenced)."""
    if record.kind != expect.kind:
        return False
    if record.kind == "document" and record.status == "obsolete":
        return False
    if record.kind == "review" and record.status == "draft":  # prepared for a meeting not held yet
        return False
    for name, wanted in expect.where.items():
        value = getattr(record, name, None)
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if value not in allowed:
            return False
    if expect.has is not None and not _present(getattr(record, expect.has, None)):
        return False
    if expect.within is not None:
        when = record_date(record)
        days = getattr(settings, expect.within)
        if when is None or when > today or (today - when).days > days:
            return False
    return True


@dataclass
class BadRef:
    """A clause reference that resolves to nothing in scope, and why."""

    record: LoadedRecord | None
    loc: tuple[str | int, ...]
    text: str
    reason: str


@dataclass
class Evidence:
    """Per clause of every edition in scope: the records that reference it or match its expectations.

    Sets of records are kept as sets of *ranks*: a record's rank is the position
    of its id among all ids in sorted order. A clause lists its records sorted by
    id, and sorting and merging small integers per clause costs a fraction of
    doing it with the records' id strings.
    """

    explicit: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    soa: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    #: the Annex A controls each SoA row is for, by the id() of its model (the inverse of ``soa``)
    soa_keys: dict[int, list[ClauseKey]] = field(default_factory=dict)
    #: the risks whose ``controls`` name a control: by the clause a reference names itself (not its
    #: sub-clauses), and by the text of every other entry (a control record's id)
    treated_by: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    treated_by_id: dict[str, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    bad_refs: list[BadRef] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # every record id, sorted: a rank is a position in it
    rank: dict[str, int] = field(default_factory=dict)
    named: dict[ClauseKey, list[int]] = field(default_factory=lambda: defaultdict(list))  # ranks of ``explicit``
    #: the records of ``explicit`` whose kind is NAMED_ONLY (the only ones those expectations can match)
    named_only: dict[ClauseKey, list[LoadedRecord]] = field(default_factory=lambda: defaultdict(list))
    unique_ids: bool = True  # no two records share an id (then a rank stands for exactly one record)
    by_kind: dict[str, list[tuple[Any, int]]] = field(default_factory=lambda: defaultdict(list))  # (model, rank)s
    _reads: dict[str, _Reads] = field(default_factory=dict)  # per kind, what the expectations in scope read
    _groups: dict[str, tuple[_Reads, list[tuple[Any, list[int]]]]] = field(default_factory=dict)
    _satisfied: dict[str, frozenset[int]] = field(default_factory=dict)
    #: per (today, evidence_max_age_days): the newest evidence of each record resting on stale evidence only, by
    #: the id() of its model (see :func:`isoctl.analysis.coverage.stale_newest`)
    stale_memo: dict[tuple[dt.date, int], dict[int, Any]] = field(default_factory=dict)

    def sorted_ids(self, ranks: Iterable[int]) -> list[str]:
        """The ids of these ranks, in id order, each once."""
        ordered = sorted(ranks if isinstance(ranks, set | frozenset) else set(ranks))
        if len(ordered) < 2:
            return [self.ids[n] for n in ordered]
        return list(itemgetter(*ordered)(self.ids))

    def satisfied(self, expect: Expect, settings: Settings, today: dt.date) -> frozenset[int]:
        """Ranks of the records that satisfy an expectation, wherever they are referenced (memoised: many
        clauses share an expectation).

        The records of a kind are grouped by everything :func:`matches` reads of
        them, and each group is judged once, by one of its records: thousands
        of actions make a few dozen groups.
        """
        key = expect_key(expect)
        hit = self._satisfied.get(key)
        if hit is None:
            hit = self._satisfied[key] = frozenset(chain.from_iterable(
                ranks for model, ranks in self._grouped(expect) if matches(model, expect, settings, today)
            ))
        return hit

    def _grouped(self, expect: Expect) -> list[tuple[Any, list[int]]]:
        kind = expect.kind
        reads = _Reads.of(expect).union(self._reads.get(kind))
        known = self._groups.get(kind)
        if known is None or known[0] != reads:  # (an expectation from outside the scope reads more)
            known = self._groups[kind] = (reads, _group(self.by_kind.get(kind, []), reads))
            self._reads[kind] = reads
        return known[1]


@dataclass(frozen=True)
class _Reads:
    """What :func:`matches` reads of the records of one kind for some expectations."""

    where: frozenset[str] = frozenset()
    has: frozenset[str] = frozenset()
    dated: bool = False

    @classmethod
    def of(cls, expect: Expect) -> _Reads:
        where = set(expect.where)
        if expect.kind in ("document", "review"):
            where.add("status")  # obsolete documents and draft reviews match nothing
        return cls(frozenset(where), frozenset({expect.has} if expect.has is not None else ()), expect.within is not None)

    def union(self, other: _Reads | None) -> _Reads:
        if other is None:
            return self
        return _Reads(self.where | other.where, self.has | other.has, self.dated or other.dated)


def _group(records: list[tuple[Any, int]], reads: _Reads) -> list[tuple[Any, list[int]]]:
    """Records that look the same to :func:`matches` for these reads: (one of their models, their ranks)."""
    where = sorted(reads.where)
    has = sorted(reads.has)
    groups: dict[Any, tuple[Any, list[int]]] = {}
    for model, rank in records:
        values = tuple([getattr(model, name, None) for name in where])
        key: Any = (
            values, tuple(map(type, values)),  # types too: True == 1, but only one of them is a bool
            tuple([_present(getattr(model, name, None)) for name in has]),
            record_date(model) if reads.dated else None,
        )
        try:
            group = groups.get(key)
        except TypeError:  # an unhashable value (a list where a scalar is expected): a group of its own
            key = object()
            group = None
        if group is None:
            groups[key] = (model, [rank])
        else:
            group[1].append(rank)
    return list(groups.values())


def descendants(edition: Edition, clause: Clause) -> Iterator[Clause]:
    for child in edition.children.get(clause.id, []):
        yield child
        yield from descendants(edition, child)


def explain_unresolved(ref: ClauseRef, catalogs: Catalogs, scope: list[Edition]) -> str:
    """Why a parsed reference resolves to nothing in scope."""
    if ref.family == "hs":
        hs = catalogs.editions.get("hs")
        if hs is None or ref.clause not in hs.by_id:
            return f"the harmonized structure has no clause {ref.clause}"
        return f"no standard in scope has a clause linked to hs:{ref.clause}"
    in_scope = [e for e in scope if e.family == ref.family]
    if not in_scope:
        known = ref.family in catalogs.families()
        return f"{ref.family} is not in scope (isoctl.yaml standards)" if known else f"unknown standard '{ref.family}'"
    if ref.edition is not None and all(e.id != ref.edition_id for e in in_scope):
        edition = in_scope[0]
        problem = f"{ref.edition_id} is not in scope; the edition in scope is {edition.id}"
    else:
        edition = next(e for e in in_scope if ref.edition_id in (None, e.id))
        problem = f"{edition.id} has no clause {ref.clause}"
    return problem + _where_it_went(ref, catalogs, edition)


def _where_it_went(ref: ClauseRef, catalogs: Catalogs, edition: Edition) -> str:
    """For a clause of another edition of the family: where it is in the edition in scope, from the transition
    tables, and how ``isoctl migrate`` moves the workspace's references (empty when no other edition has it)."""
    moved = catalogs.moves(ref.family, ref.clause, edition, sources=[ref.edition_id] if ref.edition_id else [])
    if not moved:
        return ""
    move = moved[0]
    said = f"; {move.describe()}"
    if move.forward and move.to:
        # migrate reads the edition to move from in isoctl.yaml: a manifest switched by hand has nothing to move
        return (f"{said} — 'isoctl migrate --to {edition.display}' rewrites such references while isoctl.yaml "
                f"still names {move.source.display}")
    if not move.forward and edition.status == "superseded":
        return f"{said} — to use the {move.source.edition} numbering, move to it with 'isoctl migrate --to {move.source.display}'"
    return said


def resolve_text(
    text: str, catalogs: Catalogs, scope: list[Edition]
) -> tuple[list[tuple[Edition, Clause]], str | None]:
    """Resolve one written reference: the clauses it addresses, or why it addresses none."""
    ref = parse_ref(text) if isinstance(text, str) else None
    if ref is None:
        return [], f"'{text}' is not a clause reference (write family:clause, e.g. iso9001:8.5.1 or hs:9.2)"
    found = catalogs.resolve(ref, scope)
    return (found, None) if found else ([], explain_unresolved(ref, catalogs, scope))



class ClauseResolver:
    """Clause references resolved once each: to the clauses they name, optionally with every sub-clause."""

    def __init__(self, catalogs: Catalogs, editions: list[Edition]) -> None:
        self.catalogs = catalogs
        self.editions = editions
        self._memo: dict[tuple[str, bool], frozenset[ClauseKey]] = {}

    def __call__(self, text: str, *, below: bool) -> frozenset[ClauseKey]:
        hit = self._memo.get((text, below))
        if hit is None:
            found, _ = resolve_text(text, self.catalogs, self.editions)
            keys = {(e.id, c.id) for e, c in found}
            if below:
                keys |= {(e.id, d.id) for e, c in found for d in descendants(e, c)}
            hit = self._memo[(text, below)] = frozenset(keys)
        return hit

    def parent(self, edition: str, clause: str) -> str | None:
        """The clause id a clause sits under in its edition (None for a top-level clause)."""
        found = self.catalogs.editions.get(edition)
        item = found.by_id.get(clause) if found is not None else None
        return item.parent if item is not None else None

    def audited(self, scope: Iterable[str], by_id: dict[str, Any]) -> set[ClauseKey]:
        """Every clause an audit's ``scope`` covers: the clauses it names with their sub-clauses, and those the
        records it names (processes) address, from ``by_id`` (record id to its model)."""
        keys: set[ClauseKey] = set()
        for entry in scope:
            if parse_ref(entry) is not None:
                keys |= self(entry, below=True)
            elif entry in by_id:
                for text in by_id[entry].clauses:
                    keys |= self(text, below=True)
        return keys

def collect(records: Iterable[LoadedRecord], catalogs: Catalogs, scope: list[Edition]) -> Evidence:
    """Explicit references of every record, SoA rows per Annex A control, and unresolvable references."""
    records = list(records)
    ids = [record.id for record in records]
    evidence = Evidence(ids=sorted(dict.fromkeys(ids)))  # kept in file order, runs of ids in order sort fast
    evidence.rank = {record_id: rank for rank, record_id in enumerate(evidence.ids)}
    evidence.unique_ids = len(evidence.ids) == len(records)
    for edition in scope:
        for clause in edition.clauses:
            for expect in clause.expects:
                evidence._reads[expect.kind] = _Reads.of(expect).union(evidence._reads.get(expect.kind))
    memo: dict[str, tuple[list[tuple[Edition, Clause]], str | None]] = {}
    # per reference text, the (explicit, named, named_only) lists of every clause it addresses: a text is
    # resolved once, however many records carry it
    targets: dict[str, list[tuple[list[LoadedRecord], list[int], list[LoadedRecord]]]] = {}

    def resolve_text(text: str, catalogs: Catalogs, scope: list[Edition]) -> tuple[list[tuple[Edition, Clause]], str | None]:
        hit = memo.get(text)
        if hit is None:
            hit = memo[text] = _resolve_with_descendants(text, catalogs, scope)
        return hit

    for record, rank in zip(records, map(evidence.rank.__getitem__, ids), strict=True):
        model: Any = record.model
        evidence.by_kind[record.kind].append((model, rank))
        named_only = record.kind in NAMED_ONLY
        for index, text in enumerate(model.clauses):
            into = targets.get(text)
            if into is None:
                found, problem = resolve_text(text, catalogs, scope)
                if problem:
                    evidence.bad_refs.append(BadRef(record, ("clauses", index), text, problem))
                    continue
                keys = [(edition.id, clause.id) for edition, clause in found]
                into = targets[text] = [(evidence.explicit[k], evidence.named[k], evidence.named_only[k]) for k in keys]
            for explicit, named, only in into:
                explicit.append(record)
                named.append(rank)
                if named_only:
                    only.append(record)
        if model.kind == "risk":
            for text in model.controls:
                ref = parse_ref(text) if isinstance(text, str) else None
                if ref is None:
                    evidence.treated_by_id[text].append(record)
                    continue
                for edition, clause in resolve_text(text, catalogs, scope)[0]:
                    if clause.id == ref.clause:  # the control itself, not every control of a theme it names
                        evidence.treated_by[(edition.id, clause.id)].append(record)
        if model.kind == "control":
            found, problem = resolve_text(model.control, catalogs, scope)
            if problem:
                evidence.bad_refs.append(BadRef(record, ("control",), model.control, problem))
            for edition, clause in found:
                if not clause.is_annex:
                    evidence.bad_refs.append(
                        BadRef(record, ("control",), model.control, f"{edition.id} {clause.id} is not an Annex A control")
                    )
                    continue
                evidence.soa[(edition.id, clause.id)].append(record)
                evidence.soa_keys.setdefault(id(model), []).append((edition.id, clause.id))
    return evidence


def _resolve_with_descendants(
    text: str, catalogs: Catalogs, scope: list[Edition]
) -> tuple[list[tuple[Edition, Clause]], str | None]:
    """A reference resolved, with every sub-clause of what it names (a parent addresses its children)."""
    found, problem = resolve_text(text, catalogs, scope)
    out = list(found)
    for edition, clause in found:
        out += [(edition, child) for child in descendants(edition, clause)]
    unique = {(e.id, c.id): (e, c) for e, c in out}
    return list(unique.values()), problem


def expect_key(expect: Expect) -> str:
    return repr((expect.kind, sorted(expect.where.items()), expect.has, expect.within))


#: The links that can be evidence: web pages and mail addresses. ``file:`` would read outside the
#: workspace, ``javascript:`` and ``data:`` would run in the HTML report of whoever opens it.
URL_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_UNSAFE_SCHEMES = frozenset({"file", "javascript", "data", "vbscript"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PathCheck:
    """What a path a record names (evidence, a document's file) leads to, and what is wrong if anything.

    ``refused``: not a file of the workspace that isoctl may show to an
    auditor (outside it, in an ignored or dot-directory, a URL, empty, a
    symlink loop); ``missing``: no such file; ``ok``.
    """

    status: Literal["ok", "missing", "refused"]
    message: str | None = None


#: A plain web address (http or https, a host of letters, digits, dots and dashes, no spaces or control
#: characters): what nearly every evidence link is, and a link :func:`url_problem` accepts without parsing it.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][!-~]*)?")


def url_problem(url: str) -> str | None:
    """Why an evidence ``url`` is not a link isoctl can show (None when it is an http(s) or mailto URL)."""
    if _PLAIN_URL.fullmatch(url):
        return None
    return _url_problem(url)


@functools.lru_cache(maxsize=4096)  # a workspace names the same few intranet and portal URLs thousands of times
def _url_problem(url: str) -> str | None:
    shown = _shown(url)
    if _CONTROL.search(url):
        return f"url '{shown}' contains control characters"
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        return f"url '{shown}' is not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES:
        what = f"a {scheme}: link" if scheme else "not a URL"
        return f"url '{shown}' is {what}; evidence links must be http, https or mailto (a file belongs under path:)"
    if scheme != "mailto" and not parts.netloc:
        return f"url '{shown}' names no host"
    return None


def check_path(workspace: Workspace, path: str) -> PathCheck:
    """See :func:`_check_path`; each path is judged once per workspace, however many rules ask."""
    key = ("check_path", path)
    known = workspace.memo.get(key)
    if not isinstance(known, PathCheck):
        known = workspace.memo[key] = _check_path(workspace, path)
    return known


def _check_path(workspace: Workspace, path: str) -> PathCheck:
    """Whether ``path`` names a file or folder of the workspace that may serve as evidence.

    It must be inside the workspace (after following symlinks, which ``check``
    never follows out of it), not under a dot-directory or a path the manifest
    ignores (both are outside what isoctl reads and what an auditor is shown),
    and neither empty nor the workspace itself. Lexical first; only a path
    through a symlink is resolved, so thousands of evidence paths stay cheap.
    """
    shown = _shown(path)
    if "\0" in path:
        return _refused(f"path '{shown}' contains a NUL character")
    if not path.strip():
        return _refused("path is empty; name a file inside the workspace")
    scheme = _SCHEME.match(path)
    if scheme and (path[scheme.end():].startswith("//") or scheme[1].lower() in _UNSAFE_SCHEMES):
        return _refused(f"path '{shown}' is a URL, not a file of the workspace; "
                        "write it as url: (http, https or mailto) or name a file")
    norm = posixpath.normpath(path.replace("\\", "/"))
    if norm == ".":
        return _refused(f"path '{shown}' names the whole workspace; name a file or folder inside it")
    if posixpath.isabs(norm) or norm == ".." or norm.startswith("../") or re.match(r"^[A-Za-z]:", norm):
        return _refused(f"path '{shown}' leads outside the workspace")
    hidden = _hidden(norm, workspace.manifest.ignore, workspace.memo)
    if hidden:
        return _refused(f"path '{shown}' {hidden}")
    if workspace.tree is not None:  # a commit: the files it holds
        folder = norm + "/"
        found = norm in workspace.tree or any(p.startswith(folder) for p in workspace.tree)
        return PathCheck("ok") if found else PathCheck("missing")
    return _on_disk(workspace, norm, shown)


def _on_disk(workspace: Workspace, norm: str, shown: str) -> PathCheck:
    """The path's real place and existence. The walk noted every folder symlink outside dot- and ignored
    folders (those are refused before this), so only the last component needs a look of its own."""
    root = workspace.root
    full = os.path.join(root, norm)
    parts = norm.split("/")
    linked = any("/".join(parts[: i + 1]) in workspace.links for i in range(len(parts) - 1))
    # the walk skips catalog folders, so it saw no link there: resolve what is below them
    linked = linked or any(ignored(norm, [entry.rstrip("/") + "/"]) for entry in workspace.manifest.catalogs)
    with contextlib.suppress(OSError):  # nothing there (or a folder above is a file): the stat below says which
        linked = linked or stat.S_ISLNK(os.lstat(full).st_mode)
    if linked:
        real_root = os.path.realpath(root)
        real = os.path.realpath(full)
        if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
            return _refused(f"path '{shown}' leads outside the workspace (through a symlink)")
        hidden = _hidden(Path(os.path.relpath(real, real_root)).as_posix(), workspace.manifest.ignore)
        if hidden:
            return _refused(f"path '{shown}' leads, through a symlink, to a file that {hidden.removeprefix('is ')}")
    try:
        os.stat(full)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _refused(f"path '{shown}' is a symlink loop: the link leads back to itself")
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG):
            return PathCheck("missing")
        return _refused(f"path '{shown}' cannot be read: {reason(exc)}")
    except ValueError:  # pragma: no cover - NUL bytes are refused above
        return _refused(f"path '{shown}' cannot be read")
    return PathCheck("ok")


def _hidden(norm: str, ignore: Sequence[str], memo: dict[tuple[str, str], object] | None = None) -> str | None:
    """Why a relative path is not where records and evidence are read: a dot-directory or an ignored path.

    ``memo`` keeps the answer for each folder: thousands of evidence paths share a few dozen folders.
    """
    parts = norm.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.startswith("."):
            return f"is inside the dot-directory {'/'.join(parts[: index + 1])}/, which isoctl does not read"
    for index in range(len(parts)):
        prefix = "/".join(parts[: index + 1])
        folder = index < len(parts) - 1
        key = ("ignored-folder", prefix)
        if folder and memo is not None and key in memo:
            hit = bool(memo[key])
        else:
            hit = ignored(prefix, ignore) or ignored(prefix + "/", ignore)
            if folder and memo is not None:
                memo[key] = hit
        if hit:
            return f"is in {prefix}{'/' if folder else ''}, which isoctl.yaml ignores"
    return None


def _refused(message: str) -> PathCheck:
    return PathCheck("refused", message)


def shown(text: str) -> str:
    """A path or URL as a finding may quote it (control characters escaped, long ones shortened)."""
    return _shown(text)


def _shown(text: str) -> str:
    """A path or URL as a message may quote it: control characters escaped, long ones shortened."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= 200 else text[:197] + "..."
