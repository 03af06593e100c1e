"""Crawls of the replica archive each page's requisites and attachments, once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from archive.extract.requisites import Kind
from archive.resources import ResourceLedger
from archive.urls import is_document
from crawler.resources import KIND, ResourceRequests
from replica.requisites import BIG_IMAGE, OFF_SITE_IMAGE, has_bad_requisites
from replica.server import ReplicaServer
from replica.site import Site

ASSETS = ("/dist-web/", "/globalassets/", "/contentassets/")


def asset_requests(server: ReplicaServer) -> list[str]:
    return [t for t in server.requests.targets() if t.startswith(ASSETS)]


def captured(data: Path) -> dict[str, list[tuple[int, str]]]:
    conn = sqlite3.connect(data / "index.db")
    found: dict[str, list[tuple[int, str]]] = {}
    for url, status, record_type in conn.execute(
        "SELECT url, status, record_type FROM captures ORDER BY id"
    ):
        found.setdefault(url.split("/", 3)[3], []).append((status, record_type))
    return found


def test_first_crawl_archives_requisites_once_and_second_fetches_none(
    tmp_path: Path, crawl, regarkiv
) -> None:
    site = Site(articles=25, seed=2)
    with ReplicaServer(site) as server:
        first = crawl(tmp_path, server.base_url)
        fetched = asset_requests(server)
        server.requests.clear()
        second = crawl(tmp_path, server.base_url)
        again = asset_requests(server)
    bad = [i for i in site.article_ids() if has_bad_requisites(site.meta(i))]
    assert bad
    # Each asset requested once, however many pages name it.
    assert len(fetched) == len(set(fetched))
    archive = captured(tmp_path)
    paths = {path.split("?")[0] for path in archive}
    assert {
        "dist-web/css/main.css",
        "dist-web/css/print.css",  # through @import
        "dist-web/fonts/regjeringen-ikoner.ttf",  # through url() in the stylesheet
        "dist-web/ico/favicon.ico",
        "dist-web/js/vendor/combined/jquery-combined-scripts.js",
    } <= paths
    widths = {p.rsplit("=", 1)[1] for p in archive if "/bilder/" in p and "width=" in p}
    assert widths == {"480", "960", "1920"}
    documents = [p for p in archive if is_document("/" + p)]
    assert any(p.endswith(".pdf") for p in paths)
    assert BIG_IMAGE.lstrip("/") not in paths  # too large: cut off, never archived
    requisites, attachments = first["requisites"], first["attachments"]
    assert requisites["fetched"] == len(archive) - len(documents) - len(
        [p for p in archive if "/aktuelt/" in p or "id2006120" in p or p == "robots.txt"]
    )
    assert requisites["skipped"] == {"off-site": 1, "too-large": 1}
    assert requisites["failed"] == {} and attachments["failed"] == {}
    assert attachments["fetched"] == len(documents) > 0
    # An unchanged site: nothing fetched again but the image that is still too large.
    assert second["requisites"]["fetched"] == 0 and second["attachments"]["fetched"] == 0
    assert second["attachments"]["already_archived"] == attachments["fetched"]
    assert again == [BIG_IMAGE]
    shown = regarkiv("jobs", "show", second["job_id"], "--data-dir", str(tmp_path), "--json")
    assert json.loads(shown.stdout)["figures"]["requisites"]["skipped"]["too-large"] == 1
    text = regarkiv("jobs", "show", second["job_id"], "--data-dir", str(tmp_path)).stdout
    assert "  requisites: fetched 0, already_archived " in text
    assert "skipped (off-site 1, too-large 1), failed none" in text
    verified = regarkiv("verify", "--data-dir", str(tmp_path), "--json")
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)["completeness"]
    missing = {m["url"] for page in report["missing"] for m in page["missing"]}
    assert missing == {server.base_url + BIG_IMAGE}  # off-site ones are not expected
    assert report["incomplete_pages"] == len(bad) and report["archived"] < report["references"]
    assert OFF_SITE_IMAGE not in verified.stdout


def test_recrawl_all_fetches_again_and_writes_revisits(tmp_path: Path, crawl) -> None:
    with ReplicaServer(Site(articles=8, seed=5)) as server:
        crawl(tmp_path, server.base_url, "--attachments", "none")
        again = crawl(tmp_path, server.base_url, "--recrawl", "all", "--attachments", "none")
    assert again["requisites"]["fetched"] > 20 and again["requisites"]["already_archived"] == 0
    main_css = next(v for k, v in captured(tmp_path).items() if "main.css" in k)
    assert main_css == [(200, "response"), (200, "revisit")]
    assert "attachments" not in again or not again["attachments"]


def test_none_fetches_no_requisites_and_a_new_build_is_fetched(tmp_path: Path, crawl) -> None:
    site = Site(articles=8, seed=6)
    with ReplicaServer(site) as server:
        bare = crawl(tmp_path / "bare", server.base_url, "--requisites", "none",
                     "--attachments", "none")  # fmt: skip
        assert asset_requests(server) == []
        assert bare["requisites"] == {} and bare["attachments"] == {}
        crawl(tmp_path / "full", server.base_url)
        before = set(asset_requests(server))
        server.set_version(2)  # a deploy: a new ?v= on the stylesheet and scripts
        server.requests.clear()
        later = crawl(tmp_path / "full", server.base_url)
        fetched = asset_requests(server)
    assert later["requisites"]["fetched"] > 0
    assert any("main.css?v=" in t for t in fetched)
    # What the first crawl archived (images, icons, PDFs) is not fetched again.
    assert set(fetched) & before <= {BIG_IMAGE}


def test_refused_by_robots_or_too_large_counts_as_skipped() -> None:
    ledger = ResourceLedger("http://127.0.0.1:1", set())
    requests = ResourceRequests(ledger, 10, 10)
    robots = Request("http://127.0.0.1:1/a.css", meta={KIND: Kind.REQUISITE})
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = robots  # type: ignore[attr-defined]
    requests.on_error(failure)
    large = Request(
        "http://127.0.0.1:1/a.pdf", meta={KIND: Kind.ATTACHMENT, "download_maxsize": 10}
    )
    failure = Failure(
        ValueError("Expected to receive 99 bytes which is larger than download max size (10)")
    )
    failure.request = large  # type: ignore[attr-defined]
    requests.on_error(failure)
    assert ledger.figures(Kind.REQUISITE)["skipped"] == {"robots-disallowed": 1}
    assert ledger.figures(Kind.ATTACHMENT)["skipped"] == {"too-large": 1}


@pytest.mark.parametrize(
    ("option", "size"),
    [("--requisites", "--requisite-max-size"), ("--attachments", "--attachment-max-size")],
)
def test_bad_choices_and_sizes_are_one_line_errors(
    tmp_path: Path, regarkiv, option: str, size: str
) -> None:
    result = regarkiv("crawl", "--data-dir", str(tmp_path), option, "some")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = regarkiv("crawl", "--data-dir", str(tmp_path), size, "0")
    assert result.returncode == 1 and result.stderr.strip().startswith("Error:")
    assert "Traceback" not in result.stderr
