"""CrawlConfig: every crawl option, with its one default, its validation and its names.

One road from the user to where a value is used: `regarkiv crawl` builds a
``CrawlConfig`` from its options, hands it to Scrapy as ``REGARKIV_*`` settings
(``to_settings``), and the crawl session is built from those settings again
(``from_settings``), exactly as for ``scrapy crawl news -s REGARKIV_…=…``. A resumed job
rebuilds it from what the job recorded (``resumed``); a schedule stores the command's
options. Every ``REGARKIV_*`` setting is declared, with these defaults, in
``crawler/settings.py``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive import __version__
from archive.datadir import default_data_dir
from archive.policy import Recrawl
from archive.urls import DEFAULT_BASE_URL, LISTING_PATHS
from archive.warc import DEFAULT_GZIP_LEVEL, DEFAULT_MAX_SIZE

REAL_HOSTS = frozenset({"www.regjeringen.no", "regjeringen.no"})
PROJECT_URL = "https://github.com/regarkiv/regarkiv"


class CrawlConfigError(ValueError):
    """Crawl options that cannot work (bad language, URL, contact, ...)."""


@dataclass(frozen=True)
class CrawlConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    base_url: str = DEFAULT_BASE_URL
    langs: tuple[str, ...] = ("no", "en")
    # Politeness: the real site's rate (1 request/s per host), AutoThrottle on top.
    delay: float = 1.0
    concurrency: int = 2
    max_listing_pages: int | None = None
    max_articles: int | None = None
    since: date | None = None
    # Who to reach about the crawl; required for the real site (it goes in the User-Agent).
    contact: str = ""
    warc_max_size: int = DEFAULT_MAX_SIZE
    gzip_level: int = DEFAULT_GZIP_LEVEL
    recrawl: Recrawl = Recrawl.RECENT
    recent_days: int = 30
    resume: bool = False
    # Page requisites (CSS, scripts, fonts, images, icons) and attached documents:
    # "all" fetches them (archive/extract/requisites.py), "none" does not.
    requisites: str = "all"
    attachments: str = "all"
    # A larger one is not fetched but counted as skipped (too-large).
    requisite_max_size: int = 20 * 10**6
    attachment_max_size: int = 200 * 10**6

    def __post_init__(self) -> None:
        """Coerce what settings and job records carry as text, then validate."""
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            object.__setattr__(self, item.name, _coerce(item.name, value))
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        self._validate()

    def _validate(self) -> None:
        unknown = [lang for lang in self.langs if lang not in LISTING_PATHS]
        if unknown or not self.langs:
            raise CrawlConfigError(
                f"unknown language {unknown[0] if unknown else ''!r}; choose from no, en"
            )
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlConfigError(f"base URL must be http(s)://host, got {self.base_url!r}")
        if parts.hostname in REAL_HOSTS and not self.contact:
            raise CrawlConfigError(
                "crawling www.regjeringen.no needs a contact for the User-Agent: "
                "pass --contact EMAIL-OR-URL or set REGARKIV_CONTACT"
            )
        if not 0 <= self.gzip_level <= 9:
            raise CrawlConfigError("gzip level must be 0-9")
        if self.concurrency < 1:
            raise CrawlConfigError("concurrency must be at least 1")
        if not math.isfinite(self.delay) or self.delay < 0:
            raise CrawlConfigError(f"delay must be 0 or more seconds, not {self.delay}")
        if self.warc_max_size < 1:
            raise CrawlConfigError("WARC max size must be positive")
        if self.recent_days < 0:
            raise CrawlConfigError("recent days must not be negative")
        for name in ("requisites", "attachments"):
            if getattr(self, name) not in FETCH_CHOICES:
                raise CrawlConfigError(
                    f"bad value for {name}: {getattr(self, name)!r} (choose from all, none)"
                )
        for name in ("requisite_max_size", "attachment_max_size"):
            if getattr(self, name) < 1:
                raise CrawlConfigError(f"{name.replace('_', ' ')} must be positive")
        for name in ("max_listing_pages", "max_articles"):
            bound = getattr(self, name)
            if bound is not None and bound < 1:
                # 0 has read as "no limit" to some and "nothing" to others: neither, say so.
                words = name.replace("_", " ")
                raise CrawlConfigError(
                    f"{words} must be at least 1, not {bound} (leave it out for no limit)"
                )

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "unknown"

    @property
    def user_agent(self) -> str:
        contact = f"; contact: {self.contact}" if self.contact else ""
        return f"regarkiv/{__version__} (+{PROJECT_URL}; web archiving{contact})"

    def replace(self, **changes: Any) -> CrawlConfig:
        return dataclasses.replace(self, **changes)

    def to_settings(self) -> dict[str, Any]:
        """The ``REGARKIV_*`` settings that carry this configuration through Scrapy."""
        return {SETTINGS[name]: getattr(self, name) for name in SETTINGS}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **overrides: Any) -> CrawlConfig:
        """From ``REGARKIV_*`` settings; unset (None or "") means the default here.

        ``overrides`` (e.g. ``scrapy crawl news -a base_url=…``) win over settings.
        """
        values = {}
        for name, setting in SETTINGS.items():
            value = settings.get(setting)
            if value is not None and value != "":
                values[name] = value
        values.update({k: v for k, v in overrides.items() if v is not None and v != ""})
        try:
            return cls(**values)
        except TypeError as error:
            raise CrawlConfigError(f"unknown crawl option: {error}") from None

    def job_settings(self) -> dict[str, Any]:
        """What a job records of its configuration (JSON-ready); ``resumed`` reads it back."""
        return {
            "base_url": self.base_url,
            "langs": list(self.langs),
            "recrawl": str(self.recrawl),
            "recent_days": self.recent_days,
            "warc_max_size": self.warc_max_size,
            "gzip_level": self.gzip_level,
            "delay": self.delay,
            "concurrency": self.concurrency,
            "max_listing_pages": self.max_listing_pages,
            "max_articles": self.max_articles,
            "since": self.since.isoformat() if self.since else None,
            "requisites": self.requisites,
            "attachments": self.attachments,
            "requisite_max_size": self.requisite_max_size,
            "attachment_max_size": self.attachment_max_size,
        }

    def resumed(self, job_settings: Mapping[str, Any]) -> CrawlConfig:
        """A resumed job keeps what it crawls (site, languages, bounds) from its first run."""
        kept = {name: job_settings[name] for name in RESUME_KEEPS if name in job_settings}
        return self.replace(**kept, resume=True)


# Option -> the Scrapy setting that carries it. Politeness travels in Scrapy's own
# settings (crawler/settings.py derives them), the rest in REGARKIV_* ones.
SETTINGS: dict[str, str] = {
    "data_dir": "REGARKIV_DATA_DIR",
    "base_url": "REGARKIV_BASE_URL",
    "langs": "REGARKIV_LANGS",
    "delay": "REGARKIV_DELAY",
    "concurrency": "REGARKIV_CONCURRENCY",
    "max_listing_pages": "REGARKIV_MAX_LISTING_PAGES",
    "max_articles": "REGARKIV_MAX_ARTICLES",
    "since": "REGARKIV_SINCE",
    "contact": "REGARKIV_CONTACT",
    "warc_max_size": "REGARKIV_WARC_MAX_SIZE",
    "gzip_level": "REGARKIV_GZIP_LEVEL",
    "recrawl": "REGARKIV_RECRAWL",
    "recent_days": "REGARKIV_RECENT_DAYS",
    "resume": "REGARKIV_RESUME",
    "requisites": "REGARKIV_REQUISITES",
    "attachments": "REGARKIV_ATTACHMENTS",
    "requisite_max_size": "REGARKIV_REQUISITE_MAX_SIZE",
    "attachment_max_size": "REGARKIV_ATTACHMENT_MAX_SIZE",
}
RESUME_KEEPS = (
    "base_url",
    "langs",
    "recrawl",
    "recent_days",
    "max_listing_pages",
    "max_articles",
    "since",
    "requisites",
    "attachments",
    "requisite_max_size",
    "attachment_max_size",
)
_INTS = {
    "concurrency",
    "max_listing_pages",
    "max_articles",
    "warc_max_size",
    "gzip_level",
    "requisite_max_size",
    "attachment_max_size",
}
FETCH_CHOICES = ("all", "none")


def _coerce(name: str, value: Any) -> Any:
    """A value as settings (``-s NAME=text``) or a job record may carry it, typed."""
    try:
        if value is None:
            return None
        if name == "data_dir":
            return Path(value)
        if name == "langs":
            parts = value.split(",") if isinstance(value, str) else value
            return tuple(str(part).strip() for part in parts if str(part).strip())
        if name == "since":
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        if name == "recrawl":
            return Recrawl(value)
        if name == "resume":
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        if name == "delay":
            return float(value)
        if name in _INTS or name == "recent_days":
            return int(value)
        if name in ("base_url", "contact", "requisites", "attachments"):
            return str(value)
        return value
    except ValueError:
        choices = f" (choose from {', '.join(Recrawl)})" if name == "recrawl" else ""
        raise CrawlConfigError(f"bad value for {name}: {value!r}{choices}") from None
