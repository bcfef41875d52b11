"""Where finished records go: the seam between the stages and the engines.

The crawler's last pipeline and the enrich stage hand articles and dead letters to a
:class:`Delivery`; whether that is Kafka or the embedded store is configuration.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol

from pantau.schema import Article, DeadLetter

#: A reason longer than this is cut: it is for a person, and it must never make the letter too large.
MAX_REASON_CHARS = 2000


class Delivery(Protocol):
    def publish(self, article: Article) -> None:
        """Hand one valid article on. Must not lose it: spool or raise."""

    def dead_letter(self, letter: DeadLetter) -> None:
        """Park a record that can never be processed, with its reason."""

    def close(self) -> None:
        """Flush everything outstanding."""


def dead_letter(
    stage: str, reason: str, original: Any, source: str | None = None, article_id: str | None = None
) -> DeadLetter:
    """Build a dead letter; ``original`` is kept as text exactly as received where possible."""
    if isinstance(original, bytes):
        text = original.decode("utf-8", errors="replace")
    elif isinstance(original, str):
        text = original
    else:
        text = json.dumps(original, default=str, ensure_ascii=False)
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 1] + "…"
    return DeadLetter(
        stage=stage, reason=reason, failed_at=datetime.now(UTC), original=text, source=source, article_id=article_id
    )


def encoded_size(letter: DeadLetter) -> int:
    """Bytes of the letter as it is written (UTF-8 JSON)."""
    return len(letter.model_dump_json().encode("utf-8"))


def fit_dead_letter(letter: DeadLetter, max_bytes: int) -> DeadLetter:
    """``letter`` itself if it fits in ``max_bytes``, else a copy whose original is cut to fit.

    A record is usually dead-lettered *because* it is too large, and the letter carries
    the original: without this the letter would be refused for the same reason and the
    failure would escape. The cut copy keeps the start of the original, records its full
    size in ``original_bytes`` and says so in the reason.
    """
    size = encoded_size(letter)
    if size <= max_bytes:
        return letter
    full = letter.original.encode("utf-8")
    note = f" (original cut to fit a Kafka record: {len(full)} bytes, the first {{kept}} kept)"
    kept = len(full)
    while True:
        # JSON escaping can make the original take more bytes in the letter than in UTF-8;
        # shrink by the overshoot (scaled by that ratio) until the letter fits.
        over = size - max_bytes
        escaped = len(json.dumps(full[:kept].decode("utf-8", errors="ignore"), ensure_ascii=False).encode("utf-8"))
        ratio = max(1.0, escaped / max(1, kept))
        kept = max(0, kept - int(over / ratio) - 64 - len(note))
        text = full[:kept].decode("utf-8", errors="ignore")
        cut = letter.model_copy(
            update={
                "original": text,
                "original_bytes": len(full),
                "reason": letter.reason + note.format(kept=len(text.encode("utf-8"))),
            }
        )
        size = encoded_size(cut)
        if size <= max_bytes or kept == 0:
            return cut
