"""Turning pydantic validation errors into messages people understand, at file:line:col.

A pydantic error carries a ``loc`` (``('clauses', 12, 'hs')``); the YAML node
tree of the same text maps that path to a line and column. Messages name the
field and say what was expected and what was found, in words rather than
pydantic's type names.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from isoctl.errors import Location, Problem
from isoctl.files import positions

#: pydantic error types whose location is the key, not the value
_KEY_ERRORS = {"extra_forbidden"}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def _field_name(loc: Sequence[str | int]) -> str:
    name = ""
    for step in loc:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else str(step))
    return name


def describe(error: dict[str, Any], *, known_fields: Callable[[Sequence[str | int]], Sequence[str]] | None = None) -> str:
    """One pydantic error as ``field: what was expected; got what``."""
    loc: tuple[str | int, ...] = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    value = error.get("input")
    ctx = error.get("ctx") or {}
    field = _field_name(loc)
    if kind == "union_tag_not_found":
        return "missing required field 'kind' (what sort of record this is)"
    if kind == "union_tag_invalid":
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        message = f"kind: expected one of {expected}; got {_show(ctx.get('tag'))}"
        close = difflib.get_close_matches(str(ctx.get("tag")), expected.split(", "), n=1)
        return message + (f"; did you mean '{close[0]}'?" if close else "")
    if kind == "missing":
        return f"missing required field '{loc[-1]}'" + (f" in {_field_name(loc[:-1])}" if len(loc) > 1 else "")
    if kind == "extra_forbidden":
        message = f"unknown field '{loc[-1]}'"
        if known_fields is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(known_fields(loc[:-1])), n=1)
            if close:
                message += f"; did you mean '{close[0]}'?"
        return message
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{field}: expected one of {expected}; got {_show(value)}"
    expectations = {
        "date_from_datetime_parsing": "a date YYYY-MM-DD",
        "date_parsing": "a date YYYY-MM-DD",
        "date_type": "a date YYYY-MM-DD",
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "float_parsing": "a number",
        "float_type": "a number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "string_type": "text",
        "list_type": "a list",
        "dict_type": "a mapping of keys to values",
        "model_type": "a mapping of keys to values",
        "model_attributes_type": "a mapping of keys to values",
    }
    if kind in expectations:
        return f"{field + ': ' if field else ''}expected {expectations[kind]}; got {_show(value)}"
    if kind == "string_pattern_mismatch":
        return f"{field}: {_show(value)} is not in the expected form"
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    return f"{field}: {message[0].lower() + message[1:]}" if field else message


def problems_from(
    exc: ValidationError,
    *,
    path: str,
    root: Any,
    prefix: Sequence[str | int] = (),
    strip: int = 0,
    known_fields: Callable[[Sequence[str | int]], Sequence[str]] | None = None,
) -> list[Problem]:
    """Every error of ``exc`` as a located :class:`Problem`.

    ``root`` is the composed YAML node tree of the file; ``prefix`` is the path
    of the validated value inside it (a record inside a list); ``strip`` drops
    leading loc entries pydantic adds (the tag of a discriminated union).
    """
    found = []
    for error in exc.errors(include_url=False):
        loc = tuple(error.get("loc", ()))[strip:]
        details: dict[str, Any] = {**error, "loc": loc}
        line, column = positions.locate(root, (*prefix, *loc), key=details.get("type") in _KEY_ERRORS)
        found.append(Problem(Location(path, line, column), describe(details, known_fields=known_fields)))
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, Annotated, list, dict and unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def field_names(model: type[BaseModel]) -> Callable[[Sequence[str | int]], list[str]]:
    """A ``known_fields`` function for :func:`describe`: the field names valid at a path below ``model``."""

    def known(loc: Sequence[str | int]) -> list[str]:
        models = [model]
        for step in loc:
            if isinstance(step, int):
                continue  # list index: same item models
            nxt: list[type[BaseModel]] = []
            for current in models:
                info = current.model_fields.get(str(step))
                if info is None:
                    info = next((f for f in current.model_fields.values() if f.alias == step), None)
                if info is not None:
                    nxt.extend(_models_in(info.annotation))
            models = nxt
        return [f.alias or name for m in models for name, f in m.model_fields.items()]

    return known
