"""The stemmers give snowballstemmer's own stems (PyStemmer only where it gives the same)."""

from __future__ import annotations

import random
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from archive.index import stemmers
from archive.index.fts import words
from archive.index.stemmers import LANGUAGES, STEMMER_VERSION, new_stemmers

TEXT = (
    "Regjeringen foreslår å bruke 571 milliarder kroner på regjeringens plan for Norge. "
    "Departementenes tildelingsbrev, barnehagene og sykehusene får løsningene de trenger. "
    "The Government's ministries are running programmes happily; governments generalised."
)
# Endings that take the two algorithms' suffix rules.
ENDINGS = (
    "", "a", "e", "ene", "ane", "erte", "ede", "ende", "hetene", "hetens", "s", "ers", "et",
    "het", "ast", "leg", "eleg", "lig", "els", "elov", "hetslov", "ing", "ingly", "ness",
    "ational", "ization", "ies", "ied", "sses", "edly", "ment", "able", "ful", "ous", "dt",
)  # fmt: skip
ALPHABET = "abcdefghijklmnopqrstuvwxyzæøåäöüéèóôâ0123456789"


def _snowballstemmers(language: str) -> stemmers.Stemmer:
    """The package's own pure-Python class, whatever else is installed."""
    module = __import__(f"snowballstemmer.{language}_stemmer", fromlist=["x"])
    stemmer: stemmers.Stemmer = getattr(module, f"{language.capitalize()}Stemmer")()
    return stemmer


def _word_list(root: Path, real_pages: Path | None) -> list[str]:
    """Words of real text and random ones: ~25,000."""
    found = set(words(TEXT))
    for path in sorted(real_pages.glob("*.html")) if real_pages else []:
        found.update(words(path.read_text("utf-8", "replace")))
    for path in (root / "replica").rglob("*.json"):
        found.update(words(path.read_text("utf-8")))
    rng = random.Random(5)
    for _ in range(20_000):
        stem = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12)))
        found.add(stem + rng.choice(ENDINGS))
    return sorted(found)


def test_the_stems_are_snowballstemmers() -> None:
    ours = new_stemmers()
    for lang, language in LANGUAGES.items():
        theirs = _snowballstemmers(language)
        assert [ours[lang].stemWord(w) for w in words(TEXT)] == [
            theirs.stemWord(w) for w in words(TEXT)
        ]


def test_pystemmer_gives_snowballstemmers_stems(root: Path, real_pages_dir: Path) -> None:
    """Fails when an installed pair that ``SAME_STEMS`` lists diverges. A pair it does not
    list is not used (pure-Python stems); compared here, it is named for the list."""
    pystemmer = pytest.importorskip("Stemmer")
    vocabulary = _word_list(root, real_pages_dir if real_pages_dir.is_dir() else None)
    assert len(vocabulary) > 20_000
    differing: dict[str, list[str]] = {}
    for language in LANGUAGES.values():
        ours, theirs = _snowballstemmers(language), pystemmer.Stemmer(language)
        differing[language] = [w for w in vocabulary if ours.stemWord(w) != theirs.stemWord(w)]
    pair = f"snowballstemmer {stemmers.SNOWBALLSTEMMER} with PyStemmer {stemmers.PYSTEMMER}"
    if stemmers.USE_PYSTEMMER:
        assert not any(differing.values()), (pair, {k: v[:10] for k, v in differing.items()})
    elif not any(differing.values()):
        pytest.skip(f"{pair}: the same stems here, not yet in SAME_STEMS (so not used)")


def test_pystemmer_only_where_it_gives_the_same_stems(monkeypatch: pytest.MonkeyPatch) -> None:
    used = type(new_stemmers()["nb"]).__module__
    assert (used == "Stemmer") == stemmers.USE_PYSTEMMER
    assert (
        stemmers.PYSTEMMER in stemmers.SAME_STEMS.get(stemmers.SNOWBALLSTEMMER, ())
    ) == stemmers.USE_PYSTEMMER
    monkeypatch.setattr(stemmers, "USE_PYSTEMMER", False)  # a pair not in SAME_STEMS
    assert type(new_stemmers()["nb"]).__name__ == "NorwegianStemmer"


def test_the_version_names_the_algorithms_not_the_accelerator() -> None:
    assert f"snowballstemmer {metadata.version('snowballstemmer')}" == STEMMER_VERSION
    # An index made with PyStemmer beside recorded both: the same stems, not outdated.
    for pystemmer in stemmers.SAME_STEMS.get(stemmers.SNOWBALLSTEMMER, ()):
        assert f"{STEMMER_VERSION}, PyStemmer {pystemmer}" in stemmers.SAME_STEMMER_VERSIONS


def test_loading_them_imports_no_other_language() -> None:
    probe = (
        "import sys; from archive.index.fts import stem; stem('regjeringen', 'nb');"
        "print(sorted(m for m in sys.modules if 'stemmer' in m.lower()))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "norwegian_stemmer" in loaded or "'Stemmer'" in loaded
    assert "german_stemmer" not in loaded and "'snowballstemmer'" not in loaded
