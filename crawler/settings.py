"""Scrapy settings for regarkiv: only what we change, each with its reason.

Defaults are right for crawling www.regjeringen.no itself. Every regarkiv option is a
``REGARKIV_*`` setting declared here with its one default (from ``CrawlConfig``), so
`scrapy crawl news -s REGARKIV_BASE_URL=…` and `regarkiv crawl --base-url …` are the
same crawl. The User-Agent, AutoThrottle and global concurrency follow from these
(crawler/addon.py).
"""

import os

from scrapy.settings import default_settings as _scrapy_defaults

from archive.config import CrawlConfig

BOT_NAME = "regarkiv"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The crawl configuration (archive/config.py). None: the default there (the data
# directory: $REGARKIV_DATA, else ./regarkiv-data).
REGARKIV_DATA_DIR = None
REGARKIV_BASE_URL = CrawlConfig.base_url
REGARKIV_LANGS = ",".join(CrawlConfig.langs)
REGARKIV_MAX_LISTING_PAGES = None
REGARKIV_MAX_ARTICLES = None
REGARKIV_SINCE = None
# Who to reach about the crawl: goes in the User-Agent; required for the real site.
REGARKIV_CONTACT = CrawlConfig.contact
REGARKIV_WARC_MAX_SIZE = CrawlConfig.warc_max_size
REGARKIV_GZIP_LEVEL = CrawlConfig.gzip_level
REGARKIV_RECRAWL = str(CrawlConfig.recrawl)
REGARKIV_RECENT_DAYS = CrawlConfig.recent_days
REGARKIV_RESUME = False
# Page requisites and attached documents ("all" or "none"), and the size beyond which
# one is skipped as too-large (Scrapy's download_maxsize per request).
REGARKIV_REQUISITES = CrawlConfig.requisites
REGARKIV_ATTACHMENTS = CrawlConfig.attachments
REGARKIV_REQUISITE_MAX_SIZE = CrawlConfig.requisite_max_size
REGARKIV_ATTACHMENT_MAX_SIZE = CrawlConfig.attachment_max_size

# The session (job, WARC writer, indexer) opens from the settings above. Scrapy's own
# extensions are off where the crawl has no use for them: regarkiv keeps its own figures
# and progress line, so Scrapy's stats (which every component updated for every request
# and response), their periodic log line, memory checks and feed exports only cost CPU;
# the consoles are off below and are not even imported (the remote control pulled in
# aiohttp at every start). AutoThrottle stays (crawler/addon.py turns it on), as does
# CloseSpider for `scrapy crawl news -s CLOSESPIDER_…`.
EXTENSIONS = {
    "crawler.extension.CrawlSessionExtension": 0,
    "scrapy.extensions.corestats.CoreStats": None,
    "scrapy.extensions.logcount.LogCount": None,
    "scrapy.extensions.logstats.LogStats": None,
    "scrapy.extensions.memusage.MemoryUsage": None,
    "scrapy.extensions.memdebug.MemoryDebugger": None,
    "scrapy.extensions.feedexport.FeedExporter": None,
    "scrapy.extensions.spiderstate.SpiderState": None,
}
# Scrapy imports every extension it is told of, even one set to None, to read its order,
# and the remote control's module imports aiohttp (~0.1 s of CPU at every start). So the
# consoles (off below) and the extensions set to None above leave the base list itself.
_consoles = {
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
}
EXTENSIONS_BASE = {
    path: order
    for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path not in _consoles and EXTENSIONS.get(path, order) is not None
}
STATS_CLASS = "scrapy.statscollectors.DummyStatsCollector"
# Spider middlewares the crawl does not use: it sets no depth limit or priority, follows
# no open-ended links (listings, their articles, and requisites to a bounded depth), so
# no URL grows without bound, and copies no meta from responses. Referer stays: the
# request records show which page led to each fetch.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ADDONS = {"crawler.addon.RegarkivAddon": 0}

# The site publishes robots.txt rules for filtered/sorted listings; we honour them.
ROBOTSTXT_OBEY = True

# 1 request/s per host, slowed further by AutoThrottle when the site is slow.
# DOWNLOAD_DELAY and CONCURRENT_REQUESTS(_PER_DOMAIN) follow these (crawler/addon.py).
REGARKIV_DELAY = CrawlConfig.delay
REGARKIV_CONCURRENCY = CrawlConfig.concurrency
DOWNLOAD_DELAY_JITTER = 0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
# The spider yields requests only, never items: Scrapy (2.13+) starts this many worker
# tasks per response to process callback output, which at the default 100 cost ~20% of
# the crawl's CPU (benchmarks/bench.py).
CONCURRENT_ITEMS = 1

# Every request's fingerprint is kept until the crawl ends: compactly (crawler/dupefilter.py).
DUPEFILTER_CLASS = "crawler.dupefilter.CompactDupeFilter"

# The WARC needs the wire-level request/response heads (see crawler/wire.py).
DOWNLOAD_HANDLERS = {
    "http": "crawler.wire.WireHTTPDownloadHandler",
    "https": "crawler.wire.WireHTTPDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's offsite filter compares host names only: ours also compares scheme and
    # port, so a redirect to another port of the same host is refused.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.scope.SameSiteMiddleware": 50,
    # Closest to the downloader, so it sees every response before redirects,
    # retries and decompression act on it: every fetch is captured as it came.
    "crawler.middlewares.capture.WarcCaptureMiddleware": 950,
    # Scrapy's retry ignores Retry-After and has no backoff.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    # Decodes only what the spider reads (listings), not article bodies.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.compression.DecodeWhenReadMiddleware": 590,
    # Scrapy's byte counts go to the stats, which are off (EXTENSIONS); the site has no
    # HTTP authentication.
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
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
# Scrapy reads a generator callback's source and parses it (inspect.getsource, ast) to warn
# of a "return value" in it, again each time its weakly kept cache entry has gone with the
# request holding the bound method: ~2 ms each for parse_listing, ~0.1 ms a page in all.
# tests/crawler/test_settings.py runs the same check over the spiders' callbacks instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Article pages are ~60 KB; anything huge is not a news page.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
