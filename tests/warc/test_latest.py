"""Each URL's newest response in a run (archive/warc/latest.py): what is put is got back,
exactly, in little memory."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta, timezone

from archive.warc.latest import LatestResponses, _url_key
from archive.warc.records import new_record_id, sha1_digest

URL = "https://www.regjeringen.no/no/aktuelt/nyheter/id3169214/"
FETCHED = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def test_the_writer_s_own_digests_ids_and_times_come_back_exactly() -> None:
    latest = LatestResponses()
    cases = [
        (sha1_digest([b"page"]), new_record_id(), FETCHED),
        (sha1_digest([b""]), new_record_id(), datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC)),
        (sha1_digest([b"x" * 100]), new_record_id(), datetime(2099, 1, 1, tzinfo=UTC)),
    ]
    for n, seen in enumerate(cases):
        latest.put(f"{URL}?n={n}", *seen)
    for n, seen in enumerate(cases):
        got = latest.get(f"{URL}?n={n}")
        assert got == seen
        assert got is not None and got[2].tzinfo is UTC
    assert latest.get(URL) is None
    assert len(latest) == 3


def test_other_forms_are_kept_as_they_came() -> None:
    latest = LatestResponses()
    oslo = timezone(timedelta(hours=2))
    cases = [
        ("sha256:" + "A" * 52, new_record_id(), FETCHED),  # another algorithm
        (sha1_digest([b"page"]), "<urn:uuid:00000000-0000-4000-8000-000000000001-x>", FETCHED),
        (sha1_digest([b"page"]), new_record_id().upper(), FETCHED),  # would not round-trip
        (sha1_digest([b"page"]), new_record_id(), FETCHED.astimezone(oslo)),
        (sha1_digest([b"page"]).lower(), new_record_id(), FETCHED),
    ]
    for n, seen in enumerate(cases):
        latest.put(f"{URL}?n={n}", *seen)
    for n, seen in enumerate(cases):
        got = latest.get(f"{URL}?n={n}")
        assert got == seen and got is not None
        assert [type(value) for value in got] == [type(value) for value in seen]
        assert got[2].tzinfo is seen[2].tzinfo


def test_a_url_keeps_only_its_newest_response_whatever_its_form() -> None:
    latest = LatestResponses()
    packed = (sha1_digest([b"one"]), new_record_id(), FETCHED)
    plain = (sha1_digest([b"two"]), "fixed-id-2", FETCHED)
    latest.put(URL, *packed)
    latest.put(URL, *plain)
    assert latest.get(URL) == plain and len(latest) == 1
    latest.put(URL, *packed)
    assert latest.get(URL) == packed and len(latest) == 1


def test_an_entry_takes_under_100_bytes() -> None:
    """A tuple of two strings and a datetime per URL took ~390 bytes an entry, a packed
    ``bytes`` in a dict ~190."""
    urls = [
        f"https://www.regjeringen.no/no/aktuelt/sak-{n}/id{3_000_000 + n}/" for n in range(20_000)
    ]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        latest = LatestResponses()
        for n, url in enumerate(urls):  # what the writer makes for each page, and drops
            fetched_at = FETCHED + timedelta(microseconds=n)
            latest.put(url, sha1_digest([url.encode()]), new_record_id(), fetched_at)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(latest) == len(urls)
    assert used / len(urls) < 100, f"{used / len(urls):.0f} bytes an entry"


def test_many_urls_each_get_their_own_newest_response() -> None:
    latest = LatestResponses()
    urls = [f"{URL}?n={n}" for n in range(10_000)]  # more than there are buckets
    first = {url: (sha1_digest([url.encode()]), new_record_id(), FETCHED) for url in urls}
    for url in urls:
        assert latest.get(url) is None  # as the writer asks, before it puts
        latest.put(url, *first[url])
    newer = {url: (sha1_digest([b"v2"]), new_record_id(), FETCHED) for url in urls[::3]}
    for url, seen in newer.items():
        latest.get(urls[0])  # a lookup of another URL in between
        latest.put(url, *seen)
    assert len(latest) == len(urls)
    assert all(latest.get(url) == newer.get(url, first[url]) for url in urls)


def test_a_url_s_key_inside_another_record_is_not_taken_for_its_own() -> None:
    """Records lie side by side in a bucket: a key found at an offset that is not a record's
    start is part of another record's value."""
    target = URL + "?target"
    key = _url_key(target)
    # A URL of the same bucket, whose record id's bytes hold the target's key.
    neighbour = next(
        url
        for n in range(1_000_000)
        if _url_key(url := f"{URL}?n={n}")[:2] == key[:2] and url != target
    )
    raw = (key + bytes(4)).hex()
    record_id = f"<urn:uuid:{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}>"
    latest = LatestResponses()
    latest.put(neighbour, sha1_digest([b"n"]), record_id, FETCHED)
    assert latest.get(target) is None
    own = (sha1_digest([b"t"]), new_record_id(), FETCHED)
    latest.put(target, *own)
    assert latest.get(target) == own
    assert latest.get(neighbour) == (sha1_digest([b"n"]), record_id, FETCHED)
    assert len(latest) == 2
