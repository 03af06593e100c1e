"""An archive for the web interface's tests, built through the Python API: an edited article
(lists, a table, many paragraphs), a removed one, a hostile one, enough others to page, and
the PDF they all list, its text indexed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from archive.index.attachments import DocumentFacts
from archive.index.store import Index
from archive.model import Article, Capture

EDITED, REMOVED, HOSTILE, ENGLISH = 3169214, 3169300, 3169400, 3169500
HOSTILE_TEXT = "<script>alert(1)</script> </textarea> ]]> <img src=x onerror=alert(2)>"
PARAGRAPHS = [f"Avsnitt {n} om regjeringens arbeid med saken." for n in range(1, 9)]
OLD_BODY = "\n\n".join(
    [
        "Regjeringen har i dag bestemt at ulven kan felles.",
        *PARAGRAPHS,
        "- første punkt",
        "- andre punkt",
        "Fylke | Ulver | Kvote",
        "Innlandet | 12 | 3",
        "Viken | 4 | 1",
        "Vedtaket gjelder i år.",
    ]
)
DOCUMENT_URL = "https://www.regjeringen.no/contentassets/a/v.pdf"  # every article lists it
DOCUMENT_TEXT = f"Vedtak om lisensfelling av ulv. Kvoten i Innlandet er fem dyr. {HOSTILE_TEXT}"
NEW_BODY = OLD_BODY.replace("Innlandet | 12 | 3", "Innlandet | 12 | 5").replace(
    "Vedtaket gjelder i år.", "Vedtaket gjelder i år og neste år."
)


def build_archive(
    root: Path, make_article: Callable[..., Article], make_capture: Callable[..., Capture]
) -> Path:
    n = 0

    def add(index: Index, article: Article) -> None:
        nonlocal n
        n += 1
        capture = make_capture(n, article.url, digest=f"sha1:{n:04d}")
        index.record_article(article, index.add_capture(capture, "job1"), capture.fetched_at)

    url = "https://www.regjeringen.no/no/aktuelt/{}/id{}/"
    with Index(root / "index.db") as index:
        edited = make_article(body=OLD_BODY)
        add(index, edited)
        removed = make_article(
            id=REMOVED, url=url.format("skatt", REMOVED), title="Skatten senkes",
            ministries=["Finansdepartementet"], type="Nyhet", body="Regjeringen senker skatten.",
        )  # fmt: skip
        add(index, removed)
        hostile = make_article(
            id=HOSTILE, url=url.format("farlig", HOSTILE), title=f"Farlig {HOSTILE_TEXT}",
            lead=HOSTILE_TEXT, body=f"Regjeringen sier {HOSTILE_TEXT}",
        )  # fmt: skip
        add(index, hostile)
        english = make_article(
            id=ENGLISH, url="https://www.regjeringen.no/en/aktuelt/wolves/id3169500/", lang="en",
            title="Wolves in Innlandet", lead="The government decided.",
            body="Wolves may be culled.",
            type="Press release", ministries=["Ministry of Climate and Environment"],
        )  # fmt: skip
        add(index, english)
        for i in range(25):
            add(
                index,
                make_article(
                    id=3170000 + i, url=url.format(f"sak-{i}", 3170000 + i), title=f"Sak {i}",
                    body=f"Regjeringen behandler sak {i}.", published=f"2025-0{1 + i % 9}-01",
                ),
            )  # fmt: skip
        add(index, replace(edited, title=edited.title + " (oppdatert)", body=NEW_BODY))
        add(index, replace(hostile, body=f"Regjeringen sier nå {HOSTILE_TEXT}"))
        n += 1
        gone = make_capture(n, removed.url, status=404, digest="sha1:GONE")
        index.mark_removed(REMOVED, gone.fetched_at, index.add_capture(gone, "job1"))
        n += 1  # the document all of them list: its text is in the index
        document = replace(
            make_capture(n, DOCUMENT_URL, digest="sha1:DOC"), content_type="application/pdf"
        )
        facts = DocumentFacts(
            sha256="ab" * 32, size=2048, format="pdf", status="text", reason=None,
            text=DOCUMENT_TEXT, pages=1, lang="nb",
        )  # fmt: skip
        index.record_attachment(document, index.add_capture(document, "job1"), facts)
    return root


@pytest.fixture(scope="module")
def web_archive(
    tmp_path_factory: pytest.TempPathFactory,
    make_article: Callable[..., Article],
    make_capture: Callable[..., Capture],
) -> Path:
    return build_archive(tmp_path_factory.mktemp("web-archive"), make_article, make_capture)
