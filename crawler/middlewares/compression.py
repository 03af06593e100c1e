"""Content decoding only for responses the spider reads.

Scrapy's HttpCompressionMiddleware gunzips every response on the reactor thread,
the crawl's bottleneck. The spider reads listing pages, but never an article's
body: articles are extracted in the indexer process from the capture, which keeps
the body as it came over the wire. So a request that says it will not read its
body (``request.meta[BODY_UNREAD]``) gets its response passed on still encoded,
as a plain ``Response`` so that no later middleware (meta refresh) tries to
parse gzip bytes as HTML. The indexer bounds the decoded size instead
(archive.warc.reader.decode_body), as HttpCompression does with DOWNLOAD_MAXSIZE.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Response, TextResponse

# The spider sets it; the download handler (crawler/wire.py) and this middleware read it.
from crawler.wire import BODY_UNREAD as BODY_UNREAD


class DecodeWhenReadMiddleware(HttpCompressionMiddleware):
    """HttpCompressionMiddleware that leaves the body of a BODY_UNREAD request alone."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get(BODY_UNREAD) and response.headers.get(b"Content-Encoding"):
            # crawler/wire.py makes it plain already; another download handler may not
            return response if type(response) is Response else _plain(response)
        if not isinstance(response, TextResponse) or not response.headers.getlist(
            b"Content-Encoding"
        ):
            return super().process_response(request, response)
        # Scrapy's decoding builds the decoded response with the encoded one's replace(),
        # which reads its ``encoding`` only to discard it (it passes encoding=None): for a
        # text response without a charset (robots.txt) that ran charset_normalizer over
        # the gzip bytes, importing dozens of codecs (~0.1 s of CPU). Decoded from a plain
        # Response, the result is the same; left as it came if Scrapy decodes nothing.
        plain = _plain(response)
        decoded = super().process_response(request, plain)
        return response if decoded is plain else decoded


def _plain(response: Response) -> Response:
    """``response`` as a plain ``Response``, holding the same ``Headers``: the constructor
    would copy them, each name and value normalised again (15 against 3 µs an article
    page), and the response it came from is dropped."""
    plain = Response(**{key: getattr(response, key) for key in _ATTRIBUTES})
    plain.headers = response.headers
    return plain


_ATTRIBUTES = [key for key in Response.attributes if key != "headers"]
