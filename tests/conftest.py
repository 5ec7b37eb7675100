"""Shared fixtures: an isolated cache, the loaded catalogs, and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the user's real cache untouched; every test session starts cold."""
    old = os.environ.get("ISOCTL_CACHE_DIR")
    os.environ["ISOCTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("ISOCTL_CACHE_DIR", None)
    else:
        os.environ["ISOCTL_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def catalogs():  # type: ignore[no-untyped-def]
    from isoctl.catalog.catalogs import Catalogs

    return Catalogs.load()


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run ``isoctl ARGS`` in-process from a directory (default: an empty temp dir)."""
    from isoctl.cli.app import app

    def run(*args: str, cwd: Path | None = None) -> Run:
        monkeypatch.chdir(cwd or tmp_path)
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


MANIFEST = """\
isoctl: 1
organization: {name: Test Ltd}
standards: [iso9001:2015]
people:
  - {id: jsmith, name: Jane Smith, role: Managing Director, top_management: true}
  - {id: akhan, name: Amir Khan, role: Quality Lead}
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (relative path -> text or bytes) under root; returns root."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build a workspace in a temp dir: ``make_workspace({"actions/a.yaml": "..."}, manifest=...)``."""

    def make(files: dict[str, str | bytes], manifest: str = MANIFEST) -> Path:
        root = tmp_path / "ws"
        root.mkdir(exist_ok=True)
        return write_tree(root, {"isoctl.yaml": manifest, **files})

    return make


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
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
