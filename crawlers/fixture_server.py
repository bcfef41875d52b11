"""A local HTTP server that plays a site back from its saved fixture pages.

Used by the tests and by ``pantau demo``: never the internet. ``routes.yaml`` in the
site's fixture folder maps URL paths to files; ``{{base_url}}`` inside a file becomes the
server's own address so feeds and links point back at it.

It must never be what a benchmark measures: HTTP/1.1 keep-alive (one connection serves
many pages), a listen backlog of :data:`BACKLOG` (the default 5 drops connections under
load, each drop costing the client a second), Nagle off. It answers conditional GETs like a
real site (an ``ETag`` from the content, ``If-None-Match`` gets 304), and records every
request with its headers so tests can check what the crawler asked for.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawlers.sitespec import FIXTURES_DIR

logger = logging.getLogger(__name__)

BACKLOG = 1024
#: Every fixture page claims this modification time (fixtures do not change by themselves).
LAST_MODIFIED = "Thu, 10 Oct 2024 03:00:00 GMT"


@dataclass(frozen=True)
class Route:
    file: str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


@dataclass(frozen=True)
class Hit:
    """One request the server answered."""

    path: str
    status: int
    #: Request headers, names in lower case.
    headers: dict[str, str]


def load_routes(site: str, fixtures_dir: Path = FIXTURES_DIR) -> dict[str, Route]:
    path = fixtures_dir / site / "routes.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {p: Route(**r) for p, r in data.items()}


class _Server(ThreadingHTTPServer):
    request_queue_size = BACKLOG
    daemon_threads = True


class FixtureServer:
    """Serves one site's fixtures on 127.0.0.1 in a background thread."""

    def __init__(self, site: str, fixtures_dir: Path = FIXTURES_DIR, port: int = 0) -> None:
        self.site = site
        self.folder = fixtures_dir / site
        self.routes = load_routes(site, fixtures_dir)
        #: Bodies that replace a route's file (a page that changed since it was saved).
        self.overrides: dict[str, str] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the body waits for
            # the client's delayed ACK (~40 ms a page).
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                asked = {k.lower(): v for k, v in self.headers.items()}
                status, headers, payload = server.answer(path, asked)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("fixture request " + format, *args)

        self.httpd = _Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name=f"fixtures-{site}")

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[str]:
        """Paths requested, in order."""
        with self._lock:
            return [h.path for h in self.hits]

    def answer(self, path: str, request_headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        route = self.routes.get(path)
        if route is None and path not in self.overrides:
            status, headers, payload = 404, {"Content-Type": "text/plain"}, b"not found"
        else:
            if path in self.overrides:
                body = self.overrides[path]
            else:
                assert route is not None
                body = (self.folder / route.file).read_text(encoding="utf-8")
            # The tag comes from the saved content, not the server's address: it survives a restart.
            etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:16] + '"'
            payload = body.replace("{{base_url}}", self.base_url).encode("utf-8")
            content_type = route.content_type if route else "text/html; charset=utf-8"
            headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED}
            status = route.status if route else 200
            if request_headers.get("if-none-match") == etag:
                status, payload = 304, b""
        with self._lock:
            self.hits.append(Hit(path, status, request_headers))
        return status, headers, payload

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
