"""The replica's pages in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from replica.server import ReplicaServer
from replica.site import Site
from tests.support.browser import Traffic


def test_an_article_renders_in_chromium_and_its_requests_are_counted(browser: Any) -> None:
    site = Site(articles=30, seed=5)
    with ReplicaServer(site) as server:
        article_id = site.article_ids("no")[0]
        path, title = site.article_url(article_id), site.expected(article_id).title
        page = browser.new_page()
        traffic = Traffic(allowed={f"127.0.0.1:{server.port}"})
        traffic.watch(page)
        try:
            response = page.goto(server.url(path), wait_until="load", timeout=15_000)
            assert response is not None and response.status == 200
            assert page.locator("h1").first.inner_text().strip() == title
        finally:
            page.close()
    assert traffic.requests[0] == server.url(path)
    # Like the real site's, the replica's chrome loads analytics from other hosts
    # (site.md §6.1): a browser counts them, which is what replay tests rely on.
    leaked_hosts = {urlsplit(url).netloc for url in traffic.leaked()}
    assert leaked_hosts and not any(host.startswith("127.0.0.1") for host in leaked_hosts)
    assert {"js.monitor.azure.com", "cdn.matomo.cloud"} <= leaked_hosts
