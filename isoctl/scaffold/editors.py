"""Editor settings that map the JSON Schemas onto the workspace's folders.

The ``yaml-language-server`` modeline that ``init`` writes only reaches the
files ``init`` wrote. A record someone creates by hand gets completion from
VS Code's ``yaml.schemas`` setting instead: each kind's schema mapped to the
folder that kind conventionally lives in (:data:`KIND_FOLDERS`), the
manifest schema to ``isoctl.yaml``, and the schema of any record to every
other YAML file that ``check`` reads.

The YAML language server matches a glob against the whole path of a file,
with ``**/`` put in front of it, and when several globs of one schema match,
the last one decides (a ``!`` glob excludes). So dot-files and the folders of
CI systems and editors, which hold YAML with schemas of their own, are
excluded by name; a folder such as ``risks/`` matches at any depth.

It does not look inside Markdown: front matter gets no schema in VS Code
(``isoctl check`` still validates it), which docs/editors.md says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from isoctl.errors import IsoctlError, reason
from isoctl.files.atomic import write_atomically

SCHEMA_DIR = PurePosixPath(".isoctl/schema")
SETTINGS = PurePosixPath(".vscode/settings.json")
KEY = "yaml.schemas"

#: Where each kind of record lives by convention (``isoctl action new`` writes to ``actions/``, the
#: scaffold puts the SoA in ``soa/`` and documents in ``documents/``). A file anywhere else gets the
#: schema of any record, which selects the fields by ``kind:``.
KIND_FOLDERS: dict[str, tuple[str, ...]] = {
    "action": ("actions",),
    "activity": ("activities", "bia"),
    "aspect": ("aspects",),
    "asset": ("assets",),
    "audit": ("audits",),
    "competence": ("competence",),
    "control": ("soa", "controls"),
    "document": ("documents", "policies", "procedures", "instructions", "plans", "forms"),
    "exercise": ("exercises",),
    "hazard": ("hazards",),
    "issue": ("issues",),
    "objective": ("objectives",),
    "obligation": ("obligations", "legal"),
    "party": ("parties",),
    "process": ("processes",),
    "review": ("reviews",),
    "risk": ("risks",),
    "supplier": ("suppliers",),
}

#: YAML that is not a record: dot-files (``.gitlab-ci.yml``, ``.pre-commit-config.yaml``) and the
#: folders of CI systems and editors, whose files keep the schemas their own tools give them.
FOREIGN = ("!.*", "!.github/**", "!.gitlab/**", "!.circleci/**", "!.vscode/**", "!.isoctl/**")


def _schema_key(relative: str, prefix: str) -> str:
    return "./" + (PurePosixPath(prefix) / SCHEMA_DIR / relative).as_posix() if prefix else f"./{SCHEMA_DIR / relative}"


def _glob(pattern: str, prefix: str, *, anywhere: bool = False) -> str:
    """``pattern`` below ``prefix``; ``anywhere``: at any depth below it, as the server reads it without one."""
    if not prefix:
        return pattern
    negated = pattern.startswith("!")
    below = PurePosixPath(prefix) / ("**" if anywhere else "") / pattern.lstrip("!")
    return ("!" if negated else "") + below.as_posix()


def yaml_schemas(prefix: str = "") -> dict[str, list[str]]:
    """The ``yaml.schemas`` mapping (schema path -> globs) for a workspace at ``prefix`` of the folder opened.

    ``prefix`` is the workspace's path inside the folder the editor opens
    (``compliance`` for a workspace in a subdirectory of a repository), or
    empty when the workspace is that folder.
    """
    mapping: dict[str, list[str]] = {_schema_key("manifest.json", prefix): [_glob("isoctl.yaml", prefix)]}
    folders: list[str] = []
    for kind, names in sorted(KIND_FOLDERS.items()):
        globs = [f"{name}/**/*.{ext}" for name in names for ext in ("yaml", "yml")]
        foreign = [_glob(g, prefix, anywhere=True) for g in FOREIGN]
        mapping[_schema_key(f"kinds/{kind}.json", prefix)] = [*(_glob(g, prefix) for g in globs), *foreign]
        folders += [f"!{name}/**" for name in names]
    records = [_glob(g, prefix) for g in ("**/*.yaml", "**/*.yml", "!isoctl.yaml")]
    records += [_glob(g, prefix, anywhere=True) for g in FOREIGN]
    records += [_glob(g, prefix) for g in folders]
    mapping[_schema_key("record.json", prefix)] = records
    return mapping


@dataclass
class SettingsResult:
    """What happened to ``.vscode/settings.json``: ``written`` or ``merged``, else ``left`` with the reason."""

    path: Path
    action: str
    problem: str | None
    mapping: dict[str, list[str]]

    @property
    def snippet(self) -> str:
        """The JSON to paste by hand when the file was left alone."""
        return json.dumps({KEY: self.mapping}, indent=4, ensure_ascii=False) + "\n"


def write_vscode_settings(workspace: Path, *, base: Path | None = None) -> SettingsResult:
    """Write ``yaml.schemas`` into ``base/.vscode/settings.json`` (``base`` defaults to the workspace).

    A missing file is created. An existing one that is plain JSON keeps every
    other setting and every other schema mapping, the user's and those of
    other workspaces below ``base``; only the entries of this workspace's
    schemas are replaced. A file with comments (VS Code reads
    JSON with comments, which a rewrite would lose), or one that does not
    parse, is left exactly as it was: the result says why, and its
    :attr:`~SettingsResult.snippet` is what to add by hand. Raises
    IsoctlError when the file cannot be written.
    """
    workspace = Path(workspace)
    base = Path(base) if base is not None else workspace
    prefix = workspace.resolve().relative_to(base.resolve()).as_posix()
    if prefix == ".":
        base = workspace  # the path as the caller spelled it, for the files it reports
    mapping = yaml_schemas("" if prefix == "." else prefix)
    target = base.joinpath(*SETTINGS.parts)
    existing: dict[str, Any] = {}
    action = "written"
    if target.exists() or target.is_symlink():
        problem, existing = _read(target)
        if problem is not None:
            return SettingsResult(target, "left", problem, mapping)
        action = "merged"
    current = existing.get(KEY, {})
    if not isinstance(current, dict):
        return SettingsResult(target, "left", f'its "{KEY}" is not an object', mapping)
    own = _schema_key("", "" if prefix == "." else prefix) + "/"
    # this workspace's mappings (a kind an older isoctl had is dropped); another workspace's stay, as the user's do
    merged = {key: value for key, value in current.items() if not key.startswith(own) or key in mapping}
    merged.update(mapping)
    settings = {**existing, KEY: merged}
    text = json.dumps(settings, indent=4, ensure_ascii=False) + "\n"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text.encode("utf-8"))
    except OSError as exc:
        raise IsoctlError(f"cannot write {target}: {reason(exc)}") from exc
    return SettingsResult(target, action, None, mapping)


def _read(target: Path) -> tuple[str | None, dict[str, Any]]:
    """(why it cannot be merged, or None; its settings)."""
    if target.is_symlink() or not target.is_file():
        return "it is not a regular file", {}
    try:
        text = target.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return f"it cannot be read ({reason(exc) if isinstance(exc, OSError) else 'not UTF-8'})", {}
    if not text.strip():
        return None, {}
    try:
        data = json.loads(text)
    except ValueError:
        return "it is not plain JSON (comments, trailing commas or a syntax error), and rewriting it could lose them", {}
    if not isinstance(data, dict):
        return "it does not hold a JSON object", {}
    return None, data


def scaffold_settings(workspace: Path, warn: Callable[[str], None] | None = None, *,
                      base: Path | None = None) -> list[Path]:
    """``init``'s part: write the settings of a new workspace; the paths written (none when left alone).

    ``base`` is the folder an editor opens: the root of the repository around
    a workspace created in a subdirectory, else the workspace itself.
    """
    result = write_vscode_settings(workspace, base=base)
    if result.problem is not None:
        if warn is not None:
            warn(f"{SETTINGS} was left as it was: {result.problem}; to complete records in VS Code, add to it:\n"
                 + result.snippet.rstrip("\n"))
        return []
    return [result.path]
