"""Sitemap discovery and ``--recrawl changed`` in real crawls of the replica (127.0.0.1)."""

from __future__ import annotations

import contextlib
import gzip
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.crawl import FAST

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")
replica_routes = pytest.importorskip("replica.routes")

SAMPLE = 10  # archive.changed.SAMPLE: unmoved articles fetched to test the dates


def kinds(targets: list[str]) -> dict[str, int]:
    counts = {"robots": 0, "sitemap": 0, "listing": 0, "article": 0}
    for target in targets:
        kind = (
            "robots" if target == "/robots.txt"
            else "sitemap" if target.startswith("/globalassets/sitemap/")
            else "listing" if "id2006120" in target
            else "article"
        )  # fmt: skip
        counts[kind] += 1
    return counts


def revisions(data_dir: Path) -> dict[int, int]:
    conn = sqlite3.connect(data_dir / "index.db")
    return dict(conn.execute("SELECT article_id, count(*) FROM revisions GROUP BY article_id"))


def statuses(data_dir: Path) -> dict[int, str]:
    return dict(sqlite3.connect(data_dir / "index.db").execute("SELECT id, status FROM articles"))


def verdict_shown(regarkiv, data_dir: Path) -> dict:
    jobs = json.loads(regarkiv("jobs", "--data-dir", str(data_dir), "--json").stdout)
    shown = regarkiv("jobs", "show", jobs[-1]["id"], "--data-dir", str(data_dir))
    assert shown.returncode == 0 and "recrawl_verdict" in shown.stdout
    verdict: dict = jobs[-1]["figures"]["recrawl_verdict"]
    return verdict


@contextlib.contextmanager
def archived_then_changed(data_dir: Path, crawl, site, version: int = 2, **server_options):
    """The replica served, archived whole at version 1, then moved on to ``version``."""
    with replica_server.ReplicaServer(site, **server_options) as server:
        crawl(data_dir, server.base_url)
        server.set_version(version)
        server.requests.clear()
        yield server


def test_changed_finds_every_edit_removal_and_new_article_in_few_requests(
    tmp_path: Path, crawl, regarkiv
) -> None:
    site = replica_site.Site(articles=300, seed=5)
    with archived_then_changed(tmp_path, crawl, site) as server:
        # Pages only (kinds() counts any other target as an article): what requisites a
        # recrawl fetches is tests/crawler/test_requisites.py's.
        summary = crawl(
            tmp_path, server.base_url, "--recrawl", "changed",
            "--requisites", "none", "--attachments", "none",
        )  # fmt: skip
        counts = kinds(server.requests.targets())
    edited, removed, new = site.edited_ids(), site.removed_ids(), site.new_ids()
    assert summary["new_revisions"] == len(edited) and summary["removed"] == len(removed)
    assert summary["new_articles"] == len(new) and summary["failures"] == {}
    assert {a for a, n in revisions(tmp_path).items() if n == 2} == edited
    assert {a for a, s in statuses(tmp_path).items() if s == "removed"} == removed
    # Two listing pages a language (the new articles, then a page of archived ones), the
    # sitemap index and its urlset, and only the articles that changed, plus the sample.
    assert counts == {
        "robots": 1,
        "sitemap": 2,
        "listing": 4,
        "article": len(new) + len(edited) + len(removed) + SAMPLE,
    }
    verdict = verdict_shown(regarkiv, tmp_path)
    assert verdict["used"] == "changed" and verdict["moved"] == len(edited)
    assert verdict["absent"] == len(removed) and verdict["sitemap_files"] == 2


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("none", "robots.txt names no sitemap"),
        ("undated", "no lastmod for any archived article"),
        ("today", "sampled are unchanged"),
        ("stale", "changed although its sitemap lastmod did not move"),
    ],
)
def test_no_sitemap_no_dates_or_lying_dates_fall_back_to_recent(
    tmp_path: Path, crawl, regarkiv, mode: str, reason: str
) -> None:
    site = replica_site.Site(articles=80, seed=7, sitemap=mode)
    # Version 6: ten edits among 80 articles; a sample of ten finds one.
    with archived_then_changed(tmp_path, crawl, site, version=6) as server:
        result = regarkiv(
            "crawl", "--data-dir", str(tmp_path), "--base-url", server.base_url,
            "--delay", "0", "--json", "--recrawl", "changed",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    warnings = [line for line in result.stderr.splitlines() if "falls back to recent" in line]
    assert len(warnings) == 1 and reason in warnings[0]
    verdict = verdict_shown(regarkiv, tmp_path)
    assert verdict["used"] == "recent" and reason in verdict["reason"]
    assert json.loads(result.stdout)["new_articles"] == len(site.new_ids())


def test_a_mirror_reads_the_sitemap_the_real_site_names_from_itself(
    tmp_path: Path, crawl, regarkiv
) -> None:
    site = replica_site.Site(articles=60, seed=13)
    real = "https://www.regjeringen.no"
    with replica_server.ReplicaServer(site, names=real) as mirror:
        assert f"Sitemap: {real}/" in site.render("/robots.txt", real).body.decode()
        crawl(tmp_path, mirror.base_url, "--recrawl", "changed")
        mirror.set_version(2)
        summary = crawl(tmp_path, mirror.base_url, "--recrawl", "changed")
    assert summary["new_revisions"] == len(site.edited_ids())
    assert summary["removed"] == len(site.removed_ids())
    assert verdict_shown(regarkiv, tmp_path)["used"] == "changed"
    conn = sqlite3.connect(tmp_path / "index.db")
    hosts = {row[0].split("/")[2] for row in conn.execute("SELECT url FROM captures")}
    assert hosts == {mirror.base_url.split("/")[2]}  # sitemaps are archived, from the mirror
    sitemaps = [u for (u,) in conn.execute("SELECT url FROM captures") if "/sitemap/" in u]
    assert len(sitemaps) == 4  # the index and one urlset, in each of the two crawls


class HostileSite(replica_site.Site):  # type: ignore[misc,name-defined]
    """The replica, with a sitemap index that leads everywhere a bad sitemap can."""

    def render(self, target: str, base_url: str | None = None):  # type: ignore[no-untyped-def]
        base = (base_url or self.base_url).rstrip("/")
        folder = "/globalassets/sitemap/"
        if not target.startswith(folder) or target.endswith("sitemap-1.xml"):
            return super().render(target, base_url)
        name = target[len(folder) :]
        if name == "sitemap.xml":
            body = _index(
                base + folder + "sitemap.xml",  # itself: a loop
                "https://elsewhere.example/sitemap.xml",  # another host
                *(base + folder + other for other in ("broken.xml", "cut.xml.gz", "huge.xml.gz")),
                base + folder + "sitemap-1.xml",
            )
        elif name == "broken.xml":
            body = f"<urlset><url><loc>{base}/no/</loc></url><url><<</url>{'<url/>' * 9999}"
            body = body.encode()
        elif name == "cut.xml.gz":
            good = super().render(folder + "sitemap-1.xml", base).body
            body = gzip.compress(good)[:300]
        else:  # 60 MB in 30,000 URLs, past the 50 MB bound
            row = f"<url><loc>{base}/no/{'a' * 2000}/</loc></url>".encode()
            body = gzip.compress(b"<urlset>" + row * 30_000, 1)
        return replica_routes.static(body, "application/xml", "sitemap", "")


def _index(*locs: str) -> bytes:
    rows = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f"<sitemapindex>{rows}</sitemapindex>".encode()


def test_bad_sitemaps_cost_bounded_work_and_the_crawl_goes_on(
    tmp_path: Path, crawl, regarkiv
) -> None:
    site = HostileSite(articles=60, seed=2)
    with replica_server.ReplicaServer(site) as server:
        summary = crawl(tmp_path, server.base_url, "--recrawl", "changed", timeout=120)
        targets = server.requests.targets()
    assert summary["new_articles"] == len(site.article_ids())
    assert targets.count("/globalassets/sitemap/sitemap.xml") == 1
    assert not any("elsewhere" in target for target in targets)
    skipped = verdict_shown(regarkiv, tmp_path)["sitemap_skipped"]
    assert skipped == {
        "loop": 1, "off-site": 1, "malformed": 1, "truncated-gzip": 1, "too-large": 1,
    }  # fmt: skip


def test_all_finds_articles_the_listings_do_not_reach(tmp_path: Path, crawl) -> None:
    site = replica_site.Site(articles=90, seed=3)
    with replica_server.ReplicaServer(site) as server:
        summary = crawl(tmp_path, server.base_url, "--recrawl", "all", "--max-listing-pages", "1")
    assert summary["listing_pages"] == 2
    assert summary["new_articles"] == len(site.article_ids())


def test_an_interrupted_changed_crawl_resumes_and_finds_every_change(
    tmp_path: Path, crawl, regarkiv
) -> None:
    site = replica_site.Site(articles=160, seed=5)
    with archived_then_changed(tmp_path, crawl, site) as server:
        server.faults.add("*", "slow", count=None, delay=0.3)
        command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
                   "--base-url", server.base_url, *FAST, "--json",
                   "--recrawl", "changed"]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            # Past the sample: the listing pages are archived, some changes are not.
            while kinds(server.requests.targets())["article"] < SAMPLE + 3:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.01)
            process.send_signal(signal.SIGINT)
        finally:
            out, err = process.communicate(timeout=60)
        assert out, err[-3000:]
        first = json.loads(out)
        assert first["status"] == "interrupted"
        server.faults.clear()
        resumed = crawl(tmp_path, server.base_url, "--resume")
    assert resumed["job_id"] == first["job_id"] and resumed["status"] == "finished"
    assert {a for a, n in revisions(tmp_path).items() if n == 2} == site.edited_ids()
    assert {a for a, s in statuses(tmp_path).items() if s == "removed"} == site.removed_ids()
    assert verdict_shown(regarkiv, tmp_path)["used"] == "changed"
