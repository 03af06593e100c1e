"""Writing the data directory's small files safely: replaced whole or not at all, appended
to only when they are regular files of our own; never through a link planted there."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


class DataDirError(OSError):
    """The data directory cannot be created or written; ``errno`` and ``reason`` say why
    when the system did (``EROFS``, ``ENOSPC`` ...)."""

    def __init__(self, message: str, cause: OSError | None = None) -> None:
        super().__init__(message)
        self.reason = message
        if cause is not None:
            self.errno = cause.errno  # str() stays the message: strerror is left unset
            self.reason = cause.strerror or message


# The errors that mean "this place is read-only to us", as opposed to a failed write.
READ_ONLY_ERRORS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` whole, or leave it as it was (``DataDirError``).

    The text goes to a new file of a random name beside it, created with ``O_EXCL`` (so
    nothing planted there, a link or a file, is written through), made durable, then renamed
    over ``path`` (a rename replaces a link at ``path``, it never follows it).
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise DataDirError(f"cannot write {path}: {error.strerror}", error) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fd, 0o644)
            fh.write(text)
            fh.flush()
            os.fsync(fd)
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise DataDirError(f"cannot write {path}: {error.strerror}", error) from None


def append_line(path: Path, line: str) -> None:
    """Append one line to the log file ``path``, which must be a regular file of our own
    (not a link, not a file with other names), or absent."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        why = "it is a symbolic link" if error.errno == errno.ELOOP else error.strerror
        raise DataDirError(f"cannot write {path}: {why}", error) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise DataDirError(f"cannot write {path}: not a regular file of its own")
        os.write(fd, (line + "\n").encode())
    except DataDirError:
        raise
    except OSError as error:
        raise DataDirError(f"cannot write {path}: {error.strerror}", error) from None
    finally:
        os.close(fd)
