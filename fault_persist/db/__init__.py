"""Storage of faults: models, queries and migrations."""
