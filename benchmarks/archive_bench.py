"""Reading an archive back: WARC readers compared, `regarkiv verify`, and cold CLI start-up.

    python -m benchmarks.archive_bench readers FILE.warc.gz   (prints JSON)

- Readers: the project's reader (``archive.warc.reader.iter_records``), warcio's and
  FastWARC's ``ArchiveIterator`` read every response and revisit record of the same file
  with its HTTP body; each in a fresh process, CPU time (user + system) measured. Why the
  project keeps its own reader is in the README (Benchmarks).
- Verify: `regarkiv verify` over the crawl's archive in a process of its own: MB of WARC
  per second of wall time and of CPU time.
- Cold CLI: `regarkiv --version` and `regarkiv search` started ``COLD_RUNS`` times each,
  rotating, as a user runs them: median and minimum wall and CPU time per start. An installed
  regarkiv starts from compiled bytecode (pip compiles it at install; an editable install
  writes it at the first start), so the project's bytecode is compiled first. Where
  ``PYTHONDONTWRITEBYTECODE`` is set and nothing compiled it, every start compiles the
  project's modules again: ``search_from_source`` is that case, from a copy of the packages
  without bytecode, reported beside.
"""

from __future__ import annotations

import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.rounds import rotated  # noqa: E402

READERS = ("regarkiv", "warcio", "fastwarc")
COLD_RUNS = 20
PACKAGES = ("regarkiv", "archive", "crawler")  # what `regarkiv` imports of the project


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_all(path: Path, reader: str) -> dict[str, float]:
    """Read every response/revisit record's body with ``reader``; records and CPU seconds."""
    start = _cpu_s()
    records = body_bytes = 0
    if reader == "regarkiv":
        from archive.warc.reader import iter_records  # here: one reader per process

        for record in iter_records(path):
            records += 1
            body_bytes += len(record.body)
    elif reader == "warcio":
        from warcio.archiveiterator import ArchiveIterator  # here: the same

        with open(path, "rb") as fh:
            for item in ArchiveIterator(fh):
                if item.rec_type in ("response", "revisit"):
                    records += 1
                    body_bytes += len(item.content_stream().read())
    else:
        from fastwarc import ArchiveIterator, WarcRecordType  # here: the same

        kinds = WarcRecordType.response | WarcRecordType.revisit
        with open(path, "rb") as fh:
            for item in ArchiveIterator(fh, record_types=kinds, parse_http=True):
                records += 1
                body_bytes += len(item.reader.read())
    seconds = _cpu_s() - start
    return {"records": records, "body_bytes": body_bytes, "cpu_s": seconds}


def readers(path: Path) -> dict[str, Any]:
    """Every reader over ``path``, each in a fresh process."""
    size = path.stat().st_size
    found: dict[str, Any] = {"warc_mb": round(size / 1e6, 1)}
    for reader in READERS:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.archive_bench", "read", str(path), reader],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if done.returncode != 0:
            found[reader] = {"error": done.stderr.strip().splitlines()[-1:]}
            continue
        figures = json.loads(done.stdout)
        cpu = max(figures["cpu_s"], 1e-9)
        found[reader] = {
            "records": figures["records"],
            "records_per_cpu_s": round(figures["records"] / cpu),
            "mb_per_cpu_s": round(size / 1e6 / cpu, 1),
        }
    return found


def verify(data_dir: Path, run_measured: Any) -> dict[str, Any]:
    """`regarkiv verify` over ``data_dir`` (``run_measured``: crawl_bench's launcher)."""
    size = sum(p.stat().st_size for p in (data_dir / "warcs").glob("*.warc.gz"))
    command = [sys.executable, "-m", "regarkiv", "verify", "--json", "--data-dir", str(data_dir)]
    measured = run_measured(command, 1800)
    report = json.loads(measured.stdout)
    return {
        "ok": report["ok"],
        "warc_mb": round(size / 1e6, 1),
        "records": report["records_checked"],
        "wall_s": round(measured.wall_s, 2),
        "cpu_s": round(measured.cpu_s, 2),
        "mb_per_s": round(size / 1e6 / measured.wall_s, 1),
        "mb_per_cpu_s": round(size / 1e6 / max(measured.cpu_s, 1e-9), 1),
    }


def compile_bytecode(root: Path = ROOT) -> None:
    """Compile the project's packages as `pip install` does (``__pycache__``, git-ignored)."""
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1, workers=1)


def cold_cli(data_dir: Path, runs: int = COLD_RUNS, query: str = "regjering") -> dict[str, Any]:
    """Median and minimum wall and CPU ms of cold starts, the commands rotating.

    ``version`` and ``search`` start from compiled bytecode; ``search_from_source`` from a
    copy of the packages that has none, with ``PYTHONDONTWRITEBYTECODE`` set so that it
    stays so.
    """
    compile_bytecode()
    search = ["-m", "regarkiv", "search", query, "--data-dir", str(data_dir.resolve())]
    with tempfile.TemporaryDirectory(prefix="regarkiv-source-") as source:
        for package in PACKAGES:
            shutil.copytree(
                ROOT / package, Path(source, package), ignore=shutil.ignore_patterns("__pycache__")
            )
        bare_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        bare_env.pop("PYTHONPATH", None)
        commands = {
            "version": ([sys.executable, "-m", "regarkiv", "--version"], ROOT, None),
            "search": ([sys.executable, *search], ROOT, None),
            # ``-m`` puts the working directory first on sys.path: the copy is what runs.
            "search_from_source": ([sys.executable, *search], Path(source), bare_env),
        }
        samples: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in commands}
        names = list(commands)
        for number in range(runs):
            for name in rotated(names, number):
                command, cwd, env = commands[name]
                wall, cpu = _one_start(command, cwd, env)
                samples[name][0].append(wall)
                samples[name][1].append(cpu)
    return {
        name: {
            "wall_ms_median": round(statistics.median(wall), 1),
            "wall_ms_min": round(min(wall), 1),
            "cpu_ms_median": round(statistics.median(cpu), 1),
            "cpu_ms_min": round(min(cpu), 1),
            "runs": runs,
        }
        for name, (wall, cpu) in samples.items()
    }


def _one_start(command: list[str], cwd: Path, env: dict[str, str] | None) -> tuple[float, float]:
    """Wall and CPU ms of one run of ``command``, which must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}")
    return (time.perf_counter() - start) * 1000, (usage.ru_utime + usage.ru_stime) * 1000


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "read":
        print(json.dumps(read_all(Path(sys.argv[2]), sys.argv[3])))
    elif len(sys.argv) == 3 and sys.argv[1] == "readers":
        print(json.dumps(readers(Path(sys.argv[2])), indent=2))
    else:
        sys.exit(__doc__)
