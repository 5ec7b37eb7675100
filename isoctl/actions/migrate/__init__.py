"""``isoctl migrate``: move a workspace to a newer edition of a standard, byte-exact, all files or none.

:func:`~isoctl.actions.migrate.run.migrate` is the library call. The work is
split along its seams: :mod:`.table` reads a transition table,
:mod:`.sources` reads the workspace's files, :mod:`.plan` decides every
change (:mod:`.soa` for the Statement of Applicability), :mod:`.rewrite`
makes them in the files' text, :mod:`.readiness` evaluates the workspace
before and after, :mod:`.transaction` writes every file or none, and
:mod:`.report` with ``render_*`` says what happened.
"""
