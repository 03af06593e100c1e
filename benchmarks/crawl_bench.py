"""Crawl throughput: a bare Scrapy spider, `regarkiv crawl` and `wget --recursive --warc-file`.

Each contender runs in its own process against its own ReplicaServer over one shared
``Site``. With ``warm_first``, every page it will fetch is rendered into the site's page
cache before it starts (for that server's base URL), so the cost of generating pages is
nobody's; without, the server renders each page when asked, as the shipped replica does
(see benchmarks/crawl_rounds.py). Pages are counted from the server's request log,
by kind, so a contender that fetched something else shows up in the figures.

Wall time, CPU time (user + system) and peak RSS are taken by benchmarks/launch.py around
the contender's process, children included: the peak of the whole process tree (sampled)
and of its largest process (``ru_maxrss``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from replica.requisites import BIG_IMAGE
from replica.server import ReplicaServer
from replica.site import Site

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "benchmarks" / "launch.py"
LISTING_PATHS = {
    "no": "/no/aktuelt/nyheter/id2006120/",
    "en": "/en/whatsnew/news-and-press-releases/id2006120/",
}
_ARTICLE_TARGET = re.compile(r"^/(no|en)/aktuelt/[^/?]+/id(\d+)/$")
_HREF = re.compile(rb'href="([^"]+)"')
# Listing filters and variants the crawler never follows (robots.txt names them with a
# wildcard, which wget's robots parser does not understand).
FILTER_PARAMETERS = (
    "sortby|sort|cedit|expand|documenttype|topic|ownerid|from|to|type|term|q|isfilteropen"
)


class ContenderFailed(RuntimeError):
    """A contender exited non-zero or timed out."""


@dataclass
class Measured:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_tree_rss_mb: float
    peak_rss_sum_mb: float
    processes: dict[str, float]
    returncode: int
    stdout: str
    stderr: str


@dataclass
class CrawlResult:
    name: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float  # the largest process
    peak_tree_rss_mb: float  # all of the contender's processes together
    peak_rss_sum_mb: float  # the sum of each process's own peak
    requests: dict[str, int]  # by kind: robots, listing, article, other
    warc_bytes: int
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return sum(self.requests.values())

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s

    def as_dict(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "pages_per_s": round(self.pages_per_s, 1),
            "wall_s": round(self.wall_s, 2),
            "cpu_s": round(self.cpu_s, 2),
            "cpu_ms_per_page": round(1000 * self.cpu_s / max(self.pages, 1), 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_tree_rss_mb": round(self.peak_tree_rss_mb, 1),
            "peak_rss_sum_mb": round(self.peak_rss_sum_mb, 1),
            "requests": self.requests,
            "warc_bytes": self.warc_bytes,
            **self.extra,
        }


def run_measured(
    command: list[str], timeout: float, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> Measured:
    """Run one command to completion (through benchmarks/launch.py): its wall time, CPU
    time and peak RSS, children included.

    It runs in its own session, so on timeout, error or Ctrl-C its whole process group is
    killed here and nothing outlives the benchmark.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        report = Path(tmp) / "report.json"
        process = subprocess.Popen(
            [sys.executable, str(LAUNCHER), str(report), *command],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise ContenderFailed(f"timed out after {timeout:.0f} s: {command[0]}") from None
        finally:
            _kill_group(process)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        if not report.exists():
            raise ContenderFailed(f"{command[0]} left no report: {stderr[-2000:]}")
        figures = json.loads(report.read_text())
    return Measured(**figures, stdout=stdout, stderr=stderr)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a crawl then closes its files), then SIGKILL, to whatever is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def listing_pages(site: Site) -> dict[str, int]:
    per_page = 20
    return {lang: -(-len(site.article_ids(lang)) // per_page) for lang in LISTING_PATHS}


def targets(site: Site) -> list[str]:
    """Every request target the news crawl makes: robots.txt, listing pages, articles."""
    found = ["/robots.txt"]
    for lang, pages in listing_pages(site).items():
        found += [site.listing_path(lang, page) for page in range(1, pages + 1)]
    found += [site.article_url(article) for article in site.article_ids()]
    return found


def warm(site: Site, base_url: str) -> float:
    """Render every page of the crawl once for this base URL; returns seconds taken."""
    start = time.perf_counter()
    for target in targets(site):
        site.render(target, base_url)
    return time.perf_counter() - start


def kind_of(target: str) -> str:
    path, _, query = target.partition("?")
    if path == "/robots.txt":
        return "robots"
    if path in LISTING_PATHS.values() and (not query or re.fullmatch(r"page=\d+", query)):
        return "listing"
    if _ARTICLE_TARGET.match(path) and not query:
        return "article"
    return "other"


def count_requests(records: Iterable[str]) -> dict[str, int]:
    counts = Counter(kind_of(target) for target in records)
    return {kind: counts.get(kind, 0) for kind in ("robots", "listing", "article", "other")}


def expected_requests(site: Site) -> dict[str, int]:
    return count_requests(targets(site))


def warc_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*.warc.gz"))


def python_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def bare_command(base_url: str, concurrency: int, *, requisites: bool = False) -> list[str]:
    """The bare spider, with the Scrapy tuning regarkiv's settings make besides politeness."""
    from crawler import settings

    script = str(ROOT / "benchmarks" / "bare_spider.py")
    items = str(getattr(settings, "CONCURRENT_ITEMS", 100))
    return [
        sys.executable, script, base_url, "--concurrency", str(concurrency),
        "--concurrent-items", items, *(["--requisites"] if requisites else []),
    ]  # fmt: skip


def regarkiv_command(
    base_url: str, concurrency: int, data_dir: Path, *, requisites: bool = False
) -> list[str]:
    # By default the pages alone, as the other contenders fetch them here; with requisites
    # and attachments see benchmarks/requisites_rounds.py.
    mode = "all" if requisites else "none"
    return [
        sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data_dir),
        "--base-url", base_url, "--delay", "0", "--concurrency", str(concurrency), "--json",
        "--requisites", mode, "--attachments", mode,
    ]  # fmt: skip


def chrome_ids(site: Site, base_url: str) -> list[int]:
    """Ids of chrome pages whose links look like articles (e.g. /no/aktuelt/kalender/id1330/).

    The news spider only follows the listings' result items; wget follows every link its
    regexes accept, so these are rejected by id to make it fetch the same pages.
    """
    sample = [site.listing_path(lang) for lang in LISTING_PATHS]
    sample += [site.article_url(article) for article in site.article_ids()[::97]]
    found: set[int] = set()
    for target in sample:
        for href in _HREF.findall(site.render(target, base_url).body):
            path = href.decode().removeprefix(base_url)
            match = _ARTICLE_TARGET.match(path)
            listing = path in LISTING_PATHS.values()
            if match and not listing and int(match[2]) not in site.catalog.by_id:
                found.add(int(match[2]))
    return sorted(found)


def ere_escape(text: str) -> str:
    """Escape for POSIX extended regexes (wget's --regex-type=posix)."""
    return re.sub(r"([.^$*+?()[\]{}|\\])", r"\\\1", text)


def wget_command(
    site: Site, base_url: str, directory: Path, *, requisites: bool = False
) -> list[str]:
    """wget over the crawl's pages; with ``requisites``, ``--page-requisites`` and the
    replica's asset paths accepted too (what regarkiv's requisites and attachments are),
    but not the 50 MB image: wget has no per-file size limit to abort it by."""
    host = ere_escape(base_url)
    listings = "|".join(ere_escape(path.strip("/")) for path in LISTING_PATHS.values())
    assets = "|(dist-web|globalassets|contentassets)/.*" if requisites else ""
    accept = (
        f"^{host}/(({listings})/(\\?page=([2-9]|[1-9][0-9]+))?"
        f"|(no|en)/aktuelt/[^/?]+/id[0-9]+/{assets})$"
    )
    chrome = "|".join(str(i) for i in chrome_ids(site, base_url))
    # The last listing page still links the next one, in a disabled pager item.
    past_end = "|".join(
        f"{ere_escape(LISTING_PATHS[lang])}\\?page={pages + 1}$"
        for lang, pages in listing_pages(site).items()
    )
    reject = f"[?&]({FILTER_PARAMETERS})=|/id({chrome})/$|{past_end}"
    if requisites:
        reject += f"|{ere_escape(BIG_IMAGE)}$"
    depth = max(listing_pages(site).values()) + 2
    return [
        "wget", "--recursive", f"--level={depth}", "-e", "robots=on", "--no-verbose",
        *(["--page-requisites"] if requisites else []),
        f"--accept-regex={accept}", f"--reject-regex={reject}",
        f"--warc-file={directory / 'wget'}", f"--directory-prefix={directory / 'files'}",
        "--tries=2", "--timeout=30",
        *(base_url + path for path in LISTING_PATHS.values()),
    ]  # fmt: skip


def crawl_contender(
    name: str,
    site: Site,
    concurrency: int,
    timeout: float,
    data_dir: Path,
    *,
    warm_first: bool = True,
    latency_ms: float = 0.0,
) -> CrawlResult:
    """Run one contender against a fresh server, warmed first (every page rendered into its
    cache) unless ``warm_first`` is false, waiting ``latency_ms`` before each answer (an
    asyncio sleep: no CPU); ``data_dir`` receives its output."""
    with ReplicaServer(site) as server:
        if latency_ms > 0:
            server.faults.add("*", "slow", delay=latency_ms / 1000)
        warm_s = warm(site, server.base_url) if warm_first else 0.0
        server.requests.clear()
        if name == "bare":
            command = bare_command(server.base_url, concurrency)
        elif name == "regarkiv":
            command = regarkiv_command(server.base_url, concurrency, data_dir)
        else:
            command = wget_command(site, server.base_url, data_dir)
        measured = run_measured(command, timeout, env=python_env())
        requests = count_requests(server.requests.targets())
    # wget exits 8 when a server answered an error (e.g. 404) somewhere; the request counts
    # say whether it fetched the crawl.
    if measured.returncode != 0 and not (name == "wget" and measured.returncode == 8):
        raise ContenderFailed(f"{name} exited {measured.returncode}: {measured.stderr[-2000:]}")
    extra: dict[str, object] = {"warm_server_s": round(warm_s, 2), "processes": measured.processes}
    if name == "regarkiv":
        summary = json.loads(measured.stdout)
        extra["summary"] = {
            key: summary[key]
            for key in ("listing_pages", "articles_fetched", "new_articles", "failures")
        }
    return CrawlResult(
        name=name,
        wall_s=measured.wall_s,
        cpu_s=measured.cpu_s,
        peak_rss_mb=measured.peak_rss_mb,
        peak_tree_rss_mb=measured.peak_tree_rss_mb,
        peak_rss_sum_mb=measured.peak_rss_sum_mb,
        requests=requests,
        warc_bytes=warc_bytes(data_dir),
        extra=extra,
    )
