"""Office Open XML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS, ODP) text, bounded.

These are zip files of XML parts. Members are read through ``_Zip``, which refuses a
member whose declared size or compression ratio says zip bomb before inflating it, and
never reads more than declared; XML goes through lxml's ``iterparse`` with entities, the
network and huge trees off, clearing each paragraph once read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from lxml import etree

from archive.extract.bounds import (
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR,
    DocumentError,
    check_time,
)


class _Zip:
    """A zip-based document, its members read within the bounds above."""

    def __init__(self, body: bytes, deadline: float) -> None:
        self.archive = zipfile.ZipFile(io.BytesIO(body))
        self.deadline = deadline
        self.read_total = 0
        infos = self.archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DocumentError("too-large", f"{len(infos):,} zip entries (limit {MAX_MEMBERS:,})")
        self.names = {info.filename: info for info in infos}

    def open(self, name: str) -> io.BytesIO:
        """A member's bytes, refused when its size or ratio says zip bomb."""
        info = self.names.get(name)
        if info is None:
            raise DocumentError("damaged", f"no {name} in the file")
        check_time(self.deadline, f"reading {self.read_total:,} bytes")
        declared, packed = info.file_size, max(info.compress_size, 1)
        if declared > MAX_MEMBER_BYTES or (
            declared > RATIO_FLOOR and declared / packed > MAX_RATIO
        ):
            raise DocumentError(
                "too-large",
                f"zip bomb? {name} expands from {packed:,} to {declared:,} bytes "
                f"(limits: {MAX_MEMBER_BYTES:,} bytes, {MAX_RATIO}x)",
            )
        if self.read_total + declared > MAX_TOTAL_BYTES:
            raise DocumentError("too-large", f"parts past {MAX_TOTAL_BYTES:,} bytes in all")
        with self.archive.open(info) as member:
            # Never more than declared (+1): a header that lies is caught here, not by memory.
            data = member.read(declared + 1)
        if len(data) > declared:
            raise DocumentError("damaged", f"{name} is larger than its zip header says")
        self.read_total += len(data)
        return io.BytesIO(data)

    def matching(self, pattern: str) -> list[str]:
        found = [name for name in self.names if re.fullmatch(pattern, name)]
        return sorted(found, key=lambda name: [int(n) for n in re.findall(r"\d+", name)] or [0])


def _events(stream: io.BytesIO) -> Iterator[tuple[str, etree._Element]]:
    # No entities, no network, no huge trees: a document's XML cannot reach out or balloon.
    return etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ooxml_text(stream: io.BytesIO, para: str, text: str, cell: str | None = None) -> str:
    """Paragraphs (``para`` elements) of ``text`` runs; table cells joined by `` | ``."""
    lines: list[str] = []
    current: list[str] = []
    row: list[str] | None = None
    for event, element in _events(stream):
        name = _local(element.tag)
        if event == "start":
            if name == "tr":
                row = []
            continue
        if name == text and element.text:
            current.append(element.text)
        elif name in ("tab",):
            current.append("\t")
        elif name in ("br", "cr"):
            current.append("\n")
        elif name == para:
            line = "".join(current).strip()
            current = []
            if row is not None and line:
                row.append(line)
            elif line:
                lines.append(line)
            element.clear()
        elif name == "tr" and row is not None:
            if row:
                lines.append(" | ".join(row))
            row = None
            element.clear()
        elif cell is not None and name == cell:
            element.clear()
    return "\n".join(lines)


def docx(body: bytes, parts: list[str], deadline: float) -> int | None:
    archive = _Zip(body, deadline)
    for name in ("word/document.xml", *archive.matching(r"word/(footnotes|endnotes)\.xml")):
        parts.append(_ooxml_text(archive.open(name), "p", "t"))
    return None


def pptx(body: bytes, parts: list[str], deadline: float) -> int:
    archive = _Zip(body, deadline)
    slides = archive.matching(r"ppt/slides/slide\d+\.xml")
    for name in slides:
        parts.append(_ooxml_text(archive.open(name), "p", "t"))
    return len(slides)


def xlsx(body: bytes, parts: list[str], deadline: float) -> int:
    archive = _Zip(body, deadline)
    shared: list[str] = []
    if "xl/sharedStrings.xml" in archive.names:
        for event, element in _events(archive.open("xl/sharedStrings.xml")):
            if event == "end" and _local(element.tag) == "si":
                shared.append("".join(element.itertext()))
                element.clear()
    sheets = archive.matching(r"xl/worksheets/sheet\d+\.xml")
    for name in sheets:
        rows: list[str] = []
        for event, element in _events(archive.open(name)):
            if event == "end" and _local(element.tag) == "row":
                cells = [_cell(c, shared) for c in element if _local(c.tag) == "c"]
                if any(cells):
                    rows.append(" | ".join(cells))
                element.clear()
        parts.append("\n".join(rows))
    return len(sheets)


def _cell(cell: etree._Element, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(cell.itertext()).strip()
    value = next((child.text or "" for child in cell if _local(child.tag) == "v"), "")
    if kind == "s" and value.isdigit():
        index = int(value)
        return shared[index].strip() if index < len(shared) else ""
    return value.strip()


def odf(body: bytes, parts: list[str], deadline: float) -> int | None:
    archive = _Zip(body, deadline)
    lines: list[str] = []
    row: list[str] | None = None
    for event, element in _events(archive.open("content.xml")):
        name = _local(element.tag)
        if event == "start":
            if name == "table-row":
                row = []
            continue
        if name in ("p", "h"):
            line = " ".join("".join(element.itertext()).split())
            if line:
                (row if row is not None else lines).append(line)
            element.clear()
        elif name == "table-row" and row is not None:
            if row:
                lines.append(" | ".join(row))
            row = None
    parts.append("\n".join(lines))
    return None
