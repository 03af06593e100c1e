"""WARC/1.1 records: writing, reading, repairing and CDXJ indexes. No SQLite."""

# Roll-over size and compression: the writer's defaults and `regarkiv crawl`'s
# (archive/config.py). Here, not in writer.py, so the configuration can name them
# without importing the writer into every command.
DEFAULT_MAX_SIZE = 1_000_000_000  # the WARC convention: files of about 1 GB
DEFAULT_GZIP_LEVEL = 6
