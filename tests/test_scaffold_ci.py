"""CI and hooks that gate on change: what ``init`` wires up, the published hooks and the GitHub Action.

Real git repositories, the real CLI, pre-commit itself when it is installed
(else the hook's entry run as pre-commit would run it), and the action's
shell steps run locally the way a runner runs a composite action.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLES, Cli, GitRepo, git_environment, isolate_git, run_isoctl, write_tree

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
TODAY = "2026-01-05"
EXAMPLE_TODAY = "2026-11-21"  # the day the bundled examples are written for

#: A record whose owner is nobody in the manifest: one unknown-reference error.
BAD_RECORD = """\
id: ACT-0001
kind: action
type: improvement
title: Label the racking
owner: nobody
raised_on: 2026-01-02
status: open
"""


@pytest.fixture(autouse=True)
def _environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A known git user, a fixed date, pre-commit's cache in the temp dir, and this isoctl first on PATH."""
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text("[user]\n\tname = Jane Smith\n\temail = jane@example.com\n[init]\n\tdefaultBranch = main\n")
    isolate_git(monkeypatch, config)
    monkeypatch.setenv("ISOCTL_TODAY", TODAY)
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path_factory.mktemp("pre-commit")))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)




def pre_commit() -> list[str]:
    """The command that runs pre-commit here (a test dependency, installed beside the interpreter)."""
    script = BIN / "pre-commit"
    found = str(script) if script.is_file() else shutil.which("pre-commit")
    assert found, "pre-commit is a test dependency: pip install -e '.[test]'"
    return [found]


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` at ``root`` with the test's isolated configuration (hooks run, as for a user)."""
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done


def commit_with_hook(repo_root: Path, config: Path, message: str) -> subprocess.CompletedProcess[str]:
    """``git commit`` with the configuration's hook installed by pre-commit, as a user commits."""
    git(repo_root, "add", "--all")
    assert config == repo_root / ".pre-commit-config.yaml"  # where pre-commit reads it
    installed = subprocess.run([*pre_commit(), "install"], cwd=repo_root, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    return git(repo_root, "commit", "--quiet", "-m", message, check=False)


def test_a_fresh_scaffold_commits_with_its_hook(cli: Cli, tmp_path: Path) -> None:
    """The scaffold's own hook lets a new system be committed, though the full check fails on what is missing."""
    assert cli("init", "ws", "--org", "Acme", "-s", "iso9001:2015", "--no-git", "--yes").exit_code == 0
    root = tmp_path / "ws"
    full = cli("check", str(root), "-f", "json")
    assert full.exit_code == 1 and '"unmapped-clause"' in full.stdout  # the full check has much to say
    git(root, "init", "--quiet")
    first = commit_with_hook(root, root / ".pre-commit-config.yaml", "Start")  # no HEAD: reported, not failed
    assert first.returncode == 0, first.stdout + first.stderr
    assert "isoctl check (findings this commit adds)" in first.stdout + first.stderr  # the hook did run
    assert git(root, "rev-list", "--count", "HEAD").stdout.strip() == "1"
    (root / "documents" / "scope.md").write_text((root / "documents" / "scope.md").read_text() + "\nWarehousing.\n")
    second = commit_with_hook(root, root / ".pre-commit-config.yaml", "Describe the scope")
    assert second.returncode == 0, second.stdout + second.stderr
    assert git(root, "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_the_hook_and_ci_fail_on_a_commit_that_adds_a_finding(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", "ws", "--org", "Acme", "-s", "iso9001:2015", "--ci", "gitlab", "--yes").exit_code == 0
    root = tmp_path / "ws"
    (root / "actions").mkdir()
    (root / "actions" / "a.yaml").write_text(BAD_RECORD)
    blocked = commit_with_hook(root, root / ".pre-commit-config.yaml", "An action owned by nobody")
    assert blocked.returncode != 0
    assert "unknown-reference" in blocked.stdout + blocked.stderr
    assert git(root, "rev-list", "--count", "HEAD").stdout.strip() == "1"  # the commit was refused
    git(root, "commit", "--quiet", "--no-verify", "-m", "An action owned by nobody")
    job = gitlab_script(root / ".gitlab-ci.yml")
    pushed = run_gitlab(job, root, tmp_path, CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main")
    assert pushed.returncode == 1, pushed.stdout + pushed.stderr
    assert "unknown-reference" in (tmp_path / "gl-code-quality-report.json").read_text()


def gitlab_script(path: Path) -> dict[str, Any]:
    """The isoctl job of a scaffolded GitLab CI file."""
    jobs = {name: job for name, job in yaml.safe_load(path.read_text(encoding="utf-8")).items() if "script" in job}
    (job,) = jobs.values()
    return job


def run_gitlab(job: dict[str, Any], root: Path, project_dir: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """The job's script after its install line, run with sh as a runner would, with isoctl already installed."""
    lines = [line for line in job["script"] if not line.startswith("pip install")]
    env = {**os.environ, "CI_PROJECT_DIR": str(project_dir), "CI_MERGE_REQUEST_DIFF_BASE_SHA": "", **variables}
    return subprocess.run(["sh", "-ec", "\n".join(lines)], cwd=root, env=env, capture_output=True, text=True,
                          check=False, timeout=180)


def test_scaffolded_gitlab_job_gates_on_change_and_runs_in_full_when_scheduled(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", "ws", "--org", "Acme", "-s", "iso9001:2015", "--ci", "gitlab", "--yes").exit_code == 0
    root = tmp_path / "ws"
    job = gitlab_script(root / ".gitlab-ci.yml")
    install = next(line for line in job["script"] if line.startswith("pip install"))
    assert "git+https://github.com/isoctl/isoctl@v" in install  # not on the package index
    assert str(job["variables"]["GIT_DEPTH"]) == "0"
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json", "junit": "isoctl-junit.xml"}
    sources = " ".join(rule["if"] for rule in job["rules"])
    assert "schedule" in sources and "merge_request_event" in sources
    first = run_gitlab(job, root, tmp_path, CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main")
    assert first.returncode == 0, first.stdout + first.stderr  # the first commit: reported, not failed
    assert "nothing to compare with" in first.stdout
    weekly = run_gitlab(job, root, tmp_path, CI_PIPELINE_SOURCE="schedule")
    assert weekly.returncode == 1  # the full check, time-based rules included
    assert (tmp_path / "isoctl-junit.xml").is_file() and (tmp_path / "gl-code-quality-report.json").is_file()


def test_scaffolded_github_workflow(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", "ws", "-s", "iso9001:2015", "--no-git", "--yes").exit_code == 0
    workflow = yaml.safe_load((tmp_path / "ws" / ".github" / "workflows" / "isoctl.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert triggers["pull_request"] is None and triggers["push"] is None  # the whole repository is the workspace
    assert re.fullmatch(r"\d+ \d+ \* \* 1", triggers["schedule"][0]["cron"])  # weekly
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    action = next(s for s in steps if s.get("uses", "").startswith("isoctl/isoctl@v"))
    assert action["with"] == {"path": ".", "new-since": "auto"}
    assert not any("pip install isoctl" in str(s.get("run", "")) for s in steps)


def test_no_scaffold_file_installs_isoctl_from_the_package_index() -> None:
    texts = [p.read_text(encoding="utf-8") for p in (REPO / "templates").rglob("*") if p.is_file()]
    texts += [p.read_text(encoding="utf-8") for p in (REPO / "docs").glob("*.md")]
    assert not [t for t in texts if re.search(r"pip install (-U )?isoctl\b(?![ @])", t)]


class TestInsideAnExistingRepository:
    """``isoctl init compliance`` in a product repository: no nested repository, CI at the root, scoped."""

    def product(self, tmp_path: Path) -> GitRepo:
        repo = GitRepo.init(tmp_path / "product")
        repo.commit("The product", files={"app.py": "print('hi')\n", "README.md": "# Product\n"})
        return repo

    def outside(self, tmp_path: Path, repo: GitRepo) -> set[str]:
        return {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                if not p.is_relative_to(repo.root) and ".git" not in p.parts}

    def test_github(self, cli: Cli, tmp_path: Path) -> None:
        repo = self.product(tmp_path)
        head, before = repo.sha(), self.outside(tmp_path, repo)
        run = cli("init", "compliance", "--org", "Acme", "-s", "iso9001:2015", "--yes", cwd=repo.root)
        assert run.exit_code == 0, run.stderr
        root = repo.root
        assert not (root / "compliance" / ".git").exists()
        assert repo.sha() == head  # nothing committed
        assert "no repository was created" in run.stdout and "nothing was committed" in run.stdout
        assert ".github/workflows/isoctl.yml" in run.stdout and "git add compliance" in run.stdout
        assert not (root / "compliance" / ".github").exists() and not (root / "compliance" / ".pre-commit-config.yaml").exists()
        workflow = yaml.safe_load((root / ".github" / "workflows" / "isoctl.yml").read_text())
        for event in ("pull_request", "push"):
            assert workflow[True][event]["paths"] == ["compliance/**", ".github/workflows/isoctl.yml"]
        action = next(s for s in workflow["jobs"]["check"]["steps"] if s.get("uses", "").startswith("isoctl/"))
        assert action["with"]["path"] == "compliance"
        hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
        gate = next(h for h in hooks if h["id"] == "isoctl-check-new")
        assert gate["args"] == ["compliance"]
        assert re.search(gate["files"], "compliance/actions/a.yaml") and not re.search(gate["files"], "docs/a.md")
        assert self.outside(tmp_path, repo) == before  # nothing written outside the repository
        status = repo.git("status", "--porcelain", "--untracked-files=all")
        assert "compliance/isoctl.yaml" in status and "?? app.py" not in status
        # the repository as a whole commits cleanly through the hook
        first = commit_with_hook(root, root / ".pre-commit-config.yaml", "Add the management system")
        assert first.returncode == 0, first.stdout + first.stderr

    def test_gitlab_with_existing_files_left_alone(self, cli: Cli, tmp_path: Path) -> None:
        repo = self.product(tmp_path)
        ours = "stages: [build]\nbuild:\n  stage: build\n  script: [make]\n"
        precommit = "repos: []\n"
        repo.commit("CI", files={".gitlab-ci.yml": ours, ".pre-commit-config.yaml": precommit})
        run = cli("init", "compliance", "--org", "Acme", "-s", "iso9001:2015", "--ci", "gitlab", "--yes", cwd=repo.root)
        assert run.exit_code == 0, run.stderr
        root = repo.root
        assert (root / ".gitlab-ci.yml").read_text() == ours and (root / ".pre-commit-config.yaml").read_text() == precommit
        include = root / ".gitlab" / "isoctl-compliance.gitlab-ci.yml"
        assert "- local: .gitlab/isoctl-compliance.gitlab-ci.yml" in run.stdout
        assert "id: isoctl-check-new" in run.stdout and "args: [compliance]" in run.stdout
        job = gitlab_script(include)
        changes = [rule.get("changes") for rule in job["rules"] if rule.get("changes")]
        assert changes and all("compliance/**/*" in c for c in changes)
        assert "cd compliance" in job["script"]
        yaml.safe_load(run.stdout.split("'repos:' list:\n")[1].split("\n.gitlab-ci.yml")[0])  # the snippet is YAML

    def test_a_second_workspace_gets_its_own_workflow(self, cli: Cli, tmp_path: Path) -> None:
        repo = self.product(tmp_path)
        assert cli("init", "quality", "-s", "iso9001:2015", "--yes", cwd=repo.root).exit_code == 0
        first = (repo.root / ".github" / "workflows" / "isoctl.yml").read_text()
        run = cli("init", "security", "-s", "iso27001:2022", "--yes", cwd=repo.root)
        assert run.exit_code == 0, run.stderr
        assert (repo.root / ".github" / "workflows" / "isoctl.yml").read_text() == first
        second = yaml.safe_load((repo.root / ".github" / "workflows" / "isoctl-security.yml").read_text())
        assert second[True]["push"]["paths"] == ["security/**", ".github/workflows/isoctl-security.yml"]

    def test_an_empty_clone_becomes_the_workspace(self, cli: Cli, tmp_path: Path) -> None:
        repo = GitRepo.init(tmp_path / "empty")
        run = cli("init", ".", "-s", "iso9001:2015", "--yes", cwd=repo.root)
        assert run.exit_code == 0, run.stderr
        assert "existing git repository" in run.stdout and "git add . && git commit" in run.stdout
        assert (repo.root / ".github" / "workflows" / "isoctl.yml").is_file() and (repo.root / "isoctl.yaml").is_file()
        assert repo.git("rev-list", "--all") == ""  # nothing committed
        first = commit_with_hook(repo.root, repo.root / ".pre-commit-config.yaml", "Start")
        assert first.returncode == 0, first.stdout + first.stderr

    def test_a_link_out_of_the_repository_is_refused(self, cli: Cli, tmp_path: Path) -> None:
        repo = self.product(tmp_path)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (repo.root / ".github").symlink_to(elsewhere, target_is_directory=True)
        run = cli("init", "compliance", "-s", "iso9001:2015", "--yes", cwd=repo.root)
        run.expect(2, "outside the repository")
        assert not any(elsewhere.iterdir()) and not (repo.root / "compliance").exists()


# --- the published hooks and the action -------------------------------------------------------------------------

#: Keys of a hook in a repository's .pre-commit-hooks.yaml (https://pre-commit.com/#new-hooks).
HOOK_KEYS = {"id", "name", "entry", "language", "files", "exclude", "types", "types_or", "exclude_types", "always_run",
             "fail_fast", "verbose", "pass_filenames", "require_serial", "description", "language_version",
             "minimum_pre_commit_version", "args", "stages", "alias", "additional_dependencies", "log_file"}
HOOK_REQUIRED = {"id", "name", "entry", "language"}
#: Keys of action.yml (https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax).
ACTION_KEYS = {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
INPUT_KEYS = {"description", "required", "default", "deprecationMessage"}
OUTPUT_KEYS = {"description", "value"}
COMPOSITE_STEP_KEYS = {"id", "if", "name", "env", "working-directory", "shell", "run", "uses", "with", "continue-on-error"}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def test_pre_commit_hooks_manifest() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    assert {h["id"] for h in hooks} == {"isoctl-check", "isoctl-check-new"}
    for hook in hooks:
        assert HOOK_REQUIRED <= set(hook) <= HOOK_KEYS, hook["id"]
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert hook["pass_filenames"] is False  # isoctl checks the workspace, not single files
        assert "isoctl check" in hook["entry"]
    from pre_commit.clientlib import load_manifest

    load_manifest(str(HOOKS))  # pre-commit's own validation


def test_scaffolded_pre_commit_config_is_valid_for_pre_commit(tmp_path: Path) -> None:
    from pre_commit.clientlib import load_config

    from isoctl.scaffold.workspace import scaffold

    scaffold(tmp_path / "ws", organization="Acme", standards=["iso9001:2015"], git=False, today=dt.date(2026, 1, 5))
    load_config(str(tmp_path / "ws" / ".pre-commit-config.yaml"))


def test_action_metadata() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert {"name", "description", "runs"} <= set(action) <= ACTION_KEYS
    assert {"path", "format", "fail-on", "new-since", "version"} <= set(action["inputs"])
    for name, spec in action["inputs"].items():
        assert "description" in spec and set(spec) <= INPUT_KEYS, name
        assert isinstance(spec.get("default", ""), str), name
    for name, spec in action["outputs"].items():
        assert set(spec) == OUTPUT_KEYS, name  # a composite action's output needs its value
    runs = action["runs"]
    assert set(runs) == {"using", "steps"} and runs["using"] == "composite"
    ids: set[str] = set()
    for step in runs["steps"]:
        assert set(step) <= COMPOSITE_STEP_KEYS, step
        assert ("run" in step) != ("uses" in step)
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"]  # inputs reach scripts through env only: no injection
        for value in [*step.get("env", {}).values(), step.get("working-directory", "")]:
            for expression in EXPRESSION.findall(str(value)):
                scope, *rest = expression.split(".")
                assert scope in {"inputs", "github", "steps", "runner"}, expression
                if scope == "inputs":
                    assert rest[0] in action["inputs"], expression
                if scope == "steps":
                    assert rest[0] in ids, f"{expression}: no earlier step has that id"
        ids.add(step.get("id", ""))
    assert "pip install" in runs["steps"][0]["run"] and "ISOCTL_ACTION_PATH" in runs["steps"][0]["run"]
    assert runs["steps"][0]["env"]["ISOCTL_ACTION_PATH"] == "${{ github.action_path }}"
    assert "--format json" in ACTION.read_text() and "GITHUB_STEP_SUMMARY" in ACTION.read_text()
    assert not re.search(r"upload", " ".join(str(s.get("uses", "")) for s in runs["steps"]))  # uploads nothing


@dataclass
class ActionRun:
    """What running the action's steps locally gave: the failing step's exit code (0: all passed) and the rest."""

    code: int
    failed: str | None
    log: str
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: str = ""
    installed: list[str] = field(default_factory=list)


def fake_python(directory: Path, log: Path) -> None:
    """A ``python3`` whose ``-m venv`` links this isoctl in and whose ``-m pip`` only records what it was asked."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "python3"
    script.write_text(f"""#!/bin/sh
if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin" && ln -s "$0" "$3/bin/python" && ln -s {shlex.quote(str(BIN / "isoctl"))} "$3/bin/isoctl"
  exit 0
fi
if [ "$1" = -m ] && [ "$2" = pip ]; then shift 2; printf '%s\\n' "$@" >> {shlex.quote(str(log))}; exit 0; fi
exec {shlex.quote(sys.executable)} "$@"
""")
    script.chmod(0o755)


def run_action(workspace_repo: Path, tmp: Path, inputs: dict[str, str], **github: str) -> ActionRun:
    """Run the action's steps as a runner runs a composite action: bash -eo pipefail, GITHUB_* files, inputs via env."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | inputs
    tmp.mkdir(parents=True, exist_ok=True)
    fake, pip_log, path_file, summary = tmp / "fake", tmp / "pip.log", tmp / "github_path", tmp / "summary.md"
    fake_python(fake, pip_log)
    path_file.touch()
    summary.touch()
    outputs: dict[str, dict[str, str]] = {}

    def expand(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            scope, *rest = match.group(1).split(".")
            if scope == "inputs":
                return values[rest[0]]
            if scope == "github":
                return {"action_path": str(REPO), "action_repository": "isoctl/isoctl"}[rest[0]]
            if scope == "steps":
                return outputs.get(rest[0], {}).get(rest[2], "")
            raise AssertionError(match.group(0))

        return EXPRESSION.sub(one, text)

    log = ""
    base = git_environment() | {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1",
                                "RUNNER_TEMP": str(tmp), "GITHUB_WORKSPACE": str(workspace_repo),
                                "GITHUB_PATH": str(path_file), "GITHUB_STEP_SUMMARY": str(summary),
                                "ISOCTL_TODAY": EXAMPLE_TODAY, **github}
    for number, step in enumerate(action["runs"]["steps"]):
        output = tmp / f"output-{number}"
        output.touch()
        env = base | {name: expand(str(value)) for name, value in step.get("env", {}).items()} | {"GITHUB_OUTPUT": str(output)}
        added = [line for line in path_file.read_text().splitlines() if line]
        env["PATH"] = os.pathsep.join([*reversed(added), base["PATH"]])
        script = tmp / f"step-{number}.sh"
        script.write_text(step["run"])
        cwd = workspace_repo / expand(step.get("working-directory", "."))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=env,
                              capture_output=True, text=True, check=False, timeout=180)
        log += done.stdout + done.stderr
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        if done.returncode != 0:
            return ActionRun(done.returncode, step["name"], log, outputs, summary.read_text(),
                             pip_log.read_text().splitlines() if pip_log.exists() else [])
    return ActionRun(0, None, log, outputs, summary.read_text(), pip_log.read_text().splitlines())


@pytest.fixture
def monorepo(tmp_path: Path) -> GitRepo:
    """A product repository holding the bundled acme-logistics example in compliance/ (added, then changed)."""
    repo = GitRepo.init(tmp_path / "product")
    repo.commit("The product", files={"app.py": "print('hi')\n"})
    shutil.copytree(EXAMPLES / "acme-logistics", repo.root / "compliance")
    repo.commit("The management system")
    readme = repo.root / "compliance" / "README.md"
    repo.commit("A note", files={"compliance/README.md": readme.read_text(encoding="utf-8") + "\nA note.\n"})
    return repo


def test_action_steps_run_locally_on_an_example(monorepo: GitRepo, tmp_path: Path) -> None:
    expected = run_isoctl("check", "compliance", "--format", "github", cwd=monorepo.root, env={"ISOCTL_TODAY": EXAMPLE_TODAY})
    run = run_action(monorepo.root, tmp_path / "runner", {"path": "compliance"}, GITHUB_EVENT_NAME="schedule")
    assert run.installed[-1] == str(REPO)  # installed from the action's own checkout
    assert run.outputs["since"] == {"since": "", "exit-zero": "false"}  # schedule: the full check
    assert run.outputs["check"]["exit-code"] == str(expected.exit_code)
    assert run.code == expected.exit_code and (run.failed == "Fail on findings" or run.code == 0)
    assert expected.stdout.splitlines()[0] in run.log  # the same annotations
    assert run.summary.startswith("## isoctl check of `compliance`: ")
    assert "| standard | readiness |" in run.summary and f"records, as of {EXAMPLE_TODAY}." in run.summary
    json_path = Path(run.outputs["summary"]["json"])
    assert json_path.is_file() and json_path.is_relative_to(tmp_path)
    if expected.exit_code:
        assert "### Top findings" in run.summary


def test_action_installs_what_version_names(monorepo: GitRepo, tmp_path: Path) -> None:
    for version, spec in [("v9.9.9", "isoctl @ git+https://github.com/isoctl/isoctl@v9.9.9"),
                          ("https://example.org/isoctl-9.9.9-py3-none-any.whl", "https://example.org/isoctl-9.9.9-py3-none-any.whl")]:
        run = run_action(monorepo.root, tmp_path / version[-6:], {"path": "compliance", "version": version},
                         GITHUB_EVENT_NAME="workflow_dispatch")
        assert run.installed and run.installed[-1] == spec, run.log


def test_action_new_since_auto(monorepo: GitRepo, tmp_path: Path) -> None:
    pushed = run_action(monorepo.root, tmp_path / "push", {"path": "compliance", "new-since": "auto"}, GITHUB_EVENT_NAME="push")
    assert pushed.outputs["since"]["since"] == "HEAD~1"
    monorepo.branch("feature")
    monorepo.commit("Owned by nobody", files={"compliance/actions/zz-new.yaml": BAD_RECORD})
    monorepo.git("update-ref", "refs/remotes/origin/main", "main")
    pull = run_action(monorepo.root, tmp_path / "pr", {"path": "compliance", "new-since": "auto"},
                      GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="main")
    assert pull.outputs["since"]["since"] == monorepo.sha("main")
    assert pull.code == 1 and pull.failed == "Fail on findings"
    assert "**1 new**" in pull.summary
    assert pull.summary.index("unknown-reference") < pull.summary.index("superseded-edition")  # the new one first
    single = GitRepo.init(tmp_path / "single")
    single.commit("Everything at once", files={"isoctl.yaml": (EXAMPLES / "acme-logistics" / "isoctl.yaml").read_text()})
    first = run_action(single.root, tmp_path / "first", {"new-since": "auto"}, GITHUB_EVENT_NAME="push")
    assert first.outputs["since"] == {"since": "", "exit-zero": "true"} and "nothing to compare with" in first.log
    assert first.code == 0, first.log
    shallow = monorepo.clone(tmp_path / "shallow", depth=1)
    cut = run_action(shallow.root, tmp_path / "cut", {"path": "compliance", "new-since": "auto"}, GITHUB_EVENT_NAME="push")
    assert cut.code == 2 and cut.failed == "Choose what to compare with" and "fetch-depth: 0" in cut.log


def test_a_failure_inside_a_repository_puts_its_root_back(cli: Cli, tmp_path: Path) -> None:
    """init fails after writing: the workspace, the CI files at the root and the merged settings are all taken back."""
    repo = GitRepo.init(tmp_path / "product")
    settings = '{"editor.tabSize": 4}\n'
    repo.commit("The product", files={"app.py": "print('hi')\n", ".vscode/settings.json": settings})
    template = tmp_path / "tpl"
    write_tree(template, {
        "isoctl.yaml.j2": "isoctl: 1\norganization: {name: {{ organization | yaml }}}\n"
                          "standards: [{{ standards | map(attribute='display') | join(', ') }}]\n",
        ".github/workflows/isoctl.yml.j2": "on: push\n",
        ".pre-commit-config.yaml.j2": "repos: []\n",
        "context/needs-analysis.md": "# ours\n",  # where init --answers keeps its analysis: it refuses to overwrite
    })
    answers = Path(__file__).resolve().parent.parent / "examples" / "answers" / "factory.yaml"
    run = cli("init", "compliance", "--answers", str(answers), "--template", str(template), "--yes", cwd=repo.root)
    run.expect(2, "error: the template already wrote context/needs-analysis.md; the needs analysis was not kept")
    assert sorted(p.name for p in repo.root.iterdir()) == [".git", ".vscode", "app.py"]
    assert (repo.root / ".vscode" / "settings.json").read_text() == settings
    assert not repo.dirty()
