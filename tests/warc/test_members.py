"""Walking gzip members in windows of large blocks, and reading one at its own length."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.warc import members as warc_members
from archive.warc.members import iter_members, read_member_at
from archive.warc.reader import read_record_at
from archive.warc.records import MalformedRecord


def _record(n: int, size: int, noise: Callable[[int], bytes]) -> bytes:
    return f"WARC/1.1\r\nWARC-Record-ID: {n}\r\n\r\n".encode() + noise(size)


@pytest.mark.parametrize("chunk", [1 << 20, 4096, 100])  # members across block edges
def test_every_member_is_found_with_its_offset_and_length(
    noise, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warc_members, "CHUNK", chunk)
    # Small, window-sized and larger-than-a-block members, in one file.
    contents = [_record(n, size, noise) for n, size in enumerate((10, 40_000, 1_500_000, 0, 9))]
    compressed = [gzip.compress(content) for content in contents]
    found = list(iter_members(io.BytesIO(b"".join(compressed))))
    assert [m.data for m in found] == contents
    assert [m.length for m in found] == [len(c) for c in compressed]
    assert [m.offset for m in found] == [sum(map(len, compressed[:n])) for n in range(5)]


@pytest.mark.parametrize("chunk", [1 << 20, 4096, 100])  # a resync within a block and across
def test_a_damaged_member_is_skipped_to_the_next_good_one(
    noise, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warc_members, "CHUNK", chunk)
    good = [gzip.compress(_record(n, 50_000, noise)) for n in range(3)]
    broken = good[1][:20] + b"\x00" * 200 + good[1][220:]
    found = list(iter_members(io.BytesIO(good[0] + broken + good[2])))
    assert [m.data is None for m in found] == [False, True, False]
    assert found[1].offset == len(good[0]) and found[1].length == len(broken)
    assert found[2].offset == len(good[0]) + len(broken)
    assert found[2].data == _record(2, 50_000, noise)


def test_read_at_its_own_length_gives_the_walked_member(noise) -> None:
    file = b"".join(gzip.compress(_record(n, 30_000, noise)) for n in range(4))
    walked = list(iter_members(io.BytesIO(file)))
    for member in walked:
        assert read_member_at(io.BytesIO(file), member.offset, member.length) == member
    too_short = read_member_at(io.BytesIO(file), walked[1].offset, walked[1].length - 1)
    assert too_short.data is None and too_short.error
    too_long = read_member_at(io.BytesIO(file), walked[1].offset, walked[1].length + 1)
    assert (
        too_long.data is None
        and too_long.error == f"the member is not {walked[1].length + 1} bytes long"
    )


def test_read_record_at_with_the_index_length(tmp_path: Path, exchange, make_writer) -> None:
    with make_writer(tmp_path) as writer:
        captures = [
            writer.write(exchange(f"https://www.regjeringen.no/no/id{n}/")) for n in range(3)
        ]
    path = writer.closed_files[0]
    for capture in captures:
        assert read_record_at(path, capture.offset, capture.length).capture == capture
    with pytest.raises(MalformedRecord, match="not .* bytes long"):
        read_record_at(path, captures[0].offset, captures[0].length + 5)


def _flagged(member: bytes, flags: int, extra: bytes = b"") -> bytes:
    """``member`` (as gzip.compress writes it: no flags) with header flags and what they add."""
    return member[:3] + bytes([flags]) + member[4:10] + extra + member[10:]


def test_the_walk_is_the_same_whichever_library_inflates(
    noise, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ISA-L reads a member only where zlib would read it the same: a header with flags
    (a name: readable; a reserved bit: zlib refuses it, ISA-L would not) and a member
    ISA-L cannot read go to zlib, whose verdicts and words the reports quote."""
    good = [gzip.compress(_record(n, 20_000, noise)) for n in range(6)]
    named = _flagged(good[1], 0x08, b"name.warc\x00")  # FNAME
    reserved = _flagged(good[2], 0x20)
    corrupt = good[3][:40] + bytes(b ^ 0x55 for b in good[3][40:90]) + good[3][90:]
    file = b"".join((good[0], named, reserved, corrupt, good[4], good[5][:-30]))
    isal = warc_members.inflate.LIBRARY != "zlib"
    used: list[int] = []
    real = warc_members.inflate.decompressobj

    def counted(wbits: int) -> warc_members.inflate.Decompressor:
        used.append(wbits)
        return real(wbits)

    monkeypatch.setattr(warc_members.inflate, "decompressobj", counted)
    walked = list(iter_members(io.BytesIO(file)))
    monkeypatch.setattr(warc_members.inflate, "LIBRARY", "zlib")
    assert walked == list(iter_members(io.BytesIO(file)))
    assert walked[0].data == _record(0, 20_000, noise)
    assert walked[1].data == _record(1, 20_000, noise)  # zlib reads the named member
    assert walked[2].data is None and "unknown header flags" in (walked[2].error or "")
    assert walked[-1].error == warc_members.CUT_SHORT
    assert bool(used) == isal  # where installed, ISA-L read the members without flags


def test_a_resync_within_a_block_reads_on_from_the_blocks_end(
    noise, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next good member found inside the block read already: the walk goes on there
    and reads the next block from where that block ends (the search for it moved the
    file), so ISA-L reads every good member once and zlib only the damaged one (where ISA-L
    is installed: a misread block would send the member across its edge to zlib too)."""
    monkeypatch.setattr(warc_members, "CHUNK", 4096)
    good = [gzip.compress(_record(n, 300, noise), mtime=0) for n in range(40)]  # ~16 blocks
    broken = good[2][:20] + b"\x00" * 40 + good[2][60:]
    by_zlib: list[int] = []
    real = warc_members.zlib.decompressobj

    def counted(wbits: int) -> object:
        by_zlib.append(wbits)
        return real(wbits)

    monkeypatch.setattr(warc_members.zlib, "decompressobj", counted)
    found = list(iter_members(io.BytesIO(b"".join((*good[:2], broken, *good[3:])))))
    assert [m.data is None for m in found] == [False, False, True] + [False] * 37
    assert [m.data for m in found[3:]] == [_record(n, 300, noise) for n in range(3, 40)]
    if warc_members.inflate.LIBRARY != "zlib":
        assert len(by_zlib) == 1
