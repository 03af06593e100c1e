"""The data directory: one object that owns every path of an archive.

```
DATA/
  warcs/                 WARC/1.1 files and their CDXJ indexes (the source of truth)
  index.db               the SQLite index, derived from the WARCs
  manifest-sha256.txt    fixity manifest of closed WARC files
  schedules.json         schedules; schedule-runs.jsonl: their runs
  crawl.lock             one crawl at a time
```

Like sqlite-utils' ``Database``, it is what a user opens and reaches everything through:
``DataDir("regarkiv-data").open_index()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archive.index.store import Index, IndexNotFound
from archive.lock import DataDirLock

DATA_ENV = "REGARKIV_DATA"
DEFAULT_DATA_DIR = "regarkiv-data"


class DataDirError(OSError):
    """The data directory cannot be created or written."""


class NoArchive(FileNotFoundError):
    """The data directory holds no archive (no crawl has written one)."""


def default_data_dir() -> Path:
    """``$REGARKIV_DATA``, else ``./regarkiv-data``: the one default for every command."""
    return Path(os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class DataDir:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def default(cls) -> DataDir:
        return cls(default_data_dir())

    @property
    def warcs(self) -> Path:
        return self.root / "warcs"

    @property
    def index_path(self) -> Path:
        return self.root / "index.db"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest-sha256.txt"

    @property
    def schedules(self) -> Path:
        return self.root / "schedules.json"

    @property
    def schedule_runs(self) -> Path:
        return self.root / "schedule-runs.jsonl"

    @property
    def lock_path(self) -> Path:
        return self.root / "crawl.lock"

    def has_index(self) -> bool:
        return self.index_path.exists()

    def has_warcs(self) -> bool:
        return self.warcs.is_dir()

    def lock(self) -> DataDirLock:
        return DataDirLock(self.lock_path)

    def open_index(self) -> Index:
        """The index for writing (created and migrated as needed)."""
        return Index(self.index_path)

    def open_readonly(self, *, upgrade: bool = True) -> Index:
        """The index for reading; ``NoArchive`` names the directory when there is none."""
        try:
            return Index.open_readonly(self.index_path, upgrade=upgrade)
        except IndexNotFound:
            raise NoArchive(
                f"no archive in {self.root} (run `regarkiv crawl` first, or pass --data-dir)"
            ) from None

    def ensure_writable(self) -> None:
        """Create ``warcs/`` and prove the directory takes writes, before a crawl starts."""
        try:
            self.warcs.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-test-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as error:
            raise DataDirError(
                f"cannot write to data directory {self.root}: {error.strerror or error}"
            ) from error
