"""Scheduled crawls: cron expressions stored in the data directory, run one at a time.

Schedules live in ``DATA/schedules.json``; every run is appended to
``DATA/schedule-runs.jsonl``. Cron expressions are parsed by croniter.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from croniter import croniter

SCHEDULES = "schedules.json"
RUNS = "schedule-runs.jsonl"
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


def validate_cron(expression: str) -> None:
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ScheduleError(
            f"invalid cron expression {expression!r} (expected 5 fields, e.g. '0 6 * * *')"
        )


class ScheduleStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / SCHEDULES

    def load(self) -> dict[str, Schedule]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
            return {name: Schedule(**entry) for name, entry in raw.items()}
        except (ValueError, TypeError) as error:
            raise ScheduleError(f"{self.path} is not a valid schedules file: {error}") from None

    def save(self, schedules: dict[str, Schedule]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {name: asdict(s) for name, s in sorted(schedules.items())}
        tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        tmp.replace(self.path)

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
        with open(self.data_dir / RUNS, "a") as fh:
            fh.write(json.dumps(line) + "\n")


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


RunCrawl = Callable[[Schedule], int]


class Scheduler:
    """Runs due schedules, one crawl at a time, until ``stop()`` (or SIGTERM)."""

    def __init__(
        self,
        data_dir: Path,
        run: RunCrawl | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        log: Callable[[str], None] = lambda line: print(line, flush=True),
    ) -> None:
        self.store = ScheduleStore(data_dir)
        self.data_dir = Path(data_dir)
        self.run = run or self._run_subprocess
        self.clock = clock
        self.log = log
        # A plain flag, not a threading.Event: stop() runs in a signal handler, and
        # Event.set() there can deadlock on the lock the interrupted wait() holds.
        self._stopping = False
        self._child: subprocess.Popen[bytes] | None = None

    def stop(self, *_: object) -> None:
        self._stopping = True
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)  # the crawl closes its WARCs and job cleanly

    def run_due(self) -> int:
        """Run every due schedule once; returns how many ran."""
        ran = 0
        for schedule in sorted(self.store.load().values(), key=lambda s: s.name):
            if self._stopping:
                break
            slot = due_slot(schedule, self.clock())
            if slot is None:
                continue
            self.log(f"running schedule {schedule.name} (slot {slot:%Y-%m-%d %H:%M} UTC)")
            try:
                code = self.run(schedule)
            except OSError as error:
                self.log(f"schedule {schedule.name}: could not start the crawl: {error}")
                code = -1
            status = "finished" if code == 0 else "failed"
            if self._stopping and code != 0:
                status = "interrupted"
            self.store.record_run(schedule.name, slot, status, code)
            self.log(f"schedule {schedule.name}: {status} (exit {code})")
            ran += 1
        return ran

    def seconds_to_next(self) -> float:
        now = self.clock()
        upcoming = [s.next_after(now) for s in self.store.load().values()]
        if not upcoming:
            return 60.0
        return max(0.0, (min(upcoming) - now).total_seconds())

    def serve(self, poll: float = 30.0) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.log(f"scheduler started on {self.data_dir} (pid {os.getpid()})")
        while not self._stopping:
            self.run_due()
            # Re-read the schedules at least every `poll` seconds: they may change.
            self._sleep(min(poll, self.seconds_to_next() + 0.5))
        self.log("scheduler stopped")

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def _run_subprocess(self, schedule: Schedule) -> int:
        command = [sys.executable, "-m", "archive.cli", "crawl", "--data-dir", str(self.data_dir)]
        self._child = subprocess.Popen(command + schedule.args)
        try:
            return self._child.wait()
        finally:
            self._child = None
