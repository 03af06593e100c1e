"""Fixtures the whole suite shares: where things are, WARC exchanges and writers, articles
and captures for the index, and the ``regarkiv`` command run as a user runs it.

A builder fixture returns the function itself (``exchange(url, body=...)``), so that a test
can build as many as it needs; the values the builders put in are in ``tests/support``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from archive.index.store import Index, Outcome
from archive.model import Article, Attachment, Capture, Exchange, Image
from archive.warc.writer import WarcWriter
from tests.support import browser as browser_support
from tests.support import warc
from tests.support.crawl import FAST
from tests.support.index import T0, URL
from tests.support.paths import REAL_PAGES, ROOT
from tests.support.replay import CrawledReplica, crawl_replica_twice


@pytest.fixture(scope="session")
def root() -> Path:
    """The project's root, where scrapy.cfg, README.md and benchmarks/ are."""
    return ROOT


@pytest.fixture(scope="session")
def real_pages_dir() -> Path:
    """Where pages captured from regjeringen.no are kept, beside the workspace; a clone
    elsewhere has none, so a test that must have them asks for ``real_pages``."""
    return REAL_PAGES


# One reason, word for word, for every test that needs the captured pages: the summary
# then gives it once, with the number of tests it skipped (pytest_terminal_summary).
REAL_PAGES_ABSENT = (
    f"pages captured from regjeringen.no not found at {REAL_PAGES} "
    "(../shared/real-pages/ beside the checkout, not part of the repository)"
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per reason for skipping, with how many tests it skipped."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        if isinstance(report.longrepr, tuple):
            reasons[str(report.longrepr[2]).removeprefix("Skipped: ")] += 1
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count} skipped: {reason}")


@pytest.fixture(scope="session")
def real_pages(real_pages_dir: Path) -> Path:
    if not real_pages_dir.is_dir():
        pytest.skip(REAL_PAGES_ABSENT)
    return real_pages_dir


@pytest.fixture(scope="session")
def read_real(real_pages_dir: Path) -> Callable[[str], bytes]:
    """Reads a page captured from regjeringen.no; the test skips where it is absent."""

    def read(name: str) -> bytes:
        path = real_pages_dir / name
        if not real_pages_dir.is_dir():
            pytest.skip(REAL_PAGES_ABSENT)
        if not path.exists():
            pytest.skip(f"{name} not found in {real_pages_dir} (../shared/real-pages/)")
        return path.read_bytes()

    return read


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium (Playwright's ``Browser``) shared by a module's browser tests.

    Per module, not per session: Playwright's sync API keeps an asyncio loop running in the
    main thread while it is open, and a later module's ``asyncio.run`` would then fail."""
    reason = browser_support.unavailable_reason()
    if reason is not None:
        if browser_support.required():
            pytest.fail(f"REGARKIV_TEST_BROWSER=required but {reason}")
        pytest.skip(reason)
    with browser_support.launched() as launched:
        yield launched


@pytest.fixture(scope="session")
def exchange() -> Callable[..., Exchange]:
    return warc.exchange


@pytest.fixture(scope="session")
def noise() -> Callable[..., bytes]:
    return warc.noise


@pytest.fixture(scope="session")
def make_writer() -> Callable[..., WarcWriter]:
    """A writer with a fixed host, clock and record ids: the same input, the same bytes."""
    return warc.make_writer


@pytest.fixture(scope="session")
def warcio_check() -> Callable[[Path], subprocess.CompletedProcess[str]]:
    """``warcio check -v`` of a WARC file: a reader that is not ours checks the digests."""
    pytest.importorskip("warcio", reason="warcio (a dev extra) is not installed")
    warcio = Path(sys.executable).with_name("warcio")  # the venv running the tests

    def check(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(warcio), "check", "-v", str(path)], capture_output=True, text=True, timeout=120
        )

    return check


@pytest.fixture(scope="session")
def regarkiv() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs the CLI in a fresh process: Scrapy's reactor cannot restart in one process."""

    def run(
        *args: str, timeout: float = 180, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = dict(os.environ, **(env or {}))
        full_env.setdefault("REGARKIV_RETRY_BASE_DELAY", "0.1")
        return subprocess.run(
            [sys.executable, "-m", "regarkiv", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
        )

    return run


@pytest.fixture(scope="session")
def crawl(regarkiv: Callable[..., subprocess.CompletedProcess[str]]) -> Callable[..., dict]:
    """``regarkiv crawl --json`` of a site into a data directory, fast; returns the summary."""

    def run(data_dir: Path, base_url: str, *extra: str, timeout: float = 180) -> dict:
        result = regarkiv(
            "crawl", "--data-dir", str(data_dir), "--base-url", base_url, *FAST, "--json", *extra,
            timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)

    return run


@pytest.fixture(scope="session")
def crawled_replica(tmp_path_factory: pytest.TempPathFactory, crawl) -> CrawledReplica:
    """A replica crawled twice (two jobs; the second after edits, with revisits), shared by
    the export and replay tests, which only read it."""
    return crawl_replica_twice(tmp_path_factory.mktemp("crawled") / "data", crawl)


@pytest.fixture(scope="session")
def make_capture() -> Callable[..., Capture]:
    """The n-th capture of an article page: n hours after T0, at offset 1000 n."""

    def build(n: int, url: str = URL, *, status: int = 200, digest: str = "sha1:AAAA") -> Capture:
        return Capture(
            url=url,
            fetched_at=T0 + timedelta(hours=n),
            status=status,
            record_type="response",
            record_id=f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>",
            warc_file="regarkiv-20260704120000-00000.warc.gz",
            offset=1000 * n,
            length=900,
            payload_digest=digest,
            content_type="text/html; charset=utf-8",
        )

    return build


@pytest.fixture(scope="session")
def make_article() -> Callable[..., Article]:
    """Article 3169214 at URL, every field filled; keyword arguments change fields."""

    def build(**changes: object) -> Article:
        article = Article(
            id=3169214,
            url=URL,
            lang="nb",
            title="Felling av ulv i Innlandet",
            lead="Klima- og miljødepartementet har gitt løyve til felling av ulv.",
            body="Regjeringen har i dag bestemt at ulven kan felles.\n\nVedtaket gjelder i år.",
            published="2026-07-01",
            type="Pressemelding",
            ministries=["Klima- og miljødepartementet"],
            topics=["Natur"],
            images=[Image(caption="Ulv i snø", credit="NTB")],
            attachments=[
                Attachment(title="Vedtak", url="https://www.regjeringen.no/contentassets/a/v.pdf")
            ],
        )
        return replace(article, **changes)

    return build


@pytest.fixture(scope="session")
def record(make_capture: Callable[..., Capture]) -> Callable[[Index, Article, int], Outcome]:
    """Indexes an article as seen in its n-th capture."""

    def add(index: Index, article: Article, n: int) -> Outcome:
        capture = make_capture(n, article.url)
        return index.record_article(article, index.add_capture(capture, "job1"), capture.fetched_at)

    return add
