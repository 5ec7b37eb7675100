"""``check --format sarif``: a SARIF 2.1.0 log for code-scanning dashboards.

GitHub code scanning, Azure DevOps and most IDE viewers read SARIF. What
matters to them, and so to us:

* locations are repo-relative URIs against ``%SRCROOT%`` so the viewer can open
  the file at the finding, whatever directory CI checked the repo out into:
  ``%SRCROOT%`` is the root of the git repository, so a workspace in
  ``compliance/`` of a product repository reports ``compliance/actions/log.yaml``
  (the caller gives that prefix, see :func:`isoctl.history.git.repo_prefix`);
* every result carries a ``partialFingerprints`` entry that does not include
  line numbers, so a finding keeps its identity (and its dismissal state) when
  someone inserts lines above it;
* rules are described once in ``tool.driver.rules`` with the severity this run
  used, and results point at them by index;
* when ``check`` gates on change (``--new-since``, ``--baseline``), every result
  carries ``baselineState`` (SARIF §3.27.24): ``new`` or ``unchanged`` for the
  current findings, and the findings of the baseline that are gone follow as
  ``absent`` results; ``run.baselineGuid`` names the baseline, the same GUID
  for the same commit or file.

:func:`fingerprints` is shared with the GitLab renderer, which needs the same
stability under a different hash.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from isoctl.model.result import Finding, Result, RuleInfo
from isoctl.render import json_text
from isoctl.workspace.files import ESCAPED_BYTE, on_disk

if TYPE_CHECKING:
    from isoctl.core.baseline import Comparison, State

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/isoctl/isoctl"
FINGERPRINT_KEY = "isoctl/v1"
SRCROOT = "%SRCROOT%"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def identity(finding: Finding) -> str:
    """What makes a finding the same finding across runs: everything but its position."""
    parts = (finding.rule, artifact_path(finding.path), finding.clause or "", finding.record or "", finding.message)
    return "\0".join(parts)


def fingerprints(findings: Sequence[Finding], digest: Callable[[bytes], str]) -> list[str]:
    """One fingerprint per finding, in the order given, unique within the run.

    Two findings with the same identity (say, the same message twice in one
    file) are told apart by their order in the file, not by their line, so
    moving both keeps both fingerprints.
    """
    ordinal: dict[int, int] = {}
    seen: Counter[str] = Counter()
    for index in sorted(range(len(findings)), key=lambda i: findings[i].sort_key()):
        key = identity(findings[index])
        seen[key] += 1
        ordinal[index] = seen[key]
    result = []
    for index, finding in enumerate(findings):
        key = identity(finding)
        if ordinal[index] > 1:
            key += f"\0#{ordinal[index]}"
        result.append(digest(key.encode("utf-8")))
    return result


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def artifact_path(path: str) -> str:
    """The path as SARIF and GitLab want it: POSIX separators, no leading ``./``.

    A ``\\xNN`` is the shown form of a byte of a file name that is not UTF-8
    and stays as it is; any other backslash is a Windows separator.
    """
    parts = ESCAPED_BYTE.split(path)
    parts[::2] = [part.replace("\\", "/") for part in parts[::2]]
    posix = "".join(part if index % 2 == 0 else f"\\x{part}" for index, part in enumerate(parts))
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def artifact_uri(path: str) -> str:
    """A relative URI reference: percent-encoded so spaces and ``#`` survive URI parsing.

    A name that is not UTF-8 is encoded as its own bytes (``caf\\xe9.yaml`` is ``caf%E9.yaml``), so a
    SARIF viewer opens the real file.
    """
    return quote(os.fsencode(on_disk(artifact_path(path))), safe="/")


def _pascal(rule_id: str) -> str:
    # SARIF §3.49.7: a rule's name is an identifier without spaces, e.g. "UnmappedClause".
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _descriptor(rule: RuleInfo, level: str) -> dict[str, Any]:
    doc = rule.doc.strip() or rule.summary
    return {
        "id": rule.id,
        "name": _pascal(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc},
        "defaultConfiguration": {"level": level},
        "properties": {"defaultSeverity": rule.default_severity},
    }


def _result(finding: Finding, fingerprint: str, index: int | None, prefix: str = "",
            state: State | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"ruleId": finding.rule}
    if index is not None:
        entry["ruleIndex"] = index
    entry["level"] = LEVELS[finding.severity]
    entry["message"] = {"text": finding.message}
    entry["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(prefix + finding.path), "uriBaseId": SRCROOT},
                "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
            }
        }
    ]
    entry["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
    if state is not None:
        entry["baselineState"] = state
    properties = {key: value for key, value in (("clause", finding.clause), ("record", finding.record)) if value}
    if properties:
        entry["properties"] = properties
    return entry


def document(result: Result, *, prefix: str = "", baseline: Comparison | None = None) -> dict[str, Any]:
    """The SARIF log as a dict (what :func:`render` serialises); ``prefix`` is the workspace's path in its repository."""
    rules = [rule for _, rule in sorted(result.rules.items()) if rule.severity != "off"]
    index = {rule.id: i for i, rule in enumerate(rules)}
    marked: list[tuple[Finding, State | None]]
    if baseline is None:
        marked = [(f, None) for f in sorted(result.findings, key=Finding.sort_key)]
    else:
        marked = [*sorted(baseline.marked, key=lambda pair: pair[0].sort_key()), *((f, "absent") for f in baseline.absent)]
    prints = fingerprints([f for f, _ in marked], sha256_hex)
    root = (f"The root of the git repository that holds the workspace (in {prefix})." if prefix
            else "The workspace root: the directory that holds isoctl.yaml.")
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "isoctl",
                "version": result.version,
                "semanticVersion": result.version,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule, LEVELS[rule.severity]) for rule in rules],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"description": {"text": root}}},
        "columnKind": "unicodeCodePoints",
    }
    if baseline is not None:
        run["baselineGuid"] = baseline.guid
    run["results"] = [_result(f, p, index.get(f.rule), prefix, state)
                      for (f, state), p in zip(marked, prints, strict=True)]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: Result, *, prefix: str = "", baseline: Comparison | None = None) -> str:
    """The SARIF log as JSON text, byte-stable for the same result (see :func:`document`)."""
    return json_text.dumps(document(result, prefix=prefix, baseline=baseline)) + "\n"
