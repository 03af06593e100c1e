"""Failure reasons name what happened, whichever exception class (Scrapy's or Twisted's) says it."""

from __future__ import annotations

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http.headers import Headers
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed
from twisted.web.http import _DataLoss

from crawler.failures import OutOfScope, failure_reason


def wrapped(outer: BaseException, inner: BaseException) -> BaseException:
    """``outer`` raised from ``inner``, as Scrapy's download handler raises it."""
    try:
        try:
            raise inner
        except BaseException as error:
            raise outer from error
    except BaseException as raised:
        return raised


def lost(*reasons: BaseException) -> ResponseFailed:
    return ResponseFailed([Failure(reason) for reason in reasons])


@pytest.mark.parametrize(
    "exception, reason",
    [
        (DownloadConnectionRefusedError("Connection was refused"), "connection-refused"),
        (tx.ConnectionRefusedError(), "connection-refused"),
        (CannotResolveHostError("DNS lookup failed"), "dns-error"),
        (tx.DNSLookupError(), "dns-error"),
        (tx.NoRouteError(), "no-route"),
        (DownloadTimeoutError("took longer than 60 seconds"), "timeout"),
        (tx.TimeoutError(), "timeout"),
        (tx.TCPTimedOutError(), "timeout"),
        (ResponseDataLossError(), "truncated"),
        (wrapped(DownloadFailedError("x"), lost(_DataLoss())), "truncated"),
        (wrapped(DownloadFailedError("x"), lost(tx.ConnectionLost())), "connection-reset"),
        (lost(tx.ConnectionDone()), "connection-reset"),
        (tx.ConnectError(), "connection-error"),
        (OutOfScope("offsite-redirect", "http://127.0.0.1:1/"), "offsite-redirect"),
        (OutOfScope("out-of-scope", "http://127.0.0.1:1/"), "out-of-scope"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots-disallowed"),
        (IgnoreRequest("not archived: disk full"), "not-archived"),
        (ValueError("something else"), "download-error"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_a_reason_names_what_happened(exception: BaseException, reason: str) -> None:
    assert failure_reason(None, None, exception) == reason
    assert "Error" not in reason  # never an exception's class name


def test_statuses_and_challenges() -> None:
    assert failure_reason(503) == "http-503"
    challenge = Headers({"cf-mitigated": "challenge"})
    assert failure_reason(403, challenge) == "challenge-403"
    assert failure_reason(503, challenge) == "challenge-503"
