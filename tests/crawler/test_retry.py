"""Retries: a host that never answered in this crawl is not retried on a refusal."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response
from twisted.internet.error import ConnectionRefusedError

from crawler.middlewares import retry
from crawler.middlewares.retry import BackoffRetryMiddleware

RETRIED = object()


def test_a_refusal_is_retried_only_at_a_host_that_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def retried(coroutine: Coroutine[Any, Any, Any]) -> object:
        coroutine.close()  # the backoff itself needs a reactor: only the decision is tested
        return RETRIED

    monkeypatch.setattr(retry, "deferred_from_coro", retried)
    middleware = BackoffRetryMiddleware(4, {503}, base_delay=0.0, max_delay=1.0)
    answered = Request("http://127.0.0.1:8001/no/aktuelt/nyheter/id2006120/")
    middleware.process_response(answered, Response(answered.url, status=200))
    same_host = Request("http://127.0.0.1:8001/no/aktuelt/a/id1/")
    other_host = Request("http://127.0.0.1:8002/no/aktuelt/a/id1/")
    assert middleware.process_exception(same_host, ConnectionRefusedError()) is RETRIED
    assert middleware.process_exception(other_host, ConnectionRefusedError()) is None
