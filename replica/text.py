"""Plausible Bokmål, Nynorsk and English news text, deterministic from a ``Random``.

Sentences come from templates in ``replica/data/vocab_<lang>.json`` with slots filled
from the owning ministry's vocabulary, so a Finansdepartementet press release talks
about taxes and the owner's own minister is quoted. The templates deliberately use the
inflected and æ/ø/å forms search tests look for (regjeringen, regjeringens, skatter,
skatten, får, også, første, økonomi).
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from importlib import resources
from random import Random
from typing import Any

from replica.lexicon import Ministry

_SLOT = re.compile(r"\{(\w+)\}")


@cache
def vocab(lang: str) -> dict[str, Any]:
    path = resources.files("replica").joinpath("data", f"vocab_{lang}.json")
    words: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return words


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def format_date(day: date, lang: str) -> str:
    """A date as written in running text: "1. januar 2027" / "1 January 2027"."""
    month = vocab(lang)["months"][day.month - 1]
    if lang == "en":
        return f"{day.day} {month} {day.year}"
    return f"{day.day}. {month} {day.year}"


class Writer:
    """Fills the vocabulary's templates for one article (one language, one owner)."""

    def __init__(self, lang: str, rng: Random, owner: Ministry, year: int) -> None:
        self.lang = lang
        self.rng = rng
        self.owner = owner
        self.year = year
        self.words = vocab(lang)
        self.minister = owner.ministers[0]
        self.extra: dict[str, str] = {}

    def fill(self, template: str) -> str:
        return _SLOT.sub(lambda m: self._slot(m.group(1)), template)

    def pick(self, key: str) -> str:
        return self.fill(self.rng.choice(self.words[key]))

    def _slot(self, name: str) -> str:
        if name[0].isupper():
            return capitalise(self._slot(name[0].lower() + name[1:]))
        if name in self.extra:
            return self.extra[name]
        rng, words = self.rng, self.words
        match name:
            case "gov":
                return words["gov"]
            case "obj":
                return rng.choice(words["objects"][self.owner.abbr])
            case "minister":
                return f"{self.minister.titles[self.lang]} {self.minister.name}"
            case "minister_title":
                return self.minister.titles[self.lang]
            case "name":
                return self.minister.name
            case "ministry":
                return self.owner.name(self.lang)
            case "num":
                return str(rng.choice((rng.randint(2, 99), rng.randint(100, 950))))
            case "mill":
                return words["mill"][0 if rng.random() < 0.8 else 1]
            case "pct":
                sep = "." if self.lang == "en" else ","
                return f"{rng.randint(1, 12)}{sep}{rng.randint(1, 9)}"
            case "year":
                return str(self.year + rng.randint(0, 1))
            case "year1":
                return str(self.year + 1)
            case "date":
                day = date(self.year + 1, rng.randint(1, 12), rng.randint(1, 28))
                return format_date(day, self.lang)
            case "count":
                return str(rng.randint(2, 40))
            case "place" | "org" | "taxobj":
                return rng.choice(words[name + "s" if name != "taxobj" else name])
            case "weekday":
                return rng.choice(words["weekdays"])
            case "person":
                return f"{rng.choice(words['first_names'])} {rng.choice(words['last_names'])}"
            case "phone":
                digits = (rng.choice((9, 4)), rng.randint(10, 99), rng.randint(10, 99))
                return f"{digits[0]}{digits[1]} {digits[2]} {rng.randint(100, 999)}"
        raise KeyError(f"unknown slot {{{name}}}")

    def sentence(self) -> str:
        return self.pick("sentences")

    def paragraph(self, low: int = 2, high: int = 4) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def title(self) -> str:
        return self.pick("titles")

    def lead(self) -> str:
        return self.pick("leads")

    def heading(self) -> str:
        return self.pick("headings")

    def item(self) -> str:
        return self.pick("items")

    def quote(self) -> str:
        return self.pick("quotes")
