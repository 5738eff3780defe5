"""crawler.dates: raw date strings to aware UTC instants, in a non-UTC machine zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler import dates
from crawler.dates import (
    day_first_in_country,
    day_first_in_zone,
    find_date_mentions,
    implausibility,
    is_weak,
    parse_date,
    parse_date_as_written,
    states_time,
    to_iso,
)
from tests.timezones import machine_zone

INSTANTS = Path(__file__).parent / "data" / "dates" / "instants.json"
NOW = datetime(2023, 1, 12, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _new_york_machine():
    """Every test runs with the machine's zone set to New York (never the sources' zones)."""
    with machine_zone("America/New_York"):
        yield


def _instant_cases():
    data = json.loads(INSTANTS.read_text(encoding="utf-8"))
    now = datetime.fromisoformat(data["now"])
    return [pytest.param(now, case, id=case["raw"]) for case in data["cases"]]


@pytest.mark.parametrize(("now", "case"), _instant_cases())
def test_golden_instants(now, case):
    value = parse_date(case["raw"], timezone=case["timezone"], languages=case["languages"], now=now)
    assert to_iso(value) == case["expected"]


def test_result_does_not_depend_on_the_machine_zone():
    raws = ["12 января 2023, 14:05", "2023-01-12 14:05", "2 часа назад", "вчера в 14:05"]

    def read_all():
        dates._read_fixed.cache_clear()
        dates._read_relative.cache_clear()
        return [parse_date(r, timezone="Asia/Yerevan", languages=["ru"], now=NOW) for r in raws]

    in_new_york = read_all()
    with machine_zone("Asia/Tokyo"):
        in_tokyo = read_all()
    assert in_new_york == in_tokyo
    assert in_new_york[0] == datetime(2023, 1, 12, 10, 5, tzinfo=UTC)


def test_local_time_is_read_in_the_source_zone_with_summer_time():
    winter = parse_date("2023-01-12 14:05", timezone="Europe/Berlin")
    summer = parse_date("2023-07-12 14:05", timezone="Europe/Berlin")
    assert winter == datetime(2023, 1, 12, 13, 5, tzinfo=UTC)
    assert summer == datetime(2023, 7, 12, 12, 5, tzinfo=UTC)


def test_explicit_offset_wins_over_source_zone():
    for raw in (
        "2023-01-12T14:05:00+04:00",
        "Thu, 12 Jan 2023 14:05:00 +0400",
        "12 января 2023, 14:05 +04:00",
    ):
        value = parse_date(raw, timezone="America/Los_Angeles", languages=["ru"])
        assert value == datetime(2023, 1, 12, 10, 5, tzinfo=UTC), raw


def test_without_zone_local_times_are_utc():
    assert parse_date("2023-01-12 14:05") == datetime(2023, 1, 12, 14, 5, tzinfo=UTC)


def test_as_written_keeps_the_stated_offset():
    value = parse_date_as_written("2020-04-16T01:00:03+05:30")
    assert value.date().isoformat() == "2020-04-16"
    assert parse_date("2020-04-16T01:00:03+05:30").date().isoformat() == "2020-04-15"


def test_wordpress_date_gmt_and_feed_forms():
    # The WordPress API's date_gmt as the spider hands it on (offset appended).
    assert parse_date("2023-01-12T10:05:00+00:00", timezone="Asia/Yerevan") == datetime(
        2023, 1, 12, 10, 5, tzinfo=UTC
    )
    # RFC 822 with a zone name, and with "-0000" (zone unknown: read in the source's).
    assert parse_date("Thu, 12 Jan 2023 09:05:00 EST") == datetime(2023, 1, 12, 14, 5, tzinfo=UTC)
    assert parse_date("Thu, 12 Jan 2023 14:05:00 -0000", timezone="Asia/Yerevan") == datetime(
        2023, 1, 12, 10, 5, tzinfo=UTC
    )
    # Fractions of any length (.NET writes seven digits).
    assert parse_date("2023-01-12T10:05:00.1234567Z") == datetime(
        2023, 1, 12, 10, 5, 0, 123456, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("raw", "languages", "expected"),
    [
        ("2 hours ago", ["en"], NOW - timedelta(hours=2)),
        ("2 ժամ առաջ", ["hy"], NOW - timedelta(hours=2)),
        ("2 часа назад", ["ru"], NOW - timedelta(hours=2)),
        ("2 saat əvvəl", ["az"], NOW - timedelta(hours=2)),
        ("3 gün əvvəl", ["az"], NOW - timedelta(days=3)),
        ("10 dəq. əvvəl", ["az"], NOW - timedelta(minutes=10)),
    ],
)
def test_relative_forms_count_from_the_fetch_time(raw, languages, expected):
    assert parse_date(raw, timezone="Asia/Baku", languages=languages, now=NOW) == expected
    later = NOW + timedelta(days=5)
    assert parse_date(
        raw, timezone="Asia/Baku", languages=languages, now=later
    ) == expected + timedelta(days=5)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("dünən", "2023-01-11"),
        ("bu gün", "2023-01-12"),
        ("bugün", "2023-01-12"),
        ("Dünən, 23:30", "2023-01-11"),
    ],
)
def test_azerbaijani_yesterday_and_today(raw, day):
    value = parse_date_as_written(raw, timezone="Asia/Baku", languages=["az"], now=NOW)
    assert value.date().isoformat() == day


ARMENIAN_MONTHS = "հունվարի փետրվարի մարտի ապրիլի մայիսի հունիսի հուլիսի օգոստոսի սեպտեմբերի հոկտեմբերի նոյեմբերի դեկտեմբերի"
RUSSIAN_MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
AZERBAIJANI_MONTHS = "yanvar fevral mart aprel may iyun iyul avqust sentyabr oktyabr noyabr dekabr"


@pytest.mark.parametrize(
    ("names", "language", "pattern"),
    [
        (ARMENIAN_MONTHS, "hy", "{name} 5, 2022 14:05"),
        (ARMENIAN_MONTHS, "hy", "5 {name} 2022, 14:05"),
        (RUSSIAN_MONTHS, "ru", "5 {name} 2022 г., 14:05"),
        (AZERBAIJANI_MONTHS, "az", "5 {name} 2022, 14:05"),
    ],
)
def test_every_month_name(names, language, pattern):
    for month, name in enumerate(names.split(), start=1):
        for spelled in (name, name.capitalize()):
            value = parse_date_as_written(pattern.format(name=spelled), languages=[language])
            assert value is not None, spelled
            assert (value.month, value.day, value.hour, value.minute) == (month, 5, 14, 5), spelled


def test_a_missing_year_is_the_latest_past_one():
    assert parse_date(
        "12 января, 14:05", timezone="Asia/Yerevan", languages=["ru"], now=NOW
    ) == datetime(2023, 1, 12, 10, 5, tzinfo=UTC)
    assert parse_date(
        "25 декабря, 10:00", timezone="Asia/Yerevan", languages=["ru"], now=NOW
    ) == datetime(2022, 12, 25, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", [None, "", "   ", "not a date", "January 2023", "14:05", "x" * 300])
def test_not_a_date(raw):
    assert parse_date(raw, timezone="Asia/Yerevan", languages=["en"], now=NOW) is None


def test_numeric_day_month_order_follows_the_language():
    assert parse_date_as_written("01/02/2023", languages=["en"]).date().isoformat() == "2023-01-02"
    assert parse_date_as_written("01/02/2023", languages=["ru"]).date().isoformat() == "2023-02-01"
    # A first number over 12 can only be a day.
    assert parse_date_as_written("25/02/2023", languages=["en"]).date().isoformat() == "2023-02-25"


def test_find_date_mentions_in_running_text():
    text = "Վերջին լուրեր 14:05, 12 հունվարի 2023 Ստեփանակերտ. Updated January 13, 2023 at 9:15 am; © 2023"
    mentions = find_date_mentions(text, ["hy"])
    assert [m.raw for m in mentions] == ["14:05, 12 հունվարի 2023", "January 13, 2023 at 9:15 am"]
    assert mentions[0].value == datetime(2023, 1, 12, 14, 5)
    assert mentions[1].value == datetime(2023, 1, 13, 9, 15)
    assert text[mentions[0].start : mentions[0].end] == mentions[0].raw


def test_find_date_mentions_ignores_non_dates():
    text = "Version 2.7.1, call 12-34-5678, chapter 3.4.2023x, 1990s, page 12 of 2023, ratio 1/2/3"
    assert find_date_mentions(text, ["en"]) == []


def test_implausible_dates():
    skew = timedelta(hours=24)
    assert implausibility(NOW + timedelta(hours=23), now=NOW, max_future=skew) is None
    assert implausibility(NOW + timedelta(hours=25), now=NOW, max_future=skew) == "future"
    assert implausibility(datetime(1989, 12, 31, tzinfo=UTC), now=NOW, max_future=skew) == "too_old"


def test_answers_are_cached():
    dates._read_fixed.cache_clear()
    parse_date("12 января 2023, 14:05", timezone="Asia/Yerevan", languages=["ru"], now=NOW)
    parse_date(
        "12 января 2023, 14:05", timezone="Europe/Moscow", languages=["ru"], now=NOW + timedelta(1)
    )
    assert dates._read_fixed.cache_info().hits == 1


def test_to_iso():
    assert to_iso(datetime(2023, 1, 12, 14, 5, 7, 999, tzinfo=UTC)) == "2023-01-12T14:05:07+00:00"
    assert to_iso(parse_date("2023-01-12T14:05:00+04:00")) == "2023-01-12T10:05:00+00:00"
    assert to_iso(None) is None


def test_without_fetch_time_relative_forms_follow_the_clock():
    dates._read_relative.cache_clear()
    value = parse_date("2 hours ago", languages=["en"])
    expected = datetime.now(UTC) - timedelta(hours=2)
    assert abs(value - expected) < timedelta(minutes=1)
    assert dates._read_relative.cache_info().currsize == 0  # not cached against a moving clock


@pytest.mark.parametrize(
    ("day_first", "expected"),
    [(None, datetime(2023, 8, 11)), (False, datetime(2023, 8, 11)), (True, datetime(2023, 11, 8))],
)
def test_numeric_order_follows_day_first(day_first, expected):
    value = parse_date_as_written("08/11/2023", languages=["en"], day_first=day_first)
    assert value.replace(tzinfo=None) == expected
    # A form the grammar leaves to dateparser, which is told the same order.
    spoken = parse_date_as_written("08/11/2023 12h30", languages=["en"], day_first=day_first)
    assert spoken.replace(tzinfo=None) == expected.replace(hour=12, minute=30)


def test_day_first_for_russian_whatever_the_hint_says_nothing():
    assert parse_date_as_written("08/11/2023", languages=["ru"]).month == 11


def test_numeric_dates_spaced_around_slashes():
    """Some right-to-left pages write "١ / ١٢ / ٢٠٢٠" (Eastern Arabic digits)."""
    [mention] = find_date_mentions("٠٢:٠٠ الثلاثاء ١ / ١٢ / ٢٠٢٠", ["ar"])
    assert mention.value == datetime(2020, 12, 1)


@pytest.mark.parametrize(
    ("country", "zone", "expected_country", "expected_zone"),
    [
        ("ie", "Europe/Dublin", True, True),
        ("us", "America/New_York", False, None),
        ("am", "Asia/Yerevan", True, True),
        ("ph", "Asia/Manila", False, None),
        ("", "UTC", None, None),
    ],
)
def test_day_first_by_country_and_zone(country, zone, expected_country, expected_zone):
    assert day_first_in_country(country) is expected_country
    assert day_first_in_zone(zone) is expected_zone


def test_evidence_kinds_and_clock():
    assert not is_weak("structured") and not is_weak(None) and is_weak("year")
    assert states_time("12 января 2023, 14:05") and states_time("2023-01-12T10:05:00Z")
    assert not states_time("2023-01-12") and not states_time("12 January 2023")
