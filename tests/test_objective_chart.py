"""Objective charts in the report: round ticks with the unit, a labelled target, a time axis to the evaluation date.

Two objectives of one workspace, one measured last month and one not
measured for 965 days, are drawn by ``isoctl report``; their SVGs are goldens
(tests/golden/objective-charts/) and the properties a reader sees are
asserted on top.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import Cli, Golden, MakeWorkspace

TODAY = "2026-11-21"
OBJECTIVES = """\
- id: OBJ-OTD
  kind: objective
  title: On-time delivery
  owner: akhan
  clauses: [iso9001:6.2]
  target: 95
  unit: "%"
  direction: increase
  due: 2027-06-30
  measurements:
    - {date: 2026-02-28, value: 86.42}
    - {date: 2026-05-31, value: 91.1}
    - {date: 2026-08-31, value: 95.78}
    - {date: 2026-10-31, value: 93.5}
- id: OBJ-SCRAP
  kind: objective
  title: Scrap as a share of sales
  owner: jsmith
  clauses: [iso9001:6.2]
  target: 2
  unit: days
  direction: decrease
  due: 2022-12-31
  measurements:
    - {date: 2023-03-31, value: 3.1}
    - {date: 2023-09-30, value: 2.4}
    - {date: 2024-03-31, value: 2.9}
"""


def charts(cli: Cli, root: Path) -> dict[str, str]:
    """Each objective's SVG as the HTML report inlines it, by objective id."""
    result = cli("report", "--today", TODAY, "-f", "html", cwd=root)
    assert result.exit_code == 0, result.stderr
    section = result.stdout[result.stdout.index('<section id="objectives">'):]
    found = re.findall(r"<h3>(OBJ-[A-Z]+) — .*?<div class=\"chart\">(<svg .*?</svg>)</div>", section, re.DOTALL)
    return dict(found)


@pytest.fixture
def drawn(cli: Cli, make_workspace: MakeWorkspace) -> dict[str, str]:
    return charts(cli, make_workspace({"objectives/objectives.yaml": OBJECTIVES}))


@pytest.mark.parametrize(("objective", "name"), [("OBJ-OTD", "current"), ("OBJ-SCRAP", "stale")])
def test_golden(drawn: dict[str, str], golden: Golden, objective: str, name: str) -> None:
    golden(f"objective-charts/{name}.svg", drawn[objective] + "\n")


def tick_labels(svg: str) -> list[str]:
    return re.findall(r'<text x="40\.0" y="[\d.]+" text-anchor="end" fill="#5b6470">([^<]*)</text>', svg)


def test_ticks_are_round_and_the_unit_names_the_axis(drawn: dict[str, str]) -> None:
    current = drawn["OBJ-OTD"]
    assert tick_labels(current) == ["85", "90", "95", "100"]  # not 86.42 / 91.1 / 95.78
    assert '<text x="2" y="9" fill="#5b6470">%</text>' in current
    assert tick_labels(drawn["OBJ-SCRAP"]) == ["2", "2.5", "3", "3.5"]
    assert '<text x="2" y="9" fill="#5b6470">days</text>' in drawn["OBJ-SCRAP"]


def test_the_target_line_is_labelled(drawn: dict[str, str]) -> None:
    assert ">target 95 %</text>" in drawn["OBJ-OTD"] and ">target 2 days</text>" in drawn["OBJ-SCRAP"]


def test_the_time_axis_runs_to_the_evaluation_date(drawn: dict[str, str]) -> None:
    """A stale objective stops far left of today and says since when; a current one nearly reaches it."""
    for svg in drawn.values():
        assert re.search(rf'text-anchor="end" fill="#5b6470">{TODAY}</text></svg>$', svg)
    stale, current = drawn["OBJ-SCRAP"], drawn["OBJ-OTD"]
    assert ">last measured 965 days ago</text>" in stale and 'fill="#b3261e">last measured' in stale
    assert ">last measured 21 days ago</text>" in current and 'fill="#5b6470">last measured' in current

    def last_x(svg: str) -> float:
        return max(float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg))

    plot_right = 360 - 12
    assert last_x(stale) < 44 + (plot_right - 44) * 0.45  # 2024-03-31 on a 2023-03-31..2026-11-21 axis
    assert last_x(current) > 44 + (plot_right - 44) * 0.9


def test_an_objective_never_measured_says_so(cli: Cli, make_workspace: MakeWorkspace) -> None:
    unmeasured = OBJECTIVES.split("- id: OBJ-SCRAP")[0].split("  measurements:")[0]
    svg = charts(cli, make_workspace({"objectives/objectives.yaml": unmeasured}))["OBJ-OTD"]
    assert ">never measured</text>" in svg and ">target 95 %</text>" in svg and "<circle" not in svg
