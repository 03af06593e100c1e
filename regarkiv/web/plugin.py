"""The Datasette plugin: the interface's routes, links between tables the schema does not
declare, and security headers on every response.

Registered by ``regarkiv.web.app.make_datasette`` (never through an entry point, so a plain
``datasette`` elsewhere on the machine is left alone).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import Request, Response
from markupsafe import Markup, escape

from archive.datadir import NoArchive, UnreadableArchive
from archive.index.store import UnusableIndex
from regarkiv.web import pages
from regarkiv.web.context import PLUGIN
from regarkiv.web.metadata import DATABASE, LINKS
from regarkiv.web.reader import TooSlow

Handler = Callable[[Datasette, Request], Awaitable[Response]]
ARTICLE = r"/article/(?P<article_id>\d{1,19})"


def guarded(handler: Handler) -> Handler:
    """A page whose reading fails says so in a page of its own (503), never a traceback."""

    async def page(datasette: Datasette, request: Request) -> Response:
        try:
            return await handler(datasette, request)
        except TooSlow as problem:
            return await pages.too_slow(datasette, request, problem)
        except (NoArchive, UnreadableArchive, UnusableIndex) as problem:
            shown = pages.page_of(request)
            return await pages.error(datasette, request, shown, 503, "regarkiv", str(problem))

    return page


ROUTES: list[tuple[str, Handler]] = [
    (r"^/$", pages.front),
    (r"^/search$", pages.search),
    (rf"^{ARTICLE}$", pages.article),
    (rf"^{ARTICLE}/diff$", pages.diff_form),
    (rf"^{ARTICLE}/diff/(?P<older>\d{{1,9}})-(?P<newer>\d{{1,9}})$", pages.diff),
    (r"^/changes$", pages.changes),
    (r"^/changes\.atom$", pages.feed),
]


@hookimpl
def register_routes() -> list[tuple[str, Handler]]:
    return [(regex, guarded(handler)) for regex, handler in ROUTES]


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str) -> Markup | None:
    """Cells naming a row of another table link to it, as a declared foreign key would.

    Where the key is declared (``captures`` since m009), Datasette passes the cell as
    ``{"value", "label"}`` and links it itself; an archive not yet upgraded gets ours."""
    target = LINKS.get((table or "", column))
    if database != DATABASE or target is None or value in (None, "") or isinstance(value, dict):
        return None
    href = f"/{DATABASE}/{target}/{quote(str(value), safe='')}"
    return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')


def _replay_origin(datasette: Datasette) -> str:
    replay = urlsplit(str((datasette.plugin_config(PLUGIN) or {}).get("replay_url", "")))
    return f"{replay.scheme}://{replay.netloc}" if replay.netloc else ""


def security_headers(path: str, replay_origin: str) -> list[tuple[bytes, bytes]]:
    """The headers every response gets. The interface's pages send no script at all; those
    of Datasette itself (``/index``, ``/-/``) keep the inline scripts its own pages use."""
    if path.startswith((f"/{DATABASE}", "/-/")):
        policy = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
    else:
        policy = (
            f"default-src 'none'; style-src 'self'; img-src 'self' {replay_origin}".rstrip()
            + "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[Any], Any]:
    def wrap(app: Any) -> Any:
        async def with_headers(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            added = security_headers(scope.get("path", ""), _replay_origin(datasette))

            async def sending(message: dict[str, Any]) -> None:
                if message.get("type") == "http.response.start":
                    names = {name for name, _ in added}
                    kept = [h for h in message.get("headers", []) if h[0].lower() not in names]
                    message = {**message, "headers": [*kept, *added]}
                await send(message)

            await app(scope, receive, sending)

        return with_headers

    return wrap
