"""``python -m isoctl``."""

from isoctl.cli import run

run()
