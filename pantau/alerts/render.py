"""A message in each form a channel sends: plain text, HTML, Telegram HTML and webhook JSON.

Pure functions. Every piece of article text is escaped for the form it goes into
(``html.escape`` for HTML and Telegram; JSON encoding for webhooks), and titles are
collapsed to one line so they cannot inject mail headers. Written by hand rather than
with a template engine: four small, fixed layouts whose escaping is easiest to audit
in one screen of code.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from pantau.alerts.notice import Message, StoryItem

#: Telegram's limit for one message's text.
TELEGRAM_LIMIT = 4096


def local_time(moment: datetime | None, timezone: str) -> str:
    """``2024-10-07 11:00 WIB``: a time in the subscriber's zone, with its abbreviation."""
    if moment is None:
        return "date unknown"
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _region(item: StoryItem) -> str:
    r = item.notice.region
    if r is None:
        return "region unknown"
    if r.type == "provinsi":
        return f"{r.name} ({r.code})"
    return f"{r.name} ({r.code}), {r.province_name}"


def _labels(item: StoryItem) -> str:
    n = item.notice
    parts = [f"{n.relevance_score:.2f}" + (" relevant" if n.relevant else "")]
    if n.actors:
        parts.append("actors: " + ", ".join(n.actors))
    if n.stages:
        parts.append("stage: " + ", ".join(n.stages))
    return " · ".join(parts)


def _why(item: StoryItem) -> str:
    n = item.notice
    if n.matched_terms:
        return ", ".join(n.matched_terms)
    return "the subscription's filters (no keywords)"


def subject(message: Message) -> str:
    """The email subject: the story's title, or the digest's size and day."""
    if message.kind == "digest":
        when = local_time(message.period_end, message.timezone)
        count = len(message.items)
        return f"[Pantau] {message.subscription}: {count} stor{'y' if count == 1 else 'ies'} (digest to {when})"
    return f"[Pantau] {message.items[0].notice.title}"


def _heading(message: Message) -> str:
    start = local_time(message.period_start, message.timezone)
    end = local_time(message.period_end, message.timezone)
    count = len(message.items)
    return f"Pantau digest for {message.subscription}: {count} stor{'y' if count == 1 else 'ies'}, {start} to {end}"


def text(message: Message) -> str:
    """Plain text: the email's text part and what ``pantau alerts test`` prints."""
    blocks = []
    for i, item in enumerate(message.items, 1):
        n = item.notice
        lines = [
            (f"{i}. " if message.kind == "digest" else "") + n.title,
            f"Outlet: {n.site}",
            f"Region: {_region(item)}",
            f"Published: {local_time(n.published_at, message.timezone)}",
            f"Relevance: {_labels(item)}",
            f"Matched: {_why(item)}",
            f"Link: {n.url}",
        ]
        if item.other_outlets:
            lines.append("Also reported by: " + ", ".join(f"{o.site} ({o.url})" for o in item.other_outlets))
        blocks.append("\n".join(lines))
    head = [_heading(message), ""] if message.kind == "digest" else []
    footer = ["", f"-- Pantau alert {message.subscription} (delivery {message.delivery_id})"]
    return "\n".join([*head, "\n\n".join(blocks), *footer]) + "\n"


def _html_item(item: StoryItem, timezone: str) -> str:
    n = item.notice
    rows = [
        f'<h2><a href="{escape(n.url)}">{escape(n.title)}</a></h2>',
        "<ul>",
        f"<li>Outlet: {escape(n.site)}</li>",
        f"<li>Region: {escape(_region(item))}</li>",
        f"<li>Published: {escape(local_time(n.published_at, timezone))}</li>",
        f"<li>Relevance: {escape(_labels(item))}</li>",
        f"<li>Matched: {escape(_why(item))}</li>",
    ]
    if item.other_outlets:
        links = ", ".join(f'<a href="{escape(o.url)}">{escape(o.site)}</a>' for o in item.other_outlets)
        rows.append(f"<li>Also reported by: {links}</li>")
    rows.append("</ul>")
    return "\n".join(rows)


def html(message: Message) -> str:
    """The email's HTML part; every article value escaped."""
    head = f"<p>{escape(_heading(message))}</p>\n" if message.kind == "digest" else ""
    body = "\n".join(_html_item(item, message.timezone) for item in message.items)
    footer = (
        f"<p><small>Pantau alert {escape(message.subscription)} (delivery {escape(message.delivery_id)})</small></p>"
    )
    return f"<!DOCTYPE html>\n<html><body>\n{head}{body}\n{footer}\n</body></html>\n"


def _telegram_item(item: StoryItem, timezone: str, number: int | None) -> str:
    n = item.notice
    lines = [
        ("" if number is None else f"{number}. ") + f"<b>{escape(n.title, quote=False)}</b>",
        escape(f"{n.site} · {_region(item)}", quote=False),
        escape(local_time(n.published_at, timezone), quote=False),
        escape(f"Relevance {_labels(item)}", quote=False),
        escape(f"Matched: {_why(item)}", quote=False),
        f'<a href="{escape(n.url)}">{escape(n.url, quote=False)}</a>',
    ]
    if item.other_outlets:
        lines.append(escape("Also: " + ", ".join(o.site for o in item.other_outlets), quote=False))
    return "\n".join(lines)


def telegram(message: Message, limit: int = TELEGRAM_LIMIT) -> str:
    """Telegram's HTML parse mode; a digest too long for one message names how many were left out."""
    if message.kind == "notice":
        return _telegram_item(message.items[0], message.timezone, None)[:limit]
    out = f"<b>{escape(_heading(message), quote=False)}</b>"
    total = len(message.items)
    reserve = len(f"\n\n… and {total} more")  # room for the note, whatever count it will give
    for i, item in enumerate(message.items, 1):
        block = "\n\n" + _telegram_item(item, message.timezone, i)
        if len(out) + len(block) + (reserve if i < total else 0) > limit:
            return out + f"\n\n… and {total - i + 1} more"
        out += block
    return out


def _item_json(item: StoryItem, timezone: str) -> dict[str, Any]:
    n = item.notice
    return {
        "cluster_id": n.cluster_id,
        "article_id": n.article_id,
        "title": n.title,
        "outlet": n.site,
        "url": n.url,
        "published_at": n.published_at.isoformat() if n.published_at else None,
        "published_local": local_time(n.published_at, timezone) if n.published_at else None,
        "region": n.region.model_dump(mode="json") if n.region else None,
        "relevance": {
            "score": n.relevance_score,
            "relevant": n.relevant,
            "actors": n.actors,
            "stages": n.stages,
            "terms": n.relevance_terms,
        },
        "matched_terms": n.matched_terms,
        "other_outlets": [o.model_dump(mode="json") for o in item.other_outlets],
    }


def payload(message: Message) -> dict[str, Any]:
    """The webhook body (as a mapping): one shape for a notice and a digest."""
    period = None
    if message.period_start and message.period_end:
        period = {"start": message.period_start.isoformat(), "end": message.period_end.isoformat()}
    return {
        "delivery_id": message.delivery_id,
        "subscription": message.subscription,
        "kind": message.kind,
        "timezone": message.timezone,
        "period": period,
        "notices": [_item_json(item, message.timezone) for item in message.items],
    }


def payload_bytes(message: Message) -> bytes:
    """The exact bytes a webhook POSTs (and signs): compact UTF-8 JSON, keys in a fixed order."""
    return json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
