"""A small, deterministic PDF writer: text pages, image-only pages, RC4 encryption.

Enough of PDF 1.4 for the replica's attachments to be real documents: every reader opens
them (cross-reference offsets computed), text pages have a text layer in Helvetica with
WinAnsiEncoding (so æ, ø and å extract as themselves), a scanned-looking PDF has only an
image, and an encrypted one uses the standard security handler (revision 2, RC4 40-bit)
with a user password, so it opens only with that password. The same input gives the same
bytes: no dates, and the file id is a hash of the content.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Sequence

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
LINE_CHARS = 88  # Helvetica 10 pt across the text width
LINES_PER_PAGE = 60
_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
_PERMISSIONS = -44  # print, copy and annotate allowed; the other bits as the spec wants


def wrap(paragraphs: Sequence[str], width: int = LINE_CHARS) -> list[str]:
    """Lines of at most ``width`` characters, a blank line between paragraphs."""
    lines: list[str] = []
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines += [line, ""] if line else [""]
    return lines[:-1] if lines and lines[-1] == "" else lines


def _string(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def text_pages(title: str, paragraphs: Sequence[str]) -> list[bytes]:
    """Content streams: the title in bold, then the paragraphs, ``LINES_PER_PAGE`` a page."""
    lines = wrap(paragraphs)
    pages = []
    first = True
    while lines or first:
        chunk, lines = lines[:LINES_PER_PAGE], lines[LINES_PER_PAGE:]
        ops = [b"BT"]
        top = PAGE_HEIGHT - 72
        if first:
            ops += [b"/F2 14 Tf", b"56 %d Td" % top, _string(title) + b" Tj", b"0 -28 Td"]
        else:
            ops += [b"56 %d Td" % top]
        ops += [b"/F1 10 Tf", b"12 TL"]
        ops += [_string(line) + b" Tj T*" for line in chunk]
        ops.append(b"ET")
        pages.append(b"\n".join(ops))
        first = False
    return pages


def image_pages(count: int, seed: int) -> tuple[list[bytes], bytes]:
    """Content streams that each draw one grey image, and the image (no text at all)."""
    size = 64
    pixels = bytes((x * 3 + y * 5 + seed) % 256 for y in range(size) for x in range(size))
    image = (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %%d >>" % (size, size),
        zlib.compress(pixels, 9),
    )
    stream = b"q 483 0 0 680 56 90 cm /Im1 Do Q"
    return [stream] * count, image[0] % len(image[1]) + b"\nstream\n" + image[1] + b"\nendstream"


def _rc4(key: bytes, data: bytes) -> bytes:
    box = list(range(256))
    j = 0
    for i in range(256):
        j = (j + box[i] + key[i % len(key)]) % 256
        box[i], box[j] = box[j], box[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + box[i]) % 256
        box[i], box[j] = box[j], box[i]
        out.append(byte ^ box[(box[i] + box[j]) % 256])
    return bytes(out)


def _padded(password: str) -> bytes:
    return (password.encode("latin-1") + _PAD)[:32]


class _Encryption:
    """The standard security handler, revision 2 (PDF 1.4, algorithms 3.1 to 3.4)."""

    def __init__(self, user: str, owner: str, file_id: bytes) -> None:
        self.owner_entry = _rc4(hashlib.md5(_padded(owner)).digest()[:5], _padded(user))
        permissions = struct.pack("<i", _PERMISSIONS)
        seed = _padded(user) + self.owner_entry + permissions + file_id
        self.key = hashlib.md5(seed).digest()[:5]
        self.user_entry = _rc4(self.key, _PAD)

    def encrypt(self, number: int, data: bytes) -> bytes:
        salt = struct.pack("<I", number)[:3] + b"\x00\x00"
        return _rc4(hashlib.md5(self.key + salt).digest()[:10], data)

    def dictionary(self) -> bytes:
        return b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (
            self.owner_entry.hex().encode(),
            self.user_entry.hex().encode(),
            _PERMISSIONS,
        )


def build(
    streams: Sequence[bytes],
    *,
    image: bytes | None = None,
    password: str | None = None,
    title: str = "",
) -> bytes:
    """A PDF of one page per content stream; ``password``: encrypted, opening needs it."""
    count = len(streams)
    first_page = 6
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(count)), count),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
        b"/Encoding /WinAnsiEncoding >>",
    }
    resources = b"/Font << /F1 3 0 R /F2 4 0 R >>"
    if image is not None:
        objects[5] = image
        resources += b" /XObject << /Im1 5 0 R >>"
    file_id = hashlib.md5(b"".join(streams) + title.encode()).digest()
    crypt = _Encryption(password, "regarkiv-eier", file_id) if password else None
    for i, stream in enumerate(streams):
        page, contents = first_page + 2 * i, first_page + 2 * i + 1
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << %s >> >>" % (PAGE_WIDTH, PAGE_HEIGHT, contents, resources)
        )
        data = crypt.encrypt(contents, stream) if crypt else stream
        objects[contents] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)
    if crypt and image is not None:
        head, _, rest = image.partition(b"\nstream\n")
        pixels = crypt.encrypt(5, rest.removesuffix(b"\nendstream"))
        objects[5] = head + b"\nstream\n" + pixels + b"\nendstream"
    info = max(objects) + 1
    title_bytes = _string(title)
    if crypt:
        title_bytes = (
            b"<%s>" % crypt.encrypt(info, title.encode("cp1252", "replace")).hex().encode()
        )
    objects[info] = b"<< /Title %s /Producer (regarkiv replica) >>" % title_bytes
    trailer = b"/Root 1 0 R /Info %d 0 R /ID [<%s> <%s>]" % (
        info,
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    if crypt:
        objects[info + 1] = crypt.dictionary()
        trailer += b" /Encrypt %d 0 R" % (info + 1)
    return _serialise(objects, trailer)


def _serialise(objects: dict[int, bytes], trailer: bytes) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)
