"""Reading YAML fast and safely.

Reading uses libyaml through PyYAML's C loader (about 20 times faster than a
round-trip parse); positions are recovered only on the error path, by composing
the same text into nodes and walking them to the offending key or value
(:mod:`isoctl.files.positions`). Edits that must preserve layout use
ruamel.yaml elsewhere; this module only reads.

Hostile input is bounded: only regular files are read, opened without
blocking (a named pipe or /dev/zero with a record's name is refused, never
waited on); files over a size cap, binary, UTF-16 or non-UTF-8 files are
refused before parsing; duplicate keys are errors rather than silent
overwrites; and documents whose aliases or merges would expand past a limit
of nodes or characters (the "billion laughs") are refused without ever
expanding them.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import yaml

from isoctl.errors import TooLarge as TooLarge  # re-exported: callers catch yamlio.TooLarge
from isoctl.errors import YamlProblem as YamlProblem  # and yamlio.YamlProblem
from isoctl.errors import reason

if TYPE_CHECKING:  # both loaders have the same interface; the stubs describe the C one
    BaseLoader = yaml.CSafeLoader
else:  # PyYAML wheels ship libyaml; the pure-Python loader is a slow but correct fallback
    BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Records and catalogs larger than this are refused unread.
MAX_BYTES = 2 * 1024 * 1024
#: A document may not expand (through aliases) to more nodes than this.
MAX_EXPANDED_NODES = 200_000
#: ... and to no more characters of text than this (a few times what a file at the size limit holds).
MAX_EXPANDED_CHARS = 4 * MAX_BYTES
#: Deepest nesting of lists and mappings a document may have (a record needs a handful of levels).
MAX_DEPTH = 64


class _Loader(BaseLoader):
    """libyaml's parser and composer with the YAML 1.2 core schema's implicit types (below).

    ``resolve`` runs once per node, from C: PyYAML's general version (path
    resolvers, wildcard lists) costs three times this one, which does only
    what the core schema needs.
    """

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                resolvers: Iterable[tuple[str, re.Pattern[str]]] = self.yaml_implicit_resolvers.get(value[:1], ())
                for tag, pattern in resolvers:
                    if pattern.match(value):
                        return tag
            return "tag:yaml.org,2002:str"
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"


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


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """Read a file as UTF-8 text, refusing huge, binary and non-UTF-8 files with a located problem."""
    return decode(read_bytes(path, max_bytes=max_bytes))


def check_size(size: int, *, max_bytes: int = MAX_BYTES) -> None:
    """Refuse a file over ``max_bytes`` before reading it."""
    if size > max_bytes:
        raise TooLarge(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a record file")


def read_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """Read a regular file's bytes, refusing one over ``max_bytes`` without reading it.

    The file is opened without blocking and checked on the open handle, so a
    named pipe, a socket or a device with a record's name is refused instead
    of read (reading a pipe nobody writes to would wait for ever; /dev/zero
    never ends).
    """
    with _open_regular(path) as handle:
        check_size(os.fstat(handle.fileno()).st_size, max_bytes=max_bytes)
        try:
            data = handle.read(max_bytes + 1)  # a file growing while it is read is still bounded
        except OSError as exc:
            raise YamlProblem(f"cannot read file: {reason(exc)}") from None
    check_size(len(data), max_bytes=max_bytes)
    return data


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (refused like :func:`read_bytes` when it is not one)."""
    with _open_regular(path) as handle:
        try:
            return handle.read(size)
        except OSError as exc:
            raise YamlProblem(f"cannot read file: {reason(exc)}") from None


def _open_regular(path: Path) -> BinaryIO:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise YamlProblem("symlink loop: the link leads back to itself") from None
        try:  # a socket cannot be opened at all (ENXIO): say what it is, not what open said
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise YamlProblem(_not_regular(mode)) from None
        raise YamlProblem(f"cannot read file: {reason(exc)}") from None
    handle = os.fdopen(fd, "rb")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        handle.close()
        raise YamlProblem(_not_regular(mode))
    return handle


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, by its mode: ``a named pipe``, ``a socket``, ``a directory``..."""
    return ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a directory" if stat.S_ISDIR(mode) else "a device")


def _not_regular(mode: int) -> str:
    return f"not a regular file ({file_kind(mode)}); isoctl reads only plain files"


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (a BOM is allowed); binary and invalid bytes are located problems."""
    if data[:2] in _WIDE_STARTS or data.find(b"\x00", 0, 8192) >= 0:  # (both rare: text goes straight on)
        wide = _wide_encoding(data)
        if wide is not None:
            raise YamlProblem(f"{wide}: convert to UTF-8 (records are UTF-8 text)")
        if b"\x00" in data[:8192]:
            raise YamlProblem("binary file (contains NUL bytes), not YAML or Markdown text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1  # where the line of the bad byte starts
        if start == 0 and data.startswith(codecs.BOM_UTF8):
            start = len(codecs.BOM_UTF8)  # no editor shows the BOM: the first line's columns start after it
        raise YamlProblem(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            data.count(b"\n", 0, exc.start) + 1, exc.start - start + 1,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


#: How text in UTF-16 or UTF-32 can start without a NUL in its first bytes: a byte order mark.
_WIDE_STARTS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _wide_encoding(data: bytes) -> str | None:
    """``UTF-16``/``UTF-32`` when the bytes look like text in one of them (by BOM, or by the NULs of ASCII text)."""
    if data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return "UTF-32"
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "UTF-16"
    head = data[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    # ASCII characters in UTF-16 are a NUL and a byte: one half of the bytes is (almost) all NULs, the other none.
    for nuls, text in ((odd, even), (even, odd)):
        if nuls.count(0) >= 0.9 * len(nuls) and text.count(0) <= 0.1 * len(text):
            return "UTF-16"
    return None


_ScalarNode = yaml.ScalarNode
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS: dict[str, Any] = {
    "tag:yaml.org,2002:int": lambda text: int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10),
    "tag:yaml.org,2002:float": lambda text: float(text.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf")
                                                  .replace(".nan", "nan").replace(".NaN", "nan").replace(".NAN", "nan")),
    "tag:yaml.org,2002:bool": lambda text: text.lower() == "true",
    "tag:yaml.org,2002:null": lambda text: None,
}


class _TooBig(Exception):
    """A document that would expand past a limit while being built, and where."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message, self.mark = message, mark


def _build(node: yaml.Node, memo: dict[int, Any], merged_keys: list[int], depth: int = 1) -> Any:
    """Plain data from a composed node: the part of PyYAML's constructor isoctl needs, without its overhead.

    libyaml parses and composes; this turns nodes into dicts, lists and
    scalars, refusing what a record never holds (explicit non-standard tags,
    non-scalar keys) and any key that appears twice in one mapping.
    ``merged_keys`` counts the keys ``<<`` copies: unlike aliases, merges
    build new mappings, so their cost is bounded here, while building.
    ``depth`` is the node's nesting, bounded by :data:`MAX_DEPTH`.
    """
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag
        if tag == _STR:
            return node.value
        convert = _SCALARS.get(tag)
        if convert is None:
            raise yaml.constructor.ConstructorError(None, None, f"unsupported tag {tag!r}", node.start_mark)
        return convert(node.value)
    known = memo.get(id(node))
    if known is not None:
        return known  # an alias: the same object (expansion is bounded separately)
    if depth > MAX_DEPTH:
        raise _TooBig(f"YAML nested more than {MAX_DEPTH} levels deep; refusing it", node.start_mark)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise yaml.constructor.ConstructorError(None, None, f"unsupported tag {node.tag!r}", node.start_mark)
        items: list[Any] = []
        memo[id(node)] = items
        for child in node.value:  # plain text, most of a record, without a call per value
            items.append(child.value if child.__class__ is _ScalarNode and child.tag == _STR
                         else _build(child, memo, merged_keys, depth + 1))
        return items
    if node.tag != _MAP:
        raise yaml.constructor.ConstructorError(None, None, f"unsupported tag {node.tag!r}", node.start_mark)
    mapping: dict[Any, Any] = {}
    memo[id(node)] = mapping
    merges: list[yaml.Node] = []
    for key_node, value_node in node.value:
        key_tag = key_node.tag
        if key_tag == _MERGE:
            merges.append(value_node)
            continue
        if key_node.__class__ is not _ScalarNode:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark)
        key = key_node.value if key_tag == _STR else _build(key_node, memo, merged_keys, depth + 1)
        if key in mapping:
            first = _first_key(node, key, memo, merged_keys).start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first defined on line {first})", key_node.start_mark)
        mapping[key] = (value_node.value if value_node.__class__ is _ScalarNode and value_node.tag == _STR
                        else _build(value_node, memo, merged_keys, depth + 1))
    for merge in merges:  # << fills in keys the mapping does not set; earlier sources win
        sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
        for source in sources:
            merged = _build(source, memo, merged_keys, depth + 1)
            if not isinstance(merged, dict):
                raise yaml.constructor.ConstructorError(None, None, "<< expects a mapping", source.start_mark)
            merged_keys[0] += len(merged)
            if merged_keys[0] > MAX_EXPANDED_NODES:
                raise _TooBig(f"YAML merges (<<) copy more than {MAX_EXPANDED_NODES:,} keys (an alias bomb?); refusing it",
                              source.start_mark)
            for key, value in merged.items():
                mapping.setdefault(key, value)
    return mapping


def _first_key(node: yaml.Node, key: Any, memo: dict[int, Any], merged_keys: list[int]) -> yaml.Node:
    """The node of the first key of mapping ``node`` equal to ``key`` (for the message about a duplicate key)."""
    first: yaml.Node = next(key_node for key_node, _ in node.value
                            if key_node.tag != _MERGE and _build(key_node, memo, merged_keys) == key)
    return first


def _load(text: str) -> tuple[Any, yaml.Node | None]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    return (None if node is None else _build(node, {}, [0])), node


def parse(text: str) -> Any:
    """Parse one YAML document into plain Python data; problems are raised as :class:`YamlProblem`."""
    return parse_with_nodes(text)[0]


def parse_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """:func:`parse`, also returning the composed nodes, which know every value's position."""
    try:
        data, node = _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(f"invalid YAML: {message}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem("YAML nested too deeply") from None
    except _TooBig as exc:
        raise YamlProblem(exc.message, exc.mark.line + 1, exc.mark.column + 1) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value libyaml accepted but Python cannot build
        raise YamlProblem(f"invalid YAML value: {exc}") from None
    if "&" in text:  # only documents with anchors can hold aliases
        _check_expansion(data)  # a problem of the whole document: located at its start
    return data, node


def _check_expansion(data: Any) -> None:
    """Refuse documents whose aliases would expand past MAX_EXPANDED_NODES nodes or MAX_EXPANDED_CHARS characters.

    Counting nodes alone lets a few aliases of one long string through: 190,000
    aliases of a 1 MB string are few nodes, but every consumer that copies the
    data (JSON for the record cache, validation, output) would build 190 GB.
    Sizes are computed once per distinct object (aliases share objects), so the
    check itself runs in time proportional to the document, not its expansion.
    Nesting is bounded too: anchors each within :data:`MAX_DEPTH` can alias one
    another into a document nested far deeper.
    """
    sizes: dict[int, tuple[int, int, int]] = {}
    active: set[int] = set()

    def weigh(obj: Any) -> tuple[int, int, int]:  # nodes, characters, nesting
        if not isinstance(obj, dict | list):
            return 1, len(obj) if isinstance(obj, str) else 8, 0
        key = id(obj)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in active:
            raise YamlProblem("recursive YAML alias (a node that contains itself)")
        active.add(key)
        nodes, chars, depth = 1, 0, 0
        children: Iterable[Any] = obj.values() if isinstance(obj, dict) else obj
        if isinstance(obj, dict):
            chars += sum(len(k) if isinstance(k, str) else 8 for k in obj)
        for child in children:
            more_nodes, more_chars, more_depth = weigh(child)
            nodes += more_nodes
            chars += more_chars
            depth = max(depth, more_depth)
            if nodes > MAX_EXPANDED_NODES:
                raise YamlProblem(
                    f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); refusing it"
                )
            if chars > MAX_EXPANDED_CHARS:
                raise YamlProblem(
                    f"YAML aliases expand to more than {MAX_EXPANDED_CHARS:,} characters (an alias bomb?); refusing it"
                )
        if depth + 1 > MAX_DEPTH:  # aliases nest what each anchor keeps shallow
            raise YamlProblem(f"YAML aliases nest more than {MAX_DEPTH} levels deep; refusing it")
        active.discard(key)
        sizes[key] = nodes, chars, depth + 1
        return nodes, chars, depth + 1

    try:
        weigh(data)
    except RecursionError:
        raise YamlProblem("YAML nested too deeply") from None
