"""Normalised text and the content hash that decides whether an article changed.

Like diffengine, we store a new revision only when the *normalised* text differs, so
that re-flowed whitespace, a non-breaking space, a soft hyphen or a decomposed ``å``
(``a`` + combining ring, which renders identically) never count as an edit.

Nor does a change of the text contract (``archive.model.Article``) count as an edit of
the articles an archive already holds: a ``<br>``, once a space and now a line break,
hashes the same either way (a newline is whitespace); a heading of attachments only,
once a block of the body and now the attachments' ``heading``, is left out of the older
revision when comparing (``same_but_for_headings``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Set

from archive.model import Article

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
    # The text as most are: words between single spaces, paragraphs between "\n\n" (or
    # "\n"), no other whitespace (none is printable but the space itself). Then each
    # whitespace run becomes one space with no split: 11 -> 4 µs an article's body.
    flat = _NEWLINES.sub(" ", text) if "\n" in text else text
    if flat.isprintable() and "  " not in flat and flat[:1] != " " and flat[-1:] != " ":
        return flat
    # str.split() with no argument splits on all Unicode whitespace, \xa0 included.
    return " ".join(text.split())


_NEWLINES = re.compile("\n\n?")


def content_hash(title: str | None, lead: str | None, body: str | None) -> str:
    """sha256 (hex) of the normalised title, lead and body: equal hash, same revision."""
    joined = _FIELD_SEPARATOR.join(normalise_text(part) for part in (title, lead, body))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def without_blocks(text: str, dropped: Set[str]) -> str:
    """``text`` without its blocks whose normalised text is in ``dropped``."""
    return "\n\n".join(b for b in text.split("\n\n") if normalise_text(b) not in dropped)


def same_but_for_headings(title: str, lead: str, body: str, new: Article, digest: str) -> bool:
    """Whether a revision's ``title``, ``lead`` and ``body`` hold ``new``'s text, whose
    hash is ``digest``, but for the headings the current contract keeps out of the body.

    Those are headings of sections that hold nothing but attachments: a revision stored
    under the previous contract has them as blocks of its body. Only headings of ``new``'s
    attachments (each line of one) that ``new``'s text does not show are left out; the
    cost is paid only when the hashes differ.
    """
    headings = {
        normalise_text(line) for a in new.attachments if a.heading for line in a.heading.split("\n")
    }
    if not headings:
        return False
    blocks = (*new.lead.split("\n\n"), *new.body.split("\n\n"))
    headings.difference_update(normalise_text(b) for b in blocks)
    if not headings:
        return False
    old = content_hash(title, without_blocks(lead, headings), without_blocks(body, headings))
    return old == digest
