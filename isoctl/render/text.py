"""``check`` for people: findings grouped by file, clause gaps per standard, readiness.

This is what an engineer reads in a terminal or a CI log, so it is built to be
scanned: one header per file with ``line:col  severity  rule  message`` rows
under it, and the clause-coverage findings (one per uncovered clause, all
located at isoctl.yaml) folded into one line per standard when there are many;
``isoctl gap`` is where the full matrix lives.

rich costs about a millisecond per table row, so rows are laid out by hand into
one :class:`~rich.text.Text` and the only table has one row per standard.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from rich.table import Table
from rich.text import Text

from isoctl.model.result import SEVERITY_RANK, Finding, Result
from isoctl.render.console import SEVERITY_STYLES, clean, make_console, readiness_bar
from isoctl.render.gap import restates_matrix

#: Above this many clause findings for one standard, list a few clause ids instead of every finding.
FOLD_ABOVE = 10
FOLD_SHOWN = 5
def plural(count: int, word: str) -> str:
    if word == "info":
        return f"{count} info"
    return f"{count} {word}" + ("" if count == 1 else "s")


def summary_line(result: Result, *, existing: int | None = None) -> str:
    """``3 errors, 5 warnings, 1 info in 214 records (120 files)`` or ``no findings in ...``.

    ``existing`` is set when the findings shown are only the new ones of a comparison with a baseline: the line then
    says so, with how many existing findings were let through, rather than claiming the workspace has none.
    """
    counts = result.counts()
    scope = f"in {plural(result.records, 'record')} ({plural(result.files, 'file')})"
    if existing is None:
        if not result.findings:
            return f"no findings {scope}"
        return ", ".join(plural(counts[s], s) for s in ("error", "warning", "info")) + f" {scope}"
    through = f"{plural(existing, 'existing finding')} let through"
    if not result.findings:
        return f"no new findings ({through}) {scope}"
    new = ", ".join(plural(counts[s], s) for s in ("error", "warning", "info"))
    return f"new: {new} ({through}) {scope}"


def _standard_of(result: Result) -> dict[str, str]:
    """Clause-reference prefix (family or edition id) → edition id."""
    prefixes: dict[str, str] = {}
    for clause in result.clauses:
        prefixes.setdefault(clause.family, clause.standard)
        prefixes.setdefault(clause.standard, clause.standard)
    return prefixes


#: Per-clause findings that are summarised per standard when there are many: what they say, and where to see them all
#: (the rows of the coverage matrix, and the clause-by-clause gaps of the audit programme).
_NOT_COVERED = ("clauses not covered", "isoctl gap for the full matrix")
_FOLDS = {"audit-programme-gap": ("clauses not audited within the audit cycle", "--format json for the list")}


def _fold(result: Result, findings: Sequence[Finding]) -> tuple[list[Finding], dict[tuple[str, str], list[Finding]]]:
    """Split findings into those listed per file and, per standard, clause findings too many to list."""
    prefixes = _standard_of(result)
    restates = restates_matrix(result)
    per_standard: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        if not finding.clause:
            continue
        if restates(finding):
            label = _NOT_COVERED[0]
        elif finding.rule in _FOLDS:
            label = _FOLDS[finding.rule][0]
        else:
            continue
        prefix = finding.clause.split(":", 1)[0]
        per_standard.setdefault((prefixes.get(prefix, prefix), label), []).append(finding)
    folded = {s: members for s, members in per_standard.items() if len(members) > FOLD_ABOVE}
    hidden = {id(f) for members in folded.values() for f in members}
    return [f for f in findings if id(f) not in hidden], folded


def _painter(color: bool, width: int) -> Callable[[str, str], str]:
    """``paint(text, style)``: ``text`` as rich prints it in ``style`` on this renderer's console.

    rich spends about 0.1 ms per line splitting, re-joining and measuring a
    long :class:`~rich.text.Text`; the finding rows need none of that (they
    are laid out here and printed with soft wrap), so they are written as
    plain strings. Each style's codes are what rich itself writes around a
    styled piece of text on the same console (none without colour), taken
    once per style.
    """
    from rich.text import Text

    codes: dict[str, tuple[str, str]] = {}

    def paint(text: str, style: str) -> str:
        if style not in codes:
            console, out = make_console(color=color, width=width)
            console.print(Text("x", style=style), end="", soft_wrap=True)
            before, _, after = out.getvalue().partition("x")
            codes[style] = (before, after)
        before, after = codes[style]
        if "\n" in text:  # rich styles each line on its own, not the line break
            return "\n".join(f"{before}{line}{after}" if line else "" for line in text.split("\n"))
        return f"{before}{text}{after}"

    return paint


def _wrapped(paragraph: str, width: int) -> list[str]:
    """``textwrap.wrap(paragraph, width) or [""]`` for one line of cleaned text, without textwrap's work when it fits.

    A line no longer than ``width``, with no whitespace but spaces (clean()
    leaves no tabs or carriage returns) and none at its end, is what textwrap
    would return unchanged.
    """
    if len(paragraph) <= width and paragraph.isprintable() and not paragraph[-1:].isspace():
        return [paragraph]
    return textwrap.wrap(paragraph, width) or [""]


def _rows(findings: Sequence[Finding], width: int, paint: Callable[[str, str], str]) -> str:
    out: list[str] = []
    positions = [f"{f.line}:{f.column}" for f in findings]
    pos_w = max(map(len, positions))
    rule_w = max(len(f.rule) for f in findings)
    indent = 2 + pos_w + 2 + 7 + 2 + rule_w + 2
    wrap = max(width - indent, 20)
    gap = "\n" + " " * indent
    current: str | None = None
    for finding, position in zip(findings, positions, strict=True):
        if finding.path != current:
            current = finding.path
            out.append(paint(clean(finding.path) or "(no file)", "bold underline") + "\n")
        lines = [part for para in clean(finding.message).split("\n") for part in _wrapped(para, wrap)]
        out.append(f"  {position:<{pos_w}}  " + paint(f"{finding.severity:<7}", SEVERITY_STYLES[finding.severity])
                   + paint(f"  {finding.rule:<{rule_w}}  ", "dim") + gap.join(lines) + "\n")
    return "".join(out)


def _natural(clause: str) -> tuple[tuple[int, int | str], ...]:
    """``A.8.2`` before ``A.8.10``: numbers compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in clause.split("."))


def _folded(result: Result, folded: dict[tuple[str, str], list[Finding]]) -> Text:
    order = {(c.standard, c.clause): i for i, c in enumerate(result.clauses)}
    hints = dict([_NOT_COVERED, *_FOLDS.values()])
    out = Text("clauses", style="bold underline")
    out.append("\n")
    for (standard, label), members in folded.items():
        ids = sorted(
            {f.clause.split(":", 1)[-1] for f in members if f.clause},
            key=lambda clause: (order.get((standard, clause), len(order)), _natural(clause)),
        )
        counts = [plural(sum(f.severity == s for f in members), s) for s in ("error", "warning", "info")]
        counts = [c for c in counts if not c.startswith("0 ")]
        shown = ", ".join(ids[:FOLD_SHOWN])
        more = f" and {len(ids) - FOLD_SHOWN} more" if len(ids) > FOLD_SHOWN else ""
        out.append(f"  {standard}", style="bold")
        out.append(f"  {len(ids)} {label} ({', '.join(counts)}): ")
        out.append(clean(f"{shown}{more} — {hints[label]}") + "\n")
    return out


def _readiness(result: Result) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("standard", no_wrap=True)
    for column in ("covered", "partial", "missing", "excluded"):
        table.add_column(column, justify="right")
    table.add_column("readiness", no_wrap=True)
    for c in result.coverage:
        table.add_row(
            c.standard, str(c.covered), str(c.partial), str(c.missing), str(c.excluded),
            Text.assemble(f"{c.readiness:>4.0%} ", readiness_bar(c.readiness)),
        )
    return table


def render(result: Result, *, color: bool = False, width: int = 100, existing: int | None = None) -> str:
    """The human report of ``check``; plain text (no ANSI) unless ``color``; ``existing``: see :func:`summary_line`."""
    console, out = make_console(color=color, width=width)
    findings = sorted(result.findings, key=Finding.sort_key)
    listed, folded = _fold(result, findings)
    if listed:
        out.write(_rows(listed, width, _painter(color, width)))  # the console has written all it was given
        console.print()
    if folded:
        console.print(_folded(result, folded), end="", soft_wrap=True)
        console.print()
    if result.coverage:
        console.print(_readiness(result))
        console.print()
    counts = result.counts()
    worst = max((s for s in counts if counts[s]), key=SEVERITY_RANK.__getitem__, default=None)
    style = SEVERITY_STYLES[worst] if worst else "green"
    console.print(Text(summary_line(result, existing=existing), style=style))
    return out.getvalue()
