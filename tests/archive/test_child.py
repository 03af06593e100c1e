"""The crawl's child processes (archive/child.py): a fresh interpreter on a pipe, no
multiprocessing resource tracker, exits as a multiprocessing child does."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from archive.child import ChildProcess
from tests.support.children import echo, fail, start_and_return


def test_a_child_runs_its_target_on_the_pipe_and_exits_0() -> None:
    child = ChildProcess("test-echo", echo, ("re: ",))
    child.conn.send("one")
    child.conn.send("two")
    assert [child.conn.recv(), child.conn.recv()] == ["re: one", "re: two"]
    assert child.is_alive() and child.exitcode is None
    child.conn.send(None)
    child.join(30)
    assert child.exitcode == 0


def test_a_target_that_raises_exits_1_with_its_traceback(capfd) -> None:
    child = ChildProcess("test-fail", fail, ("bad page",))
    child.join(30)
    assert child.exitcode == 1
    assert "ValueError: bad page" in capfd.readouterr().err


def test_a_killed_child_says_which_signal() -> None:
    child = ChildProcess("test-echo", echo, ("",))
    child.kill()
    child.join(30)
    assert child.exitcode == -9
    child.kill()  # already gone: harmless


def test_a_child_waits_for_its_own_children_before_it_exits(tmp_path: Path) -> None:
    """As multiprocessing joined them: the indexer finishes before the writer is gone."""
    marker = tmp_path / "grandchild-finished"
    child = ChildProcess("test-parent", start_and_return, (marker,))
    grandchild = child.conn.recv()
    child.join(30)
    assert child.exitcode == 0
    assert marker.read_text() == "done", f"the child exited before {grandchild} finished"


def test_a_crawl_s_children_start_no_resource_tracker(tmp_path: Path, root: Path) -> None:
    """The writer and indexer processes alone: multiprocessing's tracker (~13 MB) is not
    started beside them, though a crawl's children used to start it."""
    script = textwrap.dedent(
        f"""
        import os, time
        from pathlib import Path
        from tests.support.warc import archiver_config as config, exchange
        from archive.pipeline import Archiver

        def tree(pid):
            found = []
            try:
                for task in Path(f"/proc/{{pid}}/task").iterdir():
                    for child in (task / "children").read_text().split():
                        command = Path(f"/proc/{{child}}/cmdline").read_bytes()
                        found += [command.decode(errors="replace"), *tree(int(child))]
            except OSError:  # it ended meanwhile
                pass
            return found

        archiver = Archiver(config(Path({str(tmp_path)!r})))
        archiver.submit(exchange())
        for _ in range(100):  # the indexer runs once the writer has started it
            found = tree(os.getpid())
            if any("regarkiv-indexer" in command for command in found):
                break
            time.sleep(0.1)
        print("\\n".join(found))
        report = archiver.close()
        print("indexed", report.ingest.counts.get("not_article"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "resource_tracker" not in done.stdout
    assert "regarkiv-archiver" in done.stdout and "regarkiv-indexer" in done.stdout
    assert done.stdout.rstrip().endswith("indexed 1")
