"""The git layer and comparisons across revisions.

:mod:`isoctl.history.git` runs git (the only module that imports gitpython);
:mod:`isoctl.history.revisions` reads commits and the workspace's log through
it, :mod:`isoctl.history.trees` a committed tree and
:mod:`isoctl.history.catfile` its blobs. :mod:`isoctl.history.versions`
follows every record's versions along a history: :mod:`isoctl.history.split`
says what each blob holds, cutting its text into records with
:mod:`isoctl.history.cut`, and :mod:`isoctl.history.ahead` keeps the helpers
that read a history ahead. :mod:`isoctl.history.diff` compares two evaluated
states, with :mod:`isoctl.history.record_changes` for what changed in each
record.
"""
