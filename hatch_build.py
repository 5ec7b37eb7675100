"""Wheel build hook: ship the built-in catalogs pre-validated, as JSON, and the report's templates compiled.

An editable install (``pip install -e .``) gets the same two files in its checkout's ``build/isoctl-data``.

Parsing ~330 KiB of catalog YAML costs more than everything else isoctl does
to start; a JSON copy validated at build time loads in a few milliseconds.
The copy is keyed by the exact bytes of the catalog files and code, so it can
never stand in for catalogs it was not built from. Compiling the report's
templates costs a tenth of a second on every report; the compiled modules
carry a stamp of the sources, the jinja version and the module that compiled
them, and are used only where all still match (isoctl.report.templates).
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if version == "editable":
            # an editable install imports the checkout: the same files go to its build folder instead
            # (gitignored; isoctl.files.resources.built_dir), where a failure only costs the shortcut
            _write_into_checkout(Path(self.root))
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="isoctl-build-"))
        _compile(Path(self.root), self._scratch)
        build_data["force_include"][str(self._scratch / "catalogs.json")] = "isoctl/_data/catalogs.json"
        build_data["force_include"][str(self._scratch / "compiled-templates")] = "isoctl/_data/compiled-templates"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """The wheel holds its copies now: the scratch folder they were compiled into goes."""
        scratch: Path | None = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _from_checkout(root: Path, module: str) -> Any:
    """A module of the isoctl being built (imported from its sources, whatever else is installed)."""
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(root))


def _compile(root: Path, out: Path) -> None:
    """The pre-validated catalogs (``out/catalogs.json``) and compiled templates (``out/compiled-templates``)."""
    _from_checkout(root, "isoctl.catalog.load").compile_builtin(out / "catalogs.json")
    _from_checkout(root, "isoctl.report.templates").compile_builtin(out / "compiled-templates")


def _write_into_checkout(root: Path) -> None:
    """Compile into ``build/isoctl-data`` of the checkout (where isoctl looks for it: ``EDITABLE_BUILT``),
    replacing what an earlier install left there whole."""
    target = root.joinpath(*_from_checkout(root, "isoctl.files.resources").EDITABLE_BUILT)
    scratch: Path | None = None
    try:
        target.parent.mkdir(exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".isoctl-data-", dir=target.parent))
        _compile(root, scratch)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".isoctl-data-old-", dir=target.parent))
            target.rename(old / "data")
            shutil.rmtree(old, ignore_errors=True)
        scratch.rename(target)
        scratch = None
    except Exception as exc:  # a read-only checkout, a catalog being edited: only the shortcut is lost
        print(f"isoctl: could not write {target} ({exc}); an editable install works without it, a little slower "
              "(isoctl reads the catalogs from source, and reports any problem in them when it runs)", file=sys.stderr)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
