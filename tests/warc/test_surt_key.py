"""archive/warc/surt_key.py gives the key ``surt.surt`` gives, for every URL: pywb finds
records by it, so a CDXJ line must not change."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
import surt

from archive.warc import surt_key as module
from archive.warc.surt_key import surt_key
from benchmarks.crawl_bench import targets
from replica.site import Site

REAL_PAGES = Path("/work/shared/real-pages")
_LINK = re.compile(rb"""(?:href|src|action|content)\s*=\s*["']([^"']*)["']""")
BASES = ("http://127.0.0.1:8123", "https://www.regjeringen.no", "http://localhost:80")


def _links(page: bytes, at: str) -> set[str]:
    """Every attribute value that may be a link (and some that are not: more variety),
    joined to the page's URL, with and without its character references decoded."""
    found = set()
    for raw in _LINK.findall(page):
        text = raw.decode("utf-8", "replace")
        found |= {urljoin(at, text), urljoin(at, html.unescape(text))}
    return found


@pytest.fixture(scope="module")
def replica_urls() -> tuple[set[str], set[str]]:
    """The pages a crawl fetches, and every link in them, of three versions of a replica
    site (edits, removals, both languages, requisites, attachments), under three bases."""
    site = Site(articles=120, seed=7)
    pages: set[str] = set()
    links: set[str] = set()
    for version in (1, 2, 3):
        site.set_version(version)
        for base in BASES:
            for target in targets(site):
                at = base + target
                pages.add(at)
                links |= _links(site.render(target, base).body, at)
    return pages, links


def test_replica_urls_get_the_package_key(replica_urls: tuple[set[str], set[str]]) -> None:
    pages, links = replica_urls
    assert len(pages) > 300 and len(links) > 3000
    # Every page a crawl of the site fetches takes the fast path, and most links do.
    assert all(module._own_key(url) is not None for url in pages)
    own = [url for url in links if module._own_key(url) is not None]
    assert len(own) > 0.7 * len(links)
    for url in sorted(pages | links):
        assert surt_key(url) == surt.surt(url), url


def test_real_pages_links_get_the_package_key() -> None:
    pages = sorted(REAL_PAGES.glob("*.html")) if REAL_PAGES.is_dir() else []
    if not pages:
        pytest.skip("the real pages are not on this machine")
    urls = set()
    for page in pages:
        urls |= _links(page.read_bytes(), "https://www.regjeringen.no/no/dokumenter/x/id1/")
    assert len(urls) > 100
    for url in sorted(urls):
        assert surt_key(url) == surt.surt(url), url


ODD = [
    "http://www.regjeringen.no",
    "http://www.regjeringen.no?",
    "http://www.regjeringen.no/?",
    "http://www.regjeringen.no/#top",
    "http://www.regjeringen.no/a?#top",
    "HTTP://WWW.Regjeringen.NO/No/Aktuelt/",
    "https://www.regjeringen.no:443/no/",
    "https://www.regjeringen.no:0443/no/",
    "http://www.regjeringen.no:443/no/",
    "https://www.regjeringen.no:80/no/",
    "http://www.regjeringen.no:0/",
    "http://www.regjeringen.no:65535/",
    "http://www.regjeringen.no:65536/",
    "http://www.regjeringen.no:/",
    "http://www2.regjeringen.no/",
    "http://www.www.regjeringen.no/",
    "http://wwwregjeringen.no/",
    "http://www/",
    "http://user:pw@www.regjeringen.no/",
    "http://[::1]:8080/a",
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/a/b/",
    "http://0.0.0.0/",
    "http://10.0.0.255/",
    "http://255.255.255.255/",
    "http://127.0.0.01/",
    "http://127.1/",
    "http://2130706433/",
    "http://1.2.3.4.5/",
    "http://1.2.example.no/",
    "http://xn--rksmrgs-5wao1o.no/",
    "http://räksmörgås.no/",
    "http://a..b.no/",
    "http://.a.no/",
    "http://a.no./",
    "http://a_b.no/",
    "http://https://www.regjeringen.no/",
    "http://http//www.regjeringen.no/",
    "http:///www.regjeringen.no/",
    "https://www.regjeringen.no/no/./aktuelt/../dokumenter//x/",
    "https://www.regjeringen.no/../../a",
    "https://www.regjeringen.no/a/b/..",
    "https://www.regjeringen.no/a/b/.",
    "https://www.regjeringen.no/%7Efoo/%41%2F%252F",
    "https://www.regjeringen.no/%zz/%",
    "https://www.regjeringen.no/s%C3%B8k?q=%C3%A6%C3%B8%C3%A5",
    "https://www.regjeringen.no/søk?q=æøå&Z=1&a=&a&b=2",
    "https://www.regjeringen.no/a?b=1&a=2&a=1&A=0",
    "https://www.regjeringen.no/a?=&&=x",
    "https://www.regjeringen.no/a?&",
    "https://www.regjeringen.no/a?x=%26y",
    "https://www.regjeringen.no/a b",
    "https://www.regjeringen.no/a\tb",
    " https://www.regjeringen.no/a",
    "https://www.regjeringen.no/a\\b",
    "https://www.regjeringen.no/x.aspx?id=1",
    "https://www.regjeringen.no/a?jsessionid=0123456789abcdef0123456789abcdef",
    "https://www.regjeringen.no/a?sid=0123456789abcdef0123456789abcdef&x=1",
    "https://www.regjeringen.no/a?cfid=1&cftoken=2",
    "https://www.regjeringen.no/(a(0123456789abcdef01234567))/x.aspx",
    "ftp://www.regjeringen.no/a",
    "dns:www.regjeringen.no",
    "filedesc://x.warc.gz",
    "www.regjeringen.no/a",
    "mailto:post@regjeringen.no",
    "https://www.regjeringen.no/a\x7fb",
    "https://www.regjeringen.no/no/dokumenter/id2950000/?ch=1&expand=factbox2950123",
]


@pytest.mark.parametrize("url", ODD)
def test_odd_urls_get_the_package_key(url: str) -> None:
    try:
        expected = surt.surt(url)
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            surt_key(url)
        return
    assert surt_key(url) == expected


def test_the_writer_starts_without_the_package() -> None:
    """The WARC writer process's modules do not import surt (nor requests through it)."""
    code = "import sys, archive.pipeline; print('surt' in sys.modules, 'requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
