"""Where shipped data lives: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path


@functools.cache
def data_dir(name: str) -> Path:
    """The directory of shipped data ``name`` (``standards`` or ``templates``).

    A built wheel carries it as ``isoctl/_data/<name>``; an editable install or
    a checkout reads the top-level directory of the repository.
    """
    packaged = Path(str(resources.files("isoctl"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name
