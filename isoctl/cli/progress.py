"""Progress on stderr for commands that can run for minutes (``history``, ``report`` on a long history).

Shown only when stderr is a terminal, only once a task has run for
:data:`DELAY` seconds (a quick run shows nothing), and cleared when done
(transient): stdout, files, pipes and CI logs never get a byte of it. The
core reports through a plain callback (:data:`isoctl.core.timeline.Progress`)
and knows nothing of terminals.

No refresh thread (``auto_refresh=False``): the bar is redrawn when the task
reports, so nothing runs beside the timeline's forked worker process.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

from isoctl.core.timeline import Progress, no_progress

#: Seconds a task runs before its progress is drawn.
DELAY = 0.5


@contextlib.contextmanager
def shown() -> Iterator[Progress]:
    """A progress callback drawing a transient bar on stderr while the block runs, if stderr is a terminal."""
    stream = sys.stderr
    if stream is None or not stream.isatty():
        yield no_progress
        return
    from rich import progress as rich

    from isoctl.cli.common import console

    bar = rich.Progress(rich.TextColumn("{task.description}"), rich.BarColumn(), rich.MofNCompleteColumn(),
                        rich.TimeElapsedColumn(), console=console(stderr=True), transient=True, auto_refresh=False,
                        redirect_stdout=False, redirect_stderr=False)
    started = time.monotonic()
    tasks: dict[str, Any] = {}
    live = False

    def tell(what: str, done: int, total: int) -> None:
        nonlocal live
        if not live:
            if time.monotonic() - started < DELAY:
                return
            bar.start()
            live = True
        if what not in tasks:
            for other in tasks.values():  # one line at a time: the earlier task is over
                bar.update(other, visible=False)
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)
        bar.refresh()

    try:
        yield tell
    finally:
        if live:
            bar.stop()
