"""Durations as users write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawler.durations import parse_duration


def test_durations_and_their_errors():
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration(" 1.5h ") == timedelta(minutes=90)
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration("15x")
    with pytest.raises(ValueError, match="must be positive"):
        parse_duration("0s")


def test_zero_only_where_allowed_and_only_as_0_or_0s():
    assert parse_duration("0", allow_zero=True) == timedelta(0)
    assert parse_duration(" 0s ", allow_zero=True) == timedelta(0)
    assert parse_duration("2m", allow_zero=True) == timedelta(minutes=2)
    with pytest.raises(ValueError, match="must be positive"):
        parse_duration("0m", allow_zero=True)
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration("0")


def test_since_in_the_future_is_refused():
    from datetime import UTC, datetime

    from crawler.durations import parse_since

    now = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_since("2024-03-01", now=now) == datetime(2024, 3, 1, tzinfo=UTC)
    assert parse_since("2d", now=now) == datetime(2024, 2, 28, 12, 0, tzinfo=UTC)
    assert parse_since("2024-03-01T15:00+04:00", now=now) == datetime(2024, 3, 1, 11, tzinfo=UTC)
    for future in ("2099-01-01", "2024-03-01T12:00:01", "2024-03-01T17:00+04:00"):
        with pytest.raises(ValueError, match="is in the future"):
            parse_since(future, now=now)


def test_huge_durations_are_value_errors_not_overflows():
    from datetime import UTC, datetime

    from crawler.durations import parse_since

    with pytest.raises(ValueError, match="too long a duration"):
        parse_duration("99999999999w")
    with pytest.raises(ValueError, match="reaches back before the year 1"):
        parse_since("3000000d", now=datetime(2024, 3, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="must be positive"):
        parse_since("0d")
