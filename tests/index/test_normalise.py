"""A change of the text contract is not an edit: pages read under the previous contract
and read again under the current one are the same revision (archive/index/normalise.py).

tests/fixtures/contract1-articles.json holds what regarkiv a53db67 (the previous contract:
a ``<br>`` a space, the heading of a section holding only attachments kept in the body)
extracted from the pages in tests/fixtures/ and ../shared/real-pages/.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from archive.extract.article import extract_article
from archive.index.normalise import content_hash, normalise_text, same_but_for_headings
from archive.index.store import Index, Outcome
from archive.model import Article, Attachment
from tests.support.paths import FIXTURES

PREVIOUS = json.loads((FIXTURES / "contract1-articles.json").read_text(encoding="utf-8"))
BY_PAGE = {entry["page"]: entry for entry in PREVIOUS["articles"]}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index(tmp_path / "index.db") as opened:
        yield opened


def page_bytes(page: str, read_real: Callable[[str], bytes]) -> bytes:
    where, name = page.split("/", 1)
    return (FIXTURES / name).read_bytes() if where == "fixtures" else read_real(name)


def as_read_then(entry: dict[str, Any], now: Article) -> Article:
    """The Article the previous contract made of the page (its text and attachments)."""
    attachments = [Attachment(a["title"], a["url"]) for a in entry["attachments"]]
    text = {key: entry[key] for key in ("title", "lead", "body")}
    return replace(now, **text, attachments=attachments)


def test_a_line_break_hashes_as_the_space_it_was() -> None:
    then = content_hash("Tittel", "Ingress", "Kontakt: Ola Nordmann, rådgivar\n\nTelefon")
    now = content_hash("Tittel", "Ingress", "Kontakt: Ola Nordmann,\nrådgivar\n\nTelefon")
    assert then == now


@pytest.mark.parametrize("page", sorted(BY_PAGE))
def test_a_page_read_under_the_previous_contract_is_unchanged(
    page: str, index: Index, record: Callable[[Index, Article, int], Outcome], read_real
) -> None:
    entry = BY_PAGE[page]
    now = extract_article(page_bytes(page, read_real), entry["url"])
    then = as_read_then(entry, now)
    assert then.body != now.body  # the contract changed how this page reads
    assert record(index, then, 0) is Outcome.NEW_ARTICLE
    assert record(index, now, 1) is Outcome.UNCHANGED
    assert [r.revision for r in index.history(now.id)] == [1]
    # An edit is still one, with or without the old headings to leave out.
    edited = replace(now, body=now.body.replace(" ", " ikke ", 1))
    assert record(index, edited, 2) is Outcome.NEW_REVISION
    assert [r.revision for r in index.history(now.id)] == [1, 2]


def test_the_pages_cover_both_changes() -> None:
    bodies = [entry["body"] for entry in PREVIOUS["articles"]]
    headings = {"Høringsnotat", "Høyringsnotat", "Documents", "Vedlegg", "Dokument i saka"}
    assert any(block in headings for body in bodies for block in body.split("\n\n"))
    assert "Kontakt: Ola Nordmann, rådgivar" in BY_PAGE["fixtures/news-nn.html"]["body"]


HEADED = [Attachment("Notat", "https://www.regjeringen.no/contentassets/a/n.pdf", "Vedlegg")]


def same(then_body: str, now_body: str, attachments: list[Attachment] = HEADED) -> bool:
    now = Article(1, "u", "nb", "Tittel", "", now_body, None, None, attachments=attachments)
    return same_but_for_headings("Tittel", "", then_body, now, content_hash("Tittel", "", now_body))


def test_only_headings_of_the_attachments_are_left_out() -> None:
    assert same("Brev\n\nVedlegg\n\nInstanser", "Brev\n\nInstanser")
    assert same("Brev\n\nVedlegg\n\nInstanser", "Brev\n\nInstanser", []) is False
    assert same("Brev\n\nSlettet\n\nInstanser", "Brev\n\nInstanser") is False
    # A heading the current text still shows is text: removing it is an edit.
    assert same("Vedlegg\n\nBrev\n\nVedlegg", "Brev\n\nVedlegg") is False
    nested = [replace(HEADED[0], heading="Fakta\nVedlegg")]
    assert same("Brev\n\nFakta\n\nVedlegg", "Brev", nested)
    assert same("Brev\n\nFakta\n\nVedlegg\n\nTillegg", "Brev", nested) is False


def _split_join(text: str) -> str:
    """normalise_text as it was before its fast path: the reference."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    for char in "\u200b\u00ad\ufeff\u2060":
        text = text.replace(char, "")
    return " ".join(text.split())


@pytest.mark.parametrize(
    "text",
    [
        "Ett avsnitt.\n\nEtt til.\nEn linje.",
        "\n\nfør\n\n\nog etter\n",
        " mellomrom  to ganger ",
        "tab\there, nbsp\u00a0there, thin\u2009there, line\u2028sep\r\nCRLF",
        "myk\u00adbindestrek null\u200bbredde e\u0301",
        "\x1c\x1d\x1e\x1f\x85 kontroll \x0b\x0c",
        "",
        "\n",
        "én",
    ],
)
def test_normalised_text_is_the_split_and_join_of_it(text: str) -> None:
    assert normalise_text(text) == _split_join(text)


def test_random_texts_normalise_as_split_and_join() -> None:
    alphabet = ["a", "ø", "–", " ", "  ", "\n", "\n\n", "\n\n\n", "\t", "\u00a0", "\r", "\u00ad"]
    rng = random.Random(46)
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        assert normalise_text(text) == _split_join(text), repr(text)


def test_no_whitespace_but_the_space_is_printable() -> None:
    # Why the fast path may trust isprintable(): it is False for every other whitespace.
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]
