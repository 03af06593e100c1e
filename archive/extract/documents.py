"""Text of an attached document (PDF, Office Open XML, OpenDocument, CSV, RTF), bounded.

Runs in the indexer process (``archive.ingest.prepare``), so a document must never crash
it, hang it or fill its memory. Every document gets an outcome (``DocumentText.status``):

- ``text``: its text was extracted;
- ``no-text-layer``: a PDF whose pages hold no text (scanned images; no OCR here);
- ``encrypted``: it needs a password;
- ``damaged``: it cannot be parsed (truncated, empty, not what its name says);
- ``too-large``: past a limit below (the text extracted before it is kept);
- ``unsupported``: a format with no extractor here (``.doc``, ``.xls``, ``.ppt``, ``.zip``).

PDF goes through pypdfium2 (PDFium, the PDF engine of Chromium; BSD-3-Clause/Apache-2.0,
compatible with the project's MIT licence, ships wheels with the library inside, and is
maintained): it opens the PDFs pdfminer.six stumbles on and is several times faster (see
``benchmarks/documents.py``). PDFium is C and cannot be interrupted, so the bounds are
per page: a page cap and a time budget checked between pages. The zip-based formats are
read with ``zipfile`` and lxml's ``iterparse`` with bounds on member count, each
member's size and compression ratio, so a zip bomb is refused before it is inflated.
"""

from __future__ import annotations

import re
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from lxml import etree

from archive.extract import office
from archive.extract.bounds import (
    MAX_BYTES,
    MAX_PAGES,
    MAX_TEXT_CHARS,
    TIME_BUDGET_S,
    DocumentError,
    check_time,
    one_line,
)
from archive.extract.rtf import rtf_text

# What a malformed file makes the readers raise (ValueError and OSError too).
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, etree.LxmlError, EOFError, zlib.error)

STATUSES = ("text", "no-text-layer", "encrypted", "damaged", "too-large", "unsupported")

# What a URL's extension, a Content-Type or the first bytes say a document is.
EXTENSIONS = {
    ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".pptx": "pptx", ".odt": "odt",
    ".ods": "ods", ".odp": "odp", ".csv": "csv", ".rtf": "rtf", ".txt": "txt",
    ".doc": "doc", ".xls": "xls", ".ppt": "ppt", ".zip": "zip",
}  # fmt: skip
CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "text/csv": "csv",
    "application/zip": "zip",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt


@dataclass(frozen=True)
class DocumentText:
    """What extraction made of one document."""

    format: str  # "pdf", "docx", ... (see EXTENSIONS)
    status: str  # one of STATUSES
    reason: str | None  # why, for every status but a complete "text"
    text: str
    pages: int | None = None  # PDF pages, slides, sheets
    lang: str = "nb"  # the stemmer its words need: "nb" or "en" (a guess from its words)


def document_format(url: str, content_type: str | None, body: bytes) -> str | None:
    """What document ``body`` is, or None when it is not one (a page, an image, a script).

    The bytes decide first (a PDF served as text/html is a PDF), then the URL's
    extension, then the Content-Type. robots.txt is never a document: every crawl fetches
    it, and its ``.txt`` name would otherwise make it an attachment version of each job.
    """
    if urlsplit(url).path == "/robots.txt":
        return None
    if body.startswith(b"%PDF-"):
        return "pdf"
    if body.startswith(_OLE):
        return _by_extension(url) or "doc"
    found = _by_extension(url)
    if found is None and content_type:
        found = CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())
    return found


def _by_extension(url: str) -> str | None:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return EXTENSIONS.get(suffix)


def extract_document(body: bytes, kind: str, *, budget_s: float = TIME_BUDGET_S) -> DocumentText:
    """The text of a document of format ``kind``, within the bounds above; never raises."""
    if not body:
        return DocumentText(kind, "damaged", "empty file (0 bytes)", "")
    if len(body) > MAX_BYTES:
        why = f"{len(body):,} bytes, over the {MAX_BYTES:,}-byte extraction limit"
        return DocumentText(kind, "too-large", why, "")
    reader = _READERS.get(kind)
    if reader is None:
        return DocumentText(kind, "unsupported", f"no text extractor for .{kind} files", "")
    deadline = time.monotonic() + budget_s
    parts: list[str] = []
    status: str = "text"
    reason: str | None = None
    pages: int | None = None
    try:
        pages = reader(body, parts, deadline)
    except DocumentError as error:
        status, reason = error.status, error.reason
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        etree.LxmlError,
        EOFError,
        zlib.error,
    ) as error:
        status, reason = "damaged", f"cannot read the {kind} file: {one_line(error)}"
    except (ValueError, OSError, NotImplementedError, RuntimeError) as error:
        status, reason = "damaged", f"cannot read the {kind} file: {one_line(error)}"
    text = _bounded("\n\n".join(part for part in parts if part))
    if len(text) == MAX_TEXT_CHARS and status == "text":
        status, reason = "too-large", f"text cut at {MAX_TEXT_CHARS:,} characters"
    if status == "text" and not text.strip():
        if kind == "pdf":
            status, reason = "no-text-layer", f"no text on any of its {pages} pages (scanned?)"
        else:
            reason = "the document holds no text"
    return DocumentText(kind, status, reason, text, pages, guess_lang(text))


def _bounded(text: str) -> str:
    return text[:MAX_TEXT_CHARS]


def _pdf(body: bytes, parts: list[str], deadline: float) -> int:
    # Imported at the first PDF, not with the module: ~18 ms at the start of every indexer
    # and reindex process, most of which never meet a PDF.
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as error:
        if error.err_code in (pdfium.raw.FPDF_ERR_PASSWORD, pdfium.raw.FPDF_ERR_SECURITY):
            raise DocumentError("encrypted", "the PDF needs a password") from None
        raise DocumentError("damaged", f"cannot open the PDF: {one_line(error)}") from None
    try:
        total = len(document)
        size = 0
        for number in range(min(total, MAX_PAGES)):
            check_time(deadline, f"{number} of {total} pages")
            page = document[number]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n")
                textpage.close()
            finally:
                page.close()
            parts.append(text.strip())
            size += len(text)
            if size > MAX_TEXT_CHARS:
                raise DocumentError(
                    "too-large", f"text past {MAX_TEXT_CHARS:,} characters at page {number + 1}"
                )
        if total > MAX_PAGES:
            raise DocumentError("too-large", f"{total:,} pages: only the first {MAX_PAGES:,} read")
        return total
    finally:
        document.close()


def _decode(body: bytes) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


def _plain(body: bytes, parts: list[str], deadline: float) -> None:
    parts.append(_bounded(_decode(body)).replace("\r\n", "\n"))


def _rtf(body: bytes, parts: list[str], deadline: float) -> None:
    if not body.lstrip().startswith(b"{\\rtf"):
        raise DocumentError("damaged", "not an RTF file (no {\\rtf header)")
    parts.append(rtf_text(body.decode("latin-1"), MAX_TEXT_CHARS))


_READERS: dict[str, Callable[[bytes, list[str], float], int | None]] = {
    "pdf": _pdf,
    "docx": office.docx,
    "xlsx": office.xlsx,
    "pptx": office.pptx,
    "odt": office.odf,
    "ods": office.odf,
    "odp": office.odf,
    "csv": _plain,
    "txt": _plain,
    "rtf": _rtf,
}

_NB = frozenset((
    "og", "er", "det", "som", "på", "til", "av", "med", "ikke", "har", "om", "vi", "skal",
    "eller", "kan", "fra", "ved",
))  # fmt: skip
_EN = frozenset((
    "the", "and", "of", "to", "is", "in", "that", "with", "on", "are", "be", "this", "by",
    "from", "it", "will",
))  # fmt: skip
_GUESS_WORDS = 2_000


def guess_lang(text: str) -> str:
    """``en`` when the first words are mostly English function words, else ``nb``."""
    words = re.findall(r"[^\W\d_]+", text[:20_000].lower())[:_GUESS_WORDS]
    norwegian = sum(word in _NB for word in words)
    english = sum(word in _EN for word in words)
    return "en" if english > norwegian else "nb"
