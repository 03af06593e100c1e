"""The messages between a crawl's processes: each exchange (crawl → WARC writer) and each
written capture with its body (writer → indexer), as one ``marshal``'d tuple of fields.

``Connection.send`` pickles with multiprocessing's ForkingPickler: measured on the crawl's
pages, 17 µs to pickle an exchange on the reactor thread (the crawl's bottleneck) and 12 µs
to unpickle it in the writer; 13 and 7 µs for a capture and its body. ``marshal`` of the
same fields (the fetch time as microseconds since the epoch) takes 4-5 µs each way, and
gives back equal objects (of the base types: a bytes subclass arrives as bytes). A value
marshal cannot carry, or a fetch time not in UTC, goes pickled inside the message instead
(tests/archive/test_handoff.py). And
``Connection.poll`` builds a selector at each call (~3 µs); ``Readable`` asks one poll
object (~0.5 µs), once per message on both sides.

The end of a stream is an empty message. Both ends run the same interpreter (archive/child.py
starts the children with the crawl's), as marshal requires.
"""

from __future__ import annotations

import marshal
import os
import pickle
import select
import struct
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from operator import attrgetter
from typing import Any

from archive.model import Capture, Exchange

Written = tuple[Capture, bytes | None, str | None]  # a capture, its body as stored, its coding

END = b""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_EXCHANGE = attrgetter(*(f.name for f in fields(Exchange)))
_CAPTURE = attrgetter(*(f.name for f in fields(Capture)))
_EXCHANGE_AT = [f.name for f in fields(Exchange)].index("fetched_at")
_CAPTURE_AT = [f.name for f in fields(Capture)].index("fetched_at")


def dump_exchange(exchange: Exchange) -> bytes:
    values = _EXCHANGE(exchange)
    return _dump(values, _EXCHANGE_AT, exchange)


def load_exchange(data: bytes) -> Exchange:
    values = marshal.loads(data)
    if type(values) is bytes:
        exchange: Exchange = pickle.loads(values)
        return exchange
    return Exchange(*_timed(values, _EXCHANGE_AT))


def dump_written(capture: Capture, body: bytes | None, encoding: str | None) -> bytes:
    values = (*_CAPTURE(capture), body, encoding)
    return _dump(values, _CAPTURE_AT, (capture, body, encoding))


def load_written(data: bytes) -> Written:
    values = marshal.loads(data)
    if type(values) is bytes:
        written: Written = pickle.loads(values)
        return written
    *capture, body, encoding = _timed(values, _CAPTURE_AT)
    return Capture(*capture), body, encoding


def _dump(values: tuple[Any, ...], at: int, original: object) -> bytes:
    moment = values[at]
    if type(moment) is datetime and moment.tzinfo is UTC and not moment.fold:
        micros = (moment - _EPOCH) // _MICROSECOND
        try:
            return marshal.dumps((*values[:at], micros, *values[at + 1 :]))
        except ValueError:  # a value marshal cannot write
            pass
    return marshal.dumps(pickle.dumps(original, protocol=pickle.HIGHEST_PROTOCOL))


def _timed(values: tuple[Any, ...], at: int) -> list[Any]:
    out = list(values)
    out[at] = _EPOCH + out[at] * _MICROSECOND
    return out


def send(conn: Connection, data: bytes) -> None:
    """``conn.send_bytes(data)`` in one system call: Connection sends the length of a
    message over 16 kB and the message in two, and its reader may wake for the first
    alone. 5.6-5.7 against 7.0-7.5 µs to send a 45 kB message, 6.7 against 7.3-7.8 to
    receive it (CPU, 5,000 each, three alternating pairs); read by ``recv_bytes`` alike."""
    size = len(data)
    if size > _MAX_FRAMED:
        conn.send_bytes(data)  # its own framing for the largest
        return
    header = _LENGTH.pack(size)
    fd = conn.fileno()
    sent = os.writev(fd, (header, data))
    while sent < size + _LENGTH.size:  # a signal cut the write short
        if sent < _LENGTH.size:
            sent += os.writev(fd, (header[sent:], data))
        else:
            sent += os.write(fd, memoryview(data)[sent - _LENGTH.size :])


_LENGTH = struct.Struct("!i")  # multiprocessing.connection's framing, up to 2 GiB
_MAX_FRAMED = 0x7FFFFFFF


class Readable:
    """Whether a message (or the end) waits on ``conn``: ``conn.poll()`` at a sixth of
    its cost. A closed or broken connection reads as readable, so that the ``recv``
    which follows raises as it would have."""

    def __init__(self, conn: Connection) -> None:
        self._poll = select.poll()
        self._poll.register(conn.fileno(), select.POLLIN)

    def __call__(self) -> bool:
        return bool(self._poll.poll(0))

    def within(self, seconds: float) -> bool:
        """Whether one waits, or arrives within ``seconds``: ``conn.poll(seconds)`` at a
        fifth of its cost (0.9 against 4.1 µs when one waits), once per capture in the
        indexer."""
        return bool(self._poll.poll(seconds * 1000))
