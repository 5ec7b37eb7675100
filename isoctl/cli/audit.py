"""``isoctl audit``: plan the internal audit programme, and hand the auditor a checklist for one audit.

Thin commands: the plan is :func:`isoctl.core.audit_plan.plan`, the
checklist :func:`isoctl.core.checklist.build`; this module parses options,
renders, and (``plan --write``) adds the planned audits as a new file.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from isoctl.cli.check import OutputOption, PathArgument, TodayOption, opened
from isoctl.cli.common import emit, note, parse_date, warn_unread
from isoctl.errors import UsageError

if TYPE_CHECKING:
    from isoctl.core.audit_plan import Programme
    from isoctl.core.evaluate import Evaluation
    from isoctl.history.revisions import CommitInfo

app = typer.Typer(
    help="Plan the internal audit programme over the certification cycle; the auditor's checklist for one audit.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class PlanFormat(str, enum.Enum):
    text = "text"
    md = "md"
    json = "json"
    xlsx = "xlsx"


class ChecklistFormat(str, enum.Enum):
    md = "md"
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


@app.command("plan")
def plan(
    path: Path | None = PathArgument,
    cycle_start: str | None = typer.Option(None, "--cycle-start", metavar="DATE",
                                           help="First day of the programme (YYYY-MM-DD). Default: today."),
    years: int | None = typer.Option(None, "--years", metavar="N",
                                     help="Years to plan. Default: one audit cycle (audit_cycle_days), rounded."),
    auditor: list[str] | None = typer.Option(None, "--auditor", metavar="PERSON",
                                             help="Who may audit (repeatable): a person id of isoctl.yaml, or an "
                                                  "external auditor's full name. Default: everyone in isoctl.yaml "
                                                  "who is not top management."),
    today: str | None = TodayOption,
    format: PlanFormat = typer.Option(PlanFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    write: bool = typer.Option(False, "--write", help="Add the planned audits (status: planned) to the workspace "
                                                      "as one new file; no existing file is changed."),
) -> None:
    """Propose the internal audit programme: every process and clause within the cycle, riskier areas more often.

    Auditors never audit what they own and rotate between areas; the load is
    spread over auditors and quarters. See docs/audit-programme.md.
    """
    from isoctl import __version__
    from isoctl.core.audit_plan import plan as make_plan
    from isoctl.render import audit_plan

    with opened(path, today, None) as evaluation:
        workspace = evaluation.workspace()
        settings = workspace.manifest.settings
        start = parse_date(cycle_start, "--cycle-start") or evaluation.today
        span = years if years is not None else max(1, round(settings.audit_cycle_days / 365.25))
        pool = _auditors(evaluation, auditor or [])
        result = evaluation.result()
        warn_unread(result.unread(), "this programme")
        programme = make_plan(workspace, result.clauses, evaluation.today, start=start, years=span, auditors=pool,
                              commits=_commits(evaluation), taken=_ids(evaluation.root))
        root = evaluation.root
    for message in programme.notes:
        note(message)
    day = evaluation.today.isoformat()
    shown: str | bytes
    if format is PlanFormat.json:
        shown = audit_plan.render_json(programme, __version__, day)
    elif format is PlanFormat.md:
        shown = audit_plan.render_md(programme)
    elif format is PlanFormat.xlsx:
        from isoctl.render import audit_plan_xlsx

        shown = audit_plan_xlsx.render(programme, evaluation.today, __version__)
    else:
        shown = audit_plan.render_text(programme)
    if write:  # first: a plan that could not be added is not shown as if it had been
        _write(programme, root, day)
    emit(shown, output, fmt=format.value)


def _auditors(evaluation: Evaluation, given: list[str]) -> list[str]:
    """The auditor pool: the people named (each a person id, or a full name with a space for an external auditor)."""
    from isoctl.actions.context import person_hint

    people = evaluation.workspace().manifest.people
    ids = [p.id for p in people]
    if not given:
        return [p.id for p in people if not p.top_management]
    pool = []
    for value in given:
        text = " ".join(value.split())
        if text in ids or " " in text:
            pool.append(text)
            continue
        raise UsageError(f"--auditor: '{value}' is not a person in isoctl.yaml",
                         hint=person_hint(text, ids) + "; an external auditor is named in full ('Jane Roe')")
    return pool


def _ids(root: Path) -> set[str]:
    """Every id written in the workspace's record files, also those that do not load: no new audit may take one."""
    from isoctl.actions.context import ActionContext

    return set(ActionContext.open(root).scan().ids)


def _commits(evaluation: Evaluation) -> list[CommitInfo] | None:
    """The history, for how often records changed; none on a shallow clone or outside git."""
    from isoctl.errors import IsoctlError

    if evaluation.refused is not None:
        return None
    try:
        if evaluation.shallow:
            return None
        found = evaluation.commits()
    except IsoctlError:
        return None
    return list(found) if found is not None else None


def _write(programme: Programme, root: Path, today: str) -> None:
    """Add the new audits as one new YAML file next to the internal audits; never change an existing file."""
    import posixpath

    from pydantic import ValidationError

    from isoctl.actions.lifecycle import SCHEMA_FILE
    from isoctl.actions.writes import create_exclusively, inside_workspace
    from isoctl.actions.yaml_text import record_text
    from isoctl.errors import EditError, WorkspaceError, reason
    from isoctl.files.located import describe
    from isoctl.model.records import Audit

    new = programme.new
    if not new:
        note("nothing written: the audits already planned cover the programme")
        return
    folder = programme.folder or "audits"
    lines = []
    if (root / SCHEMA_FILE).is_file():  # editors complete and check the new file as they do the others
        lines.append(f"# yaml-language-server: $schema={'../' * len(Path(folder).parts)}{SCHEMA_FILE.as_posix()}")
    lines += [f"# Internal audit programme {programme.start.isoformat()} to "
             f"{new[-1].date.isoformat()}, planned with 'isoctl audit plan' on {today}.",
             "# Why each area is audited as often as it is: 'isoctl audit plan --format md'."]
    for audit in new:
        fields = {"id": audit.id, "kind": "audit", "title": audit.title, "owner": programme.owner, "type": "internal",
                  "status": "planned", "date": audit.date, "auditor": audit.auditor, "scope": audit.scope}
        try:
            Audit.model_validate(fields)
        except ValidationError as exc:  # a bug, or a name no record may hold: nothing is written
            problems = "; ".join(describe(dict(e)) for e in exc.errors(include_url=False))
            raise EditError(f"planned audit {audit.id} would not be a valid record: {problems}; nothing was written") from None
        text = record_text(fields).rstrip("\n").split("\n")
        lines += ["- " + text[0]] + ["  " + line for line in text[1:]]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    directory = root / folder
    number = 1
    while True:
        name = f"programme-{programme.start.isoformat()}" + (f"-{number}" if number > 1 else "") + ".yaml"
        relative = posixpath.join(folder, name)
        if inside_workspace(root, folder) is None or inside_workspace(root, relative) is None:
            raise EditError(f"{relative} would be written outside the workspace; nothing was written")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            create_exclusively(directory / name, data)
        except FileExistsError:
            number += 1
            continue
        except OSError as exc:
            raise WorkspaceError(f"cannot write {relative}: {reason(exc)}; nothing was written") from None
        break
    note(f"wrote {len(new)} planned audits to {relative}", label="written")


@app.command("checklist")
def checklist(
    audit_id: str = typer.Argument(..., metavar="AUDIT-ID", help="The audit's id (AUD-2027-02)."),
    path: Path | None = PathArgument,
    format: ChecklistFormat = typer.Option(ChecklistFormat.md, "--format", "-f",
                                           help="md; html (one file, prints well); pdf; xlsx (notes and verdict "
                                                "cells to fill in)."),
    output: Path | None = OutputOption,
    today: str | None = TodayOption,
) -> None:
    """Hand the auditor a checklist for one audit, process by process and clause by clause.

    For each: our own summary of the clause, the records and evidence to
    sample, open and recent actions and findings, questions to ask, and room
    for notes and a verdict; first, the findings of the previous audit of the
    same area to follow up. See docs/audit-programme.md.
    """
    from isoctl import __version__
    from isoctl.core.checklist import build
    from isoctl.render import audit_checklist

    with opened(path, today, None) as evaluation:
        result = evaluation.result()
        warn_unread(result.unread(), "this checklist")
        made = build(evaluation.workspace(), result, audit_id)
    for entry in made.unknown:
        note(f"{made.audit.id}: scope entry '{entry}' names no clause in scope and no process of this workspace")
    if format is ChecklistFormat.pdf:
        emit(audit_checklist.render_pdf(made, __version__), output, fmt="pdf")
    elif format is ChecklistFormat.xlsx:
        emit(audit_checklist.render_xlsx(made, __version__), output, fmt="xlsx")
    else:
        emit(audit_checklist.render_text(made, format.value, __version__), output, fmt=format.value)
