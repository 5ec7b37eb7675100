"""Reading and writing files safely: YAML with positions, located schema errors, atomic writes, the user cache, shipped data."""
