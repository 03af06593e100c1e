"""The SQLite index: schema, store, full-text search, diffs, changes and jobs."""
