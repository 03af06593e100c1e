"""WARC/1.1 records: writing, reading, repairing and CDXJ indexes. No SQLite."""
