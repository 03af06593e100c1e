"""The plain-URL shortcuts (plain_urls.py) give what urllib gives, on random URLs."""

from __future__ import annotations

import random
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest

from archive.extract.plain_urls import is_canonical, join, path_and_query

# Pieces the site writes, and every kind of piece urllib treats specially.
PIECES = [
    "/", "//", "a", "id123", "x.pdf", ".", "..", "./", "../", "/.", "/..", "?", "?id=1", "#",
    "#top", ";p", ":", "@", "[", "]", "%20", " ", "\t", "\n", "\r", "\x00", "\x7f", "ø", "\u2028",
    "\xa0", "utm_source=x", "&", "=", "https:", "http://", "HTTPS://", "mailto:", "host:8080",
    "www.regjeringen.no", "contentassets", "-",
]  # fmt: skip
BASES = [
    "https://www.regjeringen.no/no/aktuelt/x/id123/",
    "https://www.regjeringen.no/no/aktuelt/x/id123/?vis=1#a",
    "http://127.0.0.1:8080/en/id4/",
    "HTTPS://Host.example/a/b",
    "https://www.regjeringen.no",
    "ftp://host/a/",
    "",
    "/relative/base",
    "https://[::1/",
    "https:///no/id1/",
    "http://",
    "http://h:8080?x=1",
]


def random_url(draw: random.Random) -> str:
    start = draw.choice(["", "/", "https://www.regjeringen.no/", "http://h", "//h/", "/no/"])
    return start + "".join(draw.choices(PIECES, k=draw.randint(0, 7)))


def urllib_or_error(function: object, *args: str) -> object:
    try:
        return function(*args)  # type: ignore[operator]
    except ValueError as error:
        return type(error)


def ours_or_error(function: object, *args: str) -> object:
    return urllib_or_error(function, *args)


@pytest.mark.parametrize("seed", range(3))
def test_the_shortcuts_answer_as_urllib(seed: int) -> None:
    draw = random.Random(seed)
    plain = 0
    for _ in range(3000):
        url = random_url(draw)
        base = draw.choice(BASES) if draw.random() < 0.5 else random_url(draw)
        assert ours_or_error(join, base, url) == urllib_or_error(urljoin, base, url), (base, url)
        expected = urllib_or_error(urlsplit, url)
        if isinstance(expected, type):
            assert ours_or_error(path_and_query, url) == expected
        else:
            assert path_and_query(url) == (expected.path, expected.query), url
            if is_canonical(url):
                plain += 1
                assert urlunsplit(expected._replace(fragment="")) == url
                assert "utm_" not in expected.query.lower()
    assert plain > 100  # the shortcut is taken, not only the fallback


def test_the_sites_urls_take_the_shortcut() -> None:
    base = "https://www.regjeringen.no/no/aktuelt/nyhet/id3171137/"
    assert is_canonical(base)
    assert is_canonical(base + "?vis=1")
    assert not is_canonical(base + "?utm_source=x")
    assert not is_canonical(base + "?")
    assert not is_canonical(base + "#top")
    href = "/contentassets/0a1b/rapport.pdf"
    assert join(base, href) == urljoin(base, href) == "https://www.regjeringen.no" + href
    assert (
        join(base, "/a/../b.pdf")
        == urljoin(base, "/a/../b.pdf")
        == "https://www.regjeringen.no/b.pdf"
    )
    assert path_and_query(base + "?id=5") == ("/no/aktuelt/nyhet/id3171137/", "id=5")
