"""What page requisites and attachments cost a crawl: one `regarkiv crawl` of a fresh replica.

Run it twice, with ``--requisites all`` and ``--requisites none`` (attachments follow the
same choice), in turn, to compare: it prints one JSON line with the crawl's wall time
(the crawl's process only, not the replica's start-up), the requests the server saw by
kind, and the extra requests per article that requisites and attachments made.

    python benchmarks/requisites_bench.py --requisites all --articles 600

The replica is warmed first (every page rendered once), as in benchmarks/crawl_bench.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl_bench import kind_of, python_env, warm  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from replica.site import Site  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requisites", choices=("all", "none"), default="all")
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    site = Site(articles=args.articles, seed=args.seed, cache_size=args.articles + 1000)
    with tempfile.TemporaryDirectory() as work, ReplicaServer(site) as server:
        warm(site, server.base_url)
        server.requests.clear()
        command = [
            sys.executable, "-m", "regarkiv", "crawl", "--data-dir", work,
            "--base-url", server.base_url, "--delay", "0",
            "--concurrency", str(args.concurrency), "--json",
            "--requisites", args.requisites, "--attachments", args.requisites,
        ]  # fmt: skip
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=python_env())
        wall = time.perf_counter() - start
        if result.returncode != 0:
            sys.stderr.write(result.stderr[-2000:])
            return 1
        kinds = Counter(kind_of(target) for target in server.requests.targets())
    summary = json.loads(result.stdout)
    articles = summary["articles_fetched"]
    print(
        json.dumps(
            {
                "requisites": args.requisites,
                "articles": articles,
                "wall_s": round(wall, 2),
                "articles_per_s": round(articles / wall, 1),
                "requests": dict(kinds),
                "extra_requests_per_article": round(kinds["other"] / max(articles, 1), 2),
                "requisite_figures": summary.get("requisites"),
                "attachment_figures": summary.get("attachments"),
                "loadavg": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
