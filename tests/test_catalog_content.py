"""The shipped catalogs are complete and exact: every clause of every edition, as the reference lists it."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from conftest import REFERENCE

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

EDITIONS_WITH_REFERENCE = [
    "iso9001-2015", "iso9001-2026", "iso14001-2015", "iso14001-2026",
    "iso27001-2022", "iso45001-2018", "iso22301-2019",
]

# (edition, entries, {depth: count} over clauses 4-10, untitled paragraphs)
COUNTS = [
    ("iso9001-2015", 91, {1: 7, 2: 28, 3: 50, 4: 6}, 16),
    ("iso9001-2026", 91, {1: 7, 2: 27, 3: 51, 4: 6}, 14),
    ("iso14001-2015", 45, {1: 7, 2: 22, 3: 16}, 0),
    ("iso14001-2026", 49, {1: 7, 2: 22, 3: 20}, 0),
    ("iso27001-2022", 134, {1: 7, 2: 23, 3: 11}, 0),
    ("iso27001-2013", 163, {1: 7, 2: 22, 3: 6}, 0),
    ("iso45001-2018", 56, {1: 7, 2: 23, 3: 20, 4: 6}, 0),
    ("iso22301-2019", 81, {1: 7, 2: 26, 3: 34, 4: 14}, 17),
    ("hs", 36, {1: 7, 2: 21, 3: 8}, 0),
]

AMENDED = ["iso9001-2015", "iso14001-2015", "iso27001-2022", "iso45001-2018", "iso22301-2019"]


def reference(name: str) -> Any:
    return yaml.safe_load((REFERENCE / f"{name}.yaml").read_text(encoding="utf-8"))


def test_every_edition_is_shipped(catalogs: Catalogs) -> None:
    assert set(catalogs.editions) == {row[0] for row in COUNTS}


@pytest.mark.parametrize(("edition_id", "entries", "depths", "untitled"), COUNTS)
def test_counts_per_edition_and_depth(catalogs: Catalogs, edition_id: str, entries: int, depths: dict[int, int],
                                      untitled: int) -> None:
    edition = catalogs.editions[edition_id]
    assert len(edition.clauses) == entries
    assert dict(Counter(c.depth for c in edition.requirement_clauses)) == depths
    assert sum(c.untitled for c in edition.clauses) == untitled


@pytest.mark.parametrize("edition_id", EDITIONS_WITH_REFERENCE)
def test_ids_titles_and_parents_match_the_reference(catalogs: Catalogs, edition_id: str) -> None:
    edition = catalogs.editions[edition_id]
    expected = [(e["id"], e["title"], e.get("parent")) for e in reference(edition_id)]
    actual = [(c.id, c.title, c.parent if not c.is_annex else None) for c in edition.clauses]
    assert actual == expected


def test_annex_a_2022_has_93_controls_by_theme(catalogs: Catalogs) -> None:
    controls = catalogs.editions["iso27001-2022"].controls
    assert len(controls) == 93
    assert Counter(c.theme for c in controls) == {"organizational": 37, "people": 8, "physical": 14, "technological": 34}
    assert all(c.theme is not None and c.id.startswith({"organizational": "A.5.", "people": "A.6.", "physical": "A.7.",
                                                        "technological": "A.8."}[c.theme]) for c in controls)


def test_annex_a_2013_has_114_controls_in_14_domains(catalogs: Catalogs) -> None:
    edition = catalogs.editions["iso27001-2013"]
    ref = reference("iso27001-2013-to-2022")
    assert [(c.id, c.title) for c in edition.controls] == [(r["id_2013"], r["title_2013"]) for r in ref["mapping_2013_to_2022"]]
    per_domain = Counter(c.parent for c in edition.controls)
    assert per_domain == {d["id"]: d["controls"] for d in ref["domains_2013"]}


def test_untitled_paragraphs_are_flagged_and_summarised(catalogs: Catalogs) -> None:
    for edition in catalogs.editions.values():
        for clause in edition.clauses:
            assert (clause.title is None) == clause.untitled, (edition.id, clause.id)
            assert len(clause.summary.split()) >= 5, (edition.id, clause.id)


def test_summaries_are_our_own_words(catalogs: Catalogs) -> None:
    """No requirement-style text: no 'shall', at most two sentences, and never just the title again."""
    for edition in catalogs.editions.values():
        for clause in edition.clauses:
            text = clause.summary
            assert not re.search(r"\bshall\b", text, re.I), (edition.id, clause.id)
            assert len(re.findall(r"[.!?](\s|$)", text)) <= 2, (edition.id, clause.id, text)
            assert text.rstrip(".").lower() != (clause.title or "").lower(), (edition.id, clause.id)


def test_every_body_clause_has_considered_expectations(catalogs: Catalogs) -> None:
    for edition in catalogs.editions.values():
        for clause in edition.requirement_clauses:
            assert clause.expects or clause.expects_note, (edition.id, clause.id)
        leaves = [c for c in edition.requirement_clauses if edition.is_leaf(c)]
        assert sum(bool(c.expects) for c in leaves) >= 0.8 * len(leaves), edition.id


@pytest.mark.parametrize("edition_id", AMENDED + ["iso9001-2026", "iso14001-2026"])
def test_climate_determination_is_expected_in_4_1(catalogs: Catalogs, edition_id: str) -> None:
    clause = catalogs.editions[edition_id].by_id["4.1"]
    assert any(e.kind == "issue" and e.has == "climate" for e in clause.expects)


@pytest.mark.parametrize(
    ("edition_id", "clause_id", "expected"),
    [
        ("iso9001-2015", "4.3", "maintain"),
        ("iso9001-2015", "5.2.2", "maintain"),
        ("iso9001-2015", "6.2.1", "maintain"),
        ("iso9001-2015", "7.1.5.1", "retain"),
        ("iso9001-2015", "7.2", "retain"),
        ("iso9001-2015", "8.2.3.2", "retain"),
        ("iso9001-2015", "8.7.2", "retain"),
        ("iso9001-2015", "9.1.1", "retain"),
        ("iso9001-2015", "9.2.2", "retain"),
        ("iso9001-2015", "9.3.3", "retain"),
        ("iso9001-2015", "10.2.2", "retain"),
        ("iso9001-2015", "4.1", "none"),
        ("iso14001-2015", "6.1.2", "maintain"),
        ("iso14001-2015", "9.1.2", "retain"),
        ("iso27001-2022", "4.3", "maintain"),
        ("iso27001-2022", "8.2", "retain"),
        ("iso27001-2022", "9.2.2", "retain"),
        ("iso45001-2018", "7.2", "retain"),
        ("iso22301-2019", "9.3.3", "retain"),
    ],
)
def test_documented_information(catalogs: Catalogs, edition_id: str, clause_id: str, expected: str) -> None:
    assert catalogs.editions[edition_id].by_id[clause_id].documented_information == expected


def test_applicability(catalogs: Catalogs) -> None:
    iso9001 = catalogs.editions["iso9001-2015"]
    assert iso9001.by_id["8.3"].applicability == "excludable"
    assert iso9001.by_id["8.3.4"].applicability == "excludable"
    assert iso9001.by_id["9.2"].applicability == "required"
    assert {c.id.split(".")[0] for c in iso9001.clauses if c.applicability == "excludable"} <= {"7", "8"}
    for edition_id in ("iso14001-2015", "iso14001-2026", "iso45001-2018", "iso22301-2019"):
        assert {c.applicability for c in catalogs.editions[edition_id].clauses} == {"required"}
    for edition_id in ("iso27001-2022", "iso27001-2013"):
        edition = catalogs.editions[edition_id]
        assert {c.applicability for c in edition.requirement_clauses} == {"required"}
        assert {c.applicability for c in edition.controls} == {"soa"}


def test_edition_metadata(catalogs: Catalogs) -> None:
    e = catalogs.editions
    assert (e["iso9001-2015"].status, e["iso9001-2015"].superseded_by) == ("superseded", "iso9001-2026")
    assert (str(e["iso9001-2015"].transition_ends), e["iso9001-2015"].transition_confirmed) == ("2029-09-30", False)
    assert (str(e["iso14001-2015"].transition_ends), e["iso14001-2015"].transition_confirmed) == ("2029-04-30", False)
    assert (str(e["iso27001-2013"].transition_ends), e["iso27001-2013"].transition_confirmed) == ("2025-10-31", True)
    assert e["iso27001-2013"].superseded_by == "iso27001-2022"
    current = {k for k, v in e.items() if v.status == "current"}
    assert current == {"hs", "iso9001-2026", "iso14001-2026", "iso27001-2022", "iso45001-2018", "iso22301-2019"}
    for edition_id in AMENDED:
        assert [a.id for a in e[edition_id].amendments] == ["Amd 1:2024"], edition_id
        assert str(e[edition_id].amendments[0].date) == "2024-02-23"
    for edition_id in ("iso9001-2026", "iso14001-2026", "iso27001-2013"):
        assert e[edition_id].amendments == []
