"""The fast indented JSON writer gives exactly the bytes ``json.dumps(value, indent=2, ensure_ascii=False)`` gives."""

from __future__ import annotations

import enum
import json
import random
from collections import OrderedDict
from typing import Any

import pytest

from isoctl.render import json_text


class Colour(str, enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


SHAPES: list[Any] = [
    {}, [], (), "", 0, -1, 10**30, 1.0, 0.1 + 0.2, 1e-7, -0.0, 1e300, True, False, None,
    "naïve 🚀 \"quoted\" back\\slash\nnew line\ttab \x00 \x1f \u2028",
    {"a": {}, "b": [], "c": [[]], "d": [{}], "e": {"f": [1, [2, [3, {"g": None}]]]}},
    ("a", ("b", 1)), [Colour.RED, Level.HIGH], {"colour": Colour.RED},
    float("nan"), [float("inf")], {"x": -float("inf")},
    {1: "int key"}, {None: "null key", True: "bool key", 2.5: "float key"},
    OrderedDict([("z", 1), ("a", 2)]),
    # containers of plain values only, and of both kinds
    {"rule": "r", "line": 3, "ratio": 0.5, "clause": None, "ok": True, "text": "a,\n  \"b\": c"},
    [["x", "y,\n z"], {"n": float("nan"), "i": float("-inf")}, [1, 2.5, None, False]],
    {"flat": {"a": 1}, "nested": {"b": {"c": ["d"]}}, "tuple": ("e", 1), "mixed": ["f", ["g"]]},
    {"a": Level.HIGH, "b": 1}, ["a", Colour.RED], {"k": OrderedDict([("z", 1)])},
]


@pytest.mark.parametrize("value", SHAPES, ids=lambda v: repr(v)[:30])
def test_the_same_text_as_json_dumps(value: Any) -> None:
    assert json_text.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def _random_value(rng: random.Random, depth: int) -> Any:
    choice = rng.randrange(9 if depth < 5 else 6)
    if choice == 0:
        return rng.choice(["", "x", "ünïcödé", "a\"b", "tab\there", "\u0007", "line\r\nbreak"])
    if choice == 1:
        return rng.randint(-10**12, 10**12)
    if choice == 2:
        return rng.uniform(-1e6, 1e6)
    if choice == 3:
        return rng.choice([True, False, None])
    if choice == 4:
        return rng.random()
    if choice == 5:
        return "plain"
    if choice in (6, 7):
        return {f"k{rng.randrange(100)}\u00e9": _random_value(rng, depth + 1) for _ in range(rng.randrange(5))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def test_random_documents_match() -> None:
    rng = random.Random(20261202)
    for _ in range(500):
        value = _random_value(rng, 0)
        assert json_text.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_a_value_that_contains_itself_is_refused_as_json_refuses_it() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        json_text.dumps(loop)


def test_a_value_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_text.dumps({"when": object()})
