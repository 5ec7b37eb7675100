"""Creating workspaces and the JSON Schemas editors complete from."""
