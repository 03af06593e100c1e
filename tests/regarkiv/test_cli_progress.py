"""What a running crawl tells its operator: the progress line on a terminal, periodic lines
for cron and systemd, --log-level and --log-file, --color and NO_COLOR."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from replica.server import ReplicaServer
from replica.site import Site

Run = Callable[..., subprocess.CompletedProcess[str]]
# Slow enough for a few progress lines, bounded: 160 articles, one at a time.
SLOW = ["--delay", "0.01", "--concurrency", "1"]


@pytest.fixture(scope="module")
def server() -> Iterator[ReplicaServer]:
    with ReplicaServer(Site(articles=160, seed=11)) as running:
        yield running


def test_without_a_terminal_progress_comes_as_timestamped_lines_with_total_rate_and_eta(
    regarkiv: Run, server: ReplicaServer, tmp_path: Path
) -> None:
    result = regarkiv(
        "crawl", "--data-dir", str(tmp_path), "--base-url", server.base_url, *SLOW,
        "--progress-interval", "0.3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if " progress: " in line]
    # Until both languages' count lines are read, there is no total to show.
    lines = [line for line in progress if " of ~" in line]
    assert len(lines) >= 2, result.stderr
    assert all(re.search(r"progress: articles \d+  [\d.]+/s  ETA", line) for line in progress
               if line not in lines)  # fmt: skip
    pattern = re.compile(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d progress: articles (\d+) of ~\d+ \(\d+%\)"
        r"  [\d.]+/s  ETA (\d+[hms][\dms]*|\?)  listing pages \d+  failures 0"
    )
    assert all(pattern.match(line) for line in lines), lines
    assert "\r" not in result.stderr and "\x1b[" not in result.stderr
    assert "ETA ?" not in lines[-1]  # the rate is known once articles arrive
    assert " of ~160 (" in lines[-1]  # the estimate ends at what both listings hold


def test_progress_interval_zero_keeps_stderr_quiet(
    regarkiv: Run, server: ReplicaServer, tmp_path: Path
) -> None:
    result = regarkiv(
        "crawl", "--data-dir", str(tmp_path), "--base-url", server.base_url, *SLOW,
        "--max-articles", "30", "--progress-interval", "0", "--requisites", "none",
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", result.stderr


def crawl_on_a_terminal(server: ReplicaServer, data: Path, *args: str, env: dict[str, str]) -> str:
    """Runs a crawl whose stderr is a pseudo-terminal; returns what it wrote there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data),
         "--base-url", server.base_url, *SLOW, "--max-articles", "60", *args],
        stdout=subprocess.PIPE, stderr=follower, env={**os.environ, **env},
    )  # fmt: skip
    os.close(follower)
    written = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            written += chunk
    finally:
        os.close(leader)
        assert process.wait(timeout=120) == 0
        assert process.stdout is not None and b"finished" in process.stdout.read()
        process.stdout.close()
    return written.decode()


def test_on_a_terminal_one_status_line_is_rewritten_in_bold_unless_no_color(
    server: ReplicaServer, tmp_path: Path
) -> None:
    shown = crawl_on_a_terminal(server, tmp_path / "a", env={"NO_COLOR": ""})
    assert "\r\x1b[1marticles " in shown and " of ~60 (" in shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared before the summary
    plain = crawl_on_a_terminal(server, tmp_path / "b", env={"NO_COLOR": "1"})
    assert "\rarticles " in plain and "\x1b[1m" not in plain
    never = crawl_on_a_terminal(server, tmp_path / "c", "--color", "never", env={"NO_COLOR": ""})
    assert "\x1b[1m" not in never


def test_log_file_takes_the_log_at_the_level_asked(
    regarkiv: Run, server: ReplicaServer, tmp_path: Path
) -> None:
    log = tmp_path / "crawl.log"
    result = regarkiv(
        "crawl", "--data-dir", str(tmp_path / "data"), "--base-url", server.base_url,
        "--delay", "0", "--max-articles", "20", "--log-level", "INFO", "--log-file", str(log),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    logged = log.read_text()
    assert "[scrapy.core.engine] INFO: Spider opened" in logged
    assert "INFO" not in result.stderr  # the log went to the file, not to stderr
    again = regarkiv(
        "crawl", "--data-dir", str(tmp_path / "data"), "--base-url", server.base_url,
        "--delay", "0", "--max-articles", "20", "--log-level", "error", "--log-file", str(log),
    )  # fmt: skip
    assert again.returncode == 0
    assert log.read_text() == logged  # appended to, never truncated; ERROR: nothing new


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log-file", "{tmp}/missing/dir/crawl.log"], "Error: --log-file "),
        (["--log-file", "{tmp}"], "Invalid value for '--log-file'"),
        (["--log-level", "LOUD"], "Invalid value for '--log-level'"),
        (["--progress-interval", "-1"], "Invalid value for '--progress-interval'"),
        (["--color", "sometimes"], "Invalid value for '--color'"),
    ],
)
def test_bad_logging_options_are_one_line_errors(
    regarkiv: Run, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = regarkiv(
        "crawl", "--data-dir", str(tmp_path / "data"), "--base-url", "http://127.0.0.1:9", *args
    )
    assert result.returncode in (1, 2)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was created
