"""Hostile manifests and records: numbers, dates and scopes no evaluation could use are located, never a crash.

Each case starts from a committed copy of examples/acme-logistics and
changes one thing in ``isoctl.yaml`` or a record. A value in a record or a
setting outside its documented bounds is a located ``schema-error`` (check
exits 1, and gap and the reports still run on the rest); a manifest the
workspace cannot be evaluated with - no list of editions, two editions of
one standard, a format version that is not the whole number 1 - stops
every command with exit 2 and the place to fix.

The bounds (isoctl/model/fields.py): dates 1900-01-01..2999-12-31, periods
1..36,500 days or 1..520 weeks, values finite and within +/-1e15.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import Cli, GitRepo, Run, committed_example

TODAY = "2026-11-21"
MANIFEST = "isoctl.yaml"
SCOPE = "standards: [iso9001:2015, iso14001:2015, iso45001:2018]"


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    root = tmp_path / "acme"
    committed_example(root)
    return root


def edit(root: Path, relative: str, old: str, new: str) -> None:
    """Replace ``old`` once in a file of the workspace and commit the change."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    GitRepo(root).commit(f"hostile {relative}")


def where(root: Path, relative: str, needle: str, nth: int = 1) -> str:
    """``path:line:col`` of the ``nth`` occurrence of ``needle`` in a file of the workspace."""
    text = (root / relative).read_text(encoding="utf-8")
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    before = text[:index]
    return f"{relative}:{before.count(chr(10)) + 1}:{index - before.rfind(chr(10))}"


def located(run: Run) -> set[str]:
    """Findings of ``check -f json`` as ``path:line:col: rule: message``."""
    return {f"{f['path']}:{f['line']}:{f['column']}: {f['rule']}: {f['message']}" for f in json.loads(run.stdout)["findings"]}


def check(cli: Cli, root: Path) -> set[str]:
    return located(cli("check", "--today", TODAY, "-f", "json", cwd=root).expect(1))


# 1. periods in days and weeks are whole numbers within bounds


def test_periods_out_of_bounds_are_located_schema_errors(cli: Cli, acme: Path) -> None:
    edit(acme, "policies/POL-QHSE.md", "approved_on: 2026-01-20\n", "approved_on: 2026-01-20\nreview_every_days: 999999999\n")
    edit(acme, "procedures/PRO-CHANGE.md", "approved_on: 2026-04-21\n", "approved_on: 2026-04-21\nreview_every_days: true\n")
    edit(acme, MANIFEST, "people:\n", "settings:\n  document_review_days: 1000000000000000\n  audit_cycle_days: 0\n"
         "  scramble_weeks: 1000000000000\npeople:\n")
    days = "expected a whole number of days from 1 to 36500 (100 years)"
    expected = {
        ("policies/POL-QHSE.md", "999999999", f"review_every_days: {days}; got 999999999"),
        ("procedures/PRO-CHANGE.md", "true", "review_every_days: expected a whole number; got true"),
        (MANIFEST, "1000000000000000", f"settings.document_review_days: {days}; got 1000000000000000"),
        (MANIFEST, "0\n  scramble", f"settings.audit_cycle_days: {days}; got 0"),
        (MANIFEST, "1000000000000\n", "settings.scramble_weeks: expected a whole number of weeks from 1 to 520 (10 years); "
                                      "got 1000000000000"),
    }
    found = check(cli, acme)
    for relative, value, message in expected:
        assert f"{where(acme, relative, value)}: schema-error: {message}" in found
    # evaluated without the bad values (manifest settings fall back to their defaults), not crashed
    cli("gap", "--today", TODAY, cwd=acme).expect(0)


# 2. dates stay inside 1900-01-01..2999-12-31


def test_dates_outside_the_calendar_are_located_schema_errors(cli: Cli, acme: Path) -> None:
    cases = [
        ("actions/2026.yaml", "due: 2026-03-31", "due: 9999-12-31", "due"),
        ("objectives/OBJ-OTIF.yaml", "{date: 2025-03-31", "{date: 0001-01-01", "measurements[0].date"),
        ("audits/external/EXT-2025-SURV.yaml", "date: 2025-03-10", "date: 0001-01-01", "date"),
        (MANIFEST, "{type: recertification, date: 2024-02-19", "{type: recertification, date: 0001-01-02",
         "certification.iso9001.audits[0].date"),
    ]
    for relative, old, new, _ in cases:
        edit(acme, relative, old, new)
    found = check(cli, acme)
    for relative, _, new, field in cases:
        shown = new[-10:]
        message = f"schema-error: {field}: expected a date from 1900-01-01 to 2999-12-31; got {shown}"
        assert f"{where(acme, relative, shown)}: {message}" in found
    cli("gap", "--today", TODAY, cwd=acme).expect(0)


def test_the_widest_dates_and_periods_still_evaluate(cli: Cli, acme: Path) -> None:
    edit(acme, "policies/POL-QHSE.md", "approved_on: 2026-01-20\n", "approved_on: 2999-12-31\nreview_every_days: 36500\n")
    edit(acme, "actions/2026.yaml", "due: 2026-03-31", "due: 1900-01-01")
    edit(acme, MANIFEST, "people:\n", "settings: {document_review_days: 36500, management_review_days: 36500, "
         "audit_cycle_days: 36500, objective_measure_days: 36500, scramble_weeks: 520}\npeople:\n")
    for today in ("1900-01-01", "2999-12-31"):
        run = cli("check", "--today", today, "-f", "json", cwd=acme)
        assert run.exit_code in (0, 1), run.stderr
        assert not [f for f in json.loads(run.stdout)["findings"] if f["rule"] == "schema-error"]


# 3. values are finite numbers


def test_values_must_be_finite_numbers_and_reports_still_render(cli: Cli, acme: Path, tmp_path: Path) -> None:
    finite = "expected a finite number between -1e15 and 1e15"
    cases = [
        ("objectives/OBJ-OTIF.yaml", "value: 98.5", ".inf", f"measurements[7].value: {finite}; got .inf"),
        ("objectives/OBJ-CSAT.yaml", "target: 8.5", ".nan", f"target: {finite}; got .nan"),
        ("objectives/OBJ-FUEL.yaml", "baseline: 8.4", "-1" + "0" * 400, f"baseline: {finite}; got a number of 401 digits"),
        ("objectives/OBJ-LTIFR.yaml", "target: 0.8", "true", "target: expected a number; got true"),
    ]
    for relative, old, value, _ in cases:
        edit(acme, relative, old, old.split(" ")[0] + " " + value)
    found = check(cli, acme)
    for relative, _, value, message in cases:
        assert f"{where(acme, relative, value)}: schema-error: {message}" in found
    for fmt in ("html", "xlsx"):  # the reports that crashed on .inf: the objective is left out, the pack is written
        out = tmp_path / f"report.{fmt}"
        cli("report", "-f", fmt, "-o", str(out), "--today", TODAY, cwd=acme).expect(0)
        assert out.stat().st_size > 1000


# 4. standards is a non-empty list of editions


def test_standards_must_be_a_non_empty_list(cli: Cli, acme: Path, tmp_path: Path) -> None:
    cases = [
        ("standards: iso9001:2015", "iso9001", "standards: expected a list of editions; got 'iso9001:2015'"),
        ("standards: []", "[]", "standards: the list is empty; name at least one edition in scope"),
        ("standards: [iso9001:2015, {iso14001: 2015}]", "{iso14001",
         "standards[1]: expected an edition such as iso9001:2015; got a mapping"),
    ]
    scope = SCOPE
    for new, value, message in cases:
        edit(acme, MANIFEST, scope, new)
        scope = new
        expected = f"{where(acme, MANIFEST, value)}: {message}"
        cli("check", cwd=acme).expect(2, expected)
        cli("gap", cwd=acme).expect(2, expected)
        cli("report", "-f", "html", "-o", str(tmp_path / "r.html"), cwd=acme).expect(2, expected)
        assert not (tmp_path / "r.html").exists()


# 5. a person id is defined once: a finding (like a duplicate record id), the first entry counts


def test_a_duplicate_person_is_reported_and_the_first_entry_counts(cli: Cli, acme: Path) -> None:
    edit(acme, MANIFEST, "  - {id: bcarter,", "  - {id: skhan, name: Someone Else, top_management: true}\n  - {id: bcarter,")
    first = where(acme, MANIFEST, "skhan").rsplit(":", 1)[0]
    message = (f"{where(acme, MANIFEST, 'skhan', nth=2)}: duplicate-id: people: duplicate person id 'skhan' "
               f"(first used at {first}); the first entry counts")
    assert message in check(cli, acme)
    cli("gap", "--today", TODAY, cwd=acme).expect(0)

    from isoctl.workspace.load import load_manifest

    people = [p for p in load_manifest(acme)[0].people if p.id == "skhan"]
    assert [(p.name, p.top_management) for p in people] == [("Sana Khan", False)]


# 6. one edition per standard


def test_two_editions_of_one_standard_exit_2(cli: Cli, acme: Path, tmp_path: Path) -> None:
    edit(acme, MANIFEST, SCOPE, "standards: [iso9001:2015, iso14001:2015, iso9001:2026]")
    expected = (f"{where(acme, MANIFEST, 'iso9001:2026')}: standards: iso9001:2015 and iso9001:2026 are two editions of "
                "iso9001; choose one edition")
    for args in (("check",), ("gap",), ("report", "-f", "xlsx", "-o", str(tmp_path / "r.xlsx"))):
        cli(*args, cwd=acme).expect(2, expected).expect(2, "isoctl migrate")


def test_an_unusable_manifest_in_a_past_commit_names_the_commit(cli: Cli, acme: Path) -> None:
    edit(acme, MANIFEST, SCOPE, "standards: [iso9001:2015, iso9001:2026]")
    past = GitRepo(acme).sha(short=12)
    edit(acme, MANIFEST, "standards: [iso9001:2015, iso9001:2026]", SCOPE)
    cli("check", "--at", "HEAD~1", cwd=acme).expect(2, f"choose one edition (in commit {past})")


# 7. the format version is the whole number 1 (YAML true and 1.0 equal 1 in Python, but are not it)


def test_format_version_must_be_the_whole_number_1(cli: Cli, acme: Path) -> None:
    old = "isoctl: 1\n"
    for version, shown in (("true", "true"), ("1.5", "1.5"), ("1.0", "1.0"), ('"1"', "'1'")):
        edit(acme, MANIFEST, old, f"isoctl: {version}\n")
        old = f"isoctl: {version}\n"
        expected = (f"{where(acme, MANIFEST, version + chr(10))}: isoctl: expected the workspace format version, "
                    f"the whole number 1; got {shown}")
        cli("check", cwd=acme).expect(2, expected).expect(2, "write 'isoctl: 1'")
        cli("gap", cwd=acme).expect(2, expected)


@pytest.mark.parametrize(("make", "what"), [
    (os.mkfifo, "isoctl.yaml is a named pipe, not a file"),
    (lambda path: path.mkdir(), "isoctl.yaml is a directory, not a file"),
    (lambda path: path.symlink_to("gone.yaml"), "isoctl.yaml is a link to nothing (gone.yaml)"),
])
def test_a_manifest_that_is_not_a_file_is_named_not_passed_by(cli: Cli, tmp_path: Path, make: Any, what: str) -> None:
    # inside another workspace, the search must not climb past it to the outer one either
    outer = tmp_path / "outer"
    committed_example(outer)
    inner = outer / "client"
    inner.mkdir()
    make(inner / "isoctl.yaml")
    run = cli("check", cwd=inner).expect(2)
    assert run.stderr.splitlines()[0] == f"error: {what}"
    assert cli("check", "client", cwd=outer).expect(2).stderr.splitlines()[0] == f"error: client/{what}"
