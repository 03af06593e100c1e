"""The Scrapy add-on that turns the crawl configuration into Scrapy's own settings.

Scrapy applies add-ons before it freezes the settings, for `regarkiv crawl` and
`scrapy crawl news` alike: the User-Agent names the operator's contact, and the
download delay, AutoThrottle and concurrency follow the politeness options. A setting the
user gave on the command line (``-s NAME=…``) is left as given.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from archive.config import CrawlConfig

_CMDLINE = SETTINGS_PRIORITIES["cmdline"]


def derived_settings(config: CrawlConfig) -> dict[str, Any]:
    """Scrapy settings that follow from the configuration."""
    return {
        "USER_AGENT": config.user_agent,
        "DOWNLOAD_DELAY": config.delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency,
        # --delay 0 (the replica, a mirror of one's own) means as fast as allowed.
        "AUTOTHROTTLE_ENABLED": config.delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(config.delay, 0.1),
        "CONCURRENT_REQUESTS": config.concurrency,
    }


class RegarkivAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        config = CrawlConfig.from_settings(settings)
        for name, value in derived_settings(config).items():
            if (settings.getpriority(name) or 0) < _CMDLINE:
                settings.set(name, value, priority="cmdline")
