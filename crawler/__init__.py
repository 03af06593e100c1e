"""Scrapy project: the news spider, wire capture and article extraction."""
