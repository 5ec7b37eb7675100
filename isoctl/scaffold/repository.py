"""Where a new workspace's CI and hook files go: its own repository, or the git repository around it.

A workspace created inside an existing repository (``compliance/`` of a
product repository) must not become a nested repository, and its CI files
only work where the platforms read them: GitHub runs workflows from the
repository root's ``.github/workflows/``, GitLab reads the root's
``.gitlab-ci.yml``, pre-commit the root's ``.pre-commit-config.yaml``.
:func:`locate` finds that root and :func:`place` moves the rendered
repository-level files there, never over a file that exists and never
outside the repository.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from isoctl import __version__
from isoctl.errors import ScaffoldError

#: Where isoctl is installed from in scaffolded CI: it is not on the package index.
ISOCTL_REPOSITORY = "https://github.com/isoctl/isoctl"

#: Rendered files that belong to the repository rather than to the workspace.
GITHUB_WORKFLOW = PurePosixPath(".github/workflows/isoctl.yml")
GITLAB_CI = PurePosixPath(".gitlab-ci.yml")
PRE_COMMIT = PurePosixPath(".pre-commit-config.yaml")
AT_ROOT = PurePosixPath(".")


@dataclass(frozen=True)
class Placement:
    """Where the repository-level files of a workspace at ``workspace`` go.

    ``top`` is the root of the git repository the workspace is created in
    (None when it becomes a repository of its own); ``prefix`` is the
    workspace's folder in that repository, ``.`` at its root.
    """

    workspace: Path
    top: Path | None = None
    prefix: PurePosixPath = AT_ROOT
    github_workflow: PurePosixPath = GITHUB_WORKFLOW
    gitlab_ci: PurePosixPath = GITLAB_CI
    pre_commit: PurePosixPath | None = PRE_COMMIT
    told: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """The directory repository-level files are relative to."""
        return self.top if self.top is not None else self.workspace

    @property
    def gitlab_include(self) -> bool:
        """Whether the GitLab job goes to a file of its own that the root ``.gitlab-ci.yml`` must include."""
        return self.gitlab_ci != GITLAB_CI

    def context(self) -> dict[str, object]:
        """The template variables that scope CI to the workspace (documented in templates/scaffold/README.md)."""
        return {
            "workspace_dir": self.prefix.as_posix(),
            # a regular expression for the workspace's files as pre-commit names them (from the repository root)
            "workspace_files": "" if self.prefix == AT_ROOT else f"^{re.escape(self.prefix.as_posix())}/",
            "in_repository": self.top is not None,
            "github_workflow": self.github_workflow.as_posix(),
            "gitlab_ci": self.gitlab_ci.as_posix(),
            "isoctl_repository": ISOCTL_REPOSITORY,
            "isoctl_ref": f"v{__version__}",
            "isoctl_install": f"isoctl @ git+{ISOCTL_REPOSITORY}@v{__version__}",
        }


def enclosing_repository(path: Path) -> Path | None:
    """The root of the git repository that ``path`` (which may not exist yet) would be inside, if any.

    None outside a repository and when git is not installed: a workspace can
    then still be created, as a repository of its own or as plain files.
    """
    where = Path(path).resolve()
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        done = subprocess.run(["git", "-C", str(where), "rev-parse", "--show-toplevel"], capture_output=True,
                              stdin=subprocess.DEVNULL, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        if "dubious ownership" in stderr:
            raise ScaffoldError(f"{where} is in a git repository that git refuses to read (another user owns it)",
                                hint="create the workspace elsewhere, or add the repository to git's safe.directory")
        return None
    top = done.stdout.decode("utf-8", "replace").strip()
    return Path(top).resolve() if top else None


def locate(workspace: Path, *, ci: str) -> Placement:
    """Plan where the repository-level files of a workspace about to be created at ``workspace`` go.

    Refuses (ScaffoldError, before anything is written) when a file it would
    need to write exists and has no alternative name.
    """
    workspace = Path(workspace).resolve()
    top = enclosing_repository(workspace)
    if top is None:
        return Placement(workspace)
    prefix = PurePosixPath(workspace.relative_to(top).as_posix())
    slug = re.sub(r"[^a-z0-9]+", "-", prefix.as_posix().lower()).strip("-") or "workspace"
    workflow = GITHUB_WORKFLOW
    if ci == "github" and _exists(top, workflow):
        workflow = GITHUB_WORKFLOW.with_name(f"isoctl-{slug}.yml")
    gitlab = GITLAB_CI
    if ci == "gitlab" and _exists(top, gitlab):
        gitlab = PurePosixPath(f".gitlab/isoctl-{slug}.gitlab-ci.yml")
    for wanted, used in ((ci == "github", workflow), (ci == "gitlab", gitlab)):
        if wanted and _exists(top, used):
            raise ScaffoldError(f"{top / used} exists and isoctl does not overwrite it",
                                hint="remove or rename it, or choose another CI with --ci (--ci none for no CI)")
    pre_commit = None if _exists(top, PRE_COMMIT) else PRE_COMMIT
    return Placement(workspace, top, prefix, workflow, gitlab, pre_commit)


def place(placement: Placement, files: dict[PurePosixPath, bytes], target: Path) -> dict[Path, bytes]:
    """Destinations for the rendered ``files`` (relative to the workspace ``target``), with notes for the user.

    Inside another repository the CI files and the pre-commit configuration
    move to its root (under the names :func:`locate` chose); a pre-commit
    configuration that exists there is left alone and its hook is shown
    instead, in ``placement.told``.
    """
    if placement.top is None or placement.prefix == AT_ROOT:  # the workspace is the repository: all stays in it
        if placement.top is not None:
            placement.told.append(f"The workspace is the existing git repository {placement.top}: nothing was committed.")
        return {target.joinpath(*rel.parts): content for rel, content in files.items()}
    top, told = placement.top, placement.told
    moved = {GITHUB_WORKFLOW: placement.github_workflow, GITLAB_CI: placement.gitlab_ci, PRE_COMMIT: placement.pre_commit}
    placed: dict[Path, bytes] = {}
    at_root: list[str] = []
    for relative, content in files.items():
        if relative not in moved:
            placed[target.joinpath(*relative.parts)] = content
            continue
        destination = moved[relative]
        if destination is None:  # the repository has its own pre-commit configuration
            told.append(f"{PRE_COMMIT} exists at the repository root and was left as it is; to check commits, add "
                        f"this to its 'repos:' list:\n{_repos_entries(content)}")
            continue
        placed[_inside(top, destination)] = content
        at_root.append(destination.as_posix())
    told.insert(0, f"The workspace is the folder {placement.prefix}/ of the git repository {top}: "
                   "no repository was created inside it and nothing was committed.")
    if placement.gitlab_include and placement.gitlab_ci.as_posix() in at_root:
        told.append(f"{GITLAB_CI} exists and was left as it is; to run the isoctl job, add to it:\n"
                    f"  include:\n    - local: {placement.gitlab_ci}")
    return placed


def _exists(top: Path, relative: PurePosixPath) -> bool:
    path = top.joinpath(*relative.parts)
    return path.exists() or path.is_symlink()


def _inside(top: Path, relative: PurePosixPath) -> Path:
    """``top/relative``, refused when a link on the way leads out of the repository."""
    destination = top.joinpath(*relative.parts)
    if not destination.parent.resolve().is_relative_to(top):
        raise ScaffoldError(f"{destination.parent} leads outside the repository {top}; isoctl does not write there",
                            hint="replace the link with a folder, or choose --ci none")
    return destination


def _repos_entries(content: bytes) -> str:
    """The ``repos:`` entries of a rendered pre-commit configuration (what a user adds to their own)."""
    text = content.decode("utf-8", "replace")
    _, found, rest = text.partition("\nrepos:\n")
    return rest.rstrip("\n") if found else text.rstrip("\n")
