"""Snippets: the window of an article's original text that best shows why it matched.

Each word of the text whose stem is one the query asked for (or that starts with one of
its prefixes) is marked; the snippet is the window of ``WINDOW`` characters, starting
shortly before a match, that holds the most distinct terms of the query. A snippet is a
tuple of (text, is_match) parts (``SearchResult.parts``).
"""

from __future__ import annotations

import re
import unicodedata

from archive.index.fts import Highlight, fold, stem

WINDOW = 220  # characters of context in a snippet
BEFORE = 60  # of which before the first match
MAX_WINDOWS = 100  # candidate windows to compare: bounds the cost for very common words

_ACCENTS = {"e": "eéèêë", "a": "aáàâ", "o": "oóòô", "i": "iíìîï", "u": "uúùû", "c": "cç"}


def _pattern(key: str) -> str:
    return "".join(f"[{_ACCENTS[ch]}]" if ch in _ACCENTS else re.escape(ch) for ch in key)


class SnippetFinder:
    """Marks the words of an original text whose stems the query asked for."""

    def __init__(self, highlight: Highlight) -> None:
        self.highlight = highlight
        # A stem is (nearly always) a prefix of its word, so a regex over stems and the
        # typed words finds every candidate at C speed; stemming confirms each one.
        keys = sorted(
            {*highlight.stems, *highlight.prefixes, *highlight.surface}, key=len, reverse=True
        )
        self.regex = (
            re.compile(
                r"(?<![^\W_])(?:" + "|".join(map(_pattern, keys)) + r")[^\W_]*", re.IGNORECASE
            )
            if keys
            else None
        )
        self._terms: dict[str, dict[str, str | None]] = {}

    def _matches(self, text: str, slang: str) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        if self.regex is None:
            return found
        # The term each word form stands for, if any: a query of common words ("det
        # er") meets the same few forms hundreds of times in one text.
        terms = self._terms.setdefault(slang, {})
        for match in self.regex.finditer(text):
            form = match.group()
            term = terms.get(form, "")
            if term == "":
                term = terms[form] = self._term(form, slang)
            if term is not None:
                found.append((match.start(), match.end(), term))
        return found

    def _term(self, form: str, slang: str) -> str | None:
        word = fold(form)
        stemmed = stem(word, slang)
        if stemmed in self.highlight.stems:
            return stemmed
        for prefix in self.highlight.prefixes:
            if word.startswith(prefix) or stemmed.startswith(prefix):
                return prefix
        return None

    def snippet(self, text: str, slang: str) -> tuple[tuple[str, bool], ...]:
        text = unicodedata.normalize("NFC", text)
        matches = self._matches(text, slang)
        if matches:
            # The window starting at the match that covers the most distinct terms.
            best, best_terms = 0, 0
            every_term = len({m[2] for m in matches})
            for i, (start, _, _) in enumerate(matches[:MAX_WINDOWS]):
                terms = {m[2] for m in matches[i:] if m[1] <= start + WINDOW - BEFORE}
                if len(terms) > best_terms:
                    best, best_terms = i, len(terms)
                    if best_terms == every_term:
                        break  # cannot do better; a one-word query stops at once
            begin = max(0, matches[best][0] - BEFORE)
            if begin > 0:
                space = text.find(" ", begin, matches[best][0])
                begin = space + 1 if space != -1 else matches[best][0]
        else:
            begin = 0
        end = min(len(text), begin + WINDOW)
        if end < len(text):
            space = text.rfind(" ", begin, end)
            end = space if space > begin else end
        parts: list[tuple[str, bool]] = [("…", False)] if begin > 0 else []
        cursor = begin
        for start, stop, _ in matches:
            if start < begin or stop > end:
                continue
            parts += [(_flat(text[cursor:start]), False), (text[start:stop], True)]
            cursor = stop
        parts.append((_flat(text[cursor:end]), False))
        if end < len(text):
            parts.append(("…", False))
        return tuple(part for part in parts if part[0])


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)
