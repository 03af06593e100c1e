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
from urllib.parse import quote

_HEX_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_DEC_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_JSON_SAFE = set(map(chr, range(0x20, 0x7F))) - set("\"\\<>&'+`")


def hex_html(text: str) -> str:
    out = []
    for ch in text:
        if ch in _HEX_SPECIAL:
            out.append(_HEX_SPECIAL[ch])
        elif ch in "'+" or ord(ch) > 0x7E or ord(ch) < 0x20 and ch not in "\t\n\r":
            out.append(f"&#x{ord(ch):X};")
        else:
            out.append(ch)
    return "".join(out)


def dec_html(text: str) -> str:
    out = []
    for ch in text:
        if ch in _DEC_SPECIAL:
            out.append(_DEC_SPECIAL[ch])
        elif 0xA0 <= ord(ch) <= 0xFF:
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


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
    out = ['"']
    for ch in text:
        if ch in _JSON_SAFE:
            out.append(ch)
        elif ord(ch) > 0xFFFF:
            code = ord(ch) - 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        else:
            out.append(f"\\u{ord(ch):04X}")
    out.append('"')
    return "".join(out)


def json_dumps(value: object) -> str:
    """Compact JSON with the .NET escaping of strings (keys are plain ASCII)."""
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_dumps(v) for v in value) + "]"
    return json.dumps(value)
