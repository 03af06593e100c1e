"""Text extraction from attached documents: every format, and every bad input refused with
its reason, within its bounds, never raising."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from archive.extract import bounds
from archive.extract.documents import document_format, extract_document, guess_lang
from replica import documents, pdf

TEXT = [
    "Regjeringen foreslår å styrke beredskapen på Svalbard.",
    "Tiltakene omfatter havnene i Longyearbyen og Ny-Ålesund, og økte bevilgninger.",
]


def text_pdf(paragraphs: list[str] = TEXT, **options: object) -> bytes:
    return pdf.build(pdf.text_pages("Høringsnotat", paragraphs), **options)  # type: ignore[arg-type]


def test_a_pdf_with_a_text_layer_gives_its_text_with_norwegian_letters() -> None:
    found = extract_document(text_pdf(), "pdf")
    assert (found.status, found.reason, found.pages, found.lang) == ("text", None, 1, "nb")
    assert "Høringsnotat" in found.text and "Ny-Ålesund, og økte bevilgninger" in found.text


def test_a_long_pdf_has_every_page() -> None:
    many = [f"Avsnitt {n} om grønn omstilling i kommunene." for n in range(400)]
    found = extract_document(text_pdf(many), "pdf")
    assert found.pages is not None and found.pages > 5
    assert "Avsnitt 399 om" in found.text


def test_a_scanned_pdf_has_no_text_layer() -> None:
    streams, image = pdf.image_pages(3, 1)
    found = extract_document(pdf.build(streams, image=image), "pdf")
    assert found.status == "no-text-layer" and found.text == "" and found.pages == 3
    assert "3 pages" in (found.reason or "")


def test_an_encrypted_pdf_is_recorded_as_such() -> None:
    found = extract_document(text_pdf(password="hemmelig"), "pdf")
    assert (found.status, found.reason, found.text) == ("encrypted", "the PDF needs a password", "")


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.4\n" + bytes(range(256)) * 40,  # a header, then garbage
        b"%PDF-1.7\n",  # a header only
        b"<html><body>Not found</body></html>",  # an error page saved as .pdf
    ],
)
def test_a_damaged_pdf_is_damaged(body: bytes) -> None:
    found = extract_document(body, "pdf")
    assert found.status == "damaged" and "cannot open the PDF" in (found.reason or "")


def test_a_zero_byte_pdf_is_damaged() -> None:
    assert extract_document(b"", "pdf").reason == "empty file (0 bytes)"
    assert extract_document(b"", "pdf").status == "damaged"


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated() -> None:
    started = time.perf_counter()
    found = extract_document(documents._bomb(), "docx")
    assert found.status == "too-large" and "zip bomb" in (found.reason or "")
    assert time.perf_counter() - started < 1.0


def test_a_zip_whose_header_lies_about_its_size_is_not_read_past_it() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 500_000)
    raw = bytearray(data.getvalue())
    # Both headers claim 100 bytes uncompressed: a reader trusting them would be fooled.
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = raw.find(signature)
        raw[start + at : start + at + 4] = (100).to_bytes(4, "little")
    found = extract_document(bytes(raw), "docx")
    assert found.status == "damaged"


def test_too_many_zip_members_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("archive.extract.office.MAX_MEMBERS", 3)
    found = extract_document(documents.xlsx("Tall", TEXT), "xlsx")
    assert found.status == "too-large" and "zip entries" in (found.reason or "")


def test_docx_and_xlsx_give_their_text() -> None:
    word = extract_document(documents.docx("Høringsnotat", TEXT), "docx")
    assert word.status == "text" and word.text.splitlines()[0] == "Høringsnotat"
    assert TEXT[1] in word.text
    sheet = extract_document(documents.xlsx("Tall per fylke", TEXT), "xlsx")
    assert sheet.status == "text" and sheet.pages == 1
    assert sheet.text.splitlines()[0] == "Tall per fylke"
    assert sheet.text.splitlines()[1] == f"{TEXT[0].split('. ')[0]} | {len(TEXT[0])}"


def test_odt_pptx_rtf_and_csv_give_their_text() -> None:
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            "<office:body><office:text><text:h>Vedtak</text:h><text:p>Fylket får "
            "<text:span>tilskudd</text:span>.</text:p></office:text></office:body>"
            "</office:document-content>",
        )
    assert extract_document(odt.getvalue(), "odt").text == "Vedtak\nFylket får tilskudd."
    slides = io.BytesIO()
    with zipfile.ZipFile(slides, "w") as archive:
        for n in (2, 1, 10):
            archive.writestr(
                f"ppt/slides/slide{n}.xml",
                '<p:sld xmlns:p="p" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/'
                f'main"><a:p><a:r><a:t>Lysbilde {n}</a:t></a:r></a:p></p:sld>',
            )
    shown = extract_document(slides.getvalue(), "pptx")
    assert shown.text.split("\n\n") == ["Lysbilde 1", "Lysbilde 2", "Lysbilde 10"]
    rtf = rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Hei p\'e5 deg\par Gr\u248?nn\par}"
    assert extract_document(rtf, "rtf").text == "Hei på deg\nGrønn"
    csv = "kommune;beløp\nTromsø;12,5\n".encode("cp1252")
    assert extract_document(csv, "csv").text.startswith("kommune;beløp\nTromsø")


def test_unsupported_and_unparseable_formats_say_so() -> None:
    assert extract_document(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "doc").status == "unsupported"
    assert extract_document(b"PK\x03\x04", "zip").reason == "no text extractor for .zip files"
    assert extract_document(b"not a zip at all", "docx").status == "damaged"
    assert extract_document(b"plain text", "rtf").status == "damaged"


def test_a_document_over_the_size_limit_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("archive.extract.documents.MAX_BYTES", 100)
    found = extract_document(text_pdf(), "pdf")
    assert found.status == "too-large" and "extraction limit" in (found.reason or "")


def test_the_time_budget_and_page_cap_stop_a_pdf_and_keep_what_was_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    many = [f"Avsnitt {n} om kommunene." for n in range(300)]
    found = extract_document(text_pdf(many), "pdf", budget_s=0)
    assert found.status == "too-large" and "time budget" in (found.reason or "")
    monkeypatch.setattr("archive.extract.documents.MAX_PAGES", 2)
    capped = extract_document(text_pdf(many), "pdf")
    assert capped.status == "too-large" and "only the first 2" in (capped.reason or "")
    assert "Avsnitt 0 om" in capped.text and "Avsnitt 299" not in capped.text
    assert bounds.MAX_PAGES >= 1000


def test_what_a_response_is_comes_from_its_bytes_then_its_name_then_its_type() -> None:
    url = "https://www.regjeringen.no/contentassets/ab/notat.pdf"
    assert document_format(url, "text/html; charset=utf-8", b"%PDF-1.4 ...") == "pdf"
    assert document_format(url.replace(".pdf", ".docx"), None, b"PK") == "docx"
    assert document_format(url.replace(".pdf", "?uid=1"), "application/pdf", b"") == "pdf"
    assert document_format("https://www.regjeringen.no/no/id4/", "text/html", b"<!DOC") is None
    assert document_format("https://www.regjeringen.no/x/bilde.jpg", "image/jpeg", b"\xff") is None
    robots = "https://www.regjeringen.no/robots.txt"
    assert document_format(robots, "text/plain", b"User-agent: *\n") is None
    listed = "https://www.regjeringen.no/contentassets/a/tall.txt"
    assert document_format(listed, None, b"1") == "txt"


def test_the_language_guess_picks_the_stemmer() -> None:
    assert guess_lang("The Government is to present the budget and the plan.") == "en"
    assert guess_lang(" ".join(TEXT)) == "nb"
