"""The shipped catalogs are complete and exact: every clause of every edition, as the reference lists it."""

from __future__ import annotations

import hashlib
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
    ("iso27001-2013", 198, {1: 7, 2: 22, 3: 6}, 0),
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
    """Every clause in order; its title or its alt_title is the reference's title (see test_catalog_corrections for
    which wording is the title)."""
    edition = catalogs.editions[edition_id]
    entries = reference(edition_id)
    expected = [(e["id"], e["title"], e.get("parent")) for e in entries]
    titles = {e["id"]: e["title"] for e in entries}
    actual = [(c.id, titles.get(c.id) if titles.get(c.id) in (c.title, c.alt_title) else c.title,
               c.parent if not c.is_annex else None) for c in edition.clauses]
    assert actual == expected


def test_annex_a_2022_has_93_controls_by_theme(catalogs: Catalogs) -> None:
    controls = catalogs.editions["iso27001-2022"].controls
    assert len(controls) == 93
    assert Counter(c.theme for c in controls) == {"organizational": 37, "people": 8, "physical": 14, "technological": 34}
    assert all(c.theme is not None and c.id.startswith({"organizational": "A.5.", "people": "A.6.", "physical": "A.7.",
                                                        "technological": "A.8."}[c.theme]) for c in controls)


def test_annex_a_2013_has_114_controls_under_35_objectives_in_14_domains(catalogs: Catalogs) -> None:
    edition = catalogs.editions["iso27001-2013"]
    ref = reference("iso27001-2013-to-2022")
    assert [(c.id, _wording2013(c.title, c.alt_title, r)) for c, r in zip(edition.controls, ref["mapping_2013_to_2022"], strict=True)] \
        == [(r["id_2013"], r["title_2013"]) for r in ref["mapping_2013_to_2022"]]
    per_domain = Counter(".".join(c.id.split(".")[:2]) for c in edition.controls)
    assert per_domain == {d["id"]: d["controls"] for d in ref["domains_2013"]}
    domains = [c for c in edition.clauses if c.is_annex and c.parent is None]
    objectives = [c for c in edition.clauses if c.is_annex and c.parent in {d.id for d in domains}]
    assert [d.id for d in domains] == [d["id"] for d in ref["domains_2013"]]
    assert len(objectives) == 35 and all(o.id.count(".") == 2 and o.id.startswith(o.parent + ".") for o in objectives)
    assert all(c.parent == c.id.rsplit(".", 1)[0] for c in edition.controls)  # each control under its objective


def _wording2013(title: str | None, alt_title: str | None, row: dict[str, Any]) -> str | None:
    return row["title_2013"] if row["title_2013"] in (title, alt_title) else title


def test_untitled_paragraphs_are_flagged_and_summarised(catalogs: Catalogs) -> None:
    for edition in catalogs.editions.values():
        for clause in edition.clauses:
            assert (clause.title is None) == clause.untitled, (edition.id, clause.id)
            assert len(clause.summary.split()) >= 5, (edition.id, clause.id)


#: The verbal forms of requirement text (ISO/IEC Directives, Part 2): a summary says what a clause is about, it
#: does not require anything.
NORMATIVE = re.compile(r"\b(shall|should|(is|are) required to)\b", re.I)

#: Stock phrases of ISO drafting, shared by many clauses of many standards. A summary built on them is the
#: standard's sentence turned round ("X shall be managed appropriately" -> "Manage X appropriately"), not an
#: explanation in our own words.
DRAFTING = ("as appropriate", "where appropriate", "where applicable", "to the extent necessary", "in accordance with",
            "appropriately", "information processing facilities", "other relevant", "relevant interested parties")

#: Fingerprints of summaries that a review against the standards found too close to the standard's text: the
#: first 12 hex digits of the SHA-256 of each run of five words (lower case, punctuation dropped) of the rejected
#: wording, so the wording itself stays out of the project. A summary that brings back any of those runs fails,
#: whatever clause it is on. To add a finding, add fingerprints(rejected_summary).
REJECTED = frozenset({
    "0018c25badca", "0166a1805272", "047b2e2d51ca", "06c185c3448c", "07c10f5bde5a", "0bcde471f746", "13746021a9ec",
    "13c9dd44796a", "2153c59f4a0e", "23725e0a73d2", "29535d888f8b", "2a5012c007d8", "2e36f995ad87", "2e4b3f7cac26",
    "38f37c782f7a", "4409b4193d2a", "453c4de05453", "534d994ecb09", "55974704a08f", "5e16e69e0690", "62c5b6276314",
    "64e1cfe3050a", "66b99efa4f99", "6760b4b267b1", "69d66e7d7a7d", "72e38fefc611", "7593433e8e49", "7c69db24a9e7",
    "7df8ebfb259c", "7e5eb1e98288", "8030a0fcc7f6", "8224400b8440", "847b2af9a8f7", "86a67dc8e159", "8963d08448d6",
    "9c5261e75b03", "9c55efce49ad", "9cf84de3af97", "ac78a3d4e3a2", "ac92dfc761ee", "b1ac7292ecae", "b3c264ff9112",
    "b455379d570b", "b99fa6bcb041", "be353b1b2ea2", "c2482702ba74", "c5741604d3e9", "c80f030e9e63", "ccbff8ab7b9c",
    "d1eb4c8d8fd2", "d6e4d914ee8a", "d7f419bd6075", "dd6513777bf8", "e02c46af1bb7", "e0485b6989e1", "e883c9dcac21",
    "f657773ed71c", "fae446c0aa03", "fc7fbc2cce8d", "ff9e95681276",
})


def fingerprints(text: str) -> set[str]:
    """The fingerprint of every run of five words of ``text`` (see REJECTED)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    runs = {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}
    return {hashlib.sha256(run.encode()).hexdigest()[:12] for run in runs}


def not_our_own_words(summary: str, title: str | None) -> list[str]:
    """Why a summary reads as the standard's text rather than ours (empty when it does not)."""
    problems = []
    normative = NORMATIVE.search(summary)
    if normative:
        problems.append(f"requirement wording '{normative.group(0)}'")
    problems += [f"drafting phrase '{phrase}'" for phrase in DRAFTING if re.search(rf"\b{phrase}\b", summary, re.I)]
    if len(re.findall(r"[.!?](\s|$)", summary)) > 2:
        problems.append("more than two sentences")
    if summary.rstrip(".").lower() == (title or "").lower():
        problems.append("only the title again")
    if fingerprints(summary) & REJECTED:
        problems.append("wording a review found too close to the standard's")
    return problems


def test_summaries_are_our_own_words(catalogs: Catalogs) -> None:
    """No requirement wording, no drafting formulas, at most two sentences, never just the title, nothing rejected."""
    found = {(edition.id, clause.id): problems
             for edition in catalogs.editions.values() for clause in edition.clauses
             if (problems := not_our_own_words(clause.summary, clause.title))}
    assert found == {}


@pytest.mark.parametrize(
    ("summary", "problem"),
    [
        ("The organization shall keep its logs.", "requirement wording 'shall'"),
        ("Backups are required to be tested.", "requirement wording 'are required to'"),
        ("Information processing facilities are protected.", "drafting phrase 'information processing facilities'"),
        ("Faults and other relevant events are logged.", "drafting phrase 'other relevant'"),
        ("Media is handled appropriately.", "drafting phrase 'appropriately'"),
        ("Logging", "only the title again"),
    ],
)
def test_the_own_words_check_catches_restated_requirements(summary: str, problem: str) -> None:
    assert problem in not_our_own_words(summary, "Logging")
    assert not_our_own_words("Keep a trail of what people and systems do, so that misuse can be traced.", "Logging") == []


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
        ("iso22301-2019", "9.3.3", "none"),  # a heading: its paragraph 9.3.3.2 asks for the record
        ("iso22301-2019", "9.3.3.2", "retain"),
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
