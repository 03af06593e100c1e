"""Bodies inflate to the same bytes through ISA-L as through zlib, and damage is zlib.error."""

from __future__ import annotations

import gzip
import random
import zlib

import pytest

from archive.warc import inflate
from archive.warc.reader import decode_body


def _payloads() -> list[bytes]:
    rng = random.Random(13)
    pages = [b"<p>Regjeringen foresl\xc3\xa5r</p>" * rng.randrange(1, 3000) for _ in range(8)]
    noise = [rng.randbytes(rng.randrange(0, 70_000)) for _ in range(8)]
    return [b"", *pages, *noise]


def test_isal_is_the_inflater_here() -> None:
    # A dependency in pyproject.toml: an install without it falls back to zlib, slower.
    assert inflate.LIBRARY == "isal.isal_zlib"


def test_without_isal_zlib_inflates(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise ImportError(name)

    monkeypatch.setattr(inflate.importlib, "import_module", missing)
    assert inflate._library() == (zlib, zlib.error)


@pytest.mark.parametrize("payload", _payloads(), ids=lambda p: f"{len(p)}B")
def test_every_coding_gives_zlibs_bytes(payload: bytes) -> None:
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    codings = {
        "gzip": gzip.compress(payload, mtime=0),
        "deflate": zlib.compress(payload),
        "x-gzip": gzip.compress(payload, compresslevel=1, mtime=0),
    }
    for coding, body in codings.items():
        assert decode_body(body, coding) == payload
    assert decode_body(raw.compress(payload) + raw.flush(), "deflate") == payload
    assert decode_body(gzip.compress(gzip.compress(payload)), "gzip, gzip") == payload


def test_damage_is_zlib_error_as_before() -> None:
    whole = gzip.compress(b"<p>Hei</p>" * 5000, mtime=0)
    crc = bytearray(whole)
    crc[-6] ^= 1  # the trailer's CRC-32: the bytes inflate, the check fails
    middle = bytearray(whole)
    middle[len(middle) // 2] ^= 0xFF
    for damaged in (bytes(crc), bytes(middle), whole[:20], whole[:-8], b"not gzip at all"):
        with pytest.raises(zlib.error):
            decode_body(damaged, "gzip")
