"""Listening sockets for ``regarkiv serve``, bound before anything starts, so a port that is
taken is one clear line (``ServeError``) and port 0 means a free port whose number is known."""

from __future__ import annotations

import errno
import socket


class ServeError(RuntimeError):
    """The interface cannot be served (port taken, replay server failing); one line."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening (``ServeError`` when it cannot)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ServeError(f"cannot serve on {host}: {error.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is taken (another server runs there?): choose "
                "another with --port"
            ) from None
        raise ServeError(f"cannot serve on {host}:{port}: {error.strerror}") from None
    return sock


def free_port(host: str) -> int:
    """A port free on ``host`` now (for a child process that binds it itself)."""
    sock = listen(host, 0)
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


def check_free(host: str, port: int, option: str) -> None:
    """``ServeError`` naming ``option`` when ``port`` is taken on ``host``."""
    try:
        listen(host, port).close()
    except ServeError as error:
        raise ServeError(str(error).replace("--port", option)) from None
