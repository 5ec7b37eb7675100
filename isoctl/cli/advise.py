"""``isoctl advise``: a needs analysis that says which standards fit an organisation, and why."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from isoctl.cli.check import OutputOption
from isoctl.cli.common import emit, parse_today, stdout_is_terminal, terminal_width

if TYPE_CHECKING:
    import datetime as dt

    from isoctl.catalog.catalogs import Catalogs
    from isoctl.core.advise import Advice
    from isoctl.core.advise_table import Question, Table


class AdviseFormat(str, enum.Enum):
    text = "text"
    md = "md"
    json = "json"


def advise(
    answers: Path | None = typer.Option(None, "--answers", "-a", metavar="FILE.yaml", dir_okay=False,
                                        help="Read the answers from a YAML file instead of asking (see docs/advise.md)."),
    format: AdviseFormat = typer.Option(AdviseFormat.text, "--format", "-f", help="Output format."),
    output: Path | None = OutputOption,
    save: Path | None = typer.Option(None, "--save-answers", metavar="FILE.yaml", dir_okay=False,
                                     help="Also write the answers given at the terminal to FILE.yaml, for "
                                          "'isoctl init --answers' or a later run."),
    today: str | None = typer.Option(None, "--today", metavar="DATE", envvar="ISOCTL_TODAY",
                                     help="Judge certificates' transitions as of this date (YYYY-MM-DD). Default: today."),
) -> None:
    """Needs analysis: which standards fit the organisation, how pressing each is, and why.

    Asks about a dozen plain questions at a terminal (sector, size, what
    customers, tenders and regulators such as NIS2 and DORA require, the
    information held, environmental footprint, hazardous work, tolerance of
    disruption, certificates held, why certify), or reads them from
    --answers FILE.yaml. Recommends standards as essential, recommended or
    optional, each with the answers that drove it; names a standard asked
    for that the answers do not support; says which editions held need a
    transition, how the chosen standards share the harmonized structure, and
    suggests a scope statement. 'isoctl init DIR --answers FILE.yaml' then
    scaffolds the essential and recommended standards.

    Exit 0 with advice, 2 for an answers file that cannot be used (every
    problem located) or no terminal to ask at and no --answers.
    """
    from isoctl.errors import UsageError

    day = parse_today(today)
    catalogs, table = load()
    if answers is not None:
        if save is not None:
            raise UsageError("--save-answers keeps answers given at a terminal; with --answers they are already in a file")
        given = read(answers, catalogs, table)
    elif _interactive():
        given = ask(table, catalogs)
        if save is not None:
            write_answers(save, given, table)
        else:
            from isoctl.cli.common import note

            note("these answers were not kept; add --save-answers FILE.yaml to keep them for "
                 "'isoctl init DIR --answers FILE.yaml' or a later run")
    else:
        raise UsageError("no answers: isoctl advise asks its questions at a terminal, and there is none here",
                         hint="give the answers in a file with --answers FILE.yaml (examples/answers/ has some; "
                              "docs/advise.md lists the questions)")
    result = evaluate(given, catalogs, table, day)
    from isoctl.render import advise as render

    content: str
    if format is AdviseFormat.text:
        content = render.render_text(result, color=output is None and stdout_is_terminal(), width=terminal_width())
    else:
        content = getattr(render, f"render_{format.value}")(result)
    emit(content, output, fmt=format.value)


def load() -> tuple[Catalogs, Table]:
    """The catalogs and the decision table, checked against each other."""
    from isoctl.catalog.catalogs import Catalogs
    from isoctl.core.advise import load_table

    catalogs = Catalogs.load()
    return catalogs, load_table(families=tuple(catalogs.families()))


def read(path: Path, catalogs: Catalogs, table: Table) -> dict[str, Any]:
    """The answers in ``path`` (exit 2 with every problem located when they cannot be used)."""
    from isoctl.core.advise import read_answers

    return read_answers(path, table, catalogs, shown=str(path))


def evaluate(answers: dict[str, Any], catalogs: Catalogs, table: Table, day: dt.date) -> Advice:
    from isoctl.core.advise import advise as run

    return run(answers, table, catalogs, day)


def _interactive() -> bool:
    """Whether a person is there to answer: stdin is a terminal (never in CI or under a test runner)."""
    stream = sys.stdin
    return stream is not None and stream.isatty()


def ask(table: Table, catalogs: Catalogs) -> dict[str, Any]:
    """Ask every question of ``table`` at the terminal, one at a time, until each has a valid answer."""
    from isoctl.core.advise import validate_answers

    total = len(table.questions)
    typer.echo("A needs analysis: answer each question (choices by number or name, several separated by commas; "
               "Enter takes the default shown).", err=True)
    given: dict[str, Any] = {}
    for number, question in enumerate(table.questions, 1):
        given[question.id] = _ask_one(question, catalogs, f"[{number}/{total}]")
    return validate_answers(given, table, catalogs, shown="the answers given")


def _ask_one(question: Question, catalogs: Catalogs, counter: str) -> Any:
    from isoctl.core.advise import coerce

    typer.echo(f"\n{counter} {question.prompt}", err=True)
    for number, choice in enumerate(question.values, 1):
        typer.echo(f"  {number:>2}. {choice.value}: {choice.label}", err=True)
    hint = {"multi-choice": "one or more", "choice": "one", "yes-no": "yes or no", "number": "a number",
            "editions": "e.g. iso9001:2015, iso27001:2022; Enter for none", "text": ""}[question.type]
    default = None if question.required else _shown_default(question.default)
    while True:
        text = typer.prompt(f"{question.id}{f' ({hint})' if hint else ''}", default=default or "",
                            show_default=bool(default), err=True)
        try:
            return coerce(question, text, catalogs)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)


def _shown_default(value: Any) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) or None
    return None if value is None else str(value)


def write_answers(path: Path, answers: dict[str, Any], table: Table) -> None:
    """Write ``answers`` as an answers file, each question's prompt as a comment above its answer."""
    import yaml

    from isoctl.cli.output import write_output

    lines = ["# Answers to the needs analysis of 'isoctl advise' (docs/advise.md). Edit them and run",
             f"# 'isoctl advise --answers {path.name}' again, or 'isoctl init DIR --answers {path.name}'."]
    for question in table.questions:
        lines.append(f"# {question.prompt}")
        value = answers[question.id]
        # a list on one line ([a, b]), a scalar as a plain block entry (flow style would brace the whole mapping)
        lines.append(yaml.safe_dump({question.id: value}, default_flow_style=None if isinstance(value, list) else False,
                                    allow_unicode=True, width=1000, sort_keys=False).rstrip("\n"))
    write_output(path, ("\n".join(lines) + "\n").encode())


def plan_for_init(path: Path, standards: list[str], org: str | None) -> tuple[Advice, list[str], str | None]:
    """For ``init --answers``: the advice, the editions to scaffold and the organisation's name.

    The essential and recommended standards are scaffolded; ``--standard``
    adds to them, or picks another edition of one of them. ``--org`` wins
    over the name in the answers.
    """
    from isoctl.errors import UsageError

    catalogs, table = load()
    advice = evaluate(read(path, catalogs, table), catalogs, table, parse_today(None))
    chosen = {r.family: r.display for r in advice.chosen}
    for name in standards:
        chosen[catalogs.edition(name).family] = name
    if not chosen:
        raise UsageError(f"the answers in {path} recommend no standard to build a system on",
                         hint="run 'isoctl advise --answers FILE' to see why, or choose one with --standard")
    return advice, list(chosen.values()), org if org is not None else advice.organization or None


def keep_analysis(root: Path, advice: Advice) -> tuple[Path, list[str]]:
    """Write the analysis into the new workspace at ``root`` as a record; the file and what to tell the user."""
    from isoctl.errors import ScaffoldError, reason
    from isoctl.files.atomic import write_atomically
    from isoctl.render.advise_record import PATH, render_record

    target = root.joinpath(*PATH.parts)
    if target.exists():
        raise ScaffoldError(f"the template already wrote {PATH}; the needs analysis was not kept",
                            hint="rename that file in the template")
    from isoctl.workspace.discover import manifest_data

    manifest = manifest_data(root)
    people = manifest.get("people") if isinstance(manifest, dict) else None
    people = [p for p in people or [] if isinstance(p, dict) and isinstance(p.get("id"), str)]
    owner = next((p["id"] for p in people if p.get("top_management")), people[0]["id"] if people else None)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, render_record(advice, owner=owner).encode())
    except OSError as exc:
        raise ScaffoldError(f"cannot write {PATH}: {reason(exc)}") from exc
    told = [f"The needs analysis is kept in {PATH} (evidence for the scope, clause 4.3). Suggested scope for "
            f"isoctl.yaml and documents/scope.md: {advice.scope}"]
    for mismatch in advice.mismatches:
        told.append(f"{mismatch.designation} was asked for but is not in scope: {mismatch.reasons[0].text}")
    return target, told
