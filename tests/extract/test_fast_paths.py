"""The fast paths of extraction give exactly what the slow reference gives.

The reference is the plain way: the whole page parsed by lxml, every value read from the
tree. The fast paths: the page's cut (trim.py) and its head read from its bytes (head.py).
Compared on the replica's whole variety (both languages, every feature, three site
versions with edits and removals, listings, error pages, damaged bodies), on the real
pages and on odd values; tests/extract/test_trim.py changes heads at random.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archive.extract import article as extract
from archive.extract.article import NotAnArticle, extract_article
from archive.extract.head import Head
from archive.model import Article

SITE = "https://www.regjeringen.no"
REAL = {
    "hearing-id3167072.html": "/no/dokumenter/x/id3167072/",
    "hearing-id3168423.html": "/no/dokumenter/x/id3168423/",
    "hearing-id3168525.html": "/nn/dokumenter/x/id3168525/",
    "hearings-listing-id1763-page-001.html": "/no/dokument/hoyringar/id1763/",
}
Outcome = Article | tuple[str, str]


def outcome(html: bytes, url: str) -> Outcome:
    try:
        return extract_article(html, url)
    except NotAnArticle as error:
        return type(error).__name__, error.reason


@pytest.fixture
def reference(monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes, str], Outcome]:
    """Extraction the slow way: whole pages, parsed by lxml."""

    def slow(html: bytes, url: str) -> Outcome:
        with monkeypatch.context() as patch:
            patch.setattr(extract, "find_cut", lambda body, lower=None: None)
            patch.setattr(extract, "read_head", lambda body, head_close: None)
            return outcome(html, url)

    return slow


def replica_pages() -> Iterator[tuple[str, bytes, str]]:
    """(what, body, url) over three versions of a replica site, its chrome and damage."""
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=240, seed=11)
    for version in (1, 2, 3):
        site.set_version(version)
        ids = site.article_ids()
        if version > 1:  # what changed, and a sample of the rest
            ids = sorted(site.edited_ids(version - 1) | site.new_ids(version - 1)) + ids[::7]
        for article in ids:
            target = site.article_url(article)
            yield f"v{version} {target}", site.render(target).body, SITE + target
        for removed in sorted(site.removed_ids())[:5]:
            target = site.article_url(removed)
            yield f"v{version} removed {target}", site.render(target).body, SITE + target
    for target in (site.listing_path("no"), site.listing_path("en", 2), "/no/id4/", "/en/id4/"):
        yield target, site.render(target).body, SITE + target
    body = site.render(site.article_url(site.article_ids()[0])).body
    url = SITE + site.article_url(site.article_ids()[0])
    yield "cut short", body[: len(body) // 2], url
    yield "cut before </main>", body[: body.index(b"</main>")] + b"</body></html>", url
    yield "upper-case tags", body.replace(b"<meta ", b"<META ").replace(b"<title>", b"<TITLE>"), url


def test_replica_pages_extract_as_the_reference(
    reference: Callable[[bytes, str], Outcome],
) -> None:
    seen: set[str] = set()
    pages = 0
    for what, body, url in replica_pages():
        fast = outcome(body, url)
        assert fast == reference(body, url), what
        if isinstance(fast, Article):
            seen.add(fast.lang)
            seen.update(f"has {name}" for name in ("images", "attachments") if getattr(fast, name))
            if len(fast.ministries) > 1:
                seen.add("several ministries")
        else:
            seen.add(fast[1])
        pages += 1
    assert pages > 300
    # The comparison covered the variety it is meant to cover.
    assert {"nb", "nn", "en", "has images", "has attachments", "several ministries"} <= seen
    assert {"listing", "truncated"} <= seen


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pages_extract_as_the_reference(
    reference: Callable[[bytes, str], Outcome], read_real: Callable[[str], bytes], name: str
) -> None:
    raw = read_real(name)
    url = SITE + REAL[name]
    assert outcome(raw, url) == reference(raw, url)


def test_fixture_pages_extract_as_the_reference(
    reference: Callable[[bytes, str], Outcome], fixtures_dir: Path
) -> None:
    for path in sorted(fixtures_dir.glob("*.html")):
        body = path.read_bytes()
        url = f"{SITE}/no/aktuelt/x/id3170001/"
        assert outcome(body, url) == reference(body, url), path.name


@pytest.fixture
def head_reads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each page's head was read from its bytes (True) or left to lxml."""
    reads: list[bool] = []
    read = extract.read_head

    def recording(body: bytes, head_close: int) -> Head | None:
        found = read(body, head_close)
        reads.append(found is not None)
        return found

    monkeypatch.setattr(extract, "read_head", recording)
    return reads


def test_the_reference_runs_no_fast_path(
    reference: Callable[[bytes, str], Outcome],
    head_reads: list[bool],
    read_real: Callable[[str], bytes],
) -> None:
    """Else the comparisons above prove nothing; and the real pages do take the fast path."""
    for name, path in REAL.items():
        raw = read_real(name)
        reference(raw, SITE + path)
        assert head_reads == []
    outcome(read_real("hearing-id3167072.html"), SITE + REAL["hearing-id3167072.html"])
    assert head_reads == [True]


# Character references and bytes in a value: those every parser decodes alike are read
# from the bytes; the others are left to lxml. Either way the value is lxml's.
VALUES = [
    "&amp;", "&lt;&gt;&quot;", "&#229;", "&#xE5;", "&#Xe5;", "&#0229;", "&#32;", "&#126;",
    "&#127;", "&#150;", "&#x96;", "&#159;", "&#160;", "&#55295;", "&#55296;", "&#xDFFF;",
    "&#xFFFE;", "&#65533;", "&#x1F600;", "&#0;", "&#9;", "&#10;", "&#1114112;", "&nbsp;",
    "&aring;", "&amp", "&#229", "&apos;", "& ", "&&", "&#;", "&#x;", "a\tb", "a\nb", "a\r\nb",
    "\x0c", "\x7f", "\u0085", "\ufffe", "æøå", "<", ">", "'", "=",
]  # fmt: skip


@pytest.mark.parametrize("value", VALUES)
def test_a_value_reads_as_lxml_reads_it(
    reference: Callable[[bytes, str], Outcome], sample_pages: list[tuple[bytes, str]], value: str
) -> None:
    body, url = sample_pages[0]
    marker = b'<meta name="last-modified" content="'
    assert marker in body
    changed = body.replace(marker, marker + value.encode(), 1)
    fast = outcome(changed, url)
    assert fast == reference(changed, url)
    assert isinstance(fast, Article) and fast.last_modified is not None


def test_an_id_from_json_ld_in_the_head(
    reference: Callable[[bytes, str], Outcome],
    sample_pages: list[tuple[bytes, str]],
    head_reads: list[bool],
) -> None:
    """A URL without an id: the id comes from the head's JSON-LD (or DC.Identifier.URL)."""
    for body, _ in sample_pages:
        url = f"{SITE}/no/aktuelt/uten-id/"
        expected = reference(body, url)
        head_reads.clear()
        assert outcome(body, url) == expected
        assert head_reads == [True]
        # Without DC.Identifier.URL and og:url, only the JSON-LD names the id.
        bare = re.sub(rb'<meta (name="DC.Identifier.URL"|property="og:url")[^>]*>', b"", body)
        fast = outcome(bare, url)
        assert isinstance(fast, Article) and f"/id{fast.id}/" in body.decode()
        assert fast == reference(bare, url)
