"""Superseded editions: the ``superseded-edition`` rule as its transition runs out, and ``isoctl init`` choosing one.

Each case is a real workspace checked through the real CLI with ``--today``
(or ``ISOCTL_TODAY`` for ``init``) on both sides of every threshold: the
transition runs (info), its last 12 months (warning), the day after it ends
(error). ISO 9001:2015's transition is expected to end on 2029-09-30 (not
confirmed); ISO/IEC 27001:2013's ended on 2025-10-31 (confirmed).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from helpers import MANIFEST, Cli, MakeWorkspace

from isoctl.errors import UsageError
from isoctl.scaffold.workspace import scaffold

RULE = "superseded-edition"
TODAY = "2026-12-02"
ISO27001_2013 = MANIFEST.replace("standards: [iso9001:2015]", "standards: [iso27001:2013]")
MIGRATE_9001 = "'isoctl migrate --to iso9001:2026'"
MIGRATE_27001 = "'isoctl migrate --to iso27001:2022'"


def findings(cli: Cli, root: Path, today: str) -> list[dict[str, Any]]:
    """``isoctl check --select superseded-edition`` on ``today``: its findings; the exit code follows their severity."""
    result = cli("check", str(root), "-f", "json", "--select", RULE, "--today", today)
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == RULE]
    assert result.exit_code == (1 if any(f["severity"] == "error" for f in found) else 0), result.stderr
    return found


def one(cli: Cli, root: Path, today: str) -> tuple[str, str]:
    """The one finding as (severity, message), located at the manifest's only ``standards`` entry."""
    (found,) = findings(cli, root, today)
    assert (found["path"], found["line"], found["column"], found["clause"], found["record"]) == ("isoctl.yaml", 3, 13, None, None)
    return found["severity"], found["message"]


@pytest.mark.parametrize(
    ("today", "severity", "says"),
    [
        # four years before the end: the transition runs
        (TODAY, "info", f"ISO 9001:2015 is superseded by ISO 9001:2026; its transition runs until 2029-09-30 "
                        f"(expected, not yet confirmed): plan the move with {MIGRATE_9001}"),
        # the last day before the final 12 months, and the first day of them
        ("2028-09-30", "info", "its transition runs until 2029-09-30"),
        ("2028-10-01", "warning", f"ISO 9001:2015 is superseded by ISO 9001:2026 and its transition ends in 364 days, "
                                  f"on 2029-09-30 (expected, not yet confirmed): run {MIGRATE_9001} and have the new "
                                  "edition audited before then"),
        ("2029-09-29", "warning", "its transition ends in 1 day, on 2029-09-30"),
        # the end date itself is still in the transition; the day after, it has ended
        ("2029-09-30", "warning", "its transition ends today, on 2029-09-30"),
        ("2029-10-01", "error", f"ISO 9001:2015 is superseded by ISO 9001:2026 and its transition was expected to end "
                                f"on 2029-09-30 (a date not confirmed): run {MIGRATE_9001}"),
    ],
)
def test_iso9001_2015_grows_more_serious_as_its_transition_runs_out(
    cli: Cli, make_workspace: MakeWorkspace, today: str, severity: str, says: str
) -> None:
    root = make_workspace()
    assert one(cli, root, today)[0] == severity
    assert says in one(cli, root, today)[1]


@pytest.mark.parametrize(
    ("today", "severity"),
    [("2024-10-31", "info"), ("2024-11-01", "warning"), ("2025-10-31", "warning"), ("2025-11-01", "error"), (TODAY, "error")],
)
def test_iso27001_2013_bands_around_its_confirmed_end(cli: Cli, make_workspace: MakeWorkspace, today: str, severity: str) -> None:
    root = make_workspace(manifest=ISO27001_2013)
    found, message = one(cli, root, today)
    assert found == severity
    assert "(expected, not yet confirmed)" not in message and "not confirmed" not in message


def test_an_ended_transition_says_certificates_are_invalid_and_names_the_command(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(manifest=ISO27001_2013)
    assert one(cli, root, TODAY) == (
        "error",
        "ISO/IEC 27001:2013 is superseded by ISO/IEC 27001:2022 and its transition ended on 2025-10-31: certificates "
        f"to it are no longer valid; run {MIGRATE_27001}",
    )


def test_current_editions_are_not_reported(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(manifest=MANIFEST.replace("[iso9001:2015]", "[iso9001:2026, iso27001:2022, iso45001:2018]"))
    assert findings(cli, root, "2040-01-01") == []


def test_each_superseded_standard_is_found_at_its_own_entry(cli: Cli, make_workspace: MakeWorkspace) -> None:
    manifest = MANIFEST.replace(
        "standards: [iso9001:2015]\n",
        "standards:\n  - iso45001:2018\n  - ISO 14001:2015   # the way people write it\n  - iso27001-2013\n",
    )
    root = make_workspace(manifest=manifest)
    found = [(f["line"], f["column"], f["severity"], f["message"].split(" is superseded")[0]) for f in findings(cli, root, TODAY)]
    assert found == [(5, 5, "info", "ISO 14001:2015"), (6, 5, "error", "ISO/IEC 27001:2013")]


def test_the_manifest_can_pin_the_severity(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace(manifest=ISO27001_2013 + "rules:\n  superseded-edition: warning\n")
    assert one(cli, root, TODAY)[0] == "warning"
    make_workspace(manifest=ISO27001_2013 + "rules: {superseded-edition: info}\n")
    assert one(cli, root, TODAY)[0] == "info"  # pinned, even at the default severity
    make_workspace(manifest=ISO27001_2013 + "rules: {superseded-edition: 'off'}\n")
    assert findings(cli, root, TODAY) == []


def test_text_output_and_fail_on(cli: Cli, make_workspace: MakeWorkspace) -> None:
    root = make_workspace()
    text = cli("check", str(root), "--select", RULE, "--today", TODAY)
    assert text.exit_code == 0
    assert "isoctl.yaml\n  3:13  info     superseded-edition  ISO 9001:2015 is superseded by ISO 9001:2026" in text.stdout
    assert text.stdout.rstrip().endswith("0 errors, 0 warnings, 1 info in 0 records (0 files)")
    assert cli("check", str(root), "--select", RULE, "--today", TODAY, "--fail-on", "info").exit_code == 1
    warned = cli("check", str(root), "--select", RULE, "--today", "2029-01-01", "--fail-on", "warning")
    assert warned.exit_code == 1 and "1 warning" in warned.stdout


LOCAL_CATALOG = """\
id: acme-{year}
family: acme
title: "ACME supplier code of practice"
edition: {year}
status: {status}
exclusions: "Every clause applies to every supplier."
clauses:
  - id: "1"
    title: "Scope"
    parent: null
    summary: "Says which suppliers and services the code covers."
    documented_information: maintain
    applicability: required
    expects:
      - {{kind: document, where: {{type: policy}}}}
"""


def test_a_workspace_catalog_superseded_with_no_end_date(cli: Cli, make_workspace: MakeWorkspace) -> None:
    old = LOCAL_CATALOG.format(year=2020, status="superseded\nsuperseded_by: acme-2024")
    root = make_workspace(
        {"local/acme-2020.yaml": old, "local/acme-2024.yaml": LOCAL_CATALOG.format(year=2024, status="current")},
        manifest=MANIFEST.replace("standards: [iso9001:2015]", "standards: [acme:2020]") + "catalogs: [local/]\n",
    )
    assert one(cli, root, "2099-01-01") == (
        "info",
        "acme:2020 is superseded by acme:2024; no end of its transition is announced yet: plan the move with "
        "'isoctl migrate --to acme:2024'",
    )


def test_the_every_rule_fixture_has_a_superseded_edition(cli: Cli, tmp_path: Path) -> None:
    """tests/data/every-rule has ISO 9001:2015 in scope: the rule fires there as info, at that entry."""
    root = tmp_path / "every-rule"
    shutil.copytree(REPO / "tests" / "data" / "every-rule", root)
    (found,) = findings(cli, root, "2026-11-21")
    assert (found["path"], found["severity"]) == ("isoctl.yaml", "info")
    assert found["message"].startswith("ISO 9001:2015 is superseded by ISO 9001:2026")


def test_isoctl_rules_documents_the_bands(cli: Cli) -> None:
    shown = cli("rules", RULE)
    assert shown.exit_code == 0
    assert shown.stdout.startswith("superseded-edition (info, living)")
    for words in ("**info** while the transition runs", "**warning** in the last 12 months", "**error** from the day after",
                  "isoctl migrate --to EDITION", "Fails:", "Passes:"):
        assert words in shown.stdout


# -- isoctl init ---------------------------------------------------------------------------------------------------


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``on("2026-12-02")``: the day ``isoctl init`` believes it is (ISOCTL_TODAY)."""

    def set_day(day: str) -> None:
        monkeypatch.setenv("ISOCTL_TODAY", day)

    return set_day


def manifest_of(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((root / "isoctl.yaml").read_text(encoding="utf-8"))
    return data


def test_init_warns_about_a_superseded_edition_and_creates_the_workspace(cli: Cli, tmp_path: Path, on: Any) -> None:
    on(TODAY)
    run = cli("init", "acme", "--no-git", "--standard", "iso9001:2015", "--standard", "iso45001:2018")
    assert run.exit_code == 0, run.stderr
    assert run.stderr == (
        "warning: ISO 9001:2015 is superseded by ISO 9001:2026; certification to it ends on 2029-09-30 (expected, not "
        "yet confirmed). A new system is better built on iso9001:2026 (or moved later with 'isoctl migrate --to "
        "iso9001:2026')\n"
    )
    assert manifest_of(tmp_path / "acme")["standards"] == ["iso9001:2015", "iso45001:2018"]


def test_init_is_silent_for_current_editions(cli: Cli, tmp_path: Path, on: Any) -> None:
    on(TODAY)
    run = cli("init", "acme", "--no-git", "--standard", "iso9001:2026", "--standard", "iso27001")
    assert run.exit_code == 0 and run.stderr == ""


def test_init_refuses_an_edition_whose_transition_has_ended(cli: Cli, tmp_path: Path, on: Any) -> None:
    on(TODAY)
    run = cli("init", "acme", "--no-git", "--standard", "iso9001:2026", "--standard", "iso27001:2013")
    assert run.exit_code == 2
    assert run.stderr == (
        "error: ISO/IEC 27001:2013 is superseded by ISO/IEC 27001:2022 and its transition ended on 2025-10-31: a new "
        "system cannot be certified to it\n"
        "hint: choose --standard iso27001:2022; to create the workspace on iso27001:2013 anyway (to migrate it later), "
        "add --allow-superseded\n"
    )
    assert "Traceback" not in run.stdout + run.stderr
    assert not (tmp_path / "acme").exists()  # nothing written


def test_init_allow_superseded_creates_it_with_a_warning(cli: Cli, tmp_path: Path, on: Any) -> None:
    on(TODAY)
    run = cli("init", "acme", "--no-git", "--standard", "iso27001:2013", "--allow-superseded")
    assert run.exit_code == 0, run.stderr
    assert run.stderr == (
        "warning: ISO/IEC 27001:2013 is superseded by ISO/IEC 27001:2022 and its transition ended on 2025-10-31: "
        "'isoctl migrate --to iso27001:2022' moves the workspace to it\n"
    )
    assert manifest_of(tmp_path / "acme")["standards"] == ["iso27001:2013"]
    check = cli("check", str(tmp_path / "acme"), "-f", "json", "--today", TODAY)
    assert {f["severity"] for f in json.loads(check.stdout)["findings"] if f["rule"] == RULE} == {"error"}


def test_init_before_the_end_only_warns(cli: Cli, tmp_path: Path, on: Any) -> None:
    on("2025-10-31")  # the last day of the 27001:2013 transition
    run = cli("init", "acme", "--no-git", "--standard", "iso27001:2013")
    assert run.exit_code == 0, run.stderr
    assert run.stderr.startswith("warning: ISO/IEC 27001:2013 is superseded by ISO/IEC 27001:2022; certification to it ends on 2025-10-31. ")


def test_allow_superseded_is_not_for_examples(cli: Cli) -> None:
    run = cli("init", "acme", "--example", "acme-logistics", "--allow-superseded")
    assert run.exit_code == 2 and "cannot be combined with --allow-superseded" in run.stderr


def test_the_library_refuses_and_warns_the_same_way(tmp_path: Path) -> None:
    day = dt.date(2026, 12, 2)
    with pytest.raises(UsageError, match="transition ended on 2025-10-31") as caught:
        scaffold(tmp_path / "a", organization="Acme", standards=["iso27001:2013"], git=False, today=day)
    assert caught.value.hint is not None and "--allow-superseded" in caught.value.hint
    assert not (tmp_path / "a").exists()
    heard: list[str] = []
    scaffold(tmp_path / "b", organization="Acme", standards=["iso27001:2013", "iso14001:2015"], git=False, today=day,
             allow_superseded=True, warn=heard.append)
    assert [message.split(" is superseded")[0] for message in heard] == ["ISO/IEC 27001:2013", "ISO 14001:2015"]
    assert heard[1].endswith("(or moved later with 'isoctl migrate --to iso14001:2026')")
