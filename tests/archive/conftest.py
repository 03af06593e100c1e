"""Fixtures of the tests of archive/'s own modules."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from archive.pipeline import ArchiverConfig
from tests.support.warc import archiver_config


@pytest.fixture(scope="session")
def config() -> Callable[..., ArchiverConfig]:
    """An archiver's configuration: WARC files in ``tmp_path``/warcs, its index beside them."""
    return archiver_config
