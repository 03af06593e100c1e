"""``regarkiv serve`` and ``regarkiv demo --serve`` as a user runs them: one line for every
refusal, and the demo ends by serving its archive (started, a page fetched, stopped)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("datasette", reason="datasette (the web extra) is not installed")
pytest.importorskip("pywb", reason="pywb (the web extra) is not installed")

from tests.support.serve import serving  # noqa: E402

Run = Callable[..., subprocess.CompletedProcess[str]]


def fetch(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=20) as response:
        return response.status, response.read().decode()


def test_a_taken_port_is_one_line(regarkiv: Run, web_archive: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = regarkiv("serve", "--data-dir", str(web_archive), "--port", str(port))
        replay = regarkiv(
            "serve", "--data-dir", str(web_archive), "--port", "0", "--replay-port", str(port)
        )
        demo = regarkiv("demo", "--serve", "--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    taken_line = f"Error: port {port} on 127.0.0.1 is taken (another server runs there?): "
    assert result.stderr == taken_line + "choose another with --port\n"
    assert replay.returncode == 1 and "--replay-port" in replay.stderr
    assert replay.stderr.count("\n") == 1
    assert demo.returncode == 1 and demo.stderr == taken_line + "choose another with --port\n"
    assert not (tmp_path / "d").exists()  # refused before crawling


def test_a_missing_archive_is_one_line(regarkiv: Run, tmp_path: Path) -> None:
    result = regarkiv("serve", "--data-dir", str(tmp_path / "none"), "--port", "0")
    assert result.returncode == 1
    assert (
        result.stderr
        == f"Error: no archive in {tmp_path / 'none'} (no index.db: run a crawl first)\n"
    )


def test_without_the_web_extra_serve_says_how_to_install_it(tmp_path: Path, root: Path) -> None:
    hidden = tmp_path / "hidden"
    for name in ("datasette", "pywb"):
        (hidden / name).mkdir(parents=True)
        (hidden / name / "__init__.py").write_text(
            f"raise ModuleNotFoundError('No module named {name!r}', name={name!r})\n"
        )
    # find_spec finds the stand-ins: make them invisible as Python does for a missing one.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import importlib.util, sys\n"
        "_find = importlib.util.find_spec\n"
        "def find_spec(name, package=None):\n"
        "    return None if name in ('datasette', 'pywb') else _find(name, package)\n"
        "importlib.util.find_spec = find_spec\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(hidden), str(root)])}
    result = subprocess.run(
        [sys.executable, "-m", "regarkiv", "serve", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        result.stderr
        == "Error: the web interface needs datasette, pywb: pip install 'regarkiv[web]'\n"
    )
    demo = subprocess.run(
        [sys.executable, "-m", "regarkiv", "demo", "--serve", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert demo.returncode == 1 and "regarkiv[web]" in demo.stderr
    assert not (tmp_path / "d").exists()  # refused before crawling


def test_demo_serve_ends_by_serving_its_archive(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    with serving("demo", "--serve", "--data-dir", str(data), "--port", "0", timeout=240) as served:
        status, html = fetch(served.url + "?hl=en")
        assert status == 200 and "Latest events" in html
        status, _ = fetch(served.url + "changes?since=2000-01-01")
        assert status == 200
        replay_status, _ = fetch(served.replay)
        assert replay_status == 200
    assert any("== Second crawl ==" in line for line in served.output)
