"""Small, valid image and font files, made from nothing but their parameters.

The replica's requisites must be real files a browser decodes (a replay test checks
``naturalWidth > 0`` and that the stylesheet's font loads), yet deterministic and tiny:
PNG (solid colour, zlib), baseline greyscale JPEG (every block flat: two bits a block),
ICO (a PNG inside, as browsers accept) and a TrueType font with one glyph (a square at
U+E000, the private use area, so it never changes how text reads). ``big_png`` streams
a PNG of any size in bounded memory, for the size-limit tests.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Iterator

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A stored deflate block holds at most this many bytes.
_STORED_MAX = 65535
_IDAT_SIZE = 1 << 20


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid ``rgb`` PNG of ``width`` x ``height`` (8-bit truecolour)."""
    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(row * height, 9)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def ico(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A favicon.ico holding one PNG image."""
    image = png(size, size, rgb)
    entry = struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), 22)
    return struct.pack("<HHH", 0, 1, 1) + entry + image


def jpeg(width: int, height: int) -> bytes:
    """A baseline greyscale JPEG: flat quantisation, one-symbol Huffman tables, every
    8x8 block all zero (a DC code and an end-of-block code, one bit each)."""
    blocks = math.ceil(width / 8) * math.ceil(height / 8)
    bits = 2 * blocks
    scan = b"\x00" * (bits // 8)
    if bits % 8:
        scan += bytes([(1 << (8 - bits % 8)) - 1])  # pad the last byte with ones
    return b"".join(
        (
            b"\xff\xd8",
            b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
            b"\xff\xdb\x00\x43\x00" + b"\x01" * 64,
            b"\xff\xc0\x00\x0b\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00",
            b"\xff\xc4\x00\x14\x00\x01" + b"\x00" * 15 + b"\x00",
            b"\xff\xc4\x00\x14\x10\x01" + b"\x00" * 15 + b"\x00",
            b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00",
            scan,
            b"\xff\xd9",
        )
    )


def big_png_size(side: int) -> int:
    """The byte length of ``big_png(side)``, known before a byte of it is made."""
    raw = (side * 3 + 1) * side
    stored = 2 + raw + 5 * math.ceil(raw / _STORED_MAX) + 4
    chunks = math.ceil(stored / _IDAT_SIZE)
    return len(PNG_SIGNATURE) + 25 + stored + 12 * chunks + 12


def big_png(side: int) -> Iterator[bytes]:
    """A black ``side`` x ``side`` PNG, uncompressed (stored deflate blocks), made and
    sent a megabyte at a time: 4,096 pixels a side is 50 MB that is never held whole."""
    yield PNG_SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
    raw = (side * 3 + 1) * side
    pending = bytearray(b"\x78\x01")
    adler, left = 1, raw
    zeros = bytes(_STORED_MAX)
    while left:
        size = min(left, _STORED_MAX)
        left -= size
        pending += struct.pack("<BHH", 1 if not left else 0, size, size ^ 0xFFFF)
        pending += zeros[:size]
        adler = zlib.adler32(zeros[:size], adler)
        if not left:
            pending += struct.pack(">I", adler)
        while len(pending) >= _IDAT_SIZE or (not left and pending):
            yield _chunk(b"IDAT", bytes(pending[:_IDAT_SIZE]))
            del pending[:_IDAT_SIZE]
    yield _chunk(b"IEND", b"")


def _checksum(data: bytes) -> int:
    padded = data + b"\x00" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _name_table(family: str) -> bytes:
    names = [
        (1, family),
        (2, "Regular"),
        (3, f"{family}:Regular:1.000"),
        (4, family),
        (5, "Version 1.000"),
        (6, family.replace(" ", "") + "-Regular"),
    ]
    records, strings = b"", b""
    for name_id, text in names:
        encoded = text.encode("utf-16-be")
        records += struct.pack(">HHHHHH", 3, 1, 0x409, name_id, len(encoded), len(strings))
        strings += encoded
    return struct.pack(">HHH", 0, len(names), 6 + len(records)) + records + strings


def _tables(family: str) -> dict[bytes, bytes]:
    """The ten tables of a TrueType font with .notdef (empty) and one square glyph.

    Long because a font is that many small tables; each is one struct, field by field.
    """
    square = struct.pack(">hhhhhHH", 1, 100, 0, 400, 700, 3, 0)  # 1 contour, box, no hints
    square += b"\x01" * 4  # four on-curve points, 16-bit deltas
    square += struct.pack(">hhhh", 100, 0, 300, 0) + struct.pack(">hhhh", 0, 700, 0, -700)
    square += b"\x00" * (-len(square) % 4)
    cmap_sub = struct.pack(">HHHHHHH", 4, 32, 0, 4, 4, 1, 0) + struct.pack(
        ">HHHHHHHHH", 0xE000, 0xFFFF, 0, 0xE000, 0xFFFF, (1 - 0xE000) & 0xFFFF, 1, 0, 0
    )
    os2 = struct.pack(">HhHHH", 3, 500, 400, 5, 0)
    os2 += struct.pack(">10h", 650, 700, 0, 140, 650, 700, 0, 480, 50, 250) + struct.pack(">h", 0)
    os2 += bytes(10)  # panose
    os2 += struct.pack(">IIII", 0, 1 << 28, 0, 0)  # private use area
    os2 += b"RGKV" + struct.pack(">HHH", 0x40, 0xE000, 0xE000)
    os2 += struct.pack(">hhhHH", 800, -200, 0, 800, 200) + struct.pack(">II", 1, 0)
    os2 += struct.pack(">hhHHH", 500, 700, 0, 32, 1)
    return {
        b"OS/2": os2,
        b"cmap": struct.pack(">HHHHI", 0, 1, 3, 1, 12) + cmap_sub,
        b"glyf": square,
        b"head": struct.pack(
            ">IIIIHHqqhhhhHHhhh",
            0x00010000,
            0x00010000,
            0,
            0x5F0F3CF5,
            0x000B,
            1000,
            0,
            0,
            100,
            0,
            400,
            700,
            0,
            8,
            2,
            0,
            0,
        ),  # fmt: skip
        b"hhea": struct.pack(
            ">IhhhHhhhhhhhhhhhH",
            0x00010000,
            800,
            -200,
            0,
            500,
            0,
            100,
            400,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            2,
        ),  # fmt: skip
        b"hmtx": struct.pack(">HhHh", 500, 0, 500, 100),
        b"loca": struct.pack(">HHH", 0, 0, len(square) // 2),
        b"maxp": struct.pack(">IHHHHHHHHHHHHHH", 0x00010000, 2, 4, 1, 0, 0, 2, *[0] * 8),
        b"name": _name_table(family),
        b"post": struct.pack(">IIhhIIIII", 0x00030000, 0, -100, 50, 0, 0, 0, 0, 0),
    }


def ttf(family: str) -> bytes:
    """A valid TrueType font named ``family`` (what OpenType sanitisers accept)."""
    tables = _tables(family)
    count = len(tables)
    power = 1 << (count.bit_length() - 1)
    directory = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1,
                            count * 16 - power * 16)  # fmt: skip
    offset = 12 + 16 * count
    records, body = b"", b""
    for tag in sorted(tables):
        data = tables[tag]
        records += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\x00" * (-len(data) % 4)
    font = bytearray(directory + records + body)
    head = offset + sum(
        len(tables[tag]) + (-len(tables[tag]) % 4) for tag in sorted(tables) if tag < b"head"
    )
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head + 8 : head + 12] = struct.pack(">I", adjustment)
    return bytes(font)
