"""Rewriting clause references inside a YAML file, changing nothing but the references.

The same method as :mod:`isoctl.actions.edit`: the file is never re-emitted.
Its nodes are composed (libyaml, the parser ``check`` reads with) for the
exact span of every scalar, and only the spans of references that change are
replaced, each new reference quoted as the old one was. A reference that
becomes several adds items after it, in the list's own style: ``, new`` in a
flow list ``[a, b]``, a new ``- new`` line with the same indentation in a
block list. A reference that disappears (two merged into one) takes its
separator or its line with it. Comments, blank lines, key order, quoting,
line endings and Markdown bodies are untouched by construction.

:func:`apply` then re-reads the result with isoctl's own reader and refuses
it unless every record reads back exactly as intended, so a layout this
module does not foresee (a reference reached through a YAML alias, a merge
key) fails loudly instead of corrupting a file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from isoctl.actions.yaml_text import inline_scalar
from isoctl.errors import EditError, NotRecords
from isoctl.files import positions, yamlio
from isoctl.workspace.read import read, split_front_matter

Path = tuple[str | int, ...]
Splice = tuple[int, int, str]

_OPENING = re.compile(r"\A---[ \t]*\r?\n")
_DASH = re.compile(r"[ \t]*-[ \t]+")


@dataclass(frozen=True)
class ScalarEdit:
    """Replace one scalar: by another (``str``), or by a flow list of several (a ``tuple``)."""

    path: Path
    new: str | tuple[str, ...]


@dataclass(frozen=True)
class ListEdit:
    """Rewrite the items of a list: per item, None keeps it, a tuple replaces it (empty: removes it)."""

    path: Path
    items: tuple[tuple[str, ...] | None, ...]


Edit = ScalarEdit | ListEdit
#: The edits of a file, by record: its position in a sequence file, None for a file holding one mapping.
Edits = Mapping[int | None, Sequence[Edit]]


def apply(text: str, relative: str, edits: Edits) -> str:
    """``text`` with ``edits`` made; EditError (and nothing changed) when that cannot be done exactly."""
    if not any(edits.values()):
        return text
    base, region = _region(text, relative)
    newline = "\r\n" if "\r\n" in text else "\n"
    root = positions.compose(region)
    records = _records(root)
    if records is None:
        raise EditError(f"{relative}: the YAML does not parse; nothing was changed (run 'isoctl check')")
    splices: list[Splice] = []
    done: set[int] = set()
    for index, record_edits in edits.items():
        node = records.get(index)
        if node is None:
            raise EditError(f"{relative}: record {'#' + str(index + 1) if index is not None else ''} not found; "
                            "nothing was changed")
        for edit in record_edits:
            key, value, flow = _find(node, edit.path, relative)
            if id(value) in done:  # one node reached twice (an alias): edited once
                continue
            done.add(id(value))
            if isinstance(edit, ScalarEdit):
                splices.append(_scalar(region, value, edit.new, flow, relative))
            else:
                splices += _list(region, key, value, edit.items, newline, relative)
    out = region
    for start, end, piece in sorted(splices, key=lambda s: (s[0], s[1]), reverse=True):
        out = out[:start] + piece + out[end:]
    result = text[:base] + out + text[base + len(region):]
    _verify(text, result, relative, edits)
    return result


def expected(records: list[Any], sequence: bool, edits: Edits) -> list[Any]:
    """The raw records as they must read after ``edits`` (what :func:`apply` checks its result against)."""
    result = copy.deepcopy(records)
    for index, record_edits in edits.items():
        record = result[index if sequence and index is not None else 0]
        for edit in record_edits:
            container: Any = record
            for step in edit.path[:-1]:
                container = container[step]
            last = edit.path[-1]
            if isinstance(edit, ScalarEdit):
                container[last] = edit.new if isinstance(edit.new, str) else list(edit.new)
            else:
                old = container[last]
                container[last] = [item for n, out in enumerate(edit.items)
                                   for item in ([old[n]] if out is None else out)]
    return result


def _region(text: str, relative: str) -> tuple[int, str]:
    """(offset, text) of the YAML: the whole file, or a Markdown file's front matter."""
    if not relative.endswith(".md"):
        return 0, text
    opening = _OPENING.match(text)
    parts = split_front_matter(text)
    if opening is None or parts is None:
        raise EditError(f"{relative}: no front matter to edit")
    return opening.end(), parts[0]


def _records(root: Node | None) -> dict[int | None, MappingNode] | None:
    if isinstance(root, MappingNode):
        return {None: root}
    if isinstance(root, SequenceNode):
        return {n: item for n, item in enumerate(root.value) if isinstance(item, MappingNode)}
    return None


def _find(node: Node, path: Path, relative: str) -> tuple[Node | None, Node, bool]:
    """(key node, value node, whether the value sits inside a flow collection) at ``path``."""
    key: Node | None = None
    flow = bool(getattr(node, "flow_style", False))
    for step in path:
        if isinstance(step, str) and isinstance(node, MappingNode):
            pairs = [(k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == step]
            if not pairs:
                break
            flow = flow or bool(node.flow_style)
            key, node = pairs[-1]
        elif isinstance(step, int) and isinstance(node, SequenceNode) and 0 <= step < len(node.value):
            flow = flow or bool(node.flow_style)
            key, node = None, node.value[step]
        else:
            break
    else:
        return key, node, flow
    shown = ".".join(str(s) for s in path)
    raise EditError(f"{relative}: {shown} is not written where migrate can edit it (a YAML alias or merge key?); "
                    "nothing was changed", hint="write the references out in the record itself, then run again")


def _piece(text: str, node: Node, flow: bool) -> str:
    quote = node.style if isinstance(node, ScalarNode) and node.style in ("'", '"') else None
    return inline_scalar(text, flow=flow, quote=quote)


def _plain_scalar(node: Node, relative: str) -> ScalarNode:
    if not isinstance(node, ScalarNode) or node.style in ("|", ">") or node.start_mark.index == node.end_mark.index:
        line = node.start_mark.line + 1
        raise EditError(f"{relative}:{line}: a clause reference written in a way migrate cannot edit; nothing was changed")
    return node


def _scalar(text: str, node: Node, new: str | tuple[str, ...], flow: bool, relative: str) -> Splice:
    scalar = _plain_scalar(node, relative)
    if isinstance(new, str):
        piece = _piece(new, scalar, flow)
    else:
        piece = "[" + ", ".join(_piece(item, scalar, True) for item in new) + "]"
    return scalar.start_mark.index, scalar.end_mark.index, piece


def _list(text: str, key: Node | None, node: Node, items: tuple[tuple[str, ...] | None, ...], newline: str,
          relative: str) -> list[Splice]:
    if not isinstance(node, SequenceNode) or len(node.value) != len(items):
        raise EditError(f"{relative}: a list of references changed shape while being edited; nothing was changed")
    nodes = node.value
    for item, out in zip(nodes, items, strict=True):
        if out is not None:
            _plain_scalar(item, relative)
    kept = [n for n, out in enumerate(items) if out is None or out]
    if node.flow_style:
        return _flow_list(nodes, items, kept)
    if not kept:  # every item went: the key keeps an empty flow list (a key with no value would read as null)
        if key is None:
            raise EditError(f"{relative}: a list of references would become empty; nothing was changed")
        colon = text.index(":", key.end_mark.index) + 1
        return [(colon, nodes[-1].end_mark.index, " []")]
    splices: list[Splice] = []
    for item, out in zip(nodes, items, strict=True):
        if out is None:
            continue
        line_start = text.rfind("\n", 0, item.start_mark.index) + 1
        prefix = text[line_start:item.start_mark.index]
        if _DASH.fullmatch(prefix) is None:
            raise EditError(f"{relative}:{item.start_mark.line + 1}: a list item laid out in a way migrate cannot "
                            "edit; nothing was changed")
        eol = text.find("\n", item.end_mark.index)
        after = len(text) if eol == -1 else eol + 1
        if not out:
            splices.append((line_start, after, ""))
            continue
        splices.append((item.start_mark.index, item.end_mark.index, _piece(out[0], item, False)))
        extra = [prefix + _piece(new, item, False) for new in out[1:]]
        if extra:
            if eol == -1:  # the file ends on this line without a line break: keep it that way
                splices.append((after, after, "".join(newline + line for line in extra)))
            else:
                splices.append((after, after, "".join(line + newline for line in extra)))
    return splices


def _flow_list(nodes: list[Node], items: tuple[tuple[str, ...] | None, ...], kept: list[int]) -> list[Splice]:
    if not kept:
        return [(nodes[0].start_mark.index, nodes[-1].end_mark.index, "")]
    splices: list[Splice] = []
    for n, (item, out) in enumerate(zip(nodes, items, strict=True)):
        if out is None:
            continue
        if out:
            pieces = ", ".join(_piece(new, item, True) for new in out)
            splices.append((item.start_mark.index, item.end_mark.index, pieces))
        elif n < kept[0]:  # before the first item that stays: up to the next item
            splices.append((item.start_mark.index, nodes[n + 1].start_mark.index, ""))
        else:  # after it: from the end of the item before, with the separator
            splices.append((nodes[n - 1].end_mark.index, item.end_mark.index, ""))
    return splices


def _verify(before: str, after: str, relative: str, edits: Edits) -> None:
    """Refuse the result unless it reads back as ``before`` with exactly ``edits`` made."""
    try:
        old, new = read(relative, before), read(relative, after)
    except (yamlio.YamlProblem, NotRecords) as exc:
        raise EditError(f"{relative}: rewriting its references would break the file ({exc}); nothing was changed",
                        hint="please report this with the file's text") from None
    if old is None or new is None or old.body != new.body or old.sequence != new.sequence:
        raise EditError(f"{relative}: rewriting its references would change the file's structure; nothing was changed",
                        hint="please report this with the file's text")
    if new.records != expected(old.records, old.sequence, edits):
        raise EditError(f"{relative}: rewriting its references would not read back as intended; nothing was changed",
                        hint="please report this with the file's text")
