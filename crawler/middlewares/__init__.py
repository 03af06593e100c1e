"""Scrapy downloader middlewares: WARC capture, retries with backoff, lazy decompression."""
