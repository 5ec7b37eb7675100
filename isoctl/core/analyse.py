"""One analysis: coverage plus every enabled rule, as a :class:`Result`.

A pure function of (workspace, today, options): no clock, no files. That is
what lets ``--at REV`` and history timelines reuse it unchanged.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence

from isoctl import __version__
from isoctl.analysis import coverage, evidence
from isoctl.errors import UsageError
from isoctl.history.revisions import CommitInfo
from isoctl.model.result import Finding, Result, RuleInfo, Severity, WorkspaceInfo, chosen
from isoctl.rules import Context, Rule, all_rules
from isoctl.workspace.discover import shown_root
from isoctl.workspace.load import Workspace


def check_rule_names(names: Sequence[str], option: str) -> None:
    """UsageError for a rule id that does not exist, with the closest ones."""
    known = all_rules()
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=2)
            hint = f"did you mean {' or '.join(close)}?" if close else "run 'isoctl rules' to list them"
            raise UsageError(f"{option}: unknown rule '{name}'", hint=hint)


def analyse(
    workspace: Workspace,
    today: dt.date,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    commit: str | None = None,
    dirty: bool = False,
    history: Sequence[CommitInfo] | None = None,
    shallow: bool = False,
    positions: bool = True,
) -> Result:
    """Evaluate the workspace on ``today``: coverage of every clause in scope and every enabled rule.

    ``history`` is the commits up to the evaluated one (oldest first), for
    the rules that read the history (they read its files through git).
    """
    check_rule_names(select, "--select")
    check_rule_names(ignore, "--ignore")
    rules = all_rules()
    loading = list(workspace.findings)
    overrides = dict(workspace.manifest.rules)
    for name in list(overrides):
        if name not in rules:
            path, line, column = workspace.manifest_location("rules", name, key=True)
            close = difflib.get_close_matches(name, list(rules), n=1)
            message = f"rules: unknown rule '{name}'" + (f"; did you mean '{close[0]}'?" if close else "")
            loading.append(Finding("schema-error", "error", message, path, line, column))
            del overrides[name]

    found = evidence.collect(workspace.records, workspace.catalogs, workspace.editions)
    exclusions = coverage.judge_exclusions(workspace)
    clauses, summaries = coverage.compute(workspace, found, today, exclusions)
    ctx = Context(workspace, today, found, exclusions, clauses, loading, history, shallow, positions)

    findings: list[Finding] = []
    infos: dict[str, RuleInfo] = {}
    for rule_id, rule in rules.items():
        severity = overrides.get(rule_id, rule.severity)
        if not chosen(rule_id, select, ignore):
            severity = "off"
        infos[rule_id] = RuleInfo(rule_id, rule.severity, severity, rule.summary, rule.doc, rule.category)
    # The rules that read history run last, and of them those that read every record's versions (which a helper
    # reads ahead) after those that read only the commits, giving the helper the most time; the order findings
    # are found in does not show (they are sorted by place, then rule).
    from isoctl.history.versions import READS_VERSIONS

    def order(described: RuleInfo) -> tuple[bool, bool]:
        return described.category == "history", described.id in READS_VERSIONS

    for described in sorted(infos.values(), key=order):
        if described.severity != "off":
            findings += _run(rules[described.id], ctx, described.severity, pinned=described.id in overrides)
    findings.sort(key=Finding.sort_key)
    info = WorkspaceInfo(shown_root(workspace.root), today, commit, dirty, workspace.manifest.organization.name)
    return Result(__version__, info, len(workspace.records), workspace.files, summaries, clauses, findings, infos)


def _run(rule: Rule, ctx: Context, severity: Severity, *, pinned: bool = False) -> list[Finding]:
    """The rule's hits as findings, each once, in the order the rule found them.

    A finding has ``severity``, or the hit's own where a graded rule gives one
    and the manifest has not ``pinned`` the rule's severity.
    """
    out: list[Finding] = []
    seen: set[Finding] = set()
    for hit in rule.check(ctx):
        level = severity if pinned or hit.severity is None else hit.severity
        finding = Finding(rule.id, level, hit.message, hit.path, hit.line, hit.column, hit.clause, hit.record)
        if finding not in seen:
            seen.add(finding)
            out.append(finding)
    return out

