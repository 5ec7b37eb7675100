"""``check --format gitlab``: a GitLab Code Quality report.

GitLab shows these in the merge request widget and diff, and compares the
report of the source branch with the target branch *by fingerprint*: a
fingerprint that changed looks like one finding fixed and another introduced.
So fingerprints leave line numbers out (the same identity as the SARIF ones)
and are unique within a report, as GitLab requires.

``location.path`` is relative to the repository root, as GitLab places it: the
caller gives the workspace's path in its repository as ``prefix`` (see
:func:`isoctl.history.git.repo_prefix`). The fingerprint does not include it,
so moving the workspace to another folder changes no finding's identity.
"""

from __future__ import annotations

import hashlib
from typing import Any

from isoctl.model.result import Finding, Result
from isoctl.render import json_text
from isoctl.render.sarif import artifact_path, fingerprints

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def _md5_hex(data: bytes) -> str:
    # GitLab documents the fingerprint as an MD5-style hex string; it is an id, not a security measure.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _issue(finding: Finding, fingerprint: str, prefix: str) -> dict[str, Any]:
    return {
        "description": finding.message,
        "check_name": finding.rule,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": prefix + artifact_path(finding.path), "lines": {"begin": max(finding.line, 1)}},
    }


def render(result: Result, *, prefix: str = "") -> str:
    """The Code Quality JSON array, sorted like every other format, byte-stable; ``prefix`` (``"compliance/"``)
    makes every path relative to the repository root."""
    findings = sorted(result.findings, key=Finding.sort_key)
    issues = [_issue(f, p, prefix) for f, p in zip(findings, fingerprints(findings, _md5_hex), strict=True)]
    return json_text.dumps(issues) + "\n"
