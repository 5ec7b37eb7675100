"""The git layer and comparisons across revisions.

:mod:`isoctl.history.git` reads commits, trees and blobs (the only module that
imports gitpython); :mod:`isoctl.history.diff` compares two evaluated states,
with :mod:`isoctl.history.record_changes` for what changed in each record.
"""
