"""The replica's sitemap: an index and urlsets whose lastmod follows versions, in each mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archive.sitemap import parse_sitemap
from replica.site import Site

INDEX = "/globalassets/sitemap/sitemap.xml"


def entries(site: Site) -> dict[str, str | None]:
    index = parse_sitemap(site.render(INDEX).body)
    assert index.is_index and not index.skipped
    found: dict[str, str | None] = {}
    for entry in index.entries:
        path = entry.loc.removeprefix(site.base_url)
        urlset = parse_sitemap(site.render(path).body)
        assert urlset.kind == "urlset" and not urlset.skipped
        for url in urlset.entries:
            found[url.loc] = url.lastmod.when.strftime("%Y-%m-%dT%H:%M:%S") if url.lastmod else None
    return found


def article_lastmods(site: Site) -> dict[int, str | None]:
    return {
        int(loc.rstrip("/").rsplit("/id", 1)[1]): lastmod
        for loc, lastmod in entries(site).items()
        if "/aktuelt/" in loc and "id2006120" not in loc
    }


def test_every_live_article_with_its_revised_time_over_several_files() -> None:
    site = Site(articles=2300, seed=4)
    lastmods = article_lastmods(site)
    assert set(lastmods) == set(site.article_ids())
    assert len(parse_sitemap(site.render(INDEX).body).entries) == 3  # 1,000 URLs a file
    some = site.article_ids()[7]
    revised = datetime.strptime(site.modified(some), "%a, %d %b %Y %H:%M:%S GMT")
    assert lastmods[some] == revised.strftime("%Y-%m-%dT%H:%M:%S")
    assert f"{site.base_url}/no/id4/" in entries(site)  # a page that is no article, too


def test_lastmod_follows_edits_new_and_removed_articles() -> None:
    site = Site(articles=200, seed=6)
    before = article_lastmods(site)
    site.set_version(2)
    after = article_lastmods(site)
    moved = {a for a in before.keys() & after.keys() if before[a] != after[a]}
    assert moved == site.edited_ids()
    assert set(after) - set(before) == site.new_ids()
    assert set(before) - set(after) == site.removed_ids()


def test_the_modes_that_a_crawler_must_survive() -> None:
    undated = Site(articles=50, seed=6, sitemap="undated")
    assert set(article_lastmods(undated).values()) == {None}
    today = Site(articles=50, seed=6, sitemap="today")
    day = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00")
    assert set(article_lastmods(today).values()) == {day}
    stale = Site(articles=200, seed=6, sitemap="stale")
    first = article_lastmods(stale)
    stale.set_version(3)
    later = article_lastmods(stale)
    assert stale.edited_ids() and all(later[a] == first[a] for a in stale.edited_ids())
    none = Site(articles=50, seed=6, sitemap="none")
    assert b"Sitemap:" not in none.render("/robots.txt").body
    assert none.render(INDEX).status == 404
    assert b"Sitemap:" in Site(articles=5).render("/robots.txt").body
    assert Site(articles=5).render("/globalassets/sitemap/sitemap-9.xml").status == 404


def test_a_mode_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="sitemap mode"):
        Site(articles=5, sitemap="sometimes")
