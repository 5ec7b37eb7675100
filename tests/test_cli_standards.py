"""``isoctl standards list`` and ``isoctl standards show`` as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from helpers import Cli

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# `isoctl standards show iso27001-2022 A.5.15` in a file or a pipe (trailing blanks of table cells left off).
A_5_15 = """\
iso27001-2022 A.5.15 Access control

Set rules for who may get physical and logical access to information and assets, based on business and security needs.

theme                   organizational
documented information  none demanded by this clause
applicability           included or excluded in the Statement of Applicability

evidenced by
  the SoA row for this control

in other editions
iso27001-2013 A.9.1.1  Access control policy                    transition (merged)
iso27001-2013 A.9.1.2  Access to networks and network services  transition (merged)
"""


def test_list_text_shows_status_counts_and_deadlines(cli: Cli) -> None:
    result = cli("standards", "list")
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith(("iso", "hs "))}
    assert set(rows) >= {"iso9001-2015", "iso9001-2026", "iso27001-2022", "iso27001-2013", "hs"}
    assert "superseded → iso9001-2026" in rows["iso9001-2015"] and "2029-09-30 (unconfirmed)" in rows["iso9001-2015"]
    assert " 41 " in rows["iso27001-2022"] and " 93 " in rows["iso27001-2022"]
    assert "2025-10-31" in rows["iso27001-2013"] and "unconfirmed" not in rows["iso27001-2013"]
    assert "\x1b[" not in result.stdout  # not a terminal: no colour codes


def test_list_json(cli: Cli) -> None:
    result = cli("standards", "list", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["format"] == 1
    editions = {e["id"]: e for e in data["editions"]}
    assert editions["iso27001-2022"]["controls"] == 93
    assert editions["iso27001-2013"]["controls"] == 114
    assert editions["iso14001-2015"] | {"source": None} == {
        "id": "iso14001-2015", "family": "iso14001", "edition": 2015,
        "title": "ISO 14001:2015 Environmental management systems — Requirements with guidance for use",
        "status": "superseded", "superseded_by": "iso14001-2026", "published": "2015-09-15",
        "transition_ends": "2029-04-30", "transition_confirmed": False, "amendments": ["Amd 1:2024"],
        "clauses": 45, "controls": 0, "source": None,
    }


def test_show_edition_tree(cli: Cli) -> None:
    result = cli("standards", "show", "iso27001-2022")
    assert result.exit_code == 0
    out = result.stdout
    assert "41 clauses, 93 Annex A controls" in out
    assert "A.6 People controls" in out and "A.6.8 Information security event reporting" in out
    assert "9.2.2 Internal audit programme" in out and "retain" in out
    assert "├──" in out


def test_show_edition_depth_limits_the_tree(cli: Cli) -> None:
    result = cli("standards", "show", "iso9001:2015", "--depth", "1")
    assert result.exit_code == 0
    assert "10 Improvement" in result.stdout and "8.5" not in result.stdout.split("iso9001-2015\n", 1)[1]


def test_show_edition_json_holds_every_clause(cli: Cli) -> None:
    data = json.loads(cli("standards", "show", "iso22301-2019", "-f", "json").stdout)
    clauses = data["edition"]["clauses"]
    assert len(clauses) == 81
    ten_one = next(c for c in clauses if c["id"] == "10.1")
    assert ten_one["hs"] == "10.2" and ten_one["title"] == "Nonconformity and corrective action"


@pytest.mark.parametrize(
    "args",
    [
        ("iso9001-2015:8.5.1",),
        ("iso9001-2015", "8.5.1"),
        ("iso9001:2015", "8.5.1"),
        ("ISO 9001:2015", "8.5.1"),
    ],
)
def test_show_clause_accepts_every_form(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli("standards", "show", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("iso9001-2015 8.5.1 Control of production and service provision")


def test_family_form_means_the_current_edition(cli: Cli) -> None:
    result = cli("standards", "show", "iso9001:6.1.3")
    assert result.stdout.startswith("iso9001-2026 6.1.3 Actions to address opportunities")
    assert cli("standards", "show", "iso9001", "6.1.3").stdout == result.stdout


def test_show_clause_details(cli: Cli) -> None:
    out = cli("standards", "show", "iso22301-2019", "10.1").stdout
    assert "harmonized structure    hs:10.2 Nonconformity and corrective action" in out
    assert "sub-clauses             10.1.1, 10.1.2, 10.1.3" in out
    assert "Heading only; evidence is judged on its sub-clauses." in out  # a heading expects nothing itself
    assert "action (type=nonconformity|incident|complaint)" in cli("standards", "show", "iso22301-2019", "10.1.2").stdout
    assert "iso9001-2015 10.2" in out and "iso27001-2013 10.1" in out  # the same HS clause elsewhere


def test_show_control_maps_to_the_2013_controls(cli: Cli) -> None:
    data = json.loads(cli("standards", "show", "iso27001:A.5.15", "--format", "json").stdout)
    assert data["edition"] == "iso27001-2022"
    assert data["clause"]["theme"] == "organizational" and data["clause"]["applicability"] == "soa"
    assert {(c["edition"], c["clause"]) for c in data["corresponds_to"]} == {
        ("iso27001-2013", "A.9.1.1"),
        ("iso27001-2013", "A.9.1.2"),
    }


def test_untitled_paragraph_is_shown_as_such(cli: Cli) -> None:
    out = cli("standards", "show", "iso9001-2015:7.5.3.2").stdout
    assert out.startswith("iso9001-2015 7.5.3.2 (untitled paragraph)")
    data = json.loads(cli("standards", "show", "iso9001-2015:7.5.3.2", "-f", "json").stdout)
    assert data["clause"]["untitled"] is True and data["clause"]["title"] is None and data["clause"]["summary"]


def test_show_clause_text_is_the_renderers_string(cli: Cli, catalogs: Catalogs) -> None:
    from isoctl.render.standards_text import clause_text

    out = cli("standards", "show", "iso27001-2022", "A.5.15").stdout
    assert "".join(line.rstrip() + "\n" for line in out.splitlines()) == A_5_15
    assert "\x1b" not in out
    edition, clause = catalogs.lookup("A.5.15", "iso27001-2022")
    assert clause_text(catalogs, edition, clause) == out


def test_list_and_tree_text_are_the_renderers_strings(cli: Cli, catalogs: Catalogs) -> None:
    from isoctl.render.standards_text import edition_text, list_text

    editions = [e for family in catalogs.families().values() for e in family]
    assert list_text(catalogs, editions) == cli("standards", "list").stdout
    tree = cli("standards", "show", "iso9001-2015", "--depth", "1").stdout
    assert edition_text(catalogs, catalogs.edition("iso9001-2015"), 1) == tree


def test_text_renderers_colour_and_fold_only_when_asked(catalogs: Catalogs) -> None:
    from isoctl.render.standards_text import clause_text

    edition, clause = catalogs.lookup("A.5.15", "iso27001-2022")
    plain = clause_text(catalogs, edition, clause)
    coloured = clause_text(catalogs, edition, clause, color=True)
    assert "\x1b[" in coloured and ANSI.sub("", coloured) == plain
    folded = clause_text(catalogs, edition, clause, width=60, wrap=True)
    assert max(map(len, plain.splitlines())) > 60 >= max(map(len, folded.splitlines()))


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(("no_color", "coloured"), [("", True), ("1", False)])
def test_a_terminal_gets_colour_unless_no_color_and_lines_folded_to_its_width(
    tmp_path: Path, catalogs: Catalogs, no_color: str, coloured: bool
) -> None:
    import pty

    from isoctl.render.standards_text import clause_text

    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "60", "NO_COLOR": no_color, "TERM": "xterm"}
    command = [sys.executable, "-m", "isoctl", "standards", "show", "iso27001-2022", "A.5.15"]
    process = subprocess.Popen(command, stdout=secondary, stderr=subprocess.PIPE, cwd=tmp_path, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal hangs up once the command has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    assert ("\x1b[" in out) is coloured
    edition, clause = catalogs.lookup("A.5.15", "iso27001-2022")
    assert ANSI.sub("", out) == clause_text(catalogs, edition, clause, width=60, wrap=True)


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (("iso9002",), "unknown edition 'iso9002'", "did you mean iso9001"),
        (("iso27001-2023",), "unknown edition 'iso27001-2023'", "iso27001-2022"),
        (("iso9001-2015", "8.5.9"), "iso9001-2015 has no clause '8.5.9'", "8.5.6 (Control of changes)"),
        (("iso9001:11.1",), "iso9001-2026 has no clause '11.1'", "10.1 (Continual improvement)"),
        (("iso27001", "audit programme"), "has no clause 'audit programme'", "9.2.2 (Internal audit programme)"),
        (("8.5.1",), "unknown edition '8.5.1'", ""),
        (("iso9001-2015", "iso14001:4.1"), "does not belong to iso9001-2015", ""),
    ],
)
def test_unknown_edition_or_clause(cli: Cli, args: tuple[str, ...], message: str, hint: str) -> None:
    result = cli("standards", "show", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr and hint in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_value_exits_2(cli: Cli) -> None:
    result = cli("standards", "list", "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.stderr


def test_version_and_help(cli: Cli) -> None:
    from isoctl import __version__

    assert cli("--version").stdout == f"isoctl {__version__}\n"
    help_text = cli("--help").stdout
    assert "standards" in help_text and "Reference" in help_text
    assert "show" in cli("standards", "--help").stdout
