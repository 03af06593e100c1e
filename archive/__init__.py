"""WARC writing and reading, the SQLite index, revisions, diffs and the CLI."""
