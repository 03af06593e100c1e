from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser

from archive.index.diff import diff
from archive.index.schema import Revision

OLD = Revision(
    id=1,
    article_id=3169214,
    revision=1,
    url="https://www.regjeringen.no/no/aktuelt/ulv/id3169214/",
    lang="nb",
    title="Felling av ulv i Innlandet",
    lead="Departementet gir løyve.",
    body="Regjeringen har bestemt at ulven kan felles.\n\nVedtaket gjelder i år.",
    published="2026-07-01",
    type="Pressemelding",
    ministries=["Klima- og miljødepartementet"],
    topics=[],
    images=[],
    attachments=[],
    last_modified=None,
    revised=None,
    extracted_by="template",
    content_hash="a" * 64,
    captured_at="2026-07-04T12:00:00Z",
    capture_id=1,
)
NEW = replace(
    OLD,
    id=2,
    revision=2,
    title="Lisensfelling av ulv i Innlandet",
    body="Regjeringen har i dag bestemt at to ulver kan felles.\n\nVedtaket gjelder i år.",
    content_hash="b" * 64,
    captured_at="2026-07-05T08:00:00Z",
)


def test_text_markers_keep_paragraphs() -> None:
    text = diff(OLD, NEW).to_text()
    assert text == (
        "id3169214: revision 1 (2026-07-04T12:00:00Z) -> revision 2 (2026-07-05T08:00:00Z)\n"
        "https://www.regjeringen.no/no/aktuelt/ulv/id3169214/\n"
        "title changed, 5 words added, 2 removed\n"
        "\n"
        "--- title\n"
        "[-Felling-]{+Lisensfelling+} av ulv i Innlandet\n"
        "\n"
        "--- body\n"
        "Regjeringen har {+i dag+} bestemt at [-ulven-]{+to ulver+} kan felles.\n"
        "\n"
        "Vedtaket gjelder i år.\n"
    )


def test_text_colours() -> None:
    text = diff(OLD, NEW).to_text(color=True)
    assert "\x1b[31mFelling\x1b[0m\x1b[32mLisensfelling\x1b[0m av" in text
    assert "[-" not in text


def test_whitespace_is_not_a_change() -> None:
    reflowed = replace(NEW, body=NEW.body.replace(" ", "  ").replace("\n\n", "\n"))
    result = diff(NEW, reflowed)
    assert not any(field.changed for field in result.fields)
    assert result.summary == "no text changes"


def test_json_spans() -> None:
    data = json.loads(json.dumps(diff(OLD, NEW).as_dict()))
    assert data["from"]["revision"] == 1 and data["to"]["revision"] == 2
    assert data["fields"]["title"]["changes"] == [
        {"op": "delete", "text": "Felling", "word": 0},
        {"op": "insert", "text": "Lisensfelling", "word": 0},
    ]
    assert data["fields"]["lead"] == {"changed": False, "changes": []}
    assert {"op": "insert", "text": "to ulver", "word": 6} in data["fields"]["body"]["changes"]
    assert (data["words_added"], data["words_removed"]) == (5, 2)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_every_piece_of_article_text() -> None:
    evil = "<script>alert('x')</script>"
    old = replace(OLD, title=f"Tittel {evil}", url='https://x/"><script>')
    new = replace(NEW, title=f"Ny {evil}", body=NEW.body + f" {evil} & <b>fet</b>", url=old.url)
    page = diff(old, new).to_html()
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&amp;" in page
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "b" not in parser.tags
    assert {"del", "ins", "table", "style"} <= set(parser.tags)
    assert page.startswith("<!DOCTYPE html>")
    assert "<del>Felling</del>" in diff(OLD, NEW).to_html()
