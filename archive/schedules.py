"""Schedules: cron expressions stored in the data directory, and the runs they made.

The scheduler that runs them is the application's (``regarkiv/scheduler.py``).

Schedules live in ``DATA/schedules.json``; every run is appended to
``DATA/schedule-runs.jsonl``. Cron expressions are parsed by croniter. Both files are
written through ``archive.datadir`` (``DataDirError`` when the directory takes no writes),
never through a link planted in the directory.

A schedule that cannot run never stops the others: ``add`` refuses a cron expression
that names no time that exists (``0 0 30 2 *``), and an entry of a hand-edited file that
is not a schedule, or cannot run, is listed with its problem (``ScheduleStore.listing``),
skipped by the scheduler, and written back as it was when the file is saved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from archive.datadir import DataDir
from archive.files import DataDirError, append_line, write_atomically

if TYPE_CHECKING:
    from croniter import croniter

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _croniter() -> type[croniter]:
    # Imported here, not at the top: croniter and dateutil cost ~13 ms of start-up
    # (python -X importtime), paid by every command since the CLI imports this module.
    from croniter import croniter

    return croniter


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
        return _croniter()(self.cron, moment).get_next(datetime)

    def previous_slot(self, moment: datetime) -> datetime:
        return _croniter()(self.cron, moment).get_prev(datetime)

    def problem(self) -> str | None:
        """Why this schedule cannot run (a hand-edited file), or None."""
        found = cron_problem(self.cron)
        for name in ("created_at", "last_run"):
            moment = getattr(self, name)
            if found is None and moment and _moment(moment) is None:
                found = f"{name} {moment!r} is not an ISO 8601 time with its UTC offset"
        return found

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """What ``regarkiv schedule list --json`` prints for it: with its next slot, or
        why it cannot run."""
        problem = self.problem()
        next_run = None
        if problem is None:
            next_run = self.next_after(now or datetime.now(UTC)).isoformat(timespec="seconds")
        return {**asdict(self), "next_run": next_run, "problem": problem}


@dataclass(frozen=True)
class BrokenEntry:
    """An entry of the schedules file that is not a schedule, kept as the file has it."""

    name: str
    entry: Any
    problem: str

    def as_dict(self) -> dict[str, Any]:
        """Its row in ``regarkiv schedule list --json``: what can be read of it."""
        entry = self.entry if isinstance(self.entry, dict) else {}
        row = {f.name: entry.get(f.name) for f in fields(Schedule)}
        row["args"] = row["args"] if isinstance(row["args"], list) else []
        return {**row, "name": self.name, "next_run": None, "problem": self.problem}


def cron_problem(expression: object) -> str | None:
    """Why ``expression`` is not a cron expression we can run, or None."""
    if not isinstance(expression, str) or len(expression.split()) != 5:
        return f"invalid cron expression {expression!r} (expected 5 fields, e.g. '0 6 * * *')"
    if not _croniter().is_valid(expression):
        return f"invalid cron expression {expression!r} (e.g. '0 6 * * *')"
    try:
        # croniter accepts a date no calendar has ("0 0 30 2 *") and fails only when
        # asked for a slot: ask now, not in the scheduler.
        now = datetime.now(UTC)
        _croniter()(expression, now).get_next(datetime)
        _croniter()(expression, now).get_prev(datetime)
    except (ValueError, OverflowError):
        return f"cron expression {expression!r} never matches a date (e.g. 30 February)"
    return None


def validate_cron(expression: str) -> None:
    """``ScheduleError`` unless ``expression`` is five cron fields that match a date."""
    problem = cron_problem(expression)
    if problem is not None:
        raise ScheduleError(problem)


class ScheduleStore:
    def __init__(self, data: DataDir) -> None:
        self.data = data
        self.path = data.schedules

    def load(self) -> dict[str, Schedule]:
        """The file's schedules (some may have a ``problem()``), without broken entries."""
        return self.read()[0]

    def read(self) -> tuple[dict[str, Schedule], dict[str, BrokenEntry]]:
        """The file's schedules, and its entries that are not one. ``ScheduleError`` when
        the file as a whole is not a schedules file (then nothing can be read from it)."""
        if not self.path.exists():
            return {}, {}
        try:
            raw = json.loads(self.path.read_text())
        except ValueError as error:
            raise ScheduleError(f"{self.path} is not a valid schedules file: {error}") from None
        if not isinstance(raw, dict):
            raise ScheduleError(f"{self.path} is not a valid schedules file: not an object")
        schedules, broken = {}, {}
        for name, entry in raw.items():
            try:
                schedules[name] = _schedule(name, entry)
            except ScheduleError as error:
                broken[name] = BrokenEntry(name, entry, str(error))
        return schedules, broken

    def listing(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Every entry by name, as ``regarkiv schedule list --json`` prints it."""
        schedules, broken = self.read()
        rows = [entry.as_dict(now) for entry in schedules.values()]
        rows += [entry.as_dict() for entry in broken.values()]
        return sorted(rows, key=lambda row: row["name"])

    def save(
        self, schedules: dict[str, Schedule], broken: Mapping[str, BrokenEntry] | None = None
    ) -> None:
        """Write ``schedules``, and ``broken`` entries back as they were."""
        try:
            self.data.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataDirError(f"cannot create {self.data.root}: {error.strerror}", error) from None
        kept = {name: item.entry for name, item in (broken or {}).items()}
        payload = dict(sorted({**kept, **{n: asdict(s) for n, s in schedules.items()}}.items()))
        write_atomically(self.path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")

    def add(self, name: str, cron: str, args: list[str], now: datetime | None = None) -> Schedule:
        if not _NAME.match(name):
            raise ScheduleError(f"invalid schedule name {name!r} (letters, digits, - _ .)")
        validate_cron(cron)
        schedules, broken = self.read()
        if name in schedules or name in broken:
            raise ScheduleError(f"a schedule named {name!r} exists; remove it first")
        created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        schedules[name] = Schedule(name=name, cron=cron, args=args, created_at=created)
        self.save(schedules, broken)
        return schedules[name]

    def remove(self, name: str) -> None:
        schedules, broken = self.read()
        if name not in schedules and name not in broken:
            raise ScheduleNotFound(f"no schedule named {name!r}")
        schedules.pop(name, None)
        broken.pop(name, None)
        self.save(schedules, broken)

    def record_run(self, name: str, slot: datetime, status: str, exit_code: int | None) -> None:
        schedules, broken = self.read()
        if name in schedules:  # it may have been removed while the crawl ran
            entry = schedules[name]
            entry.last_run = slot.isoformat(timespec="seconds")
            entry.last_status, entry.last_exit = status, exit_code
            self.save(schedules, broken)
        line = {
            "schedule": name,
            "slot": slot.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": status,
            "exit_code": exit_code,
        }
        append_line(self.data.schedule_runs, json.dumps(line))


def _schedule(name: object, entry: object) -> Schedule:
    """The schedule an entry of the file describes; ``ScheduleError`` saying what is wrong."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ScheduleError(f"invalid schedule name {name!r} (letters, digits, - _ .)")
    if not isinstance(entry, dict):
        raise ScheduleError("not a schedule: expected an object with name, cron and args")
    known = {f.name for f in fields(Schedule)}
    if unknown := sorted(set(entry) - known):
        raise ScheduleError(f"unknown field {unknown[0]!r}")
    if entry.get("name", name) != name:
        raise ScheduleError(f"its name {entry['name']!r} is not its key")
    kinds: dict[str, tuple[type, ...]] = {
        "cron": (str,),
        "args": (list,),
        "created_at": (str,),
        "last_run": (str, type(None)),
        "last_status": (str, type(None)),
        "last_exit": (int, type(None)),
    }
    for key, kind in kinds.items():
        if key in entry and not isinstance(entry[key], kind):
            raise ScheduleError(f"{key} {entry[key]!r} has the wrong type")
    if "cron" not in entry or not all(isinstance(arg, str) for arg in entry.get("args", [])):
        raise ScheduleError("not a schedule: needs a cron string and a list of string args")
    return Schedule(**{**entry, "name": name})


def _moment(text: str) -> datetime | None:
    """An ISO 8601 time with its UTC offset, or None when it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _parse(moment: str | None) -> datetime | None:
    return _moment(moment) if moment else None


def due_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """The latest slot at or before ``now`` not yet run, if any.

    However many slots were missed while the scheduler was down, this is one
    slot: a missed run is made up once, not once per missed slot.
    """
    slot = schedule.previous_slot(now) if not _croniter().match(schedule.cron, now) else now
    slot = slot.replace(second=0, microsecond=0)
    last = _parse(schedule.last_run)
    created = _parse(schedule.created_at)
    if last is not None and last >= slot:
        return None
    if last is None and created is not None and created > slot:
        return None
    return slot
