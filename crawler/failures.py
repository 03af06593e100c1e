"""Naming why a fetch failed, for the crawl summary and the job record."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseFailed

_CHALLENGE_MARKERS = (b"challenge", b"cf-chl", b"just a moment")


def is_challenge(status: int, headers: Any) -> bool:
    """A Cloudflare bot challenge rather than the page (site.md §1)."""
    if status not in (403, 503):
        return False
    mitigated = headers.get(b"cf-mitigated") or b""
    return b"challenge" in mitigated.lower()


def failure_reason(
    status: int | None, headers: Any = None, exception: BaseException | None = None
) -> str:
    if status is not None:
        if headers is not None and is_challenge(status, headers):
            return "challenge-403" if status == 403 else "challenge-503"
        return f"http-{status}"
    if exception is None:
        return "unknown"
    name = type(exception).__name__
    if isinstance(exception, TimeoutError | TCPTimedOutError) or "Timeout" in name:
        return "timeout"
    if isinstance(exception, ConnectionRefusedError):
        return "connection-refused"
    if isinstance(exception, DNSLookupError):
        return "dns"
    if "DataLoss" in name:
        return "truncated"
    if isinstance(exception, ResponseFailed | ConnectionLost) or "ConnectionLost" in name:
        reasons = getattr(exception, "reasons", [])
        if any("DataLoss" in repr(r) for r in reasons):
            return "truncated"
        return "connection-reset"
    if isinstance(exception, ConnectError):
        return "connection-error"
    if isinstance(exception, IgnoreRequest):
        text = str(exception).lower()
        if "robots" in text:
            return "robots-disallowed"
        if "offsite" in text:
            return "offsite-redirect"
        if "not archived" in text:
            return "not-archived"
        return "ignored"
    return name
