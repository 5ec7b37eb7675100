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
    _no_plugin_lookup()
    from isoctl.cli import boundary

    boundary.catch_interrupts()
    try:
        code = _run(sys.argv[1:])
    except BaseException as exc:  # the boundary: a message and an exit code, never a traceback
        code = boundary.failure(exc)
        if code is None:
            raise
    sys.exit(boundary.settle(code))


def _no_plugin_lookup() -> None:
    """When pydantic's plugins are all disabled, answer its plugin lookup without importing ``importlib.metadata``.

    pydantic imports its plugin loader, and with it ``importlib.metadata``
    (email, zipfile, csv: 40-90 ms of a cold check here), the first time it
    builds a validator, only to return no plugins when
    ``PYDANTIC_DISABLE_PLUGINS`` disables them all. In that case, and only
    then, the loader is a module that returns no plugins straight away: the
    same answer. A user who names plugins to disable gets pydantic's own loader.
    """
    import os
    import sys
    import types

    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):
        return
    loader = types.ModuleType("pydantic.plugin._loader", "No pydantic plugins: PYDANTIC_DISABLE_PLUGINS disables them all.")

    def get_plugins(*_args: object, **_kwargs: object) -> tuple[()]:
        return ()

    loader.__dict__["get_plugins"] = get_plugins
    sys.modules.setdefault("pydantic.plugin._loader", loader)


#: Commands whose first real work is loading the working tree's records (unless --at names a commit).
_LOADING = frozenset({"check", "gap", "soa", "report"})


def _working_directory() -> None:
    """A WorkspaceError (exit 2) when the directory isoctl runs in no longer exists: every command looks for the
    workspace from it, or resolves the paths it is given against it."""
    import os

    try:
        os.getcwd()
    except FileNotFoundError:
        from isoctl.errors import WorkspaceError

        raise WorkspaceError("the current directory no longer exists (it was deleted or moved)",
                             hint="cd to a directory that exists and run again") from None


def _read_ahead(argv: list[str], *, parse: bool) -> None:
    """Have helpers start on the workspace while the command line and the models import: one parsing its records
    (when ``parse``), one reading its history (when the rules that read every record's versions may run).

    The workspace is guessed from the arguments as they stand (the first one
    that names a directory, else the current one): a wrong guess costs the
    helpers' work and nothing else, since loading takes from them only files
    of its own root, byte for byte (see isoctl.workspace.ahead), and the
    evaluation only a history of its own commit (see isoctl.history.versions).
    """
    if not argv or argv[0] not in _LOADING or any(arg.startswith(("--at", "-h", "--help")) for arg in argv[1:]):
        return
    import os
    from pathlib import Path

    from isoctl.workspace import ahead
    from isoctl.workspace.discover import find_root

    named = next((arg for arg in argv[1:] if not arg.startswith("-") and os.path.isdir(arg)), None)
    directory = Path(named) if named is not None else Path.cwd()
    root = ahead.start(directory) if parse else find_root(directory)
    if root is None:
        return
    from isoctl.history import git

    if not (os.environ.get("GIT_DIR") or git.inside_repository(root)):
        return  # no history to read (git itself says so later, where it matters)
    from isoctl.history import versions

    if _may_read_versions(argv[1:]):
        versions.read_ahead(root)


def _may_read_versions(args: list[str]) -> bool:
    """Whether a rule that reads every record's versions may run, as far as the ``--select`` and ``--ignore``
    options in ``args`` tell (the manifest may still turn them off: see isoctl.core.evaluate)."""
    from isoctl.history import versions

    named: dict[str, set[str]] = {"--select": set(), "--ignore": set()}
    for index, arg in enumerate(args):
        option, equals, value = arg.partition("=")
        if option in named:
            named[option].add(value if equals else args[index + 1] if index + 1 < len(args) else "")
    return bool(versions.reading(named["--select"], named["--ignore"]))


#: What the last command evaluated, kept past the command's return (see :func:`keep_until_exit`).
_kept: list[object] = []


def keep_until_exit(value: object) -> None:
    """Keep ``value`` (an evaluation and the workspace it loaded) referenced until the process ends.

    A command that returns would otherwise free a loaded workspace object by
    object on its way out (70 ms after a cold check of 5,000 records), just
    before :func:`run` ends the process without freeing anything. One value
    at a time: a caller running commands in a process of its own holds at
    most the last one.
    """
    _kept[:] = [value]


def run() -> None:
    """The ``isoctl`` command itself (its console script): :func:`main`, then a quick exit.

    A check that ends holds hundreds of thousands of objects, and the
    interpreter's own exit frees them one at a time (0.3 s after a cold check
    of 20,000 records) for a process that is gone a moment later. Here the
    exit does what an exit must (worker threads are waited for, exit handlers
    run, stdout and stderr are flushed) and the process then ends at once.
    :func:`main` exits as usual, for callers that run it inside a process of
    their own.
    """
    try:
        main()
        code: object = None
    except SystemExit as exc:
        code = exc.code
    import os

    os._exit(_leave(code))


def _leave(code: object) -> int:
    """What the interpreter's exit does before it frees the heap, as the exit status ``sys.exit(code)`` gives."""
    import atexit
    import signal
    import sys
    import threading

    from isoctl.cli import boundary

    late: list[int] = []  # a Ctrl-C from here on (helpers being stopped) ends the run as interrupted, quietly
    signal.signal(signal.SIGINT, lambda signum, frame: late.append(signum))
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    if late and code != boundary.INTERRUPTED:
        code = boundary.failure(KeyboardInterrupt())
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:  # sys.exit("message"): the message on stderr, status 1
        status = 1
        if sys.stderr is not None:
            print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except (OSError, ValueError) as exc:  # the last bytes cannot be written (a reader gone, a full disk)
            if stream is sys.stdout and status == 0 and isinstance(exc, OSError):
                status = boundary.failure(exc) or 0
    return status


def _run(argv: list[str]) -> int | str | None:
    _working_directory()
    from isoctl.cli import replay

    code = replay.answer(argv)  # the same question of the same files: the same answer, at once
    if code is not None:
        return code
    # after a small edit, the record cache holds all but the edited files: nothing to parse ahead
    _read_ahead(argv, parse=not replay.edited())
    from isoctl.cli.app import build

    try:
        build(argv[0] if argv else None)(prog_name="isoctl")
    except SystemExit as exc:
        replay.finish(exc.code)
        return exc.code
    return 0
