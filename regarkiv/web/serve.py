"""``regarkiv serve``: Datasette with the interface's plugin on ``host``:``port``, and pywb
for replay on a second port of the same host (unless an existing wayback's URL is given).

Both ports are checked before anything starts; Ctrl-C or SIGTERM stop both servers.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from archive.datadir import DataDir, NoArchive
from regarkiv.web import context
from regarkiv.web.app import make_datasette
from regarkiv.web.ports import ServeError, check_free, free_port, listen
from regarkiv.web.replay import Pywb, ReplayError


def serve(
    archive: DataDir,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    replay_url: str | None = None,
    replay_port: int | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve until interrupted. ``replay_port`` defaults to ``port + 1`` (a free port when
    ``port`` is 0)."""
    if not archive.has_index():
        raise NoArchive(f"no archive in {archive.root} (no index.db: run a crawl first)")
    sock = listen(host, port)
    pywb: Pywb | None = None
    try:
        asked, port = port, int(sock.getsockname()[1])
        if replay_url is None:
            if replay_port is None:
                # Port 0 asked for any free port: the one after what it got may be taken.
                replay_port = free_port(host) if asked in (0, 65535) else port + 1
            elif replay_port == 0:
                replay_port = free_port(host)
            check_free(host, replay_port, "--replay-port")
            pywb = Pywb(Path(archive.warcs), host, replay_port)
            try:
                pywb.start()
            except ReplayError as error:
                raise ServeError(f"replay server: {error}") from None
            replay_url = pywb.links.base
        elif not replay_url.endswith("/"):
            replay_url += "/"
        datasette = make_datasette(archive, replay_url)
        shown = f"[{host}]" if ":" in host else host
        echo(f"Serving {archive.root} at http://{shown}:{port}/ (replay: {replay_url})")
        echo("Press Ctrl-C to stop.")
        _run(datasette.app(), sock)
        context.close(datasette)
    finally:
        sock.close()
        if pywb is not None:
            pywb.stop()


def _run(app: Any, sock: socket.socket) -> None:
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    if threading.current_thread() is threading.main_thread():
        # uvicorn re-raises the signal that stopped it once it is done; SIGTERM's default
        # action would end the process before pywb is stopped.
        signal.signal(signal.SIGTERM, _terminated)
    server.run(sockets=[sock])


def _terminated(signum: int, _frame: object) -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    raise SystemExit(128 + signum)
