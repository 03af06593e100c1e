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


def test_a_damaged_member_is_skipped_to_the_next_good_one(noise) -> None:
    good = [gzip.compress(_record(n, 50_000, noise)) for n in range(3)]
    broken = good[1][:20] + b"\x00" * 200 + good[1][220:]
    found = list(iter_members(io.BytesIO(good[0] + broken + good[2])))
    assert [m.data is None for m in found] == [False, True, False]
    assert found[1].offset == len(good[0]) and found[1].length == len(broken)
    assert found[2].offset == len(good[0]) + len(broken)


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
