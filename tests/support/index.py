"""The test article's URL and the time of its first capture, as the index fixtures build it."""

from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
URL = "https://www.regjeringen.no/no/aktuelt/felling-av-ulv-i-innlandet/id3169214/"
