"""Folding: the optional stress accents go, Norwegian letters stay; words as FTS5 splits them."""

from __future__ import annotations

import random
import sys
import unicodedata

from archive.index.fts import _ACCENT_FOLD, _WORD, _tokens_by_piece, fold, words

BASES = {"e": "éèêë", "a": "áàâ", "o": "óòô", "i": "íìîï", "u": "úùû", "c": "ç"}


def test_every_optional_accent_folds_wherever_it_stands() -> None:
    assert {chr(key) for key in _ACCENT_FOLD} == set("".join(BASES.values()))
    for base, accented in BASES.items():
        for char in accented:
            for text in (char, f"kaf{char}", f"{char}n og to", f"Lang tekst {'x' * 500}{char}"):
                assert fold(text) == text.lower().replace(char, base)
            assert fold(char.upper()) == base  # lowered first
            decomposed = unicodedata.normalize("NFD", f"id{char}")
            assert fold(decomposed) == f"id{base}"  # composed first


def test_text_without_those_accents_is_only_lowered() -> None:
    for text in ("Får og Sønn", "ÆØÅ äöü", "idag", "", "ñ ß"):
        assert fold(text) == unicodedata.normalize("NFC", text).lower()


# Every whitespace character, and characters beside the edges of what is a word: the
# underscore, combining marks, digits of other scripts and superscripts, private use
# (the grams' joiner), format characters (soft hyphen, zero-width space), punctuation.
_WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
_EDGES = list("_\u0301\u0308²½٣Ⅻ\ue000\u00ad\u200b\u2060-.,;:!?()«»'\"/&%§–—‘’“”…")
_LETTERS = list("abcxyzæøåÆØÅäöüéñß09日本語ßŉ")


def test_tokens_are_the_regular_expressions_matches() -> None:
    """The split by piece (the way for text outside Latin-1) gives ``_WORD.findall``'s
    matches for any text."""
    alphabet = _WHITESPACE + _EDGES + _LETTERS
    for seed in range(3000):
        chosen = random.Random(seed)
        text = "".join(chosen.choice(alphabet) for _ in range(chosen.randrange(0, 40)))
        assert _tokens_by_piece(text) == _WORD.findall(text), repr(text)


def test_words_are_the_matches_in_the_folded_text() -> None:
    """``words`` lowers, folds and splits Latin-1 text (the marks made spaces first) in its
    own pass, and any other text by piece: the same words either way."""
    accented = "".join(BASES.values()) + "".join(BASES.values()).upper()
    latin = [chr(c) for c in range(256)] + list(accented) + list("–—‘’“”…")
    decomposed = [unicodedata.normalize("NFD", c) for c in "éÅøüç"]
    # Outside Latin-1 but Latin-1 once composed or lowered: the Kelvin and Ångström signs.
    wide = decomposed + list("čŋšŧžđ") + _LETTERS + _WHITESPACE[:8]
    wide += ["\u212a", "\u212b", "A\u030a", "ﬁ"]
    for seed in range(3000):
        chosen = random.Random(seed)
        # Three texts in four in Latin-1 (once the marks are spaces): the translate's way.
        letters = latin + wide if seed % 4 == 0 else latin
        text = "".join(chosen.choice(letters) for _ in range(chosen.randrange(0, 60)))
        assert words(text) == _WORD.findall(fold(text)), repr(text)
    assert words("Kafé-IDÉ og Čáhci – én") == ["kafe", "ide", "og", "čahci", "en"]
    assert words("ÆRLIG SKJØNN ÅPEN \u212bS") == ["ærlig", "skjønn", "åpen", "ås"]


def test_words_of_prose() -> None:
    text = "Regjeringen  foreslår\u00a0å øke\tbevilgningen_til  «skolen» med 2,5 mrd.\u2028kroner."
    assert words(text) == _WORD.findall(fold(text)) == _tokens_by_piece(fold(text))
    assert words(text)[:4] == ["regjeringen", "foreslår", "å", "øke"]
    assert "bevilgningen" in words(text) and "til" in words(text)  # "_" separates
    dashed = "Statsråden – som «alltid» – sa: “Vi’er klare…” Čáhcesuolu og Áltá"
    assert words(dashed) == _WORD.findall(fold(dashed))
    assert words(dashed)[-3:] == ["čahcesuolu", "og", "alta"]
