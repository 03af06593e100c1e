"""What the paired benchmarks share: the order of each round and the spread over rounds.

Contenders run one after another in every round, in an order rotated from round to round,
so none always meets the machine first or last; figures that compare them are taken within
a round and reported as min / median / max over the rounds (see benchmarks/crawl_rounds.py
for why a contender's best round is not kept instead).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

SHIPPED_CACHE = 512  # the replica's own page cache (replica/site.py): a crawl's pages miss it


def rotated(contenders: Sequence[T], number: int) -> list[T]:
    """The order of round ``number`` (from 0): the contenders rotated one place a round."""
    turn = number % len(contenders)
    return [*contenders[turn:], *contenders[:turn]]


def spread(values: Iterable[float], digits: int = 3) -> dict[str, float]:
    """The min, median and max of ``values``, rounded to ``digits`` places."""
    values = list(values)
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }
