"""The SURT key of a URL, as ``surt.surt`` makes it, for the CDXJ lines the writer writes.

pywb looks a URL up by the key the ``surt`` package gives it, so a CDXJ line must hold
exactly that key. Importing ``surt`` imports tldextract, and through it requests and
urllib3 (for public-suffix methods ``surt.surt`` never calls): ~0.1 s of CPU at every
start of the WARC writer process, and ``surt.surt`` then takes ~40 µs a URL. Here the
URLs a crawl writes (http or https, a host name or a dotted-quad IPv4 address, an
optional port, any path and query) get the same key from the same steps in ~8 µs:
Google's canonicalization (host lower-cased, percent-encoding unescaped and re-escaped
once, dot segments resolved), then the Internet Archive's (``www``/``wwwN.`` dropped,
default port dropped, path and query lower-cased, a trailing slash dropped, query
arguments sorted, the fragment dropped), then the host reversed into ``a,b,c)``.
Any other URL (userinfo, IPv6, an IDN or an odd host, a numeric host the package resolves
through the C library, session ids the package strips, whitespace or control characters,
other schemes) is passed to ``surt.surt`` itself, imported then.
tests/warc/test_surt_key.py checks the two agree over every URL of three versions of a
replica site, the links of the real pages, and generated variants.
"""

from __future__ import annotations

import re
from urllib.parse import quote_from_bytes, unquote_to_bytes

# What the package leaves unescaped (besides letters, digits and ``_.-~``); the backslash
# is in its set too.
_SAFE = "!\"$&'()*+,-./:;<=>?@[\\]^_`{|}~"
_URL = re.compile(
    r"(https?)://"
    r"([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)"  # host: no empty label, no leading dot
    r"(?::([0-9]+))?"  # port
    r"(/[^?#]*)?"  # path: "http://https://x" is not host "https", path "://x"
    r"(?:\?([^#]*))?"  # query
    r"(?:#.*)?"  # fragment, dropped
)
# Control characters and spaces: the package strips some, removes others.
_UNUSUAL = re.compile(r"[\x00-\x20\x7f]")
_DEFAULT_PORT = {"http": 80, "https": 443}
_WWW = re.compile(r"www\d*\.")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # 0-255, no leading zero
_DOTTED_QUAD = re.compile(rf"(?!0){_OCTET}(?:\.{_OCTET}){{3}}")  # not 0.x.x.x: octal to it
_NUMERIC_HOST = re.compile(r"[0-9.]+")
# Path and query shapes from which the package strips session ids: left to it.
_SESSION = (".aspx", "sessionid", "sessid", "sid=", "cfid=")
# A path or query that escaping leaves as it is (no percent sign, nothing to escape).
_PLAIN = re.compile(r"[A-Za-z0-9_.~!\"$&'()*+,\-/:;<=>?@\[\\\]^`{|}]*")


def surt_key(url: str) -> str:
    """``surt.surt(url)``: the key a CDXJ line starts with."""
    key = _own_key(url)
    if key is None:
        # Only for URLs a crawl of the site does not make (see the module's docstring).
        import surt

        return str(surt.surt(url))
    return key


def _own_key(url: str) -> str | None:
    """The key, or None for a URL this module leaves to the package."""
    match = _URL.fullmatch(url)
    if match is None or _UNUSUAL.search(url):
        return None
    lowered = url.lower()
    if any(marker in lowered for marker in _SESSION):
        return None
    scheme, host, port_digits, path, query = match.groups()
    path = path or ""
    host = host.lower()
    if _NUMERIC_HOST.fullmatch(host) and not _DOTTED_QUAD.fullmatch(host):
        return None  # a number, or octal or short forms: the package asks the C library
    host = _WWW.sub("", host, count=1) if host.startswith("www") else host
    port = ""
    if port_digits is not None:
        number = int(port_digits)
        if number > 65535:
            return None  # the package raises: let it say so
        if number and number != _DEFAULT_PORT[scheme]:
            port = f":{number}"
    key = ",".join(reversed(host.split("."))) + port + ")" + _path(path)
    if query:
        key += "?" + _query(query)
    return key


def _unescaped(text: str) -> bytes:
    """Percent-decoded until nothing changes, as the package does."""
    data = text.encode("utf-8")
    while b"%" in data:
        decoded = unquote_to_bytes(data)
        if decoded == data:
            break
        data = decoded
    return data


def _escaped(data: bytes) -> str:
    return quote_from_bytes(data, safe=_SAFE) if data else ""


def _path(path: str) -> str:
    """Dot segments resolved, empty segments dropped, escaped once, lower case, no
    trailing slash (but ``/``)."""
    if _PLAIN.fullmatch(path) and "//" not in path and "/." not in path:
        text = path.lower() or "/"  # nothing to resolve, unescape or escape
        return text[:-1] if len(text) > 1 and text.endswith("/") else text
    segments = _unescaped(path).split(b"/")[1:]
    kept: list[bytes] = []
    for segment in segments:
        if segment == b".":
            continue
        if segment == b".." and kept:
            kept.pop()
        else:
            kept.append(segment)
    normal = b"/" + b"".join(s + b"/" for s in kept[:-1] if s) + kept[-1] if kept else b"/"
    text = _escaped(normal).lower()
    return text[:-1] if len(text) > 1 and text.endswith("/") else text


def _query(query: str) -> str:
    """Escaped once, lower case, arguments sorted (a bare ``a`` before ``a=``)."""
    text = (query if _PLAIN.fullmatch(query) else _escaped(_unescaped(query))).lower()
    if len(text) <= 1:
        return text
    arguments = sorted(tuple(argument.split("=", 1)) for argument in text.split("&"))
    return "&".join("=".join(argument) for argument in arguments)
