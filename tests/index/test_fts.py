"""Folding: the optional stress accents go, Norwegian letters stay; words as FTS5 splits them."""

from __future__ import annotations

import random
import sys
import unicodedata

from archive.index.fts import _ACCENT_FOLD, _WORD, _tokens, fold, words

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
    """The split fast path gives ``_WORD.findall``'s matches for any text."""
    alphabet = _WHITESPACE + _EDGES + _LETTERS
    for seed in range(3000):
        chosen = random.Random(seed)
        text = "".join(chosen.choice(alphabet) for _ in range(chosen.randrange(0, 40)))
        assert _tokens(text) == _WORD.findall(text), repr(text)


def test_tokens_of_latin1_text_are_the_regular_expressions_matches() -> None:
    """The Latin-1 path (every character below 256, and the marks made spaces first),
    and its way out for text that stays outside Latin-1 (Sami letters)."""
    alphabet = [chr(c) for c in range(256)] + list("–—‘’“”…") + list("čŋšŧžđ")
    for seed in range(3000):
        chosen = random.Random(seed)
        # Most texts without the letters outside Latin-1, so that most take the fast path.
        letters = alphabet if seed % 4 == 0 else alphabet[:-6]
        text = "".join(chosen.choice(letters) for _ in range(chosen.randrange(0, 60)))
        assert _tokens(text) == _WORD.findall(text), repr(text)


def test_words_are_the_matches_in_the_folded_text() -> None:
    """``words`` folds the accents of Latin-1 text in its own pass: the same words."""
    accented = "".join(BASES.values()) + "".join(BASES.values()).upper()
    decomposed = [unicodedata.normalize("NFD", c) for c in "éÅøüç"]
    alphabet = [chr(c) for c in range(256)] + list(accented) + decomposed
    alphabet += list("–—‘’“”…") + list("čŋšŧžđ") + _LETTERS + _WHITESPACE[:8]
    # Outside Latin-1 but Latin-1 once composed or lowered: the Kelvin and Ångström signs.
    alphabet += ["\u212a", "\u212b", "A\u030a", "ﬁ"]
    for seed in range(3000):
        chosen = random.Random(seed)
        letters = alphabet if seed % 4 == 0 else alphabet[:256] + list(accented) + decomposed
        text = "".join(chosen.choice(letters) for _ in range(chosen.randrange(0, 60)))
        assert words(text) == _WORD.findall(fold(text)), repr(text)
    assert words("Kafé-IDÉ og Čáhci – én") == ["kafe", "ide", "og", "čahci", "en"]
    assert words("ÆRLIG SKJØNN ÅPEN \u212bS") == ["ærlig", "skjønn", "åpen", "ås"]


def test_tokens_of_prose() -> None:
    text = "Regjeringen  foreslår\u00a0å øke\tbevilgningen_til  «skolen» med 2,5 mrd.\u2028kroner."
    assert _tokens(text) == _WORD.findall(text)
    assert _tokens(text)[:4] == ["Regjeringen", "foreslår", "å", "øke"]
    assert "bevilgningen" in _tokens(text) and "til" in _tokens(text)  # "_" separates
    dashed = "Statsråden – som «alltid» – sa: “Vi’er klare…” Čáhcesuolu og Áltá"
    assert _tokens(dashed) == _WORD.findall(dashed)
    assert _tokens(dashed)[-3:] == ["Čáhcesuolu", "og", "Áltá"]
