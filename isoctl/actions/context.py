"""What an action command knows about its workspace: the manifest, and nothing more until asked.

People are checked against the manifest's ``people:``; clause references
against the catalogs of the standards in scope, loaded only when a command
actually names a clause. No record file is read here.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from isoctl.errors import UsageError, WorkspaceError
from isoctl.model.manifest import Manifest
from isoctl.workspace.discover import MANIFEST, find_workspace, inside
from isoctl.workspace.load import load_manifest

if TYPE_CHECKING:
    from isoctl.actions.ids import Scan
    from isoctl.catalog.catalogs import Catalogs
    from isoctl.catalog.schema import Clause, Edition


@dataclass
class ActionContext:
    """The workspace root, its manifest, and the catalogs in scope (loaded on first use)."""

    root: Path
    manifest: Manifest
    catalog_dirs: list[Path]
    _scope: tuple[Catalogs, list[Edition]] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path | None = None) -> ActionContext:
        """The workspace at or above ``path`` (default: the current directory)."""
        root = find_workspace(path)
        manifest, _, _ = load_manifest(root)  # schema findings are `check`'s business; the salvage is usable
        dirs = []
        for entry in manifest.catalogs:
            resolved = inside(root, entry)
            if resolved is None:
                raise WorkspaceError(f"{MANIFEST}: catalogs: '{entry}' is outside the workspace")
            dirs.append(resolved)
        return cls(root, manifest, dirs)

    @property
    def ignore(self) -> list[str]:
        """Paths no scan reads: the manifest's ``ignore`` and catalog directories, as ``check`` skips them."""
        extra = [os.path.relpath(d, self.root) + "/" for d in self.catalog_dirs]
        return list(self.manifest.ignore) + extra

    def scan(self) -> Scan:
        from isoctl.actions.ids import scan

        return scan(self.root, self.ignore)

    def person(self, value: str, option: str) -> str:
        """``value`` if it is a person of the manifest; a UsageError naming the closest ones otherwise."""
        people = [p.id for p in self.manifest.people]
        if value in people:
            return value
        raise UsageError(f"{option}: '{value}' is not a person in {MANIFEST}", hint=person_hint(value, people))

    def clauses_of(self, text: str, option: str) -> list[tuple[Edition, Clause]]:
        """The clauses in scope a reference addresses; UsageError saying why when it addresses none."""
        from isoctl.analysis.resolve import resolve_text

        catalogs, editions = self._catalogs()
        found, problem = resolve_text(text.strip(), catalogs, editions)
        if problem is not None:
            raise UsageError(f"{option} {text}: {problem}", hint="run 'isoctl standards show EDITION' to see the clauses")
        return found

    def clause_filter(self, text: str, option: str) -> Callable[[Any], bool]:
        """A test for actions addressing the clause ``text`` names or one below it (``hs:`` resolved)."""
        from isoctl.analysis.resolve import descendants, resolve_text

        wanted = set()
        for edition, clause in self.clauses_of(text, option):
            wanted |= {(edition.id, clause.id)} | {(edition.id, c.id) for c in descendants(edition, clause)}
        catalogs, editions = self._catalogs()
        memo: dict[str, bool] = {}

        def addresses(action: Any) -> bool:
            for ref in action.clauses:
                if ref not in memo:
                    found, _ = resolve_text(ref, catalogs, editions)
                    memo[ref] = any((e.id, c.id) in wanted for e, c in found)
                if memo[ref]:
                    return True
            return False

        return addresses

    def _catalogs(self) -> tuple[Catalogs, list[Edition]]:
        if self._scope is None:
            from isoctl.catalog.catalogs import Catalogs

            catalogs = Catalogs.load(self.catalog_dirs, base=self.root)
            editions: list[Edition] = []
            for name in self.manifest.standards:
                try:
                    edition = catalogs.edition(name)
                except UsageError:
                    continue  # `check` reports a bad edition in the manifest; it just has no clauses here
                if edition.id != "hs" and edition not in editions:
                    editions.append(edition)
            self._scope = (catalogs, editions)
        return self._scope


def person_hint(value: str, people: list[str]) -> str:
    """What to say about ``value``, which is no person of the manifest: the closest ids, or who there is."""
    close = difflib.get_close_matches(value, people, n=3, cutoff=0.5)
    if close:
        return f"did you mean {' or '.join(close)}?"
    if people:
        return f"people in {MANIFEST}: {', '.join(people)}"
    return f"{MANIFEST} lists no people; add them under people:"
