"""Which articles list a document (``archive.index.attachment_search.listing_articles``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from archive.index.attachment_search import listing_articles
from archive.index.store import Index
from archive.model import Article, Attachment, Capture

PDF = "https://www.regjeringen.no/contentassets/a/notat.pdf"


def test_an_article_that_no_longer_lists_a_document_shows_its_newest_revision_that_did(
    tmp_path: Path,
    make_article: Callable[..., Article],
    make_capture: Callable[..., Capture],
) -> None:
    """Capture times are whole seconds: revisions of an article can share one, and the later
    is the newer (its link text is the one shown)."""
    first = make_article(attachments=[Attachment("Notat", PDF)])
    second = replace(first, body=first.body + "\n\nEndret.", attachments=[Attachment("Nytt", PDF)])
    third = replace(second, body=second.body + " Igjen.", attachments=[])
    with Index(tmp_path / "index.db") as index:
        for number, article in enumerate((first, second, third), start=1):
            capture = replace(make_capture(1), record_id=f"<urn:uuid:{number}>")
            capture_id = index.add_capture(capture, None, article.id)
            index.record_article(article, capture_id, capture.fetched_at)
        index.commit()
        revisions = index.conn.execute("SELECT revision, captured_at FROM revisions").fetchall()
        assert len({row[1] for row in revisions}) == 1 and len(revisions) == 3
        (row,) = listing_articles(index.conn, PDF)
        assert (row["revision"], row["link_title"]) == (2, "Nytt")
