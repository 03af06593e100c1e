"""The crawl's scope is the base URL's scheme, host and port: never more, never less."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")


def test_a_redirect_to_another_port_or_scheme_is_refused(tmp_path: Path, crawl) -> None:
    site = replica_site.Site(articles=30, seed=12)
    forged_site = replica_site.Site(articles=30, seed=12, version=2)
    with (
        replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server,
        replica_server.ReplicaServer(forged_site, host="127.0.0.1", port=0) as forger,
    ):
        first, second, third = site.article_ids(lang="en")[:3]
        # The same host on another port serves a forged page of the article.
        server.faults.add(first, "offsite-redirect", location=forger.url(site.article_url(first)))
        # The same host and port, another scheme.
        other_scheme = server.base_url.replace("http://", "https://") + site.article_url(second)
        server.faults.add(second, "offsite-redirect", location=other_scheme)
        # In scope, but robots.txt disallows it.
        disallowed = server.url(site.article_url(third) + "?expand=factbox")
        server.faults.add(third, "offsite-redirect", location=disallowed)
        summary = crawl(tmp_path, server.base_url, "--lang", "en")
        assert list(forger.requests) == []  # not even its robots.txt
    assert summary["failures"] == {"offsite-redirect": 2, "robots-disallowed": 1}
    conn = sqlite3.connect(tmp_path / "index.db")
    indexed = {row[0] for row in conn.execute("SELECT id FROM articles")}
    assert indexed == set(site.article_ids(lang="en")) - {first, second, third}
    hosts = {row[0].split("/")[2] for row in conn.execute("SELECT url FROM captures")}
    assert hosts == {server.base_url.split("/")[2]}


def test_a_mirror_is_crawled_at_its_own_host(tmp_path: Path, crawl) -> None:
    """A mirror's pages name www.regjeringen.no as canonical; everything is fetched from the
    mirror, and articles gone from it (and from its listings) are marked removed."""
    site = replica_site.Site(articles=60, seed=13)
    real = "https://www.regjeringen.no"
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0, names=real) as mirror:
        crawl(tmp_path, mirror.base_url)
        conn = sqlite3.connect(tmp_path / "index.db")
        urls = [row[0] for row in conn.execute("SELECT url FROM articles")]
        assert urls and all(url.startswith(real + "/") for url in urls)  # as the pages say
        mirror.set_version(2)
        removed = site.removed_ids()
        assert removed
        summary = crawl(tmp_path, mirror.base_url, "--recrawl", "all")
    assert summary["failures"] == {}
    assert summary["removed"] == len(removed)
    statuses = dict(conn.execute("SELECT id, status FROM articles"))
    assert {a for a, status in statuses.items() if status == "removed"} == removed
    hosts = {row[0].split("/")[2] for row in conn.execute("SELECT url FROM captures")}
    assert hosts == {mirror.base_url.split("/")[2]}
