"""The JSON columns of a revision: the same bytes as ``json.dumps(asdict(...))`` gave."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from archive.index.store import Index
from archive.model import Article, Attachment, Capture, Image


def test_a_revisions_json_columns_are_those_json_dumps_of_asdict_gave(
    tmp_path: Path,
    make_article: Callable[..., Article],
    make_capture: Callable[..., Capture],
) -> None:
    article = make_article(
        ministries=["Klima- og miljødepartementet", "Finansdepartementet"],
        topics=["Naturmangfold", "Skatt «og» avgift"],
        images=[Image("Ulv i snø.", "Ola Nordmann / NTB", "https://x/ulv.jpg", None)],
        attachments=[
            Attachment("Høringsnotat", "https://x/a.pdf", "Dokumenter\nVedlegg"),
            Attachment("Brev", "https://x/b.pdf"),
        ],
    )
    with Index(tmp_path / "index.db") as index:
        capture_id = index.add_capture(make_capture(1), None, article.id)
        index.record_article(article, capture_id, make_capture(1).fetched_at)
        index.commit()
        row = index.conn.execute(
            "SELECT ministries, topics, images, attachments FROM revisions"
        ).fetchone()
    dumps = [
        json.dumps(value, ensure_ascii=False)
        for value in (
            article.ministries,
            article.topics,
            [asdict(image) for image in article.images],
            [asdict(item) for item in article.attachments],
        )
    ]
    assert list(row) == dumps
