"""Norwegian-aware full-text search terms: folding, stemming and query parsing.

SQLite's FTS5 cannot run a Python tokenizer, so we do the language work here and hand
FTS5 plain space-separated stems: the index stores ``stem_text(text, lang)`` and a query
is rewritten by ``compile_query`` into stems before it reaches ``MATCH``.

Folding keeps æ, ø and å (and ä, ö, ü) distinct, because in Norwegian ``får`` and
``far`` are different words; that is FTS5's ``unicode61 remove_diacritics 0``. The
accents Norwegian spelling treats as optional stress marks (``idé``/``ide``,
``kafé``/``kafe``, ``én``/``en``) are folded away, so either spelling finds both.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field

from archive.index.stemmers import new_stemmers

# Optional stress accents only: å, æ, ø, ä, ö, ü are letters of their own.
_ACCENT_FOLD = str.maketrans(
    {
        **dict.fromkeys("éèêë", "e"),
        **dict.fromkeys("áàâ", "a"),
        **dict.fromkeys("óòô", "o"),
        **dict.fromkeys("íìîï", "i"),
        **dict.fromkeys("úùû", "u"),
        "ç": "c",
    }
)

# What unicode61 treats as a token: letters and digits. Underscore and combining marks
# separate tokens there, so they must here too or the two tokenisations would disagree.
_WORD = re.compile(r"[^\W_]+")
# Each Latin-1 character that is not alphanumeric as a space, and the others lowered, their
# optional accents folded (see words): each is one character of Latin-1 lowered, and still
# alphanumeric.
_LATIN1_WORDS = bytes(
    ord(chr(c).lower().translate(_ACCENT_FOLD)) if chr(c).isalnum() else 0x20 for c in range(256)
)
# The characters outside Latin-1 that Norwegian prose holds most: – — ‘ ’ “ ” … (none is
# alphanumeric, so each separates words as a space does).
_SEPARATING_MARKS = ("\u2013", "\u2014", "\u2018", "\u2019", "\u201c", "\u201d", "\u2026")

STEMMER_LANGS = ("nb", "en")
TEXT_COLUMNS = "{title lead body}"  # user queries never match the facets column
_ENGLISH = '"len"'  # the facets token of lang "en", see facet_text
_local = threading.local()  # snowball stemmer objects keep state while stemming
_cache: dict[str, dict[str, str]] = {"nb": {}, "en": {}}
# Word forms per language. Pure-Python Snowball costs ~40 µs a word, a hit ~0.1 µs; a
# news archive's vocabulary (compounds included) fits, and memory stays bounded.
_CACHE_LIMIT = 1_000_000


class SearchQueryError(ValueError):
    """A search query that cannot be parsed; the message is one line for the user."""


def stemmer_lang(lang: str | None) -> str:
    """The stemmer for an article language: English for ``en``, Norwegian otherwise."""
    return "en" if lang == "en" else "nb"


_ACCENTS = "".join(map(chr, _ACCENT_FOLD))


def fold(text: str) -> str:
    # NFC first: a decomposed å would otherwise split into "a" and a separator.
    return _fold_accents(unicodedata.normalize("NFC", text).lower())


def _fold_accents(text: str) -> str:
    # translate() with a dict is slow on long texts; most texts have no such accent. One
    # search of the text a character, each a C scan, is half a regular expression's time
    # (fold over the 5,000-article crawl's titles, leads and bodies: 56 -> 49 ms).
    return text.translate(_ACCENT_FOLD) if any(c in text for c in _ACCENTS) else text


def words(text: str) -> list[str]:
    """The folded words of a text, as unicode61 would tokenise it: the matches of
    ``_WORD`` (runs of the characters ``str.isalnum`` accepts, which is what ``\\w``
    without ``_`` means in a str pattern) in ``fold(text)``.

    Most text is Latin-1 once its dashes and typographic quotes are spaces (no word holds
    them); Latin-1 is NFC already (it holds no combining mark) and lowers within Latin-1.
    So one ``bytes.translate`` lowers it, folds its accents and makes every other character
    a space, and a split gives the words, without NFC's check, ``str.lower`` or a Python
    step a piece: ``stem_text`` of the 5,000-article crawl's titles, leads and bodies
    0.27 -> 0.15 s. Any other text is folded and split by piece.
    """
    latin = _latin1(text)
    if latin is None:
        return _tokens_by_piece(fold(text))
    return latin.translate(_LATIN1_WORDS).decode("latin-1").split()


def _latin1(text: str) -> bytes | None:
    """The text in Latin-1 with ``_SEPARATING_MARKS`` as spaces, or None if it is not."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        for mark in _SEPARATING_MARKS:
            if mark in text:
                text = text.replace(mark, " ")
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            return None


def _tokens_by_piece(text: str) -> list[str]:
    """``_WORD.findall(text)``, the regular expression run only where it is needed.

    No whitespace is alphanumeric, so no match crosses a whitespace run: the matches of
    the whole text are those of each whitespace-separated piece, in order, and a piece
    that is all alphanumeric is one match. Most pieces of prose are (the 5,000-article
    crawl's bodies: 37.9 -> 24.7 µs).
    """
    found: list[str] = []
    for piece in text.split():
        if piece.isalnum():
            found.append(piece)
        else:
            found += _WORD.findall(piece)
    return found


def stem(word: str, lang: str) -> str:
    """Stem one already-folded word (``lang`` is ``nb`` or ``en``), cached."""
    found = _cache[lang].get(word)
    return found if found is not None else _stem_uncached(word, lang)


def _stem_uncached(word: str, lang: str) -> str:
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = new_stemmers()
    found: str = stemmers[lang].stemWord(word)
    if found == word:
        found = word  # share the string: most words are their own stem
    cache = _cache[lang]
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[word] = found
    return found


def stem_text(text: str | None, lang: str | None) -> str:
    """The text as space-separated stems: what the stem index holds for one column."""
    if not text:
        return ""
    slang = stemmer_lang(lang)
    get = _cache[slang].get  # inlined lookup: this runs for every word of every revision
    return " ".join([get(word) or _stem_uncached(word, slang) for word in words(text)])


def facet_text(lang: str | None, type: str | None, ministries: list[str]) -> str:
    """The ``facets`` column of the stem index: what search filters match, as tokens.

    Filtering inside FTS5 costs a doclist intersection; joining each match to its
    revisions row to test it cost ~6 µs a match (a common word: 100+ ms). Each kind
    of value has its own token prefix: ``l`` language, ``t`` type words between
    ``tstart`` and ``tend`` (an exact match), ``m`` ministry words with ``zz`` after
    each ministry (so a phrase cannot run from one ministry into the next).
    """
    tokens = [f"l{word}" for word in words(lang or "")[:1]]
    if type:
        tokens += ["tstart", *(f"t{word}" for word in words(type)), "tend"]
    for name in ministries:
        tokens += [*(f"m{word}" for word in words(name)), "zz"]
    return " ".join(tokens)


@functools.lru_cache(maxsize=4096)  # few distinct values: each one's tokens made once (~5 µs)
def facet_text_of_row(lang: str | None, type: str | None, ministries: str) -> str:
    """``facet_text`` of a revisions row, whose ministries are a JSON array."""
    found = json.loads(ministries)
    return facet_text(lang, type, found if isinstance(found, list) else [])


def facet_filter(
    lang: str | None = None, type: str | None = None, ministry: str | None = None
) -> str | None:
    """The FTS5 expression for search filters over ``facet_text``, or None.

    ``type`` matches the whole label (any case); ``ministry`` matches when its words
    begin adjacent words of one ministry's name: ``finans``, ``klima og miljø`` and
    ``omsorg`` all work, ``departementet`` does not.
    """
    clauses = []
    for value, name in ((lang, "language"), (type, "type"), (ministry, "ministry")):
        if value is not None and not words(value):
            raise SearchQueryError(f"the {name} filter {value!r} has no letters or digits")
    if lang:
        clauses.append(f'"l{words(lang)[0]}"')
    if type:
        clauses.append('"' + " ".join(["tstart", *(f"t{w}" for w in words(type)), "tend"]) + '"')
    if ministry:
        clauses.append(" + ".join(f'"m{word}"*' for word in words(ministry)))
    return " AND ".join(f"facets : ({clause})" for clause in clauses) or None


@dataclass(frozen=True)
class Highlight:
    """What to mark in a snippet: the stems and stemmed prefixes of the positive terms."""

    stems: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    surface: tuple[str, ...] = ()  # the folded words as typed, to find candidates fast


@dataclass(frozen=True)
class RankedPhrase:
    """One FTS5 phrase that bm25 scores, as ``archive.index.search`` recounts it in Python."""

    fts: str  # the phrase alone with its column filter: the documents FTS5's IDF counts
    stems: tuple[str, ...]
    prefix: bool  # the last stem is a prefix
    columns: tuple[str, ...]  # of title, lead, body
    english: bool  # the English alternative: it only ever matches English articles


@dataclass(frozen=True)
class CompiledQuery:
    fts: str  # an FTS5 MATCH expression over stems
    highlight: Highlight
    # The phrases bm25 scores in a matching article, when the query has no OR (the
    # words after NOT never occur in a match): enough to compute bm25 outside FTS5.
    ranked: tuple[RankedPhrase, ...] | None = None
    has_phrase: bool = False  # a quoted phrase of two or more words


@dataclass
class _Term:
    words: list[str]
    prefix: bool = False
    column: str | None = None


@dataclass
class _Node:
    op: str  # "AND", "OR", "NOT"
    children: list[_Term | _Node] = field(default_factory=list)


# Bounds on a query. FTS5's cost grows faster than the number of terms (a word repeated
# 200 times took 4.4 s over 5,000 articles, 1,000 times 9.6 s over 1,500) and the parser
# recurses per parenthesis; a real query has a few words and one or two levels.
MAX_QUERY_CHARS = 1_000
MAX_TERMS = 32  # words and "phrases" (a phrase counts once)
MAX_DEPTH = 8  # parentheses inside parentheses

_TOKEN = re.compile(r'\s+|(?:[A-Za-z]+:)?"[^"]*"\*?|"|\(|\)|[^\s"()]+')
_OPERATORS = ("AND", "OR", "NOT")
_COLUMN_FILTER = re.compile(r"^(title|lead|body):(.*)$", re.IGNORECASE)


def _lex(query: str) -> list[str | _Term]:
    tokens: list[str | _Term] = []
    for match in _TOKEN.finditer(query):
        token = match.group()
        if token.isspace():
            continue
        if token == '"':
            raise SearchQueryError('unbalanced quote (") in search query')
        if token in ("(", ")") or token in _OPERATORS:
            tokens.append(token)
            continue
        column = None
        filtered = _COLUMN_FILTER.match(token)
        if filtered:
            column, token = filtered.group(1).lower(), filtered.group(2)
        prefix = token.endswith("*")
        text = token.rstrip("*").strip('"')
        found = words(text)
        if found:
            tokens.append(_Term(found, prefix, column))
        elif column:
            raise SearchQueryError(f"nothing to search for after {column}:")
    return tokens


class _Parser:
    """Recursive descent with FTS5's precedence: NOT binds tighter than AND than OR."""

    def __init__(self, tokens: list[str | _Term]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0  # of parentheses, bounded: each level recurses

    def peek(self) -> str | _Term | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> _Term | _Node:
        if not self.tokens:
            raise SearchQueryError("search query has no words to search for")
        node = self.or_expr()
        if self.peek() is not None:  # only a stray ")" can be left over
            raise SearchQueryError("unbalanced parenthesis in search query")
        return node

    def or_expr(self) -> _Term | _Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else _Node("OR", parts)

    def and_expr(self) -> _Term | _Node:
        parts = [self.not_expr()]
        while True:
            token = self.peek()
            if token == "AND":
                self.pos += 1
                parts.append(self.not_expr())
            elif isinstance(token, _Term) or token == "(":
                parts.append(self.not_expr())  # adjacent terms: implicit AND
            else:
                break
        return parts[0] if len(parts) == 1 else _Node("AND", parts)

    def not_expr(self) -> _Term | _Node:
        node = self.primary()
        while self.peek() == "NOT":
            self.pos += 1
            node = _Node("NOT", [node, self.primary()])
        return node

    def primary(self) -> _Term | _Node:
        token = self.peek()
        if isinstance(token, _Term):
            self.pos += 1
            return token
        if token == "(":
            self.pos, self.depth = self.pos + 1, self.depth + 1
            if self.depth > MAX_DEPTH:
                raise SearchQueryError(f"search query nests parentheses over {MAX_DEPTH} deep")
            node = self.or_expr()
            if self.peek() != ")":
                raise SearchQueryError("unbalanced parenthesis in search query")
            self.pos, self.depth = self.pos + 1, self.depth - 1
            return node
        if token == "NOT":
            raise SearchQueryError("NOT needs a word before it, e.g. 'skatt NOT moms'")
        if token in ("AND", "OR"):
            raise SearchQueryError(f"{token} needs a word on each side")
        if token == ")":
            raise SearchQueryError("unbalanced parenthesis in search query")
        raise SearchQueryError("search query ends with an operator")


def _stem_prefix(prefix: str, slang: str) -> str:
    # A stem is usually a prefix of its word, so the stemmed prefix finds every
    # inflection ("skatter*" -> "skatt*"); when stemming rewrites letters, keep the
    # prefix as typed.
    stemmed = stem(prefix, slang)
    return stemmed if prefix.startswith(stemmed) else prefix


def _compile_term(
    term: _Term, langs: tuple[str, ...], hl: dict[str, set[str]], ranked: list[RankedPhrase]
) -> str:
    phrases: dict[str, str] = {}
    stemmed: dict[str, tuple[str, ...]] = {}
    for slang in langs:
        stems = [stem(word, slang) for word in term.words]
        if term.prefix:
            stems[-1] = _stem_prefix(term.words[-1], slang)
            hl["prefixes"].add(stems[-1])
            hl["stems"].update(stems[:-1])
        else:
            hl["stems"].update(stems)
        phrases[slang] = '"' + " ".join(stems) + '"' + ("*" if term.prefix else "")
        stemmed[slang] = tuple(stems)
    hl["surface"].update(term.words)
    # Column filters on each phrase, never around the whole query: the facets column
    # must stay reachable for filters.
    names = (term.column,) if term.column else ("title", "lead", "body")
    scoped = {
        slang: _scoped(phrases[slang], term.column, stemmed[slang], term.prefix) for slang in langs
    }
    for slang in langs if len(set(phrases.values())) > 1 else langs[:1]:
        ranked.append(
            RankedPhrase(
                fts=scoped[slang],
                stems=stemmed[slang],
                prefix=term.prefix,
                columns=names,
                english=slang == "en" and len(langs) > 1,
            )
        )
    if len(set(phrases.values())) == 1:
        return scoped[langs[0]]
    # English stems only ever index English articles: restricting that alternative to
    # them lets FTS5 skip the phrase test everywhere else.
    return f"({scoped['nb']} OR ({scoped['en']} AND facets : {_ENGLISH}))"


def _scoped(
    phrase: str, column: str | None, stems: list[str] | tuple[str, ...], prefix: bool
) -> str:
    """The phrase with its column filter: the column asked for, else the text columns.

    Without a column asked for, the filter is left out where the phrase cannot match in
    the facets column anyway (``could_be_facet``): FTS5 then reads no column numbers,
    which made a frequent phrase's scan ~20% faster, and matches and bm25 are the same
    (the facets column has weight 0).
    """
    if column:
        return f"{column} : {phrase}"
    last = len(stems) - 1
    if all(could_be_facet(word, prefix and n == last) for n, word in enumerate(stems)):
        return f"{TEXT_COLUMNS} : {phrase}"
    return phrase


def could_be_facet(token: str, prefix: bool = False) -> bool:
    """Whether ``token`` (or, ``prefix``, a token starting with it) can be one that
    ``facet_text`` writes: those all start with ``l``, ``t`` or ``m``, or are ``zz``."""
    return token[:1] in ("l", "t", "m") or ("zz".startswith(token) if prefix else token == "zz")


def _compile(
    node: _Term | _Node,
    langs: tuple[str, ...],
    hl: dict[str, set[str]],
    ranked: list[RankedPhrase],
) -> str:
    if isinstance(node, _Term):
        return _compile_term(node, langs, hl, ranked)
    if node.op == "NOT":
        left = _compile(node.children[0], langs, hl, ranked)
        # Words after NOT must not be highlighted (nor ranked: a match never has them):
        # compile them into throwaway collections.
        right = _compile(node.children[1], langs, {k: set() for k in hl}, [])
        return f"({left} NOT {right})"
    joined = f" {node.op} ".join(_compile(child, langs, hl, ranked) for child in node.children)
    return f"({joined})"


def _has_phrase(node: _Term | _Node) -> bool:
    if isinstance(node, _Term):
        return len(node.words) > 1
    return any(_has_phrase(child) for child in node.children)


def compile_query(query: str, lang: str | None = None) -> CompiledQuery:
    """Rewrite a user query into an FTS5 expression over stems.

    Words and ``"phrases"`` are stemmed (with both stemmers unless ``lang`` says which
    articles are searched), ``AND``/``OR``/``NOT``, parentheses, a trailing ``*`` and
    ``title:``/``lead:``/``body:`` column filters pass through. Raises
    ``SearchQueryError`` for an unbalanced quote or parenthesis, a dangling operator, or
    a query past ``MAX_QUERY_CHARS``, ``MAX_TERMS`` or ``MAX_DEPTH``.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            f"search query is {len(query):,} characters long; at most {MAX_QUERY_CHARS:,}"
        )
    langs = (stemmer_lang(lang),) if lang else STEMMER_LANGS
    hl: dict[str, set[str]] = {"stems": set(), "prefixes": set(), "surface": set()}
    tokens = _lex(query)
    if (terms := sum(isinstance(token, _Term) for token in tokens)) > MAX_TERMS:
        raise SearchQueryError(f"search query has {terms:,} words or phrases; at most {MAX_TERMS}")
    tree = _Parser(tokens).parse()
    ranked: list[RankedPhrase] = []
    fts = _compile(tree, langs, hl, ranked)
    return CompiledQuery(
        fts=fts,
        highlight=Highlight(
            stems=frozenset(hl["stems"]),
            prefixes=tuple(sorted(hl["prefixes"])),
            surface=tuple(sorted(hl["surface"])),
        ),
        ranked=None if _has_or(tree) else tuple(ranked),
        has_phrase=_has_phrase(tree),
    )


def _has_or(node: _Term | _Node) -> bool:
    if isinstance(node, _Term):
        return False
    if node.op == "NOT":  # what follows NOT is never ranked
        return _has_or(node.children[0])
    return node.op == "OR" or any(_has_or(child) for child in node.children)
