"""A local news site in the markup of the ``memorandum`` site file, as large as a fault test needs.

It serves ``/rss`` listing every article and one page per article, each with its own
words, a canonical link on the outlet's domain (so ids do not depend on the port) and a
date. Gates hold pages back until the test releases them, so a crawl can be made to be
publishing exactly while an engine is down, without sleeping; ``huge`` pages carry a body
larger than a Kafka record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pantau.articles import identity

OUTLET = "https://memorandum.disway.id"
DOMAINS = ("memorandum.disway.id", "memorandum.co.id")
REGENCIES = ("Jember", "Lumajang", "Tuban", "Kediri", "Banyuwangi", "Malang", "Sidoarjo", "Gresik")


def path_of(n: int) -> str:
    return f"/read/{700000 + n}/berita-uji-{n}"


def canonical_of(n: int) -> str:
    return OUTLET + path_of(n)


def article_id_of(n: int) -> str:
    return identity(canonical_of(n), canonical_of(n), DOMAINS)[1]


def page(n: int, huge_bytes: int = 0) -> bytes:
    regency = REGENCIES[n % len(REGENCIES)]
    paragraphs = [
        f"{regency.upper()}, MEMORANDUM.CO.ID - Laporan uji nomor {n}: Bawaslu Kabupaten {regency} memeriksa "
        f"dugaan pelanggaran netralitas oleh aparatur sipil negara di kecamatan ke-{n % 17 + 1}.",
        f"Panitia pengawas menerima {n % 9 + 2} laporan warga, termasuk foto kepala desa nomor {n} "
        f"yang hadir dalam kampanye pasangan calon pada hari ke-{n % 28 + 1}.",
        f"Catatan tambahan {n}: pemeriksaan berlanjut pekan depan dengan saksi sebanyak {n % 5 + 1} orang.",
    ]
    if huge_bytes:
        filler = f"Lampiran dokumen pemeriksaan nomor {n} dicatat lengkap oleh panitia pengawas. "
        paragraphs.append(filler * (huge_bytes // len(filler) + 1))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f'<link rel="canonical" href="{canonical_of(n)}"><title>Berita uji {n}</title></head><body>'
        f"<h1>Bawaslu {regency} periksa netralitas ASN, laporan nomor {n}</h1>"
        f'<span class="date">Selasa 10-09-2024,{9 + n % 10:02d}:{n % 60:02d} WIB</span>'
        f'<div class="post">{body}</div></body></html>'
    )
    return html.encode("utf-8")


class _QuietServer(ThreadingHTTPServer):
    """A crawler that gave up on a held page (its download timeout) closes the connection: not an error here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class Newsroom:
    """Articles ``first`` .. ``first + count - 1``.

    ``gates``: after that many article pages were asked for, the next ones wait until
    :meth:`release` opens the gate (counted in order of arrival, whatever the article).
    """

    def __init__(self, count: int, first: int = 0, gates: Iterable[int] = (), huge: Iterable[int] = ()) -> None:
        self.numbers = list(range(first, first + count))
        self.gates = {at: threading.Event() for at in gates}
        self.huge = set(huge)
        self.served = 0
        self._tickets = 0
        self._lock = threading.Lock()
        by_path = {path_of(n): n for n in self.numbers}
        newsroom = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/rss":
                    items = "".join(
                        f"<item><link>{newsroom.base_url}{path_of(n)}</link></item>" for n in newsroom.numbers
                    )
                    self._send(
                        f'<?xml version="1.0"?><rss><channel>{items}</channel></rss>'.encode(), "application/rss+xml"
                    )
                    return
                if self.path.startswith(("/kategori/", "/search/")):
                    # The site file's listing and search start points: answered, with nothing new.
                    self._send(b"<html><body><p>Tidak ada berita.</p></body></html>", "text/html; charset=utf-8")
                    return
                n = by_path.get(self.path)
                if n is None:
                    self.send_error(404)
                    return
                with newsroom._lock:
                    ticket = newsroom._tickets  # the crawler fetches in its own order: count arrivals
                    newsroom._tickets += 1
                for at, gate in newsroom.gates.items():
                    if ticket >= at:
                        gate.wait(timeout=300)
                with newsroom._lock:
                    newsroom.served += 1
                self._send(page(n, 1_200_000 if n in newsroom.huge else 0), "text/html; charset=utf-8")

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def ids(self, include_huge: bool = False) -> set[str]:
        """The ids of the articles a crawl should deliver."""
        return {article_id_of(n) for n in self.numbers if include_huge or n not in self.huge}

    def release(self, at: int | None = None) -> None:
        for gate_at, gate in self.gates.items():
            if at is None or gate_at == at:
                gate.set()

    def __enter__(self) -> Newsroom:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
