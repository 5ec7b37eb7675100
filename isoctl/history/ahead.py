"""Helpers reading a history ahead: one per workspace, started early, asked for its answers when they are needed.

The command line starts a helper (a forked process, see
:mod:`isoctl.workspace.forks`) reading the history while the rest of isoctl
loads: its ``git log`` first, then what each blob of it holds (see
:func:`isoctl.history.versions.read_ahead` for the work it does). This
module keeps them by the root of their workspace, hands the evaluation
their answers (:func:`commits_ahead`, :func:`collect`) and stops them: when
the evaluation turns out not to need them (:func:`stop_ahead`), and at the
end of a run (:func:`cancel_ahead`), after those writing what they learnt
to the user cache are done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isoctl.history.decode import CommitInfo
from isoctl.history.split import Items


def ignored_by_manifest(root: Path) -> tuple[str, ...]:
    """The manifest's ``ignore`` patterns as its text says them, before it is validated; none (every file) when
    it cannot be read or says something else."""
    from isoctl.workspace.discover import manifest_data

    data = manifest_data(root)
    patterns = data.get("ignore") if isinstance(data, dict) else None
    if isinstance(patterns, list) and all(isinstance(p, str) for p in patterns):
        return tuple(patterns)
    return ()


@dataclass
class _Ahead:
    """A helper reading one history ahead (its commits, then its blobs), and its answers once they came.

    ``until`` is None until a helper started without it (:func:`isoctl.history.versions.read_ahead`)
    has said which commit it read up to.
    """

    until: str | None
    helper: Any
    commits: list[CommitInfo] | None = None
    blobs: tuple[dict[str, Items], dict[str, str]] | None = None
    saving: bool = False
    failed: bool = False

    def logged(self) -> list[CommitInfo] | None:
        """The helper's history (waited for once); None if it failed."""
        if self.commits is None and not self.failed:
            answer = self._wait()
            if answer is not None:
                self.until, self.commits = answer
        return self.commits

    def split(self) -> tuple[dict[str, Items], dict[str, str]] | None:
        """What the helper knows of the blobs (the user cache's and its own), and the texts it kept (waited for
        once); None if it failed.

        The helper then writes what it learnt to the user cache while the
        evaluation goes on (:meth:`finish` waits for it).
        """
        if self.blobs is None and self.logged() is not None:
            self.blobs = self._wait()
            self.saving = self.blobs is not None
        return self.blobs

    def finish(self) -> None:
        """Let the helper finish writing the cache (if it is writing it), then stop it."""
        if self.saving and not self.failed:
            self._wait()
        self.stop()

    def _wait(self) -> Any:
        try:
            return self.helper.next()
        except ChildProcessError:  # a helper that failed leaves the work to this process
            self.failed = True
            self.stop()
            return None

    def stop(self) -> None:
        self.helper.stop()


#: Helpers reading a history ahead, by the root of their workspace.
_ahead: dict[str, _Ahead] = {}


def start(root: Path, until: str | None, ignore: Sequence[str] | None,
          work: Callable[[Path, str | None, tuple[str, ...] | None], Iterator[Any]]) -> None:
    """Start ``work`` (:func:`isoctl.history.versions.read_ahead` says what it does) in a helper reading the
    history of ``root`` up to ``until``, unless one reading up to it (or to HEAD, ``until`` None) is running."""
    from isoctl.workspace.forks import Helper

    key = _key(root)
    entry = _ahead.get(key)
    if entry is not None:
        if entry.until in (None, until):
            return
        _ahead.pop(key).stop()
    frozen = tuple(ignore) if ignore is not None else None
    helper = Helper.start("isoctl-history-ahead", work, root, until, frozen)
    if helper is not None:
        _ahead[key] = _Ahead(until, helper)


def stop_ahead(root: Path) -> None:
    """Stop a helper reading the history of ``root`` ahead (the evaluation turned out not to need it)."""
    entry = _ahead.pop(_key(root), None)
    if entry is not None:
        entry.stop()


def _key(root: Path) -> str:
    return str(root.resolve())


def commits_ahead(root: Path, until: str) -> list[CommitInfo] | None:
    """The history up to ``until`` as a helper reading ahead found it (None if none did, or it failed)."""
    entry = _ahead.get(_key(root))
    if entry is None or entry.until not in (None, until):
        return None
    commits = entry.logged()
    return commits if entry.until == until else None


#: Helpers that handed over what they learnt and are writing it to the user cache.
_saving: list[_Ahead] = []


def collect(root: Path) -> tuple[dict[str, Items], dict[str, str]] | None:
    """What a helper reading ahead knows of this root's blobs (the user cache's and its own) and the texts it
    kept; None if none was started or it failed. The helper then keeps what it learnt in the user cache."""
    entry = _ahead.pop(_key(root), None)
    if entry is None:
        return None
    answer = entry.split()
    if answer is None:
        entry.stop()
        return None
    _saving.append(entry)
    return answer


def cancel_ahead() -> None:
    """Let helpers writing the cache finish; stop any helper still reading ahead (an evaluation that ends
    without needing it)."""
    for entry in _saving:
        entry.finish()
    _saving.clear()
    for entry in _ahead.values():
        entry.stop()
    _ahead.clear()
