"""The Snowball stemmers search uses (Norwegian and English), loaded without the other 28.

``import snowballstemmer`` imports the stemmers of all its 30 languages: ~11 ms of start-up
(python -X importtime) in every command that stems a word, a search's query included. Only
two are needed, so their modules are loaded from the package's directory under a private
package name, without running its ``__init__``; the classes and their output are the
package's own. When the C PyStemmer is installed, snowballstemmer itself would hand out its
stemmers (same algorithms, ~10x faster): so do we. Anything unexpected in the installed
package falls back to ``snowballstemmer.stemmer``.

The index records which stemmer made its stems (``STEMMER_VERSION``), read from the
distributions' ``.dist-info`` names: importlib.metadata says the same but imports the email
package to read METADATA, ~15 ms of start-up for one string.
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


class Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # noqa: N802 (Snowball's name)


def _version(distribution: str, package: str) -> str:
    """An installed distribution's version, from the name of its ``.dist-info`` directory."""
    spec = importlib.util.find_spec(package)
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    if origin is not None:
        site = origin.parent.parent if origin.name == "__init__.py" else origin.parent
        found = sorted(site.glob(f"{distribution}-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removesuffix(".dist-info").partition("-")[2]
    # Imported here, not at the top: ~15 ms (see above) that only an unusual install pays.
    from importlib import metadata

    return metadata.version(distribution)


_HAS_PYSTEMMER = importlib.util.find_spec("Stemmer") is not None
STEMMER_VERSION = "snowballstemmer " + _version("snowballstemmer", "snowballstemmer")
if _HAS_PYSTEMMER:
    STEMMER_VERSION += ", PyStemmer " + _version("pystemmer", "Stemmer")


def new_stemmers() -> dict[str, Stemmer]:
    """A stemmer for each language (``nb``, ``en``); they keep state: one set per thread."""
    if not _HAS_PYSTEMMER:
        try:
            return {lang: _pure_python(name) for lang, name in LANGUAGES.items()}
        except (ImportError, AttributeError):
            pass
    # Imported here, not at the top: all 30 languages, ~11 ms (see above).
    import snowballstemmer

    return {lang: snowballstemmer.stemmer(name) for lang, name in LANGUAGES.items()}


def _pure_python(language: str) -> Any:
    """snowballstemmer's own ``<Language>Stemmer`` class, instantiated, loaded alone."""
    spec = importlib.util.find_spec("snowballstemmer")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("snowballstemmer is not installed")
    if _PRIVATE not in sys.modules:
        package = types.ModuleType(_PRIVATE)
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules[_PRIVATE] = package
    module = importlib.import_module(f"{_PRIVATE}.{language}_stemmer")
    return getattr(module, f"{language.capitalize()}Stemmer")()
