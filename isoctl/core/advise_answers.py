"""Answers to the needs analysis: read from a YAML file or typed at a terminal, checked against the table.

An answers file is a mapping from question id to answer. Its shape is a
pydantic model built from the table's questions
(:meth:`~isoctl.core.advise_table.Table.answers_model`), so the table stays
the one place a question and its values are defined; what a schema cannot
say (``none`` given with other values, an edition no catalog has, two
editions of one standard) is checked here. Every problem of a file is
reported at once, each at its file:line:col, as one :class:`AnswersError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from isoctl.core.advise_table import Question, Table
from isoctl.errors import Location, Problem, UsageError
from isoctl.files import positions, yamlio

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs


class AnswersError(UsageError):
    """An answers file that cannot be used: every problem in it, located."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location, p.message))
        noun = "problem" if len(problems) == 1 else "problems"
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid answers file ({len(problems)} {noun}):\n{lines}",
                         hint="docs/advise.md lists every question and the answers it takes")


def read_answers(path: Path, table: Table, catalogs: Catalogs, *, shown: str | None = None) -> dict[str, Any]:
    """The answers in the YAML file ``path``, validated against ``table``; AnswersError locates every problem."""
    where = shown or path.as_posix()
    try:
        text = yamlio.read_text(path)
    except yamlio.YamlProblem as exc:
        raise AnswersError([Problem(Location(where, exc.line, exc.column), exc.message)]) from None
    except OSError as exc:
        raise UsageError(f"cannot read the answers file {where}: {exc.strerror or exc}") from None
    return parse_answers(text, where, table, catalogs)


def parse_answers(text: str, shown: str, table: Table, catalogs: Catalogs) -> dict[str, Any]:
    """:func:`read_answers` on text already read; ``shown`` names the file in messages."""
    try:
        data, root = yamlio.parse_with_nodes(text)
    except yamlio.YamlProblem as exc:
        raise AnswersError([Problem(Location(shown, exc.line, exc.column), exc.message)]) from None
    return validate_answers(data, table, catalogs, shown=shown, root=root)


def validate_answers(data: Any, table: Table, catalogs: Catalogs, *, shown: str = "answers",
                     root: Any = None) -> dict[str, Any]:
    """Answers as a mapping from question id to a value of the question's type, defaults filled in.

    Checks the shape (pydantic, built from the table's questions), then what
    a schema cannot say: an exclusive value (``none``) given with others,
    editions that no catalog has, two editions of one standard.
    """
    from pydantic import ValidationError

    from isoctl.files.located import problems_from

    if not isinstance(data, dict):
        raise AnswersError([Problem(Location(shown, 1, 1), "expected a mapping from question ids to answers, "
                                    f"e.g. 'sector: manufacturing'; questions: {', '.join(table.question_ids)}")])
    model = table.answers_model()
    problems: list[Problem] = []
    try:
        answers: dict[str, Any] = model.model_validate(data).model_dump()
    except ValidationError as exc:
        known = list(table.question_ids)
        located = problems_from(exc, path=shown, root=root, known_fields=lambda loc: known)
        problems += [Problem(p.location, p.message.replace("unknown field", "unknown question")) for p in located]
        failed = {error["loc"][0] for error in exc.errors() if error["loc"]}
        answers = {q.id: data[q.id] for q in table.questions if q.id in data and q.id not in failed}
    for question in table.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        try:
            answers[question.id] = _checked(question, value, catalogs)
        except ValueError as exc:
            line, column = positions.locate(root, (question.id,))
            problems.append(Problem(Location(shown, line, column), f"{question.id}: {exc}"))
    if problems:
        raise AnswersError(problems)
    return answers


def _checked(question: Question, value: Any, catalogs: Catalogs) -> Any:
    """A value that passed the schema, checked for what the schema cannot say (ValueError with the reason)."""
    if question.type == "multi-choice":
        exclusive = [v for v in value if question.choice(v).exclusive]
        if exclusive and len(set(value)) > 1:
            raise ValueError(f"'{exclusive[0]}' cannot be combined with other answers")
        return list(dict.fromkeys(value))
    if question.type == "editions":
        chosen: dict[str, str] = {}
        for name in value:
            try:
                edition = catalogs.edition(name)
            except UsageError as exc:
                raise ValueError(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None
            if edition.family not in catalogs.families() or edition.id == "hs":
                raise ValueError(f"'{name}' is not a certifiable standard")
            if chosen.get(edition.family, edition.id) != edition.id:
                raise ValueError(f"two editions of one standard: {chosen[edition.family]} and {edition.id}")
            chosen[edition.family] = edition.id
        return list(chosen.values())
    return value


def coerce(question: Question, text: str, catalogs: Catalogs) -> Any:
    """An answer typed at a terminal as the question's value; ValueError saying what is expected.

    Choices are taken by number or by value; several at once separated by
    commas; an empty answer takes the question's default where it has one.
    """
    text = text.strip()
    if not text:
        if not question.required:
            return question.default
        raise ValueError("an answer is needed")
    if question.type == "text":
        return text
    if question.type == "number":
        if not text.isdigit():
            raise ValueError("expected a whole number, 0 or more")
        return int(text)
    if question.type == "yes-no":
        if text.lower() in ("y", "yes", "true"):
            return True
        if text.lower() in ("n", "no", "false"):
            return False
        raise ValueError("expected yes or no")
    items = [item.strip() for item in text.split(",") if item.strip()]
    if question.type == "editions":
        return _checked(question, items, catalogs)
    values = [_pick(question, item) for item in items]
    if question.type == "choice":
        if len(values) != 1:
            raise ValueError("expected one answer")
        return values[0]
    return _checked(question, values, catalogs)


def _pick(question: Question, item: str) -> str:
    values = [c.value for c in question.values]
    if item.isdigit() and 1 <= int(item) <= len(values):
        return values[int(item) - 1]
    if item in values:
        return item
    raise ValueError(f"'{item}' is not one of the answers; give a number from 1 to {len(values)} or one of "
                     f"{', '.join(values)}")
