"""The site's escaping conventions, which differ by where a string lands (site.md §6.1).

- Razor output (``<title>``, ``og:*``, ``h1``, labels) goes through .NET's ``HtmlEncoder``:
  every non-ASCII character and ``& < > " ' +`` become hex entities (``&#xF8;``, ``&#x2B;``).
- DC.* / ``title`` / ``description`` metas use ``HttpUtility.HtmlEncode``: only
  Latin-1 characters become decimal entities (``&#248;``); an en dash stays raw.
- Rich text from the CMS (article body, listing titles and excerpts) is raw UTF-8 with
  only ``& < >`` escaped.
- JSON (JSON-LD, the page-translations template) escapes non-ASCII as ``\\u00F8``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote


class _Table(dict[int, str]):
    """A ``str.translate`` table that escapes unlisted characters on first sight."""

    def __init__(self, keep: str, special: dict[str, str], escape: Callable[[int], str]) -> None:
        super().__init__({ord(c): c for c in keep})
        self.update({ord(c): v for c, v in special.items()})
        self.escape = escape

    def __missing__(self, code: int) -> str:
        value = self.escape(code)
        self[code] = value
        return value


_ASCII = "".join(map(chr, range(0x20, 0x7F))) + "\t\n\r"
_HEX = _Table(
    _ASCII,
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "+": "&#x2B;"},
    lambda code: f"&#x{code:X};",
)
_DEC = _Table(
    _ASCII,
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"},
    lambda code: f"&#{code};" if 0xA0 <= code <= 0xFF else chr(code),
)
_JSON = _Table(
    "".join(c for c in _ASCII if c not in "\"\\<>&'+`\t\n\r"),
    {},
    lambda code: (
        f"\\u{code:04X}"
        if code <= 0xFFFF
        else f"\\u{0xD800 + (code - 0x10000 >> 10):04X}\\u{0xDC00 + (code - 0x10000 & 0x3FF):04X}"
    ),
)


def hex_html(text: str) -> str:
    return text.translate(_HEX)


def dec_html(text: str) -> str:
    return text.translate(_DEC)


def rich(text: str) -> str:
    """Text inside CMS rich text: raw UTF-8, markup characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def url_lower(text: str) -> str:
    """``HttpUtility.UrlEncode`` style: percent-escapes with lower-case hex, space as %20."""
    encoded = quote(text, safe="-_.!*()")
    out, i = [], 0
    while i < len(encoded):
        if encoded[i] == "%":
            out.append(encoded[i : i + 3].lower())
            i += 3
        else:
            out.append(encoded[i])
            i += 1
    return "".join(out)


def json_string(text: str) -> str:
    return '"' + text.translate(_JSON) + '"'


def json_dumps(value: object) -> str:
    """Compact JSON with the .NET escaping of strings (keys are plain ASCII)."""
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_dumps(v) for v in value) + "]"
    return json.dumps(value)
