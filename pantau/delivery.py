"""Where finished records go: the seam between the stages and the engines.

The crawler's last pipeline and the enrich stage hand articles and dead letters to a
:class:`Delivery`; whether that is Kafka or the embedded store is configuration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pantau.schema import Article, DeadLetter


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
        import json

        text = json.dumps(original, default=str, ensure_ascii=False)
    return DeadLetter(
        stage=stage, reason=reason, failed_at=datetime.now(UTC), original=text, source=source, article_id=article_id
    )
