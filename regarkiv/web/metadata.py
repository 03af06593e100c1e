"""Datasette's metadata for the index: what each table and column means, licence and source,
facets, and canned queries for researchers (served at ``/index`` beside the pages)."""

from __future__ import annotations

from typing import Any

DATABASE = "index"  # Datasette names a database after its file: index.db

TABLES: dict[str, dict[str, Any]] = {
    "articles": {
        "description": "One row per regjeringen.no article, keyed by the numeric id in its URL.",
        "columns": {
            "id": "The article's id (the id<N> of its URL)",
            "url": "The article's URL (of its latest revision)",
            "lang": "Language of the latest revision: nb, nn, en or se",
            "first_seen": "First capture that showed it (ISO 8601 UTC)",
            "last_seen": "Latest capture that showed it, a response or a revisit (ISO 8601 UTC)",
            "status": "live, or removed (the site answered 404/410)",
            "removed_at": "When it was found removed (ISO 8601 UTC)",
            "removed_capture_id": "The capture that found it removed",
            "latest_revision": "Number of its newest revision",
        },
        "facets": ["status", "lang"],
        "sort_desc": "last_seen",
    },
    "revisions": {
        "description": "One row per distinct content version of an article.",
        "columns": {
            "article_id": "The article (articles.id)",
            "revision": "1, 2, 3 ... per article",
            "title": "Title",
            "lead": "Lead paragraph(s)",
            "body": "Text, block after block, a blank line between blocks",
            "published": "Publication date (YYYY-MM-DD)",
            "type": "Type as labelled on the page (Pressemelding, Nyhet, Press release ...)",
            "ministries": "JSON array of ministries",
            "topics": "JSON array of topics",
            "images": "JSON array of images (src, alt, caption, credit)",
            "attachments": "JSON array of attachments (title, url, heading)",
            "last_modified": "The page's last-modified meta, as an HTTP date",
            "revised": "The page's revised meta, as an HTTP date",
            "last_modified_utc": "last_modified as ISO 8601 UTC (sorts and facets)",
            "revised_utc": "revised as ISO 8601 UTC (sorts and facets)",
            "extracted_by": "template, or fallback when the page's template was not found",
            "content_hash": "sha256 of the normalised title, lead and body",
            "captured_at": "When this revision was first captured (ISO 8601 UTC)",
            "capture_id": "The capture it was extracted from (captures.id)",
        },
        "facets": ["type", "lang", {"array": "ministries"}, {"date": "published"}],
        "sort_desc": "captured_at",
    },
    "captures": {
        "description": "One row per fetched response written to a WARC file.",
        "columns": {
            "url": "The URL fetched",
            "fetched_at": "When (ISO 8601 UTC)",
            "status": "HTTP status",
            "record_type": "response, or revisit (same payload as an earlier capture)",
            "warc_file": "WARC file in DATA/warcs/",
            "offset": "Offset of the record's gzip member in the file",
            "length": "Compressed length of that member",
            "record_id": "WARC-Record-ID",
            "payload_digest": "WARC-Payload-Digest",
            "content_type": "Content-Type of the response",
            "refers_to": "Record id of the original, for a revisit",
            "job_id": "The crawl job (jobs.id)",
            "article_id": "The article, when it was one (articles.id)",
        },
        "facets": ["status", "record_type", "job_id"],
        "sort_desc": "fetched_at",
    },
    "jobs": {
        "description": "One row per crawl job.",
        "columns": {
            "started_at": "ISO 8601 UTC",
            "ended_at": "ISO 8601 UTC",
            "status": "running, finished, interrupted or failed",
            "settings": "The crawl's options (JSON)",
            "figures": "What it did (JSON)",
            "pid": "Its process id",
        },
        "facets": ["status"],
        "sort_desc": "started_at",
    },
}

# Each links a column to the table it names (the schema has no foreign key there): the plugin
# renders such cells as links, as Datasette does for declared foreign keys.
LINKS = {
    ("captures", "article_id"): "articles",
    ("captures", "job_id"): "jobs",
    ("revisions", "article_id"): "articles",
    ("articles", "removed_capture_id"): "captures",
}

QUERIES: dict[str, dict[str, Any]] = {
    "edited_last_7_days": {
        "title": "Edited in the last 7 days",
        "description": "Revisions after the first captured in the 7 days before now.",
        "sql": (
            "select r.article_id, r.revision, r.title, r.captured_at, r.url\n"
            "from revisions r where r.revision > 1\n"
            "and r.captured_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')\n"
            "order by r.captured_at desc"
        ),
    },
    "removed_articles": {
        "title": "Removed articles",
        "description": "Articles the site no longer has, with their last title.",
        "sql": (
            "select a.id, r.title, a.removed_at, a.url, a.latest_revision\n"
            "from articles a join revisions r\n"
            "on r.article_id = a.id and r.revision = a.latest_revision\n"
            "where a.status = 'removed' order by a.removed_at desc"
        ),
    },
    "articles_per_ministry_per_month": {
        "title": "Articles per ministry per month",
        "description": "Articles by month of publication and ministry (latest revisions).",
        "sql": (
            "select substr(r.published, 1, 7) as month, m.value as ministry,\n"
            "count(*) as articles\n"
            "from articles a join revisions r\n"
            "on r.article_id = a.id and r.revision = a.latest_revision,\n"
            "json_each(r.ministries) m\n"
            "where json_valid(r.ministries) and r.published is not null\n"
            "group by month, ministry order by month desc, articles desc"
        ),
    },
}


def metadata(plugin_config: dict[str, Any]) -> dict[str, Any]:
    """The whole metadata document, with the plugin's own configuration in it."""
    return {
        "title": "regarkiv: regjeringen.no archive",
        "description": "News and press releases of regjeringen.no, every revision kept.",
        "license": "NLOD 2.0 (Norwegian Licence for Open Government Data)",
        "license_url": "https://data.norge.no/nlod/en/2.0",
        "source": "regjeringen.no",
        "source_url": "https://www.regjeringen.no/",
        "databases": {
            DATABASE: {
                "tables": {
                    **TABLES,
                    **{name: {"hidden": True} for name in _HIDDEN},
                },
                "queries": QUERIES,
            }
        },
        "plugins": {"regarkiv": plugin_config},
    }


# FTS5 shadow tables and bookkeeping: only noise in the list of tables.
_HIDDEN = (
    "revisions_stems",
    "revisions_stems_text",
    "revisions_grams",
    "_sqlite_migrations",
    "index_meta",
)
