"""The two stemmers loaded alone give snowballstemmer's own stems and version."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import snowballstemmer

from archive.index.fts import words
from archive.index.stemmers import LANGUAGES, STEMMER_VERSION, new_stemmers

TEXT = (
    "Regjeringen foreslår å bruke 571 milliarder kroner på regjeringens plan for Norge. "
    "Departementenes tildelingsbrev, barnehagene og sykehusene får løsningene de trenger. "
    "The Government's ministries are running programmes happily; governments generalised."
)


def test_the_stems_are_snowballstemmers() -> None:
    ours = new_stemmers()
    for lang, language in LANGUAGES.items():
        theirs = snowballstemmer.stemmer(language)
        assert [ours[lang].stemWord(w) for w in words(TEXT)] == [
            theirs.stemWord(w) for w in words(TEXT)
        ]


def test_the_version_is_the_installed_distributions() -> None:
    assert STEMMER_VERSION.startswith(f"snowballstemmer {metadata.version('snowballstemmer')}")


def test_loading_them_imports_no_other_language() -> None:
    probe = (
        "import sys; from archive.index.fts import stem; stem('regjeringen', 'nb');"
        "print(sorted(m for m in sys.modules if 'stemmer' in m))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "norwegian_stemmer" in loaded
    assert "german_stemmer" not in loaded and "'snowballstemmer'" not in loaded
