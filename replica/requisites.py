"""The files pages need to render: ``/dist-web/`` CSS, scripts, fonts, icons, images.

As on the real site (site.md §6) every page links ``/dist-web/css/main.css?v=<build>``,
six scripts with the same ``?v=<build>`` (``catalog.deploy``: it changes with each site
version), twenty icons; article images come in several widths (``?width=480``) through
``srcset`` and ``<picture>``. The stylesheet's ``url()``s name a font, icons and images,
and it ``@import``s the print stylesheet, which imports it back: a loop on purpose. A
few articles (``has_bad_requisites``) also show a 50 MB image, streamed a megabyte at a
time, and an image on another host.

Every file is valid (a browser decodes the images and loads the font, see
replica/binary.py), made from its URL alone, and a few kB at most. The stylesheet gives
article titles a style nothing else does (``TITLE_STYLE``), for replay tests.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs

from replica import binary
from replica.catalog import ArticleMeta

ASSET_MODIFIED = "Wed, 17 Jun 2026 21:16:53 GMT"
ICON_COLOUR = (0, 46, 94)  # the site's navy, #002e5e
# What the stylesheet sets on an article's <h1>, as a browser computes it.
TITLE_STYLE = {"color": "rgb(0, 46, 94)", "border-bottom-color": "rgb(196, 18, 48)"}
FONT_FAMILY = "Regjeringen Ikoner"
BIG_IMAGE = "/globalassets/upload/hoyopploselig-regjeringskvartalet.png"
BIG_IMAGE_SIDE = 4096  # 4,096 x 4,096 uncompressed RGB: 50.3 MB
OFF_SITE_IMAGE = "https://bilder.example.net/ntb/regjeringskvartalet-1200.jpg"
IMAGE_WIDTHS = (480, 960, 1920)
DEFAULT_WIDTH = 960
SCRIPTS = (
    "vendor/modernizr.custom.71379.js",
    "vendor/combined/jquery-combined-scripts.js",
    "lightbox-content.js",
    "bundle-footer-scripts.js",
    "cookie-consent.js",
    "page-survey.js",
)
_ICON = re.compile(r"^/dist-web/ico/(?:apple-touch-icon|favicon|mstile)-(\d+)x\1\.png$")
_IMG = re.compile(r"^/dist-web/img/[a-z_-]+?(\d+)x(\d+)(?:_fallback_[a-z]+)?\.(jpg|png)$")
_ARTICLE_IMAGE = re.compile(r"^/globalassets/departementene/[a-z]+/bilder/[^/]+\.jpg$")


@dataclass(frozen=True)
class Asset:
    """A file's bytes (or, for a large one, a stream of them and its length) and type."""

    content_type: str
    body: bytes = b""
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int = 0


def has_bad_requisites(meta: ArticleMeta) -> bool:
    """Whether an article shows the 50 MB image and an image on another host: the 6th
    article of every 23 (catalog.py), so any site of 6 or more articles has one."""
    return meta.has("tricky-top")


def sidebar_extras(meta: ArticleMeta) -> str:
    """The sidebar box of an article with bad requisites (empty for the others)."""
    if not has_bad_requisites(meta):
        return ""
    return (
        '\n<div class="sidebar-box photo-download">\n'
        f'    <a href="{BIG_IMAGE}"><img src="{BIG_IMAGE}" alt="" width="240"></a>\n'
        f'    <img src="{OFF_SITE_IMAGE}" alt="" width="240">\n'
        "</div>"
    )


def figure_sources(src: str) -> tuple[str, str]:
    """``srcset`` for a figure's phone ``<source>`` and for its ``<img>``."""
    return (
        f"{src}?width=480 480w, {src}?width=960 960w",
        ", ".join(f"{src}?width={width} {width}w" for width in IMAGE_WIDTHS),
    )


def is_asset(target: str) -> bool:
    """A request for a file (where faults may strike), not the streamed large image."""
    path = target.split("?", 1)[0]
    return path.startswith(("/dist-web/", "/globalassets/", "/contentassets/")) and (
        path != BIG_IMAGE
    )


def asset(path: str, query: str, build: str) -> Asset | None:
    """The file at ``path`` (None: no such file); ``build`` is the site's current one."""
    version = (parse_qs(query).get("v") or [build])[0][:40]
    if path == "/dist-web/css/main.css":
        return Asset("text/css", _main_css(version))
    if path == "/dist-web/css/print.css":
        return Asset("text/css", _print_css(version))
    if path.startswith("/dist-web/js/") and path.removeprefix("/dist-web/js/") in SCRIPTS:
        return Asset("text/javascript; charset=utf-8", _script(path.rsplit("/", 1)[1]))
    if path == "/dist-web/fonts/regjeringen-ikoner.ttf":
        return Asset("font/ttf", _font())
    if path == "/dist-web/ico/favicon.ico":
        return Asset("image/x-icon", binary.ico(16, ICON_COLOUR))
    if match := _ICON.match(path):
        side = min(int(match[1]), 512)
        return Asset("image/png", _png(side, side))
    if match := _IMG.match(path):
        width, height = min(int(match[1]), 2000), min(int(match[2]), 2000)
        if match[3] == "png":
            return Asset("image/png", _png(width, height))
        return Asset("image/jpeg", _jpeg(width, height))
    if _ARTICLE_IMAGE.match(path):
        widths = parse_qs(query).get("width") or [str(DEFAULT_WIDTH)]
        width = int(widths[0]) if widths[0] in {str(w) for w in IMAGE_WIDTHS} else DEFAULT_WIDTH
        return Asset("image/jpeg", _jpeg(width, width * 9 // 16))
    if path == BIG_IMAGE:
        size = binary.big_png_size(BIG_IMAGE_SIDE)
        return Asset("image/png", stream=lambda: binary.big_png(BIG_IMAGE_SIDE), length=size)
    return None


@lru_cache(maxsize=64)
def _png(width: int, height: int) -> bytes:
    return binary.png(width, height, ICON_COLOUR)


@lru_cache(maxsize=64)
def _jpeg(width: int, height: int) -> bytes:
    return binary.jpeg(width, height)


@lru_cache(maxsize=1)
def _font() -> bytes:
    return binary.ttf(FONT_FAMILY)


@lru_cache(maxsize=8)
def _main_css(build: str) -> bytes:
    v = f"?v={build}"
    return f"""@charset "utf-8";
/* regjeringen.no replica, build {build} */
@import url("/dist-web/css/print.css{v}") print;
@font-face {{
  font-family: "{FONT_FAMILY}";
  src: url("../fonts/regjeringen-ikoner.ttf{v}") format("truetype");
  font-display: block;
}}
body {{ margin: 0; font-family: Arial, Helvetica, sans-serif; color: #222; }}
.article-header h1 {{
  color: {TITLE_STYLE["color"]};
  border-bottom: 4px solid {TITLE_STYLE["border-bottom-color"]};
  padding-bottom: 0.25em;
}}
.page-footer .logo span {{
  display: inline-block; width: 32px; height: 32px;
  background: url(/dist-web/img/logo_32x32.png{v}) no-repeat;
}}
.skipLink {{ position: absolute; left: -9999px; }}
.article-body a[href$=".pdf"]::before {{
  content: "\\e000"; font-family: "{FONT_FAMILY}"; padding-right: 0.25em;
}}
.article-body img, .sidebar-box img {{ max-width: 100%; height: auto; }}
.cookie_banner_wrapper {{ background-image: url('/dist-web/img/cookie_banner_1x1.png{v}'); }}
@media (max-width: 599px) {{
  .page-header {{ background: url(../img/header_mobile_600x80.jpg{v}) repeat-x; }}
}}
""".encode()


@lru_cache(maxsize=8)
def _print_css(build: str) -> bytes:
    # Imports main.css, which imports this: a loop a crawler must stop (browsers do).
    return (
        f'/* print, build {build} */\n@import url("main.css?v={build}");\n'
        "@media print { .page-header, .page-footer, .article-sidebar { display: none; } }\n"
    ).encode()


_JQUERY_STUB = """(function (w) {
  // A stand-in for the site's jQuery bundle: enough for the pages' inline scripts.
  function Q(sel) { this.sel = sel; }
  Q.prototype.ready = function (fn) {
    if (document.readyState !== "loading") { fn(); }
    else { document.addEventListener("DOMContentLoaded", fn); }
    return this;
  };
  var $ = function (sel) { return new Q(sel); };
  $.fn = Q.prototype;
  Q.prototype.wrapWideContent = function () { return this; };
  w.$ = w.jQuery = $;
})(window);
"""


@lru_cache(maxsize=8)
def _script(name: str) -> bytes:
    if name == "jquery-combined-scripts.js":
        return _JQUERY_STUB.encode()
    marker = hashlib.sha1(name.encode()).hexdigest()[:8]
    body = f'(function () {{ "use strict"; window["rgk_{marker}"] = true; }})();\n'
    return f"/* {name} (replica) */\n{body}".encode()
