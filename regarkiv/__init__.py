"""regarkiv, the application: the command line, the demo and the scheduler.

The only package that imports both ``crawler`` (Scrapy) and ``archive`` (storage).
"""

from archive import __version__

__all__ = ["__version__"]
