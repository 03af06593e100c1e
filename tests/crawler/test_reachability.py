"""A site that cannot be reached fails the crawl at once; an outage mid-crawl is waited out."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.crawl import FAST

replica_site = pytest.importorskip("replica.site")
replica_server = pytest.importorskip("replica.server")


def free_port() -> int:
    """A port nothing listens on (just released by the kernel)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_base_url_fails_in_seconds_naming_why(tmp_path: Path, regarkiv) -> None:
    started = time.monotonic()
    result = regarkiv(
        "crawl", "--data-dir", str(tmp_path), "--base-url", f"http://127.0.0.1:{free_port()}",
        "--delay", "0", "--json",
        # A first backoff step of 100 s: a crawl that waited even once would take that long,
        # so the bound below tells "no backoff" from "backoff" on however loaded a machine.
        env={"REGARKIV_RETRY_BASE_DELAY": "100"}, timeout=150,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "could not fetch any listing page" in result.stderr
    assert "(connection-refused)" in result.stderr
    assert "Traceback" not in result.stderr and "Error" in result.stderr
    assert elapsed < 60, f"took {elapsed:.1f} s"  # not one backoff step of 100 s
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    assert set(summary["failures"]) == {"connection-refused"}
    assert not list((tmp_path / "warcs").glob("*.open"))


def test_an_outage_mid_crawl_is_retried_with_backoff(tmp_path: Path) -> None:
    """The server goes away mid-crawl and comes back on the same port: nothing is lost."""
    site = replica_site.Site(articles=60, seed=3)
    server = replica_server.ReplicaServer(site, host="127.0.0.1", port=0).start()
    port = server.port
    server.faults.add("*", "slow", count=None, delay=0.05)
    command = [sys.executable, "-m", "regarkiv", "crawl", "--data-dir", str(tmp_path),
               "--base-url", server.base_url, *FAST, "--json"]  # fmt: skip
    env = dict(os.environ, REGARKIV_RETRY_BASE_DELAY="0.5")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 60
        while len([t for t in server.requests.targets() if "/aktuelt/" in t]) < 10:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.01)
        server.stop()  # refused from now on
        time.sleep(1.0)
        server = replica_server.ReplicaServer(site, host="127.0.0.1", port=port).start()
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        server.stop()
    assert process.returncode == 0, err[-2000:]
    summary = json.loads(out)
    assert summary["status"] == "finished"
    assert summary["failures"] == {}
    assert summary["new_articles"] == len(site.article_ids())
