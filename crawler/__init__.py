"""Scrapy project: the news spider, wire capture and article extraction."""

__version__ = "0.1.0"
