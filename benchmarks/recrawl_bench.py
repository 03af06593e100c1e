"""Requests and recall of each recrawl mode, on one replica, in one run (issues 12 and 13).

A first crawl archives the replica at version 1 (every article); the replica then moves
to version 2 (new articles at the top, ~2% of the old ones edited, ~1% removed: its
ground truth), and each mode crawls a copy of that archive. Requests are counted from
the server's log, by kind; recall is the share of the edited and removed articles the
crawl recorded as a new revision or a removal. ``recent`` is also run on the unchanged
archive (version 1 again), issue 13's case: it should pay for the recent listing pages
and articles, not every listing page.

Targets: ``changed`` finds every change (recall 100%) with no more than (listing pages +
sitemap files + new + changed articles) x 1.05 requests for pages, counting its own listing
pages. The crawls fetch requisites and documents too (the default): those are counted
apart (``requisite``, ``document``), since a new or edited article's new images and
documents are fetched whatever the mode, and are what a complete archive needs.

    python benchmarks/recrawl_bench.py --articles 20000 [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from archive.urls import article_page_id, is_document
from replica.server import ReplicaServer
from replica.site import Site

MODES = ("changed", "recent", "all")
KINDS = ("robots", "sitemap", "listing", "article", "requisite", "document")
PAGES = ("robots", "sitemap", "listing", "article")  # what the budget counts


def kind_of(target: str) -> str:
    if target == "/robots.txt":
        return "robots"
    if target.startswith("/globalassets/sitemap/"):
        return "sitemap"
    if "id2006120" in target:
        return "listing"
    url = "http://replica" + target
    if article_page_id(url) is not None:
        return "article"
    return "document" if is_document(url) else "requisite"


def crawl(data_dir: Path, base_url: str, *extra: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data_dir),
               "--base-url", base_url, "--delay", "0", "--concurrency", "16", "--json",
               *extra]  # fmt: skip
    env = dict(os.environ, REGARKIV_RETRY_BASE_DELAY="0.1")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=7200)
    if done.returncode != 0:
        raise SystemExit(f"crawl failed: {done.stderr[-2000:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def found_changes(data_dir: Path, edited: set[int], removed: set[int]) -> int:
    conn = sqlite3.connect(data_dir / "index.db")
    revised = {a for (a,) in conn.execute("SELECT article_id FROM revisions WHERE revision > 1")}
    gone = {a for (a,) in conn.execute("SELECT id FROM articles WHERE status = 'removed'")}
    conn.close()
    return len(edited & revised) + len(removed & gone)


def measure(server: ReplicaServer, archive: Path, work: Path, mode: str) -> dict[str, Any]:
    data = work / mode
    shutil.copytree(archive, data)
    server.requests.clear()
    started = time.monotonic()
    crawl(data, server.base_url, "--recrawl", mode)
    kinds = Counter(kind_of(target) for target in server.requests.targets())
    edited, removed = server.site.edited_ids(), server.site.removed_ids()
    changes = len(edited) + len(removed)
    found = found_changes(data, edited, removed) if server.site.version > 1 else 0
    result: dict[str, Any] = {
        "requests": sum(kinds.values()),
        "page_requests": sum(kinds[kind] for kind in PAGES),
        **{kind: kinds.get(kind, 0) for kind in KINDS},
        "recall": round(found / changes, 4) if changes else None,
        "wall_s": round(time.monotonic() - started, 1),
    }
    if mode == "changed":
        new = len(server.site.new_ids()) if server.site.version > 1 else 0
        budget = (kinds["listing"] + kinds["sitemap"] + new + changes) * 1.05
        result |= {"budget": int(budget), "within_budget": result["page_requests"] <= budget}
    shutil.rmtree(data)
    return result


def run(articles: int, seed: int) -> dict[str, Any]:
    site = Site(articles=articles, seed=seed, cache_size=4096)
    work = Path(tempfile.mkdtemp(prefix="regarkiv-recrawl-"))
    try:
        with ReplicaServer(site) as server:
            archive = work / "v1"
            first = crawl(archive, server.base_url)
            figures: dict[str, Any] = {
                "articles": articles,
                "load_average_at_start": os.getloadavg(),
                "first_crawl": {
                    "articles": first["new_articles"],
                    "wall_s": first["duration_seconds"],
                },
                "unchanged": {"recent": measure(server, archive, work, "recent")},
            }
            server.set_version(2)
            figures["truth"] = {
                "new": len(site.new_ids()),
                "edited": len(site.edited_ids()),
                "removed": len(site.removed_ids()),
            }
            figures["version_2"] = {mode: measure(server, archive, work, mode) for mode in MODES}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def render(figures: dict[str, Any]) -> str:
    truth = figures["truth"]
    lines = [
        f"{figures['articles']} articles; load average at start "
        + " ".join(f"{x:.2f}" for x in figures["load_average_at_start"]),
        f"unchanged archive, --recrawl recent: {figures['unchanged']['recent']}",
        f"version 2: {truth['new']} new, {truth['edited']} edited, {truth['removed']} removed",
    ]
    for mode, row in figures["version_2"].items():
        lines.append(f"  {mode:<8} {row}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.articles, args.seed)
    print(json.dumps(figures, indent=2) if args.json else render(figures))


if __name__ == "__main__":
    main()
