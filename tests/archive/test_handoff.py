"""The crawl's messages between its processes: what is sent is what arrives, field for field."""

from __future__ import annotations

import ipaddress
import marshal
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from multiprocessing.connection import Connection

import pytest

from archive.handoff import (
    Readable,
    dump_exchange,
    dump_written,
    load_exchange,
    load_written,
    send,
)
from archive.model import Capture, Exchange


def every_field_set(exchange: Exchange) -> Exchange:
    """An exchange whose every field differs from its default (a field added later must
    be carried too: this fails until it is)."""
    changed = replace(
        exchange,
        ip_address="10.1.2.3",
        request_body=b"a=1&b=2",
        fetched_at=datetime(2026, 12, 6, 15, 4, 5, 678901, tzinfo=UTC),
    )
    for field in fields(Exchange):
        if field.default is not field.default_factory:  # has a default
            assert getattr(changed, field.name) != field.default, field.name
    return changed


def test_an_exchange_arrives_as_it_was_sent(exchange: Callable[..., Exchange]) -> None:
    sent = every_field_set(exchange())
    got = load_exchange(dump_exchange(sent))
    assert got == sent
    assert got.fetched_at.tzinfo is UTC and got.response_headers == sent.response_headers
    assert type(got.response_headers) is tuple and type(got.response_headers[0]) is tuple


def test_the_usual_exchange_is_marshalled_not_pickled(exchange: Callable[..., Exchange]) -> None:
    assert type(marshal.loads(dump_exchange(exchange()))) is tuple


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 1, 12, 0, 0),  # naive
        datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC, fold=1),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # before the epoch
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_any_fetch_time_arrives_as_it_was(
    moment: datetime, exchange: Callable[..., Exchange], make_capture: Callable[..., Capture]
) -> None:
    sent = replace(exchange(), fetched_at=moment)
    got = load_exchange(dump_exchange(sent))
    assert got == sent and got.fetched_at.tzinfo == moment.tzinfo
    assert got.fetched_at.fold == moment.fold
    capture = replace(make_capture(1), fetched_at=moment)
    assert load_written(dump_written(capture, None, None))[0].fetched_at.tzinfo == moment.tzinfo


def test_what_marshal_cannot_carry_goes_pickled(exchange: Callable[..., Exchange]) -> None:
    # Scrapy's own type for a response's address (the capture middleware sends a str).
    sent = replace(exchange(), ip_address=ipaddress.ip_address("10.0.0.1"))  # type: ignore[arg-type]
    got = load_exchange(dump_exchange(sent))
    assert got == sent and isinstance(got.ip_address, ipaddress.IPv4Address)


def test_a_written_capture_arrives_as_it_was_sent(make_capture: Callable[..., Capture]) -> None:
    response = replace(make_capture(3), fetched_at=datetime(2026, 12, 6, 1, 2, 3, 4, tzinfo=UTC))
    revisit = replace(response, record_type="revisit", refers_to="<urn:uuid:x>", content_type=None)
    for item in [(response, b"\x1f\x8b body", "gzip"), (revisit, None, None)]:
        assert load_written(dump_written(*item)) == item
    for field in fields(Capture):  # every field is set in one or the other
        assert getattr(response, field.name) is not None or getattr(revisit, field.name)


def test_readable_says_when_a_message_or_the_end_waits() -> None:
    ours, theirs = socket.socketpair()
    conn, peer = Connection(ours.detach()), Connection(theirs.detach())
    readable = Readable(conn)
    assert not readable()
    peer.send_bytes(b"x")
    assert readable()
    assert conn.recv_bytes() == b"x" and not readable()
    peer.close()
    assert readable()  # the end: recv says so
    with pytest.raises(EOFError):
        conn.recv_bytes()
    conn.close()


def test_within_waits_for_a_message_or_the_end_as_poll_does() -> None:
    ours, theirs = socket.socketpair()
    conn, peer = Connection(ours.detach()), Connection(theirs.detach())
    readable = Readable(conn)
    start = time.monotonic()
    assert not readable.within(0.05) and not conn.poll(0)
    assert time.monotonic() - start >= 0.04  # it waited
    later = threading.Timer(0.05, peer.send_bytes, args=(b"x",))
    later.start()
    assert readable.within(5.0) and conn.poll(0)  # woken by the message, not the timeout
    assert time.monotonic() - start < 4.0
    later.join()
    assert conn.recv_bytes() == b"x" and not readable.within(0)
    peer.close()
    assert readable.within(5.0) and conn.poll(0)  # the end: recv says so
    with pytest.raises(EOFError):
        conn.recv_bytes()
    conn.close()


@pytest.mark.parametrize("size", [0, 1, 16_384, 16_385, 45_000, 3_000_000])
def test_a_message_sent_in_one_call_reads_as_send_bytes_framed_it(size: int) -> None:
    ours, theirs = socket.socketpair()
    conn, peer = Connection(ours.detach()), Connection(theirs.detach())
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.extend(peer.recv_bytes() for _ in "ab"))
    reader.start()  # a message larger than the socket's buffers is read while it is sent
    send(conn, data)
    conn.send_bytes(b"after")
    reader.join(timeout=30)
    assert received == [data, b"after"]
    conn.close()
    peer.close()


def test_a_write_cut_short_is_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = socket.socketpair()
    conn, peer = Connection(ours.detach()), Connection(theirs.detach())
    writev = os.writev

    def short(fd: int, buffers: Sequence[bytes]) -> int:  # as a signal would cut it
        joined = b"".join(buffers)
        return writev(fd, [joined[: max(1, len(joined) // 3)]])

    monkeypatch.setattr(os, "writev", short)
    data = b"0123456789" * 1000
    send(conn, data)
    send(conn, b"ab")  # shorter than the length header's cut
    assert peer.recv_bytes() == data and peer.recv_bytes() == b"ab"
    conn.close()
    peer.close()
