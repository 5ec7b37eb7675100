"""The ``isoctl`` command line: thin commands over the library, one error handler."""

from __future__ import annotations


def main() -> None:
    """Console-script entry point."""
    from isoctl.cli.app import app

    app(prog_name="isoctl")
