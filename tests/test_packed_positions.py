"""Positions a helper process sends packed are read one at a time, exactly where composing the file again finds
them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import make_workspace

from isoctl.files import positions, yamlio
from isoctl.workspace.read import _unpack

ODD = '''\
- id: R-1
  kind: risk
  "quote\\"d": 1
  'it''s': 2
  "[0, 'title']": 3
  "tab\\there": 5
  "new\\nline]\\t9,9": 6
  ünï: {a: [1, {b: 2}]}
  "x\\":[": 4
  bank: [[1, 2], {k: v}]
- id: R-2
  kind: risk
  title: "[0, 'title']"
'''


def paths(data: Any, depth: int, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path into ``data`` down to ``depth`` steps (the root's too)."""
    found = [prefix]
    if len(prefix) < depth:
        steps = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
        for step, value in steps:
            found += paths(value, depth, (*prefix, step))
    return found


@pytest.mark.parametrize("offset", [0, 2])
def test_every_packed_position_is_where_composing_the_file_finds_it(offset: int) -> None:
    data, root = yamlio.parse_with_nodes(ODD)
    packed = positions.packed_index(root, line_offset=offset)
    every = paths(data, 4)
    assert len(every) > 20
    for loc in every:
        for key in (False, True):
            line, column = positions.locate(root, loc, key=key)
            assert _unpack(packed, f"{list(loc)}{'k' if key else ''}") == (line + offset, column), (loc, key)


def test_a_position_not_in_the_index_is_none() -> None:
    _, root = yamlio.parse_with_nodes(ODD)
    packed = positions.packed_index(root, depth=1)
    assert _unpack(packed, "[0, 'ünï', 'a']") is None
    assert _unpack(packed, "[0, 'ünï', 'a']k") is None
    assert _unpack(packed, "[7]") is None
    assert _unpack(positions.packed_index(root), "[0, 'ünï', 'a', 1, 'b']") is None  # deeper than the index goes
    assert _unpack(positions.packed_index(None), "[]") is None
    assert _unpack(packed, "[0]k") == _unpack(packed, "[0]") == (1, 3)  # an item: its key form is the item


def test_files_parsed_by_the_second_process_are_located_with_the_positions_it_sent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading on two processes: the helper sends each file's positions with its records, so locating a finding
    in a file it parsed composes no YAML again, and the place is the one a single process finds."""
    from isoctl.workspace import parallel
    from isoctl.workspace.load import load_workspace

    monkeypatch.setenv("ISOCTL_NO_CACHE", "1")
    files = {f"risks/RSK-{n:02}.yaml": f"id: RSK-{n:02}\nkind: risk\n# a comment\ntitle: Risk {n}\nowner: nobody\n"
             for n in range(parallel.PARALLEL_MIN_FILES + 12)}
    root = make_workspace(tmp_path / "ws", files)

    def owners(workspace: Any) -> dict[str, tuple[int, int]]:
        return {r.model.id: r.file.locate(("owner",)) for r in workspace.records}

    monkeypatch.setenv("ISOCTL_NO_PARALLEL", "1")
    serial = owners(load_workspace(root))
    monkeypatch.delenv("ISOCTL_NO_PARALLEL")
    composed: list[str] = []
    real = positions.compose
    monkeypatch.setattr(positions, "compose", lambda text: composed.append(text) or real(text))
    assert owners(load_workspace(root)) == serial == {f"RSK-{n:02}": (5, 8) for n in range(len(files))}
    assert [text for text in composed if "kind: risk" in text] == []  # (the manifest is read on its own)
