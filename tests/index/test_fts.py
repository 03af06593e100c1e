"""Folding: the optional stress accents go, Norwegian letters stay."""

from __future__ import annotations

import unicodedata

from archive.index.fts import _ACCENT_FOLD, fold

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
