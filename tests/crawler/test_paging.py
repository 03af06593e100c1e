"""Requests the site pays for: ``recent`` stops paging once caught up (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")


def test_recent_on_an_unchanged_archive_fetches_the_recent_pages_only(
    tmp_path: Path, crawl
) -> None:
    site = replica_site.Site(articles=2000, seed=21)
    cutoff = datetime.now(UTC).date() - timedelta(days=30)
    recent = {
        lang: [m.id for m in site.catalog.in_group(1, lang) if m.published.date() >= cutoff]
        for lang in ("no", "en")
    }
    all_pages = sum(-(-len(site.article_ids(lang)) // 20) for lang in ("no", "en"))
    with replica_server.ReplicaServer(site) as server:
        crawl(tmp_path, server.base_url, timeout=300)
        server.requests.clear()
        # Pages only: what requisites a recrawl fetches is tests/crawler/test_requisites.py's.
        summary = crawl(
            tmp_path, server.base_url, "--recrawl", "recent",
            "--requisites", "none", "--attachments", "none",
        )  # fmt: skip
        targets = server.requests.targets()
    # A language's pages of recent articles, then one full page of older archived ones.
    most_pages = sum(len(ids) // 20 + 2 for ids in recent.values())
    articles = sum(len(ids) for ids in recent.values())
    assert summary["listing_pages"] <= most_pages < all_pages / 4
    assert summary["articles_fetched"] == articles
    assert len(targets) <= 1 + most_pages + articles  # robots.txt, listing pages, articles
