"""The manifest's file hashes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from archive.manifest import sha256_file


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, (3 << 20) + 17])
def test_a_files_hash_is_sha256_of_its_bytes(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "file.warc.gz"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
