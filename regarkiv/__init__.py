"""regarkiv, the application: the command line, the demo and the scheduler.

The only package that imports both ``crawler`` (Scrapy) and ``archive`` (storage). From
Python, an archive is read through ``DataDir``::

    from regarkiv import DataDir
    archive = DataDir("regarkiv-data")
    hits = archive.search("statsbudsjettet", ministry="finans", limit=10)
"""

from archive import __version__
from archive.datadir import DataDir, NoArchive

__all__ = ["DataDir", "NoArchive", "__version__"]
