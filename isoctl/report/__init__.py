"""``isoctl report``: the audit pack (design §6) as plain data, and its HTML, PDF, Markdown and XLSX renderings.

:func:`isoctl.report.gather.collect` gathers a :class:`~isoctl.report.data.Report`
from a loaded workspace and git; each ``render_*`` module is a pure function
of that report (and, for the text formats, of an optional directory of a
consultant's own templates).
"""
