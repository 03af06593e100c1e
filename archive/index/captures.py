"""Captures in the index, and the revisit lookup the WARC writer asks before each record.

``lookup_capture`` may be called from any thread: it reads through a connection of
that thread's own, plus the captures added since the last commit, which no other
connection can see yet (kept in memory until the commit).
"""

from __future__ import annotations

import operator
import sqlite3
import threading

from archive.index.connection import Connection
from archive.index.schema import iso, parse_iso
from archive.model import Capture

# The dataclass fields stored as columns of the same name (named, not asdict(): a field
# added to Capture must not break the INSERT).
CAPTURE_FIELDS = (
    "url",
    "status",
    "record_type",
    "record_id",
    "warc_file",
    "offset",
    "length",
    "payload_digest",
    "content_type",
    "refers_to",
)


_capture_fields = operator.attrgetter(*CAPTURE_FIELDS)
# Built once, positional: the same row as naming each value, without building the
# statement and a dictionary of values for every capture.
_INSERT_CAPTURE = (
    f"INSERT INTO captures ({', '.join((*CAPTURE_FIELDS, 'fetched_at', 'job_id', 'article_id'))})"
    f" VALUES ({', '.join('?' * (len(CAPTURE_FIELDS) + 3))})"
)
# A record id already stored (a catch-up after a crash, the same WARC read twice): the one
# row, given the article id it lacked. Only after the plain INSERT failed: RETURNING and
# the upsert cost 11 µs a capture against 6.5 for the INSERT and its row id.
_UPSERT_CAPTURE = (
    _INSERT_CAPTURE + " ON CONFLICT (record_id) DO UPDATE"
    " SET article_id = coalesce(captures.article_id, excluded.article_id)"
    " RETURNING id"
)


class Captures(Connection):
    """The ``captures`` table, and the captures not committed yet."""

    def _init_memory(self) -> None:
        super()._init_memory()
        # Captures not yet committed, for lookup_capture on other connections: the newest
        # 2xx capture of each URL, and the responses by (URL, payload digest).
        self._recent: dict[str, Capture] = {}
        self._recent_responses: dict[tuple[str, str], Capture] = {}
        self._recent_lock = threading.Lock()

    def _forget_memory(self) -> None:
        super()._forget_memory()
        with self._recent_lock:
            self._recent.clear()
            self._recent_responses.clear()

    def add_capture(
        self, capture: Capture, job_id: str | None, article_id: int | None = None
    ) -> int:
        """Store a capture and return its row id; the same record id twice is one row."""
        self._begin()
        values = (*_capture_fields(capture), iso(capture.fetched_at), job_id, article_id)
        try:
            row_id: int | None = self.conn.execute(_INSERT_CAPTURE, values).lastrowid
        except sqlite3.IntegrityError:  # the upsert raises it again if not the record id
            row_id = self.conn.execute(_UPSERT_CAPTURE, values).fetchone()[0]
        if row_id is None:  # an INSERT that succeeded always has one
            raise sqlite3.DatabaseError("the capture was stored without a row id")
        if 200 <= capture.status < 300:
            with self._recent_lock:
                self._recent[capture.url] = capture
                if capture.record_type == "response":
                    self._recent_responses[(capture.url, capture.payload_digest)] = capture
        self._done()
        return row_id

    def lookup_capture(self, url: str, payload_digest: str) -> Capture | None:
        """The response a new capture of ``url`` with this payload may be a revisit of.

        Only when the newest 2xx capture of ``url`` has this payload: a page that changed
        and changed back (A, B, A) is a full response again, so its extraction records the
        change back. The original is the newest *response* with the payload (a revisit
        must refer to a record that holds it). Safe to call from any thread.
        """
        with self._recent_lock:
            newest = self._recent.get(url)
            original = self._recent_responses.get((url, payload_digest))
        if newest is None:
            newest = self._capture_row(
                "SELECT * FROM captures WHERE url = ? AND status BETWEEN 200 AND 299"
                " ORDER BY fetched_at DESC, id DESC LIMIT 1",
                (url,),
            )
        if newest is None or newest.payload_digest != payload_digest:
            return None
        if original is None:
            original = self._capture_row(
                "SELECT * FROM captures"
                " WHERE url = ? AND payload_digest = ? AND record_type = 'response'"
                " ORDER BY fetched_at DESC, id DESC LIMIT 1",
                (url, payload_digest),
            )
        return original

    def archived_urls(self) -> set[str]:
        """Every URL but an article's with a 2xx capture: what a crawl need not fetch again
        (archive/resources.py). One query, which a crawl makes once, at its start."""
        rows = self._reader().execute(
            "SELECT DISTINCT url FROM captures"
            " WHERE status BETWEEN 200 AND 299 AND article_id IS NULL"
        )
        return {row[0] for row in rows}

    def _capture_row(self, sql: str, params: tuple[object, ...]) -> Capture | None:
        row = self._reader().execute(sql, params).fetchone()
        if row is None:
            return None
        return Capture(
            **{name: row[name] for name in CAPTURE_FIELDS},
            fetched_at=parse_iso(row["fetched_at"]),
        )
