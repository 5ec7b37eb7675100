"""Typed schemas of the workspace format: records of every kind, and the manifest.

This package imports nothing else of isoctl, so any layer may depend on it.
"""

from isoctl.model.records import KINDS, Record, kind_fields

__all__ = ["KINDS", "Record", "kind_fields"]
