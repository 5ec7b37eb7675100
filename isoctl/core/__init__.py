"""The evaluation core: one way to turn a workspace (now or at a commit) into a Result, with its caches."""
