"""Harmonized-structure links and transition tables connect the right clauses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from conftest import REFERENCE

from isoctl.catalog.refs import parse_ref

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs
    from isoctl.catalog.schema import Edition

ALL_CURRENT_SCOPE = ["iso9001-2015", "iso14001-2015", "iso45001-2018", "iso27001-2022", "iso22301-2019"]


def scope(catalogs: Catalogs, ids: list[str]) -> list[Edition]:
    return [catalogs.editions[i] for i in ids]


def resolved(catalogs: Catalogs, ref: str, ids: list[str]) -> set[tuple[str, str]]:
    parsed = parse_ref(ref)
    assert parsed is not None
    return {(e.id, c.id) for e, c in catalogs.resolve(parsed, scope(catalogs, ids))}


def test_hs_10_2_is_nonconformity_in_every_standard(catalogs: Catalogs) -> None:
    found = resolved(catalogs, "hs:10.2", ALL_CURRENT_SCOPE + ["iso27001-2013", "iso9001-2026"])
    tops = {(e, c) for e, c in found if c.count(".") == 1}
    assert tops == {
        ("iso9001-2015", "10.2"),
        ("iso14001-2015", "10.2"),
        ("iso45001-2018", "10.2"),
        ("iso27001-2022", "10.2"),
        ("iso22301-2019", "10.1"),  # 22301:2019 keeps the 2012 order
        ("iso27001-2013", "10.1"),
        ("iso9001-2026", "10.2"),
    }
    for edition_id, clause_id in found:
        title = catalogs.editions[edition_id].by_id[clause_id].title
        assert title is None or "nonconformity" in title.lower()


def test_hs_10_1_is_continual_improvement_in_every_standard(catalogs: Catalogs) -> None:
    found = resolved(catalogs, "hs:10.1", ALL_CURRENT_SCOPE + ["iso9001-2026", "iso14001-2026"])
    assert {(e, c) for e, c in found if c.count(".") == 1} == {
        ("iso9001-2015", "10.1"),  # 10.1 General and 10.3 of the 2015 era became 10.1 of the 2021 structure
        ("iso9001-2015", "10.3"),
        ("iso14001-2015", "10.1"),
        ("iso14001-2015", "10.3"),
        ("iso45001-2018", "10.1"),
        ("iso45001-2018", "10.3"),
        ("iso27001-2022", "10.1"),
        ("iso22301-2019", "10.2"),
        ("iso9001-2026", "10.1"),
        ("iso14001-2026", "10.1"),
    }
    for edition_id, clause_id in found:
        assert catalogs.editions[edition_id].by_id[clause_id].title in ("Continual improvement", "General")


def test_2015_era_10_1_general_is_hs_10_1(catalogs: Catalogs) -> None:
    for edition_id in ("iso9001-2015", "iso14001-2015", "iso45001-2018"):
        assert catalogs.editions[edition_id].by_id["10.1"].hs == "10.1"


@pytest.mark.parametrize("hs_id", ["4.1", "4.2", "4.3", "5.2", "6.2", "7.2", "7.3", "7.5.3", "8.1", "9.2", "9.3"])
def test_common_clauses_reach_every_standard(catalogs: Catalogs, hs_id: str) -> None:
    found = resolved(catalogs, f"hs:{hs_id}", ALL_CURRENT_SCOPE)
    assert {e for e, _ in found} == set(ALL_CURRENT_SCOPE), hs_id


def test_hs_6_3_planning_of_changes(catalogs: Catalogs) -> None:
    found = resolved(catalogs, "hs:6.3", ALL_CURRENT_SCOPE + ["iso9001-2026", "iso14001-2026"])
    assert {e for e, _ in found} == {"iso9001-2015", "iso27001-2022", "iso22301-2019", "iso9001-2026", "iso14001-2026"}


def test_family_reference_resolves_to_the_edition_in_scope(catalogs: Catalogs) -> None:
    assert resolved(catalogs, "iso9001:6.1.3", ["iso9001-2026"]) == {("iso9001-2026", "6.1.3")}
    assert resolved(catalogs, "iso9001:6.1.3", ["iso9001-2015"]) == set()
    assert resolved(catalogs, "iso9001-2015:8.3", ["iso9001-2015", "iso14001-2015"]) == {("iso9001-2015", "8.3")}
    assert resolved(catalogs, "iso27001:A.5.15", ["iso27001-2022"]) == {("iso27001-2022", "A.5.15")}


def test_27001_transition_matches_the_correspondence_table(catalogs: Catalogs) -> None:
    ref = yaml.safe_load((REFERENCE / "iso27001-2013-to-2022.yaml").read_text(encoding="utf-8"))
    (table,) = [t for t in catalogs.transitions if t.from_ == "iso27001-2013"]
    predecessors: dict[str, set[str]] = {}
    for row in table.rows:
        for new in row.to:
            if new.startswith("A."):
                predecessors.setdefault(new, set()).update(row.from_)
    expected = {r["id_2022"]: set(r["from_2013"]) for r in ref["mapping_2022_to_2013"]}
    assert predecessors == expected
    added = sorted(r.to[0] for r in table.rows if r.change == "new" and r.to[0].startswith("A."))
    assert added == sorted(c["id"] for c in ref["new_2022_controls"])
    (split,) = [r for r in table.rows if r.from_ == ["A.18.2.3"]]
    assert (split.change, sorted(split.to)) == ("split", ["A.5.36", "A.8.8"])
    swaps = {(tuple(r.from_), tuple(r.to)) for r in table.rows if r.from_ in (["10.1"], ["10.2"])}
    assert swaps == {(("10.1",), ("10.2",)), (("10.2",), ("10.1",))}


def test_14001_transition_matches_the_reference(catalogs: Catalogs) -> None:
    ref = yaml.safe_load((REFERENCE / "iso14001-2015-to-2026.yaml").read_text(encoding="utf-8"))
    (table,) = [t for t in catalogs.transitions if t.from_ == "iso14001-2015"]

    def pairs(rows: Iterable[Mapping[str, Any]]) -> set[tuple[str | None, str | None]]:
        out: set[tuple[str | None, str | None]] = set()
        for row in rows:
            sources = row["from"] if isinstance(row["from"], list) else [row["from"]] if row["from"] else []
            targets = row["to"] if isinstance(row["to"], list) else [row["to"]] if row["to"] else []
            out |= {(s, t) for s in sources or [None] for t in targets or [None]}
        return out

    ours = pairs([{"from": r.from_, "to": r.to} for r in table.rows])
    assert ours == pairs(ref["rows"])
    (merge,) = [r for r in table.rows if r.change == "merged"]
    assert (sorted(merge.from_), merge.to) == (["10.1", "10.3"], ["10.1"])
    assert {r.to[0] for r in table.rows if r.change == "new"} == {"6.1.4", "6.3"}


def test_9001_transition_follows_the_2026_numbering(catalogs: Catalogs) -> None:
    (table,) = [t for t in catalogs.transitions if t.from_ == "iso9001-2015"]
    old, new = catalogs.editions["iso9001-2015"], catalogs.editions["iso9001-2026"]
    (merge,) = [r for r in table.rows if r.change == "merged"]
    assert (sorted(merge.from_), merge.to) == (["10.1", "10.3"], ["10.1"])
    assert [r.to for r in table.rows if r.change == "new"] == [["6.1.3"]]
    for row in table.rows:
        if row.change == "same":
            assert [old.by_id[i].title for i in row.from_] == [new.by_id[i].title for i in row.to], row
        if row.change == "retitled":
            assert [old.by_id[i].title for i in row.from_] != [new.by_id[i].title for i in row.to], row
    retitled = {r.to[0] for r in table.rows if r.change == "retitled"}
    assert {"5.2", "5.3", "6.1.1", "6.1.2", "9.2.1", "9.2.2", "9.3.3"} <= retitled


def test_correspondences_cross_editions(catalogs: Catalogs) -> None:
    edition = catalogs.editions["iso27001-2022"]
    related = catalogs.correspondences(edition, edition.by_id["A.8.8"])
    assert {(c.edition.id, c.clause.id) for c in related} == {("iso27001-2013", "A.12.6.1"), ("iso27001-2013", "A.18.2.3")}
    audit = catalogs.correspondences(edition, edition.by_id["9.2"])
    assert ("iso9001-2015", "9.2") in {(c.edition.id, c.clause.id) for c in audit}
