"""The archiver process: WARC writing and the indexer feed, outside the crawl process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from archive.index.store import Index
from archive.pipeline import Archiver, _held_responses
from archive.warc.reader import iter_records
from archive.warc.writer import WarcWriteError


def test_what_is_submitted_is_written_and_indexed(
    tmp_path: Path, config, exchange, warcio_check
) -> None:
    archiver = Archiver(config(tmp_path))
    urls = [f"https://www.regjeringen.no/no/aktuelt/sak-{n}/id{n}/" for n in range(1, 6)]
    for url in urls:
        archiver.submit(exchange(url))
    report = archiver.close()
    assert report.error is None and report.ingest.fatal is None
    (warc,) = report.closed_files
    assert warc.exists() and warc.with_name(warc.name.replace(".warc.gz", ".cdxj")).exists()
    assert [r.capture.url for r in iter_records(warc)] == urls  # in submission order
    assert warcio_check(warc).returncode == 0
    # The test page is no article template: each is indexed as a capture and counted.
    assert report.ingest.counts["not_article"] == 5
    with Index.open_readonly(tmp_path / "index.db") as index:
        assert index.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 5
    assert archiver.close() is report  # closing twice is harmless


def test_an_earlier_capture_of_the_same_payload_becomes_a_revisit(
    tmp_path: Path, config, exchange
) -> None:
    first = Archiver(config(tmp_path))
    first.submit(exchange())
    first.close()
    second = Archiver(config(tmp_path))
    second.submit(exchange())
    (warc,) = second.close().closed_files
    (record,) = iter_records(warc)
    assert record.capture.record_type == "revisit"


def test_a_write_failure_reaches_the_crawl(tmp_path: Path, config, exchange) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the WARC directory should be")
    archiver = Archiver(config(tmp_path, warc_dir=blocked))
    deadline = time.monotonic() + 60
    with pytest.raises(WarcWriteError, match="not-a-dir"):  # noqa: PT012 (asynchronous)
        while time.monotonic() < deadline:
            archiver.submit(exchange())
            time.sleep(0.05)
    report = archiver.close()
    assert report.error and "not-a-dir" in report.error
    assert report.closed_files == []


def test_it_dies_with_a_killed_crawl(tmp_path: Path, root) -> None:
    """kill -9 of the crawl must not leave a writer behind the data directory's lock."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys, time
        from pathlib import Path
        from tests.support.warc import archiver_config as config, exchange
        from archive.pipeline import Archiver
        archiver = Archiver(config(Path({str(tmp_path)!r})))
        archiver.submit(exchange())
        print(archiver._process.pid, flush=True)
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: its parent (gone) never reaped it.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_writer_process_that_dies_stops_the_crawl_with_a_write_error(
    tmp_path: Path, config, exchange
) -> None:
    archiver = Archiver(config(tmp_path))
    archiver.submit(exchange())
    os.kill(archiver._process.pid, 9)
    archiver._process.join(30)
    with pytest.raises(WarcWriteError, match="stopped|died"):  # noqa: PT012 (a few may fit)
        for _ in range(1000):
            archiver.submit(exchange())
    report = archiver.close()
    assert report.error


def test_the_next_crawl_indexes_what_a_dead_writer_left_in_an_open_file(
    tmp_path: Path, exchange, make_writer
) -> None:
    """The file is repaired at the next start; its records reach the index too."""
    from archive.recovery import recover_jobs
    from archive.warc.repair import repair_open_files

    warcs = tmp_path / "warcs"
    writer = make_writer(warcs)
    for n in range(3):
        writer.write(exchange(f"https://www.regjeringen.no/no/aktuelt/sak/id{n + 1}/"))
    # No close: the writer's process died with the file open and nothing indexed.
    (open_file,) = warcs.glob("*.open")
    repaired = [r.warc_path.name for r in repair_open_files(warcs) if r.warc_path]
    assert repaired == [open_file.name.removesuffix(".open")]
    index = Index(tmp_path / "index.db")
    try:
        assert recover_jobs(index, warcs, repaired) == 3
        assert index.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 3
        assert recover_jobs(index, warcs, []) == 0  # nothing crashed, nothing repaired
    finally:
        index.close()


def test_a_crawl_that_never_closes_still_exits_and_keeps_what_it_wrote(
    tmp_path: Path, root
) -> None:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from tests.support.warc import archiver_config as config, exchange
        from archive.pipeline import Archiver
        archiver = Archiver(config(Path({str(tmp_path)!r})))
        archiver.submit(exchange())
        raise SystemExit(3)  # a crash: close() is never called
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3, done.stderr
    (warc,) = (tmp_path / "warcs").glob("*.warc.gz")  # closed, not left .open
    assert [r.capture.record_type for r in iter_records(warc)] == ["response"]


@pytest.mark.parametrize("module", ["archive.pipeline", "crawler.run"])
def test_the_crawl_and_writer_processes_start_without_extraction(module: str, root) -> None:
    """Only the indexer process extracts: the others are spared importing it (~0.08 s)."""
    script = (
        f"import sys, {module}\n"
        "heavy = ['archive.ingest', 'archive.reindex', 'archive.extract.documents', 'pypdfium2']\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_revisits_are_looked_up_only_where_the_index_held_a_response(
    tmp_path: Path, make_capture
) -> None:
    """A revisit refers to a 2xx response: an index that held none when the crawl began
    (a first crawl) is not asked, and the writer process does not open it."""
    path = tmp_path / "index.db"
    assert _held_responses(path)  # no index: the full open says so (and logs it)
    with Index(path) as index:
        assert not _held_responses(path)
        index.add_capture(make_capture(1, status=404), "job1")
        index.commit()
        assert not _held_responses(path)
        index.add_capture(make_capture(2), "job1")
        index.commit()
        assert _held_responses(path)
    path.write_bytes(b"not a database" * 100)
    assert _held_responses(path)


def test_the_writer_process_starts_without_the_index_code(root) -> None:
    script = "import sys, archive.pipeline; print('archive.index.store' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "False", done.stderr
