"""Generate a realistic, valid isoctl workspace of any size, optionally with a git history.

    python benchmarks/generate.py DIR [--records 5000] [--files 500] [--shape registers|small]
                                      [--commits 0] [--seed 1]

The workspace puts ISO 9001:2015, ISO 14001:2015, ISO 45001:2018 and ISO/IEC
27001:2022 in scope, names twelve people, and holds a mix of record kinds the
way a real integrated management system does: a CAPA log, document registers,
risk and aspect/hazard registers, objectives with monthly measurements,
audits, management reviews, training records, suppliers, obligations, context
and interested parties, processes and the 93 Annex A SoA rows. Records are
spread over ``files`` files: mostly YAML sequences of about ten records, some
single-record YAML files and some Markdown documents with front matter, about
1 KB per record. Every record validates (unique ids, owners among the people,
clause references that exist, ISO dates).

That is the ``registers`` shape. The ``small`` shape holds the same records cut
down to the fields that decide something (about 220 bytes each: no evidence,
notes or prose, one clause reference), ten to a YAML file, so ``--files`` is
ignored and there are about records / 10 files; with the prose go root
causes, verifications and review inputs, so checking it reports about twice
as many findings (one for every three records or so).

Everything is a pure function of the arguments: the same seed gives the same
bytes, and the history (``--commits``) uses its own random stream, so the
final tree is the same with or without it. Dates are anchored on ANCHOR, not
on the clock. The history is built with ``git fast-import``: ``--commits N``
makes N commits in all (an initial import, then commits that each change 1-5
files: log or close an action, record a measurement, approve a new version,
review a risk...), authored by several people over the two years up to
ANCHOR, ending exactly at the tree on disk.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import heapq
import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Every date in the workspace is relative to this day (the benchmark checks ``--today`` it).
ANCHOR = dt.date(2026, 11, 21)

# ---------------------------------------------------------------------------
# Clause numbers of the editions in scope (facts of the standards; leaf clauses only).

LEAVES: dict[str, list[str]] = {
    "iso9001": ["4.1", "4.2", "4.3", "4.4.1", "4.4.2", "5.1.1", "5.1.2", "5.2.1", "5.2.2", "5.3", "6.1.1", "6.1.2", "6.2.1", "6.2.2", "6.3", "7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.1.5.1", "7.1.5.2", "7.1.6", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3.1", "7.5.3.2", "8.1", "8.2.1", "8.2.2", "8.2.3.1", "8.2.3.2", "8.2.4", "8.4.1", "8.4.2", "8.4.3", "8.5.1", "8.5.2", "8.5.3", "8.5.4", "8.5.5", "8.5.6", "8.6", "8.7.1", "8.7.2", "9.1.1", "9.1.2", "9.1.3", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2.1", "10.2.2", "10.3"],
    "iso14001": ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2.1", "6.2.2", "7.1", "7.2", "7.3", "7.4.1", "7.4.2", "7.4.3", "7.5.1", "7.5.2", "7.5.3", "8.1", "8.2", "9.1.1", "9.1.2", "9.2.1", "9.2.2", "9.3", "10.1", "10.2", "10.3"],
    "iso45001": ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4", "6.1.1", "6.1.2.1", "6.1.2.2", "6.1.2.3", "6.1.3", "6.1.4", "6.2.1", "6.2.2", "7.1", "7.2", "7.3", "7.4.1", "7.4.2", "7.4.3", "7.5.1", "7.5.2", "7.5.3", "8.1.1", "8.1.2", "8.1.3", "8.1.4.1", "8.1.4.2", "8.1.4.3", "8.2", "9.1.1", "9.1.2", "9.2.1", "9.2.2", "9.3", "10.1", "10.2", "10.3"],
    "iso27001": ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1.1", "6.1.2", "6.1.3", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3", "8.1", "8.2", "8.3", "9.1", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2"],
}
HS = ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3", "8.1", "9.1", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2"]
ANNEX_A = (
    [f"A.5.{i}" for i in range(1, 38)]
    + [f"A.6.{i}" for i in range(1, 9)]
    + [f"A.7.{i}" for i in range(1, 15)]
    + [f"A.8.{i}" for i in range(1, 35)]
)
THEMES = {"5": "organizational", "6": "people", "7": "physical", "8": "technological"}

# Clause references a record of each kind typically carries (one or two are picked).
KIND_REFS: dict[str, list[str]] = {
    "issue": ["hs:4.1", "iso9001:4.1", "iso27001:4.1", "iso14001:4.1"],
    "party": ["hs:4.2", "iso9001:4.2", "iso45001:4.2", "iso14001:4.2"],
    "document": ["hs:7.5.1", "iso9001:7.5.1", "iso9001:7.5.3.1", "hs:7.5.2", "iso45001:7.5.3", "iso27001:7.5.3"],
    "process": ["iso9001:4.4.1", "hs:4.4", "iso9001:8.1", "iso14001:8.1", "iso45001:8.1.1"],
    "risk": ["hs:6.1", "iso9001:6.1.1", "iso27001:6.1.2", "iso27001:8.2", "iso45001:6.1.2.2", "iso27001:6.1.3"],
    "aspect": ["iso14001:6.1.2", "iso14001:8.1", "iso14001:6.1.4"],
    "hazard": ["iso45001:6.1.2.1", "iso45001:8.1.2", "iso45001:6.1.2.2"],
    "obligation": ["iso14001:6.1.3", "iso45001:6.1.3", "iso27001:4.2", "iso14001:9.1.2", "iso45001:9.1.2"],
    "objective": ["hs:6.2", "iso9001:6.2.1", "iso9001:9.1.1", "iso14001:6.2.1", "iso27001:6.2", "hs:9.1"],
    "action": ["hs:10.2", "iso9001:10.2.1", "iso9001:10.2.2", "iso45001:10.2", "iso14001:10.2", "iso9001:8.7.1"],
    "audit": ["hs:9.2.1", "hs:9.2.2", "iso9001:9.2.2", "iso27001:9.2.2"],
    "review": ["hs:9.3.1", "hs:9.3.2", "hs:9.3.3", "iso9001:9.3.2"],
    "competence": ["hs:7.2", "iso9001:7.2", "iso45001:7.2", "hs:7.3"],
    "supplier": ["iso9001:8.4.1", "iso9001:8.4.2", "iso9001:8.4.3", "iso27001:8.1"],
    "asset": ["iso27001:A.5.9", "iso9001:7.1.3", "iso9001:7.1.5.1", "iso27001:A.7.8"],
    "exercise": ["iso14001:8.2", "iso45001:8.2", "iso27001:A.5.30", "iso27001:A.5.29"],
    "control": [],
}

# Share of the non-SoA records per kind (a CAPA log and registers dominate, as in real systems).
WEIGHTS: dict[str, float] = {
    "action": 0.27, "document": 0.12, "risk": 0.11, "competence": 0.10, "supplier": 0.06, "obligation": 0.05,
    "aspect": 0.05, "hazard": 0.05, "objective": 0.04, "audit": 0.04, "issue": 0.025, "party": 0.025,
    "process": 0.025, "asset": 0.02, "review": 0.01, "exercise": 0.005,
}
# Where each kind lives, and what its sequence files are called.
LAYOUT: dict[str, tuple[str, str]] = {
    "issue": ("context", "issues"), "party": ("context", "parties"), "document": ("documents", "register"),
    "process": ("processes", "processes"), "risk": ("risks", "risks"), "aspect": ("environment", "aspects"),
    "hazard": ("safety", "hazards"), "obligation": ("compliance", "obligations"), "control": ("isms", "soa"),
    "objective": ("objectives", "objectives"), "action": ("actions", "capa"), "audit": ("audits", "audits"),
    "review": ("reviews", "reviews"), "competence": ("people", "training"), "supplier": ("suppliers", "suppliers"),
    "asset": ("assets", "assets"), "exercise": ("emergency", "exercises"),
}
PREFIX = {
    "issue": "ISS", "party": "IP", "document": "DOC", "process": "PRC", "risk": "RSK", "aspect": "ASP",
    "hazard": "HAZ", "obligation": "OBL", "control": "SOA", "objective": "OBJ", "action": "ACT", "audit": "AUD",
    "review": "MR", "competence": "TRN", "supplier": "SUP", "asset": "AST", "exercise": "EXR",
}
ORDER = list(LAYOUT)
HEADERS = {
    "issue": "Internal and external issues (4.1)", "party": "Interested parties (4.2)", "document": "Document register",
    "process": "Process map", "risk": "Risk and opportunity register", "aspect": "Environmental aspects register",
    "hazard": "Hazard register", "obligation": "Compliance obligations register",
    "control": "Statement of Applicability (ISO/IEC 27001:2022 Annex A)", "objective": "Objectives and KPIs",
    "action": "Corrective action log", "audit": "Audit programme", "review": "Management reviews",
    "competence": "Training records", "supplier": "Approved supplier list", "asset": "Asset register",
    "exercise": "Emergency exercises",
}

PEOPLE = [
    ("jsmith", "Jane Smith", "Managing Director", True),
    ("akhan", "Amir Khan", "QHSE Coordinator", False),
    ("mlopez", "Maria Lopez", "Operations Director", True),
    ("tnguyen", "Thanh Nguyen", "IT Manager", False),
    ("rpatel", "Ravi Patel", "Information Security Officer", False),
    ("ebrown", "Emma Brown", "Health and Safety Advisor", False),
    ("okowalski", "Olga Kowalski", "Environmental Lead", False),
    ("dmurphy", "Declan Murphy", "Warehouse Manager (Leeds)", False),
    ("sward", "Sophie Ward", "Transport Manager", False),
    ("hcohen", "Hannah Cohen", "HR Business Partner", False),
    ("bokafor", "Bola Okafor", "Procurement Lead", False),
    ("lmartin", "Luc Martin", "Customer Service Manager", False),
]
PEOPLE_IDS = [p[0] for p in PEOPLE]
TOP = [p[0] for p in PEOPLE if p[3]]
AUTHORS = ["akhan", "rpatel", "ebrown", "okowalski", "dmurphy", "tnguyen", "sward"]

SITES = ["Leeds DC", "Bristol hub", "Doncaster cross-dock"]
AREAS = ["goods-in", "picking", "dispatch", "yard", "fleet", "returns", "cold store", "IT service desk",
         "customer service", "maintenance workshop", "office", "data centre", "charging bay", "mezzanine"]
NOUNS = ["pallet", "forklift", "trailer", "manifest", "scanner", "delivery note", "temperature log", "racking",
         "label printer", "route plan", "driver", "customer order", "backup", "laptop", "access badge", "password",
         "supplier invoice", "spill kit", "waste skip", "tachograph", "loading bay", "dock leveller", "WMS",
         "firewall rule", "CCTV camera", "fire door", "training matrix", "calibration record"]
VERBS = ["checked", "updated", "recorded", "reviewed", "replaced", "scheduled", "escalated", "verified",
         "briefed", "inspected", "reconciled", "archived", "approved", "tested", "relocated", "labelled"]
ADJ = ["damaged", "late", "missing", "incorrect", "overdue", "unlabelled", "expired", "duplicated", "blocked",
       "unapproved", "incomplete", "worn", "misrouted", "unsecured", "out-of-date", "noisy"]
QUAL = ["during the night shift", "at the start of the week", "before peak season", "after the WMS upgrade",
        "on two consecutive days", "for the third time this quarter", "during the customer visit",
        "while the supervisor was on leave", "at the weekly toolbox talk", "in the monthly KPI pack"]
COURSES = ["Counterbalance forklift refresher", "Manual handling", "Fire marshal", "First aid at work",
           "ISO 9001 internal auditor", "ISO 27001 lead implementer", "Phishing awareness", "Driver CPC module 3",
           "Spill response", "Working at height", "GDPR essentials", "Dangerous goods (ADR) awareness",
           "Reach truck operator", "Root cause analysis", "Environmental awareness", "Secure coding basics"]
SERVICES = ["fuel cards", "tyre servicing", "pallet repair", "cloud hosting", "payroll bureau", "waste collection",
            "agency drivers", "racking inspection", "cleaning", "telematics", "managed print", "security guarding",
            "calibration laboratory", "packaging supply", "courier (last mile)", "penetration testing"]
UNITS = [("%", "increase"), ("%", "decrease"), ("incidents", "decrease"), ("kg CO2e per pallet", "decrease"),
         ("days", "decrease"), ("hours", "decrease"), ("score", "increase"), ("complaints", "decrease"),
         ("%", "maintain")]
REVIEW_INPUTS = [
    "previous_actions", "context_changes", "interested_party_changes", "nonconformities", "monitoring_results",
    "audit_results", "objectives", "resources", "risks_and_opportunities", "improvement_opportunities",
    "customer_satisfaction", "process_performance", "external_providers", "compliance_obligations",
    "significant_aspects", "communications", "worker_participation", "incidents", "interested_party_feedback",
    "risk_treatment",
]
LEVELS = ["elimination", "substitution", "engineering", "administrative", "ppe"]
EVIDENCE_FILES = [f"evidence/{year}/{name}-{i:02d}.pdf" for year in (2025, 2026)
                  for name in ("calibration", "inspection", "toolbox-talk", "minutes", "certificate")
                  for i in range(1, 4)]


# ---------------------------------------------------------------------------
# YAML output: block mappings, short lists in flow style, long text folded, dates unquoted.

_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Out(_Dumper):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # people write values out; and records are dumped one by one, so anchors would clash


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(x, (str, int, float)) and len(str(x)) < 40 for x in data) and len(data) <= 8
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = ">" if len(data) > 90 and "\n" not in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Out.add_representer(list, _represent_list)
_Out.add_representer(str, _represent_str)


# PyYAML quotes 'iso9001:8.5.1' inside [...]; people do not, and libyaml reads both the same
_CLAUSE_QUOTES = re.compile(r"'((?:hs|iso\d+)(?:-\d{4})?:(?:A\.)?[\d.]+)'")


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Out, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


# ---------------------------------------------------------------------------
# The records


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


@dataclass
class Text:
    """Deterministic filler prose from a small logistics vocabulary."""

    rng: random.Random

    def sentence(self) -> str:
        r = self.rng
        forms = [
            lambda: f"The {r.choice(NOUNS)} at {r.choice(AREAS)} was found {r.choice(ADJ)} {r.choice(QUAL)}.",
            lambda: f"{_cap(r.choice(NOUNS))} {r.choice(VERBS)} by the {r.choice(AREAS)} team and the "
                    f"{r.choice(NOUNS)} {r.choice(VERBS)} {r.choice(QUAL)}.",
            lambda: f"{r.choice(SITES)} reported {_a(r.choice(ADJ))} {r.choice(NOUNS)}; the {r.choice(NOUNS)} "
                    f"was {r.choice(VERBS)} and the owner informed.",
            lambda: f"Make sure every {r.choice(NOUNS)} is {r.choice(VERBS)} {r.choice(QUAL)}, so that no "
                    f"{r.choice(ADJ)} {r.choice(NOUNS)} reaches the {r.choice(AREAS)}.",
            lambda: f"Since the last review, {r.randint(2, 40)} {r.choice(NOUNS)} checks at {r.choice(SITES)} "
                    f"found {r.randint(0, 9)} {r.choice(ADJ)} items; "
                    f"trend {r.choice(['improving', 'stable', 'worsening'])}.",
        ]
        return r.choice(forms)()

    def para(self, lo: int, hi: int) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def title(self) -> str:
        r = self.rng
        return f"{_cap(r.choice(ADJ))} {r.choice(NOUNS)} at {r.choice(AREAS)}"


@dataclass
class Builder:
    rng: random.Random
    ids: dict[str, list[str]]
    md_docs: int
    text: Text = field(init=False)
    document_files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = Text(self.rng)

    # helpers
    def day(self, lo: int, hi: int) -> dt.date:
        """A date between ``hi`` and ``lo`` days before ANCHOR (negative: in the future)."""
        return ANCHOR - dt.timedelta(days=self.rng.randint(lo, hi))

    def person(self) -> str:
        return self.rng.choice(PEOPLE_IDS)

    def refs(self, kind: str) -> list[str]:
        r = self.rng
        picked = r.sample(KIND_REFS[kind], k=min(len(KIND_REFS[kind]), r.randint(1, 2)))
        if r.random() < 0.6:  # one more, anywhere: at scale every clause gets addressed
            family = r.choice(list(LEAVES))
            picked.append(f"{family}:{r.choice(LEAVES[family])}")
        if r.random() < 0.15:
            picked.append(f"hs:{r.choice(HS)}")
        return list(dict.fromkeys(picked))

    def some(self, kind: str, lo: int, hi: int) -> list[str]:
        pool = self.ids.get(kind, [])
        return self.rng.sample(pool, k=min(len(pool), self.rng.randint(lo, hi))) if pool else []

    def evidence(self) -> list[dict[str, Any]]:
        r = self.rng
        out: list[dict[str, Any]] = []
        for _ in range(r.choice([0, 1, 1, 2])):
            if r.random() < 0.5:
                item: dict[str, Any] = {"path": r.choice(EVIDENCE_FILES)}
            else:
                item = {"url": f"https://intranet.example.com/qhse/{r.randint(1000, 99999)}"}
            if r.random() < 0.6:
                item["date"] = self.day(0, 700)
            if r.random() < 0.7:
                item["note"] = self.text.para(1, 3)
            out.append(item)
        return out

    def base(self, kind: str, rid: str, title: str) -> dict[str, Any]:
        record: dict[str, Any] = {"id": rid, "kind": kind, "title": title, "owner": self.person()}
        refs = self.refs(kind) if KIND_REFS[kind] else []
        if refs:
            record["clauses"] = refs
        return record

    def finish(self, record: dict[str, Any], tags: list[str] | None = None) -> dict[str, Any]:
        evidence = self.evidence()
        if evidence:
            record["evidence"] = evidence
        picked = tags if tags is not None else self.rng.sample(["leeds", "bristol", "doncaster", "fleet", "it",
                                                                 "customer", "peak", "audit-2026", "legacy"],
                                                                k=self.rng.randint(0, 2))
        if picked:
            record["tags"] = picked
        return record

    # kinds
    def issue(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        trend = r.choice(["Rising", "Changing", "New", "Falling"])
        rec = self.base("issue", rid, f"{trend} {r.choice(NOUNS)} demand in {r.choice(SITES)}")
        rec.update(type=r.choice(["internal", "external"]), description=self.text.para(3, 5),
                   climate=r.choice(["relevant", "not-relevant"]))
        return self.finish(rec)

    def party(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        who = r.choice(["Retail customers", "Drivers", "Local council", "Environment Agency", "Landlord",
                        "Insurers", "Neighbours", "Employees", "Trade union", "Cloud provider", "Regulator (HSE)"])
        rec = self.base("party", rid, f"{who} ({r.choice(SITES)})")
        rec.update(needs=[self.text.sentence() for _ in range(r.randint(1, 3))],
                   requirements=[self.text.sentence() for _ in range(r.randint(1, 3))])
        if r.random() < 0.4:
            rec["climate_requirements"] = [self.text.sentence()]
        return self.finish(rec)

    def document(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        md = n < self.md_docs
        dtype = r.choice(["policy", "procedure", "procedure", "manual", "plan"]) if md else \
            r.choice(["form", "instruction", "record", "procedure", "other", "instruction"])
        status = "approved" if md else r.choices(["approved", "draft", "obsolete"], [85, 10, 5])[0]
        rec = self.base("document", rid, f"{_cap(r.choice(AREAS))} {r.choice(NOUNS)} {dtype}")
        rec.update(type=dtype, status=status, version=str(r.randint(1, 7)))
        if status != "draft":
            overdue = r.random() < 0.04  # a few documents slip past their review date, as in real life
            approver = r.choice(TOP + ["akhan"])
            rec.update(approved_by=approver, approved_on=self.day(370, 500) if overdue else self.day(20, 330))
        if r.random() < 0.7:
            rec["review_every_days"] = r.choice([365, 730, 365])
        else:
            rec["next_review"] = self.day(-300, -5)
        if not md and dtype in ("form", "instruction") and r.random() < 0.15:
            rec["path"] = f"documents/files/{rid.lower()}.docx"
            self.document_files.append(rec["path"])
        rec = self.finish(rec)
        if not md:
            rec.setdefault("evidence", [{"path": r.choice(EVIDENCE_FILES), "note": self.text.para(2, 3)}])
            rec["evidence"][0]["note"] = self.text.para(3, 4)
        return rec

    def markdown_body(self, record: dict[str, Any]) -> str:
        r = self.rng
        parts = [f"# {record['title']}\n"]
        for heading in ["Purpose", "Scope", "Responsibilities", "Method", "Records"][: r.randint(3, 5)]:
            parts.append(f"## {heading}\n")
            parts.append(self.text.para(3, 6) + "\n")
            if r.random() < 0.4:
                parts.append("\n".join(f"{i}. {self.text.sentence()}" for i in range(1, r.randint(3, 6))) + "\n")
        return "\n".join(parts)

    def process(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        rec = self.base("process", rid, f"{_cap(r.choice(AREAS))} process")
        rec.update(inputs=[self.text.sentence() for _ in range(2)], outputs=[self.text.sentence() for _ in range(2)],
                   kpis=self.some("objective", 1, 3), risks=self.some("risk", 1, 4))
        return self.finish(rec)

    def risk(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        likelihood, impact = r.randint(1, 5), r.randint(1, 5)
        rec = self.base("risk", rid, self.text.title())
        rec.update(type=r.choices(["risk", "opportunity"], [85, 15])[0], description=self.text.para(3, 5),
                   likelihood=likelihood, impact=impact,
                   treatment=r.choice(["mitigate", "mitigate", "accept", "transfer", "avoid"]))
        controls = self.some("control", 0, 3)
        if r.random() < 0.3:
            controls.append(f"iso27001:{r.choice(ANNEX_A)}")
        if controls:
            rec["controls"] = controls
        rec.update(residual=max(1, likelihood * impact // r.randint(2, 4)), reviewed_on=self.day(10, 400))
        return self.finish(rec)

    def aspect(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        what = r.choice(["Diesel use", "Waste pallets", "Refrigerant", "Electricity", "Noise", "Packaging waste",
                         "Runoff"])
        rec = self.base("aspect", rid, f"{what} at {r.choice(AREAS)}")
        rec.update(activity=self.text.sentence(), aspect=self.text.sentence(), impact=self.text.sentence(),
                   condition=r.choice(["normal", "normal", "abnormal", "emergency"]), significant=r.random() < 0.3,
                   criteria=self.text.sentence())
        return self.finish(rec)

    def hazard(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        what = r.choice(["Struck by", "Crushed by", "Fall from", "Slip on", "Strain lifting"])
        rec = self.base("hazard", rid, f"{what} {r.choice(NOUNS)}")
        rec.update(activity=self.text.sentence(), hazard=self.text.sentence(),
                   controls=[{"control": self.text.sentence(), "level": r.choice(LEVELS)}
                             for _ in range(r.randint(1, 3))],
                   rating=r.randint(1, 25))
        return self.finish(rec)

    def obligation(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        source = r.choice(["Environmental Permitting Regulations 2016", "Health and Safety at Work Act 1974",
                           "UK GDPR", "Waste (England and Wales) Regulations 2011", "Road Traffic Act 1988",
                           "LOLER 1998", "PUWER 1998", "Customer contract schedule 4", "F-gas Regulations"])
        rec = self.base("obligation", rid, f"{source}: {r.choice(NOUNS)}")
        rec.update(source=source, applies_to=r.sample(SITES, k=r.randint(1, 3)), evaluated_on=self.day(10, 500),
                   compliant=r.random() < 0.9)
        rec["evidence"] = [{"url": f"https://www.legislation.example/{rid.lower()}", "note": self.text.para(2, 4)}]
        return self.finish(rec, tags=["legal"])

    def control(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        ref = ANNEX_A[n]
        applicable = r.random() < 0.9
        rec: dict[str, Any] = {"id": rid, "kind": "control",
                               "title": f"Annex A {ref[2:]} ({THEMES[ref.split('.')[1]]} control)",
                               "owner": r.choice(["rpatel", "tnguyen", "akhan", "hcohen"]),
                               "control": f"iso27001:{ref}", "applicable": applicable,
                               "justification": self.text.para(1, 2)}
        if applicable:
            rec["status"] = r.choices(["implemented", "partial", "planned"], [80, 15, 5])[0]
            rec["implementation"] = self.text.para(1, 3)
            risks = self.some("risk", 0, 2)
            if risks:
                rec["risks"] = risks
        return self.finish(rec, tags=[])

    def objective(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        unit, direction = r.choice(UNITS)
        baseline = round(r.uniform(5, 95), 1)
        target = round(baseline * (1.1 if direction == "increase" else 0.85 if direction == "decrease" else 1.0), 1)
        rec = self.base("objective", rid, f"{direction.capitalize()} {r.choice(NOUNS)} {unit}")
        rec.update(target=target, unit=unit, direction=direction, baseline=baseline, due=self.day(-365, 30),
                   plan=self.text.para(1, 2))
        start = self.day(200, 300)
        rec["measurements"] = [
            {"date": start + dt.timedelta(days=30 * i),
             "value": round(baseline + (target - baseline) * i / 8 + r.uniform(-2, 2), 1),
             **({"note": self.text.sentence()} if r.random() < 0.3 else {})}
            for i in range(r.randint(3, 7))
        ]
        return self.finish(rec)

    def action(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        raised = self.day(5, 1000)
        atype = r.choices(["nonconformity", "incident", "complaint", "improvement", "ofi"], [35, 20, 15, 20, 10])[0]
        rec = self.base("action", rid, self.text.title())
        rec.update(type=atype, severity=r.choices(["minor", "major", "none"], [60, 10, 30])[0],
                   source=r.choice(["internal-audit", "external-audit", "management-review", "complaint", "incident",
                                    "monitoring", "suggestion"]),
                   raised_on=raised, raised_by=self.person(), description=self.text.para(2, 4),
                   correction=self.text.sentence())
        if r.random() < 0.7:
            rec.update(root_cause=self.text.para(1, 2), corrective_action=self.text.para(1, 3))
        rec["due"] = raised + dt.timedelta(days=r.choice([14, 30, 60, 90]))
        age = (ANCHOR - raised).days
        if age > 90 and r.random() < 0.85:
            status = "closed"
        else:
            status = r.choice(["open", "in-progress", "closed", "cancelled"])
        rec["status"] = status
        if status == "closed":
            closed = raised + dt.timedelta(days=r.randint(1, max(1, min(age - 1, 120))))
            rec["closed_on"] = closed
            if (ANCHOR - closed).days > 30 and r.random() < 0.8:
                rec["verification"] = {"on": closed + dt.timedelta(days=r.randint(14, 30)), "by": self.person(),
                                       "effective": r.random() < 0.9, "note": self.text.sentence()}
        return self.finish(rec)

    def audit(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        date = self.day(-60, 900)
        status = "planned" if date > ANCHOR else "done"
        atype = r.choices(["internal", "supplier", "surveillance"], [80, 12, 8])[0]
        rec = self.base("audit", rid, f"{_cap(atype)} audit: {r.choice(AREAS)}")
        scope = [f"{f}:{r.choice(LEAVES[f])}" for f in r.sample(list(LEAVES), k=r.randint(1, 3))]
        scope += self.some("process", 0, 1)
        rec.update(type=atype, status=status, date=date,
                   auditor=r.choice(PEOPLE_IDS) if atype == "internal" else r.choice(["Priya Shah", "Tom Evans"]),
                   scope=scope)
        if status == "done":
            findings = []
            for i in range(r.randint(0, 4)):
                family = r.choice(list(LEAVES))
                finding: dict[str, Any] = {
                    "id": f"{rid}-F{i + 1}", "type": r.choice(["minor", "observation", "ofi", "positive", "major"]),
                    "clause": f"{family}:{r.choice(LEAVES[family])}", "description": self.text.para(1, 2),
                }
                actions = self.some("action", 0, 1)
                if actions and finding["type"] in ("major", "minor"):
                    finding["action"] = actions[0]
                findings.append(finding)
            if findings:
                rec["findings"] = findings
        return self.finish(rec)

    def review(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        date = ANCHOR - dt.timedelta(days=30 + 91 * n + r.randint(0, 20))
        rec = self.base("review", rid, f"Management review {date:%B %Y}")
        rec.update(date=date, attendees=sorted(set(TOP + r.sample(PEOPLE_IDS, k=4))),
                   inputs={key: self.text.sentence() for key in REVIEW_INPUTS},
                   outputs={"decisions": [self.text.sentence() for _ in range(2)], "changes": [self.text.sentence()],
                            "resources": [self.text.sentence()], "improvements": [self.text.sentence()]},
                   actions=self.some("action", 1, 4))
        return self.finish(rec)

    def competence(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        who = self.person()
        course = r.choice(COURSES)
        done = self.day(0, 1000)
        rec = self.base("competence", rid, f"{course}: { {p[0]: p[1] for p in PEOPLE}[who]}")
        rec.update(person=who, role={p[0]: p[2] for p in PEOPLE}[who], course=course, completed_on=done)
        if r.random() < 0.7:
            rec["expires_on"] = done + dt.timedelta(days=r.choice([365, 730, 1095]))
        rec["evidence"] = [{"path": r.choice(EVIDENCE_FILES), "date": done, "note": self.text.para(2, 4)}]
        return self.finish(rec)

    def asset(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        atype = r.choice(["laptop", "server", "forklift", "reach truck", "scanner", "weighbridge", "thermometer",
                          "database", "network switch", "vehicle", "racking", "label printer"])
        rec = self.base("asset", rid, f"{_cap(atype)} {r.randint(1, 400):03d} ({r.choice(SITES)})")
        rec.update(type=atype, classification=r.choice(["public", "internal", "confidential", "restricted"]),
                   location=f"{r.choice(SITES)}, {r.choice(AREAS)}")
        return self.finish(rec)

    def exercise(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        scenario = r.choice(["Fire evacuation", "Diesel spill in the yard", "Ransomware on the WMS",
                             "Power cut in the cold store",
                             "Ammonia leak", "Loss of the data centre", "Forklift collision with injury"])
        rec = self.base("exercise", rid, f"{scenario} drill, {r.choice(SITES)}")
        rec.update(date=self.day(10, 700), scenario=f"{scenario}: {self.text.sentence()}",
                   plans=self.some("document", 1, 2), outcome=self.text.para(2, 3), actions=self.some("action", 0, 2))
        return self.finish(rec)

    def supplier(self, rid: str, n: int) -> dict[str, Any]:
        r = self.rng
        service = r.choice(SERVICES)
        rec = self.base("supplier", rid, f"{r.choice(['Northern', 'Apex', 'Bridge', 'Pennine', 'Severn', 'Blue'])} "
                                         f"{r.choice(['Services', 'Ltd', 'Group', 'Logistics'])} ({service})")
        rec.update(service=service, evaluated_on=self.day(10, 500), rating=r.randint(2, 5), approved=r.random() < 0.9)
        rec["evidence"] = [{"url": f"https://intranet.example.com/procurement/{rid.lower()}",
                            "note": self.text.para(3, 4)}]
        if "clauses" not in rec:
            rec["clauses"] = ["iso9001:8.4.1"]
        return self.finish(rec)


# ---------------------------------------------------------------------------
# Planning: how many records of each kind, and which file each goes to


def kind_counts(records: int) -> dict[str, int]:
    controls = min(len(ANNEX_A), records // 2)
    rest = records - controls
    total = sum(WEIGHTS.values())
    exact = {k: rest * w / total for k, w in WEIGHTS.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[: rest - sum(counts.values())]:
        counts[k] += 1
    counts["control"] = controls
    return {k: counts.get(k, 0) for k in ORDER}


@dataclass
class FilePlan:
    path: str
    style: str  # "seq" | "single" | "md"
    ids: list[str]
    header: str = ""


def plan_files(ids: dict[str, list[str]], files: int, md_docs: int) -> list[FilePlan]:
    """Assign every record id to a file: ``md_docs`` Markdown documents, ~10% single files, sequences for the rest."""
    total = sum(len(v) for v in ids.values())
    files = max(1, min(files, total))
    plans: list[FilePlan] = []
    remaining = {k: list(v) for k, v in ids.items()}
    for rid in remaining["document"][:md_docs]:
        plans.append(FilePlan(f"documents/{rid.lower()}.md", "md", [rid]))
    remaining["document"] = remaining["document"][md_docs:]
    singles_wanted = min(round(files * 0.1), files - len(plans) - 1)
    single_kinds = ["review", "audit", "process", "supplier", "objective", "risk", "obligation"]
    while singles_wanted > 0 and any(len(remaining[k]) > 1 for k in single_kinds):
        for kind in single_kinds:
            if singles_wanted and len(remaining[kind]) > 1:
                rid = remaining[kind].pop()
                plans.append(FilePlan(f"{LAYOUT[kind][0]}/{rid.lower()}.yaml", "single", [rid]))
                singles_wanted -= 1
    seq_files = files - len(plans)
    groups = [(k, remaining[k]) for k in ORDER if remaining[k]]
    if seq_files >= len(groups):
        alloc = {k: 1 for k, _ in groups}
        heap: list[tuple[float, str]] = [(-len(v), k) for k, v in groups if len(v) > 1]
        heapq.heapify(heap)
        for _ in range(seq_files - len(groups)):
            _, kind = heapq.heappop(heap)
            alloc[kind] += 1
            if alloc[kind] < len(remaining[kind]):
                heapq.heappush(heap, (-len(remaining[kind]) / alloc[kind], kind))
        for kind, members in groups:
            directory, stem = LAYOUT[kind]
            for i, chunk in enumerate(_chunks(members, alloc[kind])):
                suffix = f"-{i + 1:03d}" if alloc[kind] > 1 else ""
                plans.append(FilePlan(f"{directory}/{stem}{suffix}.yaml", "seq", chunk,
                                      f"# {HEADERS[kind]}, part {i + 1} of {alloc[kind]}\n"))
    elif seq_files > 0:  # fewer files than kinds: mixed registers
        flat = [rid for _, members in groups for rid in members]
        for i, chunk in enumerate(_chunks(flat, seq_files)):
            plans.append(FilePlan(f"registers/register-{i + 1:03d}.yaml", "seq", chunk, "# Mixed register\n"))
    return plans


def _chunks(items: list[str], n: int) -> list[list[str]]:
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


# ---------------------------------------------------------------------------
# Rendering files


def manifest() -> str:
    people = "\n".join(
        f"  - {{id: {pid}, name: {name}, role: {role}{', top_management: true' if top else ''}, "
        f"email: {pid}@northwind.example}}"
        for pid, name, role, top in PEOPLE
    )
    return f"""# yaml-language-server: $schema=.isoctl/schema/manifest.json
isoctl: 1
organization:
  name: Northwind Freight & Storage Ltd
  sites: [{', '.join(SITES)}]
scope: >-
  Warehousing, cross-docking and road freight for retail and e-commerce customers from the Leeds,
  Bristol and Doncaster sites, and the IT services that support them.
standards: [iso9001:2015, iso14001:2015, iso45001:2018, iso27001:2022]
certification:
  iso9001:
    body: Example Certification Ltd
    certificate: "QMS 612345"
    issued: 2024-03-12
    expires: 2027-03-11
    audits:
      - {{type: surveillance, date: 2025-03-10, status: done}}
      - {{type: surveillance, date: 2026-03-09, status: done}}
  iso27001:
    body: Example Certification Ltd
    certificate: "ISMS 700321"
    issued: 2025-06-02
    expires: 2028-06-01
exclusions:
  - clause: iso9001:8.3
    justification: "No design and development; all services follow customer specifications."
people:
{people}
settings:
  document_review_days: 365
  management_review_days: 365
  audit_cycle_days: 1095
  objective_measure_days: 120
ignore: [drafts/]
"""


README = """# Northwind integrated management system

Quality, environment, health and safety and information security, kept as records
that `isoctl check` validates. See `isoctl.yaml` for the scope.
"""


@dataclass
class State:
    """The workspace as files of records, with each record's text cached (the history edits one at a time)."""

    plans: list[FilePlan]
    records: dict[str, dict[str, Any]]
    bodies: dict[str, str]
    texts: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)  # files that document paths point to

    def record_text(self, rid: str, style: str) -> str:
        text = self.texts.get(rid)
        if text is None:
            record = self.records[rid]
            text = _CLAUSE_QUOTES.sub(r"\1", dump([record]) if style == "seq" else dump(record))
            self.texts[rid] = text
        return text

    def render(self, plan: FilePlan) -> str:
        if plan.style == "md":
            rid = plan.ids[0]
            return f"---\n{self.record_text(rid, 'md')}---\n{self.bodies[rid]}"
        if plan.style == "single":
            return self.record_text(plan.ids[0], "single")
        return plan.header + "\n" + "\n".join(self.record_text(rid, "seq") for rid in plan.ids)


def static_files() -> dict[str, bytes]:
    out = {"isoctl.yaml": manifest().encode(), "README.md": README.encode()}
    for path in EVIDENCE_FILES:
        out[path] = f"%PDF-1.4\n% placeholder evidence: {path}\n".encode()
    return out


def build(records: int, files: int, seed: int) -> State:
    """The records and their file plan (no I/O)."""
    rng = random.Random(seed)
    counts = kind_counts(max(1, records))
    ids = {k: [f"{PREFIX[k]}-{i + 1:0{max(3, len(str(n)))}d}" for i in range(n)] for k, n in counts.items()}
    ids["control"] = [f"SOA-{ANNEX_A[i]}" for i in range(counts["control"])]
    md_docs = min(counts["document"], round(max(1, min(files, records)) * 0.1))
    builder = Builder(rng, ids, md_docs)
    made: dict[str, dict[str, Any]] = {}
    bodies: dict[str, str] = {}
    for kind in ORDER:
        make: Callable[[str, int], dict[str, Any]] = getattr(builder, kind)
        for n, rid in enumerate(ids[kind]):
            made[rid] = make(rid, n)
            if kind == "document" and n < md_docs:
                bodies[rid] = builder.markdown_body(made[rid])
    return State(plan_files(ids, files, md_docs), made, bodies, extra=builder.document_files)


def generate(root: Path, records: int = 5000, files: int = 500, *, commits: int = 0, seed: int = 1,
             shape: str = "registers") -> int:
    """Write a valid workspace of ``records`` records in ``files`` files to ``root`` (and a history of ``commits``).

    Returns the number of files that hold records (``small`` decides it: ten records a file).
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(SHAPES)}")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    state = build(records, files, seed) if shape == "registers" else build_small(records, seed)
    tree = static_files()
    for path in state.extra:
        tree[path] = f"placeholder for the controlled copy of {path}\n".encode()
    for plan in state.plans:
        tree[plan.path] = state.render(plan).encode()
    for path, data in tree.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if commits > 0:
        History(state, tree, random.Random(f"history-{seed}")).write(root, commits)
    return len(state.plans)


#: The workspace shapes :func:`generate` knows (see the module docstring).
SHAPES = ("registers", "small")

#: What a record of the ``small`` shape keeps besides id, kind, title, owner and one clause reference.
SMALL_FIELDS: dict[str, tuple[str, ...]] = {
    "issue": ("type", "climate"),
    "party": (),
    "document": ("type", "status", "version", "approved_by", "approved_on", "review_every_days", "next_review"),
    "process": (),
    "risk": ("type", "likelihood", "impact", "treatment", "reviewed_on"),
    "aspect": ("activity", "aspect", "impact", "significant"),
    "hazard": ("activity", "hazard", "rating"),
    "obligation": ("source", "evaluated_on", "compliant"),
    "control": ("control", "applicable", "status"),
    "objective": ("target", "direction", "due", "measurements"),
    "action": ("type", "severity", "raised_on", "due", "status", "closed_on"),
    "audit": ("type", "status", "date", "auditor"),
    "review": ("date", "attendees"),
    "competence": ("person", "completed_on", "expires_on"),
    "supplier": ("service", "evaluated_on", "rating", "approved"),
    "asset": ("type", "classification"),
    "exercise": ("date", "scenario"),
}
SMALL_PER_FILE = 10


def build_small(records: int, seed: int) -> State:
    """The ``small`` shape: the records of :func:`build`, cut down, ten to a YAML file (no I/O)."""
    full = build(records, max(1, records // SMALL_PER_FILE), seed)
    slim = {rid: _slim(record) for rid, record in full.records.items()}
    plans = []
    for kind in ORDER:
        ids = [rid for rid, record in slim.items() if record["kind"] == kind]
        directory, stem = LAYOUT[kind]
        for start in range(0, len(ids), SMALL_PER_FILE):
            plans.append(FilePlan(f"{directory}/{stem}-{start // SMALL_PER_FILE + 1:04d}.yaml", "seq",
                                  ids[start:start + SMALL_PER_FILE], f"# {HEADERS[kind]}\n"))
    return State(plans, slim, {})


def _slim(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {name: record[name] for name in ("id", "kind", "title", "owner") if name in record}
    if record.get("clauses"):
        out["clauses"] = record["clauses"][:1]
    for name in SMALL_FIELDS[record["kind"]]:
        if name in record:
            out[name] = _short(record[name])
    return out


def _short(value: Any) -> Any:
    """Text cut to a few words; the last two entries of a list (measurements, attendees) without notes."""
    if isinstance(value, str) and len(value) > 40:
        return value[:40].rsplit(" ", 1)[0].rstrip(",;:.")
    if isinstance(value, list):
        return [{k: v for k, v in item.items() if k != "note"} if isinstance(item, dict) else item
                for item in value[-2:]]
    return value


# ---------------------------------------------------------------------------
# History: worked out backwards from the final tree, then replayed forwards with git fast-import


@dataclass
class Commit:
    when: int
    author: str
    message: str
    changes: dict[str, bytes | None]


class History:
    def __init__(self, state: State, tree: dict[str, bytes], rng: random.Random) -> None:
        self.state = State(state.plans, copy.deepcopy(state.records), dict(state.bodies), dict(state.texts))
        self.tree = dict(tree)
        self.rng = rng
        self.text = Text(rng)
        self.state.plans = [FilePlan(p.path, p.style, list(p.ids), p.header) for p in state.plans]
        self.live: dict[str, FilePlan] = {p.path: p for p in self.state.plans}
        self.kind_of = {rid: rec["kind"] for rid, rec in self.state.records.items()}
        self.refs: dict[str, int] = {}
        for rec in self.state.records.values():
            for target in _targets(rec):
                self.refs[target] = self.refs.get(target, 0) + 1

    # Inverse edits, applied going backwards in time. Each returns the message of the commit that, going
    # forwards, made the change on ``day``; changes that would date a record after its commit are avoided.
    def undo(self, plan: FilePlan, day: dt.date) -> str:
        r = self.rng
        rid = r.choice(plan.ids)
        rec = self.state.records[rid]
        kind = rec["kind"]
        dated = _record_day(rec)
        if (self.refs.get(rid, 0) == 0 and plan.style != "md" and dated is not None and dated <= day
                and kind in ("action", "competence", "risk", "audit", "supplier", "obligation", "asset")
                and r.random() < (0.7 if kind in ("action", "competence") else 0.3)):
            plan.ids.remove(rid)
            for target in _targets(rec):
                self.refs[target] -= 1
            if not plan.ids:
                del self.live[plan.path]
            return {"action": "Log", "competence": "Add training record"}.get(kind, "Add") + f" {rid}: {rec['title']}"
        message = None
        if kind == "action" and rec.get("status") == "closed" and rec.get("closed_on", day) <= day:
            rec["status"] = r.choice(["open", "in-progress"])
            rec.pop("closed_on", None)
            rec.pop("verification", None)
            message = f"Close {rid}: {rec['title']}"
        elif kind == "objective" and len(rec["measurements"]) > 1 and rec["measurements"][-1]["date"] <= day:
            last = rec["measurements"].pop()
            message = f"{rid}: record the {last['date']:%B %Y} measurement"
        elif kind == "document" and int(rec.get("version", "1")) > 1 and rec.get("approved_on", day) <= day:
            rec["version"] = str(int(rec["version"]) - 1)
            if "approved_on" in rec:
                rec["approved_on"] = rec["approved_on"] - dt.timedelta(days=r.randint(60, 300))
            message = f"Approve {rid} version {int(rec['version']) + 1}"
        elif kind in ("risk", "supplier", "obligation") and dated is not None and dated <= day:
            name = "reviewed_on" if kind == "risk" else "evaluated_on"
            rec[name] = rec[name] - dt.timedelta(days=r.randint(60, 300))
            if kind == "risk" and rec.get("likelihood"):
                rec["likelihood"] = min(5, rec["likelihood"] + 1)
            message = f"{'Review' if kind == 'risk' else 'Re-evaluate'} {rid}"
        elif kind == "control" and rec.get("status") in ("implemented", "partial") and r.random() < 0.5:
            rec["status"] = {"implemented": "partial", "partial": "planned"}[rec["status"]]
            message = f"SoA {rec['control']}: {'implemented' if rec['status'] == 'partial' else 'partly implemented'}"
        elif plan.style == "md":
            body = self.state.bodies[rid]
            if len(body) > 600 and r.random() < 0.5:  # going forwards: a sentence was added
                self.state.bodies[rid] = body.rstrip("\n").rsplit("\n", 1)[0] + "\n"
            else:
                self.state.bodies[rid] = body + "\n" + self.text.sentence() + "\n"
            message = f"Reword {rid} ({rec['title']})"
        if message is None:
            text_field = next((f for f in ("description", "justification", "plan", "criteria", "implementation", "correction",
                                     "outcome") if isinstance(rec.get(f), str)), None)
            notes = [e for e in rec.get("evidence", []) if "note" in e]
            if text_field is None and notes:
                r.choice(notes)["note"] = self.text.para(1, 2)
                message = f"Update the evidence of {rid}"
            elif text_field is None:
                rec["tags"] = [t for t in rec.get("tags", []) if t != "reviewed"] if "reviewed" in rec.get("tags", []) \
                    else [*rec.get("tags", []), "reviewed"]
                message = f"Tag {rid}"
            else:
                rec[text_field] = self.text.para(1, 2)
                message = f"Update {rid}: {text_field}"
        self.state.texts.pop(rid, None)
        return message

    def write(self, root: Path, commits: int) -> None:
        r = self.rng
        end = int(dt.datetime.combine(ANCHOR, dt.time(17, 0), tzinfo=dt.UTC).timestamp())
        start = end - 730 * 86400
        times = sorted(_working_hours(r, r.randint(start, end)) for _ in range(commits - 1))
        weights = {"action": 8, "objective": 3, "risk": 3, "document": 3, "competence": 2, "control": 2}
        history: list[Commit] = []
        for when in reversed(times):
            candidates = list(self.live.values())
            k = min(len(candidates), r.choices([1, 2, 3, 4, 5], [45, 25, 15, 10, 5])[0])
            chosen: list[FilePlan] = []
            while len(chosen) < k:
                plan = r.choices(candidates, [weights.get(self.kind_of[p.ids[0]], 1) for p in candidates])[0]
                if plan not in chosen:
                    chosen.append(plan)
            changes: dict[str, bytes | None] = {plan.path: self.tree[plan.path] for plan in chosen}
            day = dt.datetime.fromtimestamp(when, dt.UTC).date()
            messages = [self.undo(plan, day) for plan in chosen]
            for plan in chosen:
                if plan.path in self.live:
                    self.tree[plan.path] = self.state.render(plan).encode()
                else:
                    del self.tree[plan.path]  # going forwards, the file was added by this commit
            head = messages[0] if len(messages) == 1 else f"{messages[0]} (and {len(messages) - 1} more)"
            body = "\n".join(f"- {m}" for m in messages) if len(messages) > 1 else ""
            history.append(Commit(when, r.choice(AUTHORS), head + (f"\n\n{body}" if body else ""), changes))
        initial = Commit(_working_hours(r, start - 3 * 86400), "akhan", "Import the management system into isoctl",
                         dict(self.tree))
        history.append(initial)
        history.reverse()
        _fast_import(root, history)


def _record_day(rec: dict[str, Any]) -> dt.date | None:
    """The date a record was written (or last reviewed), for keeping the history in time order."""
    for name in ("raised_on", "completed_on", "reviewed_on", "evaluated_on", "date", "approved_on"):
        if isinstance(rec.get(name), dt.date):
            return rec[name]  # type: ignore[no-any-return]
    return None


def _targets(rec: dict[str, Any]) -> list[str]:
    """Record ids a record refers to (so a record is only removed from the past when nothing refers to it)."""
    out = list(rec.get("kpis", [])) + list(rec.get("actions", [])) + list(rec.get("plans", []))
    out += list(rec.get("risks", []))
    out += [x for x in rec.get("controls", []) if isinstance(x, str) and ":" not in x]  # not clause references
    out += [f["action"] for f in rec.get("findings", []) if "action" in f]
    return out


def _working_hours(rng: random.Random, when: int) -> int:
    day = when - when % 86400
    moment = dt.datetime.fromtimestamp(day, dt.UTC)
    while moment.weekday() >= 5:
        moment -= dt.timedelta(days=1)
    return int(moment.timestamp()) + rng.randint(8 * 3600, 18 * 3600)


def _fast_import(root: Path, history: list[Commit]) -> None:
    """Write the commits with ``git fast-import`` (author and committer dates set per commit), then sync the index."""
    names = {p[0]: p[1] for p in PEOPLE}
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    ref = subprocess.run(["git", "-C", str(root), "symbolic-ref", "HEAD"], check=True, capture_output=True,
                         text=True).stdout.strip()
    chunks: list[bytes] = []
    for number, commit in enumerate(history, 1):
        who = f"{names[commit.author]} <{commit.author}@northwind.example> {commit.when} +0000"
        message = commit.message.encode() + b"\n"
        chunks.append(f"commit {ref}\nmark :{number}\nauthor {who}\ncommitter {who}\ndata {len(message)}\n".encode())
        chunks.append(message)
        if number > 1:
            chunks.append(f"from :{number - 1}\n".encode())
        for path, data in sorted(commit.changes.items()):
            if data is None:
                chunks.append(f"D {path}\n".encode())
            else:
                chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
                chunks.append(data)
                chunks.append(b"\n")
        chunks.append(b"\n")
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet", "--date-format=raw"], input=b"".join(chunks),
                   check=True)
    subprocess.run(["git", "-C", str(root), "reset", "-q"], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path, help="where to write the workspace (created; should be empty)")
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--files", type=int, default=500, help="ignored by --shape small (ten records a file)")
    parser.add_argument("--shape", choices=SHAPES, default="registers")
    parser.add_argument("--commits", type=int, default=0, help="git history of this many commits (0: no git)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.dir.exists() and any(args.dir.iterdir()):
        parser.error(f"{args.dir} is not empty")
    generate(args.dir, args.records, args.files, commits=args.commits, seed=args.seed, shape=args.shape)
    return 0


if __name__ == "__main__":
    sys.exit(main())
