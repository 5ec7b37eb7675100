"""The jinja loader of templates from a user's directory: regular files inside it, nothing else.

It reads through :mod:`isoctl.files.template_dir`, which resolves every file
and refuses one that leads outside the directory (a link to ``/etc/passwd``
or ``/proc/self/environ``), a FIFO, a device or a link loop, naming it. A
template is UTF-8 text; anything else is refused too. jinja asks again
whether a template is up to date before it reuses it: a file that now
resolves elsewhere or has changed is read again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import BaseLoader, TemplateNotFound
from jinja2.loaders import split_template_path

from isoctl.files import template_dir


class DirectoryLoader(BaseLoader):
    """Templates from a user's directory: regular files inside it only (see :mod:`isoctl.files.template_dir`).

    A name with no file falls through (``TemplateNotFound``), so a
    :class:`~jinja2.ChoiceLoader` can try isoctl's own templates next; a name
    whose file is unsafe raises :class:`~isoctl.errors.UsageError` naming it.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        relative = PurePosixPath(*split_template_path(template))
        path = template_dir.locate(self.directory, relative)
        if path is None:
            raise TemplateNotFound(template)
        shown = self.directory / Path(*relative.parts)
        data = template_dir.read_regular(path, shown)
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            from isoctl.errors import UsageError

            raise UsageError(f"template file {shown} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
        mtime = os.stat(path).st_mtime

        def uptodate() -> bool:
            try:
                return template_dir.locate(self.directory, relative) == path and os.stat(path).st_mtime == mtime
            except Exception:  # changed in a way get_source will report
                return False

        return source, str(shown), uptodate
