"""Faults the server injects on request, for crawler reliability tests.

A fault is keyed by an article id (``1234`` or ``"id1234"``: every URL of that
article), a path (``"/robots.txt"``; with a ``?`` the query must match too) or ``"*"``.
``count=N`` fails the first N matching requests, then the site serves normally, so
retries can succeed. ``misbehave(rate, seed)`` adds seeded random faults to article
requests: the draw depends on (seed, request target, attempt number), not on timing.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from random import Random
from typing import Any

KINDS = (
    "500", "502", "503", "504", "429", "403", "challenge", "slow", "truncate", "reset",
    "close", "malformed", "offsite-redirect",
)  # fmt: skip
TRANSIENT = ("500", "503", "429", "slow", "truncate", "reset")
_ID = re.compile(r"(?:^|/)id/?(\d+)/?$")


def article_id_of(target: str) -> int | None:
    """The article id a request target names (canonical, short or any slug), if any."""
    match = _ID.search(target.split("?", 1)[0])
    return int(match[1]) if match else None


@dataclass
class Fault:
    key: str
    kind: str
    count: int | None  # None: every matching request
    params: dict[str, Any] = field(default_factory=dict)
    used: int = 0

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.used >= self.count

    def matches(self, target: str, article_id: int | None) -> bool:
        if self.key == "*":
            return True
        if self.key.startswith("id") and self.key[2:].isdigit():
            return article_id == int(self.key[2:])
        if "?" in self.key:
            return target == self.key
        return target.split("?", 1)[0] == self.key


@dataclass(frozen=True)
class Applied:
    target: str
    kind: str
    params: dict[str, Any]


class Faults:
    """Thread-safe registry; the server asks ``take()`` once per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._misbehave: tuple[float, int, tuple[str, ...], dict[str, Any]] | None = None
        self._attempts: dict[str, int] = {}
        self.applied: list[Applied] = []

    def add(self, key: int | str, kind: str, count: int | None = None, **params: Any) -> Fault:
        """Fail requests matching ``key`` with ``kind``; params: retry_after, delay, fraction."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {', '.join(KINDS)}")
        if isinstance(key, int) or key.isdigit():
            key = f"id{key}"
        fault = Fault(key, kind, count, params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def misbehave(
        self, rate: float = 0.1, seed: int = 0, kinds: tuple[str, ...] = TRANSIENT, **params: Any
    ) -> None:
        """Apply a random fault from ``kinds`` to about ``rate`` of article requests."""
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._misbehave = (rate, seed, kinds, params) if rate > 0 else None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._misbehave = None
            self._attempts.clear()
            self.applied.clear()

    def take(
        self, target: str, article_id: int | None = None, *, asset: bool = False
    ) -> Applied | None:
        """The fault for this request, if any (consuming one use of it).

        ``article_id`` is the article the target names, if it names one; ``asset``: the
        target is a file (CSS, image, PDF). Only those requests are candidates for
        ``misbehave``.
        """
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(target, article_id):
                    fault.used += 1
                    return self._log(target, fault.kind, fault.params)
            if self._misbehave and (article_id is not None or asset):
                rate, seed, kinds, params = self._misbehave
                attempt = self._attempts.get(target, 0)
                self._attempts[target] = attempt + 1
                rng = Random(f"{seed}:{target}:{attempt}")
                if rng.random() < rate:
                    return self._log(target, rng.choice(kinds), {"delay": 0.5, **params})
        return None

    def _log(self, target: str, kind: str, params: dict[str, Any]) -> Applied:
        applied = Applied(target, kind, dict(params))
        self.applied.append(applied)
        return applied
