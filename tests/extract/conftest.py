"""Fixtures of the extraction tests: the realistic news pages in tests/fixtures/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.paths import FIXTURES

SITE = "https://www.regjeringen.no"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """tests/fixtures/: news pages written to the site's templates."""
    return FIXTURES


@pytest.fixture(scope="session")
def read_fixture(fixtures_dir: Path) -> Callable[[str], str]:
    return lambda name: (fixtures_dir / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_pages(real_pages_dir: Path) -> list[tuple[bytes, str]]:
    """(body, URL) of replica article pages in nb, en and nn, and of a real hearing page
    where the captured pages are."""
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=30, seed=5)
    pages = [
        (site.render(site.article_url(i)).body, SITE + site.article_url(i))
        for i in (site.article_ids("nb")[0], site.article_ids("en")[0], site.article_ids("nn")[0])
    ]
    real = real_pages_dir / "hearing-id3167072.html"
    if real.exists():
        pages.append((real.read_bytes(), f"{SITE}/no/dokumenter/x/id3167072/"))
    return pages
