"""Naming why a fetch failed, for the crawl summary and the job record.

A reason names what happened (``connection-refused``, ``dns-error``, ``timeout``), never
an exception class: Scrapy wraps Twisted's errors in its own classes (2.13+), and which
class arrives depends on where in the download it failed, so both families are
mapped, and a wrapped error is judged by what it wraps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    NoRouteError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed
from twisted.web.http import _DataLoss

_CHALLENGE_MARKERS = (b"challenge", b"cf-chl", b"just a moment")

# Checked in order, on the exception and then on what it wraps; the first match names it.
_REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection-refused"),
    ((CannotResolveHostError, DNSLookupError), "dns-error"),
    ((NoRouteError,), "no-route"),
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timeout"),
    ((ResponseDataLossError, _DataLoss), "truncated"),
    ((DownloadCancelledError, CancelledError), "cancelled"),
    ((UnsupportedURLSchemeError,), "unsupported-scheme"),
    ((ConnectError,), "connection-error"),
)
# How Scrapy words its download_maxsize abort (scrapy.utils._download_handlers).
_MAXSIZE = "larger than download max size"
# The connection broke after it was made: reset, closed early. Named only when nothing
# more specific (a truncated body, a timeout) is found inside.
_LOST = (DownloadFailedError, ResponseFailed, ConnectionLost, ConnectionDone)
# What a reason says about the site: these mean no connection was ever made.
CANNOT_CONNECT = frozenset({"connection-refused", "dns-error", "no-route", "connection-error"})


class OutOfScope(IgnoreRequest):
    """A request the crawl must not make; ``reason`` says why, as a failure reason."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.reason = reason


def is_challenge(status: int, headers: Any) -> bool:
    """A Cloudflare bot challenge rather than the page (site.md §1)."""
    if status not in (403, 503):
        return False
    mitigated = headers.get(b"cf-mitigated") or b""
    return b"challenge" in mitigated.lower()


def failure_reason(
    status: int | None, headers: Any = None, exception: BaseException | None = None
) -> str:
    """A short name for what went wrong: ``http-503``, ``timeout``, ``offsite-redirect``..."""
    if status is not None:
        if headers is not None and is_challenge(status, headers):
            return "challenge-403" if status == 403 else "challenge-503"
        return f"http-{status}"
    if exception is None:
        return "unknown"
    if isinstance(exception, IgnoreRequest):
        return _ignored(exception)
    lost = False
    for error in _chain(exception):
        if _MAXSIZE in str(error):  # Scrapy's download_maxsize, from the Content-Length
            return "too-large"
        for classes, reason in _REASONS:
            if isinstance(error, classes):
                return reason
        lost = lost or isinstance(error, _LOST)
    return "connection-reset" if lost else "download-error"


def _ignored(exception: IgnoreRequest) -> str:
    if isinstance(exception, OutOfScope):
        return exception.reason
    text = str(exception).lower()
    if "robots" in text:
        return "robots-disallowed"
    if "offsite" in text:
        return "offsite-redirect"
    if "not archived" in text:
        return "not-archived"
    return "ignored"


def _chain(exception: BaseException) -> Iterator[BaseException]:
    """The exception, what it was raised from, and the failures a ResponseFailed holds."""
    seen: set[int] = set()
    todo = [exception]
    while todo:
        error = todo.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        todo += [e for e in (error.__cause__, error.__context__) if e is not None]
        for reason in getattr(error, "reasons", None) or ():
            if isinstance(reason, Failure) and isinstance(reason.value, BaseException):
                todo.append(reason.value)
