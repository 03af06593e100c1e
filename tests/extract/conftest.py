"""Fixtures of the extraction tests: the realistic news pages in tests/fixtures/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.paths import FIXTURES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """tests/fixtures/: news pages written to the site's templates."""
    return FIXTURES


@pytest.fixture(scope="session")
def read_fixture(fixtures_dir: Path) -> Callable[[str], str]:
    return lambda name: (fixtures_dir / name).read_text(encoding="utf-8")
