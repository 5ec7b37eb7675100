"""``isoctl migrate`` as a library call: check it can run, plan, evaluate both sides, write, commit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from isoctl.actions.migrate.plan import Plan, Planner
from isoctl.actions.migrate.readiness import compare, counts, evaluate_after, evaluate_before
from isoctl.actions.migrate.report import DECISION_GROUPS, Migration
from isoctl.actions.migrate.sources import read_files, read_manifest
from isoctl.actions.migrate.table import Table
from isoctl.catalog.catalogs import Catalogs
from isoctl.catalog.schema import Edition, Transition
from isoctl.errors import GitError, UsageError
from isoctl.model.manifest import Manifest
from isoctl.workspace.discover import shown_root


def migrate(path: Path | str | None, to: str, *, today: dt.date, dry_run: bool = False, allow_dirty: bool = False,
            commit: bool = False) -> Migration:
    """Move the workspace at or above ``path`` to the edition ``to`` (``iso27001:2022``); the report of it.

    Raises UsageError (exit 2) for an unknown edition, a standard not in
    scope, no transition table, or a dirty working tree without
    ``allow_dirty``; WorkspaceError/EditError when a file cannot be read or
    written, every file then left as it was.
    """
    from isoctl.actions.context import ActionContext

    if dry_run and commit:
        raise UsageError("--commit: a dry run writes nothing, so there is nothing to commit")
    ctx = ActionContext.open(Path(path) if path is not None else None)
    root = ctx.root
    catalogs = Catalogs.load(ctx.catalog_dirs, base=root)
    target = catalogs.edition(to)
    if target.id == "hs":
        raise UsageError("--to hs: the harmonized structure is not an edition to migrate to")
    source = edition_in_scope(ctx.manifest, catalogs, target)
    if source.id == target.id:
        migration = Migration(source.id, target.id, source.display, target.display, shown_root(root),
                              today.isoformat(), dry_run)
        migration.notes.append(f"the workspace is on {target.display} already: nothing to migrate")
        return migration
    transition = transition_between(catalogs, source, target)
    if not dry_run:
        _refuse_unsafe(root, allow_dirty=allow_dirty, commit=commit)
    table = Table(transition, source, target)
    plan = Planner(root, table, catalogs, today.isoformat(), dry_run).plan(read_files(root, ctx.ignore),
                                                                          read_manifest(root))
    _evaluate(plan, root, catalogs, today)
    migration = plan.migration
    if dry_run or not plan.writes:
        return migration
    from isoctl.actions.migrate.transaction import write_all_or_nothing

    write_all_or_nothing(plan.writes)
    migration.written = True
    if commit:
        from isoctl.history.git import commit_paths

        try:
            migration.commit = commit_paths(root, [w.path for w in plan.writes], commit_message(migration))
        except GitError as exc:
            raise GitError(f"the migration was written but not committed: {exc.message}", hint=exc.hint) from None
    return migration


def edition_in_scope(manifest: Manifest, catalogs: Catalogs, target: Edition) -> Edition:
    """The edition of ``target``'s standard the manifest names; UsageError when the standard is not in scope."""
    names = []
    for name in manifest.standards:
        if ":" not in name and "-" not in name:
            continue  # not an edition (check reports it)
        try:
            edition = catalogs.edition(name)
        except UsageError:
            continue
        names.append(edition.display)
        if edition.family == target.family:
            return edition
    shown = ", ".join(names) or "none"
    raise UsageError(f"--to {target.display}: {target.family} is not in scope of this workspace (standards: {shown})",
                     hint="migrate moves a standard in scope to a newer edition; add a standard with its edition "
                          "to isoctl.yaml standards")


def transition_between(catalogs: Catalogs, source: Edition, target: Edition) -> Transition:
    """The table from ``source`` to ``target``; UsageError naming the tables there are when there is none."""
    for transition in catalogs.transitions:
        if transition.from_ == source.id and transition.to == target.id:
            return transition
    there = [f"{catalogs.editions[t.to].display}" for t in catalogs.transitions if t.from_ == source.id
             and t.to in catalogs.editions]
    hint = (f"from {source.display} isoctl can migrate to {', '.join(there)}" if there
            else f"isoctl has no transition table from {source.display}")
    raise UsageError(f"--to {target.display}: no transition table from {source.display} to {target.display}", hint=hint)


def _refuse_unsafe(root: Path, *, allow_dirty: bool, commit: bool) -> None:
    """A migration is one reviewable change: refuse to mix it with uncommitted work, or to run where git cannot undo it."""
    from isoctl.history.git import head_state, inside_repository

    in_git = inside_repository(root)
    if commit and not in_git:
        raise UsageError(f"--commit: {root} is not in a git repository", hint="run 'git init' there, or leave out --commit")
    head, dirty = head_state(root) if in_git else (None, False)
    if commit and dirty:
        raise UsageError("--commit: the working tree has uncommitted changes, which the migration commit could take "
                         "with it", hint="commit or stash them first (see 'git status')")
    if allow_dirty:
        return
    if not in_git:
        raise UsageError(f"{root} is not in a git repository: a migration rewrites many files and git is how it is "
                         "reviewed and undone", hint="run 'git init' and commit first; --dry-run shows the changes; "
                                                     "--allow-dirty migrates anyway")
    if dirty or head is None:
        raise UsageError("the working tree has uncommitted changes: commit or stash them first, so that the migration "
                         "is one change of its own", hint="see 'git status'; --dry-run shows the changes; "
                                                          "--allow-dirty migrates anyway")


def _evaluate(plan: Plan, root: Path, catalogs: Catalogs, today: dt.date) -> None:
    before = evaluate_before(root, today)
    after = evaluate_after(root, plan.writes, today)
    migration = plan.migration
    migration.readiness = compare(before, after, catalogs)
    migration.findings_before = counts(before)
    migration.findings_after = counts(after)


def commit_message(migration: Migration) -> str:
    """The commit's subject and body: what changed, readiness, what is left to decide."""
    lines = [f"Migrate {migration.source_display} to {migration.target_display}", "", migration.summary() + "."]
    for item in migration.readiness:
        if item.before != item.after and item.before_readiness is not None and item.after_readiness is not None:
            lines.append(f"Readiness {item.family}: {item.before_readiness:.0%} ({item.before}) -> "
                         f"{item.after_readiness:.0%} ({item.after}).")
    groups: dict[str, int] = {}
    for decision in migration.decisions:
        groups[decision.kind] = groups.get(decision.kind, 0) + 1
    if groups:
        lines += ["", "Left to decide:"]
        lines += [f"- {DECISION_GROUPS[kind]}: {count}" for kind, count in groups.items()]
    return "\n".join(lines) + "\n"
