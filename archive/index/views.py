"""An article as the reading commands and the Python API show it: a revision with its
article's state (``regarkiv show``) and its list of revisions (``regarkiv history``).

Each view's ``as_dict``/``as_list`` is what the command's ``--json`` prints.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from archive.index.attachment_views import AttachmentVersion, article_attachments
from archive.index.schema import ArticleState, Revision
from archive.index.store import Index


@dataclass(frozen=True)
class ArticleView:
    """One revision of an article, with where the article stands now."""

    revision: Revision
    article: ArticleState

    def as_dict(self) -> dict[str, Any]:
        revision, state = self.revision, self.article
        return {
            "id": revision.article_id,
            "url": revision.url,
            "lang": revision.lang,
            "title": revision.title,
            "lead": revision.lead,
            "body": revision.body,
            "published": revision.published,
            "type": revision.type,
            "ministries": revision.ministries,
            "topics": revision.topics,
            "images": revision.images,
            "attachments": revision.attachments,
            "status": state.status,
            "removed_at": state.removed_at,
            "first_seen": state.first_seen,
            "last_seen": state.last_seen,
            "revision": revision.revision,
            "revisions": state.latest_revision,
            "captured_at": revision.captured_at,
            "content_hash": revision.content_hash,
            "warc_file": revision.warc_file,
            "warc_offset": revision.warc_offset,
        }


@dataclass(frozen=True)
class History(Sequence[Revision]):
    """An article's revisions, oldest first; a sequence of ``Revision``."""

    article: ArticleState
    revisions: tuple[Revision, ...]
    attachments: tuple[AttachmentVersion, ...] = ()  # versions of the documents it listed

    @overload
    def __getitem__(self, item: int) -> Revision: ...
    @overload
    def __getitem__(self, item: slice) -> Sequence[Revision]: ...
    def __getitem__(self, item: int | slice) -> Revision | Sequence[Revision]:
        return self.revisions[item]

    def __len__(self) -> int:
        return len(self.revisions)

    def __iter__(self) -> Iterator[Revision]:
        return iter(self.revisions)

    def as_list(self) -> list[dict[str, Any]]:
        """Revisions (``kind`` revision) and document versions (``kind`` attachment), in
        the order they were captured."""
        revisions = [
            {
                "kind": "revision",
                "revision": r.revision,
                "captured_at": r.captured_at,
                "title": r.title,
                "content_hash": r.content_hash,
                "warc_file": r.warc_file,
                "warc_offset": r.warc_offset,
            }
            for r in self.revisions
        ]
        versions = [version.as_dict() for version in self.attachments]
        return sorted(revisions + versions, key=lambda entry: entry["captured_at"])


def article_view(index: Index, article_id: int, revision: int | None = None) -> ArticleView:
    """Revision ``revision`` of an article (its latest when None), with its state."""
    shown = index.get_revision(article_id, revision)
    return ArticleView(shown, index.get_article(article_id))


def article_history(index: Index, article_id: int) -> History:
    revisions = tuple(index.history(article_id))
    documents = tuple(article_attachments(index, article_id))
    return History(index.get_article(article_id), revisions, documents)
