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


#: Where an editable install's build keeps what a wheel carries in ``isoctl/_data`` (see hatch_build.py).
EDITABLE_BUILT = ("build", "isoctl-data")


@functools.cache
def built_dir() -> Path:
    """Where the build put what it generates from the sources: the pre-validated built-in catalogs
    (``catalogs.json``) and the report's compiled templates (``compiled-templates``).

    A built wheel carries them in ``isoctl/_data``; an editable install has them written to
    ``build/isoctl-data`` in its checkout. Either may be missing or stale (a checkout never installed, a
    catalog edited since): each is used only when it matches the sources exactly, so they only save time.
    """
    packaged = Path(str(resources.files("isoctl"))) / "_data"
    if (packaged / "standards").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2].joinpath(*EDITABLE_BUILT)
