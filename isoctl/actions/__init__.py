"""The action log (clause 10) from the command line: create, find, list, update and close actions.

Action commands answer in well under a second on a workspace of thousands of
records because they never load it: they read ``isoctl.yaml``, list the
directory tree, grep the bytes of record files for ids (:mod:`.ids`), and
parse only the files they show or touch (:mod:`.query`). Edits change the
bytes of the touched fields and nothing else (:mod:`.edit`), and are written
atomically; :mod:`.lifecycle` holds the operations themselves.
"""
