"""The ``isoctl`` command line: thin commands over the library, one error handler."""

from __future__ import annotations


def main() -> None:
    """Console-script entry point."""
    import sys

    if sys.argv[1:] in (["--version"], ["-V"]):  # answered before typer is even imported
        from isoctl import __version__

        print(f"isoctl {__version__}")
        return
    import gc
    import os

    # A command runs for seconds and builds hundreds of thousands of acyclic objects;
    # the cycle collector would keep re-walking them (a tenth of a cold check).
    # Long walks through history collect explicitly between commits.
    gc.disable()
    # pydantic looks for plugins through every installed package's metadata the
    # first time a model is built (~40 ms per run); isoctl uses none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from isoctl.cli import boundary

    boundary.catch_interrupts()
    try:
        code = _run(sys.argv[1:])
    except BaseException as exc:  # the boundary: a message and an exit code, never a traceback
        code = boundary.failure(exc)
        if code is None:
            raise
    sys.exit(boundary.settle(code))


def _run(argv: list[str]) -> int | str | None:
    from isoctl.cli import replay

    code = replay.answer(argv)  # the same question of the same files: the same answer, at once
    if code is not None:
        return code
    from isoctl.cli.app import app

    try:
        app(prog_name="isoctl")
    except SystemExit as exc:
        replay.finish(exc.code)
        return exc.code
    return 0
