"""Scrapy settings of the crawl: what is on, what is off, and why it matters."""

from __future__ import annotations

import inspect
from collections.abc import Generator
from pathlib import Path

from scrapy.addons import AddonManager
from scrapy.crawler import Crawler

from archive.config import CrawlConfig
from crawler.run import scrapy_settings
from crawler.spiders.news import NewsSpider

LOCAL = "http://127.0.0.1:8080"


def test_no_console_into_a_running_crawl(tmp_path: Path) -> None:
    settings = scrapy_settings(CrawlConfig(data_dir=tmp_path, base_url=LOCAL))
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    # Scrapy's remote control runs Python code sent to it over HTTP.
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False


def test_the_configuration_round_trips_through_scrapy_settings(tmp_path: Path) -> None:
    config = CrawlConfig(
        data_dir=tmp_path, base_url=LOCAL, langs=("en",), delay=0, concurrency=8, recent_days=7
    )
    assert CrawlConfig.from_settings(scrapy_settings(config)) == config


def test_every_option_has_a_declared_setting_with_the_configs_default() -> None:
    from crawler import settings

    for name in CrawlConfig(base_url=LOCAL).to_settings():
        assert hasattr(settings, name), f"{name} is not declared in crawler/settings.py"
    assert CrawlConfig.gzip_level == settings.REGARKIV_GZIP_LEVEL
    assert CrawlConfig.recent_days == settings.REGARKIV_RECENT_DAYS


def test_politeness_and_user_agent_follow_the_configuration(tmp_path: Path) -> None:
    config = CrawlConfig(data_dir=tmp_path, base_url=LOCAL, delay=0, concurrency=8, contact="a@b")
    crawler = Crawler(NewsSpider, scrapy_settings(config))
    settings = crawler.settings
    AddonManager(crawler).load_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 8
    assert settings.getint("CONCURRENT_REQUESTS") == 8
    assert "contact: a@b" in settings["USER_AGENT"]


def test_the_real_site_defaults_are_polite(tmp_path: Path) -> None:
    config = CrawlConfig(data_dir=tmp_path, contact="archive@example.org")
    crawler = Crawler(NewsSpider, scrapy_settings(config))
    settings = crawler.settings
    AddonManager(crawler).load_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert "regarkiv/" in settings["USER_AGENT"] and "archive@example.org" in settings["USER_AGENT"]


def test_only_the_scrapy_components_the_crawl_uses_are_on(tmp_path: Path) -> None:
    """Each component costs CPU on the reactor for every request or response."""
    settings = scrapy_settings(CrawlConfig(data_dir=tmp_path, base_url=LOCAL))
    on = {
        name
        for key in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS")
        for name, order in settings.getwithbase(key).items()
        if order is not None
    }
    needed = {
        "robotstxt.RobotsTxtMiddleware", "cookies.CookiesMiddleware", "redirect.RedirectMiddleware",
        "useragent.UserAgentMiddleware", "defaultheaders.DefaultHeadersMiddleware",
        "referer.RefererMiddleware", "httperror.HttpErrorMiddleware", "throttle.AutoThrottle",
        "capture.WarcCaptureMiddleware", "retry.BackoffRetryMiddleware",
    }  # fmt: skip
    unused = {
        "corestats.CoreStats", "logstats.LogStats", "memusage.MemoryUsage", "stats.DownloaderStats",
        "depth.DepthMiddleware", "urllength.UrlLengthMiddleware", "telnet.TelnetConsole",
        "remote_control.RemoteControl", "feedexport.FeedExporter", "httpauth.HttpAuthMiddleware",
    }  # fmt: skip
    short = {name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1] for name in on}
    assert needed <= short
    assert not unused & short
    assert settings.get("STATS_CLASS").endswith("DummyStatsCollector")
    # Scrapy imports every extension named, even as None; the remote control imports aiohttp.
    named = {**settings.getdict("EXTENSIONS_BASE"), **settings.getdict("EXTENSIONS")}
    assert not any("telnet" in name or "remote_control" in name for name in named)


def test_no_callback_is_a_generator_returning_a_value(tmp_path: Path) -> None:
    """What Scrapy's WARN_ON_GENERATOR_RETURN_VALUE checks at every response, turned off in
    the crawl (it parses the callback's source again and again), checked here once."""
    from scrapy.utils.misc import is_generator_with_return_value

    from crawler.resources import ResourceRequests
    from crawler.sitemaps import SitemapDiscovery

    settings = scrapy_settings(CrawlConfig(data_dir=tmp_path, base_url=LOCAL))
    assert settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE") is False
    callbacks = [
        getattr(owner, name)
        for owner in (NewsSpider, ResourceRequests, SitemapDiscovery)
        for name, value in vars(owner).items()
        if callable(value) and (name.startswith("parse") or "_parse" in name)
    ]
    assert len(callbacks) >= 4, callbacks
    generators = [c for c in callbacks if inspect.isgeneratorfunction(c)]
    assert generators, "parse_listing and parse_resource are generators: the check must see them"
    assert not [c.__qualname__ for c in callbacks if is_generator_with_return_value(c)]

    def returns_a_value() -> Generator[int, None, int]:  # what the check is there to catch
        yield 1
        return 2

    assert is_generator_with_return_value(returns_a_value)
