"""Article text made safe to print: no control character reaches a terminal, a CSV cell or
an XML document raw, and what was there stays visible."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from archive.index.printable import json_printable, printable, printable_keeping_colours

HOSTILE = "Tittel\x1b]0;pwned\x07 \x1b[2J\x00\x0c\r\x7f\x85\x9b31m\ud800\ufffe\uffff slutt"
# Every character XML 1.0 allows (its Char production) below U+10000, and the rest.
XML_CHAR = set(range(0x20, 0xD800)) | set(range(0xE000, 0xFFFE)) | {0x9, 0xA, 0xD}


def test_controls_become_visible_escapes() -> None:
    assert printable(HOSTILE) == (
        "Tittel\\x1b]0;pwned\\x07 \\x1b[2J\\x00\\x0c\\x0d\\x7f\\x85\\x9b31m"
        "\\ud800\\ufffe\\uffff slutt"
    )


def test_text_people_write_is_unchanged() -> None:
    text = "Æ ø å – «sitat» … € 🇳🇴\tkolonne\nNy linje ( ) [ ] \\ ' \""
    assert printable(text) == text


def test_every_code_point_comes_out_printable_and_xml_legal() -> None:
    every = "".join(map(chr, range(0x10000)))
    shown = printable(every)
    assert {ord(c) for c in shown} <= XML_CHAR - {0xD} - set(range(0x7F, 0xA0))
    ET.fromstring(f"<t>{shown.replace('&', '&amp;').replace('<', '&lt;')}</t>")
    assert printable(shown) == shown  # escaping twice changes nothing more


def test_only_sgr_colours_survive_in_a_whole_page() -> None:
    page = f"\x1b[1mskatt\x1b[0m {HOSTILE} \x1b[31m-\x1b[0m"
    shown = printable_keeping_colours(page)
    assert shown == f"\x1b[1mskatt\x1b[0m {printable(HOSTILE)} \x1b[31m-\x1b[0m"
    assert "\x1b[2J" not in shown and "\x07" not in shown


def test_json_keeps_its_meaning_without_raw_controls() -> None:
    text = json.dumps({"title": HOSTILE}, ensure_ascii=False)
    shown = json_printable(text)
    assert json.loads(shown) == {"title": HOSTILE}
    assert printable(shown) == shown
