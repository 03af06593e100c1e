"""`regarkiv demo`: the whole pipeline offline, in under a minute.

Starts the bundled replica on a free loopback port, crawls it, changes it
(edits, removals, new articles), crawls again and shows search, history and a
diff. Crawls run as `regarkiv crawl` subprocesses, exactly as a user runs them
(Scrapy's reactor cannot be started twice in one process).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from archive.datadir import DataDir

DEMO_ARTICLES = 120
DEMO_SEED = 2026


class DemoError(RuntimeError):
    pass


def _regarkiv(args: list[str], echo: Callable[[str], None]) -> None:
    command = [sys.executable, "-m", "regarkiv", *args]
    echo("$ regarkiv " + " ".join(args))
    result = subprocess.run(command, timeout=300)
    if result.returncode != 0:
        raise DemoError(f"`regarkiv {args[0]}` failed with exit code {result.returncode}")


def run_demo(data_dir: Path | None, echo: Callable[[str], None] = print) -> Path:
    # The replica takes ~55 ms to import, and the CLI imports this module at start-up.
    from replica.server import ReplicaServer
    from replica.site import Site

    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="regarkiv-demo-"))
    elif DataDir(data_dir).has_index():
        raise DemoError(f"{data_dir} already holds an archive; give an empty --data-dir")
    site = Site(articles=DEMO_ARTICLES, seed=DEMO_SEED)
    with ReplicaServer(site, host="127.0.0.1", port=0) as server:
        base = server.base_url
        data = ["--data-dir", str(data_dir)]
        crawl = ["crawl", *data, "--base-url", base, "--delay", "0", "--concurrency", "8"]
        echo(f"Replica of regjeringen.no at {base} ({DEMO_ARTICLES} articles, no and en)")
        echo(f"Archive: {data_dir}\n")
        echo("== First crawl ==")
        _regarkiv(crawl, echo)
        server.set_version(2)
        edited = sorted(site.edited_ids())
        echo(
            f"\n== The site changes: {len(edited)} articles edited, "
            f"{len(site.removed_ids())} removed, {len(site.new_ids())} new ==\n"
        )
        echo("== Second crawl ==")
        _regarkiv([*crawl, "--recrawl", "all"], echo)
        if not edited:
            raise DemoError("the replica changed no article")
        article = str(edited[0])
        echo("\n== Search ==")
        _regarkiv(["search", "regjering", *data, "--limit", "3"], echo)
        echo("\n== History of an edited article ==")
        _regarkiv(["history", article, *data], echo)
        echo("\n== What changed ==")
        _regarkiv(["diff", article, *data], echo)
        echo("\n== Changes feed ==")
        _regarkiv(["changes", *data, "--since", "2000-01-01"], echo)
    echo(f"\nDone. Explore further: regarkiv search skatt --data-dir {data_dir}")
    return data_dir
