"""Rules about files that cannot be read as records. The loader finds these; the rules report them."""

from __future__ import annotations

from collections.abc import Iterator

from isoctl.analysis.paths import check_path, url_problem
from isoctl.model.records import Document
from isoctl.rules import Context, Hit, rule


def _loaded(ctx: Context, rule_id: str) -> Iterator[Hit]:
    for finding in ctx.loading:
        if finding.rule == rule_id:
            yield Hit(finding.message, finding.path, finding.line, finding.column, finding.clause, finding.record)


@rule("parse-error", "error", category="loading")
def parse_error(ctx: Context) -> Iterator[Hit]:
    """A file that cannot be read as YAML or Markdown front matter.

    Reported at the line and column where parsing failed. Also covers files
    refused before parsing: binary files, files that are not UTF-8, files over
    the size limit, duplicate keys, and YAML whose aliases would expand into a
    huge document.

    Fails:  ``status: [open``   (an unclosed flow sequence)
    Passes: ``status: open``
    """
    yield from _loaded(ctx, "parse-error")


@rule("schema-error", "error", category="loading")
def schema_error(ctx: Context) -> Iterator[Hit]:
    """A record or the manifest that does not fit its schema.

    Every problem in every file is reported, each at the key or value at
    fault: unknown fields (typos such as ``stauts:``), missing required
    fields, values outside a field's vocabulary, wrong types, dates that are
    not ``YYYY-MM-DD``. A YAML file that holds no record is reported too.

    Numbers and dates have bounds, so that no rule's date arithmetic and no
    chart can overflow: dates from 1900-01-01 to 2999-12-31; periods
    (``review_every_days``, the manifest's ``settings``) whole numbers from 1
    to 36,500 days or 1 to 520 weeks; targets, baselines and measured values
    finite numbers between -1e15 and 1e15 (no ``.inf`` or ``.nan``).

    Fails:  ``status: done`` on an action (expected open, in-progress, closed or cancelled)
    Passes: ``status: closed``
    """
    yield from _loaded(ctx, "schema-error")


@rule("path-outside-workspace", "error", category="loading")
def path_outside_workspace(ctx: Context) -> Iterator[Hit]:
    """A symlink or an evidence path that leads outside what the workspace shows an auditor.

    isoctl never reads outside the workspace: a symlinked file or directory
    pointing elsewhere is not followed, and evidence or document paths must
    stay inside the repository, so that the evidence an auditor sees is the
    evidence under version control. A path is refused when it leads out
    (``..``, an absolute path, a symlink), lies in a dot-directory or a folder
    the manifest ignores, is empty or the workspace itself, holds a NUL, is a
    symlink loop, or is a URL written as a path. An evidence ``url`` must be
    an http, https or mailto link: ``javascript:``, ``file:`` or ``data:``
    links would run or open something on the reader's machine.

    Fails:  ``evidence: [{path: ../../etc/passwd}]``, ``evidence: [{url: "javascript:alert(1)"}]``
    Passes: ``evidence: [{path: evidence/2026/calibration.pdf}]``
    """
    yield from _loaded(ctx, "path-outside-workspace")
    refused: dict[str, str | None] = {}  # per distinct path: why it is refused (None when it is not)

    def judged(path: str) -> str | None:
        if path not in refused:
            found = check_path(ctx.workspace, path)
            refused[path] = (found.message or f"path '{path}' is refused") if found.status == "refused" else None
        return refused[path]

    for record in ctx.workspace.records:
        model = record.model
        links: list[tuple[int, str]] = []  # reported after the paths, as a record lists them
        for index, item in enumerate(model.evidence):
            if item.path is not None and (message := judged(item.path)) is not None:
                yield ctx.at(model, "evidence", index, "path", message=message)
            if item.url is not None:
                links.append((index, item.url))
        if isinstance(model, Document) and model.path is not None and (message := judged(model.path)) is not None:
            yield ctx.at(model, "path", message=message)
        for index, url in links:
            problem = url_problem(url)
            if problem:
                yield ctx.at(model, "evidence", index, "url", message=problem)
