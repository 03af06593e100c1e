"""Page chrome shared by every HTML page: megamenu, language selector, breadcrumbs.

The megamenu (~25 kB, the bulk of every page) depends only on language group and site
version, so it is built once per (group, version) and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from random import Random

from replica import lexicon
from replica.escape import hex_html
from replica.lexicon import Ministry, section
from replica.templating import load

CONSENT_VERSION = "20250221"
LISTING_ID = 2006120
LISTING_PATHS = {
    "no": "/no/aktuelt/nyheter/id2006120/",
    "en": "/en/whatsnew/news-and-press-releases/id2006120/",
}
SECTION_PATHS = {"no": "/no/aktuelt/id1150/", "en": "/en/whatsnew/id1150/"}
_COLUMNS = (
    ("smk",),
    ("aid", "bfd", "dfd", "ed", "fin", "fd"),
    ("hod", "jd", "kld", "kdd", "kud"),
    ("kd", "lmd", "nfd", "sd", "ud"),
)


@dataclass(frozen=True)
class Page:
    """What the chrome needs to know about one page."""

    lang: str
    path: str  # canonical path
    page_id: int | None
    title: str
    description: str
    body_class: str
    metas: tuple[tuple[str, str], ...]  # name metas after title/description, in order
    crumbs: tuple[tuple[str, str], ...] = ()  # (name, path) between the section and the page
    hreflang: tuple[tuple[str, str], ...] = ()
    link_rel: tuple[tuple[str, str], ...] = ()  # (rel, absolute href)
    owner: Ministry | None = None
    translated: dict[str, str] = field(default_factory=dict)  # other group → path
    to_top: bool = True
    skip_results: bool = False


def stand_ins(version: int, seed: int) -> dict[str, tuple[str, str]]:
    """Ministers replaced in the megamenu by each version after the first (abbr → name)."""
    out: dict[str, tuple[str, str]] = {}
    for v in range(2, version + 1):
        rng = Random(seed * 31 + v)
        ministry = rng.choice(lexicon.ministries())
        out[ministry.abbr] = rng.choice(lexicon.stand_in_ministers())
    return out


def _ministers(ministry: Ministry, group: str, replaced: dict[str, tuple[str, str]]) -> str:
    lines = []
    for i, minister in enumerate(ministry.ministers):
        name, party = minister.name, minister.party
        if i == 0 and ministry.abbr in replaced:
            name, party = replaced[ministry.abbr]
        href = f"/{group}/dep/{ministry.abbr}/{minister.path}/"
        lines.append(
            f'        <a href="{href}" class="dep-minister">\n'
            f"            {hex_html(f'{name} ({party})')}\n        </a>"
        )
    return "\n".join(lines)


@lru_cache(maxsize=16)
def megamenu(group: str, version: int, seed: int) -> str:
    lang = "en" if group == "en" else "nb"
    strings = lexicon.strings(lang)
    tema = "topics" if group == "en" else "tema"
    topic = load("megamenu_topic.html")
    topics = "".join(
        topic.render(path=f"/{group}/{tema}/{a.slug}/id{a.id}/", name=hex_html(a.names[lang]))
        for a in lexicon.areas()
    )
    by_abbr = {m.abbr: m for m in lexicon.ministries()}
    replaced = stand_ins(version, seed)
    entry = load("megamenu_ministry.html")
    panel = []
    for column in _COLUMNS:
        entries = "".join(
            entry.render(
                path=by_abbr[a].path(lang),
                name=hex_html(by_abbr[a].name(lang)),
                ministers=_ministers(by_abbr[a], group, replaced),
            )
            for a in column
        )
        panel.append(f"                <ul>\n                    {entries}\n                </ul>")
    extra = ""
    if version >= 2:  # a deploy adds a menu item, so every page's chrome changes
        year = 2026 + version // 2
        budget = "Statsbudsjettet" if group == "no" else "The national budget"
        href = f"/{group}/statsbudsjett/{year}/id{3190000 + version}/"
        extra = f'<li><a href="{href}">{budget} {year}</a></li>'
    return load(f"megamenu_{group}.html").render(
        label=strings["main_menu"],
        close=strings["close_menu"],
        topics=topics.rstrip("\n"),
        ministries="\n".join(panel),
        news_extra=extra,
    )


def languages(page: Page, s: dict[str, str]) -> str:
    other = "en" if page.lang != "en" else "no"
    flag, lang = s["other_flag"], s["other_lang"]
    if other in page.translated:
        return load("languages_translated.html").render(
            path=page.translated[other], flag=flag, lang=lang, show=hex_html(s["other_show"])
        )
    return load("languages_missing.html").render(
        flag=flag,
        lang=lang,
        missing=hex_html(s["other_missing"]),
        home_path=s["other_home_path"],
        home=hex_html(s["other_home"]),
    )


def breadcrumbs(page: Page, s: dict[str, str]) -> str:
    group = section(page.lang)
    crumb = load("crumb.html")
    middle = "".join(crumb.render(path=p, name=hex_html(n)) for n, p in page.crumbs)
    parent_name, parent_path = page.crumbs[-1] if page.crumbs else (s["home"], f"/{group}/id4/")
    return load("breadcrumbs.html").render(
        label=s["breadcrumb_label"],
        section=group,
        home=hex_html(s["home"]),
        section_path=SECTION_PATHS[group],
        section_name=hex_html(s["news_section"]),
        section_id=1150,
        listing_path=LISTING_PATHS[group],
        listing_name=hex_html(lexicon.strings(page.lang)["listing_title"]),
        middle=middle.rstrip("\n"),
        last=hex_html(page.title),
        parent_path=parent_path,
        parent_name=parent_name,
    )
