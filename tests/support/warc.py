"""WARC exchanges, writers and the archiver, built the same way in tests and in the child
processes they start: a realistic gzip'd regjeringen.no page, fixed dates and record ids."""

from __future__ import annotations

import gzip
import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from archive.index.store import Index
from archive.model import Exchange
from archive.pipeline import ArchiverConfig
from archive.warc.writer import WarcInfo, WarcWriter

FETCHED = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
INFO = WarcInfo(
    software="regarkiv/0.1.0",
    job_id="job-20240506",
    operator="Arkivet <arkiv@example.org>",
    user_agent="regarkiv/0.1.0 (+mailto:arkiv@example.org)",
    robots="obey",
    base_url="https://www.regjeringen.no",
    description="test crawl",
    settings=(("crawl-settings", "delay=1.0 concurrency=2"),),
)

ARTICLE_TEXT = "Regjeringen styrker beredskapen i nord"
ARTICLE_HTML = f"""<!DOCTYPE html>
<html lang="no"><head><meta charset="utf-8"><title>{ARTICLE_TEXT} - regjeringen.no</title></head>
<body><main><article class="article">
<h1>{ARTICLE_TEXT}</h1>
<p class="article-ingress">Regjeringen legger fram en ny plan for sivil beredskap.</p>
{
    "<p>Planen omfatter tiltak for kommunene, fylkene og statlige etater. Økt øvelse og "
    "bedre samordning skal gjøre samfunnet mer robust.</p>" * 40
}
</article></main></body></html>
""".encode()


def exchange(
    url: str = "https://www.regjeringen.no/no/aktuelt/beredskap/id2950000/",
    body: bytes | None = None,
    *,
    status_line: bytes = b"HTTP/1.1 200 OK",
    headers: tuple[tuple[bytes, bytes], ...] | None = None,
    fetched_at: datetime = FETCHED,
) -> Exchange:
    """A realistic regjeringen.no exchange: gzip'd HTML, as it came over the wire."""
    if body is None:
        body = gzip.compress(ARTICLE_HTML, mtime=0)
    if headers is None:
        headers = (
            (b"Date", b"Mon, 06 May 2024 07:08:09 GMT"),
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Content-Encoding", b"gzip"),
            (b"Content-Length", str(len(body)).encode()),
            (b"Cache-Control", b"private"),
        )
    path = url.split("regjeringen.no", 1)[-1] or "/"
    return Exchange(
        url=url,
        request_head=(
            f"GET {path} HTTP/1.1\r\nHost: www.regjeringen.no\r\n"
            "User-Agent: regarkiv/0.1.0\r\nAccept-Encoding: gzip, deflate\r\n\r\n"
        ).encode(),
        status_line=status_line,
        response_headers=headers,
        body=body,
        fetched_at=fetched_at,
        ip_address="127.0.0.1",
    )


def noise(size: int, seed: int = 0) -> bytes:
    """Bytes gzip cannot shrink, like an already gzip'd page."""
    return random.Random(seed).randbytes(size)


def fixed_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(counter):012d}>"


def fixed_clock() -> datetime:
    return datetime(2024, 5, 6, 7, 0, 0, tzinfo=UTC)


def make_writer(directory: Path, **options: object) -> WarcWriter:
    options = {"host": "testhost", "clock": fixed_clock, "record_ids": fixed_ids(), **options}
    return WarcWriter(directory, INFO, **options)  # type: ignore[arg-type]


def archiver_config(tmp_path: Path, warc_dir: Path | None = None) -> ArchiverConfig:
    """An archiver writing to ``tmp_path``/warcs and indexing into ``tmp_path``/index.db."""
    Index(tmp_path / "index.db").close()
    return ArchiverConfig(
        warc_dir=warc_dir or tmp_path / "warcs",
        warcinfo=INFO,
        host="testhost",
        max_size=1_000_000_000,
        gzip_level=6,
        index_path=tmp_path / "index.db",
        job_id="job-1",
    )
