"""Finding and reading a workspace: the manifest and the records beside it."""
