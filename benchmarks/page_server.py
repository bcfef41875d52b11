"""A fast local web server for crawl benchmarks: pages held in memory, HTTP/1.1 keep-alive.

Why our own: the crawl benchmark must measure the crawler, not the server, and the two
share a 2-core machine. ``http.server`` spends ~1 ms of Python per request and its
``ThreadingHTTPServer`` keeps the default listen backlog of 5, so under 16 concurrent
connections the kernel drops SYNs and each drop stalls a request for a second. This
server is one asyncio protocol in its own process: it parses the request line, looks the
path up in a dict of ready-made responses and writes them, keeping connections open,
with a listen backlog of 1024 (about 20 us of CPU a request).

It records when ``/rss`` (the start of a crawl) was last requested, so the benchmark can
time a crawl from its first request rather than from its interpreter's start.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import time
from collections.abc import Mapping
from typing import Any

_STATUS = {200: b"200 OK", 404: b"404 Not Found"}
_TYPES = {"/rss": b"application/rss+xml; charset=utf-8"}


def _response(status: int, body: bytes, content_type: bytes, keep_alive: bool) -> bytes:
    head = (
        b"HTTP/1.1 " + _STATUS[status] + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: "
        b"" + str(len(body)).encode() + b"\r\nConnection: " + (b"keep-alive" if keep_alive else b"close") + b"\r\n\r\n"
    )
    return head + body


class _Http(asyncio.Protocol):
    def __init__(self, pages: Mapping[bytes, bytes], started: Any, requests: Any) -> None:
        self.pages = pages
        self.started = started
        self.requests = requests
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            request_line, _, headers = head.partition(b"\r\n")
            parts = request_line.split(b" ")
            path = parts[1].split(b"?", 1)[0] if len(parts) > 1 else b"/"
            keep_alive = b"connection: close" not in headers.lower() and parts[-1] == b"HTTP/1.1"
            self.requests.value += 1
            if path == b"/rss":
                self.started.value = time.monotonic()
            response = self.pages.get(path)
            if response is None:
                self.transport.write(_response(404, b"not found", b"text/plain", keep_alive))
            else:
                self.transport.write(response if keep_alive else response.replace(b"keep-alive", b"close", 1))
            if not keep_alive:
                self.transport.close()
                return


def _serve(pages: dict[str, bytes], port_out: Any, started: Any, requests: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the benchmark stops us, not a Ctrl-C

    async def main() -> None:
        loop = asyncio.get_running_loop()
        ready: dict[bytes, bytes] = {}
        server = await loop.create_server(
            lambda: _Http(ready, started, requests), "127.0.0.1", 0, backlog=1024, reuse_address=True
        )
        port = server.sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}".encode()
        for path, body in pages.items():
            content_type = _TYPES.get(path, b"text/html; charset=utf-8")
            ready[path.encode()] = _response(200, body.replace(b"{{base_url}}", base), content_type, True)
        port_out.value = port
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class PageServer:
    """Serves ``pages`` (path to body; ``{{base_url}}`` replaced) from a process of its own."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        context = multiprocessing.get_context("spawn")
        self._port = context.RawValue("i", 0)
        #: ``time.monotonic()`` of the latest ``/rss`` request (system-wide clock).
        self.started = context.RawValue("d", 0.0)
        self.requests = context.RawValue("q", 0)
        self._process = context.Process(
            target=_serve, args=(pages, self._port, self.started, self.requests), daemon=True, name="page-server"
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port.value}"

    @property
    def pid(self) -> int:
        return int(self._process.pid or 0)

    def __enter__(self) -> PageServer:
        self._process.start()
        deadline = time.monotonic() + 60
        while not self._port.value:
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the benchmark page server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join(timeout=10)
