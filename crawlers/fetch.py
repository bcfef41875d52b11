"""Fetching single pages outside a crawl: for ``pantau sites add`` and ``pantau sites check URL``.

A plain blocking client (urllib) is enough for the handful of pages an operator looks at;
the crawl itself goes through Scrapy. Every way a fetch can fail becomes one
:class:`FetchError` whose message names the URL and the reason, for a one-line error.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from w3lib.encoding import html_to_unicode

MAX_BYTES = 16 * 1024 * 1024


class FetchError(ValueError):
    """A page that could not be fetched; the message names the URL and why."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str
    text: str
    headers: dict[str, str]


def fetch_page(url: str, user_agent: str, timeout: float = 20.0) -> Fetched:
    """GET ``url`` and decode it (charset from the header, the page's meta, or UTF-8)."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"{url}: not an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
            status = response.status
            final = response.geturl()
            headers = {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        raise FetchError(f"cannot reach {url}: {text}") from exc
    except TimeoutError as exc:
        raise FetchError(f"cannot reach {url}: timed out after {timeout:.0f} s") from exc
    except (OSError, ValueError) as exc:
        raise FetchError(f"cannot reach {url}: {exc}") from exc
    if len(body) > MAX_BYTES:
        raise FetchError(f"{url}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    content_type = headers.get("content-type", "")
    _, text = html_to_unicode(content_type, body)
    return Fetched(final, status, content_type, text, headers)


def try_fetch(url: str, user_agent: str, timeout: float = 20.0) -> Fetched | None:
    """Like :func:`fetch_page`, ``None`` instead of an error (for optional pages: robots.txt, feeds)."""
    try:
        return fetch_page(url, user_agent, timeout)
    except FetchError:
        return None
