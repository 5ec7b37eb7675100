"""Reading YAML: fast, safe against hostile input, and precise about where a problem is."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from isoctl.files import positions, yamlio


def test_parses_plain_data_with_dates() -> None:
    data = yamlio.parse("id: ACT-1\ndue: 2026-03-01\ntags: [a, b]\n")
    assert str(data["due"]) == "2026-03-01" and data["tags"] == ["a", "b"]


def test_syntax_error_is_located() -> None:
    with pytest.raises(yamlio.YamlProblem) as caught:
        yamlio.parse("id: ACT-1\nstatus: [open\nowner: x\n")
    assert (caught.value.line, caught.value.column) == (3, 6)
    assert "invalid YAML" in caught.value.message


def test_duplicate_keys_are_refused_at_the_second_key() -> None:
    with pytest.raises(yamlio.YamlProblem) as caught:
        yamlio.parse("id: A\nstatus: open\nowner: x\nstatus: closed\n")
    assert (caught.value.line, caught.value.column) == (4, 1)
    assert "duplicate key 'status' (first defined on line 2)" in caught.value.message


def test_merge_keys_still_work() -> None:
    assert yamlio.parse("base: &b {a: 1}\nthing:\n  <<: *b\n  c: 2\n")["thing"] == {"a": 1, "c": 2}
    assert yamlio.parse("base: &b {a: 1}\nthing:\n  <<: *b\n  a: 2\n")["thing"] == {"a": 2}  # an override, not a duplicate
    with pytest.raises(yamlio.YamlProblem, match="duplicate key 'c'"):
        yamlio.parse("base: &b {a: 1}\nthing:\n  <<: *b\n  c: 2\n  c: 3\n")


def test_billion_laughs_is_refused_quickly() -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    with pytest.raises(yamlio.YamlProblem) as caught:
        yamlio.parse("\n".join(levels) + "\n")
    assert "alias bomb" in caught.value.message
    assert time.perf_counter() - started < 5  # generous: the point is "does not hang"


def test_modest_alias_use_is_fine() -> None:
    data = yamlio.parse("owner: &o jsmith\nother: *o\nlist: &l [1, 2]\nagain: *l\n")
    assert data["other"] == "jsmith" and data["again"] == [1, 2]


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(yamlio.YamlProblem, match="recursive"):
        yamlio.parse("a: &a [1, *a]\n")


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    binary = tmp_path / "logo.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(yamlio.YamlProblem, match="binary file"):
        yamlio.read_text(binary)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: ok\nowner: Jos\xe9\n".encode("latin-1"))
    with pytest.raises(yamlio.YamlProblem) as caught:
        yamlio.read_text(latin)
    assert (caught.value.line, caught.value.column) == (2, 11)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufefftitle: Café\n".encode())
    assert yamlio.parse(yamlio.read_text(path)) == {"title": "Café"}


def test_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(yamlio.MAX_BYTES + 1)
    with pytest.raises(yamlio.YamlProblem, match="over the"):
        yamlio.read_text(path)


def test_locate_finds_keys_and_values() -> None:
    text = "id: A\nfindings:\n  - id: F1\n    type: major\n  - id: F2\n    typo: minor\n"
    root = positions.compose(text)
    assert positions.locate(root, ["findings", 1, "typo"]) == (6, 11)
    assert positions.locate(root, ["findings", 1, "typo"], key=True) == (6, 5)
    assert positions.locate(root, ["findings", 7, "type"]) == (3, 3)  # deepest existing node
    assert positions.locate(None, ["x"]) == (1, 1)
