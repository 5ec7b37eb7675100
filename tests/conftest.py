"""Shared fixtures: an isolated cache, the loaded catalogs, a CLI runner, workspaces and git repositories."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import helpers
import pytest
import typer
import typer.main
import typer.testing
from helpers import MANIFEST as MANIFEST  # re-exported: `from conftest import MANIFEST` works too
from helpers import Cli, Files, GitRepo, Golden, MakeWorkspace, Run
from helpers import write_tree as write_tree  # re-exported likewise
from typer.testing import CliRunner

if TYPE_CHECKING:
    from isoctl.catalog.catalogs import Catalogs

REPO = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "reference"


#: What changes isoctl's output or behaviour from the environment; a test that wants one sets it itself, so the
#: suite gives the same answers in a terminal, in GitHub Actions and with a developer's own settings.
OUTSIDE_SETTINGS = ("GITHUB_ACTIONS", "NO_COLOR", "COLUMNS", "LINES", "ISOCTL_TODAY", "ISOCTL_NO_CACHE",
                    "ISOCTL_NO_PARALLEL", "ISOCTL_CACHE_MAX_MB", "ISOCTL_DEBUG", "XDG_CACHE_HOME", "XDG_STATE_HOME")
for _name in OUTSIDE_SETTINGS:  # here, before any test module is imported (some decide what to skip then)
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the user's real cache (and its signing key) untouched: every test session starts cold."""
    saved = {name: os.environ.get(name) for name in ("ISOCTL_CACHE_DIR", "ISOCTL_STATE_DIR")}
    os.environ["ISOCTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["ISOCTL_STATE_DIR"] = str(tmp_path_factory.mktemp("state"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    from isoctl.catalog.catalogs import Catalogs

    return Catalogs.load()


@functools.cache
def _command(app: typer.Typer) -> Any:
    """The click command typer builds from ``app``: built once, since building it costs more than many commands."""
    return typer.main.get_command(app)


@pytest.fixture(scope="session")
def replayed_examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each example made into a repository once per test process, as ``init --example`` makes it.

    Replaying an example's hundreds of dated commits costs seconds; the tests
    sharing these repositories only read them (and assert they stay clean).
    """
    from isoctl.scaffold.workspace import copy_example

    root = tmp_path_factory.mktemp("examples")
    out = {}
    for name in ("acme-logistics", "nimbus-cloud", "paper-iso"):
        copy_example(root / name, name)
        out[name] = root / name
    return out


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    """Run ``isoctl ARGS`` in-process from a directory (default: an empty temp dir)."""
    from isoctl.cli.app import app

    # A bug (exit 3) shows its traceback in the failing test's stderr instead of one line.
    monkeypatch.setenv("ISOCTL_DEBUG", "1")
    # Every test's runner reuses the one command tree (click commands hold no state between calls).
    monkeypatch.setattr(typer.testing, "_get_command", _command)

    def run(*args: str, cwd: Path | None = None) -> Run:
        monkeypatch.chdir(cwd or tmp_path)
        # The installed command runs with the cycle collector off (isoctl.cli.main); so does this one.
        enabled = gc.isenabled()
        gc.disable()
        try:
            result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        finally:
            if enabled:
                gc.enable()
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def make_workspace(tmp_path: Path) -> MakeWorkspace:
    """Build a workspace in the temp dir's ``ws``: ``make_workspace({"actions/a.yaml": "..."}, manifest=...)``.

    Every call in one test writes into the same folder.
    """

    def make(files: Files | None = None, *, manifest: str | Mapping[str, Any] | None = None) -> Path:
        return helpers.make_workspace(tmp_path / "ws", files, manifest=manifest)

    return make


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """An empty git repository in the temp dir's ``repo``, on branch main, committing as Jane Smith."""
    return GitRepo.init(tmp_path / "repo")


def pytest_configure(config: pytest.Config) -> None:
    """Compile isoctl's bytecode once, before any test starts the installed command.

    An editable install has no ``.pyc`` files until a run writes them, and with
    ``PYTHONDONTWRITEBYTECODE`` set (as many CI images do) none ever does: each
    of the suite's hundreds of ``isoctl`` processes would compile the package
    again (about 0.7 s each here). Python reads bytecode even when told not to
    write it, so compiling once is enough. The controller does it, before the
    xdist workers start; a package that cannot be written to is simply slower.
    """
    if hasattr(config, "workerinput"):
        return
    import compileall

    import isoctl

    compileall.compile_dir(Path(isoctl.__file__).parent, quiet=2)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Compare text with tests/golden/NAME, or rewrite it with --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = Path(__file__).resolve().parent / "golden" / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
            if not update:
                pytest.fail(f"golden file {name} was missing and has been written; review it and run again")
        assert text == path.read_text(encoding="utf-8"), f"output differs from tests/golden/{name} (--update-golden to accept)"

    return check
