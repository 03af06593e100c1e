"""Real file systems that fail as a user's do: a small tmpfs that fills up (ENOSPC) and a
read-only bind mount (EROFS). Mounting needs root (as the developers' machines and CI run);
elsewhere the test that asks for one skips and says why."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a file system here ({result.stderr.strip() or 'not root'})")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "--lazy", str(path)], capture_output=True, check=False)


@contextlib.contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. ``"2m"``) mounted at ``path``, unmounted afterwards."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield path
    finally:
        _umount(path)


def fill(filesystem: Path, leave: int = 0) -> Path:
    """Fill ``filesystem`` with one file until at most ``leave`` bytes are free."""
    filler = filesystem / "filler"
    with open(filler, "wb") as fh:
        free = os.statvfs(filesystem).f_bavail * os.statvfs(filesystem).f_frsize
        with contextlib.suppress(OSError):
            fh.write(b"\0" * max(free - leave, 0))
            fh.flush()
    return filler


@contextlib.contextmanager
def read_only(directory: Path, at: Path) -> Iterator[Path]:
    """``directory`` seen read-only at ``at`` (a bind mount: writes fail with EROFS)."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    at.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(directory), str(at))
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(at)], check=True)
        yield at
    finally:
        _umount(at)
