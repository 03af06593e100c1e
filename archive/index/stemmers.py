"""The Snowball stemmers search uses (Norwegian and English), loaded without the other 28.

The stems are always those of snowballstemmer's generated Python: ``STEMMER_VERSION`` names
its release, whose algorithms made them. PyStemmer (the same algorithms compiled, from the
same project's C) stems a word ~7-10x faster, but a release of each is generated from its
own Snowball release: PyStemmer is used only where its release is known to give the same
stems as the installed snowballstemmer (``SAME_STEMS``), else the pure-Python stemmers are.
Measured over the first 3,000 articles of benchmarks/zipf_corpus.py (200,000 distinct
forms, each stemmed once): stems 1.17-1.24 -> 0.39-0.42 ms an article.

``import snowballstemmer`` imports the stemmers of all its 30 languages (~11 ms of start-up,
python -X importtime, in every command that stems a word, a search's query included), and
hands out PyStemmer's whatever its release. So the two modules needed are loaded from the
package's directory under a private package name, without running its ``__init__``; the
classes and their output are the package's own.

Versions are read from the distributions' ``.dist-info`` names: importlib.metadata says
the same but imports the email package to read METADATA, ~15 ms of start-up for one string.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any, Protocol

LANGUAGES = {"nb": "norwegian", "en": "english"}
_PRIVATE = "_regarkiv_snowball"  # the private package the two modules load under

# Per snowballstemmer release, the PyStemmer releases known to give its stems, word for
# word: PyStemmer 3.1.0 (libstemmer_c 3.1.0) against snowballstemmer 3.1.1 (Snowball
# 3.1.1) over ~640,000 distinct words in both languages (the real pages, a replica site,
# the Zipf corpus's forms, random strings with æøå and accents), no difference; PyStemmer
# 3.0.0 differs (English "international": "intern" against "internat").
# tests/index/test_stemmers.py compares the installed pair over a word list.
SAME_STEMS: dict[str, frozenset[str]] = {"3.1.1": frozenset({"3.1.0"})}


class Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # noqa: N802 (Snowball's name)


def _version(distribution: str, package: str) -> str | None:
    """An installed distribution's version, from the name of its ``.dist-info`` directory;
    None when the package is not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        return None
    origin = Path(spec.origin) if spec.origin else None
    if origin is not None:
        site = origin.parent.parent if origin.name == "__init__.py" else origin.parent
        found = sorted(site.glob(f"{distribution}-*.dist-info"))
        found += sorted(site.glob(f"{distribution.lower()}-*.dist-info"))
        if len(set(found)) == 1:
            return found[0].name.removesuffix(".dist-info").partition("-")[2]
    # Imported here, not at the top: ~15 ms (see above) that only an unusual install pays.
    from importlib import metadata

    return metadata.version(distribution)


SNOWBALLSTEMMER = _version("snowballstemmer", "snowballstemmer") or "none"
PYSTEMMER = _version("PyStemmer", "Stemmer")
USE_PYSTEMMER = PYSTEMMER in SAME_STEMS.get(SNOWBALLSTEMMER, frozenset())
STEMMER_VERSION = "snowballstemmer " + SNOWBALLSTEMMER
# What an index records for stems of the same algorithms: before PyStemmer's releases were
# checked, an install with PyStemmer beside recorded both names.
SAME_STEMMER_VERSIONS = frozenset(
    {STEMMER_VERSION}
    | {f"{STEMMER_VERSION}, PyStemmer {same}" for same in SAME_STEMS.get(SNOWBALLSTEMMER, ())}
)


def new_stemmers() -> dict[str, Stemmer]:
    """A stemmer for each language (``nb``, ``en``); they keep state: one set per thread."""
    if USE_PYSTEMMER:
        # Imported here, not at the top: a search that stems no word needs none.
        import Stemmer as pystemmer

        return {lang: pystemmer.Stemmer(name) for lang, name in LANGUAGES.items()}
    try:
        return {lang: _pure_python(name) for lang, name in LANGUAGES.items()}
    except (ImportError, AttributeError):
        return {lang: _pure_python(name, private=False) for lang, name in LANGUAGES.items()}


def _pure_python(language: str, *, private: bool = True) -> Any:
    """snowballstemmer's own ``<Language>Stemmer`` class, instantiated: its module loaded
    alone (``private``), or through the package (which imports all 30 languages)."""
    if private:
        spec = importlib.util.find_spec("snowballstemmer")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("snowballstemmer is not installed")
        if _PRIVATE not in sys.modules:
            package = types.ModuleType(_PRIVATE)
            package.__path__ = list(spec.submodule_search_locations)
            sys.modules[_PRIVATE] = package
    module = importlib.import_module(
        f"{_PRIVATE if private else 'snowballstemmer'}.{language}_stemmer"
    )
    return getattr(module, f"{language.capitalize()}Stemmer")()
