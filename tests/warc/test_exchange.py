"""Which payloads a record keeps as they are instead of deflating them again."""

from __future__ import annotations

import pytest

from archive.warc.exchange import payload_is_compressed


@pytest.mark.parametrize(
    "headers, expected",
    [
        (((b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")), True),
        (((b"Content-Type", b"text/html"), (b"Content-Encoding", b"identity")), False),
        (((b"Content-Type", b"text/html; charset=utf-8"),), False),
        (((b"Content-Type", b"image/jpeg"),), True),
        (((b"Content-Type", b"application/zip"),), True),
        (((b"Content-Type", b"image/svg+xml"),), False),  # XML: deflates well
        (((b"Content-Type", b"application/pdf"),), False),
        ((), False),
    ],
)
def test_compressed_payloads_by_their_headers(
    headers: tuple[tuple[bytes, bytes], ...], expected: bool, exchange, noise
) -> None:
    assert payload_is_compressed(exchange(body=noise(5_000), headers=headers)) is expected


def test_a_small_payload_is_always_deflated(exchange, noise) -> None:
    gzipped = ((b"Content-Encoding", b"gzip"),)
    assert not payload_is_compressed(exchange(body=noise(500), headers=gzipped))
