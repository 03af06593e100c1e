"""Plain code and values the tests share where a fixture cannot serve.

Tests take builders through the fixtures of ``tests/conftest.py``; this package holds what
those fixtures cannot hand over:

- ``warc``: the exchange and writer builders, which child processes started by a test (to
  kill one mid-record, or to cap the size of its files) import, since a child gets no
  fixtures; the conftest fixtures return the same functions;
- ``children``: the targets of the child processes tests/archive/test_child.py starts,
  which the children import by name;
- ``index``, ``crawl``: values the fixtures put in, which tests compare with or pass on;
- ``paths``: where the project and its pages are, for code that runs at collection time
  (a ``parametrize`` list, the import graph) before any fixture.
"""
