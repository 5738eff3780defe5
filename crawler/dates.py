"""Date normalisation: a raw date string to an aware UTC datetime.

Explicit offsets win; local times are read in the source's time zone;
dateparser gets the source's languages (auto-detection is slow).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import dateparser


def parse_date(
    raw: str | None,
    *,
    timezone: str | None = None,
    languages: list[str] | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """Parse ``raw`` into an aware UTC datetime, or None when it is not a date."""
    if not raw or not str(raw).strip():
        return None
    raw = str(raw).strip()
    zone = ZoneInfo(timezone) if timezone else UTC
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            value = None
    if value is None:
        settings = {
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TIMEZONE": str(zone),
            "TO_TIMEZONE": "UTC",
            "PREFER_DATES_FROM": "past",
        }
        if now is not None:
            settings["RELATIVE_BASE"] = now.astimezone(zone).replace(tzinfo=None)
        value = dateparser.parse(raw, languages=languages or None, settings=settings)
        if value is None:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with seconds: ``2023-01-12T10:05:00+00:00``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat()
