"""Facts the replica's pages are built from: ministries, topics and chrome strings.

The data lives in ``replica/data/*.json``; ministry ids, names and ministers follow the
megamenu of the real captures (site.md §2), contact details are plausible inventions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("nb", "nn", "en")


def _data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("replica").joinpath("data", name).read_text("utf-8")
    )
    return data


def section(lang: str) -> str:
    """The URL language segment: Bokmål and Nynorsk both live under ``/no/``."""
    return "en" if lang == "en" else "no"


@dataclass(frozen=True)
class Minister:
    name: str
    party: str
    titles: dict[str, str]
    path: str


@dataclass(frozen=True)
class Ministry:
    abbr: str
    ownerid: int
    names: dict[str, str]
    ministers: tuple[Minister, ...]
    postal: str
    visiting: str
    orgnr: str
    editor: str
    webeditor: str
    unit: tuple[str, str]

    def name(self, lang: str) -> str:
        return self.names[lang]

    def path(self, lang: str) -> str:
        return f"/{section(lang)}/dep/{self.abbr}/id{self.ownerid}/"

    @property
    def email(self) -> str:
        return f"postmottak@{self.abbr}.dep.no"


@dataclass(frozen=True)
class Area:
    """A top-level topic, as listed in the megamenu's Tema panel."""

    id: int
    slug: str
    names: dict[str, str]


@dataclass(frozen=True)
class Topic:
    """A sub-topic an article is tagged with (sidebar topiclist, DC.Subject)."""

    area: Area
    id: int
    slug: str
    names: dict[str, str]
    owners: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.names["en" if lang == "en" else "nb"]

    def path(self, lang: str) -> str:
        tema = "topics" if lang == "en" else "tema"
        return f"/{section(lang)}/{tema}/{self.area.slug}/{self.slug}/id{self.id}/"


@cache
def ministries() -> tuple[Ministry, ...]:
    out = []
    for m in _data("ministries.json")["ministries"]:
        names = {"nb": m["nb"], "nn": m["nn"], "en": m["en"]}
        ministers = tuple(
            Minister(x["name"], x["party"], {k: x[k] for k in LANGS}, x["path"])
            for x in m["ministers"]
        )
        out.append(
            Ministry(
                m["abbr"], m["ownerid"], names, ministers, m["postal"], m["visiting"],
                m["orgnr"], m["editor"], m["webeditor"], tuple(m["unit"]),
            )
        )  # fmt: skip
    return tuple(out)


@cache
def stand_in_ministers() -> tuple[tuple[str, str], ...]:
    """Names that replace a minister in later site versions (a megamenu-only change)."""
    return tuple((x["name"], x["party"]) for x in _data("ministries.json")["stand_ins"])


@cache
def areas() -> tuple[Area, ...]:
    return tuple(
        Area(i, slug, {"nb": nb, "nn": nb, "en": en})
        for i, slug, nb, en in _data("topics.json")["areas"]
    )


@cache
def topics() -> tuple[Topic, ...]:
    by_id = {a.id: a for a in areas()}
    return tuple(
        Topic(by_id[area], i, slug, {"nb": nb, "en": en}, tuple(owners))
        for area, i, slug, nb, en, owners in _data("topics.json")["topics"]
    )


@cache
def _strings() -> dict[str, dict[str, str]]:
    return _data("strings.json")


def strings(lang: str) -> dict[str, str]:
    """Chrome strings of one page language; Nynorsk falls back to Bokmål."""
    data = _strings()
    if lang == "nn":
        return {**data["nb"], **data["nn"]}
    return data[lang]


TYPE_CODES = ("Pressemelding", "Nyhet")  # DC.Type values (site.md §10: likely codes)
TYPE_LABELS = {
    "nb": {"Pressemelding": "Pressemelding", "Nyhet": "Nyhet"},
    "nn": {"Pressemelding": "Pressemelding", "Nyhet": "Nyheit"},
    "en": {"Pressemelding": "Press release", "Nyhet": "News story"},
}
