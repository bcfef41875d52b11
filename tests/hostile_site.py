"""A local web site that misbehaves in every way a real one does, for the crawler's robustness test.

Each article path answers badly in its own way (429 with Retry-After, 5xx, no answer, a slow
drip, a redirect loop, a redirect off the site, 20 MB, binary, a wrong charset, a body cut
short, NUL bytes); the feed lists them all, a second feed and the sitemap are malformed.
Every loop is bounded in bytes and time, so the server stops by itself.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD = """<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<meta name="pubdate" content="2024-10-01 09:00:00"><title>{title}</title></head>
<body><h1 class="text-black">{title}</h1><span class="date">Selasa 01-10-2024,09:00 WIB</span>
<div class="post text-black-1"><p>{body}</p><p>Paragraf kedua berisi keterangan tambahan dari narasumber.</p></div>
</body></html>"""

#: Article path -> what it does. The feed lists every one of them.
BEHAVIOURS = {
    "/read/1/halaman-baik": "good",
    "/read/2/terlalu-banyak-permintaan": "429 then good",
    "/read/3/server-rusak": "503 always",
    "/read/4/tidak-menjawab": "no answer",
    "/read/5/menetes-pelan": "slow drip",
    "/read/6/putaran-alihan": "redirect loop",
    "/read/7/alihan-keluar": "redirect off the site",
    "/read/8/halaman-raksasa": "20 MB",
    "/read/9/berkas-biner": "binary",
    "/read/10/salah-charset": "wrong charset",
    "/read/11/terpotong": "cut short",
    "/read/12/bita-nol": "NUL bytes",
}


class HostileSite:
    def __init__(self, hang_seconds: float = 4.0) -> None:
        self.hang_seconds = hang_seconds
        self.hits: Counter[str] = Counter()
        self.stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                site.hits[path] += 1
                # The crawler giving up on us (a closed connection) is what it should do.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    site.answer(self, path)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:  # fmt: skip
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def answer(self, h: BaseHTTPRequestHandler, path: str) -> None:
        if path == "/rss":
            items = "".join(f"<item><title>x</title><link>{self.base_url}{p}</link></item>" for p in BEHAVIOURS)
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'
            return self._send(h, 200, feed.encode(), "application/rss+xml")
        if path == "/rss-rusak":
            return self._send(h, 200, b"<html><body>Bukan feed <b>sama sekali", "application/rss+xml")
        if path == "/sitemap.xml":
            return self._send(h, 200, b"\x1f\x8b\x08garbage-that-is-not-gzip-nor-xml", "application/xml")
        behaviour = BEHAVIOURS.get(path)
        if behaviour is None:
            return self._send(h, 404, b"not found", "text/plain")
        title = f"Berita {path.split('/')[2]}"
        good = GOOD.format(title=title, body=f"{title}: kalimat pertama yang cukup panjang untuk sebuah isi berita.")
        if behaviour == "good":
            return self._send(h, 200, good.encode())
        if behaviour == "429 then good":
            if self.hits[path] == 1:
                return self._send(h, 429, b"slow down", "text/plain", {"Retry-After": "1"})
            return self._send(h, 200, good.encode())
        if behaviour == "503 always":
            return self._send(h, 503, b"down", "text/plain")
        if behaviour == "no answer":
            self.stop.wait(self.hang_seconds)
            return self._send(h, 200, good.encode())
        if behaviour == "slow drip":
            body = good.encode()
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            deadline = time.monotonic() + self.hang_seconds
            for i in range(len(body)):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
                self.stop.wait(0.2)
            return
        if behaviour == "redirect loop":
            return self._send(h, 302, b"", headers={"Location": path})
        if behaviour == "redirect off the site":
            port = self.httpd.server_address[1]
            return self._send(h, 301, b"", headers={"Location": f"http://localhost:{port}/read/1/halaman-baik"})
        if behaviour == "20 MB":
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(20 * 1024 * 1024))
            h.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            for _ in range(320):
                h.wfile.write(chunk)
            return
        if behaviour == "binary":
            return self._send(h, 200, bytes(range(256)) * 64, "application/octet-stream")
        if behaviour == "wrong charset":
            latin = good.replace("kalimat pertama", "kalimat pértama déngan aksen").encode("latin-1")
            return self._send(h, 200, latin)
        if behaviour == "cut short":
            body = good.encode()
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(body) * 2))
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.close_connection = True
            return
        if behaviour == "NUL bytes":
            return self._send(h, 200, b"<html>\x00\x00\x00" + good.encode())
        return self._send(h, 404, b"not found", "text/plain")

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
