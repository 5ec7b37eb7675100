"""``isoctl action``: raise, list, show, update and close actions (nonconformities, incidents, improvements).

Thin commands over :mod:`isoctl.actions`. The vocabularies below mirror the
:class:`~isoctl.model.records.Action` model (a test keeps them equal); they
are spelled out here because importing the model would make every
``isoctl --help`` pay for pydantic.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
from typing import TYPE_CHECKING, Any

import typer

from isoctl.cli.common import console, emit, parse_date, parse_today
from isoctl.errors import UsageError
from isoctl.render.console import clean

if TYPE_CHECKING:
    from isoctl.actions.context import ActionContext
    from isoctl.actions.lifecycle import Written
    from isoctl.actions.query import FoundAction

app = typer.Typer(
    help="Raise, list, show, update and close actions: nonconformities, incidents, complaints, improvements.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class ActionType(str, enum.Enum):
    nonconformity = "nonconformity"
    incident = "incident"
    complaint = "complaint"
    improvement = "improvement"
    ofi = "ofi"


class Severity(str, enum.Enum):
    major = "major"
    minor = "minor"
    none = "none"


class Source(str, enum.Enum):
    internal_audit = "internal-audit"
    external_audit = "external-audit"
    management_review = "management-review"
    complaint = "complaint"
    incident = "incident"
    monitoring = "monitoring"
    suggestion = "suggestion"


class Status(str, enum.Enum):
    open = "open"
    in_progress = "in-progress"
    closed = "closed"
    cancelled = "cancelled"


class ListStatus(str, enum.Enum):
    open = "open"
    in_progress = "in-progress"
    closed = "closed"
    cancelled = "cancelled"
    all = "all"


class ListFormat(str, enum.Enum):
    text = "text"
    json = "json"
    csv = "csv"


class ShowFormat(str, enum.Enum):
    text = "text"
    json = "json"


CommitOption = typer.Option(False, "--commit", help="Commit the touched file with git (only that file), as you.")
PersonOption = "PERSON"


def stdin_is_terminal() -> bool:
    """Whether someone can answer a prompt (never in CI, pipes or tests)."""
    return sys.stdin.isatty()



def _context() -> ActionContext:
    from isoctl.actions.context import ActionContext

    return ActionContext.open(None)


def _check_commit(ctx: ActionContext, commit: bool) -> None:
    from isoctl.history.git import inside_repository

    if commit and not inside_repository(ctx.root):
        raise UsageError(f"--commit: {ctx.root} is not in a git repository", hint="run 'git init' there, or leave out --commit")


def _commit(ctx: ActionContext, written: Written, message: str) -> None:
    from isoctl.errors import GitError
    from isoctl.history.git import commit_paths

    try:
        sha = commit_paths(ctx.root, [written.path], message)
    except GitError as exc:
        raise GitError(f"{written.relative} was written but not committed: {exc.message}", hint=exc.hint) from None
    typer.echo(clean(f"committed {sha[:10]}: {message}"), err=True)


def _ask_required(type: ActionType | None, title: str | None) -> tuple[ActionType, str]:
    """Ask for what ``new`` cannot do without, when someone is there to answer; exit 2 otherwise."""
    missing = [name for name, value in (("--type", type), ("--title", (title or "").strip())) if not value]
    if not missing:
        assert type is not None and title is not None
        return type, title
    if not stdin_is_terminal():
        listed = ", ".join(t.value for t in ActionType)
        raise UsageError(f"missing {' and '.join(missing)}", hint=f"give --type ({listed}) and --title \"...\"")
    kinds = [t.value for t in ActionType]
    while type is None:
        answer = typer.prompt(f"Type ({', '.join(kinds)})").strip().lower()
        if answer in kinds:
            type = ActionType(answer)
        else:
            typer.echo(f"'{answer}' is not one of {', '.join(kinds)}", err=True)
    while not (title or "").strip():
        title = typer.prompt("Title")
    assert title is not None
    return type, title.strip()


def _past(value: str | None, option: str, what: str) -> dt.date | None:
    """A date option naming when something happened: not after today (``check`` would call it future-evidence)."""
    day = parse_date(value, option)
    today = parse_today(None)
    if day is not None and day > today:
        raise UsageError(f"{option} {day} is after today ({today}): {what} once it has happened",
                         hint="give the day it happened (ISOCTL_TODAY=YYYY-MM-DD sets today)")
    return day


@app.command("new")
def new(
    type: ActionType | None = typer.Option(None, "--type", "-t", help="What kind of action (asked when missing on a terminal).", show_default=False),
    title: str | None = typer.Option(None, "--title", help="Short title (asked when missing on a terminal).", show_default=False),
    clause: list[str] | None = typer.Option(None, "--clause", "-c", metavar="REF", help="Clause addressed, e.g. iso9001:10.2 or hs:10.2 (repeatable)."),
    owner: str | None = typer.Option(None, "--owner", metavar=PersonOption, help="Who owns the action (a person id of isoctl.yaml)."),
    due: str | None = typer.Option(None, "--due", metavar="DATE", help="Due date, YYYY-MM-DD."),
    severity: Severity | None = typer.Option(None, "--severity", help="Severity.", show_default=False),
    source: Source | None = typer.Option(None, "--source", help="Where it came from.", show_default=False),
    description: str | None = typer.Option(None, "--description", "-d", help="What happened, or what is proposed."),
    raised_by: str | None = typer.Option(None, "--raised-by", metavar=PersonOption, help="Who raised it (a person id)."),
    raised_on: str | None = typer.Option(None, "--raised-on", metavar="DATE", help="When it was raised. Default: today (or ISOCTL_TODAY)."),
    commit: bool = CommitOption,
) -> None:
    """Raise a new action with the next free ACT-n id, as a file in the actions folder; prints the id and the path."""
    from isoctl.actions.lifecycle import new_action

    type, title = _ask_required(type, title)
    fields: dict[str, Any] = {
        "title": title.strip(),
        "owner": owner,
        "type": type.value,
        "severity": severity.value if severity else None,
        "source": source.value if source else None,
        "raised_on": _past(raised_on, "--raised-on", "an action is raised") or parse_today(None),
        "raised_by": raised_by,
        "clauses": [c.strip() for c in clause or []],
        "description": description,
        "due": parse_date(due, "--due"),
    }
    ctx = _context()
    _check_commit(ctx, commit)
    written = new_action(ctx, fields)
    emit(clean(f"{written.id} {written.relative}"))
    if commit:
        _commit(ctx, written, f"action: new {written.id} ({type.value})")


@app.command("list")
def list_actions(
    status: list[ListStatus] | None = typer.Option(None, "--status", "-s", help="Only this status (repeatable); 'all' for every one. Default: open and in-progress.", show_default=False),
    type: list[ActionType] | None = typer.Option(None, "--type", "-t", help="Only this type (repeatable).", show_default=False),
    owner: list[str] | None = typer.Option(None, "--owner", metavar=PersonOption, help="Only actions this person owns (repeatable)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only open actions past their due date."),
    clause: str | None = typer.Option(None, "--clause", "-c", metavar="REF", help="Only actions addressing this clause or one below it."),
    format: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="Output format."),
    today: str | None = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY", help="Judge overdue as of this date. Default: today."),
) -> None:
    """List actions by due date (undated last), overdue ones highlighted."""
    from isoctl.actions import formats, query

    day = parse_today(today)
    ctx = _context()
    for person in owner or []:
        ctx.person(person, "--owner")
    chosen = [s.value for s in status or []]
    statuses: tuple[str, ...] = () if "all" in chosen else tuple(chosen) or query.OPEN
    filters = query.Filters(
        statuses=statuses,
        types=[t.value for t in type or []],
        owners=list(owner or []),
        overdue=overdue,
        clause=ctx.clause_filter(clause, "--clause") if clause else None,
    )
    found, problems = query.load_all(ctx.scan())
    for problem in problems:
        typer.echo(f"warning: {clean(problem)}", err=True)
    actions = query.select(found, filters, day)
    if format is ListFormat.json:
        emit(formats.to_json(actions, day), fmt="json")
    elif format is ListFormat.csv:
        emit(formats.to_csv(actions, day))
    else:
        _table(actions, day, everything=not filters.statuses)


#: The widest the ID column of 'action list' grows; the title's least width; the columns that go first when the
#: screen is too narrow for all of them (their indexes: severity, owner, type, status).
_ID_WIDTH = 24
_TITLE_MIN = 12
_DROP_ORDER = (4, 5, 3, 2)


def _table(actions: list[FoundAction], today: dt.date, *, everything: bool) -> None:
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from isoctl.actions.query import days_overdue

    out = console()
    if not actions:
        out.print("no actions" if everything else "no open actions (--status all shows every action)")
        return
    rows = []
    late_count = 0
    for found in actions:
        model = found.model
        late = days_overdue(model, today)
        late_count += late > 0
        due = (model.due.isoformat() if model.due else "-") + (f" ({late}d overdue)" if late else "")
        cells = [found.id, due, model.status, model.type, model.severity, model.owner or "-", model.title]
        rows.append(([clean(cell, one_line=True) for cell in cells], late))
    table = Table(box=None, pad_edge=False, header_style="bold")
    names = ("ID", "DUE", "STATUS", "TYPE", "SEVERITY", "OWNER")
    widths = [max(len(name), *(cell_len(cells[index]) for cells, _ in rows)) for index, name in enumerate(names)]
    widths[0] = min(widths[0], _ID_WIDTH)  # an id past it ends in an ellipsis rather than pushing the rest out
    # the short columns keep their full width and the title gives way; on a screen too narrow even for them,
    # the least needed go first (severity, owner, type, status), never the id or the due date
    shown = list(range(len(names)))
    for dropped in _DROP_ORDER:
        if sum(widths[i] for i in shown) + 2 * len(shown) + _TITLE_MIN <= out.width:
            break
        shown.remove(dropped)
    for index in shown:
        table.add_column(names[index], no_wrap=True, overflow="ellipsis", min_width=widths[index],
                         max_width=widths[index])
    room = out.width - sum(widths[i] for i in shown) - 2 * len(shown)  # what the title has (rich would squash the id)
    longest = max(cell_len(cells[-1]) for cells, _ in rows)
    table.add_column("TITLE", overflow="ellipsis", no_wrap=True, width=max(min(longest, room), min(_TITLE_MIN, room), 1))
    for cells, late in rows:
        # Text, not str: a title holding "[bold]" or "[/]" is record text, not rich markup
        table.add_row(*(Text(cells[i]) for i in [*shown, len(names)]), style="bold red" if late else None)
    out.print(table)
    noun = "action" if len(actions) == 1 else "actions"
    out.print(f"{len(actions)} {noun}" + (f", {late_count} overdue" if late_count else ""))


@app.command("show")
def show(
    action_id: str = typer.Argument(..., metavar="ID", help="The action's id (ACT-0042; 42 works too)."),
    format: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f", help="Output format."),
    today: str | None = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY", help="Judge overdue as of this date. Default: today."),
) -> None:
    """Show every field of one action and where it is."""
    from isoctl.actions import formats, query

    day = parse_today(today)
    found = query.find(_context().scan(), action_id)
    emit(formats.show_json(found, day) if format is ShowFormat.json else formats.show_text(found, day), fmt=format.value)


@app.command("update")
def update(
    action_id: str = typer.Argument(..., metavar="ID", help="The action's id."),
    status: Status | None = typer.Option(None, "--status", help="New status (close with 'isoctl action close').", show_default=False),
    root_cause: str | None = typer.Option(None, "--root-cause", help="Why it happened."),
    corrective_action: str | None = typer.Option(None, "--corrective-action", help="What removes the cause."),
    correction: str | None = typer.Option(None, "--correction", help="What contained the problem right away."),
    description: str | None = typer.Option(None, "--description", "-d", help="What happened, or what is proposed."),
    due: str | None = typer.Option(None, "--due", metavar="DATE", help="New due date, YYYY-MM-DD."),
    owner: str | None = typer.Option(None, "--owner", metavar=PersonOption, help="New owner (a person id)."),
    severity: Severity | None = typer.Option(None, "--severity", help="Severity.", show_default=False),
    title: str | None = typer.Option(None, "--title", help="New title."),
    commit: bool = CommitOption,
) -> None:
    """Change fields of an action in place; comments and layout of the file stay as they are."""
    from isoctl.actions.lifecycle import update_action

    given: dict[str, Any] = {
        "title": title,
        "owner": owner,
        "severity": severity.value if severity else None,
        "status": status.value if status else None,
        "description": description,
        "correction": correction,
        "root_cause": root_cause,
        "corrective_action": corrective_action,
        "due": parse_date(due, "--due"),
    }
    changes = {k: v for k, v in given.items() if v is not None}
    ctx = _context()
    _check_commit(ctx, commit)
    written = update_action(ctx, action_id, changes)
    if not written.changed:
        emit(clean(f"{written.id} unchanged: it already says that ({written.relative})"))
        return
    emit(clean(f"{written.id} updated ({', '.join(written.changed)}) in {written.relative}"))
    if commit:
        _commit(ctx, written, f"action: update {written.id} ({', '.join(written.changed)})")


@app.command("close")
def close(
    action_id: str = typer.Argument(..., metavar="ID", help="The action's id."),
    verified_by: str = typer.Option(..., "--verified-by", metavar=PersonOption, help="Who checked whether it worked (a person id).", show_default=False),
    effective: bool | None = typer.Option(None, "--effective/--not-effective", help="Whether the action worked. Not effective keeps it open (in progress).", show_default=False),
    on: str | None = typer.Option(None, "--on", metavar="DATE", help="Date of the check. Default: today."),
    closed_on: str | None = typer.Option(None, "--closed-on", metavar="DATE", help="When the action was closed (its corrective action completed), before the check. Default: as recorded, else the day of the check.", show_default=False),
    note: str | None = typer.Option(None, "--note", help="What the check found."),
    force: bool = typer.Option(False, "--force", help="Close even without root cause or corrective action, or verify again."),
    commit: bool = CommitOption,
) -> None:
    """Record the effectiveness check: --effective closes the action, --not-effective keeps it open."""
    from isoctl.actions.lifecycle import close_action
    from isoctl.rules.closure import too_soon

    if effective is None:
        raise UsageError("say whether the action worked: --effective or --not-effective")
    day = _past(on, "--on", "a check is recorded") or parse_today(None)
    closed = _past(closed_on, "--closed-on", "a closure is recorded")
    ctx = _context()
    _check_commit(ctx, commit)
    written = close_action(ctx, action_id, verified_by=verified_by, effective=effective, on=day, note=note, force=force,
                          closed_on=closed)
    verdict = "effective" if effective else "not effective"
    if not written.changed:
        emit(clean(f"{written.id} unchanged: it already records that ({written.relative})"))
        return
    if effective:
        emit(clean(f"{written.id} closed, verified effective by {verified_by} on {day} ({written.relative})"))
        minimum = ctx.manifest.settings.verification_min_days
        rushed = too_soon(written.action, minimum) if written.action is not None else None
        if rushed is not None:  # what check will say of it, said now, with the way to record it well
            typer.echo(f"warning: {clean(rushed)}; 'isoctl check' reports this as rushed-closure", err=True)
            typer.echo(f"hint: give --closed-on with the day the corrective action was completed, at least {minimum} "
                       "days before the check, or verify again once it has had time to work", err=True)
    else:
        emit(clean(f"{written.id} stays open (in-progress): verified not effective by {verified_by} on {day} ({written.relative})"))
    if commit:
        _commit(ctx, written, f"action: close {written.id} ({verdict})")

