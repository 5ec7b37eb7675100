"""Analysis: coverage of every clause in scope and the rules, as one Result."""
