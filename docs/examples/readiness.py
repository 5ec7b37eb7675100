"""Print each standard's readiness and the errors of a workspace, using isoctl as a library.

    python docs/examples/readiness.py examples/acme-logistics [YYYY-MM-DD]

Exits 1 when the workspace has errors, like ``isoctl check`` does.
"""

from __future__ import annotations

import sys

import isoctl


def main(argv: list[str]) -> int:
    path = argv[0] if argv else "."
    today = argv[1] if len(argv) > 1 else None
    try:
        result = isoctl.evaluate(path, today=today)
    except isoctl.IsoctlError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    print(f"{result.workspace.organization} as of {result.workspace.today}")
    for standard in result.coverage:
        print(f"  {standard.standard:<16} {standard.readiness:>4.0%}  "
              f"({standard.covered} of {standard.clauses - standard.excluded} clauses covered)")
    errors = result.failing("error")
    for finding in errors:
        print(f"{finding.path}:{finding.line}:{finding.column}: {finding.rule}: {finding.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
