"""Compact sets (archive/compact_set.py): exactly a set's membership, in little memory."""

from __future__ import annotations

import hashlib
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import compact_set
from archive.compact_set import FixedWidthSet, IdSet

keys = st.one_of(st.binary(min_size=4, max_size=4), st.binary(max_size=6))


@settings(max_examples=200, deadline=None)
@given(added=st.lists(keys, max_size=300), probes=st.lists(keys, max_size=50))
def test_membership_is_a_set_s(added: list[bytes], probes: list[bytes]) -> None:
    run = compact_set.MIN_RUN
    compact_set.MIN_RUN = 7  # merge often
    try:
        compact = FixedWidthSet(4)
        reference: set[bytes] = set()
        for key in added:
            compact.add(key)
            reference.add(key)
            assert key in compact
        assert len(compact) == len(reference)
        assert sorted(compact) == sorted(reference)
        for key in [*probes, *added]:
            assert (key in compact) == (key in reference)
    finally:
        compact_set.MIN_RUN = run


def test_what_is_not_bytes_is_not_a_member() -> None:
    compact = FixedWidthSet(2, [b"ab"])
    assert "ab" not in compact and None not in compact and bytearray(b"ab") not in compact
    with pytest.raises(ValueError, match="positive"):
        FixedWidthSet(0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70) | st.integers(0, 5_000_000)))
def test_ids_are_a_set_s(numbers: list[int]) -> None:
    ids = IdSet()
    for number in numbers:
        ids.add(number)
    assert len(ids) == len(set(numbers))
    assert sorted(ids) == sorted(set(numbers))
    for number in [*numbers, 0, -1, 2**64, 3169214]:
        assert (number in ids) == (number in set(numbers))
    assert "3169214" not in ids


def test_a_fingerprint_takes_under_30_bytes() -> None:
    """In a ``set`` each 20-byte fingerprint took ~100 bytes (the object and its slot)."""
    count = 50_000
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        compact = FixedWidthSet(20)
        for n in range(count):  # made and dropped, as the duplicate filter gets them
            compact.add(hashlib.sha1(b"%d" % n).digest())
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(compact) == count
    assert used / count < 30, f"{used / count:.0f} bytes a fingerprint"
