"""Generate one article's content, lazily and deterministically from (seed, id, version)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta
from random import Random

from replica import documents, lexicon
from replica.catalog import ArticleMeta, version_time
from replica.content import (
    ArticleContent,
    AttachmentLink,
    Block,
    Factbox,
    Figure,
    Heading,
    ListBlock,
    Para,
    Quote,
    Run,
    Script,
    Table,
    bump_number,
)  # fmt: skip
from replica.text import Writer, format_date

_FOLD = str.maketrans({"æ": "a", "ø": "o", "å": "a", "Æ": "a", "Ø": "o", "Å": "a"})


def slugify(text: str) -> str:
    """The CMS URL segment: "Høyring – framlegg" → "hoyring-framlegg"."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def rng_for(seed: int, article_id: int, salt: int) -> Random:
    return Random((seed * 1_000_003 + article_id) * 64 + salt)


def _writer(meta: ArticleMeta, seed: int, salt: int) -> Writer:
    owner = lexicon.ministries()[meta.ministries[0]]
    return Writer(meta.lang, rng_for(seed, meta.id, salt), owner, meta.published.year)


def base_title(meta: ArticleMeta, seed: int) -> str:
    """The v1 title, which also fixes the URL slug for the article's lifetime."""
    return _writer(meta, seed, 1).title()


def build(meta: ArticleMeta, seed: int, edits: tuple[int, ...] = ()) -> ArticleContent:
    head = _writer(meta, seed, 1)
    title = head.title()
    lead = (
        (head.lead(), head.lead()) if meta.has("lead-p") and meta.has("lead-2") else (head.lead(),)
    )
    content = ArticleContent(title, lead, meta.has("lead-p"), _body(meta, seed))
    for version in edits:
        content = _edit(content, meta, seed, version)
    return content


def _body(meta: ArticleMeta, seed: int) -> tuple[Block, ...]:
    w = _writer(meta, seed, 2)
    rng, words, lang = w.rng, w.words, meta.lang
    blocks: list[Block] = []
    figure_first = meta.has("figure") and rng.random() < 0.5
    if figure_first:
        blocks.append(_figure(w, meta))
    blocks.append(Para.of(w.paragraph()))
    first, second = w.sentence(), w.sentence()
    blocks.append(Para((Run(first + " "), Run(second, "strong"), Run(" " + w.sentence()))))
    if meta.has("quote"):
        quote = w.quote()
        blocks.append(Quote((f"‘{quote}’" if lang == "en" else f"– {quote}",)))
    blocks.append(Para.of(w.paragraph()))
    if meta.has("tricky-top"):
        blocks.append(Para.of(w.fill(words["tricky"]["top"])))
    blocks += [Heading(2, w.heading()), Para.of(w.paragraph(1, 3))]
    if meta.has("h3"):
        blocks += [Heading(3, w.heading()), Para.of(w.paragraph(1, 2))]
    if meta.has("list"):
        blocks.append(ListBlock(False, _items(w, rng.randint(3, 5))))
    if meta.has("olist"):
        blocks.append(ListBlock(True, tuple(w.fill(s) for s in words["steps"])))
    if meta.has("figure") and not figure_first:
        blocks.append(_figure(w, meta))
    if meta.has("table"):
        blocks.append(_table(w, rng.random() < 0.7))
    if meta.has("script"):
        blocks.append(Script("    window.regjeringenVideo = window.regjeringenVideo || [];"))
        blocks.append(Para.of(w.paragraph(1, 2)))
    if meta.has("tricky-js"):
        blocks.append(Para.of(words["tricky"]["enable_js"]))
    if meta.has("tricky-escaped"):
        blocks.append(Para.of(words["tricky"]["escaped"]))
    if meta.has("factbox"):
        paragraph, items = Para.of(w.paragraph(1, 2)), _items(w, 3)
        # Half list their items as the real hearings list their consulted bodies: one
        # paragraph, a <br /> between the lines (the parity decides: no draw from rng).
        listed = ListBlock(False, items) if meta.id % 2 else _lines(items)
        blocks.append(Factbox(meta.id + 17, w.pick("facts_titles"), (paragraph, listed)))
    if meta.has("link"):
        text = w.fill(words["links"])
        head, _, tail = text.rpartition(" ")
        owner = lexicon.ministries()[meta.ministries[0]]
        blocks.append(
            Para((Run(head + " "), Run(tail.rstrip("."), "a", owner.path(lang)), Run(".")))
        )
    if meta.has("attachments"):
        links = tuple(_attachment(w, meta.id) for _ in range(rng.randint(1, 3)))
        title = lexicon.strings(lang)["attachments_title"]
        if rng.random() < 0.5:
            # A hearing's factbox may end in an empty paragraph (hearing-id3168525).
            empty = (Para.of("\u00a0"),) if meta.id % 3 == 0 else ()
            blocks.append(Factbox(meta.id + 29, title, links + empty))
        else:
            blocks += [Heading(3, title), ListBlock(False, links)]
    if meta.kind == "Pressemelding" and meta.has("contact"):
        contact, phone = w.fill(words["contact"]), w.fill(words["phone"])
        blocks.append(Para((Run(contact), Run("", "br"), Run(phone))))
    return tuple(blocks)


def _lines(items: tuple[str, ...]) -> Para:
    runs = [Run(items[0])]
    for item in items[1:]:
        runs += [Run("", "br"), Run(item)]
    return Para(tuple(runs))


def _items(w: Writer, count: int) -> tuple[str, ...]:
    items: dict[str, None] = {}
    for _ in range(count * 3):
        items[w.item()] = None
        if len(items) == count:
            break
    return tuple(items)


def _figure(w: Writer, meta: ArticleMeta) -> Figure:
    owner = lexicon.ministries()[meta.ministries[0]]
    caption = w.pick("captions")
    name = f"{slugify(caption)[:40].strip('-')}-{meta.id}.jpg"
    src = f"/globalassets/departementene/{owner.abbr}/bilder/{name}"
    credit = None
    if w.rng.random() < 0.8:
        organisation = w.rng.choice(("NTB", owner.name(meta.lang), "Statsministerens kontor"))
        credit = f"{w.fill('{person}')} / {organisation}"
    return Figure(src, w.fill("{Minister}") if w.rng.random() < 0.5 else caption, caption, credit)


def _table(w: Writer, with_head: bool) -> Table:
    rng = w.rng
    w.extra = {"year": str(w.year), "year1": str(w.year + 1)}
    caption = w.pick("table_captions") if rng.random() < 0.6 else None
    head = tuple(w.fill(h) for h in w.words["table_head"]) if with_head else None
    sep = "." if w.lang == "en" else ","
    counties = rng.sample(w.words["counties"], rng.randint(3, 6))
    rows = [
        (
            c,
            f"{rng.randint(5, 900)}{sep}{rng.randint(0, 9)}",
            f"{rng.randint(5, 900)}{sep}{rng.randint(0, 9)}",
        )
        for c in counties
    ]
    if not with_head:
        rows[0] = (f"{rows[0][0]}\n({w.fill('{org}')})", *rows[0][1:])
    w.extra = {}
    return Table(caption, head, tuple(rows))


def _attachment(w: Writer, article_id: int) -> AttachmentLink:
    title = w.pick("attachments")
    digest = documents.hex_for(w.rng.getrandbits(128), article_id)
    extension = documents.kind_of(digest)[1]
    return AttachmentLink(
        title, f"/contentassets/{digest}/{slugify(title)}.{extension}", w.rng.random() < 0.6
    )


def _edit(content: ArticleContent, meta: ArticleMeta, seed: int, version: int) -> ArticleContent:
    """One version's edit: the title and a number change, and a sentence is added."""
    w = _writer(meta, seed, 100 + version)
    delta = w.rng.randint(1, 9)
    title = bump_number(content.title, delta)
    if title is None:
        suffix = w.words["edit_title"].format(title="").strip()
        title = content.title if content.title.endswith(suffix) else f"{content.title} {suffix}"
        title = title if title != content.title else f"{content.title} ({version})"
    blocks = list(content.blocks)
    for i, block in enumerate(blocks):
        if isinstance(block, Para) and len(block.runs) == 1:
            changed = bump_number(block.runs[0].text, delta)
            if changed:
                blocks[i] = Para.of(changed)
                break
    when = version_time(version).date()
    w.extra = {"date": format_date(when, meta.lang)}
    blocks.append(Para.of(w.fill(w.words["edit_sentence"])))
    return replace(content, title=title, blocks=tuple(blocks), edits=(*content.edits, version))


def modified(meta: ArticleMeta, seed: int, edits: tuple[int, ...]) -> datetime:
    """The CMS edit time behind the ``last-modified``/``revised`` metas."""
    if edits:
        minutes = rng_for(seed, meta.id, 200 + edits[-1]).randint(5, 600)
        return version_time(edits[-1]) + timedelta(minutes=minutes)
    return meta.published + timedelta(minutes=rng_for(seed, meta.id, 3).randint(1, 90))
