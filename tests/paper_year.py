"""A repository with two years of a paper system's history, for tests that read how a system is lived.

Built from scratch with dated commits: the system is set up in the months
before its certification audit (2025-03-10), then left alone; the
coordinator writes up months of actions, an internal audit and a management
review in the four weeks before the surveillance audit (2026-03-09), edits
the approved quality policy without a new version, and nothing changes
after. Every rule that reads the history has something to say about it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers import GitRepo

TODAY = "2026-11-21"
QUINN = "Quinn Manager <quinn@works.example>"
QUINN_AT_HOME = "Quinn M <q.manager@home.example>"

MANIFEST = """\
isoctl: 1
organization: {name: Paper Works Ltd}
standards: [iso9001:2015]
certification:
  iso9001:
    body: Example Certification Ltd
    issued: 2025-03-20
    audits:
      - {type: certification, date: 2025-03-10, status: done}
      - {type: surveillance, date: 2026-03-09, status: done}
people:
  - {id: md, name: Dana Director, role: Managing Director, top_management: true}
  - id: qm
    name: Quinn Manager
    role: Quality Manager
    coordinator: true
    git: [q.manager@home.example]
  - {id: op1, name: Olu Sands, role: Machinist}
  - {id: op2, name: Priya Shah, role: Inspector}
"""

POLICY = """\
---
id: POL-QUALITY
kind: document
type: policy
title: Quality policy
status: approved
version: "2"
approved_by: md
approved_on: 2024-10-20
---
{body}
"""

OBJECTIVE = """\
id: OBJ-OTD
kind: objective
title: On-time delivery
target: 98
unit: "%"
direction: increase
due: 2025-06-30
"""


def _action(n: int, raised: dt.date) -> str:
    return (f"- id: ACT-{n:03d}\n  kind: action\n  type: nonconformity\n  title: Nonconformity {n}\n"
            f"  raised_on: {raised}\n  raised_by: qm\n  clauses: [iso9001:10.2.1]\n")


def paper_year(root: Path) -> GitRepo:
    """The repository described in the module docstring, at ``root``."""
    repo = GitRepo.init(root, author=QUINN)
    repo.commit("Set up the management system", date="2024-11-01", files={
        "isoctl.yaml": MANIFEST, "manual/POL-QUALITY.md": POLICY.format(body="We deliver on time."),
        "objectives/OBJ-OTD.yaml": OBJECTIVE})
    log = ""
    # 26 commits of build-up before the certification audit, each logging an action three months after it happened
    for n in range(26):
        day = dt.date(2025, 1, 5) + dt.timedelta(days=2 * n)
        log += _action(n + 1, day - dt.timedelta(days=90))
        repo.commit(f"Log ACT-{n + 1:03d}", files={"actions/log.yaml": log}, date=day,
                    author=QUINN_AT_HOME if n % 3 == 0 else QUINN)
    # silence, then eight commits in the four weeks before the surveillance audit
    scramble = [dt.date(2026, 2, 12) + dt.timedelta(days=3 * n) for n in range(8)]
    repo.commit("Polish the quality policy", files={
        "manual/POL-QUALITY.md": POLICY.format(body="We deliver on time, every time.")}, date=scramble[0])
    batch = "".join(_action(30 + n, dt.date(2025, 12, 1) + dt.timedelta(days=10 * n)) for n in range(5))
    repo.commit("Write up the winter's nonconformities", files={"actions/log.yaml": log + batch}, date=scramble[1])
    repo.commit("Internal audit", files={"audits/AUD-2025.yaml": (
        "id: AUD-2025\nkind: audit\ntype: internal\nstatus: done\ntitle: Internal audit 2025\ndate: 2025-12-15\n"
        "auditor: qm\nscope: [iso9001:8.5.1]\n")}, date=scramble[2])
    for n, day in enumerate(scramble[3:]):
        repo.commit(f"Tidy up {n}", files={f"context/ISS-{n}.yaml": (
            f"id: ISS-{n}\nkind: issue\ntype: internal\ntitle: Issue {n}\n")}, date=day)
    return repo
