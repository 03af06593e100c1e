"""Property test: extraction reproduces the replica's ground truth, field by field.

The replica (``replica/``) renders generated articles with the real site's chrome and
knows the Article each page must yield (``Site.expected``), following the text contract
in ``archive/model.py``. Any generated article must extract to exactly that.
"""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("hypothesis", reason="hypothesis (a dev extra) is not installed")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.extract.article import ChallengePage, NotAnArticle, extract_article
from archive.model import Article

site_module = pytest.importorskip("replica.site", reason="replica.site not available yet")
Site = site_module.Site

SEEDS = (1, 7, 2024)
ARTICLES = 120  # > 5 x 23: every "tricky" article kind appears in each site


@pytest.fixture(scope="module")
def sites() -> dict[int, object]:
    return {seed: Site(articles=ARTICLES, seed=seed) for seed in SEEDS}


def assert_same(article: Article, expected: Article) -> None:
    for field in dataclasses.fields(Article):
        got, want = getattr(article, field.name), getattr(expected, field.name)
        assert got == want, f"{field.name} of {expected.url}:\n got  {got!r}\n want {want!r}"


def extract_from_site(site: object, article_id: int) -> tuple[Article, Article]:
    expected = site.expected(article_id)
    response = site.render(expected.url.removeprefix("https://www.regjeringen.no"))
    assert response.status == 200
    return extract_article(response.body, expected.url), expected


def test_every_article_of_one_site(sites: dict[int, object]) -> None:
    site = sites[SEEDS[0]]
    for article_id in site.article_ids():
        assert_same(*extract_from_site(site, article_id))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), index=st.integers(min_value=0, max_value=ARTICLES - 1))
def test_generated_articles(sites: dict[int, object], seed: int, index: int) -> None:
    site = sites[seed]
    article_id = sorted(site.article_ids())[index]
    assert_same(*extract_from_site(site, article_id))


def test_site_pages_that_are_not_articles(sites: dict[int, object]) -> None:
    site = sites[SEEDS[0]]
    targets = {
        "/no/aktuelt/finnes-ikke/id999/": "error-page",  # the 404 page
        "/en/whatsnew/finnes-ikke/id999/": "error-page",
        site.listing_path("no"): "listing",
        site.listing_path("no", page=2): "listing",
        site.listing_path("en"): "listing",
        "/no/id4/": "front-page",
        "/": "no-metadata",  # "Object moved" redirect body
    }
    for target, reason in targets.items():
        response = site.render(target)
        with pytest.raises(NotAnArticle) as caught:
            extract_article(response.body, "https://www.regjeringen.no" + target)
        assert caught.value.reason == reason, target


def test_cut_or_garbled_article_bodies_are_refused(sites: dict[int, object]) -> None:
    site = sites[SEEDS[0]]
    article_id = site.article_ids()[0]
    url = "https://www.regjeringen.no" + site.article_url(article_id)
    body = site.render(site.article_url(article_id)).body
    garbage = b'<div class="article-body"><p>Uavsluttet <b>tekst <i>\x00\xff <<<>>> &#xZZZ; <tr><td'
    for fraction in (0.2, 0.55, 0.9):
        cut = body[: int(len(body) * fraction)]
        for damaged in (cut, cut + garbage):
            with pytest.raises(NotAnArticle) as caught:
                extract_article(damaged, url)
            assert caught.value.reason == "truncated"


def test_replica_challenge_page() -> None:
    templating = pytest.importorskip("replica.templating")
    body = templating.load("challenge.html").render(
        ray="8f1c2d3e4f5a6b7c", token="tok", path="/no/aktuelt/x/id3171000/", time="1783154515"
    )
    with pytest.raises(ChallengePage):
        extract_article(body.encode(), "https://www.regjeringen.no/no/aktuelt/x/id3171000/")


REDESIGN = [
    (b"article-", b"story-"),
    (b"content-", b"x-"),
    (b'<main id="mainContent"', b'<div id="main"'),
    (b"</main>", b"</div>"),
    (b"page-footer", b"bottom"),
    (b"<footer", b"<div"),
    (b"</footer>", b"</div>"),
    (b"<aside", b"<div"),
    (b"</aside>", b"</div>"),
]


@pytest.mark.parametrize("change", ["renamed body", "redesign"])
def test_layout_changes_fall_back_to_the_same_article(
    sites: dict[int, object], change: str
) -> None:
    """The generic extractor recovers the ground truth when the template classes change."""
    site = sites[SEEDS[1]]
    for article_id in site.article_ids():
        expected = site.expected(article_id)
        body = site.render(site.article_url(article_id)).body
        if change == "renamed body":
            body = body.replace(b'class="article-body"', b'class="story-body"')
        else:
            for old, new in REDESIGN:
                body = body.replace(old, new)
        article = extract_article(body, expected.url)
        assert article.extracted_by == "fallback"
        assert_same(dataclasses.replace(article, extracted_by="template"), expected)
