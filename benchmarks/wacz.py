"""``regarkiv export wacz`` throughput and peak memory, over archives of several sizes.

    python benchmarks/wacz.py [--sizes 256,1024] [--articles 30] [--rounds 3] [--json]

Each archive is a real crawl of the replica (its pages, index and requisites), padded to the
size asked with WARC files of 1 MB image responses written by regarkiv's own WARC writer
(images are what makes an archive large). Each export runs in a fresh process, as a user
runs it; its wall and CPU seconds and its peak RSS are the operating system's accounting of
that process (``/usr/bin/time``). Throughput is the archive's WARC bytes over wall seconds; the
target is ≥ 150 MB/s with a peak RSS under 100 MB whatever the size, so the peak must not
grow with the archive. The figures are wall clock on a shared machine: the load average is
printed with them and each size keeps its median round.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.model import Exchange  # noqa: E402
from archive.warc.exchange import WarcInfo  # noqa: E402
from archive.warc.writer import WarcWriter  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from replica.site import Site  # noqa: E402

TARGET_MB_S = 150.0
TARGET_RSS_MB = 100.0
IMAGE_BYTES = 1_000_000
PADDING_FILE_BYTES = 256 * 1024 * 1024
INFO = WarcInfo(
    software="regarkiv benchmark",
    job_id="wacz-bench",
    operator="benchmark",
    user_agent="regarkiv benchmark",
    robots="obey",
    base_url="http://127.0.0.1",
    description="padding: 1 MB image responses",
    settings=(),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def crawl_replica(data: Path, articles: int) -> None:
    site = Site(articles=articles, seed=3, cache_size=articles + 1000)
    with ReplicaServer(site, host="127.0.0.1", port=0) as server:
        command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data)]
        command += ["--base-url", server.base_url, "--delay", "0", "--concurrency", "8"]
        subprocess.run(command, check=True, capture_output=True, timeout=600)


def image_exchange(number: int, body: bytes) -> Exchange:
    path = f"/globalassets/bench/bilde-{number}.jpg"
    return Exchange(
        url=f"http://127.0.0.1:8080{path}",
        request_head=f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n".encode(),
        status_line=b"HTTP/1.1 200 OK",
        response_headers=(
            (b"Content-Type", b"image/jpeg"),
            (b"Content-Length", str(len(body)).encode()),
        ),
        body=body,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        ip_address="127.0.0.1",
    )


def pad(data: Path, size: int) -> None:
    """Add WARC files of image responses until the WARC files hold ``size`` bytes."""
    warcs = data / "warcs"
    have = sum(path.stat().st_size for path in warcs.glob("*.warc.gz"))
    rng = random.Random(size)
    blocks = [rng.randbytes(IMAGE_BYTES) for _ in range(16)]
    with WarcWriter(warcs, INFO, host="pad", max_size=PADDING_FILE_BYTES) as writer:
        number = 0
        while have < size:
            # A distinct payload each time (the block, then the record's number).
            body = blocks[number % len(blocks)] + number.to_bytes(8, "big")
            capture = writer.write(image_exchange(number, body))
            have += capture.length
            number += 1


def build(work: Path, size_mb: int, articles: int) -> Path:
    data = work / f"archive-{size_mb}MB"
    log(f"building a {size_mb} MB archive in {data}")
    crawl_replica(data, articles)
    pad(data, size_mb * 1_000_000)
    return data


def export_once(data: Path, out: Path) -> dict[str, float]:
    """One export in a fresh process: wall, user + system seconds and peak RSS, as
    /usr/bin/time reports them (a child forked from this process would carry this
    process's own high-water mark into its peak RSS)."""
    command = ["/usr/bin/time", "-f", "%e %U %S %M", sys.executable, "-m", "regarkiv"]
    command += ["export", "wacz", str(out), "--force", "--data-dir", str(data)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"export failed: {result.stderr}")
    wall, user, system, peak_kb = result.stderr.split()[-4:]
    return {
        "wall_s": float(wall),
        "cpu_s": float(user) + float(system),
        "peak_rss_mb": int(peak_kb) / 1024,
    }


def measure(data: Path, rounds: int) -> dict[str, Any]:
    size = sum(path.stat().st_size for path in (data / "warcs").glob("*.warc.gz"))
    out = data.parent / f"{data.name}.wacz"
    runs = [export_once(data, out) for _ in range(rounds)]
    wall = statistics.median(run["wall_s"] for run in runs)
    cpu = statistics.median(run["cpu_s"] for run in runs)
    out.unlink()
    return {
        "archive_mb": round(size / 1e6, 1),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "mb_per_s": round(size / 1e6 / wall, 1),
        "mb_per_cpu_s": round(size / 1e6 / cpu, 1),
        "peak_rss_mb": round(max(run["peak_rss_mb"] for run in runs), 1),
        "rounds": rounds,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"load_average": os.getloadavg(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="wacz-bench-", dir=args.work) as work:
        for size_mb in args.sizes:
            data = build(Path(work), size_mb, args.articles)
            log(f"exporting {size_mb} MB, {args.rounds} rounds")
            results["sizes"][str(size_mb)] = measure(data, args.rounds)
    results["load_average_after"] = os.getloadavg()
    figures = results["sizes"].values()
    results["pass"] = all(
        figure["mb_per_s"] >= TARGET_MB_S and figure["peak_rss_mb"] < TARGET_RSS_MB
        for figure in figures
    )
    return results


def render(results: dict[str, Any]) -> str:
    lines = [f"load average {results['load_average']} → {results['load_average_after']}"]
    for size, figure in results["sizes"].items():
        lines.append(
            f"  {size:>6} MB archive: {figure['mb_per_s']:7.1f} MB/s wall "
            f"({figure['mb_per_cpu_s']:.1f} MB per CPU second), peak RSS "
            f"{figure['peak_rss_mb']:.1f} MB "
            f"(target ≥ {TARGET_MB_S:g} MB/s, < {TARGET_RSS_MB:g} MB)"
        )
    lines.append("PASS" if results["pass"] else "FAIL")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="256,1024", help="archive sizes in MB, comma-separated")
    parser.add_argument("--articles", type=int, default=30, help="replica articles crawled")
    parser.add_argument("--rounds", type=int, default=3, help="exports per size (median kept)")
    parser.add_argument("--work", default=None, help="where to build the archives (a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    sys.stdout.write(json.dumps(results, indent=2) + "\n" if args.json else render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
