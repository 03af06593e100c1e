"""The scheduler: runs due schedules as `regarkiv crawl` processes, one at a time.

Schedules and their runs are stored by ``archive.schedules``; a crawl runs in a process
of its own because Scrapy's reactor cannot restart in one process. A schedule that cannot
run (a hand-edited file) is logged, once, and skipped: the others run; a schedules file
that cannot be read at all is logged and read again at the next poll.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from archive.datadir import DataDir
from archive.schedules import Schedule, ScheduleError, ScheduleStore, due_slot

RunCrawl = Callable[[Schedule], int]


class Scheduler:
    """Runs due schedules, one crawl at a time, until ``stop()`` (or SIGTERM)."""

    def __init__(
        self,
        data: DataDir,
        run: RunCrawl | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        log: Callable[[str], None] = lambda line: print(line, flush=True),
        *,
        warn: Callable[[str], None] | None = None,
        crawl_options: Sequence[str] = (),
        output: Path | None = None,
    ) -> None:
        """``log``/``warn``: where the scheduler's own lines go. ``crawl_options`` come
        before each schedule's own crawl arguments (which win where both give one);
        ``output``: a file that each crawl's stdout and stderr are appended to."""
        self.store = ScheduleStore(data)
        self.data = data
        self.run = run or self._run_subprocess
        self.clock = clock
        self.log = log
        self.warn = warn or log
        self.crawl_options = list(crawl_options)
        self.output = output
        # A plain flag, not a threading.Event: stop() runs in a signal handler, and
        # Event.set() there can deadlock on the lock the interrupted wait() holds.
        self._stopping = False
        self._child: subprocess.Popen[bytes] | None = None
        self._warned: set[str] = set()  # problems logged: once each, not at every poll

    def stop(self, *_: object) -> None:
        self._stopping = True
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)  # the crawl closes its WARCs and job cleanly

    @property
    def stopping(self) -> bool:
        return self._stopping

    def run_due(self) -> int:
        """Run every due schedule once; returns how many ran."""
        ran = 0
        for schedule in self.runnable():
            if self._stopping:
                break
            slot = due_slot(schedule, self.clock())
            if slot is None:
                continue
            self.log(f"running schedule {schedule.name} (slot {slot:%Y-%m-%d %H:%M} UTC)")
            try:
                code = self.run(schedule)
            except OSError as error:
                self.warn(f"schedule {schedule.name}: could not start the crawl: {error}")
                code = -1
            status = "finished" if code == 0 else "failed"
            if self.stopping and code != 0:  # stop() ran (a signal) while the crawl did
                status = "interrupted"
            self.store.record_run(schedule.name, slot, status, code)
            report = self.log if code == 0 else self.warn
            report(f"schedule {schedule.name}: {status} (exit {code})")
            ran += 1
        return ran

    def runnable(self) -> list[Schedule]:
        """The schedules that can run, by name; the others' problems are logged once."""
        try:
            schedules, broken = self.store.read()
        except ScheduleError as error:
            self._warn(f"{error}; no schedule runs until it is fixed")
            return []
        problems = {name: entry.problem for name, entry in broken.items()}
        for name, schedule in schedules.items():
            if (problem := schedule.problem()) is not None:
                problems[name] = problem
        for name, problem in sorted(problems.items()):
            self._warn(f"schedule {name} is invalid and skipped: {problem}")
        return [schedules[name] for name in sorted(schedules) if name not in problems]

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warn(message)

    def seconds_to_next(self) -> float:
        now = self.clock()
        upcoming = [s.next_after(now) for s in self.runnable()]
        if not upcoming:
            return 60.0
        return max(0.0, (min(upcoming) - now).total_seconds())

    def serve(self, poll: float = 30.0) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.log(f"scheduler started on {self.data.root} (pid {os.getpid()})")
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
        command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(self.data.root)]
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(self.output.open("ab")) if self.output else None
            self._child = subprocess.Popen(
                command + self.crawl_options + schedule.args, stdout=out, stderr=out
            )
            try:
                return self._child.wait()
            finally:
                self._child = None
