"""Creating a new workspace: ``isoctl init`` as a library call.

A scaffold is rendered from a template directory (``templates/scaffold/<name>/``
or a consultant's own directory) by :mod:`.templates`, with a context built
here from the chosen standards, the organization and the git user.
Everything is rendered in memory before the first byte is written: a broken
template or an unknown standard leaves the target directory exactly as it
was. The files written point editors at the JSON Schemas written beside them,
and unless told otherwise the workspace becomes a git repository with
everything in its first commit.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from isoctl import __version__
from isoctl.errors import GitError, ScaffoldError, UsageError, reason
from isoctl.files import resources
from isoctl.scaffold.editors import SETTINGS, scaffold_settings
from isoctl.scaffold.free_text import check_line
from isoctl.scaffold.people import NewPerson, lead, team
from isoctl.scaffold.repository import enclosing_repository, locate, place
from isoctl.scaffold.rollback import Rollback
from isoctl.scaffold.templates import render_tree, template_dir

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs
    from isoctl.catalog.schema import Edition
    from isoctl.scaffold.history import History

Ci = Literal["github", "gitlab", "none"]
CI_CHOICES: tuple[str, ...] = ("github", "gitlab", "none")
SCHEMA_DIR = PurePosixPath(".isoctl/schema")
COMMIT_MESSAGE = "Start the management system with isoctl init"
PLACEHOLDER_OWNER = "owner"

#: The record id of each family's draft policy.
POLICIES = {
    "iso9001": "POL-QUALITY",
    "iso14001": "POL-ENVIRONMENT",
    "iso27001": "POL-INFOSEC",
    "iso45001": "POL-OHS",
    "iso22301": "POL-CONTINUITY",
}


def scaffold(
    path: Path,
    *,
    organization: str,
    standards: list[str],
    template: str | Path = "default",
    ci: Ci = "github",
    git: bool = True,
    today: dt.date,
    allow_superseded: bool = False,
    warn: Callable[[str], None] | None = None,
    people: list[NewPerson] | None = None,
    tell: Callable[[str], None] | None = None,
    add: Callable[[Path], list[Path]] | None = None,
) -> list[Path]:
    """Create a workspace at ``path`` and return the files written, sorted.

    Refuses a non-empty target, an unknown standard (naming the closest ones),
    two editions of one standard, and an edition whose transition has ended on
    ``today`` unless ``allow_superseded``; ``warn`` is told about every
    superseded edition chosen. ``people`` are the manifest's people (the git
    user, as top management, when there are none). Unless ``git`` is false
    the workspace becomes a repository with everything in its first commit;
    inside an existing repository it never does: its CI files go to that
    repository's root and ``tell`` hears where (see :mod:`.repository`).
    ``add`` is called with the workspace once its files are written, before
    the first commit, and returns the files it added (``init --answers``
    keeps its needs analysis so).

    The organization's and the people's names must be one line of printable
    text (UsageError otherwise). Nothing is written until the whole template
    has rendered, and when writing or committing fails, what was written is
    removed again: the target, and the repository around it, are left as
    they were.
    """
    from isoctl.catalog.catalogs import Catalogs

    target = Path(path)
    require_empty(target)
    if ci not in CI_CHOICES:
        raise UsageError(f"unknown CI system '{ci}'", hint=f"choose one of {', '.join(CI_CHOICES)}")
    if not organization.strip():
        raise UsageError("the organization name is empty", hint="give one with --org NAME")
    check_line(organization, "the organization name", hint="give one on one line with --org NAME")
    catalogs = Catalogs.load()
    editions = resolve_standards(catalogs, standards)
    for message in superseded_warnings(catalogs, editions, today, allow_superseded=allow_superseded):
        if warn is not None:
            warn(message)
    source = template_dir(template)
    placement = locate(target, ci=ci)  # inside another repository: CI at its root, no nested repository
    name, email = _identity(target, required=git)
    members = team(people, _owner(name, email))
    _check_people(members, named=bool(people))
    context = {**_context(catalogs, editions, organization.strip(), ci, lead(members), today), "people": members}
    context.update(placement.context())
    files = render_tree(source, context)
    if PurePosixPath("isoctl.yaml") not in files:
        raise ScaffoldError(f"template {source} does not produce an isoctl.yaml", hint="a workspace needs a manifest")
    placed = place(placement, {rel: _with_modeline(rel, content) for rel, content in files.items()}, target)
    rollback = Rollback(target)
    inside = target.resolve()
    for destination in [*placed, placement.root.joinpath(*SETTINGS.parts)]:
        if not destination.resolve().is_relative_to(inside):  # at the root of the repository around the workspace
            rollback.keep(destination)
    try:
        written = _write(target, placed)
        written += _write_schemas(target)
        written += scaffold_settings(target, warn, base=placement.root)
        if add is not None:
            written += add(target)
        if git and placement.top is None:
            from isoctl.history.git import init_and_commit

            init_and_commit(target, COMMIT_MESSAGE)
    except BaseException:  # Ctrl-C included: no half-made workspace left behind
        rollback.undo()
        raise
    for line in placement.told:
        if tell is not None:
            tell(line)
    return sorted(written)


def copy_example(path: Path, name: str, *, git: bool = True,
                 replayed: Callable[[History], None] | None = None) -> list[Path]:
    """Create a workspace at ``path`` as a copy of the shipped example ``name``; returns the files written.

    With git, outside any other repository, the copy becomes a repository
    whose commits replay the example's shipped history (:mod:`.history`), or
    holds it in one commit when the example has none. ``replayed`` is given
    the history that was replayed (what it made, the day it is read on).
    """
    root = resources.data_dir("examples")
    available = sorted(d.name for d in root.iterdir() if (d / "isoctl.yaml").is_file()) if root.is_dir() else []
    if name not in available:
        hint = f"available examples: {', '.join(available)}" if available else "this installation ships no examples"
        close = difflib.get_close_matches(name, available, n=1)
        raise UsageError(f"unknown example '{name}'" + (f" (did you mean {close[0]}?)" if close else ""), hint=hint)
    target = Path(path)
    require_empty(target)
    _identity(target, required=git)  # fail on a missing git before copying anything
    from isoctl.scaffold import history

    own_repository = git and enclosing_repository(target) is None  # never a repository nested in another
    shipped = history.history_file(root, name) if own_repository else None
    past = history.load(shipped) if shipped is not None else None  # a broken history fails before a byte is copied
    rollback = Rollback(target)
    try:
        try:
            shutil.copytree(root / name, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git", "__pycache__"))
        except OSError as exc:
            raise ScaffoldError(f"cannot copy example '{name}' to {target}: {exc}") from exc
        _write_schemas(target)  # always the schemas of this isoctl, whatever the example shipped
        scaffold_settings(target)
        if past is not None:  # the example's past, replayed as dated commits by its people
            history.replay(target, past, example=root / name)
            if replayed is not None:
                replayed(past)
        elif own_repository:
            from isoctl.history.git import init_and_commit

            init_and_commit(target, f"Start from the isoctl example '{name}'")
    except BaseException:
        rollback.undo()  # no half-made workspace left behind
        raise
    return sorted(p for p in target.rglob("*") if p.is_file() and ".git" not in p.relative_to(target).parts)


def require_empty(target: Path) -> None:
    """Refuse a target that is a file or a directory with anything in it (a scaffold never overwrites).

    A ``.git`` alone does not count: a freshly cloned empty repository is a
    fine place for a workspace (which then stays that repository, uncommitted).
    """
    if target.is_dir():
        if any(entry.name != ".git" for entry in target.iterdir()):
            raise ScaffoldError(f"{target} is not empty", hint="choose a new directory, or an empty one")
    elif target.exists() or target.is_symlink():
        raise ScaffoldError(f"{target} exists and is not a directory")


def resolve_standards(catalogs: Catalogs, names: list[str]) -> list[Edition]:
    """The editions named by ``names`` (``iso9001:2015``, ``iso27001``...), in the order given.

    An unknown name raises UsageError with the closest editions; two editions
    of one family are refused, because a clause reference such as
    ``iso9001:8.5`` must resolve to exactly one of them.
    """
    if not names:
        raise UsageError("choose at least one standard", hint="for example --standard iso9001:2015")
    chosen: dict[str, Edition] = {}
    for name in names:
        edition = catalogs.edition(name)
        if edition.id == "hs":
            raise UsageError("'hs' is the harmonized structure shared by the standards, not a standard to certify")
        other = chosen.get(edition.family)
        if other is not None and other.id != edition.id:
            raise UsageError(f"{other.display} and {edition.display} are two editions of one standard; choose one")
        chosen[edition.family] = edition
    return list(chosen.values())


def superseded_warnings(catalogs: Catalogs, editions: list[Edition], today: dt.date, *,
                        allow_superseded: bool = False) -> list[str]:
    """A warning for each superseded edition chosen; UsageError for one whose transition has ended on ``today``.

    A new system is normally built on the current edition. One whose
    transition has ended can no longer be certified, so it is only created on
    purpose (``allow_superseded``), e.g. to rebuild an old system and then
    migrate it.
    """
    from isoctl.catalog.catalogs import designation

    warnings: list[str] = []
    for edition in editions:
        state = catalogs.transition_state(edition, today)
        if state is None:
            continue
        old, new = edition.display, state.moving_to
        successor = designation(state.successor) if state.successor is not None else "a newer edition"
        said = f"{designation(edition)} is superseded by {successor}"
        if state.phase == "ended" and state.ends is not None:
            ended = f"ended on {state.ends.isoformat()}"
            if not state.confirmed:
                ended = f"was expected to end on {state.ends.isoformat()} (a date not confirmed)"
            if not allow_superseded:
                raise UsageError(
                    f"{said} and its transition {ended}: a new system cannot be certified to it",
                    hint=f"choose --standard {new}; to create the workspace on {old} anyway (to migrate it later), "
                         "add --allow-superseded",
                )
            warnings.append(f"{said} and its transition {ended}: 'isoctl migrate --to {new}' moves the workspace to it")
            continue
        if state.ends is None:
            until = "no end of its transition is announced yet"
        else:
            until = f"certification to it ends on {state.ends.isoformat()}"
            until += "" if state.confirmed else " (expected, not yet confirmed)"
        warnings.append(f"{said}; {until}. A new system is better built on {new} "
                        f"(or moved later with 'isoctl migrate --to {new}')")
    return warnings


def _identity(target: Path, *, required: bool) -> tuple[str | None, str | None]:
    """The git user, if any; a missing git binary only matters when we are to commit."""
    from isoctl.history.git import user_identity

    try:
        return user_identity(target)
    except GitError:
        if required:
            raise
        return None, None


def _check_people(members: list[dict[str, str | bool | None]], *, named: bool) -> None:
    """Refuse a name, role or email that is not one line of printable text (see :mod:`.free_text`)."""
    for person in members:
        for field in ("name", "role", "email"):
            value = person.get(field)
            if not isinstance(value, str):
                continue
            if named:
                check_line(value, f"the {field} of person '{person['id']}'")
            else:  # the git user, who is nobody's --person
                check_line(value, f"the git user's {field} (git config user.{field})",
                           hint='name the people with --person "id:Name:Role:top" instead, or correct git\'s setting')


def _owner(name: str | None, email: str | None) -> dict[str, str | None]:
    """The top-management person of the new manifest: the git user, else a placeholder to fill in."""
    if not name:
        return {"id": PLACEHOLDER_OWNER, "name": "TODO: name of the person who owns the management system", "email": email}
    return {"id": _person_id(name, email), "name": name, "email": email}


def _person_id(name: str, email: str | None) -> str:
    """A readable person id from a name (``Jane Smith`` -> ``jane-smith``), else from the email."""
    for text in (name, (email or "").split("@")[0]):
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
        if slug:
            return slug
    return PLACEHOLDER_OWNER


def _context(
    catalogs: Catalogs, editions: list[Edition], organization: str, ci: str, owner: dict[str, Any], today: dt.date
) -> dict[str, Any]:
    """Everything a template can use (documented in templates/scaffold/README.md)."""
    standards = [_standard(e) for e in editions]
    families = {s["family"]: s for s in standards}
    annexed = [e for e in editions if e.controls]
    return {
        "organization": organization,
        "standards": standards,
        "families": families,
        "in_scope": {family: family in families for family in catalogs.families() if family != "hs"},
        "ci": ci,
        "ci_github": ci == "github",
        "ci_gitlab": ci == "gitlab",
        "owner": owner,
        "today": today.isoformat(),
        "soa": _soa(annexed[0]) if annexed else None,
        "isoctl_version": __version__,
    }


def _standard(edition: Edition) -> dict[str, Any]:
    by_hs = {c.hs: c.id for c in reversed(edition.clauses) if c.hs}  # reversed: the first clause wins
    return {
        "id": edition.id,
        "family": edition.family,
        "edition": edition.edition,
        "display": edition.display,
        "title": edition.title,
        "policy_id": POLICIES.get(edition.family, f"POL-{edition.family.upper()}"),
        "policy_clause": f"{edition.family}:{by_hs.get('5.2', '5.2')}",
    }


def _soa(edition: Edition) -> dict[str, Any]:
    """SoA rows for every Annex A control of ``edition``, grouped as the annex groups them."""
    groups: dict[str, list[dict[str, str]]] = {}
    for control in edition.controls:
        parent = edition.by_id.get(control.parent or "")
        label = parent.label if parent else (f"{control.theme.capitalize()} controls" if control.theme else "Annex A")
        groups.setdefault(label, []).append(
            {"id": control.id, "title": control.label, "ref": f"{edition.family}:{control.id}"}
        )
    return {
        "edition": edition.display,
        "title": edition.title,
        "count": len(edition.controls),
        "groups": [{"label": label, "controls": rows} for label, rows in groups.items()],
    }


def _with_modeline(relative: PurePosixPath, content: bytes) -> bytes:
    """Point editors at the schema: a ``yaml-language-server`` modeline in records and the manifest.

    Dot-files (CI configuration, pre-commit) are not records and keep whatever
    schema their editor already knows for them.
    """
    if relative.suffix not in (".yaml", ".yml", ".md") or any(part.startswith(".") for part in relative.parts):
        return content
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    if "yaml-language-server:" in text[:2000]:
        return content
    schema = "manifest.json" if relative == PurePosixPath("isoctl.yaml") else "record.json"
    up = "../" * (len(relative.parts) - 1)
    modeline = f"# yaml-language-server: $schema={up}{SCHEMA_DIR / schema}\n"
    if relative.suffix != ".md":
        return (modeline + text).encode("utf-8")
    match = re.match(r"---\r?\n(.*?)^---\s*$", text, re.S | re.M)
    if match is None or not re.search(r"^kind:", match.group(1), re.M):
        return content  # not a record: plain Markdown such as a README
    first_line_end = text.index("\n") + 1
    return (text[:first_line_end] + modeline + text[first_line_end:]).encode("utf-8")


def _write(target: Path, files: dict[Path, bytes]) -> list[Path]:
    written = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for destination, content in sorted(files.items()):
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(content)
            written.append(destination)
    except OSError as exc:
        raise ScaffoldError(f"cannot write the workspace to {target}: {reason(exc)}") from exc
    return written


def _write_schemas(target: Path) -> list[Path]:
    from isoctl.scaffold.schema import write_schemas

    return write_schemas(target.joinpath(*SCHEMA_DIR.parts))
