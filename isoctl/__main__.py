"""``python -m isoctl``: exits as Python does, so that ``python -m cProfile -m isoctl ...`` can write its profile
(the ``isoctl`` command ends sooner: see :func:`isoctl.cli.run`)."""

from isoctl.cli import main

main()
