"""The web interface: ``regarkiv serve`` runs Datasette over the index with this project's
plugin (pages for search, articles, diffs and changes), and pywb for replay.

Only this package imports Datasette; it is installed with ``pip install 'regarkiv[web]'``.
"""
