"""Timestamps as stored (``archive.index.schema.iso``): UTC, whole seconds, ``Z``."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from archive.index.schema import iso


@pytest.mark.parametrize(
    ("when", "stored"),
    [
        (datetime(2026, 12, 6, 15, 26, 4, 568031, tzinfo=UTC), "2026-12-06T15:26:04Z"),
        (datetime(2026, 12, 6, 15, 26, 4), "2026-12-06T15:26:04Z"),  # naive: UTC
        (datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "2026-12-31T23:30:00Z"),
        (datetime(999, 5, 4, 3, 2, 1), datetime(999, 5, 4, 3, 2, 1).strftime("%Y-%m-%dT%H:%M:%SZ")),
    ],
)
def test_a_timestamp_is_stored_in_utc_to_the_second(when: datetime, stored: str) -> None:
    assert iso(when) == stored


def test_every_timestamp_is_stored_as_strftime_wrote_it() -> None:
    rng = random.Random(450)
    for _ in range(20_000):
        when = datetime(
            rng.randrange(1, 10_000), rng.randrange(1, 13), rng.randrange(1, 29),
            rng.randrange(24), rng.randrange(60), rng.randrange(60), rng.randrange(10**6),
        )  # fmt: skip
        zone = rng.choice([None, UTC, timezone(timedelta(minutes=rng.randrange(-720, 721)))])
        if zone is not None:
            when = when.replace(tzinfo=zone)
        try:
            utc = when.astimezone(UTC) if zone is not None else when
        except OverflowError:
            continue
        assert iso(when) == utc.strftime("%Y-%m-%dT%H:%M:%SZ"), when
