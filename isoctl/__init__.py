"""isoctl: compliance-as-code for ISO management systems.

The package is a library first; the command line in :mod:`isoctl.cli` is a thin
layer over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
