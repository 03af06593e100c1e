"""Completeness checks each page for the kinds of reference its crawl fetched."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

import archive.completeness as completeness_module
from archive.datadir import DataDir
from archive.verify import verify
from replica.server import ReplicaServer
from replica.site import Site


@pytest.fixture(scope="module")
def text_only(tmp_path_factory: pytest.TempPathFactory, crawl) -> Path:
    """A replica crawled with neither requisites nor attachments."""
    data = tmp_path_factory.mktemp("text-only")
    with ReplicaServer(Site(articles=8, seed=31)) as server:
        crawl(data, server.base_url, "--requisites", "none", "--attachments", "none")
    return data


def html_pages(data: Path) -> int:
    conn = sqlite3.connect(data / "index.db")
    try:
        query = (
            "SELECT count(DISTINCT url) FROM captures WHERE record_type = 'response'"
            " AND status BETWEEN 200 AND 299 AND content_type LIKE '%html%'"
        )
        return int(conn.execute(query).fetchone()[0])
    finally:
        conn.close()


def test_a_text_only_crawl_is_not_read_or_listed_as_missing(
    text_only: Path, regarkiv, monkeypatch
) -> None:
    reads = []
    real_read = completeness_module.read_record_at
    monkeypatch.setattr(
        completeness_module,
        "read_record_at",
        lambda *args: reads.append(args) or real_read(*args),
    )
    found = verify(DataDir(text_only)).completeness
    assert found is not None and reads == []
    pages = html_pages(text_only)
    assert pages > 8 and found.unchecked == pages
    assert (found.pages, found.references, found.missing) == (0, 0, {})
    shown = regarkiv("verify", "--data-dir", str(text_only))
    assert shown.returncode == 0, shown.stdout
    assert f"completeness: {pages} pages not checked" in shown.stdout
    assert "MISSING" not in shown.stdout
    report = json.loads(regarkiv("verify", "--data-dir", str(text_only), "--json").stdout)
    assert report["completeness"]["unchecked_pages"] == pages


def test_a_job_without_these_settings_is_checked_for_both(text_only: Path, tmp_path: Path) -> None:
    older = tmp_path / "older"
    shutil.copytree(text_only, older)
    conn = sqlite3.connect(older / "index.db")
    with conn:
        conn.execute("UPDATE jobs SET settings = ?", ('{"base_url": "x"}',))
    conn.close()
    found = verify(DataDir(older)).completeness
    assert found is not None and found.unchecked == 0
    assert found.pages == html_pages(older) and found.archived == 0
    kinds = {m.kind for missing in found.missing.values() for m in missing}
    assert kinds == {"requisite", "attachment"}


def test_pages_are_checked_for_the_kind_their_crawl_fetched(tmp_path: Path, crawl) -> None:
    with ReplicaServer(Site(articles=12, seed=32)) as server:
        crawl(tmp_path, server.base_url, "--requisites", "none")
    found = verify(DataDir(tmp_path)).completeness
    assert found is not None and found.unchecked == 0
    assert found.pages == html_pages(tmp_path)
    # Attachments were fetched and are counted; the requisites were never asked for.
    assert found.references > 0 and found.archived == found.references
    assert found.missing == {}
