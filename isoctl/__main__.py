"""``python -m isoctl``."""

from isoctl.cli import main

main()
