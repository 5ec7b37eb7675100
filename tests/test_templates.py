"""Scaffold templates: the built-in ``integrated`` template, a consultant's own directory, and docs/templates.md.

The integrated template must give a workspace ``isoctl check`` finds no error
in, for the three standards and for any subset of them, with each shared
procedure reaching the same clause of every standard in scope through
``hs:``. A consultant's template that uses every documented variable shows
each one's value; the documentation's table of variables is compared with
the variables the renderer offers, so neither can drift from the other.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from helpers import Cli, GitRepo, isolate_git, write_tree

import isoctl

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

TODAY = dt.date(2026, 12, 1)
AUTHOR = ("Jane Smith", "jane@example.com")
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "templates.md"
BUILT_IN = ROOT / "templates" / "scaffold"
ALL_THREE = ["iso9001:2015", "iso14001:2015", "iso45001:2018"]
PEOPLE = ["--person", "jsmith:Jane Smith:Managing Director:top", "--person", "akhan:Amir Khan:QHSE Coordinator"]

#: What a fresh integrated workspace may be told: drafts, nothing held yet, no climate decision, old editions.
DRAFT_RULES = {"partial-clause", "audit-programme-gap", "missing-management-review", "climate-undetermined",
               "superseded-edition", "stale-record", "weak-hazard-controls"}

#: Shared procedures and the harmonized-structure clause each serves in every standard in scope.
SHARED = {"4.3": "DOC-SCOPE", "5.2": "POL-IMS", "6.1": "PRO-CONTEXT-RISK", "6.2": "PRO-OBJECTIVES",
          "7.2": "PRO-COMPETENCE", "7.4": "PRO-COMMUNICATION", "7.5": "PRO-DOC-CONTROL", "8.1": "PRO-OPERATIONS",
          "9.1": "PRO-OBJECTIVES", "9.2": "PRO-AUDIT", "9.3": "PRO-REVIEW", "10.2": "PRO-IMPROVEMENT"}


@pytest.fixture(autouse=True)
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A known git user and scaffold day, whatever the machine running the tests."""
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text(f"[user]\n\tname = {AUTHOR[0]}\n\temail = {AUTHOR[1]}\n[init]\n\tdefaultBranch = main\n")
    isolate_git(monkeypatch, config)
    monkeypatch.setenv("ISOCTL_TODAY", TODAY.isoformat())


def standard_args(standards: list[str]) -> list[str]:
    return [arg for standard in standards for arg in ("--standard", standard)]


def integrated(cli: Cli, target: Path, standards: list[str], *extra: str) -> Path:
    run = cli("init", str(target), "--org", "Acme Ltd", "--template", "integrated", *standard_args(standards), *PEOPLE,
              *extra)
    run.expect(0)
    return target


def check_json(cli: Cli, root: Path) -> dict[str, Any]:
    run = cli("check", str(root), "--format", "json", "--today", TODAY.isoformat())
    data: dict[str, Any] = json.loads(run.stdout)
    assert run.exit_code == (1 if data["summary"]["error"] else 0), run.stderr
    return data


def gap_rows(cli: Cli, root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    run = cli("gap", str(root), "--format", "json", "--today", TODAY.isoformat()).expect(0)
    return {(row["standard"], row["clause"]): row for row in json.loads(run.stdout)["clauses"]}


def documented_variables() -> list[str]:
    """The variables in the first column of the table under ``## Variables`` in docs/templates.md."""
    section = DOCS.read_text(encoding="utf-8").split("\n## Variables\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])]


# -- the integrated template ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "standards",
    [
        ALL_THREE,
        ["iso9001:2015"],
        ["iso14001:2015"],
        ["iso45001:2018"],
        ["iso9001:2015", "iso45001:2018"],
        ["iso14001:2015", "iso45001:2018"],
        ["iso9001:2026", "iso14001:2026", "iso45001:2018"],
        ["iso14001:2026"],
    ],
)
def test_integrated_workspace_has_no_errors(standards: list[str], cli: Cli, tmp_path: Path) -> None:
    root = integrated(cli, tmp_path / "ims", standards)
    data = check_json(cli, root)
    assert data["summary"]["error"] == 0, [f for f in data["findings"] if f["severity"] == "error"]
    assert {f["rule"] for f in data["findings"]} <= DRAFT_RULES
    # every clause of every standard is addressed by a draft: partial, none missing and none claimed covered
    assert [(c["standard"], c["missing"], c["covered"]) for c in data["coverage"]] == [
        (s.replace(":", "-"), 0, 0) for s in standards
    ]
    assert data["workspace"]["commit"] and data["workspace"]["dirty"] is False


def test_default_template_leaves_errors_the_integrated_one_does_not(cli: Cli, tmp_path: Path) -> None:
    cli("init", str(tmp_path / "plain"), "--org", "Acme Ltd", *standard_args(ALL_THREE), *PEOPLE).expect(0)
    plain = check_json(cli, tmp_path / "plain")
    ims = check_json(cli, integrated(cli, tmp_path / "ims", ALL_THREE))
    assert plain["summary"]["error"] > 0 and {"unmapped-clause", "missing-management-review"} <= {
        f["rule"] for f in plain["findings"] if f["severity"] == "error"}
    assert ims["summary"]["error"] == 0
    review = next(f for f in ims["findings"] if f["rule"] == "missing-management-review")
    assert review["severity"] == "warning" and review["path"] == "isoctl.yaml"  # lowered in the manifest, still said


@pytest.mark.parametrize("standards", [ALL_THREE, ["iso9001:2026", "iso14001:2026"], ["iso45001:2018"]])
def test_shared_procedures_serve_the_same_clause_of_every_standard(
    standards: list[str], cli: Cli, catalogs: Catalogs, tmp_path: Path
) -> None:
    rows = gap_rows(cli, integrated(cli, tmp_path / "ims", standards))
    for edition in (catalogs.edition(s) for s in standards):
        for hs, record in SHARED.items():
            linked = [c for c in edition.clauses if c.hs == hs or (c.hs or "").startswith(hs + ".")]
            assert linked, (edition.id, hs)
            for clause in linked:
                assert record in rows[(edition.id, clause.id)]["records"], (edition.id, clause.id, record)
    assert {standard for standard, _ in rows} == {s.replace(":", "-") for s in standards}


def test_standard_specific_documents_only_for_their_standard(cli: Cli, tmp_path: Path) -> None:
    rows = gap_rows(cli, integrated(cli, tmp_path / "all", ALL_THREE))
    assert {"PRO-ASPECTS", "ASP-ENERGY", "ASP-WASTE", "ASP-FIRE"} <= set(rows[("iso14001-2015", "6.1.2")]["records"])
    assert {"PRO-HAZARDS", "HAZ-SLIPS"} <= set(rows[("iso45001-2018", "6.1.2.1")]["records"])
    assert "PRO-HAZARDS" in rows[("iso45001-2018", "8.1.2")]["records"]
    assert "PRO-COMPLIANCE" in rows[("iso14001-2015", "9.1.2")]["records"]
    assert "PRO-COMPLIANCE" in rows[("iso45001-2018", "9.1.2")]["records"]
    assert "PRO-EMERGENCY" in rows[("iso14001-2015", "8.2")]["records"]
    assert "PRO-EMERGENCY" in rows[("iso45001-2018", "8.2")]["records"]
    assert "PRO-DESIGN" in rows[("iso9001-2015", "8.3.2")]["records"]
    assert "PRO-CHANGE" in rows[("iso9001-2015", "6.3")]["records"]
    assert "PRO-CHANGE" in rows[("iso45001-2018", "8.1.3")]["records"]

    quality = integrated(cli, tmp_path / "quality", ["iso9001:2015"])
    assert not (quality / "registers").exists()
    assert not (quality / "documents" / "procedures" / "environmental-aspects.md").exists()
    assert not (quality / "documents" / "procedures" / "emergency-preparedness.md").exists()
    policy = (quality / "documents" / "policy.md").read_text(encoding="utf-8")
    assert "## Quality" in policy and "## Environment" not in policy and "## Health and safety" not in policy

    safety = integrated(cli, tmp_path / "safety", ["iso45001:2018"])
    assert (safety / "registers" / "hazards.yaml").exists() and not (safety / "registers" / "aspects.yaml").exists()
    assert not (safety / "documents" / "procedures" / "customers.md").exists()
    assert "consultation and participation" in (safety / "documents" / "procedures" / "communication.md").read_text()


def test_integrated_output_is_deterministic_and_in_our_own_words(cli: Cli, catalogs: Catalogs, tmp_path: Path) -> None:
    first = integrated(cli, tmp_path / "one", ALL_THREE, "--no-git")
    second = integrated(cli, tmp_path / "two", ALL_THREE, "--no-git")

    def contents(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert contents(first) == contents(second)
    text = "\n".join(p.read_text(encoding="utf-8") for p in first.rglob("*") if p.is_file() and ".isoctl" not in p.parts)
    summaries = {c.summary for e in catalogs.editions.values() for c in e.clauses}
    assert not [s for s in summaries if s in text]
    assert "TODO" in (first / "documents" / "procedures" / "internal-audit.md").read_text(encoding="utf-8")


def test_integrated_repository_files_are_those_of_default() -> None:
    """CI, hook and ignore files are the same in both built-in templates: a fix to one reaches both."""
    shared = [".gitignore.j2", ".pre-commit-config.yaml.j2", "{% if ci_gitlab %}.gitlab-ci.yml{% endif %}.j2",
              "{% if ci_github %}.github{% endif %}/workflows/isoctl.yml.j2"]
    for name in shared:
        assert (BUILT_IN / "integrated" / name).read_bytes() == (BUILT_IN / "default" / name).read_bytes(), name


# -- a consultant's own template ------------------------------------------------------------------

VARIABLES_J2 = """\
organization={{ organization }}
standards={% for s in standards %}{{ s.id }}|{{ s.family }}|{{ s.edition }}|{{ s.display }}|{{ s.policy_id }}|\
{{ s.policy_clause }}|{{ s.title }};{% endfor %}

families={{ families | sort | join(",") }}|{{ families.iso9001.display }}
in_scope={% for family, chosen in in_scope | dictsort %}{{ family }}:{{ chosen }},{% endfor %}

ci={{ ci }}
ci_github={{ ci_github }}
ci_gitlab={{ ci_gitlab }}
people={% for p in people %}{{ p.id }}|{{ p.name }}|{{ p.role }}|{{ p.email }}|{{ p.top_management }};{% endfor %}

owner={{ owner.id }}|{{ owner.name }}
today={{ today }}
soa={% if soa %}{{ soa.edition }}|{{ soa.count }}|{{ soa.groups | map(attribute="label") | join(",") }}|\
{{ soa.groups[0].controls[0].id }}|{{ soa.groups[0].controls[0].title }}|{{ soa.groups[0].controls[0].ref }}|\
{{ soa.title }}{% else %}none{% endif %}

isoctl_version={{ isoctl_version }}
isoctl_repository={{ isoctl_repository }}
isoctl_ref={{ isoctl_ref }}
isoctl_install={{ isoctl_install }}
workspace_dir={{ workspace_dir }}
workspace_files={{ workspace_files }}
in_repository={{ in_repository }}
github_workflow={{ github_workflow }}
gitlab_ci={{ gitlab_ci }}
yaml={{ organization | yaml }}
"""

CONSULTANT = {
    "isoctl.yaml.j2": "isoctl: 1\norganization:\n  name: {{ organization | yaml }}\n"
    "standards: [{{ standards | map(attribute='display') | join(', ') }}]\npeople:\n"
    "{% for p in people %}  - {id: {{ p.id }}, name: {{ p.name | yaml }}"
    "{% if p.top_management %}, top_management: true{% endif %}}\n{% endfor %}",
    "variables.txt.j2": VARIABLES_J2,
    "{% if false %}partials{% endif %}/front-matter.j2": "{% macro document(id, type, title) %}---\nid: {{ id }}\n"
    "kind: document\ntype: {{ type }}\ntitle: {{ title | yaml }}\nstatus: draft\nowner: {{ owner.id }}\n"
    "{% endmacro %}",
    "{{ owner.id }}-handbook.md.j2": "{% import '{% if false %}partials{% endif %}/front-matter.j2' as fm with context %}"
    "{{ fm.document('MAN-' ~ owner.id | upper, 'manual', organization ~ ' handbook') }}clauses: [hs:4.4]\n---\n"
    "# Handbook of {{ organization }}\n",
    "{% if ci_gitlab %}.gitlab-ci.yml{% endif %}.j2": "isoctl: {script: [isoctl check]}\n",
    "{% if ci_github %}.github{% endif %}/workflows/isoctl.yml.j2": "name: isoctl ({{ workspace_dir }})\n",
    "logo.svg": "<svg>{{ copied as it is }}</svg>",
}


def rendered(root: Path) -> dict[str, str]:
    lines = (root / "variables.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_consultant_template_uses_every_documented_variable() -> None:
    used = set(re.findall(r"[a-z_]+", "\n".join(CONSULTANT)) + re.findall(r"[a-z_]+", VARIABLES_J2))
    assert set(documented_variables()) <= used


def test_consultant_template_renders_every_variable(cli: Cli, catalogs: Catalogs, tmp_path: Path) -> None:
    template = write_tree(tmp_path / "practice", CONSULTANT)
    org = "Acme: Logistics & Co"
    cli("init", "client", "--org", org, "--template", str(template), "-s", "iso9001:2015", "-s", "iso27001:2022",
        *PEOPLE, "--ci", "gitlab").expect(0)
    root = tmp_path / "client"
    values = rendered(root)
    quality, infosec = catalogs.edition("iso9001:2015"), catalogs.edition("iso27001:2022")
    version = isoctl.__version__
    assert values == {
        "organization": org,
        "standards": f"iso9001-2015|iso9001|2015|iso9001:2015|POL-QUALITY|iso9001:5.2|{quality.title};"
                     f"iso27001-2022|iso27001|2022|iso27001:2022|POL-INFOSEC|iso27001:5.2|{infosec.title};",
        "families": "iso27001,iso9001|iso9001:2015",
        "in_scope": "iso14001:False,iso22301:False,iso27001:True,iso45001:False,iso9001:True,",
        "people": "jsmith|Jane Smith|Managing Director|None|True;akhan|Amir Khan|QHSE Coordinator|None|False;",
        "owner": "jsmith|Jane Smith",
        "ci": "gitlab",
        "ci_github": "False",
        "ci_gitlab": "True",
        "today": "2026-12-01",
        "soa": "iso27001:2022|93|Organizational controls,People controls,Physical controls,Technological controls|"
               f"A.5.1|Policies for information security|iso27001:A.5.1|{infosec.title}",
        "isoctl_version": version,
        "isoctl_repository": "https://github.com/isoctl/isoctl",
        "isoctl_ref": f"v{version}",
        "isoctl_install": f"isoctl @ git+https://github.com/isoctl/isoctl@v{version}",
        "workspace_dir": ".",
        "workspace_files": "",
        "in_repository": "False",
        "github_workflow": ".github/workflows/isoctl.yml",
        "gitlab_ci": ".gitlab-ci.yml",
        "yaml": '"Acme: Logistics & Co"',
    }
    # file names are templates; an empty part leaves a file out; other files are copied as they are
    assert (root / ".gitlab-ci.yml").exists() and not (root / ".github").exists()
    assert (root / "logo.svg").read_text() == "<svg>{{ copied as it is }}</svg>"
    handbook = (root / "jsmith-handbook.md").read_text(encoding="utf-8")
    assert handbook.splitlines()[1] == "# yaml-language-server: $schema=.isoctl/schema/record.json"
    assert "id: MAN-JSMITH" in handbook and 'title: "Acme: Logistics & Co handbook"' in handbook  # from the macro
    assert not [p for p in root.rglob("*") if "partials" in p.name or "front-matter" in p.name]  # shared, not written
    assert yaml.safe_load((root / "isoctl.yaml").read_text(encoding="utf-8"))["organization"]["name"] == org
    found = check_json(cli, root)
    assert not [f for f in found["findings"] if f["rule"] in ("schema-error", "parse-error", "unknown-reference")]


def test_consultant_template_inside_a_product_repository(cli: Cli, tmp_path: Path) -> None:
    product = GitRepo.init(tmp_path / "product")
    product.commit("Product code", files={"src/app.py": "print('hello')\n", ".github/workflows/isoctl.yml": "name: x\n"})
    template = write_tree(tmp_path / "practice", CONSULTANT)
    cli("init", "compliance", "--org", "Acme", "--template", str(template), "-s", "iso9001:2015", "--yes",
        cwd=product.root).expect(0)
    values = rendered(product.root / "compliance")
    assert (values["workspace_dir"], values["workspace_files"], values["in_repository"]) == ("compliance", "^compliance/",
                                                                                             "True")
    assert values["github_workflow"] == ".github/workflows/isoctl-compliance.yml"  # isoctl.yml is taken
    assert values["soa"] == "none"  # no ISO/IEC 27001 in scope
    assert (product.root / ".github" / "workflows" / "isoctl-compliance.yml").read_text() == "name: isoctl (compliance)\n"
    assert values["people"] == f"jane-smith|{AUTHOR[0]}|TODO: role, for example Managing Director|{AUTHOR[1]}|True;"


# -- the documentation ----------------------------------------------------------------------------


def test_documented_variables_are_exactly_those_the_renderer_offers(cli: Cli, tmp_path: Path) -> None:
    template = write_tree(tmp_path / "typo", {"isoctl.yaml.j2": "name: {{ organisation }}\n"})
    run = cli("init", "ws", "--template", str(template), "-s", "iso9001:2015", "--no-git", "--yes")
    run.expect(2, "isoctl.yaml.j2:1: 'organisation' is undefined")
    offered = re.search(r"templates can use: ([a-z_, ]+) \(see docs/templates\.md\)", run.stderr)
    assert offered is not None, run.stderr
    documented = documented_variables()
    assert len(documented) == len(set(documented))  # each variable has one row
    assert sorted(documented) == offered.group(1).split(", ")
    assert not (tmp_path / "ws").exists()


def test_documented_built_in_templates_are_those_shipped(cli: Cli, tmp_path: Path) -> None:
    table = DOCS.read_text(encoding="utf-8").split("| built-in |", 1)[1].split("\n\n", 1)[0]
    documented = re.findall(r"^\| `([a-z-]+)` \|", table, re.M)
    shipped = sorted(p.name for p in BUILT_IN.iterdir() if p.is_dir())
    assert documented == shipped == ["default", "integrated"]
    run = cli("init", "ws", "--template", "no-such-template", "-s", "iso9001:2015", "--no-git", "--yes")
    run.expect(2, f"built-in templates: {', '.join(shipped)}")
    assert "docs/templates.md" in (BUILT_IN / "README.md").read_text(encoding="utf-8")
