"""Replay of archived pages: links into a wayback, and pywb run over the archive's WARCs.

Archived HTML is never served from the interface's own origin: the pages link to pywb on a
second port (``Pywb``, started by ``regarkiv serve``) or to an existing wayback
(``--replay-url``). pywb reads the CDXJ files the crawl writes beside each WARC as they are.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from regarkiv.web.ports import ServeError

COLLECTION = "regarkiv"
START_TIMEOUT = 60.0  # seconds pywb may take to answer (it imports gevent and its apps)


class ReplayError(ServeError):
    """pywb cannot be started (not installed, port taken, exited); the message says why."""


@dataclass(frozen=True)
class ReplayLinks:
    """``base`` is a wayback collection's URL, e.g. ``http://127.0.0.1:8002/regarkiv/``."""

    base: str

    def url(self, when: str, url: str, modifier: str = "") -> str:
        """The replay URL of ``url`` as captured at ``when`` (ISO 8601 UTC)."""
        digits = "".join(ch for ch in when if ch.isdigit())[:14]
        return f"{self.base}{digits}{modifier}/{url}"


def pywb_config(warcs: Path) -> str:
    """pywb's config.yaml: one collection over the archive's WARC and CDXJ files."""
    folder = str(warcs.resolve()).rstrip("/") + "/"
    return (
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    index_paths: {_yaml(folder)}\n"
        f"    archive_paths: {_yaml(folder)}\n"
        "enable_memento: true\n"
    )


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Pywb:
    """pywb's ``wayback`` server as a child process on ``host``:``port``."""

    def __init__(self, warcs: Path, host: str, port: int) -> None:
        self.warcs, self.host, self.port = warcs, host, port
        self.process: subprocess.Popen[bytes] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="regarkiv-pywb-")

    @property
    def links(self) -> ReplayLinks:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return ReplayLinks(f"http://{host}:{self.port}/{COLLECTION}/")

    def start(self) -> None:
        """Start pywb and wait until it answers (``ReplayError`` when it cannot)."""
        folder = Path(self._dir.name)
        (folder / "config.yaml").write_text(pywb_config(self.warcs), encoding="utf-8")
        command = [
            sys.executable, "-c", "from pywb.apps.cli import wayback; wayback()",
            "--bind", self.host, "--port", str(self.port),
        ]  # fmt: skip
        log = open(folder / "pywb.log", "wb")  # noqa: SIM115 (the child writes it)
        with log:
            self.process = subprocess.Popen(
                command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=_env()
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ReplayError(f"pywb exited at start: {self._last_log_line()}")
            if self._answers():
                return
            time.sleep(0.2)
        self.stop()
        raise ReplayError(f"pywb did not answer within {START_TIMEOUT:.0f} s")

    def _answers(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(self.links.base, timeout=2) as response:
                return bool(response.status < 500)
        except urllib.error.HTTPError as error:
            return error.code < 500
        except (OSError, http.client.HTTPException):
            # Before pywb listens, a connection to a port in the ephemeral range can meet
            # itself (TCP self-connect) and read its own request back: not an answer.
            return False

    def _last_log_line(self) -> str:
        lines = (Path(self._dir.name) / "pywb.log").read_text(errors="replace").splitlines()
        return lines[-1] if lines else "no output"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._dir.cleanup()


def _env() -> dict[str, str]:
    # pywb must never reach out for live web pages: it only replays the collection.
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    return env
