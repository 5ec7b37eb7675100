"""What a template from a user's directory may spend, and the running account of what it has spent.

A :class:`Budget` is a number of seconds and a number of characters. While a
template renders, its :class:`Meter` holds the deadline and the characters
written so far, and every check of the sandbox (:mod:`isoctl.render.sandbox`)
asks it: :meth:`Meter.tick` for the clock, :meth:`Meter.allow` for a value
about to be built. A check that fails raises :class:`BudgetExceeded`. The
meter of the running render is kept in a context variable, so every render
inside :func:`metering` draws on one budget (``init`` renders a whole
template tree within one), and a check outside any render (a macro called
from Python) gets an account of its own. :func:`printed_size` tells how
large a value would print without printing it.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator, Mapping, MappingView
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import TemplateRuntimeError
from jinja2.utils import Namespace

#: Seconds one render (or one ``init`` template tree) may take.
TIME_LIMIT = 5.0
#: Characters one render (or one ``init`` template tree) may produce, and the most any one value may print as.
OUTPUT_LIMIT = 32_000_000


class BudgetExceeded(TemplateRuntimeError):
    """A template went over its time or size budget; the message says which."""


@dataclass(frozen=True)
class Budget:
    """How long a render may take and how much it may produce."""

    seconds: float = TIME_LIMIT
    characters: int = OUTPUT_LIMIT


class Meter:
    """The running account of one render: a deadline and the characters written so far."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.deadline = time.monotonic() + budget.seconds
        self.written = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(f"took longer than {self.budget.seconds:g} s to render (the limit for templates "
                                 "from a directory)")

    def allow(self, size: int, what: str = "a value", limit: int | None = None) -> None:
        limit = self.budget.characters if limit is None else limit
        if size > limit:
            raise BudgetExceeded(f"would make {what} larger than {_megabytes(limit)} (the limit for templates "
                                 "from a directory)")

    def wrote(self, size: int) -> None:
        self.tick()
        self.written += size
        self.allow(self.written, "its output")


def _megabytes(characters: int) -> str:
    return f"{characters / 1_000_000:g} MB"


_METER: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("isoctl_template_meter", default=None)


@contextlib.contextmanager
def metering(budget: Budget = Budget()) -> Iterator[None]:
    """Share one budget between every render inside the block (a render already inside one joins it)."""
    if _METER.get() is not None:
        yield
        return
    token = _METER.set(Meter(budget))
    try:
        yield
    finally:
        _METER.reset(token)


def current_meter(budget: Budget) -> Meter:
    """The account of the running render; outside one (a macro called from Python), a fresh account."""
    return _METER.get() or Meter(budget)


def printed_size(value: Any, limit: int) -> int:
    """About how many characters ``str(value)`` has, counted without building it; stops counting past ``limit``.

    Containers count their items (each shared item as often as it is
    printed), so a list holding one big string many times is as big as it
    prints. Other objects count as small: they are the report's data or
    jinja's helpers, bounded by the workspace, not by the template.
    """
    total = 0
    stack: list[Any] = [value]
    while stack and total <= limit:  # every item adds at least 2, so a structure holding itself ends too
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 4
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, list | tuple | set | frozenset | dict | Namespace | MappingView):
            if isinstance(item, Namespace):
                item = object.__getattribute__(item, "_Namespace__attrs")
            if isinstance(item, Mapping):
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)
            total += 2 * len(item) + 2
        else:
            total += 16
    return total
