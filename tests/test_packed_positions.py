"""Positions a helper process sends packed are read one at a time, exactly as the whole index says."""

from __future__ import annotations

import json

from isoctl.files import yamlio
from isoctl.workspace.read import _unpack

ODD = '''\
- id: R-1
  kind: risk
  "quote\\"d": 1
  'it''s': 2
  "[0, 'title']": 3
  ünï: {a: [1, {b: 2}]}
  "x\\":[": 4
- id: R-2
  kind: risk
  title: "[0, 'title']"
'''


def test_every_packed_position_is_read_as_the_whole_index_says() -> None:
    _, root = yamlio.parse_with_nodes(ODD)
    index = yamlio.position_index(root, line_offset=2)
    packed = json.dumps(index, separators=(",", ":"))
    assert len(index) > 20
    for key, position in index.items():
        assert _unpack(packed, key) == tuple(position), key


def test_a_position_not_in_the_index_is_none() -> None:
    _, root = yamlio.parse_with_nodes(ODD)
    packed = json.dumps(yamlio.position_index(root, depth=1), separators=(",", ":"))
    assert _unpack(packed, "[0, 'ünï', 'a']") is None
    assert _unpack(packed, "[7]") is None
    assert _unpack("{}", "[]") is None
