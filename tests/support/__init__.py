"""Plain code and values the tests share where a fixture cannot serve.

A child process that a test starts (to kill it mid-record, or to cap the size of the files
it writes) receives no fixtures, so the builders it needs live in ``warc``;
``tests/conftest.py`` hands the same builders to tests as fixtures. The constants are the
values those builders put in, which tests compare what they read back with.
"""
