"""Proof that faults lose nothing: kill -9 a crawl (its main process, WARC writer or indexer;
mid-crawl, at a WARC roll-over, during the repair phase of a resume, again and again),
stop it with SIGTERM or SIGINT, or serve 20% faulty responses; resume; then compare the
archive with an uninterrupted crawl of the same replica.

    python benchmarks/chaos.py [--articles 1500] [--only NAME ...] [--json]

Each variant starts from an empty data directory. "equal" means the index holds exactly
the reference's articles, each with one revision of the same content hash (no article
missing, none forged or duplicated); "verify" is `regarkiv verify`'s exit code; "requests"
are the article requests the replica answered, against the articles it holds.
Everything runs against the replica on 127.0.0.1, bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from replica.server import ReplicaServer
from replica.site import Site

FAST = ["--delay", "0", "--concurrency", "8"]
ENV = dict(os.environ, REGARKIV_RETRY_BASE_DELAY="0.1")
DEADLINE = 300.0  # seconds any one crawl may take


@dataclass
class Outcome:
    variant: str
    killed_exit: int | None
    resumes: int
    articles: int
    equal: bool
    verify: int
    requests: int
    note: str = ""


def crawl_command(data: Path, base_url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(data),
            "--base-url", base_url, *FAST, "--json", *extra]  # fmt: skip


def start(data: Path, base_url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        crawl_command(data, base_url, *extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return [child for child in found if _spawned(child)]


def _spawned(pid: int) -> bool:
    """A crawl's child process (the writer, or the writer's indexer: archive/child.py)."""
    try:
        return b"archive.child" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def writer(pid: int) -> int | None:
    return next(iter(children(pid)), None)


def indexer(pid: int) -> int | None:
    found = writer(pid)
    return next(iter(children(found)), None) if found else None


def articles_fetched(server: ReplicaServer) -> int:
    return sum(1 for t in server.requests.targets() if "/aktuelt/" in t and "nyheter" not in t)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> bool:
    """True once ``condition`` holds; False if the crawl ended first."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def finish(process: subprocess.Popen[str]) -> int:
    process.communicate(timeout=DEADLINE)
    return process.returncode


def resume_until_done(data: Path, base_url: str) -> int:
    """`crawl --resume` until it succeeds (at most 3 times); how many it took."""
    for attempt in range(1, 4):
        result = subprocess.run(
            crawl_command(data, base_url, "--resume"),
            capture_output=True, text=True, env=ENV, timeout=DEADLINE,
        )  # fmt: skip
        if result.returncode == 0:
            return attempt
        if "no interrupted or failed crawl" in result.stderr:
            return attempt - 1  # the crawl had finished after all
    raise RuntimeError(f"--resume did not finish: {result.stderr[-500:]}")


def fingerprint(data: Path) -> dict[int, tuple[int, str]]:
    """Each article's number of revisions and latest content hash."""
    with contextlib.closing(sqlite3.connect(data / "index.db")) as db:
        rows = db.execute(
            "SELECT a.id, count(r.id), max(CASE WHEN r.revision = a.latest_revision "
            "THEN r.content_hash END) FROM articles a JOIN revisions r ON r.article_id = a.id "
            "GROUP BY a.id"
        ).fetchall()
    return {article: (revisions, digest) for article, revisions, digest in rows}


def verify(data: Path) -> int:
    command = [sys.executable, "-m", "regarkiv", "verify", "--data-dir", str(data)]
    return subprocess.run(command, capture_output=True, timeout=DEADLINE).returncode


def kill_at(
    server: ReplicaServer, data: Path, share: float, total: int,
    target: Callable[[int], int | None] = lambda pid: pid, sig: int = signal.SIGKILL,
    extra: tuple[str, ...] = (),
) -> int | None:  # fmt: skip
    """Starts a crawl and sends ``sig`` to ``target`` once ``share`` of articles are fetched;
    the crawl's exit code (None if it ended before)."""
    process = start(data, server.base_url, *extra)
    reached = wait_until(
        lambda: articles_fetched(server) >= share * total and target(process.pid) is not None,
        process,
    )
    if reached and (pid := target(process.pid)) is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    return finish(process) if reached else None


def variants(total: int) -> dict[str, Callable[[ReplicaServer, Path], tuple[int | None, str]]]:
    def main_at(share: float) -> Callable[[ReplicaServer, Path], tuple[int | None, str]]:
        return lambda server, data: (kill_at(server, data, share, total), "")

    def rollover(server: ReplicaServer, data: Path) -> tuple[int | None, str]:
        process = start(data, server.base_url, "--warc-max-size", "2M")
        warcs = data / "warcs"
        reached = wait_until(lambda: len(list(warcs.glob("*.warc.gz*"))) >= 3, process)
        if reached:
            os.kill(process.pid, signal.SIGKILL)
        return (finish(process) if reached else None), "killed as the 3rd file opened"

    def during_repair(server: ReplicaServer, data: Path) -> tuple[int | None, str]:
        code = kill_at(server, data, 0.5, total)
        process = start(data, server.base_url, "--resume")
        time.sleep(0.4)  # before the engine starts: repairing files and the index
        os.kill(process.pid, signal.SIGKILL)
        finish(process)
        return code, "then the first --resume killed 0.4 s in"

    def chained(server: ReplicaServer, data: Path) -> tuple[int | None, str]:
        code = kill_at(server, data, 0.3, total)
        for share in (0.6, 0.9):
            kill_at(server, data, share, total, extra=("--resume",))
        return code, "killed at 30%, its resume at 60%, that one's at 90%"

    def faults(server: ReplicaServer, data: Path) -> tuple[int | None, str]:
        server.faults.clear()  # the slow-down fault would match first: faults only
        server.faults.misbehave(rate=0.2, seed=7)
        try:
            result = subprocess.run(
                crawl_command(data, server.base_url), capture_output=True, text=True,
                env=ENV, timeout=DEADLINE,
            )  # fmt: skip
        finally:
            struck = len(server.faults.applied)
            server.faults.clear()
            slow_down(server)
        failures = json.loads(result.stdout).get("failures", {}) if result.stdout else {}
        return result.returncode, (
            f"{struck} faulty responses (20% of article requests); failures left after "
            f"retries: {failures or 0}"
        )

    return {
        "main-25%": main_at(0.25),
        "main-50%": main_at(0.5),
        "main-75%": main_at(0.75),
        "writer-50%": lambda s, d: (kill_at(s, d, 0.5, total, writer), ""),
        "indexer-50%": lambda s, d: (kill_at(s, d, 0.5, total, indexer), ""),
        "roll-over": rollover,
        "resume-repair": during_repair,
        "chained": chained,
        "sigterm-50%": lambda s, d: (kill_at(s, d, 0.5, total, sig=signal.SIGTERM), ""),
        "sigint-50%": lambda s, d: (kill_at(s, d, 0.5, total, sig=signal.SIGINT), ""),
        "faults-20%": faults,
    }


def slow_down(server: ReplicaServer) -> None:
    """Slow enough that each kill lands where it is aimed."""
    server.faults.add("*", "slow", count=None, delay=0.01)


def run(total: int, only: list[str]) -> list[Outcome]:
    site = Site(articles=total, seed=9)
    outcomes: list[Outcome] = []
    with ReplicaServer(site) as server, tempfile.TemporaryDirectory() as tmp:
        slow_down(server)
        reference = Path(tmp) / "reference"
        subprocess.run(crawl_command(reference, server.base_url), check=True,
                       capture_output=True, env=ENV, timeout=DEADLINE)  # fmt: skip
        expected = fingerprint(reference)
        for name, variant in variants(total).items():
            if only and name not in only:
                continue
            data = Path(tmp) / name
            server.requests.clear()
            code, note = variant(server, data)
            resumes = resume_until_done(data, server.base_url)
            if name == "faults-20%":  # a finished crawl: the next one picks up the rest
                subprocess.run(crawl_command(data, server.base_url, "--recrawl", "new"),
                               capture_output=True, env=ENV, timeout=DEADLINE)  # fmt: skip
                note += "; then one --recrawl new"
            found = fingerprint(data)
            outcomes.append(Outcome(
                name, code, resumes, len(found), found == expected, verify(data),
                articles_fetched(server), note,
            ))  # fmt: skip
            print(table([outcomes[-1]]).splitlines()[-1], file=sys.stderr, flush=True)
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    head = "| variant | exit when stopped | resumes | articles | equal | verify | requests | note |"
    rows = [head, "|" + " --- |" * 8]
    for o in outcomes:
        rows.append(
            f"| {o.variant} | {o.killed_exit} | {o.resumes} | {o.articles} | "
            f"{'yes' if o.equal else 'NO'} | {o.verify} | {o.requests} | {o.note} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1500)
    parser.add_argument("--only", nargs="*", default=[], help="variants to run (default all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    load = os.getloadavg()[0]
    outcomes = run(args.articles, args.only)
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=2))
    else:
        print(f"replica of {args.articles} articles; load average at start {load:.2f}; "
              f"{time.monotonic() - started:.0f} s in all")  # fmt: skip
        print(table(outcomes))
    if not all(o.equal and o.verify == 0 for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
