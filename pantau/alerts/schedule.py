"""Digest periods: hourly, or daily at a local time of day, in the subscriber's time zone.

A notice matched at moment ``t`` belongs to the period whose end is the first boundary
after ``t``; the digest for that period is sent at its end. Pure functions of the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

DigestEvery = Literal["hourly", "daily"]


@dataclass(frozen=True)
class DigestSchedule:
    """When a subscription's digests close: every hour, or every day at ``at`` local time."""

    every: DigestEvery
    timezone: str = "Asia/Jakarta"
    at: time = time(7, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def period(self, moment: datetime) -> tuple[datetime, datetime]:
        """``(start, end]`` in UTC of the period that ``moment`` (an aware time) falls in."""
        local = moment.astimezone(self.zone)
        if self.every == "hourly":
            start = local.replace(minute=0, second=0, microsecond=0)
            # One hour later in absolute time is the next local hour boundary for every
            # zone with whole- or half-hour offsets, across DST changes too.
            end = (start.astimezone(UTC) + timedelta(hours=1)).astimezone(self.zone)
        else:
            end = datetime.combine(local.date(), self.at, tzinfo=self.zone)
            if end <= local:
                end = datetime.combine(local.date() + timedelta(days=1), self.at, tzinfo=self.zone)
            start = datetime.combine(end.date() - timedelta(days=1), self.at, tzinfo=self.zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def describe(self) -> str:
        if self.every == "hourly":
            return f"hourly digest ({self.timezone})"
        return f"daily digest at {self.at:%H:%M} {self.timezone}"
