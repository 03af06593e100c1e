"""The fixity manifest, ``DATA/manifest-sha256.txt``: ``<sha256>  warcs/<name>`` lines, as
``sha256sum`` and BagIt write them.

It records closed WARC files only, and only those found sound (regular files, every record
whole and its digests right): an ``.open`` file is still growing, and a damaged one recorded
once would pass every later check. A file already recorded whose hash changed is a fixity
failure, never silently re-recorded. The manifest itself is read without following a link
and rewritten whole (``archive.datadir.write_atomically``); one that holds anything but
manifest lines is reported and left as it is.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from archive.datadir import DataDir
from archive.files import READ_ONLY_ERRORS, DataDirError, write_atomically

_LINE = re.compile(r"^([0-9a-f]{64})  (warcs/[^/.\s][^/]*)$")


@dataclass
class ManifestCheck:
    """What checking the WARC files against the manifest found."""

    added: int = 0
    fixity: list[tuple[str, str]] = field(default_factory=list)  # (key, message)
    missing: list[str] = field(default_factory=list)  # keys whose file is gone
    unreadable: list[str] = field(default_factory=list)  # why the manifest was not used
    write_error: str | None = None  # the manifest needed an update and could not take it
    skipped: str | None = None  # read-only: why the update was skipped


def sha256_file(path: Path) -> str:
    """The file's SHA-256, hashed in one call over its mapping: hashlib lets go of the GIL
    for the whole file, so another thread hashes while the records are read (verify),
    where a call per chunk waited for the GIL after each one."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return hashlib.sha256().hexdigest()
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return hashlib.sha256(mapped).hexdigest()


def read_manifest(path: Path) -> tuple[dict[str, str], list[str]]:
    """The manifest's entries (``warcs/<name>`` → sha256) and what is wrong with it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return {}, []
    except OSError as error:
        why = "it is a symbolic link" if error.errno == errno.ELOOP else error.strerror
        return {}, [f"cannot read it: {why}"]
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return {}, ["it is not a regular file"]
        text = fh.read().decode("utf-8", "replace")
    entries: dict[str, str] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        found = _LINE.match(line)
        if found:
            entries[found[2]] = found[1]
        elif line.strip():
            problems.append(f"line {number} is not '<sha256>  warcs/<name>'")
    return entries, problems


def check_manifest(
    data: DataDir,
    closed: list[Path],
    sound: set[str],
    sha256: Callable[[Path], str] = sha256_file,
) -> ManifestCheck:
    """Check ``closed`` WARC files against the manifest; record those in ``sound`` (names)
    that it does not list yet. ``sha256`` gives a file's hash (made ahead, perhaps)."""
    check = ManifestCheck()
    manifest, check.unreadable = read_manifest(data.manifest)
    for path in closed:
        key = f"warcs/{path.name}"
        if key in manifest:
            digest = sha256(path)
            if manifest[key] != digest:
                check.fixity.append((key, f"sha256 {digest} differs from the manifest's"))
        elif path.name in sound and not check.unreadable:
            manifest[key] = sha256(path)
            check.added += 1
    check.missing = [key for key in sorted(manifest) if not os.path.lexists(data.root / key)]
    if check.added:
        _write(data, manifest, check)
    return check


def _write(data: DataDir, manifest: dict[str, str], check: ManifestCheck) -> None:
    try:
        write_atomically(data.manifest, "".join(f"{manifest[k]}  {k}\n" for k in sorted(manifest)))
    except DataDirError as error:
        cause = error.reason
        if error.errno in READ_ONLY_ERRORS:
            check.skipped = f"the manifest was not updated ({check.added} new files): {cause}"
        else:
            check.write_error = f"cannot update it ({cause}); it is unchanged"
        check.added = 0
