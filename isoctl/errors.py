"""The one exception tree of isoctl.

Every error a user can cause derives from :class:`IsoctlError`. The command
line catches it in exactly one place, prints the message and exits with the
error's ``exit_code``; library users catch it like any other exception.
A problem *inside a record* is not an exception at all but a finding.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: repo-relative ``path`` with 1-based ``line``/``column``."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        # line 0 means the problem concerns the whole file or directory
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path


def reason(exc: OSError) -> str:
    """Why an operating-system call failed, as people read it ("No space left on device")."""
    return exc.strerror or str(exc) or type(exc).__name__


class IsoctlError(Exception):
    """Base of every error isoctl raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(IsoctlError):
    """Bad arguments: an unknown edition, clause or option value."""


class WorkspaceError(IsoctlError):
    """The workspace cannot be used: no manifest found, unreadable manifest."""


class OutputError(IsoctlError):
    """An output cannot be written: ``-o`` names a directory, a record, an unwritable place; stdout is closed or full."""


class InternalError(IsoctlError):
    """isoctl itself failed (a helper process died, an invariant broke): exit 3, never a hang."""

    exit_code = 3


class InvalidAction(UsageError):
    """An action record that does not fit the schema, so it cannot be shown or edited safely."""


class EditError(IsoctlError):
    """A record that cannot be edited safely; the file is left as it was."""


class ScaffoldError(IsoctlError):
    """A workspace cannot be created: the target is in use, or a template is broken or unsafe."""


@dataclass(frozen=True)
class Problem:
    """One located problem inside a file (catalogs report all of them at once)."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class CatalogError(IsoctlError):
    """A catalog or transition table is invalid; carries every problem found, located."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location, p.message))
        lines = [str(p) for p in self.problems]
        noun = "problem" if len(lines) == 1 else "problems"
        super().__init__(f"invalid catalog ({len(lines)} {noun}):\n" + "\n".join("  " + ln for ln in lines))


class GitError(IsoctlError):
    """git cannot be used here: the binary is missing, or the repository is broken."""


class UnsafeRepository(GitError):
    """git refuses to read the repository: another user owns it (git's ``safe.directory`` protection)."""


# Signals inside the loader, never seen by a user as such: each becomes a located finding.


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A file that cannot be read as YAML, with a 1-based position."""

    message: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class TooLarge(YamlProblem):
    """A file over the size limit, refused unread (a caller may still look at its first bytes).

    ``head`` holds the first bytes of one that had to be streamed past (a
    committed blob, which git gives whole or not at all): enough to tell a
    long Markdown handbook from a record without holding the whole file.
    """

    head: bytes = b""


class NotRecords(Exception):
    """The file parsed, but holds no records where records were expected."""
