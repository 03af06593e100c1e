"""The web interface's latency: pages measured server-side (through Datasette's ASGI client,
so routing, reading and rendering count) over a synthetic archive, and the diff page of a
5,000-word article rendered in Chromium.

    python benchmarks/web_bench.py [N_REVISIONS] [--index DIR] [--no-browser]
        (default 100000 revisions; --index keeps the archive in DIR for the next run)

Targets (issue 11): p95 ≤ 50 ms for the article, diff and search pages and ≤ 100 ms for the
front page at 100,000 revisions; the 5,000-word diff fully rendered (load event) ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.datadir import DataDir
from archive.index.store import Index
from archive.model import Article, Capture
from benchmarks.search_bench import build_index
from benchmarks.zipf_corpus import Corpus
from regarkiv.web.app import make_datasette
from regarkiv.web.context import close

REPLAY = "http://127.0.0.1:9/regarkiv/"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


async def _time_pages(datasette: Any, paths: list[str]) -> dict[str, float]:
    """Wall-clock percentiles, and the process's CPU time per request (every thread: the
    pages read in worker threads), which a loaded machine does not inflate."""
    samples, cpu = [], []
    for path in paths:
        start, start_cpu = time.perf_counter(), time.process_time()
        response = await datasette.client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    by_cpu = {f"cpu_{key}": value for key, value in _percentiles(cpu).items()}
    return {**_percentiles(samples), **by_cpu, "requests": len(paths)}


def _articles(root: Path, n_revisions: int) -> list[Article]:
    """The archive's articles (first revisions): built at ``root`` unless an earlier run of
    the same size left its index there (``--index``)."""
    built = root / f"built-{n_revisions}"
    if built.exists() and (root / "index.db").exists():
        corpus = Corpus(random.Random(n_revisions), n_articles=max(1, int(n_revisions * 0.8)))
        return [corpus.article(number) for number in range(corpus.n_articles)]
    for stale in root.glob("index.db*"):
        stale.unlink()
    articles = build_index(root / "index.db", n_revisions)
    built.touch()
    return articles


def server_side(n_revisions: int, root: Path) -> dict[str, Any]:
    """Build the archive (or reuse it), then time each kind of page over many requests."""
    rng = random.Random(n_revisions)
    articles = _articles(root, n_revisions)
    revised = articles[: n_revisions - len(articles)]
    words = [w for a in rng.sample(articles, min(100, len(articles))) for w in a.title.split()[1:2]]
    datasette = make_datasette(DataDir(root), REPLAY)
    kinds = {
        "front": ["/"] * 50,
        "article": [f"/article/{a.id}" for a in rng.sample(articles, min(200, len(articles)))],
        "diff": [f"/article/{a.id}/diff/1-2" for a in rng.sample(revised, min(200, len(revised)))],
        "search": [f"/search?q={w}" for w in words] + ["/search?q=regjering"] * 10,
    }
    # The server holds no corpus: 80,000 articles kept alive here made every collection of
    # the garbage collector's oldest generation walk them, inside the timed requests.
    del articles, revised
    gc.collect()

    async def measure() -> dict[str, Any]:
        for paths in kinds.values():  # warm the page cache and the templates
            await datasette.client.get(paths[0])
        return {kind: await _time_pages(datasette, paths) for kind, paths in kinds.items()}

    try:
        return asyncio.run(measure())
    finally:
        close(datasette)


def _long_article(words: int, rng: random.Random) -> tuple[Article, Article]:
    vocabulary = [f"ord{n}" for n in range(3000)]
    paragraphs = [
        " ".join(rng.choice(vocabulary) for _ in range(50)) + "." for _ in range(words // 50)
    ]
    old = Article(
        id=1, url="https://www.regjeringen.no/no/aktuelt/lang/id1/", lang="nb", title="Lang",
        lead="Ingress.", body="\n\n".join(paragraphs), published="2026-01-01", type="Nyhet",
    )  # fmt: skip
    edited = [p.replace(" ord", " nytt", 2) if n % 10 == 0 else p for n, p in enumerate(paragraphs)]
    return old, replace(old, body="\n\n".join(edited))


def in_chromium(root: Path, words: int = 5000, repeat: int = 20) -> dict[str, Any] | None:
    """The diff page of a ``words``-word article with an edit in every tenth paragraph:
    navigation start to load event in Chromium, served by uvicorn on 127.0.0.1."""
    chromium = shutil.which("chromium")
    if chromium is None:
        return None
    # Only this part needs them: the server-side figures run without a browser.
    import uvicorn
    from playwright.sync_api import sync_playwright

    from regarkiv.web.ports import listen

    old, new = _long_article(words, random.Random(words))
    with Index(root / "index.db") as index:
        for n, article in enumerate((old, new)):
            when = datetime(2026, 1, 1 + n, tzinfo=UTC)
            capture = Capture(article.url, when, 200, "response", f"<urn:uuid:{n}>", "b.warc.gz",
                              n * 1000, 1000, f"sha1:{n}")  # fmt: skip
            index.record_article(article, index.add_capture(capture, "bench", 1), when)
    datasette = make_datasette(DataDir(root), REPLAY)
    sock = listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/article/1/diff/1-2"
    samples = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url, wait_until="load")  # not timed: the browser's own first start
            for _ in range(repeat):
                page.goto(url, wait_until="load")
                samples.append(
                    page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                )
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        close(datasette)
    return {**_percentiles(samples), "words": words, "loads": repeat}


def run(n_revisions: int, index: Path | None = None, browser: bool = True) -> dict[str, Any]:
    """Every figure; ``index``: where to keep the big archive for the next run."""
    with tempfile.TemporaryDirectory() as tmp:
        big = index or Path(tmp) / "big"
        big.mkdir(parents=True, exist_ok=True)
        (Path(tmp) / "long").mkdir()
        start = os.getloadavg()
        pages = server_side(n_revisions, big)
        return {
            "revisions": n_revisions,
            "load_average": {"start": start, "after_pages": os.getloadavg()},
            "pages": pages,
            "diff_in_chromium": in_chromium(Path(tmp) / "long") if browser else None,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", type=int, nargs="?", default=100_000)
    parser.add_argument("--index", type=Path, help="keep (or reuse) the archive here")
    parser.add_argument("--no-browser", action="store_true", help="server-side pages only")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.revisions, args.index, not args.no_browser), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
