"""CPU of the WARC writer process and its hand-offs, fed the same exchanges each round.

    python benchmarks/writer_bench.py make FILE [--articles 1500]
    python benchmarks/writer_bench.py run FILE [--rounds 3]

``make`` crawls a replica of N articles (pages only) with ``regarkiv crawl`` and keeps its
exchanges, rebuilt from the WARC files it wrote (request head, status line, headers and
body as they were on the wire), in FILE. ``run`` feeds them, in order, to the crawl's
``Archiver`` (archive/pipeline.py: the writer process and its indexer process, on a fresh
data directory) as the crawl's capture middleware does, and reports CPU time per exchange:
the submitting thread (pickling and sending: the crawl's share), the writer process, the
indexer process. The writer and indexer are children of this process: their sum is exact
(``RUSAGE_CHILDREN``); the indexer's alone is read from /proc every 10 ms, so the writer's
may hold up to ~10 ms of the indexer's last moments. ``run`` works with any tree's code
(whatever ``archive`` the interpreter imports), so two trees can be compared on one FILE.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_TICK = os.sysconf("SC_CLK_TCK")


def make(path: Path, articles: int) -> int:
    # Imported here: ``run`` must import only what the measured tree's code imports.
    from archive.model import Exchange
    from archive.warc.members import iter_members
    from archive.warc.records import parse_http, parse_record, parse_warc_date
    from benchmarks.crawl_bench import warm
    from replica.server import ReplicaServer
    from replica.site import Site

    site = Site(articles=articles, seed=1, cache_size=articles + 1000)
    exchanges: list[Exchange] = []
    with ReplicaServer(site) as server, tempfile.TemporaryDirectory() as work:
        warm(site, server.base_url)
        command = [
            sys.executable, "-m", "regarkiv", "crawl", "--data-dir", work,
            "--base-url", server.base_url, "--delay", "0", "--concurrency", "32",
            "--requisites", "none", "--attachments", "none",
        ]  # fmt: skip
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        for warc in sorted((Path(work) / "warcs").glob("*.warc.gz")):
            response = None
            with open(warc, "rb") as fh:
                for member in iter_members(fh):
                    assert member.data is not None
                    record = parse_record(member.data)
                    if record.record_type == "response":
                        response = record
                    elif record.record_type == "request" and response is not None:
                        http = parse_http(response.block)
                        exchanges.append(
                            Exchange(
                                url=response.header("WARC-Target-URI") or "",
                                request_head=record.block,
                                status_line=http.first_line,
                                response_headers=http.headers,
                                body=http.body,
                                fetched_at=parse_warc_date(response.header("WARC-Date") or ""),
                                ip_address=response.header("WARC-IP-Address"),
                            )
                        )
                        response = None
    path.write_bytes(pickle.dumps(exchanges, protocol=pickle.HIGHEST_PROTOCOL))
    print(f"{len(exchanges)} exchanges in {path}")
    return 0


def _cpu(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def one_round(exchanges: list[Any]) -> dict[str, float]:
    from archive.datadir import DataDir
    from archive.pipeline import Archiver, ArchiverConfig
    from archive.warc.exchange import WarcInfo

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as work:
        data = DataDir(Path(work))
        data.ensure_writable()
        data.open_index().close()
        info = WarcInfo("regarkiv/bench", "bench", "bench", "bench", "obey", "http://127.0.0.1")
        config = ArchiverConfig(data.warcs, info, "bench", 1 << 30, 6, data.index_path, None)
        indexer_cpu: dict[int, float] = {}
        done = threading.Event()
        start = time.perf_counter()
        archiver = Archiver(config)
        writer_pid = archiver._process.pid

        def sample() -> None:
            while not done.is_set():
                for child in _children(writer_pid):
                    if (cpu := _cpu(child)) is not None:
                        indexer_cpu[child] = cpu
                done.wait(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        submit_start = time.thread_time()
        for exchange in exchanges:
            archiver.submit(exchange)
        submit_cpu = time.thread_time() - submit_start
        report = archiver.close()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        assert report.error is None and not report.ingest.fatal, report
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    indexer = sum(indexer_cpu.values())
    return {
        "submit_s": submit_cpu,
        "writer_s": children - indexer,
        "indexer_s": indexer,
        "wall_s": wall,
    }


def run(path: Path, rounds: int) -> int:
    exchanges = pickle.loads(path.read_bytes())
    load = os.getloadavg()[0]
    results = []
    for _ in range(rounds):
        results.append(one_round(exchanges))
    n = len(exchanges)
    print(f"{n} exchanges, {rounds} rounds, load average {load:.2f} -> {os.getloadavg()[0]:.2f}")
    for key in ("submit_s", "writer_s", "indexer_s", "wall_s"):
        per = [1000 * r[key] / n for r in results]
        figures = " / ".join(f"{v:.3f}" for v in per)
        print(f"  {key[:-2]:8} ms a page: {figures}  (median {statistics.median(per):.3f})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("make", "run"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--articles", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.mode == "make":
        return make(args.file, args.articles)
    return run(args.file, args.rounds)


if __name__ == "__main__":
    # ``run`` measures whichever tree the interpreter's ``archive`` is; ``make`` needs the
    # replica and the other benchmarks, from this tree.
    if sys.argv[1:2] == ["make"] and str(ROOT) not in sys.path:
        sys.path.insert(1, str(ROOT))
    sys.exit(main())
