"""The phrase counter of ``archive.index.phrase_rank``: occurrences of a phrase in a text of
stems, as FTS5 counts them (adjacent and, for a phrase whose start repeats its end,
overlapping occurrences each count)."""

from __future__ import annotations

import random
import re

from archive.index.fts import RankedPhrase
from archive.index.phrase_rank import _counter


def phrase(*stems: str, prefix: bool = False) -> RankedPhrase:
    return RankedPhrase(" ".join(stems), stems, prefix, ("body",), False)


def every_occurrence(stems: tuple[str, ...], text: str) -> int:
    """Token by token: the positions where the phrase starts (overlaps included)."""
    tokens = text.split(" ")
    size = len(stems)
    return sum(tuple(tokens[i : i + size]) == stems for i in range(len(tokens) - size + 1))


def test_adjacent_occurrences_each_count() -> None:
    assert _counter(phrase("og"))(" og og og er og ") == 4
    assert _counter(phrase("a", "b"))(" a b a b c a b ") == 3
    assert _counter(phrase("a", "b"))(" a bb a b ") == 1
    assert _counter(phrase("a", "a"))(" a a a ") == 2  # overlapping, as FTS5 counts


def test_the_count_is_every_occurrence_on_random_texts() -> None:
    rng = random.Random(13)
    vocabulary = ["og", "i", "er", "a", "b", "ab", "ba"]
    for _ in range(2000):
        stems = tuple(rng.choice(vocabulary) for _ in range(rng.randint(1, 3)))
        text = " " + " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 40))) + " "
        assert _counter(phrase(*stems))(text) == every_occurrence(stems, text), (stems, text)


def test_a_prefix_phrase_counts_words_that_start_with_it() -> None:
    text = " regjering regjeringen og regjer "
    assert _counter(phrase("regjer", prefix=True))(text) == len(re.findall(r" regjer", text))
