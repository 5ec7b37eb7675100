"""Corrections to the shipped catalogs after a review against public sources, each as a user meets it.

Titles as the standard prints them, documented information where the text
demands it, headings that demand nothing themselves, expectations that an
unrelated record cannot meet, ``hs:10.1`` reaching the 2015-era 10.1
*General*, and the control objectives of ISO/IEC 27001:2013 as headings.
The summaries are covered by ``test_catalog_content.py``'s own-words check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from helpers import MANIFEST, Cli, MakeWorkspace

from isoctl.catalog.refs import parse_ref

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

TODAY = "2026-03-01"


def manifest(*standards: str) -> str:
    return MANIFEST.replace("standards: [iso9001:2015]", f"standards: [{', '.join(standards)}]")


def gap(cli: Cli, root: Path, edition_id: str) -> dict[str, dict[str, Any]]:
    """``isoctl gap -f json`` for one edition: clause id -> {status, records, reasons, title}."""
    result = cli("gap", str(root), "-f", "json", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    return {c["clause"]: c for c in json.loads(result.stdout)["clauses"] if c["standard"] == edition_id}


APPROVED = "status: approved, approved_by: jsmith, approved_on: 2026-01-15"


# --- titles --------------------------------------------------------------------------------------------------------

#: ISO/IEC 27001:2022 Table A.1 wording, and ISO/IEC 27002:2022's wording of the same control where it differs.
TABLE_A1 = {
    "A.5.21": ("Managing information security in the information and communication technology (ICT) supply chain",
               "Managing information security in the ICT supply chain"),
    "A.5.34": ("Privacy and protection of personal identifiable information (PII)", "Privacy and protection of PII"),
    "A.8.1": ("User end point devices", "User endpoint devices"),
}


@pytest.mark.parametrize(("control", "title", "alt_title"), [(k, *v) for k, v in TABLE_A1.items()])
def test_annex_a_titles_are_27001s_with_27002s_wording_beside(cli: Cli, control: str, title: str, alt_title: str) -> None:
    out = cli("standards", "show", f"iso27001:{control}").stdout
    assert out.startswith(f"iso27001-2022 {control} {title}\nalso written: {alt_title}\n")


def test_no_other_2022_control_has_a_second_wording(catalogs: Catalogs) -> None:
    controls = catalogs.editions["iso27001-2022"].controls
    assert {c.id: (c.title, c.alt_title) for c in controls if c.alt_title} == TABLE_A1


def test_gap_names_the_control_as_27001_does(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(manifest=manifest("iso27001:2022"))
    assert gap(cli, root, "iso27001-2022")["A.8.1"]["title"] == "User end point devices"


# --- documented information ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("edition_id", ["iso27001-2013", "iso27001-2022"])
def test_27001_risk_work_objectives_and_operation_keep_records(catalogs: Catalogs, edition_id: str) -> None:
    edition = catalogs.editions[edition_id]
    demanded = {cid: edition.by_id[cid].documented_information for cid in ("6.1.2", "6.1.3", "6.2", "8.1")}
    assert demanded == {"6.1.2": "retain", "6.1.3": "both", "6.2": "retain", "8.1": "retain"}


@pytest.mark.parametrize(("old", "new"), [("A.8.1.3", "A.5.10"), ("A.13.2.4", "A.6.6"), ("A.16.1.5", "A.5.26")])
def test_2013_controls_demand_documents_as_their_2022_successors_do(catalogs: Catalogs, old: str, new: str) -> None:
    (table,) = [t for t in catalogs.transitions if t.from_ == "iso27001-2013"]
    assert any(row.from_ == [old] and new in row.to for row in table.rows)
    before, after = catalogs.editions["iso27001-2013"].by_id[old], catalogs.editions["iso27001-2022"].by_id[new]
    assert before.documented_information == after.documented_information == "maintain"
    assert any(e.kind == "document" for e in before.expects)


def test_headings_demand_nothing_of_their_own(catalogs: Catalogs) -> None:
    """A clause with sub-clauses is judged by them (coverage rolls up): it demands and expects nothing itself."""
    for edition in catalogs.editions.values():
        for clause in edition.clauses:
            if not edition.is_leaf(clause):
                assert (clause.documented_information, clause.expects) == ("none", []), (edition.id, clause.id)
                assert clause.expects_note, (edition.id, clause.id)


@pytest.mark.parametrize(
    ("edition_id", "heading", "demand"),
    [
        ("iso22301-2019", "4.2", "maintain"), ("iso22301-2019", "4.3", "maintain"), ("iso22301-2019", "5.2", "maintain"),
        ("iso22301-2019", "6.2", "maintain"), ("iso22301-2019", "8.2", "maintain"), ("iso22301-2019", "8.4", "maintain"),
        ("iso22301-2019", "8.4.2", "maintain"), ("iso22301-2019", "8.4.3", "maintain"),
        ("iso22301-2019", "8.4.4", "maintain"), ("iso22301-2019", "9.2", "retain"), ("iso22301-2019", "9.3", "retain"),
        ("iso22301-2019", "9.3.3", "retain"), ("iso22301-2019", "10.1", "retain"),
        ("iso9001-2026", "5.2", "maintain"), ("iso9001-2026", "7.1.5", "retain"),
    ],
)
def test_what_a_heading_used_to_claim_is_demanded_below_it(catalogs: Catalogs, edition_id: str, heading: str,
                                                           demand: str) -> None:
    edition = catalogs.editions[edition_id]
    below = [c for c in edition.clauses if c.id.startswith(heading + ".")]
    assert any(c.documented_information in (demand, "both") for c in below)


def test_9001_2026_8_5_1_demands_what_2015_did(catalogs: Catalogs) -> None:
    demanded = {e: catalogs.editions[e].by_id["8.5.1"].documented_information for e in ("iso9001-2015", "iso9001-2026")}
    assert demanded == {"iso9001-2015": "maintain", "iso9001-2026": "maintain"}


# --- expectations an unrelated record cannot meet ------------------------------------------------------------------

UNRELATED = {
    "people/competence.yaml": "- {id: CMP-1, kind: competence, title: Forklift licence, person: akhan, role: Forklift driver,"
                              " course: Counterbalance forklift, completed_on: 2026-01-10}\n",
    "objectives/fuel.yaml": "- {id: OBJ-FUEL, kind: objective, title: Fuel use per delivery, target: 10, direction: decrease,"
                            " measurements: [{date: 2026-02-01, value: 12}]}\n",
}


def test_people_awareness_and_customer_satisfaction_need_records_of_their_own(cli: Cli,
                                                                               make_workspace: MakeWorkspace) -> None:
    root = make_workspace(UNRELATED)
    clauses = gap(cli, root, "iso9001-2015")
    for clause in ("7.1.2", "7.3", "9.1.2"):  # a forklift licence and a fuel objective evidence none of them
        assert (clauses[clause]["status"], clauses[clause]["records"]) == ("missing", []), clause
    make_workspace({
        "procedures/induction.yaml": f"- {{id: PRO-INDUCTION, kind: document, type: procedure, title: Induction and staffing,"
                                     f" {APPROVED}, clauses: [iso9001:7.1.2, iso9001:7.3]}}\n",
        "records/survey.yaml": f"- {{id: REC-SURVEY, kind: document, type: record, title: Customer survey 2025, {APPROVED},"
                               f" clauses: [iso9001:9.1.2]}}\n",
    })
    clauses = gap(cli, root, "iso9001-2015")
    assert {c: (clauses[c]["status"], clauses[c]["records"]) for c in ("7.1.2", "7.3", "9.1.2")} == {
        "7.1.2": ("covered", ["PRO-INDUCTION"]), "7.3": ("covered", ["PRO-INDUCTION"]), "9.1.2": ("covered", ["REC-SURVEY"]),
    }


def action(verified: bool) -> str:
    check = ", verification: {on: 2026-02-20, by: jsmith, effective: true}" if verified else ""
    return (f"- {{id: ACT-1, kind: action, type: nonconformity, title: Wrong labels, raised_on: 2026-01-05,"
            f" root_cause: No label check, corrective_action: Check added, status: closed, closed_on: 2026-01-20{check}}}\n")


@pytest.mark.parametrize(
    ("standard", "edition_id", "clause"),
    [
        ("iso45001:2018", "iso45001-2018", "10.2"),
        ("iso27001:2022", "iso27001-2022", "10.2"),
        ("iso27001:2013", "iso27001-2013", "10.1"),  # 2013 numbers nonconformity 10.1
        ("iso9001:2015", "iso9001-2015", "10.2.1"),  # as 9001 always did
    ],
)
def test_corrective_action_is_checked_for_effectiveness(cli: Cli, make_workspace: MakeWorkspace, standard: str,
                                                        edition_id: str, clause: str) -> None:
    root = make_workspace({"actions/a.yaml": action(verified=False)}, manifest=manifest(standard))
    found = gap(cli, root, edition_id)[clause]
    assert found["status"] == "partial"
    assert any("has verification" in reason for reason in found["reasons"]), found["reasons"]
    make_workspace({"actions/a.yaml": action(verified=True)}, manifest=manifest(standard))
    assert gap(cli, root, edition_id)[clause]["status"] == "covered"


def risk(risk_id: str, clause: str) -> str:
    return (f"- {{id: {risk_id}, kind: risk, title: Risk {risk_id}, likelihood: 2, impact: 3, treatment: mitigate,"
            f" reviewed_on: 2026-01-10, clauses: [{clause}]}}\n")


def test_22301_risk_assessment_is_not_met_by_the_systems_own_risks(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace({"risks/system.yaml": risk("RSK-1", "iso22301:6.1.1")}, manifest=manifest("iso22301:2019"))
    clauses = gap(cli, root, "iso22301-2019")
    assert clauses["6.1.1"]["records"] == ["RSK-1"]
    assert (clauses["8.2.3"]["status"], clauses["8.2.3"]["records"]) == ("missing", [])
    make_workspace({"risks/disruption.yaml": risk("RSK-BC-1", "iso22301:8.2.3")}, manifest=manifest("iso22301:2019"))
    clauses = gap(cli, root, "iso22301-2019")
    assert (clauses["8.2.3"]["status"], clauses["8.2.3"]["records"]) == ("covered", ["RSK-BC-1"])


SOA_ROW = ("- {{id: SOA-{n}, kind: control, title: Row, control: 'iso27001:{control}', applicable: true,"
           " justification: Needed, status: implemented, implementation: Done as the procedure says}}\n")


def audit(audit_type: str, auditor: bool = True) -> str:
    by = ", auditor: Katrin Vogel (Auditwerk GmbH)" if auditor else ""
    return f"- {{id: AUD-1, kind: audit, type: {audit_type}, status: done, date: 2026-01-20, title: Audit{by}}}\n"


def test_independent_review_needs_a_review_of_the_isms(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {"soa.yaml": SOA_ROW.format(n="5.35", control="A.5.35"), "audits/a.yaml": audit("supplier")}
    root = make_workspace(files, manifest=manifest("iso27001:2022"))
    found = gap(cli, root, "iso27001-2022")["A.5.35"]
    assert found["status"] == "partial"  # a supplier audit reviews the supplier, not the ISMS
    assert any(reason.startswith("no audit (") for reason in found["reasons"]), found["reasons"]
    make_workspace({"audits/a.yaml": audit("internal", auditor=False)}, manifest=manifest("iso27001:2022"))
    assert gap(cli, root, "iso27001-2022")["A.5.35"]["status"] == "partial"  # by nobody in particular
    make_workspace({"audits/a.yaml": audit("internal")}, manifest=manifest("iso27001:2022"))
    assert gap(cli, root, "iso27001-2022")["A.5.35"]["status"] == "covered"


def test_45001_communication_keeps_evidence_of_what_was_communicated(cli: Cli, make_workspace: MakeWorkspace) -> None:
    procedure = f"- {{id: PRO-COMMS, kind: document, type: procedure, title: Communication, {APPROVED}, clauses: [iso45001:7.4]}}\n"
    root = make_workspace({"procedures/comms.yaml": procedure}, manifest=manifest("iso45001:2018"))
    found = gap(cli, root, "iso45001-2018")["7.4.1"]
    assert found["status"] == "partial" and "no document (type=record)" in found["reasons"][0]
    make_workspace({"records/briefings.yaml": f"- {{id: REC-BRIEFINGS, kind: document, type: record, title: Briefing log,"
                                              f" {APPROVED}, clauses: [iso45001:7.4.1]}}\n"}, manifest=manifest("iso45001:2018"))
    assert gap(cli, root, "iso45001-2018")["7.4.1"]["status"] == "covered"


def test_2013_supplier_policy_control_expects_a_policy(cli: Cli, make_workspace: MakeWorkspace) -> None:
    files = {"soa.yaml": SOA_ROW.format(n="15.1.1", control="A.15.1.1"),
             "suppliers.yaml": "- {id: SUP-1, kind: supplier, title: Cloud host, service: Hosting, evaluated_on: 2026-01-10}\n"}
    root = make_workspace(files, manifest=manifest("iso27001:2013"))
    found = gap(cli, root, "iso27001-2013")["A.15.1.1"]
    assert found["status"] == "partial" and found["reasons"][0].startswith("no document (type=policy|procedure)")
    make_workspace({"policies/suppliers.yaml": f"- {{id: POL-SUPPLIERS, kind: document, type: policy, title: Supplier security,"
                                               f" {APPROVED}, clauses: ['iso27001:A.15.1.1']}}\n"}, manifest=manifest("iso27001:2013"))
    assert gap(cli, root, "iso27001-2013")["A.15.1.1"]["status"] == "covered"


# --- harmonized structure ------------------------------------------------------------------------------------------

def test_hs_10_1_reaches_the_2015_era_general_clause_too(catalogs: Catalogs) -> None:
    ref = parse_ref("hs:10.1")
    assert ref is not None
    scope = [catalogs.editions[e] for e in ("iso9001-2015", "iso14001-2015", "iso45001-2018")]
    found = {(e.id, c.id) for e, c in catalogs.resolve(ref, scope)}
    assert {(e, c) for e, c in found if c.count(".") == 1} == {
        (edition.id, number) for edition in scope for number in ("10.1", "10.3")
    }


def test_a_procedure_named_against_hs_10_1_addresses_both(cli: Cli, make_workspace: MakeWorkspace) -> None:
    procedure = (f"- {{id: PRO-IMPROVE, kind: document, type: procedure, title: Improvement, {APPROVED},"
                 f" clauses: [hs:10.1]}}\n")
    clauses = gap(cli, make_workspace({"procedures/improve.yaml": procedure}), "iso9001-2015")
    assert clauses["10.1"]["records"] == clauses["10.3"]["records"] == ["PRO-IMPROVE"]


@pytest.mark.parametrize("hs_id", ["9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3"])
def test_hs_sub_clauses_reach_a_clause_an_edition_leaves_undivided(catalogs: Catalogs, hs_id: str) -> None:
    ref = parse_ref(f"hs:{hs_id}")
    assert ref is not None
    scope = [catalogs.editions[e] for e in ("iso9001-2015", "iso14001-2015", "iso45001-2018", "iso27001-2013")]
    undivided = hs_id[:3]
    assert {(e.id, c.id) for e, c in catalogs.resolve(ref, scope)} == {
        ("iso9001-2015", hs_id),
        ("iso14001-2015", hs_id if undivided == "9.2" else undivided),
        ("iso45001-2018", hs_id if undivided == "9.2" else undivided),
        ("iso27001-2013", undivided),
    }


def test_hs_6_3_still_reaches_nothing_where_there_is_no_6_3(catalogs: Catalogs) -> None:
    ref = parse_ref("hs:6.3")
    assert ref is not None
    assert catalogs.resolve(ref, [catalogs.editions["iso14001-2015"], catalogs.editions["iso45001-2018"]]) == []


def test_a_review_named_against_hs_9_3_3_addresses_an_undivided_management_review(cli: Cli,
                                                                                  make_workspace: MakeWorkspace) -> None:
    review = ("- {id: MR-2026, kind: review, title: Management review 2026, date: 2026-02-10, attendees: [jsmith],"
              " outputs: {decisions: [Keep the fleet plan]}, clauses: [hs:9.3.3]}\n")
    root = make_workspace({"reviews/mr.yaml": review}, manifest=manifest("iso14001:2015", "iso45001:2018"))
    result = cli("check", str(root), "-f", "json", "--today", TODAY)
    assert not [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "unknown-clause"]
    for edition_id in ("iso14001-2015", "iso45001-2018"):
        assert "MR-2026" in gap(cli, root, edition_id)["9.3"]["records"]


# --- ISO/IEC 27001:2013 control objectives ------------------------------------------------------------------------

def test_2013_control_objectives_are_headings_over_their_controls(cli: Cli) -> None:
    out = cli("standards", "show", "iso27001-2013:A.9.2").stdout
    assert out.startswith("iso27001-2013 A.9.2 User access management\n")
    assert "part of                 A.9 Access control" in out
    assert "sub-clauses             A.9.2.1, A.9.2.2, A.9.2.3, A.9.2.4, A.9.2.5, A.9.2.6" in out


def test_a_record_naming_a_2013_control_objective_addresses_its_controls(cli: Cli, make_workspace: MakeWorkspace) -> None:
    procedure = (f"- {{id: PRO-ACCESS, kind: document, type: procedure, title: User access, {APPROVED},"
                 f" clauses: ['iso27001:A.9.2', 'iso27001:A.12.4']}}\n")
    root = make_workspace({"procedures/access.yaml": procedure}, manifest=manifest("iso27001:2013"))
    result = cli("check", str(root), "-f", "json", "--today", TODAY)
    assert not [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "unknown-clause"]
    clauses = gap(cli, root, "iso27001-2013")
    assert [c for c, item in clauses.items() if "PRO-ACCESS" in item["records"]] == [
        "A.9.2", "A.9.2.1", "A.9.2.2", "A.9.2.3", "A.9.2.4", "A.9.2.5", "A.9.2.6",
        "A.12.4", "A.12.4.1", "A.12.4.2", "A.12.4.3", "A.12.4.4",
    ]


def test_the_27001_transition_places_every_objective_through_its_controls(catalogs: Catalogs) -> None:
    """The table has no rows for the objectives: each goes where its controls go, and those all have rows."""
    (table,) = [t for t in catalogs.transitions if t.from_ == "iso27001-2013"]
    placed = {clause for row in table.rows for clause in row.from_}
    edition = catalogs.editions["iso27001-2013"]
    objectives = [c for c in edition.clauses if c.is_annex and c.id.count(".") == 2]
    assert len(objectives) == 35
    for objective in objectives:
        assert objective.id not in placed
        assert {c.id for c in edition.children[objective.id]} <= placed


def test_a_clause_is_found_by_its_other_title_too(cli: Cli) -> None:
    """Searching with the ISO/IEC 27002 wording still finds the control that 27001 titles differently."""
    result = cli("standards", "show", "iso27001-2022", "endpoint")
    assert result.exit_code == 2
    assert "did you mean A.8.1 (User end point devices)?" in result.stderr
