"""The interface's pages, each a Datasette route: the front page, search, an article with its
timeline, the diff of two revisions, and changes with their Atom feed.

Each handler reads the archive through ``Reader`` (``DataDir``'s methods; no reading logic
here) and renders a template of ``templates/regarkiv/``; Jinja escapes every piece of
archived text. Pages are plain HTML forms and links: no script is needed or sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette.app import Datasette
from datasette.utils.asgi import Request, Response
from jinja2 import Environment, FileSystemLoader

from archive.datadir import DataDir
from archive.index.blockdiff import Hunk, Row, block_diff, blocks, hunks
from archive.index.changes import Change, to_atom
from archive.index.diff import Diff
from archive.index.facets import MAX_COUNTED
from archive.index.search import LANGS, SearchQueryError
from archive.index.store import ArticleNotFound, RevisionNotFound
from regarkiv.web import i18n
from regarkiv.web.context import site_of
from regarkiv.web.reader import TooSlow

PAGE_SIZE = 20
MAX_PAGE = 250  # 5,000 results: as many as search ranks
WITHIN = {"all": "all", "articles": "articles", "documents": "attachments"}  # ?in= → search's
CHANGE_KINDS = ("revised", "removed", "attachment")  # as Change.kind names them
CHANGES_WINDOW = timedelta(days=30)  # how far back the changes page looks when not told


class BadInput(ValueError):
    """A query parameter that cannot mean anything; the message says which."""


@dataclass(frozen=True)
class Page:
    """What every template gets: the language, its words and the site's links."""

    lang: str
    path: str
    query: dict[str, str]

    def t(self, key: str, **values: Any) -> str:
        text = i18n.word(key, self.lang)
        return text.format(**values) if values else text

    def t_or(self, key: str, fallback: str) -> str:
        """The word for ``key`` if there is one (a value from the archive), else ``fallback``."""
        return self.t(key) if key in i18n.WORDS else fallback

    def summary(self, diff: Diff) -> str:
        """``diff``'s one line in this page's language."""
        fields = [f.field for f in diff.fields if f.changed and f.field != "body"]
        return i18n.diff_summary(fields, diff.words_added, diff.words_removed, self.lang)

    def change_summary(self, change: Change) -> str:
        """``change``'s summary in this page's language."""
        return i18n.change_summary(change.summary, self.lang)

    def other_language(self) -> str:
        other = "en" if self.lang == "no" else "no"
        return self.path + "?" + urlencode({**self.query, "hl": other})

    def with_query(self, **changes: Any) -> str:
        """This page's address with some parameters changed (None removes one)."""
        query = {**self.query, **{k: str(v) for k, v in changes.items() if v is not None}}
        kept = {k: v for k, v in query.items() if v != "" and changes.get(k, "") is not None}
        return self.path + ("?" + urlencode(kept) if kept else "")


def page_of(request: Request, article_lang: str | None = None) -> Page:
    query = {key: request.args.get(key, "") for key in request.args}
    lang = i18n.choose(query.get("hl"), request.headers.get("accept-language"), article_lang)
    return Page(lang, request.path, query)


# The pages' own templates, rendered synchronously: Datasette's environment is async (every
# expression awaited), which cost ~2 of a search page's ~16 ms of CPU; the templates use
# nothing of Datasette's context, so they render the same HTML here.
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    auto_reload=False,  # installed files: no stat() of every template at every request
)


async def render(
    datasette: Datasette, request: Request, template: str, page: Page, status: int = 200,
    **context: Any,
) -> Response:  # fmt: skip
    html = TEMPLATES.get_template(f"regarkiv/{template}").render(page=page, **context)
    return Response.html(html, status=status)


async def error(
    datasette: Datasette, request: Request, page: Page, status: int, heading: str, message: str
) -> Response:
    return await render(
        datasette, request, "error.html", page, status=status, heading=heading, message=message
    )


async def front(datasette: Datasette, request: Request) -> Response:
    site = site_of(datasette)
    page = page_of(request)
    activity = await site.reader.read(lambda archive: archive.activity())
    return await render(datasette, request, "front.html", page, activity=activity)


def _date_arg(request: Request, name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name}: expected YYYY-MM-DD, got {value[:40]!r}") from None


def _int_arg(request: Request, name: str, default: int, top: int) -> int:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or not 1 <= int(value) <= top:
        raise BadInput(f"{name}: expected a whole number from 1 to {top}, got {value[:40]!r}")
    return int(value)


def _filters(request: Request) -> dict[str, Any]:
    lang = request.args.get("lang", "").strip() or None
    if lang is not None and lang not in LANGS:
        raise BadInput(f"lang: choose from {', '.join(LANGS)}")
    return {
        "ministry": request.args.get("ministry", "").strip() or None,
        "type": request.args.get("type", "").strip() or None,
        "lang": lang,
        "date_from": _date_arg(request, "from"),
        "date_to": _date_arg(request, "to"),
    }


def _within(request: Request) -> str:
    value = request.args.get("in", "").strip() or "all"
    if value not in WITHIN:
        raise BadInput(f"in: choose from {', '.join(WITHIN)}")
    return WITHIN[value]


async def search(datasette: Datasette, request: Request) -> Response:
    """Results with facets and pages; a malformed query or filter is a message, not a 500.

    Hits are articles' latest revisions and, unless ``in`` says otherwise, attached
    documents' latest versions, merged by bm25; the facets count articles only."""
    site, page = site_of(datasette), page_of(request)
    query = request.args.get("q", "").strip()
    try:
        filters = _filters(request)
        within = _within(request)
        number = _int_arg(request, "page", 1, MAX_PAGE)
        if not query:
            return await render(
                datasette, request, "search.html", page, q="", filters=filters, within=within
            )

        def read(archive: DataDir) -> tuple[Any, Any]:
            offset = (number - 1) * PAGE_SIZE
            hits = archive.search(query, limit=PAGE_SIZE, offset=offset, within=within, **filters)
            return hits, archive.facets(query, within, **filters)

        hits, facets = await site.reader.read(read)
    except (SearchQueryError, BadInput) as problem:
        return await render(
            datasette, request, "search.html", page, status=400, q=query, problem=str(problem),
            syntax=isinstance(problem, SearchQueryError), filters={}, within="all",
        )  # fmt: skip
    articles = facets.total if within != "attachments" else 0
    documents = min(facets.documents, MAX_COUNTED)
    total = articles + documents
    more = (articles and facets.capped) or facets.documents > MAX_COUNTED
    return await render(
        datasette, request, "search.html", page, q=query, hits=hits, facets=facets,
        filters=filters, number=number, pages=max(1, -(-total // PAGE_SIZE)), within=within,
        articles=articles, documents=documents, total=total, more=more, replay=site.links,
    )  # fmt: skip


def _article_ref(request: Request) -> str:
    return str(request.url_vars["article_id"])


async def article(datasette: Datasette, request: Request) -> Response:
    site = site_of(datasette)
    ref = _article_ref(request)
    try:
        revision = _int_arg(request, "revision", 0, 2**31) or None

        def read(archive: DataDir) -> dict[str, Any]:
            view = archive.article(ref, revision)
            shown = view.revision
            urls = [str(i.get("src")) for i in shown.images if i.get("src")]
            urls += [str(a.get("url")) for a in shown.attachments if a.get("url")]
            return {
                "view": view,
                "history": archive.history(ref),
                "captures": archive.captures(ref),
                "archived": archive.archived(urls),
                "blocks": blocks(shown.body, archive.headings(shown)),
            }

        found = await site.reader.read(read)
    except (ArticleNotFound, RevisionNotFound, BadInput) as problem:
        page = page_of(request)
        return await error(datasette, request, page, 404, page.t("not_found"), str(problem))
    page = page_of(request, found["view"].revision.lang)
    return await render(datasette, request, "article.html", page, replay=site.links, **found)


async def diff_form(datasette: Datasette, request: Request) -> Response:
    """The article page's form (two revisions) → the diff's permalink."""
    ref = _article_ref(request)
    try:
        older = _int_arg(request, "from", 0, 2**31)
        newer = _int_arg(request, "to", 0, 2**31)
    except BadInput as problem:
        page = page_of(request)
        return await error(datasette, request, page, 400, page.t("not_found"), str(problem))
    if older > newer:
        older, newer = newer, older
    return Response.redirect(diff_path(ref, older, newer))


def diff_path(article_id: int | str, older: int, newer: int) -> str:
    return f"/article/{article_id}/diff/{older}-{newer}"


async def diff(datasette: Datasette, request: Request) -> Response:
    site = site_of(datasette)
    ref = _article_ref(request)
    older, newer = int(request.url_vars["older"]), int(request.url_vars["newer"])

    def read(archive: DataDir) -> tuple[Diff, list[Hunk]]:
        found = archive.diff(ref, older, newer)
        old, new = found.old, found.new
        rows = block_diff(old.body, new.body, archive.headings(old), archive.headings(new))
        return found, hunks(rows)

    try:
        found, folded = await site.reader.read(read)
    except (ArticleNotFound, RevisionNotFound) as problem:
        page = page_of(request)
        return await error(datasette, request, page, 404, page.t("not_found"), str(problem))
    page = page_of(request, found.new.lang)
    view = "inline" if request.args.get("view") == "inline" else "side"
    fields = {field.field: field for field in found.fields}
    return await render(
        datasette, request, "diff.html", page, diff=found, fields=fields, view=view,
        hunks=folded, replay=site.links, segments=segments,
    )  # fmt: skip


def segments(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """Consecutive rows grouped into runs of table rows ("table"), of list items ("ul",
    "ol") and of other blocks (""): a run of table rows is shown as one table, a run of
    items as one list."""
    grouped = groupby(rows, lambda r: r.kind if r.kind in ("table", "ul", "ol") else "")
    return [(kind, list(run)) for kind, run in grouped]


def _change_filters(request: Request) -> dict[str, Any]:
    kind = request.args.get("kind", "").strip() or None
    if kind not in (None, *CHANGE_KINDS):
        raise BadInput(f"kind: choose from {', '.join(CHANGE_KINDS)}")
    since = _date_arg(request, "since") or (datetime.now(UTC) - CHANGES_WINDOW).date()
    return {
        "since": since,
        "until": _date_arg(request, "until"),
        "ministry": request.args.get("ministry", "").strip() or None,
        "kind": kind,
    }


async def changes(datasette: Datasette, request: Request) -> Response:
    site, page = site_of(datasette), page_of(request)
    try:
        filters = _change_filters(request)
    except BadInput as problem:
        return await error(datasette, request, page, 400, page.t("changes"), str(problem))

    def read(archive: DataDir) -> tuple[list[Change], list[str]]:
        return archive.changes(**filters), archive.ministries()

    found, ministries = await site.reader.read(read)
    feed = "/changes.atom" + ("?" + request.query_string if request.query_string else "")
    return await render(
        datasette, request, "changes.html", page, changes=found, filters=filters,
        ministries=ministries, feed=feed, replay=site.links,
    )  # fmt: skip


async def feed(datasette: Datasette, request: Request) -> Response:
    """The changes as Atom: each entry links to its diff (or article), the archived copy
    and the live URL."""
    site = site_of(datasette)
    try:
        filters = _change_filters(request)
    except BadInput as problem:
        return Response.text(f"{problem}\n", status=400)

    def read(archive: DataDir) -> tuple[list[Change], dict[str, str]]:
        found = archive.changes(**filters)
        return found, archive.archived([c.url for c in found if c.kind == "removed"])

    found, last_copies = await site.reader.read(read)

    def links(change: Change) -> list[tuple[str, str]]:
        if change.kind == "revised":
            main = diff_path(change.article_id, change.from_revision, change.to_revision)
            copy = site.links.url(change.when, change.url)
        elif change.attachment:  # a document replaced at its URL: its new version archived
            main = f"/article/{change.article_id}"
            copy = site.links.url(change.when, change.attachment)
        else:
            main = f"/article/{change.article_id}"
            copy = site.links.url(last_copies.get(change.url, change.when), change.url)
        return [
            ("alternate", datasette.absolute_url(request, main)),
            ("related", copy),
            ("via", change.url),
        ]

    self_url = datasette.absolute_url(request, request.full_path)
    body = to_atom(
        found, link=datasette.absolute_url(request, "/changes"), self_link=self_url,
        entry_links=links,
    )  # fmt: skip
    return Response(body, content_type="application/atom+xml; charset=utf-8")


async def too_slow(datasette: Datasette, request: Request, problem: TooSlow) -> Response:
    page = page_of(request)
    return await error(datasette, request, page, 503, page.t("too_slow"), str(problem))
