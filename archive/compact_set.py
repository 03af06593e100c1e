"""Sets of fixed-width byte strings kept as one sorted ``bytes``, not as objects.

A crawl remembers every request's fingerprint (Scrapy's duplicate filter,
crawler/dupefilter.py) and every article id it claimed (the spider) until it ends. In a
``set`` each member is an object of its own plus a hash slot: ~100 bytes for a 20-byte
fingerprint, ~70 for an id, ~8 MB of the crawl process at 50,000 articles, in small
long-lived objects scattered among the crawl's short-lived ones. Here a member costs
little more than its width: new members go to a small set, which is merged into the
sorted ``bytes`` once it holds a sixteenth as many (so the merges cost ~17 passes over
the members in all), and lookups there bisect. A lookup costs ~4 µs at 50,000 members,
one or two per page. Members of another width go to a plain set, so membership is exact,
as with a ``set``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

MIN_RUN = 4096  # members in the small set before a merge, at least


class FixedWidthSet:
    """A set of ``bytes``, compact for members ``width`` bytes long."""

    def __init__(self, width: int, members: Iterable[bytes] = ()) -> None:
        if width < 1:
            raise ValueError(f"width must be positive, not {width}")
        self.width = width
        self._sorted = b""
        self._recent: set[bytes] = set()
        self._other: set[bytes] = set()  # members of another width
        self.update(members)

    def __len__(self) -> int:
        return len(self._sorted) // self.width + len(self._recent) + len(self._other)

    def __contains__(self, member: object) -> bool:
        if not isinstance(member, bytes):
            return False
        if len(member) != self.width:
            return member in self._other
        return member in self._recent or self._in_sorted(member)

    def __iter__(self) -> Iterator[bytes]:
        data, width = self._sorted, self.width
        yield from (data[i : i + width] for i in range(0, len(data), width))
        yield from self._recent
        yield from self._other

    def add(self, member: bytes) -> None:
        if len(member) != self.width:
            self._other.add(member)
        elif member not in self._recent and not self._in_sorted(member):
            self._recent.add(member)
            if len(self._recent) >= max(MIN_RUN, len(self._sorted) // self.width // 16):
                self._merge()

    def update(self, members: Iterable[bytes]) -> None:
        for member in members:
            self.add(member)

    def _in_sorted(self, member: bytes) -> bool:
        data, width = self._sorted, self.width
        low, high = 0, len(data) // width
        while low < high:
            middle = (low + high) // 2
            probe = data[middle * width : (middle + 1) * width]
            if probe < member:
                low = middle + 1
            elif probe > member:
                high = middle
            else:
                return True
        return False

    def _merge(self) -> None:
        """The small set into the sorted bytes, streamed: no object per member at once."""
        data, width = self._sorted, self.width
        merged = bytearray()
        old = (data[i : i + width] for i in range(0, len(data), width))
        for member in heapq.merge(old, sorted(self._recent)):
            merged += member
        self._sorted = bytes(merged)
        self._recent = set()


class IdSet:
    """A set of non-negative integers (article ids) in a ``FixedWidthSet`` of 8-byte keys;
    larger ones, which no real id is, in a plain set."""

    def __init__(self) -> None:
        self._keys = FixedWidthSet(8)
        self._large: set[int] = set()

    def __len__(self) -> int:
        return len(self._keys) + len(self._large)

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        key = _key(number)
        return number in self._large if key is None else key in self._keys

    def __iter__(self) -> Iterator[int]:
        yield from (int.from_bytes(key, "big") for key in self._keys)
        yield from self._large

    def add(self, number: int) -> None:
        key = _key(number)
        if key is None:
            self._large.add(number)
        else:
            self._keys.add(key)


def _key(number: int) -> bytes | None:
    return number.to_bytes(8, "big") if 0 <= number < 1 << 64 else None
