"""Normalised text and the content hash that decides whether an article changed.

Like diffengine, we store a new revision only when the *normalised* text differs, so
that re-flowed whitespace, a non-breaking space, a soft hyphen or a decomposed ``å``
(``a`` + combining ring, which renders identically) never count as an edit.
"""

from __future__ import annotations

import hashlib
import unicodedata

# Invisible characters a CMS inserts or drops at will: zero-width space, soft hyphen,
# byte-order mark, word joiner. Removing them never changes what a reader sees.
_INVISIBLE = "\u200b\u00ad\ufeff\u2060"

# Separates the fields inside the hashed string, so moving a word from the title into
# the lead still changes the hash.
_FIELD_SEPARATOR = "\x1f"


def normalise_text(text: str | None) -> str:
    """NFC, invisible characters removed, every whitespace run (newlines too) one space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    for char in _INVISIBLE:  # str.replace is a C scan; translate() with a dict is slow
        if char in text:
            text = text.replace(char, "")
    # str.split() with no argument splits on all Unicode whitespace, \xa0 included.
    return " ".join(text.split())


def content_hash(title: str | None, lead: str | None, body: str | None) -> str:
    """sha256 (hex) of the normalised title, lead and body: equal hash, same revision."""
    joined = _FIELD_SEPARATOR.join(normalise_text(part) for part in (title, lead, body))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
