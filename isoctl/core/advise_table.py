"""The decision table of the needs analysis (``standards/advice/advice.yaml``): its schema, and the checks that
tie every rule to real questions, values and standards.

A table that does not hold together (a rule on a question that does not
exist, a value no question offers, a test that does not suit the question's
type) is a :class:`~isoctl.errors.CatalogError` with every problem at its
file:line:col, like a broken catalog: it ships with isoctl beside the
catalogs.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from pathlib import Path
from types import GenericAlias
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    create_model,
)

from isoctl.errors import CatalogError, Location, Problem
from isoctl.files import positions, yamlio
from isoctl.files.located import field_names, problems_from
from isoctl.files.resources import data_dir

Priority = Literal["essential", "recommended", "optional"]
QuestionType = Literal["text", "number", "yes-no", "choice", "multi-choice", "editions"]
#: The fields a scope template may use.
SCOPE_FIELDS = ("activities", "organization", "sites", "standards")
_LISTS = ("multi-choice", "editions")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Choice(_Strict):
    """One answer a choice question offers."""

    value: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    label: str
    exclusive: bool = False  # stands alone in a multi-choice answer (``none``)


class Question(_Strict):
    """One question of the needs analysis."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    type: QuestionType
    prompt: str
    values: list[Choice] = []
    default: Any = None

    @property
    def required(self) -> bool:
        """Whether an answers file must answer it (a question with a ``default`` may be left out)."""
        return "default" not in self.model_fields_set

    def choice(self, value: str) -> Choice:
        return next(c for c in self.values if c.value == value)

    def label(self, value: str) -> str:
        """The words of a choice value (the value itself for free text and editions)."""
        return next((c.label for c in self.values if c.value == value), value)

    def annotation(self) -> Any:
        """The type of this question's answer, for the answers model."""
        if self.type == "text":
            return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
        if self.type == "number":
            return Annotated[int, Field(ge=0, strict=True)]
        if self.type == "yes-no":
            return StrictBool
        if self.type == "editions":
            return list[str]
        allowed = Literal.__getitem__(tuple(c.value for c in self.values))  # Literal["a", "b", ...], built at run time
        return GenericAlias(list, (allowed,)) if self.type == "multi-choice" else allowed


class Test(_Strict):
    """What a rule asks of one answer; every test given must hold."""

    one_of: list[str] | None = None
    none_of: list[str] | None = None
    at_least: int | None = None
    below: int | None = None
    equals: bool | None = None

    def holds(self, answer: Any, question: Question) -> bool:
        if self.equals is not None and answer is not self.equals:
            return False
        values = _values(answer, question)
        if self.one_of is not None and not values & set(self.one_of):
            return False
        if self.none_of is not None and values & set(self.none_of):
            return False
        amount = _amount(answer, question)
        if self.at_least is not None and amount < self.at_least:
            return False
        return self.below is None or amount < self.below

    def driver(self, answer: Any, question: Question) -> Any:
        """The part of ``answer`` this test looked at: the values it matched in a list, else the answer."""
        if question.type in _LISTS and self.one_of is not None:
            matched = _values(answer, question) & set(self.one_of)
            return [v for v in answer if v in matched or (question.type == "editions" and v.split("-")[0] in matched)]
        return answer


def _values(answer: Any, question: Question) -> set[str]:
    """An answer as the set of values a one_of/none_of test compares with (editions: id and family)."""
    if answer is None or isinstance(answer, (bool, int)):
        return set()
    items = [answer] if isinstance(answer, str) else list(answer)
    if question.type == "editions":
        return {part for item in items for part in (item, item.split("-")[0])}
    return set(items)


def _amount(answer: Any, question: Question) -> int:
    """A number as it is; a list as how many values it holds, an exclusive one (``none``) counting 0."""
    if isinstance(answer, int) and not isinstance(answer, bool):
        return answer
    if isinstance(answer, list):
        return sum(1 for v in answer if not (question.values and v in {c.value for c in question.values if c.exclusive}))
    return 0


class Rule(_Strict):
    """Answers that make a standard essential, recommended or optional, and why, in plain words."""

    id: str
    standard: str
    priority: Priority
    when: dict[str, Test]
    reason: str


class MismatchRule(_Strict):
    """Answers that explain why a standard asked for does not fit (``standard: any`` for every one)."""

    id: str
    standard: str
    when: dict[str, Test]
    reason: str


class Table(_Strict):
    """The whole decision table."""

    advice: Literal[1]
    priorities: list[Priority]
    standards: dict[str, str]  # family -> what it manages, in words
    questions: list[Question]
    rules: list[Rule]
    mismatches: list[MismatchRule] = []
    scope: str

    @property
    def question_ids(self) -> list[str]:
        return [q.id for q in self.questions]

    def question(self, name: str) -> Question:
        return next(q for q in self.questions if q.id == name)

    def answers_model(self) -> type[BaseModel]:
        """A pydantic model of an answers file: one field per question, unknown questions refused."""
        fields: dict[str, Any] = {
            q.id: (q.annotation(), ... if q.required else q.default) for q in self.questions
        }
        model: type[BaseModel] = create_model("Answers", __config__=ConfigDict(extra="forbid"), **fields)
        return model


def table_path() -> Path:
    """The shipped decision table (a subdirectory of the catalogs, so it is never read as one)."""
    return data_dir("standards") / "advice" / "advice.yaml"


def load_table(path: Path | None = None, *, families: tuple[str, ...] | None = None) -> Table:
    """Read and check the decision table; CatalogError with every problem, located.

    ``families`` are the standards the catalogs know (the table may only
    recommend those); None skips that check.
    """
    path = path or table_path()
    return _load(path, families)


@functools.cache
def _load(path: Path, families: tuple[str, ...] | None) -> Table:
    shown = path.as_posix()
    try:
        text = yamlio.read_text(path)
        data, root = yamlio.parse_with_nodes(text)
    except yamlio.YamlProblem as exc:
        raise CatalogError([Problem(Location(shown, exc.line, exc.column), exc.message)]) from None
    except OSError as exc:
        raise CatalogError([Problem(Location(shown, 0, 0), f"cannot read the decision table: {exc.strerror}")]) from None
    try:
        table = Table.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(problems_from(exc, path=shown, root=root, known_fields=field_names(Table))) from None
    problems = [Problem(Location(shown, *positions.locate(root, loc)), message) for loc, message in _check(table, families)]
    if problems:
        raise CatalogError(problems)
    return table


def _check(table: Table, families: tuple[str, ...] | None) -> list[tuple[tuple[str | int, ...], str]]:
    """Every way the table fails to hold together, as (path in the file, message)."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    for n, question in enumerate(table.questions):
        if question.id in seen:
            found.append((("questions", n, "id"), f"question '{question.id}' is asked twice"))
        seen.add(question.id)
        if not question.required:
            try:
                TypeAdapter(question.annotation()).validate_python(question.default)
            except ValidationError:
                found.append((("questions", n, "default"), f"the default does not suit a {question.type} question"))
        if (question.type in ("choice", "multi-choice")) != bool(question.values):
            found.append((("questions", n), f"a {question.type} question " +
                          ("needs values" if question.type in ("choice", "multi-choice") else "takes no values")))
    for family in table.standards:
        if families is not None and family not in families:
            found.append((("standards", family), f"no catalog of '{family}' is installed"))
    sections: list[tuple[str, Sequence[Rule | MismatchRule]]] = [("rules", table.rules), ("mismatches", table.mismatches)]
    for section, entries in sections:
        ids: set[str] = set()
        for n, entry in enumerate(entries):
            if entry.id in ids:
                found.append(((section, n, "id"), f"'{entry.id}' is used twice"))
            ids.add(entry.id)
            if entry.standard not in table.standards and not (section == "mismatches" and entry.standard == "any"):
                found.append(((section, n, "standard"), f"'{entry.standard}' is not one of the standards"))
            for name, test in entry.when.items():
                found += [((section, n, "when", name), message) for message in _check_test(table, name, test)]
    unknown = [f for _, f, _, _ in string.Formatter().parse(table.scope) if f and f not in SCOPE_FIELDS]
    if unknown:
        found.append((("scope",), f"unknown field {{{unknown[0]}}}; use {', '.join(SCOPE_FIELDS)}"))
    return found


def _check_test(table: Table, name: str, test: Test) -> list[str]:
    if name not in table.question_ids:
        return [f"no question '{name}'"]
    question = table.question(name)
    problems = []
    listed = (test.one_of or []) + (test.none_of or [])
    if listed and question.type not in ("choice", *_LISTS):
        problems.append(f"one_of/none_of do not apply to a {question.type} question")
    allowed = {c.value for c in question.values} if question.values else set(table.standards)
    problems += [f"'{v}' is not an answer to {name}" for v in listed if v not in allowed and question.type != "editions"]
    if (test.at_least is not None or test.below is not None) and question.type not in ("number", *_LISTS):
        problems.append(f"at_least/below do not apply to a {question.type} question")
    if test.equals is not None and question.type != "yes-no":
        problems.append(f"equals applies to yes-no questions, not to a {question.type} one")
    if not (listed or test.at_least is not None or test.below is not None or test.equals is not None):
        problems.append("an empty test; give one_of, none_of, at_least, below or equals")
    return problems
