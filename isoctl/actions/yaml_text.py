"""YAML text for values written into records, and for whole new record files.

Scalars are quoted exactly as much as YAML 1.2 needs: ruamel.yaml's
round-trip emitter (``typ="rt"``, a width so large nothing is re-wrapped)
decides, so a value never reads back as another type. Collections come out in
flow style (``[a, b]``, ``{on: 2026-07-02, by: akhan}``) or as block mappings,
multi-line text as a block scalar when one can carry it exactly. Nothing here
reads a file; reading actions never import this module, so ``action show`` and
``action list`` do not pay for ruamel.yaml.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString


def _key(name: str, quoted: Mapping[str, str]) -> str:
    quote = quoted.get(name, "")
    return f"{quote}{name}{quote}"


def block_mapping(value: Mapping[str, Any], indent: int, step: int, newline: str,
                  quoted: Mapping[str, str] | None = None) -> str:
    """A block mapping's lines, the first without its indentation (it follows the key or a line break)."""
    quoted = quoted or {}
    lines = []
    for name, item in value.items():
        if item is None:
            continue
        if isinstance(item, str) and "\n" in item:
            piece = block_scalar(item, "|", indent + step, newline) or inline_scalar(item, flow=False)
        elif isinstance(item, Mapping | list):
            piece = flow_value(item, quoted)
        else:
            piece = inline_scalar(item, flow=False)
        key = _key(name, quoted)
        lines.append(f"{key}: {piece}" if piece else f"{key}:")
    return (newline + " " * indent).join(lines)


def record_text(fields: Mapping[str, Any], header: str = "") -> str:
    """A new record file: one block mapping, lists in flow style, multi-line text as ``|-`` blocks."""
    lines = [header.rstrip("\n")] if header else []
    for key, value in fields.items():
        if value is None or value == []:
            continue
        if isinstance(value, Mapping):
            lines.append(f"{key}:\n  " + block_mapping(value, 2, 2, "\n"))
        elif isinstance(value, list):
            lines.append(f"{key}: {flow_value(value)}")
        else:
            block = block_scalar(value, "|", 2, "\n") if isinstance(value, str) and "\n" in value else None
            lines.append(f"{key}: {block or inline_scalar(value, flow=False)}")
    return "\n".join(lines) + "\n"


def block_scalar(text: str, style: str, indent: int, newline: str) -> str | None:
    """``|-`` / ``>`` block scalar text for ``text``; None when a block scalar cannot carry it exactly."""
    if not text.endswith("\n"):
        chomp, body = "-", text
    elif text.endswith("\n\n"):
        chomp, body = "+", text[:-1]
    else:
        chomp, body = "", text[:-1]
    lines = body.split("\n")
    content = [line for line in lines if line.strip()]
    if (
        not content
        or content[0][0] in " \t"
        or any(line and not line.strip() for line in lines)
        or any(ch in text for ch in "\r\x85\u2028\u2029")
        or any(not (ch.isprintable() or ch == "\t") for line in lines for ch in line)
    ):
        return None
    if style == ">" and len(lines) > 1:
        style = "|"  # folding would join the lines
    return style + chomp + "".join(newline + (" " * indent + line if line else "") for line in lines)


_EMITTER: YAML | None = None


def _emitter() -> YAML:
    global _EMITTER
    if _EMITTER is None:
        _EMITTER = YAML(typ="rt")
        _EMITTER.width = 1 << 30  # never wrap a value
        _EMITTER.allow_unicode = True
    return _EMITTER


def inline_scalar(value: Any, *, flow: bool, quote: str | None = None) -> str:
    """One-line YAML for a scalar, quoted exactly as much as ruamel.yaml finds necessary (or as ``quote``)."""
    if value is None:
        return "null" if flow else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    wrapped: str = text
    if quote == "'":
        wrapped = SingleQuotedScalarString(text)
    elif quote == '"':
        wrapped = DoubleQuotedScalarString(text)
    mapping = CommentedMap([("k", wrapped)])
    if flow:
        mapping.fa.set_flow_style()
    buffer = io.StringIO()
    _emitter().dump(mapping, buffer)
    dumped = buffer.getvalue().rstrip("\n")
    dumped = dumped[4:-1] if flow else dumped[3:]
    if "\n" in dumped:  # pragma: no cover - the emitter broke a line after all
        return json.dumps(text, ensure_ascii=False)
    return dumped


def flow_value(value: Any, quoted: Mapping[str, str] | None = None) -> str:
    """Flow-style YAML for any value (inside ``{...}`` or ``[...]``)."""
    quoted = quoted or {}
    if isinstance(value, Mapping):
        pairs = (f"{_key(k, quoted)}: {flow_value(v, quoted)}" for k, v in value.items() if v is not None)
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_value(v, quoted) for v in value) + "]"
    return inline_scalar(value, flow=True)
