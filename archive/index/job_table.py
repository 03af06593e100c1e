"""Crawl jobs in the index: the ``jobs`` table as ``Index`` writes and reads it.

What users and the crawl session make of jobs (a crashed job shown as interrupted,
a job's figures rebuilt from its captures) is in ``archive.index.jobs``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from archive.index.connection import Connection, json_text
from archive.index.schema import Job, iso


class JobTable(Connection):
    """The ``jobs`` table; each write is committed at once, so other processes see it."""

    def start_job(
        self,
        job_id: str,
        settings: dict[str, Any],
        pid: int | None = None,
        started_at: datetime | None = None,
    ) -> None:
        """Record a running job."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO jobs (id, started_at, status, settings, pid)"
                " VALUES (?, ?, 'running', ?, ?)",
                (job_id, iso(started_at or datetime.now(UTC)), json_text(settings), pid),
            )

    def finish_job(
        self,
        job_id: str,
        status: str,
        figures: dict[str, Any],
        ended_at: datetime | None = None,
    ) -> None:
        """Record how a job ended: ``finished``, ``interrupted`` or ``failed``."""
        with self.transaction():
            self.conn.execute(
                "UPDATE jobs SET status = ?, figures = ?, ended_at = ? WHERE id = ?",
                (status, json_text(figures), iso(ended_at or datetime.now(UTC)), job_id),
            )

    def get_job(self, job_id: str) -> Job | None:
        row = self.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row is not None else None

    def list_jobs(self) -> list[Job]:
        """Every job, oldest first, with the status recorded (see ``jobs.effective``)."""
        rows = self.conn.execute("SELECT * FROM jobs ORDER BY started_at, id")
        return [_job(row) for row in rows]


def _job(row: sqlite3.Row) -> Job:
    values = dict(row)
    values["settings"] = json.loads(values["settings"])
    values["figures"] = json.loads(values["figures"])
    return Job(**values)
