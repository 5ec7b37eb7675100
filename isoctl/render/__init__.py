"""Output formats: each a pure function of what the core computed."""
