"""CDXJ files must be what pywb's own indexer writes for the same WARC."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from archive.warc.cdxj import cdxj_path, write_cdxj
from tests.support.warc import FETCHED


def pywb_cdxj(warc: Path) -> str:
    indexer = pytest.importorskip("pywb.indexer.cdxindexer", reason="pywb is not installed")
    out = io.BytesIO()
    with open(warc, "rb") as fh:
        indexer.write_cdx_index(out, fh, warc.name, cdxj=True, sort=True)
    return out.getvalue().decode("utf-8")


@pytest.fixture
def mixed_crawl(exchange, make_writer) -> Callable[[Path], Path]:
    """Responses, revisits, errors, redirects, odd URLs: what a crawl writes."""

    def write(directory: Path) -> Path:
        later = FETCHED + timedelta(days=1)
        with make_writer(directory) as writer:
            writer.write(exchange("https://www.regjeringen.no/no/aktuelt/id2/?b=2&a=1"))
            writer.write(exchange("https://www.regjeringen.no/no/aktuelt/id1/"))
            writer.write(exchange("https://www.regjeringen.no/no/aktuelt/id1/", fetched_at=later))
            writer.write(
                exchange("https://www.regjeringen.no/no/dokumenter/blåbok/id3/", body=b"%PDF-1.7")
            )
            writer.write(
                exchange(
                    "https://www.regjeringen.no/no/gammel/id4/",
                    status_line=b"HTTP/1.1 301 Moved Permanently",
                    body=b"",
                    headers=((b"Location", b"https://www.regjeringen.no/no/id4/"),),
                )
            )
            writer.write(
                exchange(
                    "https://www.regjeringen.no/no/borte/id5/",
                    status_line=b"HTTP/1.1 404 Not Found",
                    body=b"<h1>Fant ikke siden</h1>",
                    headers=((b"Content-Type", b"text/html;charset=UTF-8"),),
                )
            )
        return writer.closed_files[0]

    return write


def test_writer_cdxj_equals_pywb_cdx_indexer(tmp_path: Path, mixed_crawl) -> None:
    warc = mixed_crawl(tmp_path)
    ours = cdxj_path(warc).read_text(encoding="utf-8")
    assert ours == pywb_cdxj(warc)
    lines = ours.splitlines()
    assert len(lines) == 6  # response and revisit records only, not requests or warcinfo
    assert lines == sorted(lines)
    assert any('"mime": "warc/revisit"' in line for line in lines)


def test_write_cdxj_from_the_file_equals_the_writers_own(tmp_path: Path, mixed_crawl) -> None:
    warc = mixed_crawl(tmp_path)
    index = cdxj_path(warc)
    from_writer = index.read_text(encoding="utf-8")
    index.unlink()
    assert write_cdxj(warc) == index
    assert index.read_text(encoding="utf-8") == from_writer


def test_cdxj_line_shape(tmp_path: Path, exchange, make_writer) -> None:
    with make_writer(tmp_path) as writer:
        capture = writer.write(exchange("https://www.regjeringen.no/no/aktuelt/id1/"))
    (line,) = cdxj_path(writer.closed_files[0]).read_text().splitlines()
    assert line == (
        "no,regjeringen)/no/aktuelt/id1 20240506070809 "
        '{"url": "https://www.regjeringen.no/no/aktuelt/id1/", "mime": "text/html", '
        f'"status": "200", "digest": "{capture.payload_digest[5:]}", '
        f'"length": "{capture.length}", "offset": "{capture.offset}", '
        f'"filename": "{capture.warc_file}"}}'
    )


def test_cdxj_path_sits_next_to_the_warc() -> None:
    warc = Path("/data/warcs/regarkiv-20240506070000-00000-host.warc.gz")
    assert cdxj_path(warc) == Path("/data/warcs/regarkiv-20240506070000-00000-host.cdxj")
    assert cdxj_path(Path(str(warc) + ".open")) == cdxj_path(warc)


def test_a_link_planted_as_the_partial_cdxj_is_not_written_through(
    tmp_path: Path, mixed_crawl
) -> None:
    """Issue 9, item 10: the temporary CDXJ file is created anew, never opened through a link."""
    warc = mixed_crawl(tmp_path / "warcs")
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    index = cdxj_path(warc)
    from_writer = index.read_text(encoding="utf-8")
    index.unlink()
    index.with_name(index.name + ".tmp").symlink_to(outside)
    write_cdxj(warc)
    assert outside.read_text() == "not yours\n"
    assert index.read_text(encoding="utf-8") == from_writer
    assert not index.with_name(index.name + ".tmp").exists()
