"""Setting and removing fields of one record in place, leaving every other byte of the file alone.

A full round-trip (load with ruamel.yaml, change, dump) is not byte-exact:
it joins plain scalars written over several lines, squeezes ``key:   value``
and ``{ a: 1 }``, and rewrites ``~`` as an empty value - all on lines nobody
touched. So the file is never re-emitted. Its nodes are composed (libyaml,
the parser ``check`` reads with, so positions agree; ruamel.yaml's
pure-Python composer would take about 10 ms per KB, seconds on a big log)
to learn the exact span of every key and value; only the spans of the
fields being changed are replaced, and new keys are inserted after the
record's last key, in the record's own style (block or flow) and
indentation. :mod:`.yaml_text` writes each new value, quoted as YAML 1.2
needs; a value that was quoted keeps its kind of quotes. Comments, key
order, blank lines, line endings (CRLF stays CRLF) and Markdown bodies are
untouched by construction.

:func:`set_fields` then re-reads the result with isoctl's own reader and
refuses it unless exactly the intended fields changed, so a layout this
module does not foresee fails loudly instead of corrupting a record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from isoctl.actions.yaml_text import block_mapping, block_scalar, flow_value, inline_scalar
from isoctl.errors import EditError
from isoctl.files import positions, yamlio
from isoctl.workspace.read import NotRecords, read

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$", re.S | re.M)
Splice = tuple[int, int, str]  # replace text[start:end] with the string



class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


#: The value that removes a key (``changes={"closed_on": REMOVE}``).
REMOVE: Any = _Remove()


def set_fields(text: str, relative: str, record_id: str, changes: Mapping[str, Any]) -> str:
    """``text`` with the fields of record ``record_id`` set (or removed with :data:`REMOVE`).

    Values are str, bool, int, float, ``datetime.date``, None, or mappings and
    lists of those. Raises :class:`EditError` when the record is not found
    or the edit would not read back exactly as intended.
    """
    base, region = _yaml_region(text, relative)
    newline = "\r\n" if "\r\n" in text else "\n"
    root = positions.compose(region)
    if root is None:
        raise EditError(f"{relative}: cannot edit, the YAML does not parse (run 'isoctl check')")
    records = _records(root)
    matching = [m for m in records if _scalar_value(m, "id") == record_id]
    if len(matching) != 1:
        raise EditError(f"{relative}: expected one record '{record_id}', found {len(matching)}")
    editor = _Editor(region, newline, matching[0], records)
    out = region
    for start, end, piece in sorted(editor.plan(changes), key=lambda s: (s[0], s[1]), reverse=True):
        out = out[:start] + piece + out[end:]
    result = text[:base] + out + text[base + len(region):]
    _check(text, result, relative, record_id, changes)
    return result


def _yaml_region(text: str, relative: str) -> tuple[int, str]:
    """(offset, text) of the YAML: the whole file, or a Markdown file's front matter."""
    if not relative.endswith(".md"):
        return 0, text
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise EditError(f"{relative}: no front matter to edit")
    return match.start(1), match.group(1)


def _records(root: Node | None) -> list[MappingNode]:
    if isinstance(root, MappingNode):
        return [root]
    if isinstance(root, SequenceNode):
        return [item for item in root.value if isinstance(item, MappingNode)]
    return []


def _scalar_value(mapping: MappingNode, key: str) -> str | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key and isinstance(value_node, ScalarNode):
            return str(value_node.value)
    return None


def _empty(node: Node) -> bool:
    """An absent value (``key:`` with nothing after it); its marks point at the next token, not here."""
    return isinstance(node, ScalarNode) and not node.style and node.start_mark.index == node.end_mark.index


def _block_collection(node: Node) -> bool:
    return isinstance(node, MappingNode | SequenceNode) and not node.flow_style and bool(node.value)


#: An alias where a value starts: ``*name`` after optional blanks (its name runs to a blank or flow indicator).
_ALIAS = re.compile(r"[ \t]*\*[^\s,\[\]{}]+")


class _Editor:
    """Plans the splices for one record mapping."""

    def __init__(self, region: str, newline: str, mapping: MappingNode, records: list[MappingNode]) -> None:
        self.text = region
        self.nl = newline
        self.mapping = mapping
        self.records = records
        self.flow = bool(mapping.flow_style)
        self.pairs = {str(k.value): (k, v) for k, v in mapping.value if isinstance(k, ScalarNode)}
        self.column = mapping.start_mark.column
        self.step = self._step()
        self.keys = _quoted_keys(records)

    def plan(self, changes: Mapping[str, Any]) -> list[Splice]:
        splices: list[Splice] = []
        new: list[tuple[str, Any]] = []
        for key, value in changes.items():
            if key in self.pairs:
                splices.append(self._remove(key) if value is REMOVE else self._replace(key, value))
            elif value is not REMOVE:
                new.append((key, value))
        if new:
            splices.append(self._append(new))
        return splices

    def _colon(self, key: Node) -> int:
        return self.text.index(":", key.end_mark.index) + 1

    def _eol(self, position: int) -> int:
        """Where the line holding ``position`` ends (before its line break)."""
        found = self.text.find("\n", position)
        if found == -1:
            return len(self.text)
        return found - 1 if found > 0 and self.text[found - 1] == "\r" else found

    def _pair_end(self, key: Node, value: Node) -> int:
        if _empty(value):
            return self._colon(key)
        if value.start_mark.index < key.end_mark.index:  # an alias (*name): the node is the anchor's, written earlier
            alias = _ALIAS.match(self.text, self._colon(key))
            if alias is None:
                raise EditError(f"the value of '{key.value}' is an alias whose end isoctl cannot find",
                                hint="write the value out instead of the alias")
            return alias.end()
        return self._end(value)

    def _end(self, node: Node) -> int:
        """Where a value really ends: block collections and block scalars run on past blank lines and comments."""
        if isinstance(node, MappingNode) and _block_collection(node):
            return self._pair_end(*node.value[-1])
        if isinstance(node, SequenceNode) and _block_collection(node):
            last = node.value[-1]
            if last.start_mark.index < node.start_mark.index:  # an alias as the last item: its node is elsewhere
                raise EditError("a list ends with an alias (*name), after which isoctl cannot place an edit",
                                hint="write the last item out instead of the alias")
            return self._end(last)
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            position = node.end_mark.index
            while position > node.start_mark.index and self.text[position - 1] in " \t\r\n":
                position -= 1
            return self._eol(position)
        return int(node.end_mark.index)

    def _step(self) -> int:
        """The indentation step the file uses below a record's keys (2 when nothing shows it)."""
        for record in [self.mapping, *self.records]:
            for key, value in record.value:
                if isinstance(value, MappingNode) and _block_collection(value):
                    return max(1, int(value.start_mark.column) - int(key.start_mark.column))
                if isinstance(value, ScalarNode) and value.style in ("|", ">"):
                    indent = self._block_indent(value)
                    if indent is not None:
                        return max(1, indent - int(key.start_mark.column))
        return 2

    def _block_indent(self, node: ScalarNode) -> int | None:
        """The content indentation of a block scalar, from its first non-blank line."""
        lines = self.text[node.start_mark.index:node.end_mark.index].split("\n")[1:]
        for line in lines:
            if line.strip():
                return len(line) - len(line.lstrip(" "))
        return None

    def _replace(self, key: str, value: Any) -> Splice:
        key_node, old = self.pairs[key]
        end = self._pair_end(key_node, old)
        alias = old.start_mark.index < key_node.end_mark.index  # ``*name``: the value written here is the alias
        if self.flow:
            quote = old.style if isinstance(old, ScalarNode) and old.style in ("'", '"') else None
            if isinstance(value, str):
                piece = inline_scalar(value, flow=True, quote=quote)
            else:
                piece = flow_value(value, self.keys)
            if _empty(old) or alias:
                return (self._colon(key_node) if alias else end), end, " " + piece
            return old.start_mark.index, end, piece
        block, piece = self._block_value(key, value, old)
        if not piece:
            return self._colon(key_node), end, ""
        if not _empty(old) and not alias and block == _block_collection(old):
            return old.start_mark.index, end, piece  # same shape: keep what lies between key and value
        separator = self.nl + " " * (self.column + self.step) if block else " "
        return self._colon(key_node), end, separator + piece

    def _remove(self, key: str) -> Splice:
        key_node, value = self.pairs[key]
        if self.flow:
            position = next(i for i, (k, _) in enumerate(self.mapping.value) if k is key_node)
            if position > 0:
                return self._pair_end(*self.mapping.value[position - 1]), self._pair_end(key_node, value), ""
            following = self.mapping.value[1:]
            stop = following[0][0].start_mark.index if following else self._pair_end(key_node, value)
            return key_node.start_mark.index, stop, ""
        line_start = self.text.rfind("\n", 0, key_node.start_mark.index) + 1
        if self.text[line_start:key_node.start_mark.index].strip():
            return self._replace(key, None)  # the record's first key (``- key:``): empty it instead
        eol = self.text.find("\n", self._pair_end(key_node, value))
        return line_start, len(self.text) if eol == -1 else eol + 1, ""

    def _append(self, new: list[tuple[str, Any]]) -> Splice:
        if self.flow:
            if not self.mapping.value:
                position = self.text.index("{", self.mapping.start_mark.index) + 1
                return position, position, ", ".join(f"{k}: {flow_value(v, self.keys)}" for k, v in new)
            position = self._pair_end(*self.mapping.value[-1])
            return position, position, "".join(f", {k}: {flow_value(v, self.keys)}" for k, v in new)
        lines = []
        for key, value in new:
            block, piece = self._block_value(key, value, None)
            if block:
                piece = self.nl + " " * (self.column + self.step) + piece
            elif piece:
                piece = " " + piece
            lines.append(" " * self.column + f"{key}:" + piece)
        last_key, last_value = self.mapping.value[-1]
        eol = self.text.find("\n", self._pair_end(last_key, last_value))
        if eol == -1:  # the file ends without a line break: keep it that way
            return len(self.text), len(self.text), "".join(self.nl + line for line in lines)
        return eol + 1, eol + 1, "".join(line + self.nl for line in lines)

    def _block_value(self, key: str, value: Any, old: Node | None) -> tuple[bool, str]:
        """(whether it is a block collection on the following lines, its text) for a block record."""
        if isinstance(value, Mapping):
            if isinstance(old, MappingNode):
                flow = not _block_collection(old)
            else:
                flow = self._mapping_style(key)
            if flow:
                return False, flow_value(value, self.keys)
            indent = old.start_mark.column if old is not None and _block_collection(old) else self.column + self.step
            return True, block_mapping(value, indent, self.step, self.nl, self.keys)
        quote = old.style if isinstance(old, ScalarNode) and old.style in ("'", '"') else None
        if isinstance(value, str) and (("\n" in value) or (isinstance(old, ScalarNode) and old.style in ("|", ">"))):
            old_style = old.style if isinstance(old, ScalarNode) else None
            indent = (self._block_indent(old) if isinstance(old, ScalarNode) and old_style in ("|", ">") else None)
            block = block_scalar(value, old_style or "|", indent or self.column + self.step, self.nl)
            if block is not None:
                return False, block
        return False, inline_scalar(value, flow=False, quote=quote)

    def _mapping_style(self, key: str) -> bool:
        """Whether a new mapping under ``key`` should be flow style: as the file writes that key elsewhere."""
        for record in self.records:
            for key_node, value in record.value:
                if isinstance(key_node, ScalarNode) and key_node.value == key and isinstance(value, MappingNode):
                    return bool(value.flow_style)
        return self.flow


def _quoted_keys(records: list[MappingNode]) -> dict[str, str]:
    """Keys the file quotes inside records' mappings (``'on':``, for YAML 1.1 readers), with their quote."""
    found: dict[str, str] = {}
    for record in records:
        for _, value in record.value:
            if isinstance(value, MappingNode):
                for key, _ in value.value:
                    if isinstance(key, ScalarNode) and key.style in ("'", '"'):
                        found.setdefault(str(key.value), key.style)
    return found


def plain(value: Any) -> Any:
    """A value as isoctl's reader reads it back (dates are text there)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check(before: str, after: str, relative: str, record_id: str, changes: Mapping[str, Any]) -> None:
    """Refuse the edit unless the file reads back as before, with exactly ``changes`` applied."""
    try:
        old, new = read(relative, before), read(relative, after)
    except (yamlio.YamlProblem, NotRecords) as exc:
        raise EditError(f"{relative}: editing {record_id} would break the file ({exc}); it was left unchanged") from None
    if old is None or new is None or len(old.records) != len(new.records) or old.body != new.body:
        raise EditError(f"{relative}: editing {record_id} would change the file's structure; it was left unchanged")
    for was, now in zip(old.records, new.records, strict=True):
        if isinstance(was, dict) and was.get("id") == record_id:
            expected = dict(was)
            for key, value in changes.items():
                if value is REMOVE:
                    expected.pop(key, None)
                else:
                    expected[key] = plain(value)
            if now != expected:
                changed = sorted(k for k in set(expected) | set(now) if expected.get(k) != now.get(k))
                raise EditError(
                    f"{relative}: editing {record_id} would not read back as intended ({', '.join(changed)}); "
                    "it was left unchanged",
                    hint="please report this with the record's text",
                )
        elif was != now:
            raise EditError(f"{relative}: editing {record_id} would change another record; it was left unchanged")
