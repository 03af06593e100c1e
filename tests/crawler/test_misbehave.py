"""A crawl against the misbehaving replica completes with valid WARCs and a consistent index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")


def test_crawl_survives_every_kind_of_fault(tmp_path: Path, crawl, regarkiv, warcio_check) -> None:
    site = replica_site.Site(articles=90, seed=8)
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        ids = site.article_ids()
        # Transient faults on a seeded fraction of article requests: retries get them.
        server.faults.misbehave(rate=0.3, seed=4, delay=0.3, retry_after=1)
        # And one of each permanent kind.
        server.faults.add(ids[0], "challenge", count=None)
        server.faults.add(ids[1], "malformed", count=None)
        server.faults.add(ids[2], "offsite-redirect", count=None)
        server.faults.add(ids[3], "500", count=None)
        summary = crawl(tmp_path, server.base_url, "--concurrency", "8", timeout=300)
        applied = {fault.kind for fault in server.faults.applied}
    assert {"challenge", "malformed", "offsite-redirect", "500"} <= applied
    assert len(applied) >= 6, applied
    failures = summary["failures"]
    assert failures.get("challenge-403") == 1
    assert failures.get("http-500") == 1
    assert failures.get("offsite-redirect") == 1
    conn = sqlite3.connect(tmp_path / "index.db")
    indexed = {row[0] for row in conn.execute("SELECT id FROM articles")}
    # Everything but the permanently failing articles is in; malformed HTML is
    # still an article page (or a counted fallback), never a crash.
    assert set(ids) - {ids[0], ids[2], ids[3]} - indexed <= {ids[1]}
    assert ids[0] not in indexed and ids[3] not in indexed
    # Consistency: every revision points at a 200 capture of its own article.
    orphans = conn.execute(
        "SELECT count(*) FROM revisions r JOIN captures c ON c.id = r.capture_id"
        " WHERE c.status != 200 OR c.article_id != r.article_id"
    ).fetchone()[0]
    assert orphans == 0
    for warc in (tmp_path / "warcs").glob("*.warc.gz"):
        assert warcio_check(warc).returncode == 0
    jobs = regarkiv("jobs", "show", summary["job_id"], "--data-dir", str(tmp_path), "--json")
    assert '"challenge-403": 1' in jobs.stdout
    assert regarkiv("verify", "--data-dir", str(tmp_path)).returncode == 0
