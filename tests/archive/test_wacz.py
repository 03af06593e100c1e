"""``export_wacz``: a WACZ 1.1.1 file made from a real crawl of the replica, read back with
zipfile, and checked by py-wacz's validator (an implementation that is not ours)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tracemalloc
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from archive.datadir import DataDir
from archive.index.jobs import JobNotFound
from archive.index.store import Index
from archive.wacz import ExportError, Selection, export_wacz
from archive.wacz_pages import selected_files
from tests.support.index import URL
from tests.support.replay import CrawledReplica


def entries(wacz: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(wacz) as zf:
        return {info.filename: info for info in zf.infolist()}


def read(wacz: Path, name: str) -> bytes:
    with zipfile.ZipFile(wacz) as zf:
        return zf.read(name)


def pages_of(wacz: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in read(wacz, "pages/pages.jsonl").decode().splitlines()]


def query(data: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(data / "index.db") as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def whole(crawled_replica: CrawledReplica, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wacz") / "all.wacz"
    export_wacz(DataDir(crawled_replica.data), out)
    return out


def test_the_warc_files_are_stored_whole_and_byte_for_byte(
    crawled_replica: CrawledReplica, whole: Path
) -> None:
    warcs = sorted((crawled_replica.data / "warcs").glob("*.warc.gz"))
    found = entries(whole)
    archived = sorted(name for name in found if name.startswith("archive/"))
    assert archived == [f"archive/{path.name}" for path in warcs]
    for path in warcs:
        info = found[f"archive/{path.name}"]
        assert info.compress_type == zipfile.ZIP_STORED
        assert read(whole, info.filename) == path.read_bytes()
    for name in ("indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json"):
        assert found[name].compress_type == zipfile.ZIP_DEFLATED


def test_the_index_is_every_cdxj_line_of_those_files_in_order(
    crawled_replica: CrawledReplica, whole: Path
) -> None:
    ours = sorted(
        line
        for cdxj in (crawled_replica.data / "warcs").glob("*.cdxj")
        for line in cdxj.read_text().splitlines()
    )
    lines = read(whole, "indexes/index.cdxj").decode().splitlines()
    assert lines == ours and len(lines) > 40
    revisits = [line for line in lines if '"mime": "warc/revisit"' in line]
    assert revisits, "the second crawl's unchanged pages are revisit records"


def test_pages_name_every_article_and_listing_page_with_its_text(
    crawled_replica: CrawledReplica, whole: Path
) -> None:
    header, *pages = pages_of(whole)
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"} | {
        "hasText": True
    }
    articles = query(crawled_replica.data, "SELECT id FROM articles")
    by_url = {page["url"]: page for page in pages}
    assert len(by_url) == len(pages) == len(articles) + 2  # + page 1 of each listing
    site = crawled_replica.site
    for article_id in site.article_ids():  # live at version 2: its edits are in the text
        expected = site.expected(article_id, crawled_replica.base_url)
        page = by_url[expected.url]
        assert page["title"] == expected.title
        assert expected.body.split("\n\n")[-1] in page["text"]
        assert page["ts"].endswith("Z") and len(page["ts"]) == 20
    listing = by_url[crawled_replica.base_url + site.listing_path("no")]
    assert listing["title"].startswith("Nyheter og pressemeldinger")
    newest = site.expected(site.article_ids("no")[0]).title
    assert newest in listing["text"]


def test_a_page_captured_twice_within_one_second_is_its_later_capture(
    crawled_replica: CrawledReplica, tmp_path: Path
) -> None:
    """Capture times are whole seconds: two crawls within one (as this module's are, now
    and then) tie, and the capture written later is the latest, for listings and articles."""
    data = tmp_path / "data"
    shutil.copytree(crawled_replica.data, data)
    site = crawled_replica.site
    listing = crawled_replica.base_url + site.listing_path("no")
    with sqlite3.connect(data / "index.db") as conn:
        for column, value in (("url", listing), ("article_id", site.article_ids("no")[0])):
            conn.execute(
                f"UPDATE captures SET fetched_at = (SELECT max(fetched_at) FROM captures"
                f" WHERE {column} = ?) WHERE {column} = ?",
                (value, value),
            )
    out = tmp_path / "tied.wacz"
    export_wacz(DataDir(data), out)
    by_url = {page["url"]: page for page in pages_of(out)[1:]}
    newest = site.expected(site.article_ids("no")[0], crawled_replica.base_url)
    assert newest.title in by_url[listing]["text"]
    assert by_url[newest.url]["title"] == newest.title


def test_an_articles_page_is_its_latest_capture_with_the_revision_then(
    crawled_replica: CrawledReplica, whole: Path
) -> None:
    site = crawled_replica.site
    removed = sorted(site.removed_ids())[0]  # captured live only by the first crawl
    url, fetched = query(
        crawled_replica.data,
        "SELECT url, max(fetched_at) FROM captures WHERE article_id = ? AND status = 200",
        removed,
    )[0]
    page = next(page for page in pages_of(whole)[1:] if page["url"] == url)
    assert page["ts"] == fetched
    [(title, body)] = query(
        crawled_replica.data,
        "SELECT title, body FROM revisions WHERE article_id = ? AND captured_at <= ?"
        " ORDER BY revision DESC LIMIT 1",
        removed,
        fetched,
    )
    assert page["title"] == title and page["text"].endswith(str(body))


def test_datapackage_lists_every_file_with_its_hash_and_size(whole: Path) -> None:
    package = json.loads(read(whole, "datapackage.json"))
    assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
    assert package["software"].startswith("regarkiv ")
    assert package["created"].endswith("Z") and package["title"]
    paths = [resource["path"] for resource in package["resources"]]
    assert set(paths) == set(entries(whole)) - {"datapackage.json", "datapackage-digest.json"}
    for resource in package["resources"]:
        content = read(whole, resource["path"])
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    digest = json.loads(read(whole, "datapackage-digest.json"))
    expected = "sha256:" + hashlib.sha256(read(whole, "datapackage.json")).hexdigest()
    assert digest == {"path": "datapackage.json", "hash": expected}


def test_py_wacz_validates_it(whole: Path) -> None:
    wacz = Path(sys.executable).with_name("wacz")
    if not wacz.exists():
        pytest.fail("py-wacz (the dev extra's `wacz`) is not installed")
    result = subprocess.run(
        [str(wacz), "validate", "-f", str(whole)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded, the passed WACZ is valid" in result.stdout


def test_a_job_brings_its_files_and_those_of_its_revisits_originals(
    crawled_replica: CrawledReplica, tmp_path: Path
) -> None:
    data, (first, second) = crawled_replica.data, crawled_replica.jobs
    out = tmp_path / "first.wacz"
    report = export_wacz(DataDir(data), out, Selection(job_id=first[:-2]))  # a prefix names it
    first_files = {
        row[0] for row in query(data, "SELECT warc_file FROM captures WHERE job_id = ?", first)
    }
    assert {
        name.removeprefix("archive/") for name in entries(out) if "archive/" in name
    } == first_files
    assert report.selection == f"job {first}"
    urls = {page["url"] for page in pages_of(out)[1:]}
    assert urls == {
        row[0]
        for row in query(
            data,
            "SELECT DISTINCT c.url FROM captures c JOIN revisions r ON r.article_id = c.article_id"
            " WHERE c.job_id = ? AND c.status = 200",
            first,
        )
    } | {
        crawled_replica.base_url + crawled_replica.site.listing_path(lang) for lang in ("no", "en")
    }

    out = tmp_path / "second.wacz"
    export_wacz(DataDir(data), out, Selection(job_id=second))
    # Its revisits need the first crawl's records: both jobs' files are in.
    assert len([name for name in entries(out) if name.startswith("archive/")]) == 2


def test_since_a_date_after_every_capture_is_an_error(
    crawled_replica: CrawledReplica, tmp_path: Path
) -> None:
    out = tmp_path / "none.wacz"
    with pytest.raises(ExportError, match="nothing to export"):
        export_wacz(DataDir(crawled_replica.data), out, Selection(since=date(2999, 1, 1)))
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(JobNotFound):
        export_wacz(DataDir(crawled_replica.data), out, Selection(job_id="no-such-job"))


def test_a_file_changed_since_the_manifest_is_not_exported(
    crawled_replica: CrawledReplica, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(crawled_replica.data, data)
    warc = sorted((data / "warcs").glob("*.warc.gz"))[0]
    (data / "manifest-sha256.txt").write_text(f"{'0' * 64}  warcs/{warc.name}\n")
    out = tmp_path / "out" / "a.wacz"
    out.parent.mkdir()
    out.write_bytes(b"the earlier export")
    with pytest.raises(ExportError, match="changed since the manifest recorded it"):
        export_wacz(DataDir(data), out, force=True)
    assert out.read_bytes() == b"the earlier export"  # untouched, and no temporary file left
    assert [path.name for path in out.parent.iterdir()] == ["a.wacz"]


def test_memory_stays_flat_whatever_the_warc_files_size(
    crawled_replica: CrawledReplica, tmp_path: Path, noise
) -> None:
    """A 48 MB WARC file goes through the export without ever being held in memory."""
    data = tmp_path / "data"
    shutil.copytree(crawled_replica.data, data)
    big = data / "warcs" / "regarkiv-20000101000000-00000-big.warc.gz"
    with open(big, "wb") as fh:
        for seed in range(48):
            fh.write(noise(1_000_000, seed))  # not WARC, but the export copies bytes as they are
    big.with_suffix("").with_suffix(".cdxj").write_text("")
    tracemalloc.start()
    try:
        export_wacz(DataDir(data), tmp_path / "big.wacz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"peak Python allocations {peak:,} bytes"
    assert read(tmp_path / "big.wacz", f"archive/{big.name}") == big.read_bytes()


def test_a_selection_brings_the_files_of_its_captures_and_of_its_revisits_originals(
    tmp_path: Path, make_capture
) -> None:
    """Captures on 4, 6 and 8 July in three files; the last is a revisit of the first."""
    index = Index(tmp_path / "index.db")
    first = replace(make_capture(0), warc_file="a.warc.gz")
    second = replace(make_capture(48, URL + "?x"), warc_file="b.warc.gz")
    revisit = replace(
        make_capture(96), warc_file="c.warc.gz", record_type="revisit", refers_to=first.record_id
    )
    for capture, job in ((first, "job1"), (second, "job1"), (revisit, "job2")):
        index.add_capture(capture, job)
    index.commit()
    conn = index.conn

    def files(**selection: object) -> list[str]:
        return selected_files(conn, Selection(**selection))  # type: ignore[arg-type]

    assert files() == ["a.warc.gz", "b.warc.gz", "c.warc.gz"]
    assert files(since=date(2026, 7, 6)) == ["a.warc.gz", "b.warc.gz", "c.warc.gz"]
    assert files(since=date(2026, 7, 7)) == ["a.warc.gz", "c.warc.gz"]  # c's original is in a
    assert files(job_id="job1") == ["a.warc.gz", "b.warc.gz"]
    assert files(job_id="job1", since=date(2026, 7, 5)) == ["b.warc.gz"]
    assert files(since=date(2026, 7, 9)) == []
    index.close()
