"""The article template (site.md §7): header, article-info, ingress, body, sidebar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from replica import lexicon
from replica.body_html import render_body
from replica.catalog import ArticleMeta
from replica.chrome import LISTING_PATHS, Page
from replica.content import ArticleContent
from replica.escape import hex_html, rich
from replica.lexicon import Ministry, section
from replica.requisites import sidebar_extras
from replica.templating import load


@dataclass(frozen=True)
class Related:
    """A sidebar "Relatert" link to another live article."""

    path: str
    title: str
    label: str
    date: str


def display_date(when: datetime, lang: str) -> str:
    return when.strftime("%d/%m/%Y" if lang == "en" else "%d.%m.%Y")


def http_date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def owners(meta: ArticleMeta) -> list[Ministry]:
    return [lexicon.ministries()[i] for i in meta.ministries]


def topics(meta: ArticleMeta) -> list[lexicon.Topic]:
    return [lexicon.topics()[i] for i in meta.topics]


def page_info(meta: ArticleMeta, content: ArticleContent, path: str, modified: datetime) -> Page:
    lang = meta.lang
    s = lexicon.strings(lang)
    owner = owners(meta)[0]
    description = " ".join(content.lead)
    metas = [("DC.Title", content.title), ("DC.Creator", owner.name(lang))]
    if meta.topics:
        metas.append(("DC.Subject", ", ".join(t.name(lang) for t in topics(meta))))
    metas += [
        ("DC.Description", description),
        ("DC.Date", meta.published.strftime("%Y-%m-%d")),
        ("DC.Type.Status", "Gyldig"),
        ("DC.Type", meta.kind),
        ("DC.Format", "text/html"),
        ("DC.Identifier.URL", path),
        ("DC.Language", s["dc_language"]),
        ("DC.Publisher", "regjeringen.no"),
        ("author", owner.name(lang)),
        ("authorshortname", owner.abbr),
        ("ownerid", str(owner.ownerid)),
        ("last-modified", http_date(modified)),
        ("revised", http_date(modified)),
    ]
    listing = (s["listing_title"], LISTING_PATHS[section(lang)])
    return Page(
        lang=lang,
        path=path,
        page_id=meta.id,
        title=content.title,
        description=description,
        body_class=meta.kind.lower(),
        metas=tuple(metas),
        crumbs=(listing,),
        hreflang=((lang, path),),
        owner=owner,
    )


def _ingress(content: ArticleContent) -> str:
    if content.lead_in_p:
        return "\n".join(f"<p>{rich(p)}</p>" for p in content.lead)
    return hex_html(content.lead[0])


def _sidebar_contact(owner: Ministry, s: dict[str, str], lang: str) -> str:
    unit, unit_path = owner.unit
    return load("sidebar_contact.html").render(
        heading=s["contact_title"],
        unit_path=f"/{section(lang)}/dep/{owner.abbr}/{unit_path}/",
        unit=hex_html(unit),
        email_label=s["email_label"],
        email=owner.email,
        phone_label=s["phone_label"],
        address_label=s["address_label"],
        postal=owner.postal,
        visiting_label=s["visiting_label"],
        visiting=owner.visiting,
    )


def main_html(
    meta: ArticleMeta, content: ArticleContent, related: list[Related], contact: bool
) -> str:
    lang = meta.lang
    s = lexicon.strings(lang)
    ministries = owners(meta)
    owner_links = ", ".join(
        f'<a href="{m.path(lang)}">{hex_html(m.name(lang))}</a>' for m in ministries
    )
    owner_divs = "\n".join(
        f'                    <div>\n                        <a href="{m.path(lang)}">'
        f"{hex_html(m.name(lang))}</a>\n                    </div>"
        for m in ministries
    )
    topic_block = ""
    if meta.topics:
        items = "\n".join(
            f'            <li>\n                <a href="{t.path(lang)}">{hex_html(t.name(lang))}'
            "</a>\n            </li>"
            for t in topics(meta)
        )
        topic_block = load("sidebar_topics.html").render(heading=s["topics_title"], items=items)
    related_block = ""
    if related:
        items = "\n".join(
            f'                    <li>\n                        <a href="{r.path}">'
            f"{hex_html(r.title)}</a>\n"
            f'                                <div class="link-list-item__meta">{r.label} | '
            f"{r.date}</div>\n                    </li>"
            for r in related
        )
        related_block = load("sidebar_related.html").render(heading=s["related_title"], items=items)
    return load("article.html").render(
        title=hex_html(content.title),
        type=hex_html(lexicon.TYPE_LABELS[lang][meta.kind]),
        date_label=s["date_label"],
        date=display_date(meta.published, lang),
        owners=owner_links,
        ingress=_ingress(content),
        body=render_body(content.blocks, s["photo"]),
        owner_links=owner_divs,
        topics=topic_block,
        related=related_block,
        contact=(_sidebar_contact(ministries[0], s, lang) if contact else "")
        + sidebar_extras(meta),
    )
