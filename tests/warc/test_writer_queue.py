"""The WARC writer's hand-off from the crawl: on_written, back-pressure, waking an idle
writer, submits racing close, a crashed writer thread."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import pytest

from archive.model import Capture, Exchange
from archive.warc import file as warc_file
from archive.warc import writer as warc_writer
from archive.warc.series import WarcSeries
from archive.warc.writer import WarcWriteError, WarcWriter, WriterClosed


def url(n: int) -> str:
    return f"https://www.regjeringen.no/no/aktuelt/id{n}/"


@pytest.fixture
def written_urls(warcio_records) -> Callable[[Path], list[str]]:
    return lambda path: [
        r.rec_headers.get_header("WARC-Target-URI")
        for r, _ in warcio_records(path)
        if r.rec_type == "response"
    ]


def test_on_written_runs_on_the_writer_thread_once_the_record_is_in_the_file(
    tmp_path: Path,
    exchange,
    make_writer,
) -> None:
    seen: list[tuple[str, Capture, Exchange, bool, int]] = []
    futures: list[Future[Capture]] = []

    def on_written(capture: Capture, ex: Exchange) -> None:
        (path,) = tmp_path.glob("*.open")
        done = futures[len(seen)].done()
        seen.append((threading.current_thread().name, capture, ex, done, path.stat().st_size))

    exchanges = [exchange(url(n)) for n in range(3)]
    with make_writer(tmp_path, on_written=on_written) as writer:
        for ex in exchanges:
            futures.append(writer.submit(ex))
        captures = [future.result(10) for future in futures]
    assert [thread for thread, *_ in seen] == ["regarkiv-warc-writer"] * 3
    assert [capture for _, capture, *_ in seen] == captures
    assert [ex for _, _, ex, *_ in seen] == exchanges  # the very objects submitted
    assert not any(done for *_, done, _ in seen)  # called before the future resolves
    for (*_, size), capture in zip(seen, captures, strict=True):
        assert size >= capture.offset + capture.length  # the record is in the file already


def test_a_failing_on_written_is_logged_and_writing_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, exchange, make_writer, written_urls
) -> None:
    def on_written(capture: Capture, ex: Exchange) -> None:
        raise RuntimeError("index unavailable")

    with caplog.at_level(logging.ERROR), make_writer(tmp_path, on_written=on_written) as writer:
        captures = [writer.write(exchange(url(n))) for n in range(3)]
    assert [c.record_type for c in captures] == ["response"] * 3
    assert caplog.text.count("on_written failed") == 3
    assert "index unavailable" in caplog.text
    assert written_urls(writer.closed_files[0]) == [url(n) for n in range(3)]


def test_a_slow_writer_holds_the_submitter_back_and_keeps_the_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange, make_writer, written_urls
) -> None:
    gate = threading.Event()
    original_write = warc_file._write_all

    def slow_write(fd: int, data: bytes) -> None:
        gate.wait(10)
        original_write(fd, data)

    monkeypatch.setattr(warc_file, "_write_all", slow_write)
    writer = make_writer(tmp_path, queue_size=2)
    futures: list[Future[Capture]] = []
    submitter = threading.Thread(
        target=lambda: futures.extend(writer.submit(exchange(url(n))) for n in range(20))
    )
    submitter.start()
    submitter.join(0.5)
    # Held back: two waiting, at most one being written (the warcinfo record blocks it).
    assert submitter.is_alive()
    assert len(writer._pending) <= 2
    gate.set()
    submitter.join(10)
    assert not submitter.is_alive()
    writer.close()
    assert [f.result(0).url for f in futures] == [url(n) for n in range(20)]
    assert written_urls(writer.closed_files[0]) == [url(n) for n in range(20)]


def test_an_idle_writer_sleeps_and_the_next_submit_wakes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange, make_writer
) -> None:
    monkeypatch.setattr(warc_writer, "POLL_S", 0.001)
    monkeypatch.setattr(warc_writer, "LINGER_POLLS", 2)
    with make_writer(tmp_path) as writer:
        for n in range(3):
            deadline = time.monotonic() + 5
            while writer._wake_at != 1:  # asleep: the next submit must wake it
                assert time.monotonic() < deadline, "the writer never went to sleep"
                time.sleep(0.001)
            assert writer.submit(exchange(url(n))).result(5).url == url(n)


def test_a_lingering_writer_picks_up_submits_without_a_wake_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange, make_writer
) -> None:
    monkeypatch.setattr(warc_writer, "LINGER_POLLS", 1_000_000)  # never falls asleep
    wake_ups = []
    original = WarcWriter._wake_writer
    with make_writer(tmp_path) as writer:
        writer.write(exchange(url(0)))
        monkeypatch.setattr(
            WarcWriter, "_wake_writer", lambda self: wake_ups.append(1) or original(self)
        )
        futures = [writer.submit(exchange(url(n))) for n in range(1, 4)]
        assert [f.result(5).url for f in futures] == [url(n) for n in range(1, 4)]
        assert wake_ups == []


def test_flush_waits_for_everything_submitted(tmp_path: Path, exchange, make_writer) -> None:
    with make_writer(tmp_path) as writer:
        futures = [writer.submit(exchange(url(n))) for n in range(10)]
        writer.flush()
        assert all(f.done() for f in futures)
        (path,) = tmp_path.glob("*.open")
        last = futures[-1].result()
        assert path.stat().st_size > last.offset + last.length  # its request record too


@pytest.fixture
def submit_until_refused(exchange) -> Callable[..., None]:
    def submit(
        writer: WarcWriter, first: int, returned: list[Future[Capture]], refused: list[Exception]
    ) -> None:
        for n in range(first, first + 10_000):
            try:
                returned.append(writer.submit(exchange(url(n), body=b"x" * 100)))
            except WriterClosed as error:
                refused.append(error)
                return

    return submit


@pytest.mark.parametrize("pause", [0.0, 0.01, 0.03, 0.06])
def test_submits_racing_close_are_written_or_refused(
    tmp_path: Path, pause: float, make_writer, warcio_check, written_urls, submit_until_refused
) -> None:
    writer = make_writer(tmp_path, queue_size=4)
    returned: list[Future[Capture]] = []
    refused: list[Exception] = []
    threads = [
        threading.Thread(target=submit_until_refused, args=(writer, k, returned, refused))
        for k in (0, 10_000)
    ]
    for thread in threads:
        thread.start()
    time.sleep(pause)
    writer.close()
    for thread in threads:
        thread.join(10)
    assert len(refused) == 2  # both submitters were told, none hangs
    written = set()
    for future in returned:  # every future resolves: written, or refused by close
        with contextlib.suppress(WriterClosed):
            written.add(future.result(10).url)
    assert {u for path in writer.closed_files for u in written_urls(path)} == written
    for path in writer.closed_files:
        assert warcio_check(path).returncode == 0


def test_a_submit_from_a_callback_on_a_full_queue_does_not_deadlock(
    tmp_path: Path, exchange, make_writer
) -> None:
    more: list[Future[Capture]] = []

    def on_written(capture: Capture, ex: Exchange) -> None:
        if capture.url == url(0):  # the writer is busy here, so the queue stays full
            more.extend(writer.submit(exchange(url(n))) for n in (1, 2, 3))

    writer = make_writer(tmp_path, queue_size=1, on_written=on_written)
    writer.write(exchange(url(0)))
    writer.close()
    assert [f.result(0).url for f in more] == [url(n) for n in (1, 2, 3)]


def test_a_crashed_writer_thread_fails_every_future_and_later_calls(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exchange,
    make_writer,
    warcio_check,
    written_urls,
) -> None:
    class Bug(BaseException):
        pass

    gate = threading.Event()
    original = WarcSeries.write

    def crash_on_third(self: WarcSeries, ex: Exchange) -> Capture:
        gate.wait(10)
        if ex.url == url(2):
            raise Bug("a bug in the writer")
        return original(self, ex)

    monkeypatch.setattr(WarcSeries, "write", crash_on_third)
    writer = make_writer(tmp_path)
    futures = [writer.submit(exchange(url(n))) for n in range(6)]
    gate.set()
    assert [f.result(10).url for f in futures[:2]] == [url(0), url(1)]
    for future in futures[2:]:
        with pytest.raises(WarcWriteError, match="writer thread failed"):
            future.result(10)
    with pytest.raises(WarcWriteError):
        writer.submit(exchange(url(9)))
    with pytest.raises(WarcWriteError):
        writer.close()
    (path,) = writer.closed_files
    assert written_urls(path) == [url(0), url(1)]
    assert warcio_check(path).returncode == 0


def test_a_held_back_submitter_is_woken_once_room_is_made_not_per_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange, make_writer
) -> None:
    original_write = warc_file._write_all

    def slow_write(fd: int, data: bytes) -> None:
        time.sleep(0.001)
        original_write(fd, data)

    monkeypatch.setattr(warc_file, "_write_all", slow_write)
    writer = make_writer(tmp_path, queue_size=16)  # room is made 4 records at a time
    waits: list[float] = []
    wait = writer._space.wait

    def counted_wait(timeout: float | None = None) -> bool:
        waits.append(timeout or 0.0)
        return wait(timeout)

    writer._space.wait = counted_wait
    start = time.monotonic()
    futures = [writer.submit(exchange(url(n))) for n in range(200)]
    writer.close()
    # Woken by the writer (the 1 s timeout is only a safety net), and at most once per
    # 4 records made room for, not once per record.
    assert time.monotonic() - start < 5
    assert 0 < len(waits) <= 200 // 4 + 5
    assert [f.result(0).url for f in futures] == [url(n) for n in range(200)]
