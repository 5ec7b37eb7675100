"""History: the workspace across commits, evaluated with the same analysis as ``check``.

Each module answers one question about the past (what changed between two
revisions, how the system evolved over time) from snapshots that
:mod:`isoctl.git` reads and :func:`isoctl.analysis.engine.analyse` evaluates.
"""
