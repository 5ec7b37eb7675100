"""Reading YAML fast and safely, and finding where things are when something is wrong.

Reading uses libyaml through PyYAML's C loader (about 20 times faster than a
round-trip parse); positions are recovered only on the error path, by composing
the same text into nodes and walking them to the offending key or value. Edits
that must preserve layout use ruamel.yaml elsewhere; this module only reads.

Hostile input is bounded: files over a size cap, binary or non-UTF-8 files are
refused before parsing, duplicate keys are errors rather than silent overwrites,
and documents whose aliases would expand past a limit (the "billion laughs")
are refused after parsing without ever expanding them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # PyYAML wheels ship libyaml; the pure-Python loader is a slow but correct fallback
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

#: Records and catalogs larger than this are refused unread.
MAX_BYTES = 2 * 1024 * 1024
#: A document may not expand (through aliases) to more nodes than this.
MAX_EXPANDED_NODES = 200_000


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A file that cannot be read as YAML, with a 1-based position."""

    message: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return self.message


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe C loader, refusing duplicate keys (a typo must not silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        merging = any(key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value)
        if merging:  # check the mapping's own keys before merged ones join them
            self._refuse_duplicates(node)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        # Fast path: as many keys out as went in means no key was repeated.
        if not merging and len(mapping) != len(node.value):
            self._refuse_duplicates(node)
        return mapping

    def _refuse_duplicates(self, node: yaml.MappingNode) -> None:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable key: the base class reports it
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first defined on line {first.start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node

    def construct_core_int(self, node: yaml.ScalarNode) -> int:
        """Integers as YAML 1.2 reads them: ``010`` is ten, not eight."""
        text = str(self.construct_scalar(node))
        if text[:2] in ("0o", "0x"):
            return int(text, 0)
        return int(text, 10)


# YAML 1.2 core schema rather than PyYAML's YAML 1.1 defaults: `on: 2026-03-01`
# keeps the key "on" (1.1 reads it as true), `country: NO` stays text, `rto: 4:00`
# is not sexagesimal 240, and dates stay text for the schema to validate.
_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+0123456789."),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
]:
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_core_int)


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """Read a file as UTF-8 text, refusing huge, binary and non-UTF-8 files with a located problem."""
    return decode(read_bytes(path, max_bytes=max_bytes))


def check_size(size: int, *, max_bytes: int = MAX_BYTES) -> None:
    """Refuse a file over ``max_bytes`` before reading it."""
    if size > max_bytes:
        raise YamlProblem(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a record file")


def read_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """Read a file's bytes, refusing one over ``max_bytes`` without reading it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise YamlProblem(f"cannot read file: {exc.strerror or exc}") from None
    check_size(size, max_bytes=max_bytes)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise YamlProblem(f"cannot read file: {exc.strerror or exc}") from None


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (a BOM is allowed); binary and invalid bytes are located problems."""
    if b"\x00" in data[:8192]:
        raise YamlProblem("binary file (contains NUL bytes), not YAML or Markdown text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", line, column
        ) from None


def parse(text: str) -> Any:
    """Parse one YAML document into plain Python data; problems are raised as :class:`YamlProblem`."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(f"invalid YAML: {message}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem("YAML nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value libyaml accepted but Python cannot build
        raise YamlProblem(f"invalid YAML value: {exc}") from None
    if "&" in text:  # only documents with anchors can hold aliases
        _check_expansion(data)
    return data


def _check_expansion(data: Any) -> None:
    """Refuse documents whose alias-shared nodes would expand to more than MAX_EXPANDED_NODES.

    Sizes are computed once per distinct object (aliases share objects), so the
    check itself runs in time proportional to the document, not its expansion.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(obj: Any) -> int:
        if not isinstance(obj, dict | list):
            return 1
        key = id(obj)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in active:
            raise YamlProblem("recursive YAML alias (a node that contains itself)")
        active.add(key)
        children: Iterable[Any] = obj.values() if isinstance(obj, dict) else obj
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise YamlProblem(
                    f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); refusing it"
                )
        active.discard(key)
        sizes[key] = total
        return total

    try:
        size(data)
    except RecursionError:
        raise YamlProblem("YAML nested too deeply") from None


def compose(text: str) -> yaml.Node | None:
    """Parse text into position-carrying nodes (the slow path, used only to locate problems)."""
    try:
        return yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError:
        return None


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
