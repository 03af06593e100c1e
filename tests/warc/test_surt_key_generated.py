"""Generated URLs get the key ``surt.surt`` gives them from archive/warc/surt_key.py (the
corpus and the odd cases are in test_surt_key.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis", reason="hypothesis (a dev extra) is not installed")

import surt
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.warc.surt_key import surt_key

_HOSTS = st.sampled_from(
    [
        "www.regjeringen.no", "WWW.Regjeringen.No", "regjeringen.no", "www3.regjeringen.no",
        "127.0.0.1", "10.1.2.3", "localhost", "a-b.c_d.no", "www.", "1.2.3", "01.2.3.4",
    ]
)  # fmt: skip
_PORTS = st.sampled_from(["", ":80", ":443", ":8080", ":0", ":00080", ":99999", ":"])
_PIECES = ["%2F", "%25", "%C3%A5", "%c3%a5", "..", "/./", "//", ".aspx", "sid="]
_ALPHABET = st.sampled_from(list("aZz09-._~/%?&=#;:@!$'()*+,.æøÅ \\\"<>[]^`{|}") + _PIECES)
_TAIL = st.lists(_ALPHABET, max_size=25).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["http", "https", "HTTP"]), _HOSTS, _PORTS, _TAIL)
def test_generated_urls_get_the_package_key(scheme: str, host: str, port: str, tail: str) -> None:
    url = f"{scheme}://{host}{port}/{tail}"
    try:
        expected = surt.surt(url)
    except ValueError:
        with pytest.raises(ValueError):
            surt_key(url)
        return
    assert surt_key(url) == expected, url


_LABEL = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "010", "0x1"]))


@settings(max_examples=500, deadline=None)
@given(st.lists(_LABEL, min_size=1, max_size=5).map(".".join))
def test_numeric_hosts_get_the_package_key(host: str) -> None:
    """Dotted quads take the fast path; every other numeric host is the package's, which
    asks the C library what address it means."""
    url = f"http://{host}:8080/a/"
    try:
        expected = surt.surt(url)
    except (ValueError, OSError):
        return
    assert surt_key(url) == expected, url
