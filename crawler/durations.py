"""Durations and time windows as users write them: ``15m``, ``2h``, ``2d``, ``1w``, or a date."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_duration(text: str, *, allow_zero: bool = False) -> timedelta:
    """``"15m"`` -> 15 minutes. Raises ValueError with a readable message.

    ``allow_zero``: ``"0"`` and ``"0s"`` also mean no time (any other zero,
    such as ``"0m"``, is still refused)."""
    if allow_zero and str(text).strip() in ("0", "0s"):
        return timedelta(0)
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration (expected e.g. 30s, 15m, 2h, 2d, 1w)")
    value, unit = float(match.group(1)), match.group(2).lower()
    if value <= 0:
        raise ValueError(f"{text!r}: a duration must be positive")
    try:
        return timedelta(seconds=value * _UNITS[unit])
    except OverflowError:
        raise ValueError(f"{text!r}: too long a duration") from None


def parse_since(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """The start of a crawl window: a duration back from ``now`` or an ISO date/time (UTC if naive).

    ``None``, ``""`` and ``"all"`` mean no limit. A date in the future is
    refused: the window would hold no article, and the crawl would fetch
    nothing without a word.
    """
    if text is None or str(text).strip().lower() in ("", "all", "none"):
        return None
    now = now or datetime.now(UTC)
    if _DURATION.match(str(text)):
        duration = parse_duration(text)  # its error says what is wrong with the duration
        try:
            return now - duration
        except OverflowError:
            raise ValueError(f"{text!r} reaches back before the year 1") from None
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (2d, 12h) nor a date (2023-01-12)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value > now:
        raise ValueError(
            f"{text!r} is in the future (now {now:%Y-%m-%d %H:%M} UTC): "
            "give a past date or a duration back from now (2d, 12h)"
        )
    return value


def format_elapsed(seconds: float) -> str:
    """A time taken, to the precision a reader wants: ``0.4s``, ``31s``, ``1m 23s``, ``2h 05m``, ``3d 4h``."""
    if seconds < 10:
        return f"{max(seconds, 0):.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h {whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d {whole % 86400 // 3600}h"
