"""The jinja sandbox for templates from a user's directory: no escape, no hang, no runaway output.

``isoctl report --template DIR`` and ``isoctl init --template DIR`` run
templates someone else wrote. jinja's :class:`~jinja2.sandbox.SandboxedEnvironment`
keeps them away from Python's internals; :class:`BudgetedSandbox` adds what
it leaves open:

* **Files.** :class:`~isoctl.render.template_loader.DirectoryLoader` reads
  only regular files inside the directory (see :mod:`isoctl.files.template_dir`):
  a link to ``/etc/passwd`` or ``/proc/self/environ``, a FIFO, a link loop is
  refused, naming the file.
* **Time.** A render stops after :data:`~isoctl.render.template_budget.TIME_LIMIT`
  seconds. The clock is checked on every loop iteration (the compiler wraps
  each ``for`` loop's iterable), every call (macros, methods), filter,
  operator and output chunk, so
  ``{% for i in range(99999) %}{% for j in range(99999) %}`` ends, with an
  error, instead of running for days.
* **Size.** A render produces at most
  :data:`~isoctl.render.template_budget.OUTPUT_LIMIT` characters, and no
  value it builds may print larger than that: string and list repetition,
  powers, ``%``-formatting, ``~``, joins, replacements and paddings are
  checked *before* they run, so ``'x' * 10**12`` or a list of lists printed
  whole fails at once instead of exhausting memory.

Exceeding a budget raises :class:`~isoctl.render.template_budget.BudgetExceeded`
(a jinja runtime error); callers turn it into an exit-2 error naming the
template. One budget covers one top-level render, or everything rendered
inside :func:`~isoctl.render.template_budget.metering` (``init`` renders a
whole template tree within one budget).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

from jinja2 import Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

from isoctl.render.template_budget import Budget, BudgetExceeded, Meter, current_meter, metering, printed_size

#: Characters a filter that works word by word (``title``, ``urlize``, ``sort``...) or ``str.split`` may take in:
#: such work builds a Python object per word, so its memory and time grow far faster than its output.
WORDWISE_INPUT_LIMIT = 2_000_000
#: Bits an integer may have (far past any number a document prints; Python refuses to print 4300+ digits anyway).
INT_BITS_LIMIT = 100_000

_ITERATE = "isoctl_metered_iteration"  # the filter the compiler wraps around every loop's iterable


def template_frames(exc: BaseException) -> Iterator[tuple[str, int]]:
    """(file, line) of each template frame of ``exc``'s traceback, the outermost first: jinja rewrites the frames of
    an error raised while rendering to point at the templates' files and lines (and marks them)."""
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            yield tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next


_PERCENT = re.compile(r"%%|%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACES = re.compile(r"\{[^{}]*:([^{}]*)\}")
_DIGITS = re.compile(r"\d+")


class BudgetedSandbox(SandboxedEnvironment):
    """jinja's sandbox with a time and a size budget for every render (see the module documentation)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, budget: Budget = Budget(), **options: Any) -> None:
        super().__init__(**options)
        self.budget = budget
        self.code_generator_class = _MeteredCodeGenerator
        self.template_class = _MeteredTemplate
        self.filters = {name: _metered_filter(self, name, f) for name, f in self.filters.items()}
        self.filters[_ITERATE] = self._iterate
        self.globals["lipsum"] = _metered_filter(self, "lipsum", generate_lorem_ipsum)  # jinja's own, metered

    def _iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        meter = current_meter(self.budget)
        for item in iterable:
            meter.tick()
            yield item

    def printable(self, value: Any) -> Any:
        """``value``, once it is known to print within the budget (every ``{{ }}`` passes here)."""
        meter = current_meter(self.budget)
        meter.tick()
        meter.allow(printed_size(value, self.budget.characters), "a printed value")
        return value

    def joinable(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """The operands of ``~``, once their joined text is known to fit the budget."""
        meter = current_meter(self.budget)
        meter.tick()
        meter.allow(printed_size(values, self.budget.characters), "a joined text (~)")
        return values

    def concat(self, parts: Iterable[str]) -> str:  # jinja's is "".join; compiled templates call this one
        """Join buffered output (a macro, a block, ``{% set %}``), counting it before it is joined."""
        meter = current_meter(self.budget)
        meter.tick()
        kept = []
        total = 0
        for part in parts:
            total += len(part)
            meter.allow(total, "a block or macro output")
            kept.append(part)
        return "".join(kept)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Run ``*``, ``**``, ``+`` and ``%`` only once their result is known to fit the budget."""
        meter = current_meter(self.budget)
        meter.tick()
        limit = self.budget.characters
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(times, int) and not isinstance(sequence, int | float):
                    size = len(sequence) if isinstance(sequence, str | bytes) else printed_size(sequence, limit)
                    meter.allow(size * max(times, 0), "a repeated value")
            if _integer(left) and _integer(right):
                _allow_bits(abs(left).bit_length() + abs(right).bit_length())
        elif operator == "**" and _integer(left) and _integer(right) and right > 0 and abs(left) > 1:
            _allow_bits(right * math.log2(abs(left)))
        elif operator == "+" and not (_number(left) and _number(right)):
            meter.allow(printed_size(left, limit) + printed_size(right, limit), "a sum")
        elif operator == "%" and isinstance(left, str):
            self._allow_percent_format(meter, left, right)
        result = self.binop_table[operator](left, right)
        return self.printable(result) if not _number(result) else result

    def _allow_percent_format(self, meter: Meter, spec: str, arguments: Any) -> None:
        limit = self.budget.characters
        meter.allow(len(spec) + printed_size(arguments, limit), "a formatted text")
        for match in _PERCENT.finditer(spec):
            for group in match.groups():
                if group == "*":
                    values = arguments if isinstance(arguments, tuple) else (arguments,)
                    for value in values:
                        if _integer(value):
                            meter.allow(abs(value), "a formatted width")
                elif group:
                    meter.allow(int(group), "a formatted width")

    def _allow_brace_format(self, meter: Meter, spec: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        for match in _BRACES.finditer(spec):
            for digits in _DIGITS.findall(match.group(1)):
                meter.allow(int(digits), "a formatted width")
        if "{" in "".join(m.group(1) for m in _BRACES.finditer(spec)) or re.search(r":[^}]*\{", spec):
            for value in (*args, *kwargs.values()):
                if _integer(value):
                    meter.allow(abs(value), "a formatted width")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # jinja's own signature
        """Call from a template: the clock is checked, and string methods that grow text are checked first."""
        meter = current_meter(__self.budget)
        meter.tick()
        limit = __self.budget.characters
        owner = getattr(__obj, "__self__", None)
        wrapped = getattr(__obj, "__wrapped__", None)
        if wrapped is not None and isinstance(getattr(wrapped, "__self__", None), str):  # str.format, sandboxed
            __self._allow_brace_format(meter, wrapped.__self__, args, kwargs)
        if isinstance(owner, str):
            _allow_string_method(meter, owner, getattr(__obj, "__name__", ""), args, kwargs, limit)
        meter.allow(printed_size((owner, args, kwargs), limit), "the arguments of a call")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(owner, list | dict | set):  # list.extend(itself) and the like
            meter.allow(printed_size(owner, limit), "a list or mapping")
        return __self.printable(result) if isinstance(result, str | list | tuple | dict | set) else result


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float | complex)


def _allow_bits(bits: float) -> None:
    if bits > INT_BITS_LIMIT:
        raise BudgetExceeded(f"would make a number of more than {INT_BITS_LIMIT} bits (the limit for templates "
                             "from a directory)")


def _allow_string_method(meter: Meter, text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                         limit: int) -> None:
    """Refuse ``str.replace``, ``join``, padding and tab expansion whose result would not fit the budget."""
    numbers = [abs(v) for v in (*args, *kwargs.values()) if _integer(v)]
    if name in _WORDWISE_METHODS:
        meter.allow(len(text), f"the text split by {name}()", WORDWISE_INPUT_LIMIT)
    elif name in ("center", "ljust", "rjust", "zfill"):
        meter.allow(max([len(text), *numbers]), "a padded text")
    elif name == "expandtabs":
        meter.allow(len(text) + text.count("\t") * max([8, *numbers]), "a text with expanded tabs")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        occurrences = text.count(args[0]) if args[0] else len(text) + 1
        meter.allow(len(text) + occurrences * len(args[1]), "a replaced text")
    elif name == "join" and args:
        items = args[0]
        count = len(items) if isinstance(items, Sized) else 0
        meter.allow(printed_size(items, limit) + len(text) * count, "a joined text")


def _metered_filter(env: BudgetedSandbox, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (one of jinja's filters) with the clock checked and growth refused before it runs."""

    @functools.wraps(function)
    def metered(*args: Any, **kwargs: Any) -> Any:
        meter = current_meter(env.budget)
        meter.tick()
        limit = env.budget.characters
        if name in ("join", "sum"):
            args = tuple(list(a) if i == _first_value(args) and not isinstance(a, Sized) else a
                         for i, a in enumerate(args))
        values = [a for a in args if not _is_runtime(a)]
        meter.allow(printed_size((values, kwargs), limit), f"the input of the {name} filter",
                    None if name in _LINEAR_FILTERS else WORDWISE_INPUT_LIMIT)
        _allow_filter(meter, name, values, kwargs, limit)
        result = function(*args, **kwargs)
        if isinstance(result, str | list | tuple | dict | set):
            meter.allow(printed_size(result, limit), f"the output of the {name} filter")
        return result

    return metered


# jinja's filters that run in time and memory proportional to their text (C string operations, or none):
# every other filter gets at most WORDWISE_INPUT_LIMIT characters in.
_LINEAR_FILTERS = frozenset({
    "abs", "attr", "capitalize", "center", "count", "d", "default", "e", "escape", "first", "float", "forceescape",
    "format", "int", "join", "last", "length", "lower", "replace", "round", "safe", "string", "trim",
    "truncate", "upper", "urlencode",
})
_WORDWISE_METHODS = frozenset({"split", "rsplit", "splitlines"})


def _first_value(args: tuple[Any, ...]) -> int:
    """The position of a filter's value: after the environment or context jinja passes some filters."""
    return next((i for i, a in enumerate(args) if not _is_runtime(a)), 0)


def _is_runtime(value: Any) -> bool:
    """An environment, context or eval context jinja passes to a filter first: not template data."""
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(value, SandboxedEnvironment | Context | EvalContext)


def _allow_filter(meter: Meter, name: str, values: list[Any], kwargs: dict[str, Any], limit: int) -> None:
    """Refuse the filters that multiply their input before they run (the others grow it by a small factor)."""
    value = values[0] if values else ""
    rest = values[1:]
    numbers = [abs(v) for v in (*rest, *kwargs.values()) if _integer(v)]
    texts = [v for v in (*rest, *kwargs.values()) if isinstance(v, str)]
    size = printed_size(value, limit)
    lines = str(value).count("\n") + 1 if isinstance(value, str) else 1
    if name in ("center", "batch", "slice"):
        meter.allow(max([size, *numbers]), f"the output of the {name} filter")
    elif name == "lipsum":
        paragraphs = values[0] if values and _integer(values[0]) else kwargs.get("n", 5)
        words = values[3] if len(values) > 3 and _integer(values[3]) else kwargs.get("max", 100)
        meter.allow(abs(paragraphs) * abs(words) * 12 if _integer(paragraphs) and _integer(words) else 0,
                    "the output of lipsum")
    elif name == "indent":
        widest = max([0, *numbers, *(len(t) for t in texts)])
        meter.allow(size + lines * widest, "the output of the indent filter")
    elif name == "wordwrap":
        meter.allow(size + size * max([1, *(len(t) for t in texts)]), "the output of the wordwrap filter")
    elif name == "replace" and len(rest) >= 2 and isinstance(value, str):
        old, new = str(rest[0]), str(rest[1])
        occurrences = value.count(old) if old else len(value) + 1
        meter.allow(size + occurrences * len(new), "the output of the replace filter")
    elif name == "join":
        separator = str(rest[0]) if rest else str(kwargs.get("d", ""))
        meter.allow(size + len(value) * len(separator), "the output of the join filter")
    elif name == "sum" and not _number(rest[1] if len(rest) > 1 else kwargs.get("start", 0)):
        meter.allow(size * len(value), "the work of the sum filter")  # adding lists copies them again and again
    elif name == "format" and isinstance(value, str):
        for match in _PERCENT.finditer(value):
            for group in match.groups():
                if group == "*":
                    meter.allow(max([0, *numbers]), "a formatted width")
                elif group:
                    meter.allow(int(group), "a formatted width")


class _MeteredCodeGenerator(CodeGenerator):
    """jinja's compiler, making every loop iteration, printed value and ``~`` pass through the budget."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _ITERATE, [], [], None, None, lineno=loop.lineno)
        super().visit_Template(node, frame)

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_pre(node, frame, finalize)
        self.write("environment.printable(")

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write(")")
        super()._output_child_post(node, frame, finalize)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            function = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            function = "markup_join"
        else:
            function = "str_join"
        self.write(f"{function}(environment.joinable((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write(")))")


class _MeteredTemplate(Template):
    """A template whose render and generate run within a budget (joining the running one, if any)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        return "".join(self.generate(*args, **kwargs))

    def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
        env = self.environment
        assert isinstance(env, BudgetedSandbox)
        with metering(env.budget):
            meter = current_meter(env.budget)
            for chunk in super().generate(*args, **kwargs):
                meter.wrote(len(chunk))
                yield chunk
