"""Where a key or value is in a YAML text: the line and column a problem is reported at.

Parsing (:mod:`isoctl.files.yamlio`) builds plain data and nothing else, for
speed. When something is wrong, the text's nodes (those
:func:`~isoctl.files.yamlio.parse_with_nodes` kept, or composed again here)
are walked along the offending path, a pydantic ``loc``, as deep as it
exists; each node carries the line and column it starts at. Composing again
skips the implicit typing of scalars, half the work, since only the marks
are wanted. A process that parsed a file can also pack the positions of its
nodes as text (:func:`packed_index`) for another process to look up one at
a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from isoctl.files.yamlio import BaseLoader

_ScalarNode = yaml.ScalarNode


class _PositionLoader(BaseLoader):
    """Composes nodes for their positions only: no implicit typing of scalars, which is half the work."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        return {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq"}.get(
            kind, "tag:yaml.org,2002:map")


_PositionLoader.yaml_implicit_resolvers = {}


def compose(text: str) -> yaml.Node | None:
    """Parse text into position-carrying nodes (the slow path, used only to locate problems)."""
    try:
        return yaml.compose(text, Loader=_PositionLoader)
    except yaml.YAMLError:
        return None


def packed_index(root: yaml.Node | None, *, depth: int = 4, line_offset: int = 0) -> str:
    """Positions of every key and value down to ``depth``, packed as text for another process to look up one at a
    time (:func:`isoctl.workspace.read._unpack`).

    Lets a process that parsed a file hand its positions to another one
    without sending the nodes themselves. Each line is a path as
    :meth:`isoctl.workspace.read.RawFile.locate` remembers it (the ``str()`` of the path as a list,
    ``['evidence', 0, 'date']``; ``k`` after it for a mapping key's own
    place), a tab, then ``line,column``; the text begins and ends with a
    newline. A path holds no newline or tab (its keys are ``repr()``'d), so
    ``\\n<path>\\t`` finds one entry and only it. A sequence item has one entry, the
    same place for its key form. Written a line at a time here rather than
    as a dict encoded afterwards: half the time.
    """
    parts: list[str] = []
    add = parts.append

    def walk(node: yaml.Node, inner: str, level: int) -> None:
        if level >= depth:
            return
        joint = f"{inner}, " if inner else ""
        if node.__class__ is yaml.MappingNode:
            for key_node, value_node in node.value:
                if key_node.__class__ is not _ScalarNode:
                    continue
                step = f"{joint}{key_node.value!r}"
                key_mark, value_mark = key_node.start_mark, value_node.start_mark
                add(f"[{step}]k\t{key_mark.line + 1 + line_offset},{key_mark.column + 1}\n"
                    f"[{step}]\t{value_mark.line + 1 + line_offset},{value_mark.column + 1}")
                if value_node.__class__ is not _ScalarNode:
                    walk(value_node, step, level + 1)
        elif node.__class__ is yaml.SequenceNode:
            for number, item in enumerate(node.value):
                step = f"{joint}{number}"
                mark = item.start_mark
                add(f"[{step}]\t{mark.line + 1 + line_offset},{mark.column + 1}")
                if item.__class__ is not _ScalarNode:
                    walk(item, step, level + 1)

    if root is not None:
        add(f"[]\t{root.start_mark.line + 1 + line_offset},{root.start_mark.column + 1}")
        walk(root, "", 0)
    return "\n" + "\n".join(parts) + "\n"


def locate(root: yaml.Node | None, loc: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
    """Return the 1-based (line, column) of the value at ``loc`` below ``root``.

    Walks as deep as the path exists; with ``key=True`` the last step points at
    the mapping key rather than its value (the right place for "unknown field").
    """
    node = root
    best = (1, 1) if root is None else (root.start_mark.line + 1, root.start_mark.column + 1)
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(step):
                    child = key_node if (key and last) else value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            child = node.value[step]
        if child is None:
            break
        node = child
        best = (node.start_mark.line + 1, node.start_mark.column + 1)
    return best
