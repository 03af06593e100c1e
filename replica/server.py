"""Serve a ``Site`` over HTTP/1.1 on 127.0.0.1, with keep-alive, gzip and fault injection.

One asyncio event loop in a background thread: it holds thousands of idle keep-alive
connections cheaply, and slow-response faults sleep without tying up a thread. Pages
come from the site's cache, so per request the work is a nonce fill and a gzip.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import signal
import threading
import traceback
from collections.abc import Iterator
from typing import NamedTuple, Self

from replica.faults import Faults, article_id_of
from replica.requisites import is_asset
from replica.site import Site
from replica.wire import HTTPRequest, apply_fault, parse_head, write_response, write_stream


class RequestRecord(NamedTuple):
    method: str
    target: str  # path with query
    headers: dict[str, str]  # lower-cased names


class RequestLog:
    """Every request the server saw, in arrival order; safe to read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def __iter__(self) -> Iterator[RequestRecord]:
        with self._lock:
            return iter(list(self._records))

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]

    def targets(self) -> list[str]:
        return [r.target for r in self]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


class ReplicaServer:
    def __init__(
        self,
        site: Site,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        gzip_level: int = 3,
        idle_timeout: float = 30.0,
        names: str | None = None,
    ) -> None:
        self.site = site
        # The base URL its pages name as theirs (canonical links, og:url): a mirror of
        # www.regjeringen.no names the real site. Default: the URL it is served at.
        self.names = names.rstrip("/") if names else None
        self.host = host
        self.port = port
        self.gzip_level = gzip_level
        self.idle_timeout = idle_timeout
        self.faults = Faults()
        self.requests = RequestLog()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._connections: set[asyncio.Task[None]] = set()
        self._startup_error: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, target: str) -> str:
        return self.base_url + target

    @property
    def page_base(self) -> str:
        """The base URL the pages name (``names``, else where it is served)."""
        return self.names or self.base_url

    def set_version(self, version: int) -> None:
        self.site.set_version(version)

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="replica-server", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._startup_error is not None:
            raise self._startup_error
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._shutdown)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._connection, self.host, self.port, backlog=1024)
            )
        except OSError as error:
            self._startup_error = error
            self._ready.set()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        # Ground truth and absolute links now name the URL clients reach the site at.
        self.site.base_url = self.page_base
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _shutdown(self) -> None:
        assert self._server is not None and self._loop is not None
        loop = self._loop
        self._server.close()
        for task in list(self._connections):
            task.cancel()

        async def finish() -> None:
            await asyncio.gather(*self._connections, return_exceptions=True)
            loop.stop()

        loop.create_task(finish())

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_timeout)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                    break
                request = parse_head(head)
                if request is None:
                    await write_response(
                        writer,
                        400,
                        [("content-type", "text/plain")],
                        b"Bad Request",
                        keep_alive=False,
                    )
                    break
                if request.length:
                    await reader.readexactly(request.length)
                self.requests.append(RequestRecord(request.method, request.target, request.headers))
                if not await self._respond(request, writer):
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _respond(self, request: HTTPRequest, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must close."""
        article_id = self._article_id(request.target)
        fault = self.faults.take(request.target, article_id, asset=is_asset(request.target))
        if fault is not None:
            outcome = await apply_fault(self, request, writer, fault)
            if outcome is not None:
                return outcome
        if request.method not in ("GET", "HEAD"):
            headers = [("content-type", "text/plain"), ("allow", "GET, HEAD")]
            await write_response(writer, 405, headers, b"Method Not Allowed", request.keep_alive)
            return request.keep_alive
        try:
            response = self.site.render(request.target, self.page_base)
            if self.names:
                response.headers = self._served_here(response.headers)
        except Exception:  # a replica bug must not hang the client: answer 500 and say why
            traceback.print_exc()
            headers = [("content-type", "text/plain")]
            await write_response(writer, 500, headers, b"replica error", keep_alive=False)
            return False
        body, headers = response.body, list(response.headers)
        if response.stream is not None:
            await write_stream(writer, response, request.keep_alive, request.method == "HEAD")
            return request.keep_alive
        if self._not_modified(request, response.header("etag"), response.header("last-modified")):
            await write_response(
                writer,
                304,
                [h for h in headers if h[0] in ("etag", "last-modified", "cache-control")],
                b"",
                request.keep_alive,
                head_only=True,
            )
            return request.keep_alive
        if request.accepts_gzip and body and _compressible(response.header("content-type")):
            body = gzip.compress(body, self.gzip_level, mtime=0)
            headers.append(("content-encoding", "gzip"))
        await write_response(
            writer,
            response.status,
            headers,
            body,
            request.keep_alive,
            head_only=request.method == "HEAD",
        )
        return request.keep_alive

    def _served_here(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """A mirror's redirects point at the mirror, as a reverse proxy rewrites them."""
        assert self.names is not None
        return [
            (name, self.base_url + value[len(self.names) :])
            if name == "location" and value.startswith(self.names)
            else (name, value)
            for name, value in headers
        ]

    def _article_id(self, target: str) -> int | None:
        article_id = article_id_of(target)
        return article_id if article_id in self.site.catalog.by_id else None

    @staticmethod
    def _not_modified(request: HTTPRequest, etag: str | None, modified: str | None) -> bool:
        if etag and request.headers.get("if-none-match") == etag:
            return True
        return bool(modified and request.headers.get("if-modified-since") == modified)


def _compressible(content_type: str | None) -> bool:
    if not content_type:
        return False
    return any(t in content_type for t in ("text/", "xml", "json"))


def main(
    port: int = 0,
    articles: int = 300,
    seed: int = 1,
    version: int = 1,
    faults_rate: float = 0.0,
    host: str = "127.0.0.1",
) -> None:
    """Serve a replica until Ctrl-C or SIGTERM, printing its URL first."""
    site = Site(articles=articles, seed=seed, version=version)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ReplicaServer(site, host=host, port=port) as server:
        if faults_rate > 0:
            server.faults.misbehave(rate=faults_rate, seed=seed)
        print(
            f"Serving a replica of www.regjeringen.no at {server.base_url}/ "
            f"({articles} articles, seed {seed}, version {version}); Ctrl-C to stop",
            flush=True,
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Serve the regjeringen.no replica.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 0)))
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--version", type=int, default=1)
    parser.add_argument("--faults-rate", type=float, default=0.0)
    args = parser.parse_args()
    main(args.port, args.articles, args.seed, args.version, args.faults_rate)
