import pytest

from archive.urls import (
    OutOfScope,
    article_id,
    article_page_id,
    canonical_article_url,
    is_article_url,
    listing_page_number,
    listing_url,
)

BASE = "https://www.regjeringen.no"


@pytest.mark.parametrize(
    "link, expected",
    [
        ("/no/aktuelt/ny-skatt/id3169214/", f"{BASE}/no/aktuelt/ny-skatt/id3169214/"),
        ("/nb/aktuelt/ny-skatt/id3169214/", f"{BASE}/no/aktuelt/ny-skatt/id3169214/"),
        ("/nn/aktuelt/ny-skatt/id3169214", f"{BASE}/no/aktuelt/ny-skatt/id3169214/"),
        (
            "/no/aktuelt/ny-skatt/id3169214/?utm_source=regjeringen.no&utm_medium=rss",
            f"{BASE}/no/aktuelt/ny-skatt/id3169214/",
        ),
        ("/en/aktuelt/new-tax/id3169215/", f"{BASE}/en/aktuelt/new-tax/id3169215/"),
        ("/id3169214/", f"{BASE}/id3169214/"),
        (
            "/no/dokumenter/horing-om-ny-skatt/id3169214/",
            f"{BASE}/no/dokumenter/horing-om-ny-skatt/id3169214/",
        ),
    ],
)
def test_article_variants_map_to_one_url(link: str, expected: str) -> None:
    assert canonical_article_url(link, BASE) == expected
    assert article_id(expected) == 3169214 or article_id(expected) == 3169215


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/no/aktuelt/x/id1/",
        "/no/dokumentarkiv/regjeringen-solberg/aktuelt/x/id2/",
        "/no/aktuelt/",
        "/Utilities/RSSEngine/rss.aspx?id=1",
        "http://www.regjeringen.no/no/aktuelt/x/id3/",  # other scheme = other site
    ],
)
def test_out_of_scope_links_are_refused(link: str) -> None:
    with pytest.raises(OutOfScope):
        canonical_article_url(link, BASE)


def test_listing_urls_and_pages() -> None:
    assert listing_url(BASE, "no") == f"{BASE}/no/aktuelt/nyheter/id2006120/"
    assert listing_url(BASE, "en", 3).endswith("/news-and-press-releases/id2006120/?page=3")
    assert listing_page_number(f"{BASE}/x/?page=2") == 2
    assert listing_page_number(f"{BASE}/x/?sortby=1&page=1") is None
    assert listing_page_number(f"{BASE}/x/?page=2&ownerid=875") is None
    assert not is_article_url(listing_url(BASE, "no"))
    assert is_article_url(f"{BASE}/no/aktuelt/ny-skatt/id3169214/")


@pytest.mark.parametrize(
    "link, expected",
    [
        ("/no/aktuelt/sak/id123/", "/no/aktuelt/sak/id123/"),
        ("/nn/aktuelt/sak/id123/", "/no/aktuelt/sak/id123/"),
        ("/no/aktuelt/sak/id123/?utm_source=rss", "/no/aktuelt/sak/id123/"),
        ("/no/aktuelt/sak/id123", "/no/aktuelt/sak/id123/"),
    ],
)
def test_links_already_canonical_or_not_give_one_url(link: str, expected: str) -> None:
    base = "https://www.regjeringen.no"
    assert canonical_article_url(base + link, base) == base + expected


@pytest.mark.parametrize(
    "link", ["/no/dokumentarkiv/stoltenberg/sak/id123/", "/no/aktuelt//sak/id123/"]
)
def test_links_that_look_canonical_can_still_be_out_of_scope(link: str) -> None:
    base = "https://www.regjeringen.no"
    with pytest.raises(OutOfScope):
        canonical_article_url(base + link, base)


@pytest.mark.parametrize(
    "url, expected",
    [
        (f"{BASE}/no/aktuelt/ny-skatt/id3169214/", 3169214),
        (f"{BASE}/nn/aktuelt/ny-skatt/id3169214", 3169214),
        (f"{BASE}/en/whatsnew/news/id3169215/?utm_source=rss#top", 3169215),
        (f"{BASE}/no/dokumenter/horing/id99/", 99),
        (f"{BASE}/no/aktuelt/nyheter/id2006120/", None),  # the listing
        (f"{BASE}/no/dokumentarkiv/stoltenberg/sak/id123/", None),  # historical archive
        (f"{BASE}/id3169214/", None),  # a short link, not a page's own URL
        (f"{BASE}/no/id4/", None),
        (f"{BASE}/", None),
        (f"{BASE}/no/aktuelt/ny-skatt/id3169214/bilde.jpg", None),
        (f"{BASE}/de/aktuelt/x/id1/", None),
        ("http://127.0.0.1:8080/se/ođđasat/id77/", 77),
    ],
)
def test_an_article_pages_id_is_what_both_questions_give(url: str, expected: int | None) -> None:
    assert article_page_id(url) == expected
    assert is_article_url(url) is (expected is not None)
