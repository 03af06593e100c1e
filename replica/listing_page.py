"""The news listing (site.md §8): filter form, count line, 20 items, relative pager.

A page past the end (``?page=N`` beyond the last) is served as 200 with no items, the
count line "Viser 0 av N treff." (invented: the real wording is unknown) and no
``rel=next`` or forward pager links.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from replica import lexicon
from replica.article_page import display_date
from replica.catalog import ArticleMeta
from replica.chrome import LISTING_ID, LISTING_PATHS, Page
from replica.escape import hex_html, rich
from replica.templating import NONCE, TIMING, load

PER_PAGE = 20
LISTING_MODIFIED = "Wed, 13 Aug 2025 12:00:45 GMT"  # the landing page's own edit date


@dataclass(frozen=True)
class Item:
    path: str
    title: str
    lead: str
    meta: ArticleMeta


@dataclass(frozen=True)
class Filters:
    """The (robots-disallowed) filter parameters a listing URL may carry."""

    documenttype: str | None = None
    ownerid: int | None = None
    topic: int | None = None
    year: int | None = None

    @classmethod
    def parse(cls, query: dict[str, str]) -> Filters:
        def number(text: str | None) -> int | None:
            digits = (text or "").rsplit("/", 1)[-1]
            return int(digits) if digits.isdigit() else None

        year = None
        if query.get("from", "")[-4:].isdigit() and query["from"] != "01.01.0001":
            year = int(query["from"][-4:])
        return cls(
            query.get("documenttype"),
            number(query.get("ownerid")),
            number(query.get("topic")),
            year,
        )

    def accepts(self, meta: ArticleMeta) -> bool:
        ministries, topics = lexicon.ministries(), lexicon.topics()
        if self.documenttype and not f"aktuelt/nyheter/{meta.kind}".startswith(self.documenttype):
            return False
        if self.ownerid and all(ministries[i].ownerid != self.ownerid for i in meta.ministries):
            return False
        if self.topic and all(topics[i].id != self.topic for i in meta.topics):
            return False
        return not self.year or meta.published.year == self.year


def page_info(group: str, page: int, pages: int, base_url: str) -> Page:
    lang = "en" if group == "en" else "nb"
    s = lexicon.strings(lang)
    path = LISTING_PATHS[group]
    other = "no" if group == "en" else "en"
    link_rel = []
    if page < pages:
        link_rel.append(("next", f"{base_url}{path}?page={page + 1}"))
    if 1 < page <= pages + 1:
        link_rel.append(("prev", f"{base_url}{path}?page={page - 1}"))
    metas = (
        ("keywords", s["listing_keywords"]),
        ("DC.Title", s["listing_title"]),
        ("DC.Description", s["listing_ingress"]),
        ("DC.Date", "2015-02-03"),
        ("DC.Type.Status", "Gyldig"),
        ("DC.Type", "Sok"),
        ("DC.Format", "text/html"),
        ("DC.Identifier.URL", path),
        ("DC.Language", s["dc_language"]),
        ("DC.Publisher", "regjeringen.no"),
        ("ownerid", "4"),
        ("last-modified", LISTING_MODIFIED),
        ("revised", LISTING_MODIFIED),
    )
    return Page(
        lang=lang,
        path=path,
        page_id=LISTING_ID,
        title=s["listing_title"],
        description=s["listing_ingress"],
        body_class="search",
        metas=metas,
        hreflang=(("en" if group == "en" else "nb", path), (other, LISTING_PATHS[other])),
        link_rel=tuple(link_rel),
        translated={other: LISTING_PATHS[other]},
        to_top=False,
        skip_results=True,
    )


def _select(ident: str, data_id: str, label: str, options: list[tuple[str, str, str, str]]) -> str:
    option = load("filter_option.html")
    rendered = "".join(
        option.render(value=value, css=css, label=text, count=count)
        for value, css, text, count in options
    )
    return load("filter_select.html").render(
        id=ident, data_id=data_id, label=label, options=rendered.rstrip("\n")
    )


def filters_html(group: str, live: tuple[ArticleMeta, ...]) -> str:
    """The filter form: hundreds of disallowed filter URLs in ``option[value]``."""
    lang = "en" if group == "en" else "nb"
    s, path = lexicon.strings(lang), LISTING_PATHS[group]
    kinds = Counter(m.kind for m in live)
    owners = Counter(i for m in live for i in m.ministries)
    topics = Counter(i for m in live for i in m.topics)
    years = Counter(m.published.year for m in live)
    type_options = [
        (f"{path}?documenttype=aktuelt/nyheter&amp;term=", "group-header first-in-group",
         hex_html(s["listing_title"]), f"({len(live)})"),
    ] + [
        (f"{path}?documenttype=aktuelt/nyheter/{kind}&amp;term=", "",
         hex_html(lexicon.TYPE_LABELS[lang][kind]), f"({kinds[kind]})")
        for kind in lexicon.TYPE_CODES
    ]  # fmt: skip
    all_topics = lexicon.topics()
    topic_options = [(f"{path}?term=", "", s["f_topic_all"], "")] + [
        (f"{path}?topic={all_topics[i].area.id}/{all_topics[i].id}&amp;term=", "",
         hex_html(all_topics[i].name(lang)), f"({n})")
        for i, n in sorted(topics.items(), key=lambda kv: all_topics[kv[0]].name(lang))
    ]  # fmt: skip
    ministries = lexicon.ministries()
    owner_options = [(f"{path}?term=", "", s["f_owner_all"], "")] + [
        (f"{path}?ownerid={m.ownerid}&amp;term=", "", hex_html(m.name(lang)), f"({owners[i]})")
        for i, m in enumerate(ministries)
        if owners[i]
    ]
    period_options = [
        (f"{path}?from=01.01.0001&amp;to=01.01.0001&amp;term=", "", s["f_period_all"], "")
    ]
    period_options += [
        (f"{path}?from=01.01.{y}&amp;to=31.12.{y}&amp;term=", "", str(y), f"({n})")
        for y, n in sorted(years.items(), reverse=True)
    ]
    return "\n".join((
        _select("documenttype", "documenttype", s["f_type"], type_options),
        _select("topic", "topic", s["f_topic"], topic_options),
        _select("owner", "ownerid", s["f_owner"], owner_options),
        _select("timeperiod", "from", s["f_period"], period_options),
    ))  # fmt: skip


def _pagination(page: int, pages: int, s: dict[str, str]) -> str:
    """The pager. Page 1's disabled "prev" links ``?page=0`` as on the real site; by the
    same template logic the last page's disabled "next" links one page past the end
    [inferred]. A page past the end has no forward links at all."""
    shown = max(pages, 1)
    last_page = page >= shown
    forward = ""
    if page <= shown:
        forward = load("pagination_forward.html").render(
            next_class="next disabled" if last_page else "next",
            next=page + 1,
            next_title=hex_html(s["page_next"]),
            last_class="lastlink disabled" if last_page else "lastlink",
            last=shown,
            last_title=hex_html(s["page_last"]),
        )
    return load("pagination.html").render(
        aria=hex_html(s["page_aria"].format(p=page, n=shown)),
        first_class="firstlink disabled" if page <= 1 else "firstlink",
        first=hex_html(s["page_first"]),
        prev_class="prev disabled" if page <= 1 else "prev",
        prev=page - 1,
        prev_title=hex_html(s["page_prev"]),
        current=s["page_of"].format(p=page, n=shown),
        forward=forward.rstrip("\n"),
    )


def main_html(group: str, page: int, total: int, items: list[Item], filters: str) -> str:
    lang = "en" if group == "en" else "nb"
    s, path = lexicon.strings(lang), LISTING_PATHS[group]
    pages = -(-total // PER_PAGE)
    if items:
        start = (page - 1) * PER_PAGE + 1
        count = s["count"].format(a=start, b=start + len(items) - 1, n=total)
    else:
        count = s["count_empty"].format(n=total)
    item = load("listing_item.html")
    rendered = "".join(
        item.render(
            href=i.path,
            title=rich(i.title),
            date=display_date(i.meta.published, lang),
            type=hex_html(lexicon.TYPE_LABELS[lang][i.meta.kind]),
            departments=hex_html(
                ", ".join(lexicon.ministries()[m].name(lang) for m in i.meta.ministries)
            ),
            excerpt=rich(i.lead),
        )
        for i in items
    )
    subscribe = s["subscribe"]
    return load("listing.html").render(
        nonce=NONCE, title=hex_html(s["listing_title"]), ingress=hex_html(s["listing_ingress"]),
        intro=rich(s["listing_intro"]), culture=s["dc_language"], subscribe=subscribe,
        subscribe_title=hex_html(subscribe), path=path, search_all=s["search_all"],
        search_in=hex_html(s["search_in"]), page=page, reset=s["reset"], search=s["search"],
        filters_label=s["filters"], filters=filters, count=count, sort=s["sort"],
        sort_date=s["sort_date"], sort_best=s["sort_best"], sort_tip=s["sort_tip"],
        items=rendered.rstrip("\n"), pagination=_pagination(page, pages, s), timing=TIMING,
    )  # fmt: skip
