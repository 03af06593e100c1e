"""Scrapy settings for regarkiv: only what we change, each with its reason.

Defaults are right for crawling www.regjeringen.no itself; the CLI overrides
the politeness settings when pointed at the local replica.
"""

import os

from archive import __version__

BOT_NAME = "regarkiv"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The site publishes robots.txt rules for filtered/sorted listings; we honour them.
ROBOTSTXT_OBEY = True
# Identify ourselves with a way to reach the operator (REGARKIV_CONTACT fills it in).
REGARKIV_CONTACT = ""
USER_AGENT = f"regarkiv/{__version__} (+https://github.com/regarkiv/regarkiv; web archiving)"

# 1 request/s per host, slowed further by AutoThrottle when the site is slow.
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
# The spider yields requests only, never items: Scrapy (2.13+) starts this many worker
# tasks per response to process callback output, which at the default 100 cost ~20% of
# the crawl's CPU (benchmarks/bench.py).
CONCURRENT_ITEMS = 1

# The WARC needs the wire-level request/response heads (see crawler/wire.py).
DOWNLOAD_HANDLERS = {
    "http": "crawler.wire.WireHTTPDownloadHandler",
    "https": "crawler.wire.WireHTTPDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # Closest to the downloader, so it sees every response before redirects,
    # retries and decompression act on it: every fetch is captured as it came.
    "crawler.middlewares.capture.WarcCaptureMiddleware": 950,
    # Scrapy's retry ignores Retry-After and has no backoff.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    # Decodes only what the spider reads (listings), not article bodies.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.compression.DecodeWhenReadMiddleware": 590,
}
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# First backoff step (doubling per retry) when the server gives no Retry-After;
# the environment can shorten it for tests against the local replica.
REGARKIV_RETRY_BASE_DELAY = float(os.environ.get("REGARKIV_RETRY_BASE_DELAY", "2.0"))
# Never hold a slot longer than this for one Retry-After.
REGARKIV_RETRY_MAX_DELAY = 120.0

# Only codings the index can decode (archive.warc.reader.decode_body); Scrapy
# would otherwise offer br and zstd whenever some installed package can read them.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "nb,nn;q=0.9,en;q=0.8",
    "Accept-Encoding": "gzip, deflate",
}

# Cloudflare's __cf_bm cookie keeps us out of challenges on the real site.
COOKIES_ENABLED = True
# No consoles into a running crawl: Scrapy's remote control (on by default in recent
# releases) runs Python code sent to it over HTTP, and telnet is no better.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# Article pages are ~60 KB; anything huge is not a news page.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
