"""The replica's attached documents: which file a ``/contentassets/`` URL is, and its bytes.

An article lists its attachments as ``/contentassets/<32 hex>/<file>.<ext>`` (site.md §2).
The hex is random-looking, but its last eight digits are the listing article's id and its
first two decide what the file is (``kind_of``): mostly PDFs with a text layer, some
scanned (image-only) or encrypted PDFs, DOCX and XLSX files, and, on purpose, bad inputs:
a damaged PDF, a zero-byte PDF, a DOCX that is a zip bomb, a PDF served as text/html.

Documents are deterministic from (seed, article, position, revision), in the article's
language and vocabulary, so a word of a document can be searched for. The revision of a
document changes its bytes at the same URL: the first attachment of an article changes
with each edit of the article, and a "silent" one (a quarter of them) with every site
version after the one that published its article, while the article's page stays the same.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from random import Random
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from replica import lexicon, pdf
from replica.text import Writer

if TYPE_CHECKING:
    from replica.site import Site

PATH = re.compile(r"^/contentassets/([0-9a-f]{32})/([^/]+\.(pdf|docx|xlsx))$")
# By the first byte of the hex: (kind, extension). Text PDFs are by far the commonest.
_KINDS = (
    *[("pdf", "pdf")] * 20,
    ("pdf-scanned", "pdf"),
    ("pdf-scanned", "pdf"),
    ("pdf-encrypted", "pdf"),
    ("docx", "docx"),
    ("docx", "docx"),
    ("docx", "docx"),
    ("xlsx", "xlsx"),
    ("xlsx", "xlsx"),
    ("pdf-damaged", "pdf"),
    ("pdf-empty", "pdf"),
    ("docx-bomb", "docx"),
    ("pdf-wrong-type", "pdf"),
)
KINDS = tuple(sorted({kind for kind, _ in _KINDS}))
BAD_KINDS = ("pdf-encrypted", "pdf-damaged", "pdf-empty", "docx-bomb", "pdf-wrong-type")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PASSWORD = "hemmelig"
BOMB_BYTES = 64_000_000  # of zeros, deflated to ~62 kB
_ZIP_TIME = (2026, 7, 3, 14, 0, 55)


def hex_for(bits: int, article_id: int) -> str:
    """The URL's 32 hex digits: 24 of ``bits``, then the article id."""
    return f"{bits:032x}"[:24] + f"{article_id % 2**32:08x}"


def kind_of(hex_digits: str) -> tuple[str, str]:
    """(kind, extension) of the document behind a URL's hex."""
    return _KINDS[int(hex_digits[:2], 16) % len(_KINDS)]


def article_of(path: str) -> int | None:
    """The id of the article listing the document at ``path``, if it is one."""
    match = PATH.match(path.split("?", 1)[0])
    return int(match[1][24:], 16) if match else None


@dataclass(frozen=True)
class Document:
    path: str
    kind: str
    title: str  # the link's title
    revision: int  # 0 until its bytes are first replaced
    body: bytes
    content_type: str


def find(site: Site, path: str) -> Document | None:
    """The document at ``path`` as the site serves it now, or None (not listed by a live
    article)."""
    article_id = article_of(path)
    if article_id is None or article_id not in site.catalog.by_id or not site.is_live(article_id):
        return None
    links = site.attachment_links(article_id)
    for position, link in enumerate(links):
        if link.href == path:
            meta = site.meta(article_id)
            kind, extension = kind_of(PATH.match(path)[1])  # type: ignore[index]
            revision = (len(site.edits(article_id)) if position == 0 else 0) + (
                site.version - meta.version if silent(path) else 0
            )
            owner = meta.ministries[0]
            body = _body(
                site.seed, (article_id, owner, meta.lang), position, revision, kind, link.title
            )
            content_type = CONTENT_TYPES[extension]
            if kind == "pdf-wrong-type":
                content_type = "text/html; charset=utf-8"
            return Document(path, kind, link.title, revision, body, content_type)
    return None


def silent(path: str) -> bool:
    """Whether the document is replaced at every site version, its article unchanged."""
    match = PATH.match(path)
    return bool(match) and int(match[1][2], 16) < 4  # type: ignore[index]


Owner = tuple[int, int, str]  # an article's id, owning ministry (index) and language


def paragraphs(seed: int, article: Owner, position: int, revision: int) -> list[str]:
    """The document's text, paragraph by paragraph: the same for the same arguments."""
    article_id, owner, lang = article
    rng = Random((seed * 1_000_003 + article_id) * 64 + 40 + position)
    writer = Writer(lang, rng, lexicon.ministries()[owner], 2026)
    count = 6 + rng.randint(0, 90)  # one page to a few
    found = [writer.paragraph(3, 6) for _ in range(count)]
    for number in range(1, revision + 1):
        found.insert(min(number, len(found)), _revision_note(writer, number))
    return found


def _revision_note(writer: Writer, number: int) -> str:
    if writer.lang == "en":
        return f"Corrected version {number + 1}: the figures in table {number} are updated."
    return f"Rettet versjon {number + 1}: tallene i tabell {number} er oppdatert."


@lru_cache(maxsize=256)
def _body(seed: int, article: Owner, position: int, revision: int, kind: str, title: str) -> bytes:
    article_id = article[0]
    text = paragraphs(seed, article, position, revision)
    if kind == "pdf-empty":
        return b""
    if kind == "docx-bomb":
        return _bomb()
    if kind == "docx":
        return docx(title, text)
    if kind == "xlsx":
        return xlsx(title, text)
    if kind == "pdf-scanned":
        streams, image = pdf.image_pages(1 + len(text) // 30, article_id % 251)
        return pdf.build(streams, image=image, title=title)
    whole = pdf.build(
        pdf.text_pages(title, text), password=PASSWORD if kind == "pdf-encrypted" else None
    )
    if kind == "pdf-damaged":
        noise = Random(article_id).randbytes(len(whole) // 2)
        return whole[:9] + noise  # the header, then nothing any reader can repair
    return whole


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{type}"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="{target}" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def docx(title: str, text: list[str]) -> bytes:
    """A Word document: the title as a heading, then one paragraph each."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in (title, *text)
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    )
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _zip(
        [
            ("[Content_Types].xml", _TYPES.format(part="word/document.xml", type=main).encode()),
            ("_rels/.rels", _RELS.format(target="word/document.xml").encode()),
            ("word/document.xml", document.encode()),
        ]
    )


def xlsx(title: str, text: list[str]) -> bytes:
    """A workbook of one sheet: a title row, then one row per paragraph (its first
    sentence and its length), strings shared as Excel writes them."""
    strings = [title, *(p.split(". ")[0] for p in text)]
    rows = ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>']
    for number, paragraph in enumerate(text, 2):
        rows.append(
            f'<row r="{number}"><c r="A{number}" t="s"><v>{number - 1}</v></c>'
            f'<c r="B{number}"><v>{len(paragraph)}</v></c></row>'
        )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_S}">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )
    shared = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_S}" '
        f'count="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    ) + "</sst>"
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_S}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Tall" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = _RELS.format(target="worksheets/sheet1.xml").replace(
        "officeDocument/2006/relationships/officeDocument",
        "officeDocument/2006/relationships/worksheet",
    )
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    return _zip(
        [
            ("[Content_Types].xml", _TYPES.format(part="xl/workbook.xml", type=main).encode()),
            ("_rels/.rels", _RELS.format(target="xl/workbook.xml").encode()),
            ("xl/workbook.xml", workbook.encode()),
            ("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
            ("xl/worksheets/sheet1.xml", sheet.encode()),
            ("xl/sharedStrings.xml", shared.encode()),
        ]
    )


@lru_cache(maxsize=1)
def _bomb() -> bytes:
    """A DOCX whose document part inflates from ~62 kB to ``BOMB_BYTES``."""
    spaces = b" " * BOMB_BYTES
    document = b'<w:document xmlns:w="' + _W.encode() + b'"><w:body>' + spaces
    return _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", document)])
