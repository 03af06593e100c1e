"""``stem_text`` looks stems up a space-separated chunk at a time: the same stems, in the
same order, as stemming each of ``words(text)``."""

from __future__ import annotations

import random
import re

import pytest

from archive.index import fts
from archive.index.fts import stem, stem_text, stemmer_lang, words

ODD_TEXTS = [
    "Regjeringen la fram statsbudsjettet for 2025.",
    "  leading and trailing  ",
    "a  b   c",
    "Skatt,skatt;SKATT (skatt) «skatt» skatt-økonomi skatt/avgift",
    "idé kafé én ÉN Idéen",  # optional stress accents folded away
    "får far FÅR Får",  # å stays a letter of its own
    "e\u0301n ide\u0301 a\u030a",  # decomposed: NFC composes within the chunk
    "a \u0301b \u0301 \u030a",  # a combining mark after a space composes with nothing
    "ΟΔΟΣ ΟΔΟΣ. Σ ΣΑ ΑΣ ΑΣ'Α",  # a final sigma reads its context up to a space
    "snake_case under_score __init__",
    "linje\nlinje\n\nny\tfane\u00a0hard\u2009thin\u3000ideographic\u2028line",
    "soft\u00adhyphen zero\u200bwidth word\u2060joiner",
    "tall 1 234,5 2025–2026 ½ ² ٣",  # digits of other scripts, fractions
    "– — … ,,, ---",  # chunks without words
    "English words: running runs ran, governments governed",
    "",
    " ",
]


def reference(text: str, lang: str | None) -> str:
    slang = stemmer_lang(lang)
    return " ".join(stem(word, slang) for word in words(text))


@pytest.mark.parametrize("lang", ["nb", "nn", "en", None])
@pytest.mark.parametrize("text", ODD_TEXTS)
def test_the_stems_are_those_of_each_word(text: str, lang: str | None) -> None:
    assert stem_text(text, lang) == reference(text, lang)


def test_random_texts_of_the_characters_that_matter_stem_alike() -> None:
    alphabet = list("aeøåæÆØÅbcsΣσςΑ_-.,'’1") + [
        " ",
        "  ",
        "\n",
        "\u00a0",
        "\u0301",
        "\u030a",
        "\u00ad",
        "é",
        "É",
        "ﬁ",
    ]
    rng = random.Random(13)
    for _ in range(3_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        for lang in ("nb", "en"):
            assert stem_text(text, lang) == reference(text, lang), repr(text)


def test_no_whitespace_character_is_a_letter_of_a_word() -> None:
    # Why splitting at spaces first never cuts a word: every whitespace character is a
    # separator for the word pattern too.
    spaces = [chr(code) for code in range(0x110000) if chr(code).isspace()]
    assert len(spaces) > 20
    assert not [char for char in spaces if re.fullmatch(r"[^\W_]", char)]


def test_a_full_chunk_cache_starts_again_and_stems_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fts, "_CHUNK_LIMIT", 3)
    monkeypatch.setattr(fts, "_chunks", {slang: fts._ChunkStems(slang) for slang in ("nb", "en")})
    text = "Skatter og avgifter skal bidra til en rettferdig fordeling"
    assert stem_text(text, "nb") == reference(text, "nb")
    assert len(fts._chunks["nb"]) <= 3
    assert stem_text(text, "nb") == reference(text, "nb")


def test_a_word_that_stems_to_nothing_is_stemmed_word_by_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fts, "_chunks", {slang: fts._ChunkStems(slang) for slang in ("nb", "en")})
    monkeypatch.setitem(fts._cache["nb"], "tom", "")
    assert stem_text("en tom  side", "nb") == reference("en tom  side", "nb")
    assert "  " in stem_text("en tom  side", "nb")  # the empty stem kept its place
