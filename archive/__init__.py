"""Everything regarkiv stores and reads: WARC files, extraction, the SQLite index.

Plain Python: nothing here imports Scrapy, Twisted or click. The distribution's version
lives here because this is the package every other one may import.
"""

__version__ = "0.1.0"
