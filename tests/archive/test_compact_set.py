"""Compact sets (archive/compact_set.py): exactly a set's membership, in little memory."""

from __future__ import annotations

import hashlib
import random
import tracemalloc

import pytest

from archive import compact_set
from archive.compact_set import FixedWidthSet, IdSet


def _key(rng: random.Random) -> bytes:
    """Mostly 4 bytes from a small alphabet (so that keys repeat), sometimes another width."""
    width = 4 if rng.random() < 0.8 else rng.randrange(7)
    return bytes(rng.choice(b"abc\x00\xff") for _ in range(width))


@pytest.mark.parametrize("seed", range(40))
def test_membership_is_a_set_s(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compact_set, "MIN_RUN", 7)  # merge often
    rng = random.Random(seed)
    compact = FixedWidthSet(4)
    reference: set[bytes] = set()
    for _ in range(rng.randrange(400)):
        key = _key(rng)
        assert (key in compact) == (key in reference)
        compact.add(key)
        reference.add(key)
        assert key in compact
    assert len(compact) == len(reference)
    assert sorted(compact) == sorted(reference)
    for key in [_key(rng) for _ in range(200)]:
        assert (key in compact) == (key in reference)


def test_what_is_not_bytes_is_not_a_member() -> None:
    compact = FixedWidthSet(2, [b"ab"])
    assert "ab" not in compact and None not in compact and bytearray(b"ab") not in compact
    with pytest.raises(ValueError, match="positive"):
        FixedWidthSet(0)


@pytest.mark.parametrize("seed", range(20))
def test_ids_are_a_set_s(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compact_set, "MIN_RUN", 5)
    rng = random.Random(seed)
    numbers = [
        rng.choice([rng.randrange(3_000_000, 3_000_100), rng.randrange(-(2**70), 2**70)])
        for _ in range(rng.randrange(300))
    ]
    ids = IdSet()
    for number in numbers:
        ids.add(number)
    assert len(ids) == len(set(numbers))
    assert sorted(ids) == sorted(set(numbers))
    for number in [*numbers, 0, -1, 2**64 - 1, 2**64, 3_000_050, 3169214]:
        assert (number in ids) == (number in set(numbers))
    assert "3000050" not in ids


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
