"""The Scrapy project: the news spider, wire capture, retries and compression.

The only package that imports Scrapy or Twisted; what it fetches goes to ``archive``.
"""
