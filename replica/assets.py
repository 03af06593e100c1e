"""Static bodies: attachment PDFs, article images, robots.txt, the RSS feed.

Attachments and images are tiny but valid files whose bytes depend only on their path,
so a later capture of the same URL is byte-identical (a WARC revisit).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from replica.templating import load

ROBOTS_MODIFIED = "Wed, 17 Jun 2026 12:29:10 GMT"  # from the real capture's headers
ROBOTS_ETAG = 'W/"1dcfe54e5c6eb2d"'
ASSET_MODIFIED = "Fri, 03 Jul 2026 14:00:55 GMT"

# A baseline 8x8 grey JPEG: JFIF header, flat quantisation table, one-symbol Huffman
# tables and a single all-zero block. Valid for any decoder, and under 160 bytes.
_JPEG = b"".join(
    (
        b"\xff\xd8",
        b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
        b"\xff\xdb\x00\x43\x00" + b"\x01" * 64,
        b"\xff\xc0\x00\x0b\x08\x00\x08\x00\x08\x01\x01\x11\x00",
        b"\xff\xc4\x00\x14\x00\x01" + b"\x00" * 15 + b"\x00",
        b"\xff\xc4\x00\x14\x10\x01" + b"\x00" * 15 + b"\x00",
        b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00",
        b"\x3f",
        b"\xff\xd9",
    )
)


def jpeg() -> bytes:
    return _JPEG


def pdf(name: str) -> bytes:
    """A one-page PDF naming the file; cross-reference offsets computed, so it is valid."""
    label = name.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 12 Tf 72 720 Td (regjeringen.no replica: {label}) Tj ET".encode(
        "latin-1", "replace"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def robots(base_url: str, with_sitemap: bool = True) -> bytes:
    """The real rules verbatim; the Sitemap line points at the replica's own host (a
    replica without a sitemap has none)."""
    text = load("robots.txt").render(sitemap=f"{base_url}/globalassets/sitemap/sitemap.xml")
    if not with_sitemap:
        text = "".join(line for line in text.splitlines(True) if not line.startswith("Sitemap:"))
    return text.encode()


def rss(
    title: str,
    link: str,
    self_link: str,
    language: str,
    items: list[tuple[str, str, str, str, str, datetime]],
) -> bytes:
    """RSS 2.0; items are (title, url, description, category, creator, published)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n  <channel>\n'
        f"    <title>{escape(title)}</title>\n    <link>{escape(link)}</link>\n"
        f"    <description>{escape(title)}</description>\n    <language>{language}</language>\n"
        f'    <atom:link href="{escape(self_link)}" rel="self" type="application/rss+xml" />\n'
    ]
    for item_title, url, description, category, creator, published in items:
        canonical = url.split("?", 1)[0]
        parts.append(
            f"    <item>\n      <title>{escape(item_title)}</title>\n"
            f"      <link>{escape(url)}</link>\n"
            f"      <description>{escape(description)}</description>\n"
            f"      <category>{escape(category)}</category>\n"
            f"      <dc:creator>{escape(creator)}</dc:creator>\n"
            f'      <guid isPermaLink="true">{escape(canonical)}</guid>\n'
            f"      <pubDate>{format_datetime(published, usegmt=True)}</pubDate>\n    </item>\n"
        )
    parts.append("  </channel>\n</rss>\n")
    return "".join(parts).encode()
