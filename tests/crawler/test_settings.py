"""Scrapy settings of the crawl: what is on, what is off, and why it matters."""

from __future__ import annotations

from pathlib import Path

from crawler.run import CrawlOptions


def test_no_console_into_a_running_crawl(tmp_path: Path) -> None:
    settings = CrawlOptions(data_dir=tmp_path).scrapy_settings()
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    # Scrapy's remote control runs Python code sent to it over HTTP.
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
