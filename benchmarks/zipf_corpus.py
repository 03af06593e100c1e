"""A synthetic Norwegian-like news corpus whose word frequencies follow a Zipf law.

Real text has a few very frequent words (og, i, det, som ... fill a third of it), a long
tail of rare ones, and frequency roughly proportional to 1/rank: so does this corpus. Its
vocabulary is the function words and common content words of Norwegian news, then 40,000
generated word forms; longer words get inflectional endings, so a stem gathers several
forms as in real text. Every article is generated from its own seed, so any article can
be made again without the others (the search benchmark draws phrases from them).
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from archive.model import Article

FUNCTION_WORDS = [
    "og",
    "i",
    "det",
    "som",
    "er",
    "på",
    "til",
    "for",
    "med",
    "av",
    "at",
    "en",
    "et",
    "har",
    "de",
    "ikke",
    "den",
    "vil",
    "skal",
    "om",
    "fra",
    "også",
    "ved",
    "etter",
    "kan",
    "blir",
    "var",
    "seg",
    "nå",
    "år",
    "mer",
    "under",
    "mot",
    "alle",
    "mange",
    "denne",
    "disse",
    "dette",
]
CONTENT = [
    "regjeringen",
    "regjeringens",
    "departementet",
    "skatten",
    "skatter",
    "budsjettet",
    "kommunene",
    "statsråd",
    "statsministeren",
    "sier",
    "arbeidet",
    "tiltak",
    "norge",
    "landet",
    "økonomi",
    "næringslivet",
    "helse",
    "sykehus",
    "skole",
    "barnehage",
    "forsvaret",
    "klima",
    "miljø",
    "energi",
    "fiskeri",
    "landbruk",
]
ONSETS = [
    "b",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "sk",
    "st",
    "sp",
    "fr",
    "tr",
    "gr",
    "bl",
    "kl",
]
VOWELS = ["a", "e", "i", "o", "u", "y", "æ", "ø", "å", "ei", "au"]
CODAS = ["", "n", "r", "l", "s", "t", "kk", "nd", "ng", "st", "rt"]
SUFFIXES = ["", "", "en", "et", "er", "ene", "ens", "ing", "ingen", "lig"]
MINISTRIES = [
    "Finansdepartementet",
    "Helse- og omsorgsdepartementet",
    "Klima- og miljødepartementet",
    "Nærings- og fiskeridepartementet",
    "Statsministerens kontor",
]
MINISTRY_FILTERS = ("finans", "helse", "klima og miljø", "nærings", "statsministerens")
TYPES = ["Pressemelding", "Nyhet", "Press release", "News story"]
GENERATED_WORDS = 40_000


def _generated(rng: random.Random, size: int) -> list[str]:
    seen: dict[str, None] = dict.fromkeys(FUNCTION_WORDS + CONTENT)
    while len(seen) < size + len(FUNCTION_WORDS) + len(CONTENT):
        syllables = rng.choice((2, 2, 3))
        word = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)
        )
        seen.setdefault(word, None)
    return list(seen)[len(FUNCTION_WORDS) + len(CONTENT) :]


class Corpus:
    """Articles ``0 .. n_articles - 1``, each the same every time it is made."""

    def __init__(self, rng: random.Random, n_articles: int) -> None:
        self.seed = rng.randrange(2**32)
        self.n_articles = n_articles
        self.vocab = FUNCTION_WORDS + CONTENT + _generated(rng, GENERATED_WORDS)
        self.cumulative = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.vocab) + 1))
        )
        self.seen: set[str] = set()  # every word form written so far

    def distinct_words(self) -> int:
        return len(self.seen)

    def _words(self, rng: random.Random, n: int) -> list[str]:
        picked = rng.choices(self.vocab, cum_weights=self.cumulative, k=n)
        endings = rng.choices(SUFFIXES, k=n)
        words = [w + e if len(w) > 5 else w for w, e in zip(picked, endings, strict=True)]
        self.seen.update(words)
        return words

    def _paragraph(self, rng: random.Random, n: int) -> str:
        return " ".join(self._words(rng, n)).capitalize() + "."

    def article(self, number: int, revised: bool = False) -> Article:
        """Article ``number``; ``revised``: its second revision (one more paragraph)."""
        rng = random.Random(self.seed * 1_000_003 + number)
        article_id = 1_000_000 + number
        body = "\n\n".join(
            self._paragraph(rng, rng.randint(40, 90)) for _ in range(rng.randint(3, 7))
        )
        if revised:
            body += "\n\n" + self._paragraph(random.Random(-article_id), 30)
        lang = "en" if rng.random() < 0.1 else rng.choice(("nb", "nb", "nb", "nn"))
        return Article(
            id=article_id,
            url=f"https://www.regjeringen.no/no/aktuelt/a/id{article_id}/",
            lang=lang,
            title=" ".join(self._words(rng, 8)).capitalize(),
            lead=self._paragraph(rng, 30),
            body=body,
            published=(date(2020, 1, 1) + timedelta(days=rng.randrange(2000))).isoformat(),
            type=rng.choice(TYPES),
            ministries=rng.sample(MINISTRIES, rng.choice((1, 1, 2))),
            topics=[],
        )
