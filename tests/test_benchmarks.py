"""The benchmark's workspace generator keeps producing workspaces that isoctl reads without a complaint.

If the schema or the rules change and the generator falls behind, the
benchmark would time error reporting instead of checking; these tests catch
that early. No timing here.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
INVALID = ("parse-error", "schema-error", "duplicate-id", "unknown-reference", "unknown-clause")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("isoctl_bench_generate", REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _check(root: Path) -> dict[str, Any]:
    env = {**os.environ, "ISOCTL_NO_CACHE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "isoctl", "check", "--format", "json", "--exit-zero", "--today", "2026-11-21",
         str(root)],
        capture_output=True, text=True, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_generated_workspace_is_valid(tmp_path: Path) -> None:
    _generator().generate(tmp_path, records=200, files=20, seed=3)
    result = _check(tmp_path)
    assert result["summary"]["records"] == 200
    assert result["summary"]["files"] == 20
    invalid = [f for f in result["findings"] if f["rule"] in INVALID]
    assert invalid == [], invalid[:5]
    kinds: Counter[str] = Counter()
    for path in tmp_path.rglob("*.yaml"):
        kinds.update(line.split(":", 1)[1].strip() for line in path.read_text().splitlines()
                     if line.lstrip("- ").startswith("kind:"))
    assert len(kinds) >= 15 and kinds["control"] == 93
    assert any(p.suffix == ".md" for p in tmp_path.rglob("documents/*.md"))


def test_generator_is_deterministic_and_builds_history(tmp_path: Path) -> None:
    generate = _generator().generate
    generate(tmp_path / "a", records=120, files=12, seed=5)
    generate(tmp_path / "b", records=120, files=12, commits=15, seed=5)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*")
                     if p.is_file() and ".git" not in p.relative_to(tmp_path / "b").parts)
    assert files_a == files_b
    assert all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes() for p in files_a)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(tmp_path / "b"), *args], capture_output=True, text=True,
                              check=True).stdout

    assert git("rev-list", "--count", "HEAD").strip() == "15"
    assert git("status", "--porcelain") == ""
    assert len(set(git("log", "--format=%an").split("\n")) - {""}) >= 2
    first = git("rev-list", "--max-parents=0", "HEAD").strip()
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(tmp_path / "b"), "archive", first], capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            tar.extractall(old, filter="data")
        else:  # pragma: no cover
            tar.extractall(old)
    invalid = [f for f in _check(old)["findings"] if f["rule"] in INVALID]
    assert invalid == [], invalid[:5]


def test_small_shape_is_valid_small_and_deterministic(tmp_path: Path) -> None:
    generate = _generator().generate
    files = generate(tmp_path / "a", records=300, seed=3, shape="small")
    generate(tmp_path / "b", records=300, seed=3, shape="small")
    written = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes() for p in written)

    records = [p for p in written if p.suffix == ".yaml" and p.name != "isoctl.yaml"]
    assert [p.name for p in written if p.suffix == ".md"] == ["README.md"]  # no Markdown documents
    assert files == len(records)
    per_file = [(tmp_path / "a" / p).read_text().count("\n- id: ") for p in records]
    assert max(per_file) == 10 and sum(per_file) == 300
    size = sum((tmp_path / "a" / p).stat().st_size for p in records)
    assert 150 <= size / 300 <= 300  # about 220 bytes a record

    result = _check(tmp_path / "a")
    assert result["summary"]["records"] == 300
    assert result["summary"]["files"] == files
    invalid = [f for f in result["findings"] if f["rule"] in INVALID]
    assert invalid == [], invalid[:5]
    assert len(result["findings"]) >= 300 // 4  # many findings: what was cut goes missing
