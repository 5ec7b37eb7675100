"""``isoctl init``: real directories, real git repositories, every generated record valid."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from helpers import Cli, GitRepo, isolate_git, run_isoctl
from pydantic import TypeAdapter

from isoctl.model.manifest import Manifest
from isoctl.model.records import Record

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

TODAY = dt.date(2026, 1, 5)
AUTHOR = ("Jane Smith", "jane@example.com")
RECORDS = TypeAdapter(Record)


@pytest.fixture(autouse=True)
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private global git config naming a known user, so author checks do not depend on the machine."""
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text(f"[user]\n\tname = {AUTHOR[0]}\n\temail = {AUTHOR[1]}\n[init]\n\tdefaultBranch = main\n")
    isolate_git(monkeypatch, config)
    monkeypatch.setenv("ISOCTL_TODAY", TODAY.isoformat())
    return config


def files_of(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts}


def front_matter(text: str) -> dict[str, Any] | None:
    if not text.startswith("---\n"):
        return None
    head, _, _ = text[4:].partition("\n---\n")
    data = yaml.safe_load(head)
    return data if isinstance(data, dict) and "kind" in data else None


def records_of(root: Path) -> dict[str, list[dict[str, Any]]]:
    """Every record of a workspace by file, read as the format says (dot-files and dot-dirs skipped)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts) or relative.name == "isoctl.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
            found[relative.as_posix()] = data if isinstance(data, list) else [data]
        elif path.suffix == ".md" and (matter := front_matter(text)) is not None:
            found[relative.as_posix()] = [matter]
    return found


def test_init_creates_a_committed_workspace(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme", "--org", "Acme Ltd", "--standard", "iso9001:2015", "--standard", "iso27001:2022")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "acme"
    expected = {
        "isoctl.yaml",
        "README.md",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".github/workflows/isoctl.yml",
        "documents/scope.md",
        "documents/policies/quality-policy.md",
        "documents/policies/information-security-policy.md",
        "documents/procedures/document-control.md",
        "soa/annex-a.yaml",
        ".isoctl/schema/manifest.json",
        ".isoctl/schema/record.json",
        ".isoctl/schema/kinds/control.json",
    }
    on_disk = files_of(root)
    assert expected <= on_disk
    assert not any("policies/" in f for f in on_disk - expected)  # only the two families chosen
    repo = GitRepo(root)
    commits = repo.git("rev-list", "HEAD").splitlines()
    assert len(commits) == 1
    first = commits[0]
    assert repo.author_of(first) == AUTHOR
    assert repo.files(first) == on_disk
    assert not repo.dirty()
    from isoctl.history.git import head_state

    assert head_state(root) == (first, False)
    assert "cd acme && isoctl check" in run.stdout
    assert f"Committed {first[:12]}" in run.stdout
    assert "isoctl.yaml" in run.stdout and ".isoctl/schema/ (20 JSON Schemas" in run.stdout


@pytest.mark.parametrize(
    "standards",
    [
        ["iso9001:2015"],
        ["iso9001:2015", "iso14001:2015", "iso45001:2018"],
        ["iso27001:2022", "iso22301:2019"],
        ["iso9001", "iso14001", "iso27001", "iso45001", "iso22301"],
    ],
)
def test_every_generated_record_validates(standards: list[str], catalogs: Catalogs, tmp_path: Path) -> None:
    from isoctl.catalog.refs import parse_ref
    from isoctl.scaffold.workspace import scaffold

    root = tmp_path / "ws"
    scaffold(root, organization="O'Brien & Sons: Haulage", standards=standards, git=False, today=TODAY)
    manifest = Manifest.model_validate(yaml.safe_load((root / "isoctl.yaml").read_text(encoding="utf-8")))
    assert manifest.organization.name == "O'Brien & Sons: Haulage"
    editions = [catalogs.edition(s) for s in standards]
    assert manifest.standards == [e.display for e in editions]
    (owner,) = manifest.people
    assert (owner.id, owner.name, owner.email, owner.top_management) == ("jane-smith", *AUTHOR, True)

    records = records_of(root)
    policies = [r for rows in records.values() for r in rows if r.get("type") == "policy"]
    assert len(policies) == len(standards)  # one draft policy per standard family
    for path, rows in records.items():
        for row in rows:
            record = RECORDS.validate_python(row)
            assert record.owner == owner.id, path
            for ref in record.clauses:
                parsed = parse_ref(ref)
                assert parsed is not None and catalogs.resolve(parsed, editions), (path, ref)
            if record.kind == "document":
                assert record.status == "draft" and "TODO" in (root / path).read_text(encoding="utf-8")


def test_generated_text_never_copies_catalog_summaries(catalogs: Catalogs, tmp_path: Path) -> None:
    from isoctl.scaffold.workspace import scaffold

    families = ["iso9001", "iso14001", "iso27001", "iso45001", "iso22301"]
    scaffold(tmp_path / "ws", organization="Acme", standards=families, git=False, today=TODAY)
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "ws").rglob("*") if p.is_file() and ".isoctl" not in p.parts
    )
    summaries = {c.summary for e in catalogs.editions.values() for c in e.clauses}
    assert not [s for s in summaries if s in text]


def test_27001_soa_has_one_row_per_annex_a_control(catalogs: Catalogs, tmp_path: Path) -> None:
    from isoctl.scaffold.workspace import scaffold

    scaffold(tmp_path / "ws", organization="Acme", standards=["iso27001:2022"], git=False, today=TODAY)
    rows = yaml.safe_load((tmp_path / "ws" / "soa" / "annex-a.yaml").read_text(encoding="utf-8"))
    controls = catalogs.edition("iso27001:2022").controls
    assert len(rows) == len(controls) == 93
    for row, control in zip(rows, controls, strict=True):
        assert row == {
            "id": f"SOA-{control.id}",
            "kind": "control",
            "title": control.title,
            "control": f"iso27001:{control.id}",
            "applicable": True,
            "status": "not-started",
            "owner": "jane-smith",
        }
        RECORDS.validate_python(row)


def test_no_soa_without_27001(tmp_path: Path) -> None:
    from isoctl.scaffold.workspace import scaffold

    scaffold(tmp_path / "ws", organization="Acme", standards=["iso9001:2015"], git=False, today=TODAY)
    assert not (tmp_path / "ws" / "soa").exists()


def test_modelines_point_at_the_schemas(tmp_path: Path) -> None:
    from isoctl.scaffold.workspace import scaffold

    root = tmp_path / "ws"
    scaffold(root, organization="Acme", standards=["iso9001:2015", "iso27001:2022"], git=False, today=TODAY)
    checked = 0
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        if path.suffix == ".md" and lines[0] != "---":
            assert not any("yaml-language-server" in ln for ln in lines)  # plain Markdown (the README)
            continue
        modeline = lines[1] if path.suffix == ".md" else lines[0]
        prefix = "# yaml-language-server: $schema="
        assert modeline.startswith(prefix), relative
        schema = (path.parent / modeline[len(prefix):]).resolve()
        assert schema == root / ".isoctl" / "schema" / ("manifest.json" if relative.name == "isoctl.yaml" else "record.json")
        checked += 1
    assert checked == 6  # manifest, SoA, scope, two policies, document control
    assert "yaml-language-server" not in (root / ".github" / "workflows" / "isoctl.yml").read_text(encoding="utf-8")


def test_output_is_deterministic(tmp_path: Path) -> None:
    from isoctl.scaffold.workspace import scaffold

    for name in ("one", "two"):
        scaffold(tmp_path / name, organization="Acme", standards=["iso27001:2022"], git=False, today=TODAY)
    one, two = tmp_path / "one", tmp_path / "two"
    assert files_of(one) == files_of(two)
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files_of(one))


def test_refuses_a_non_empty_directory(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    run = cli("init", "busy", "--standard", "iso9001:2015")
    assert run.exit_code == 2
    assert "not empty" in run.stderr and "Traceback" not in run.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_accepts_an_existing_empty_directory_and_names_the_org_after_it(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "northwind"
    target.mkdir()
    run = cli("init", ".", "--standard", "iso9001:2015", "--no-git", cwd=target)
    assert run.exit_code == 0, run.stderr
    assert Manifest.model_validate(yaml.safe_load((target / "isoctl.yaml").read_text())).organization.name == "northwind"


def test_no_git(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "plain", "--standard", "iso9001:2015", "--no-git")
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / "plain" / "isoctl.yaml").is_file()
    assert not (tmp_path / "plain" / ".git").exists()
    assert "Committed" not in run.stdout


@pytest.mark.parametrize("ci", ["github", "gitlab", "none"])
def test_ci_choice(ci: str, cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "ws", "--standard", "iso9001:2015", "--ci", ci, "--no-git")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "ws"
    workflow, gitlab = root / ".github" / "workflows" / "isoctl.yml", root / ".gitlab-ci.yml"
    assert workflow.exists() == (ci == "github")
    assert not (root / ".github").exists() or ci == "github"
    assert gitlab.exists() == (ci == "gitlab")
    if ci == "github":
        steps = yaml.safe_load(workflow.read_text())["jobs"]["check"]["steps"]
        checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["fetch-depth"] == 0
        action = next(s for s in steps if s.get("uses", "").startswith("isoctl/isoctl@v"))  # the isoctl action
        assert action["with"] == {"path": ".", "new-since": "auto"}
    if ci == "gitlab":
        job = yaml.safe_load(gitlab.read_text())["isoctl"]
        script = "\n".join(job["script"])
        assert "isoctl check --format gitlab" in script and "--new-since" in script
        assert 'pip install "isoctl @ git+https://github.com/isoctl/isoctl@v' in script  # not on the package index
        assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json", "junit": "isoctl-junit.xml"}
        assert str(job["variables"]["GIT_DEPTH"]) == "0"
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"][0]
    assert hooks["repo"] == "local" and "isoctl check --new-since HEAD" in hooks["hooks"][0]["entry"]


def test_unknown_standard_suggests_close_ones(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "ws", "--standard", "iso9001:2014")
    assert run.exit_code == 2
    assert "unknown edition 'iso9001:2014'" in run.stderr and "did you mean iso9001-2015" in run.stderr
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "choose at least one standard"),
        (["--standard", "iso9001:2015", "--standard", "iso9001:2026"], "two editions of one standard"),
        (["--standard", "hs"], "harmonized structure"),
        (["--standard", "iso9001:2015", "--template", "nope"], "no template 'nope'"),
        (["--standard", "iso9001:2015", "--org", "  "], "organization name is empty"),
    ],
)
def test_bad_arguments_exit_2(args: list[str], message: str, cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "ws", *args)
    assert run.exit_code == 2
    assert message in run.stderr
    assert not (tmp_path / "ws").exists()


def test_falls_back_to_isoctl_identity_and_a_placeholder_owner(
    cli: Cli, tmp_path: Path, git_identity: Path
) -> None:
    git_identity.write_text("[init]\n\tdefaultBranch = main\n")  # no user configured anywhere
    run = cli("init", "ws", "--standard", "iso9001:2015")
    assert run.exit_code == 0, run.stderr
    assert GitRepo(tmp_path / "ws").author_of() == ("isoctl", "isoctl@localhost")
    manifest = Manifest.model_validate(yaml.safe_load((tmp_path / "ws" / "isoctl.yaml").read_text()))
    assert [(p.id, p.top_management) for p in manifest.people] == [("owner", True)]
    assert "TODO" in manifest.people[0].name


def user_template(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


MANIFEST_J2 = "isoctl: 1\norganization: {name: {{ organization | yaml }}}\nstandards: [{{ standards[0].display }}]\n"


def test_user_template_directory(cli: Cli, tmp_path: Path) -> None:
    template = user_template(
        tmp_path / "consultant",
        {
            "isoctl.yaml.j2": MANIFEST_J2,
            "{{ organization | lower }}-handbook.md.j2": "---\nid: MAN-1\nkind: document\ntype: manual\ntitle: Handbook\n"
            "status: draft\n---\n# {{ organization }}\n",
            "{% if soa %}soa.yaml{% endif %}.j2": "[]\n",
            "logo.txt": "{{ not rendered }}",
        },
    )
    run = cli("init", "ws", "--org", "Acme", "--standard", "iso9001:2015", "--template", str(template), "--no-git")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "ws"
    assert {"isoctl.yaml", "acme-handbook.md", "logo.txt"} <= files_of(root)
    assert not (root / "soa.yaml").exists()
    assert (root / "logo.txt").read_text() == "{{ not rendered }}"
    handbook = (root / "acme-handbook.md").read_text()
    assert handbook.splitlines()[1] == "# yaml-language-server: $schema=.isoctl/schema/record.json"
    RECORDS.validate_python(front_matter(handbook))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"isoctl.yaml.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}, "sandbox"),
        ({"isoctl.yaml.j2": MANIFEST_J2, "x.md.j2": "ok\n{{ cycler.__init__.__globals__ }}"}, "x.md.j2:2"),
        ({"isoctl.yaml.j2": "{% if %}"}, "isoctl.yaml.j2:1"),
        ({"isoctl.yaml.j2": "{{ no_such_variable }}"}, "'no_such_variable' is undefined"),
        ({"isoctl.yaml.j2": MANIFEST_J2, "{{ '.' * 2 }}.j2": "x"}, "unsafe name"),
        ({"isoctl.yaml.j2": "{{ 1 // 0 }}"}, "ZeroDivisionError"),
        ({"notes.md.j2": "no manifest"}, "does not produce an isoctl.yaml"),
    ],
)
def test_broken_or_hostile_templates_exit_2(files: dict[str, str], message: str, cli: Cli, tmp_path: Path) -> None:
    template = user_template(tmp_path / "evil", files)
    run = cli("init", "ws", "--standard", "iso9001:2015", "--template", str(template), "--no-git")
    assert run.exit_code == 2, run.stdout
    assert message in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert not (tmp_path / "ws").exists()  # rendering happens before anything is written


def test_template_symlink_outside_is_refused(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    template = user_template(tmp_path / "evil", {"isoctl.yaml.j2": MANIFEST_J2})
    (template / "leak.txt").symlink_to(secret)
    run = cli("init", "ws", "--standard", "iso9001:2015", "--template", str(template), "--no-git")
    assert run.exit_code == 2 and "outside the template directory" in run.stderr


@pytest.fixture
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake shipped examples directory with one example."""
    from isoctl.files import resources

    shipped = tmp_path / "shipped"
    example = shipped / "examples" / "tiny"
    example.mkdir(parents=True)
    (example / "isoctl.yaml").write_text("isoctl: 1\norganization: {name: Tiny}\nstandards: [iso9001:2015]\n")
    (example / "actions").mkdir()
    (example / "actions" / "a.yaml").write_text("id: ACT-1\nkind: action\ntype: ofi\ntitle: T\nraised_on: 2025-01-01\n")
    real = resources.data_dir
    monkeypatch.setattr(resources, "data_dir", lambda name: shipped / name if name == "examples" else real(name))
    return shipped / "examples"


def test_example_is_copied_and_committed(examples: Path, cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "ws", "--example", "tiny")
    assert run.exit_code == 0, run.stderr
    root = tmp_path / "ws"
    assert {"isoctl.yaml", "actions/a.yaml", ".isoctl/schema/record.json"} <= files_of(root)
    repo = GitRepo(root)
    assert repo.git("show", "--no-patch", "--format=%B").strip() == "Start from the isoctl example 'tiny'"
    assert not repo.dirty()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--example", "huge"], "unknown example 'huge'"),
        (["--example", "tin"], "did you mean tiny"),
        (["--example", "tiny", "--standard", "iso9001:2015"], "cannot be combined with --standard"),
    ],
)
def test_bad_example_exit_2(examples: Path, args: list[str], message: str, cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "ws", *args)
    assert run.exit_code == 2
    assert message in run.stderr
    if "unknown" in message:
        assert "available examples: tiny" in run.stderr
    assert not (tmp_path / "ws").exists()


def test_installed_command_without_git_binary(tmp_path: Path) -> None:
    """Run the real entry point with no git on PATH: a clear exit 2 and nothing written; --no-git still works."""
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_PYTHON")}
    env["PATH"] = str(bindir)  # the venv's python and isoctl, and no git
    command = [str(bindir / "isoctl"), "init"]
    failed = subprocess.run([*command, "ws", "-s", "iso9001:2015"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert failed.returncode == 2, failed.stderr
    assert "git is not installed" in failed.stderr and "--no-git" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not (tmp_path / "ws").exists()
    plain = subprocess.run([*command, "ws", "-s", "iso9001:2015", "--no-git"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    assert (tmp_path / "ws" / "isoctl.yaml").is_file()


class TestGitLayer:
    """isoctl.history.git on the repository states a workspace can be in."""

    def test_not_a_repository(self, tmp_path: Path) -> None:
        from isoctl.history.git import head_state

        assert head_state(tmp_path) == (None, False)

    def test_states(self, tmp_path: Path) -> None:
        from isoctl.history.git import head_state, init_and_commit

        (tmp_path / ".gitignore").write_text("ignored.txt\n")
        (tmp_path / "a.yaml").write_text("x: 1\n")
        sha = init_and_commit(tmp_path, "first", author_name="Ann", author_email="ann@example.com")
        assert head_state(tmp_path) == (sha, False)
        (tmp_path / "ignored.txt").write_text("noise")
        assert head_state(tmp_path) == (sha, False)
        (tmp_path / "new.yaml").write_text("y: 2\n")
        assert head_state(tmp_path) == (sha, True)
        (tmp_path / "new.yaml").unlink()
        (tmp_path / "a.yaml").write_text("x: 2\n")
        assert head_state(tmp_path) == (sha, True)
        assert GitRepo(tmp_path).author_of()[0] == "Ann"

    def test_workspace_in_a_subdirectory_is_judged_by_its_own_files(self, tmp_path: Path) -> None:
        from isoctl.history.git import head_state, init_and_commit

        (tmp_path / "ws").mkdir()
        (tmp_path / "ws" / "isoctl.yaml").write_text("isoctl: 1\n")
        sha = init_and_commit(tmp_path, "first")
        (tmp_path / "elsewhere.txt").write_text("unrelated")
        assert head_state(tmp_path / "ws") == (sha, False)
        assert head_state(tmp_path) == (sha, True)

    def test_unborn_branch(self, tmp_path: Path) -> None:
        from isoctl.history.git import head_state

        GitRepo.init(tmp_path)
        assert head_state(tmp_path) == (None, False)
        (tmp_path / "a.txt").write_text("x")
        assert head_state(tmp_path) == (None, True)

    def test_broken_repositories_are_errors(self, tmp_path: Path) -> None:
        from isoctl.errors import GitError
        from isoctl.history.git import head_state, init_and_commit

        (tmp_path / "a.txt").write_text("x")
        init_and_commit(tmp_path, "first")
        branch = GitRepo(tmp_path).git("symbolic-ref", "HEAD")
        (tmp_path / ".git" / branch).write_text("0" * 40 + "\n")
        with pytest.raises(GitError, match="not a readable commit"):
            head_state(tmp_path)
        (tmp_path / ".git" / "HEAD").write_text("garbage\n")
        with pytest.raises(GitError, match="cannot be read"):
            head_state(tmp_path)

    def test_user_identity(self, tmp_path: Path, git_identity: Path) -> None:
        from isoctl.history.git import user_identity

        assert user_identity(tmp_path / "not" / "yet") == AUTHOR
        git_identity.write_text("")
        assert user_identity(tmp_path) == (None, None)

    def test_importing_the_git_layer_does_not_import_gitpython(self) -> None:
        code = "import sys, isoctl.history.git; print('git' in sys.modules)"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "False"


@pytest.mark.parametrize("standards", [["iso9001:2015"], ["iso27001:2022", "iso22301:2019"], ["iso14001:2026", "iso45001:2018"]])
def test_check_on_a_fresh_workspace_lists_gaps_and_no_data_errors(cli: Cli, tmp_path: Path, standards: list[str]) -> None:
    args = [x for s in standards for x in ("--standard", s)]
    assert cli("init", str(tmp_path / "new"), "--org", "New Co", *args).exit_code == 0
    result = cli("check", str(tmp_path / "new"), "-f", "json", "--today", "2026-11-21")
    assert result.exit_code == 1  # a new system has gaps
    data = json.loads(result.stdout)
    rules = {f["rule"] for f in data["findings"]}
    # a new system has not yet been reviewed or audited, and has not decided on climate: gaps, not data errors
    # (and a 2015 edition is superseded: a note, not an error, while its transition runs)
    assert rules <= {"unmapped-clause", "partial-clause", "missing-soa-entry", "missing-management-review",
                     "audit-programme-gap", "climate-undetermined", "superseded-edition"}, rules
    assert "unmapped-clause" in rules
    assert all(c["covered"] < c["clauses"] for c in data["coverage"])
    assert data["summary"]["records"] > 0 and data["workspace"]["dirty"] is False and data["workspace"]["commit"]


# -- a template cannot reach git's own directory ------------------------------------------------------------------

PEOPLE_J2 = MANIFEST_J2 + "people: [{id: t, name: T, top_management: true}]\n"


@pytest.mark.parametrize(
    "name",
    [
        '{{ ".gi" ~ "t" }}/config',  # the repository's configuration: core.fsmonitor runs at isoctl's own commit
        '{{ ".GIT" }}/config',  # the same directory on a case-insensitive filesystem (macOS, Windows)
        '{% if true %}.git.{% endif %}/config',  # Windows drops trailing dots
        'sub/{{ ".git" }}/config',  # a nested repository's configuration, at any depth
    ],
)
def test_a_template_cannot_write_git_configuration(name: str, cli: Cli, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED.txt"
    config = f'[core]\n\tfsmonitor = "echo pwned > {marker.as_posix()}; false"\n'
    template = user_template(tmp_path / "evil", {"isoctl.yaml.j2": PEOPLE_J2, name: config})
    run = cli("init", "client", "--template", str(template), "-s", "iso9001:2026", "--yes")
    run.expect(2, f"error: template file name {name} renders to a path in git's own directory")
    assert "hint: a repository's .git holds its configuration and hooks" in run.stderr
    assert not (tmp_path / "client").exists()  # refused while rendering: nothing written
    assert not marker.exists()  # and git never ran with the planted configuration


def test_a_template_cannot_point_the_workspace_at_another_repository(cli: Cli, tmp_path: Path) -> None:
    other = GitRepo.init(tmp_path / "other")
    head = other.commit("Their work", files={"src/app.py": "print('theirs')\n"})
    template = user_template(tmp_path / "evil", {"isoctl.yaml.j2": PEOPLE_J2,
                                                 '{{ ".git" }}': f"gitdir: {(other.root / '.git').as_posix()}\n"})
    run = cli("init", "client", "--template", str(template), "-s", "iso9001:2026", "--yes")
    run.expect(2, "error: template file name {{ \".git\" }} renders to a path in git's own directory (.git)")
    assert not (tmp_path / "client").exists()
    assert other.sha() == head and other.files() == {"src/app.py"} and not other.dirty()


# -- a failure after the first write leaves nothing behind --------------------------------------------------------

def test_a_failed_first_commit_removes_the_workspace_it_created(cli: Cli, tmp_path: Path, git_identity: Path) -> None:
    with git_identity.open("a") as config:  # commits must be signed, by a signing program that fails
        config.write("[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n")
    run = cli("init", "clients/acme/ws", "--org", "Acme", "-s", "iso9001:2026", "--yes")
    run.expect(2, "error: git could not commit in clients/acme/ws")
    assert "gpg failed to sign" in run.stderr
    assert list(tmp_path.iterdir()) == []  # neither the workspace nor the folders created above it


def test_a_failed_first_commit_leaves_a_given_directory_as_it_was(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.mkdir()
    (target / ".git").write_text("not a repository\n")  # a .git alone counts as empty, but git cannot use it
    run = cli("init", "ws", "--org", "Acme", "-s", "iso9001:2026", "--yes")
    run.expect(2, "error: git could not commit in ws")
    assert [p.name for p in target.iterdir()] == [".git"]
    assert (target / ".git").read_text() == "not a repository\n"


# -- names are one line of printable text ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "Acme\nLtd"], "error: --org holds a line break ('Acme\\nLtd'): a name must be one line of printable text"),
        (["--org", "Acme\x01"], "error: --org holds the control character U+0001 ('Acme\\x01')"),
        (["--org", "Acme\u2028Ltd"], "error: --org holds a line break"),
        (["--org", "Acme", "-p", "jsmith:Jane\nSmith:Director:top"],
         "error: --person 'jsmith:Jane\\nSmith:Director:top': the name holds a line break ('Jane\\nSmith')"),
        (["--org", "Acme", "-p", "jsmith:Jane Smith:Director\x1b[2J:top"],
         "the role holds the control character U+001B"),
    ],
)
def test_names_with_line_breaks_or_control_characters_are_refused(args: list[str], message: str, cli: Cli,
                                                                   tmp_path: Path) -> None:
    run = cli("init", "ws", "-s", "iso9001:2026", "-s", "iso27001:2022", "--yes", *args)
    run.expect(2, message)
    assert "hint: write it on one line" in run.stderr
    assert not (tmp_path / "ws").exists()


def test_a_git_user_name_with_a_control_character_is_refused(cli: Cli, tmp_path: Path, git_identity: Path) -> None:
    git_identity.write_text("[user]\n\tname = Jane\x01Smith\n\temail = jane@example.com\n")
    run = cli("init", "ws", "--org", "Acme", "-s", "iso9001:2026", "--yes")
    run.expect(2, "error: the git user's name (git config user.name) holds the control character U+0001")
    assert 'hint: name the people with --person "id:Name:Role:top" instead' in run.stderr
    assert not (tmp_path / "ws").exists()
    cli("init", "ws", "--org", "Acme", "-s", "iso9001:2026", "--yes", "-p", "jsmith:Jane Smith::top").expect(0)


def test_an_organization_with_a_line_break_in_the_answers_is_refused(cli: Cli, tmp_path: Path) -> None:
    answers = yaml.safe_load((Path(__file__).resolve().parent.parent / "examples/answers/factory.yaml").read_text())
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({**answers, "organization": "Evil\n---\nkind: action"}), encoding="utf-8")
    run = cli("init", "ws", "--answers", str(path), "--yes")
    run.expect(2, f"error: 'organization:' in {path} holds a line break ('Evil\\n---\\nkind: action')")
    assert "or give the name with --org NAME" in run.stderr
    assert not (tmp_path / "ws").exists()
    # --org wins over the answers, and then the workspace is made
    cli("init", "ws", "--answers", str(path), "--org", "Northfield Plating Ltd", "--yes", "--no-git").expect(0)


def test_a_directory_name_with_a_line_break_needs_an_org(cli: Cli, tmp_path: Path) -> None:
    run = cli("init", "acme\nltd", "-s", "iso9001:2026", "--yes")
    run.expect(2, "error: the directory's name (the organization's name when --org is not given) holds a line break")
    assert "hint: give the name with --org NAME" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_org_that_is_not_utf8_is_refused_not_a_crash(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 on the command line reach Python as surrogates, which no file can hold."""
    run = run_isoctl("init", "ws", "--org", "Acme\udcff", "-s", "iso9001:2026", "--no-git", "--yes", cwd=tmp_path)
    run.expect(2, "error: --org holds bytes that are not valid UTF-8")
    assert not (tmp_path / "ws").exists()


def test_a_fresh_scaffold_with_a_hard_name_passes_its_own_schema(cli: Cli, tmp_path: Path) -> None:
    """Quotes, colons, a '#' and letters beyond ASCII are a name like any other: written, and read back."""
    name = 'Ünïcode & "Söhne": Acme # 1 - Ltd'
    cli("init", "ws", "--org", name, "-s", "iso9001:2026", "-s", "iso27001:2022", "--yes", "--template", "integrated",
        "-p", "jsmith:Jane 'JJ' O'Brien # 2:Director:top").expect(0)
    manifest = Manifest.model_validate(yaml.safe_load((tmp_path / "ws" / "isoctl.yaml").read_text(encoding="utf-8")))
    assert manifest.organization.name == name and manifest.people[0].name == "Jane 'JJ' O'Brien # 2"
    data = json.loads(cli("check", "ws", "-f", "json", "--today", "2026-01-05").stdout)
    assert not [f for f in data["findings"] if f["rule"] == "schema-error"]
