"""The project keeps its promises: README commands, CI, layering, and an installable wheel."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli, Golden, isoctl_command, make_workspace


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_two_setup_commands_and_ci_runs_the_second() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert text.split("\n")[2] == "```sh"  # the commands come first, right under the title
    install, tests = readme_commands()
    assert install.startswith("pip install . && isoctl ")
    assert tests.endswith("pytest")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def package_modules() -> dict[str, set[str]]:
    root = REPO / "isoctl"
    return {p.relative_to(REPO).as_posix(): imports_of(p) for p in root.rglob("*.py")}


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("typer", ("isoctl/cli/",)),
        ("rich", ("isoctl/cli/", "isoctl/render/")),
        ("git", ("isoctl/history/git.py",)),
    ],
)
def test_layering(library: str, allowed: tuple[str, ...]) -> None:
    offenders = [
        module
        for module, imports in package_modules().items()
        if any(i == library or i.startswith(library + ".") for i in imports) and not module.startswith(allowed)
    ]
    assert offenders == []


def test_model_imports_nothing_of_isoctl() -> None:
    for module, imports in package_modules().items():
        if module.startswith("isoctl/model/"):
            assert not {i for i in imports if i.startswith("isoctl") and not i.startswith("isoctl.model")}, module


@pytest.mark.slow
def test_built_wheel_works_from_another_directory(tmp_path: Path) -> None:
    """Build the wheel, install it into a fresh venv, run the installed command far from the checkout."""
    dist = tmp_path / "dist"
    scratch = tmp_path / "tmp"  # the build's temporary folders: none of its own is left behind
    scratch.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    (wheel,) = dist.glob("isoctl-*.whl")
    assert not list(scratch.glob("isoctl-build-*"))
    env_dir = tmp_path / "venv"
    # no pip of its own (ensurepip costs more than the rest of the test): this pip installs into it
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    # The dependencies come from this environment, named in a .pth file after the new one's own packages
    # (installing them again took most of the test's time); a path in a .pth file is not a site directory,
    # so this environment's own isoctl (an editable one's import hook) is never what gets imported.
    purelib = subprocess.run([str(bindir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "isoctl_test_dependencies.pth").write_text(
        "\n".join(sysconfig.get_paths()[name] for name in ("purelib", "platlib")) + "\n", encoding="utf-8")
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(bindir / "python"), "install", "--quiet",
                          "--no-deps", str(wheel)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # far from the checkout: a PYTHONPATH naming it (a worktree under test) would import the sources, not the wheel
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "ISOCTL_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run(
        [str(bindir / "isoctl"), "standards", "show", "iso27001:A.8.8"], cwd=elsewhere, capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("iso27001-2022 A.8.8 Management of technical vulnerabilities")
    # the wheel ships its catalogs pre-validated, so even the first run parses no YAML and caches nothing
    assert not (tmp_path / "cache" / "catalogs").exists()
    assert "site-packages" in subprocess.run(
        [str(bindir / "python"), "-c", "from isoctl.files.resources import data_dir; print(data_dir('standards'))"],
        cwd=elsewhere, capture_output=True, text=True, check=True, env=env,
    ).stdout
    module = subprocess.run([str(bindir / "python"), "-m", "isoctl", "--version"], cwd=elsewhere, capture_output=True, text=True,
                            env=env)
    assert module.returncode == 0 and module.stdout.startswith("isoctl ")
    origin = subprocess.run([str(bindir / "python"), "-c", "import isoctl; print(isoctl.__file__)"], cwd=elsewhere,
                            capture_output=True, text=True, check=True, env=env).stdout
    assert Path(origin.strip()).is_relative_to(Path(purelib).resolve()) or Path(origin.strip()).is_relative_to(purelib)


def test_the_installed_isoctl_starts_from_what_its_build_compiled(tmp_path: Path) -> None:
    """Installed as this suite runs it (editable, as the README says, or from a wheel), isoctl finds the catalogs
    its build validated and the templates it compiled: a first run with an empty cache parses no catalog YAML."""
    from isoctl.report import templates

    assert all(templates._compiled_loader("report", flavour) is not None for flavour in ("html", "md", "typ")), \
        "the compiled templates are not those of these sources: install again (pip install -e .) after an edit"
    env = {**os.environ, "ISOCTL_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run([*isoctl_command(), "standards", "list"], capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "iso27001-2022" in run.stdout, run.stderr
    assert not (tmp_path / "cache" / "catalogs").exists()


def test_an_editable_build_writes_its_compiled_data_into_the_checkout_whole(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """hatch_build.py, for ``pip install -e``: build/isoctl-data replaced as a whole (nothing of an earlier
    install left, no scratch folder left beside it), and a checkout it cannot write to is said, not fatal."""
    sys.path.insert(0, str(REPO))
    try:
        import hatch_build
    finally:
        sys.path.remove(str(REPO))
    stale = tmp_path / "build" / "isoctl-data" / "stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("from an earlier install")
    hatch_build._write_into_checkout(tmp_path)
    built = tmp_path / "build" / "isoctl-data"
    assert sorted(p.name for p in built.iterdir()) == ["catalogs.json", "compiled-templates"]
    assert json.loads((built / "catalogs.json").read_text(encoding="utf-8"))["key"]
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["isoctl-data"]
    blocked = tmp_path / "blocked"
    (blocked / "build").parent.mkdir()
    (blocked / "build").write_text("a file where the build folder would go")
    hatch_build._write_into_checkout(blocked)
    assert "could not write" in capsys.readouterr().err
    assert (blocked / "build").read_text() == "a file where the build folder would go"

    def broken(root: Path, out: Path) -> None:  # a catalog being edited does not validate
        (out / "catalogs.json").write_text("{")
        raise ValueError("iso9001-2026.yaml: not a catalog")

    monkeypatch.setattr(hatch_build, "_compile", broken)
    hatch_build._write_into_checkout(tmp_path)  # the install goes on; what the last one built stays, whole
    assert "not a catalog" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["isoctl-data"]
    assert json.loads((built / "catalogs.json").read_text(encoding="utf-8"))["key"]


@pytest.mark.parametrize("args", [(), ("check",), ("gap",), ("init",), ("standards",), ("standards", "show")])
def test_help_snapshots(cli: Cli, golden: Golden, args: tuple[str, ...]) -> None:
    result = cli(*args, "--help")
    assert result.exit_code == 0
    golden(f"help/{'-'.join(('isoctl',) + args)}.txt", result.stdout)


@pytest.mark.parametrize("args", [("check", "--help"), ("action", "list", "--help")])
def test_a_command_builds_only_its_own_options_and_helps_as_the_whole_command_line_does(args: tuple[str, ...]) -> None:
    code = ("import sys; sys.argv = ['isoctl', *sys.argv[1:]]; from isoctl.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('isoctl.cli.') and m.count('.') == 2), file=sys.stderr)")
    whole = ("import sys; sys.argv = ['isoctl', *sys.argv[1:]]; from isoctl.cli.app import app\n"
             "try:\n    app(prog_name='isoctl')\nexcept SystemExit:\n    pass\n")
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)
    every = subprocess.run([sys.executable, "-c", whole, *args], capture_output=True, text=True, check=True, env=env)
    assert done.stdout == every.stdout and "Usage: isoctl " in done.stdout  # the same help, every command or one
    loaded = done.stderr.strip().splitlines()[-1]
    assert f"isoctl.cli.{args[0]}'" in loaded
    assert "isoctl.cli.portfolio" not in loaded and "isoctl.cli.migrate" not in loaded


def test_version_without_typer() -> None:
    code = "import sys; sys.argv = ['isoctl', '--version']; from isoctl.cli import main; main(); print('typer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "isoctl" and out[-1] == "False"


@pytest.mark.parametrize(("disabled", "looked_up"), [(None, False), ("1", False), ("some-plugin", True)])
def test_pydantic_plugins_are_looked_up_only_when_some_may_run(tmp_path: Path, disabled: str | None,
                                                                looked_up: bool) -> None:
    """With every plugin disabled (isoctl's default) a check never imports importlib.metadata to find none;
    naming one plugin to disable leaves the lookup to pydantic. The answer is the same."""
    make_workspace(tmp_path, {"actions/a.yaml": "id: ACT-1\nkind: action\ntype: improvement\ntitle: Label the racking\n"
                                                "owner: jsmith\nraised_on: 2026-01-10\nstatus: open\ndue: 2026-02-01\n"})
    code = ("import sys; sys.argv = ['isoctl', 'check', '-f', 'json', '--today', '2026-03-01']\n"
            "from isoctl.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('importlib.metadata' in sys.modules, file=sys.stderr)")
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    env.update({"ISOCTL_NO_CACHE": "1", **({"PYDANTIC_DISABLE_PLUGINS": disabled} if disabled else {})})
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.stderr.strip().splitlines()[-1] == str(looked_up)
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]].count("overdue-action") == 1


EXITING = """\
import atexit, sys, threading, time
atexit.register(lambda: print("exit handler ran"))
def late_writer():
    time.sleep(0.3)
    sys.stdout.write("worker thread finished\\n")
threading.Thread(target=late_writer).start()
sys.argv = ["isoctl", *sys.argv[1:]]
from isoctl.cli import run
run()
print("never printed: run() does not return")
"""


@pytest.mark.parametrize(("args", "status"), [(("--version",), 0), (("check", "nowhere"), 2), (("rules", "--format", "json"), 0)])
def test_the_command_exits_with_its_status_after_threads_exit_handlers_and_output(tmp_path: Path, args: tuple[str, ...],
                                                                               status: int) -> None:
    # run() ends the process without freeing the heap; what an exit must do still happens, in order
    done = subprocess.run([sys.executable, "-c", EXITING, *args], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == status
    lines = done.stdout.splitlines()
    assert lines[-1] == "exit handler ran" and "worker thread finished" in lines
    assert "never printed" not in done.stdout and "Traceback" not in done.stderr
    if args[0] == "rules":  # the whole document, flushed before the process ended
        assert json.loads("\n".join(line for line in lines[:-1] if line != "worker thread finished"))


def test_ctrl_c_while_the_command_ends_is_an_interrupted_run_not_a_traceback(tmp_path: Path) -> None:
    # an exit handler (a helper being stopped) is where a late Ctrl-C lands
    code = ("import atexit, os, signal, sys; sys.argv = ['isoctl', '--version']\n"
            "atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))\n"
            "from isoctl.cli import run\nrun()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 130
    assert done.stderr == "isoctl: interrupted\n"


def test_a_reader_that_goes_away_before_the_last_flush_gets_141_and_no_traceback(tmp_path: Path) -> None:
    # the output is still in stdout's buffer when run() ends: its final flush meets the closed pipe
    code = "import sys; sys.argv = ['isoctl']; sys.stdout.write('x' * 100); from isoctl.cli import _leave; sys.exit(_leave(None))"
    reader, writer = os.pipe()
    os.close(reader)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as usual
    done = subprocess.run([sys.executable, "-c", code], stdout=writer, stderr=subprocess.PIPE, text=True, env=env)
    os.close(writer)
    assert done.returncode == 141
    assert done.stderr == ""


def test_readme_excerpt_of_paper_iso_is_what_isoctl_prints(cli: Cli) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    command = "$ isoctl check examples/paper-iso --today 2026-11-21"
    excerpt = text.split(command, 1)[1].split("```", 1)[0]
    actual = {line.rstrip() for line in cli("check", str(REPO / "examples" / "paper-iso"), "--today", "2026-11-21",
                                            cwd=REPO).stdout.splitlines()}
    shown = [line.rstrip() for line in excerpt.strip().splitlines() if line.strip() and line.strip() != "..."]
    assert len(shown) > 10
    assert [line for line in shown if line not in actual] == []


def test_cli_choices_match_the_record_schema() -> None:
    """The CLI spells out vocabularies so `--help` need not import pydantic; they must not drift from the schema."""
    from isoctl.cli import action
    from isoctl.model.records import kind_fields

    fields = kind_fields("action")
    for enum_class, field in ((action.ActionType, "type"), (action.Severity, "severity"), (action.Source, "source"),
                              (action.Status, "status")):
        values = fields[field]
        assert values is not None, field
        assert {member.value for member in enum_class} == set(values), field
    statuses = fields["status"]
    assert statuses is not None
    assert {m.value for m in action.ListStatus} == set(statuses) | {"all"}
