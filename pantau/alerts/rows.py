"""The records the alert outbox takes in and gives out (:mod:`pantau.alerts.state`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pantau.alerts.notice import Notice


@dataclass(frozen=True)
class ChannelRef:
    """One channel of a subscription as the outbox keeps it: key, label and configuration."""

    key: str
    type: str
    label: str
    config: str  # JSON


@dataclass(frozen=True)
class NewNotice:
    """A story that matched a subscription in this batch (not yet known to be new)."""

    notice: Notice
    owner: str
    timezone: str
    channels: tuple[ChannelRef, ...]
    #: The digest period (start, end) it belongs to; None for an immediate notice.
    period: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class SeenOutlet:
    cluster_id: str
    article_id: str
    site: str
    url: str
    title: str


@dataclass(frozen=True)
class Recorded:
    queued: int  # deliveries created
    digested: int  # stories added to a digest
    repeated: int  # (subscription, story) pairs already notified


@dataclass(frozen=True)
class Delivery:
    """A queued message for one channel."""

    id: str
    queue: str
    subscription: str
    owner: str
    channel_type: str
    channel_label: str
    channel: str
    kind: str
    notices: tuple[Notice, ...]
    timezone: str
    period_start: datetime | None
    period_end: datetime | None
    attempts: int
    created_at: float


@dataclass(frozen=True)
class ChannelStatus:
    """``pantau alerts status``: one row per subscription and channel."""

    subscription: str
    channel: str
    sent: int
    queued: int
    failing: int
    last_error: str | None
    last_error_at: float | None
    last_sent_at: float | None
