import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.datadir import DataDir
from archive.schedules import Schedule, ScheduleError, ScheduleStore, due_slot
from regarkiv.cli import cli
from regarkiv.scheduler import Scheduler


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_due_slot_runs_a_missed_slot_once() -> None:
    entry = Schedule(name="daily", cron="0 6 * * *", created_at="2026-11-01T00:00:00+00:00")
    # Down for three days: one run, for the latest slot only.
    assert due_slot(entry, at("2026-11-04T09:00:00")) == at("2026-11-04T06:00:00")
    entry.last_run = "2026-11-04T06:00:00+00:00"
    assert due_slot(entry, at("2026-11-04T09:00:00")) is None
    assert due_slot(entry, at("2026-11-05T06:00:30")) == at("2026-11-05T06:00:00")


def test_new_schedule_waits_for_its_first_slot() -> None:
    entry = Schedule(name="daily", cron="0 6 * * *", created_at="2026-11-04T07:00:00+00:00")
    assert due_slot(entry, at("2026-11-04T09:00:00")) is None


def test_scheduler_runs_due_crawls_one_at_a_time_and_survives_failures(tmp_path: Path) -> None:
    store = ScheduleStore(DataDir(tmp_path))
    store.add("a", "0 6 * * *", ["--recrawl", "new"], now=at("2026-11-01T00:00:00"))
    store.add("b", "30 5 * * *", [], now=at("2026-11-01T00:00:00"))
    calls: list[str] = []

    def run(schedule: Schedule) -> int:
        calls.append(schedule.name)
        return 1 if schedule.name == "a" else 0

    scheduler = Scheduler(
        DataDir(tmp_path), run=run, clock=lambda: at("2026-11-03T07:00:00"), log=lambda _: None
    )
    assert scheduler.run_due() == 2
    assert calls == ["a", "b"]
    assert scheduler.run_due() == 0  # nothing due twice
    saved = store.load()
    assert saved["a"].last_status == "failed" and saved["a"].last_exit == 1
    assert saved["b"].last_status == "finished"
    runs = [
        json.loads(line) for line in (tmp_path / "schedule-runs.jsonl").read_text().splitlines()
    ]
    assert [r["schedule"] for r in runs] == ["a", "b"]


def test_invalid_cron_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError):
        ScheduleStore(DataDir(tmp_path)).add("x", "61 * * * *", [])
    result = CliRunner().invoke(
        cli, ["schedule", "add", "x", "--cron", "not a cron", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: invalid cron expression")
    assert len(result.output.strip().splitlines()) == 1


def test_impossible_cron_is_refused_at_add(tmp_path: Path) -> None:
    store = ScheduleStore(DataDir(tmp_path))
    for cron in ("0 0 30 2 *", "0 0 31 4,6,9,11 *"):
        with pytest.raises(ScheduleError, match="never matches a date"):
            store.add("never", cron, [])
    result = CliRunner().invoke(
        cli, ["schedule", "add", "feb", "--cron", "0 0 30 2 *", "--data-dir", str(tmp_path)]
    )
    assert (result.exit_code, result.output) == (
        1,
        "Error: cron expression '0 0 30 2 *' never matches a date (e.g. 30 February)\n",
    )
    assert not (tmp_path / "schedules.json").exists()
    store.add("leap", "0 0 29 2 *", [])  # rare, but real


BROKEN = {
    "feb": {"name": "feb", "cron": "0 0 30 2 *", "args": [], "created_at": ""},
    "junk": [1, 2],
    "naive": {"cron": "0 6 * * *", "args": [], "last_run": "2026-11-01T06:00:00"},
    "extra": {"cron": "0 6 * * *", "args": [], "colour": "blue"},
    "wrong": {"cron": "0 6 * * *", "args": "--recrawl new"},
}


def hand_edited(tmp_path: Path) -> ScheduleStore:
    """A valid schedule "good", then a hand edit that adds the BROKEN entries."""
    store = ScheduleStore(DataDir(tmp_path))
    store.add("good", "0 6 * * *", ["--recrawl", "new"], now=at("2026-11-01T00:00:00"))
    entries = json.loads(store.path.read_text()) | BROKEN
    store.path.write_text(json.dumps(entries))
    return store


def test_a_bad_stored_schedule_never_stops_the_others(tmp_path: Path) -> None:
    store = hand_edited(tmp_path)
    calls: list[str] = []
    lines: list[str] = []

    def run(schedule: Schedule) -> int:
        calls.append(schedule.name)
        return 0

    scheduler = Scheduler(
        DataDir(tmp_path), run=run, clock=lambda: at("2026-11-03T07:00:00"), log=lines.append
    )
    assert scheduler.run_due() == 1 and calls == ["good"]
    assert scheduler.seconds_to_next() == 23 * 3600  # the good one's next slot
    assert scheduler.run_due() == 0
    invalid = [line for line in lines if "is invalid and skipped" in line]
    assert [line.split()[1] for line in invalid] == sorted(BROKEN)  # each logged once
    assert "never matches a date" in invalid[1] and "UTC offset" in invalid[3]
    # Recording the good one's run wrote the others back: what is not a schedule as it
    # was, a schedule that cannot run with its fields filled in.
    saved = json.loads(store.path.read_text())
    assert {name: saved[name] for name in ("junk", "extra", "wrong")} == {
        name: BROKEN[name] for name in ("junk", "extra", "wrong")
    }
    for name in ("feb", "naive"):
        assert saved[name].items() >= BROKEN[name].items()
    assert saved["good"]["last_status"] == "finished"


def test_schedule_list_shows_bad_schedules_as_invalid(tmp_path: Path) -> None:
    hand_edited(tmp_path)
    runner, data = CliRunner(), ["--data-dir", str(tmp_path)]
    listed = runner.invoke(cli, ["schedule", "list", *data])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert [line.split()[0] for line in lines] == sorted([*BROKEN, "good"])
    assert [name for name, line in zip(sorted([*BROKEN, "good"]), lines, strict=True)
            if "INVALID: " in line] == sorted(BROKEN)  # fmt: skip
    rows = {
        row["name"]: row
        for row in json.loads(runner.invoke(cli, ["schedule", "list", *data, "--json"]).output)
    }
    assert rows["good"]["problem"] is None and rows["good"]["next_run"]
    assert all(rows[name]["problem"] and rows[name]["next_run"] is None for name in BROKEN)
    assert rows["feb"]["cron"] == "0 0 30 2 *" and rows["junk"]["args"] == []
    # A bad entry can be removed, and its name taken again.
    assert runner.invoke(cli, ["schedule", "remove", *data, "junk"]).exit_code == 0
    added = runner.invoke(cli, ["schedule", "add", *data, "junk", "--cron", "0 7 * * *"])
    assert added.exit_code == 0, added.output
    refused = runner.invoke(cli, ["schedule", "add", *data, "feb", "--cron", "0 7 * * *"])
    assert "a schedule named 'feb' exists" in refused.output


def test_an_unreadable_schedules_file_stops_nothing_for_good(tmp_path: Path) -> None:
    (tmp_path / "schedules.json").write_text("{not json")
    lines: list[str] = []
    scheduler = Scheduler(DataDir(tmp_path), run=lambda _: 0, log=lines.append)
    assert scheduler.run_due() == 0 and scheduler.seconds_to_next() == 60.0
    assert scheduler.run_due() == 0
    assert len(lines) == 1 and "no schedule runs until it is fixed" in lines[0]
    listed = CliRunner().invoke(cli, ["schedule", "list", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 1 and listed.output.startswith("Error: ")
    assert listed.output.count("\n") == 1


def test_schedule_cli_round_trip(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    added = runner.invoke(
        cli, ["schedule", "add", *data, "daily", "--cron", "0 6 * * *", "--recrawl", "new"]
    )
    assert added.exit_code == 0, added.output
    bad = runner.invoke(cli, ["schedule", "add", *data, "bad", "--cron", "0 6 * * *", "--nope"])
    assert bad.exit_code == 1 and "invalid crawl options" in bad.output
    listed = runner.invoke(cli, ["schedule", "list", *data, "--json"])
    rows = json.loads(listed.output)
    assert [(r["name"], r["cron"], r["args"]) for r in rows] == [
        ("daily", "0 6 * * *", ["--recrawl", "new"])
    ]
    assert runner.invoke(cli, ["schedule", "remove", *data, "daily"]).exit_code == 0
    missing = runner.invoke(cli, ["schedule", "remove", *data, "daily"])
    assert missing.exit_code == 1 and "no schedule named 'daily'" in missing.output


def test_scheduler_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "regarkiv", "scheduler", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        line = process.stdout.readline()
        assert "scheduler started" in line
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=max(1, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "scheduler stopped" in out


def test_scheduler_starts_a_real_crawl_job(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REGARKIV_RETRY_BASE_DELAY", "0.05")
    replica_site = pytest.importorskip("replica.site")
    replica_server = pytest.importorskip("replica.server")
    site = replica_site.Site(articles=25, seed=3)
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        store = ScheduleStore(DataDir(tmp_path))
        args = ["--base-url", server.base_url, "--delay", "0", "--concurrency", "4", "--json"]
        store.add("often", "*/5 * * * *", args, now=at("2026-01-01T00:00:00"))
        store.add("broken", "*/5 * * * *", ["--base-url", "http://127.0.0.1:9"],
                  now=at("2026-01-01T00:00:00"))  # fmt: skip
        lines: list[str] = []
        scheduler = Scheduler(DataDir(tmp_path), log=lines.append)
        assert scheduler.run_due() == 2
    saved = store.load()
    assert saved["often"].last_status == "finished"
    assert saved["broken"].last_status == "failed"  # recorded, and the other still ran
    result = CliRunner().invoke(cli, ["jobs", "--data-dir", str(tmp_path), "--json"])
    jobs = json.loads(result.output)
    assert sorted(job["status"] for job in jobs) == ["failed", "finished"]


def test_scheduler_log_file_holds_its_lines_and_each_crawls_output_and_log(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("REGARKIV_RETRY_BASE_DELAY", "0.05")
    replica_site = pytest.importorskip("replica.site")
    replica_server = pytest.importorskip("replica.server")
    log_file = tmp_path / "logs" / "regarkiv.log"
    log_file.parent.mkdir()
    site = replica_site.Site(articles=10, seed=3)
    with replica_server.ReplicaServer(site, host="127.0.0.1", port=0) as server:
        store = ScheduleStore(DataDir(tmp_path / "data"))
        args = ["--base-url", server.base_url, "--delay", "0", "--concurrency", "4"]
        store.add("often", "*/5 * * * *", args, now=at("2026-01-01T00:00:00"))
        lines: list[str] = []
        scheduler = Scheduler(
            DataDir(tmp_path / "data"),
            log=lines.append,
            crawl_options=["--log-level", "INFO"],
            output=log_file,
        )
        assert scheduler.run_due() == 1
    logged = log_file.read_text()
    assert "Spider opened" in logged  # Scrapy's INFO lines, from --log-level INFO
    assert "finished in" in logged and "new articles     10" in logged  # the summary
    assert lines[-1] == "schedule often: finished (exit 0)"


def test_scheduler_refuses_a_log_file_it_cannot_write(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["scheduler", "--data-dir", str(tmp_path), "--log-file", str(tmp_path / "no" / "x.log")],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: --log-file ") and result.output.count("\n") == 1
