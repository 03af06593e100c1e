"""Schedules: cron expressions stored in the data directory, and the runs they made.

The scheduler that runs them is the application's (``regarkiv/scheduler.py``).

Schedules live in ``DATA/schedules.json``; every run is appended to
``DATA/schedule-runs.jsonl``. Cron expressions are parsed by croniter. Both files are
written through ``archive.datadir`` (``DataDirError`` when the directory takes no writes),
never through a link planted in the directory.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from croniter import croniter

from archive.datadir import DataDir, DataDirError, append_line, write_atomically

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ScheduleError(ValueError):
    """A bad schedule name, cron expression or store."""


class ScheduleNotFound(LookupError):
    pass


@dataclass
class Schedule:
    name: str
    cron: str
    args: list[str] = field(default_factory=list)
    created_at: str = ""
    last_run: str | None = None  # the slot (UTC ISO) the last run was started for
    last_status: str | None = None
    last_exit: int | None = None

    def next_after(self, moment: datetime) -> datetime:
        return croniter(self.cron, moment).get_next(datetime)

    def previous_slot(self, moment: datetime) -> datetime:
        return croniter(self.cron, moment).get_prev(datetime)

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """What ``regarkiv schedule list --json`` prints for it: with its next slot."""
        next_run = self.next_after(now or datetime.now(UTC)).isoformat(timespec="seconds")
        return {**asdict(self), "next_run": next_run}


def validate_cron(expression: str) -> None:
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ScheduleError(
            f"invalid cron expression {expression!r} (expected 5 fields, e.g. '0 6 * * *')"
        )


class ScheduleStore:
    def __init__(self, data: DataDir) -> None:
        self.data = data
        self.path = data.schedules

    def load(self) -> dict[str, Schedule]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
            return {name: Schedule(**entry) for name, entry in raw.items()}
        except (ValueError, TypeError) as error:
            raise ScheduleError(f"{self.path} is not a valid schedules file: {error}") from None

    def save(self, schedules: dict[str, Schedule]) -> None:
        try:
            self.data.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataDirError(f"cannot create {self.data.root}: {error.strerror}", error) from None
        payload = {name: asdict(s) for name, s in sorted(schedules.items())}
        write_atomically(self.path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")

    def add(self, name: str, cron: str, args: list[str], now: datetime | None = None) -> Schedule:
        if not _NAME.match(name):
            raise ScheduleError(f"invalid schedule name {name!r} (letters, digits, - _ .)")
        validate_cron(cron)
        schedules = self.load()
        if name in schedules:
            raise ScheduleError(f"a schedule named {name!r} exists; remove it first")
        created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        schedules[name] = Schedule(name=name, cron=cron, args=args, created_at=created)
        self.save(schedules)
        return schedules[name]

    def remove(self, name: str) -> None:
        schedules = self.load()
        if name not in schedules:
            raise ScheduleNotFound(f"no schedule named {name!r}")
        del schedules[name]
        self.save(schedules)

    def record_run(self, name: str, slot: datetime, status: str, exit_code: int | None) -> None:
        schedules = self.load()
        if name in schedules:  # it may have been removed while the crawl ran
            entry = schedules[name]
            entry.last_run = slot.isoformat(timespec="seconds")
            entry.last_status, entry.last_exit = status, exit_code
            self.save(schedules)
        line = {
            "schedule": name,
            "slot": slot.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": status,
            "exit_code": exit_code,
        }
        append_line(self.data.schedule_runs, json.dumps(line))


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def due_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """The latest slot at or before ``now`` not yet run, if any.

    However many slots were missed while the scheduler was down, this is one
    slot: a missed run is made up once, not once per missed slot.
    """
    slot = schedule.previous_slot(now) if not croniter.match(schedule.cron, now) else now
    slot = slot.replace(second=0, microsecond=0)
    last = _parse(schedule.last_run)
    created = _parse(schedule.created_at)
    if last is not None and last >= slot:
        return None
    if last is None and created is not None and created > slot:
        return None
    return slot
