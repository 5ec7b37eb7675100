"""Taking back what a failed ``init`` wrote, so a failure leaves every directory as it was.

Rendering happens in memory, so a broken template never writes a byte; but
writing can still fail (a full disk, a file in the way) and so can the first
commit (a signing key git cannot use, a broken ``.git`` in the target). A
half-made workspace would then be left behind, and ``init`` refuses a target
that is not empty, so the user could not simply run it again.
:class:`Rollback` remembers how things were before the first write: whether
the target existed and what it held (at most a ``.git``), which folders
above it were missing, and, for a workspace inside another repository, the
files at that repository's root it is about to add or change (CI files,
``.vscode/settings.json``). :meth:`Rollback.undo` puts all of them back.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path


class Rollback:
    """How the target of an ``init`` and the files it touches outside it were, to put them back on failure."""

    def __init__(self, target: Path) -> None:
        self.target = target
        # what the target held before (require_empty allows at most a .git); None: init creates it
        self._before = set(target.iterdir()) if target.is_dir() else None
        self._folders = _missing_folders(target)  # created above the target by mkdir(parents=True)
        self._files: dict[Path, bytes | None] = {}  # outside the target: the content before, None when absent

    def keep(self, path: Path) -> None:
        """Remember the file ``path`` outside the target as it is now: :meth:`undo` restores it or removes it."""
        if path in self._files:
            return
        if path.is_symlink() or (path.exists() and not path.is_file()):
            return  # never written by init (it leaves such a file alone), so nothing to put back
        try:
            self._files[path] = path.read_bytes() if path.exists() else None
        except OSError:
            return
        self._folders += [folder for folder in _missing_folders(path.parent) if folder not in self._folders]

    def undo(self) -> None:
        """Put everything back as it was; best effort, since it runs while another error is being reported."""
        for path, content in self._files.items():
            with contextlib.suppress(OSError):
                if content is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(content)
        if self._before is None:
            shutil.rmtree(self.target, ignore_errors=True)
        elif self.target.is_dir():
            for entry in set(self.target.iterdir()) - self._before:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        entry.unlink()
        for folder in sorted(self._folders, key=lambda f: len(f.parts), reverse=True):  # the deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: something else may have been put there meanwhile


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and the folders above it that do not exist yet, the deepest first."""
    missing = []
    while not path.exists() and not path.is_symlink() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing
