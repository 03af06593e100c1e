"""One crawl per data directory at a time.

An flock on the lock file (``DataDir.lock_path``): the kernel drops it when the process dies, even
by kill -9, so a crash never leaves a stale lock behind.

The lock file is opened with ``O_NOFOLLOW`` and must be a regular file with one link: the pid
written into it never goes through a link planted in the data directory to a file elsewhere.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path


class DataDirLocked(RuntimeError):
    """Another crawl holds the data directory."""


class LockError(OSError):
    """The lock file cannot be used: the directory is read-only, or the file is a link."""


class DataDirLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = _open(self.path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise DataDirLocked(
                f"another crawl is running on {self.path.parent} (pid {holder}); "
                "wait for it to finish"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError as error:
            os.close(fd)
            raise LockError(f"cannot write {self.path}: {error.strerror}") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def held_by_another(self) -> str | None:
        """The pid of the crawl holding the lock now, if one does; takes nothing, writes
        nothing (works on read-only media)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            # Absent: a crawl creates it before it takes the lock. A link, or unreadable:
            # no crawl can hold it either (acquire refuses a link; a crawl must write it).
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(fd)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _open(path: Path, flags: int) -> int:
    """The lock file's descriptor: never through a symbolic link, never a file with other
    names (a hard link to a file elsewhere), never anything but a regular file."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as error:
        if error.errno == errno.ENOENT and not flags & os.O_CREAT:
            raise
        if error.errno == errno.ELOOP:
            raise LockError(
                f"{path} is a symbolic link; remove it (regarkiv never follows one)"
            ) from None
        raise LockError(f"cannot open {path}: {error.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        what = "not a regular file" if not stat.S_ISREG(info.st_mode) else "a hard link"
        raise LockError(f"{path} is {what}; remove it (regarkiv writes only its own files)")
    return fd


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "another process"
    except OSError:
        return "another process"
