"""The writer without a thread (the writer process's): the same bytes, the same failures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from archive.model import Capture, Exchange
from archive.warc.direct import DirectWarcWriter
from archive.warc.reader import iter_records
from archive.warc.series import WarcSeries, WarcWriteError
from archive.warc.writer import WarcWriter
from tests.support.warc import INFO, fixed_clock, fixed_ids

URLS = [f"https://www.regjeringen.no/no/aktuelt/sak-{n}/id{n}/" for n in range(1, 5)]


def _series(directory: Path) -> WarcSeries:
    return WarcSeries(directory, INFO, host="testhost", clock=fixed_clock, record_ids=fixed_ids())


def test_it_writes_the_bytes_the_threaded_writer_writes(
    tmp_path: Path, exchange: Callable[..., Exchange], make_writer: Callable[..., WarcWriter]
) -> None:
    with make_writer(tmp_path / "threaded") as threaded:
        for url in URLS:
            threaded.submit(exchange(url))
    seen: list[Capture] = []
    direct = DirectWarcWriter(_series(tmp_path / "direct"), lambda c, e: seen.append(c))
    for url in URLS:
        direct.submit(exchange(url))
    (written,) = direct.close()
    (expected,) = threaded.closed_files
    assert written.name == expected.name
    assert written.read_bytes() == expected.read_bytes()
    assert [c.url for c in seen] == URLS == [r.capture.url for r in iter_records(written)]


def test_a_write_error_stops_writing_and_the_file_is_still_closed(
    tmp_path: Path, exchange: Callable[..., Exchange]
) -> None:
    class FullDisk(WarcSeries):
        def write(self, ex: Exchange) -> Capture:
            if ex.url == URLS[1]:
                raise OSError(28, "No space left on device")
            return super().write(ex)

    direct = DirectWarcWriter(
        FullDisk(tmp_path, INFO, host="testhost", clock=fixed_clock, record_ids=fixed_ids())
    )
    direct.submit(exchange(URLS[0]))
    with pytest.raises(WarcWriteError, match="No space left"):
        direct.submit(exchange(URLS[1]))
    with pytest.raises(WarcWriteError, match="has failed"):
        direct.submit(exchange(URLS[2]))
    with pytest.raises(WarcWriteError, match="No space left"):
        direct.close()
    (closed,) = direct.series.closed_files
    assert [r.capture.url for r in iter_records(closed)] == URLS[:1]
    assert direct.close() == [closed]  # raises once


def test_a_bad_exchange_is_logged_and_writing_goes_on(
    tmp_path: Path, exchange: Callable[..., Exchange], caplog: pytest.LogCaptureFixture
) -> None:
    direct = DirectWarcWriter(_series(tmp_path))
    bad = replace(exchange(URLS[0]), status_line=b"HTTP/1.1 OK")  # no status code
    with caplog.at_level(logging.ERROR):
        direct.submit(bad)
        direct.submit(exchange(URLS[1]))
    (closed,) = direct.close()
    assert f"cannot write {URLS[0]}" in caplog.text
    assert [r.capture.url for r in iter_records(closed)] == URLS[1:2]
