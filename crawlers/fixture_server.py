"""A local HTTP server that plays a site back from its saved fixture pages.

Used by the tests and by ``pantau demo``: never the internet. ``routes.yaml`` in the
site's fixture folder maps URL paths to files; ``{{base_url}}`` inside a file becomes the
server's own address so feeds and links point back at it.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Route:
    file: str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


def load_routes(site: str, fixtures_dir: Path = FIXTURES_DIR) -> dict[str, Route]:
    path = fixtures_dir / site / "routes.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {p: Route(**r) for p, r in data.items()}


class FixtureServer:
    """Serves one site's fixtures on 127.0.0.1 in a background thread."""

    def __init__(self, site: str, fixtures_dir: Path = FIXTURES_DIR, port: int = 0) -> None:
        self.site = site
        self.folder = fixtures_dir / site
        self.routes = load_routes(site, fixtures_dir)
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            # Headers and body go out in two writes; with Nagle on, the body waits for
            # the client's delayed ACK (~40 ms a page), which would make the fixture
            # server, not the crawler, the bottleneck in benchmarks.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                server.requests.append(path)
                route = server.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                body = (server.folder / route.file).read_text(encoding="utf-8")
                payload = body.replace("{{base_url}}", server.base_url).encode("utf-8")
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("fixture request " + format, *args)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name=f"fixtures-{site}")

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
