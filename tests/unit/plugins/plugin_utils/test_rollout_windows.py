"""Unit tests of the rollout's maintenance windows (plugin_utils/_rollout/windows.py): parsing, open / closed / next
opening, daylight saving time, a minute-by-minute reference, lists of windows. Fixed epochs, no clock."""
import copy
import dataclasses
import datetime
import pickle
import random
import time
import zoneinfo

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import timing, windows

from rollout_time_helpers import DAY, HOUR, OPTION, at, fails, utc, window


# ---------------------------------------------------------------------------------------------------------------
# parse_window / parse_windows


@pytest.mark.parametrize("value", [None, "", "   ", {}])
def test_no_window_is_always_open(value):
    assert windows.parse_window(value, OPTION) is None
    assert windows.parse_windows(value, OPTION) == ()


def test_a_window_has_a_normalized_cron_a_duration_in_seconds_and_a_timezone():
    found = windows.parse_window({"start": "0 2 * * mon-fri", "duration": "4h", "timezone": "Europe/Berlin"}, OPTION)
    assert (found.cron, found.duration, found.timezone) == ("0 2 * * 1-5", 14400, "Europe/Berlin")
    assert found.describe() == "0 2 * * 1-5 for 4h (Europe/Berlin)"
    assert window("30 1 * * *", "1h30m").describe() == "30 1 * * * for 1h30m (UTC)"
    assert found.record() == {"start": "0 2 * * 1-5", "duration": 14400, "timezone": "Europe/Berlin"}
    assert windows.parse_window(found.record(), OPTION) == found


def test_the_timezone_defaults_to_the_given_default_and_the_window_own_wins():
    assert windows.parse_window({"start": "0 2 * * *", "duration": 3600}, OPTION, "Asia/Shanghai").timezone == \
        "Asia/Shanghai"
    assert windows.parse_window({"start": "0 2 * * *", "duration": 3600, "timezone": " Europe/Berlin "}, OPTION,
                                "Asia/Shanghai").timezone == "Europe/Berlin"
    assert windows.parse_window({"start": "0 2 * * *", "duration": 3600, "timezone": ""}, OPTION).timezone == "UTC"
    assert windows.parse_window({"start": "0 2 * * *", "duration": 3600}, OPTION, None).timezone == "UTC"


def test_a_window_as_json_text_from_an_ini_inventory_or_a_survey():
    text = '{"start": "0 2 * * *", "duration": "4h"}'
    assert windows.parse_window(text, OPTION) == window("0 2 * * *", "4h")
    assert windows.parse_windows("[%s]" % text, OPTION) == (window("0 2 * * *", "4h"),)
    fails("is not valid JSON", windows.parse_windows, "[{", OPTION)


@pytest.mark.parametrize("value, rule", [
    ({"duration": "4h"}, r"a window needs a start, a cron expression such as '0 2 \* \* \*'"),
    ({"start": "  ", "duration": "4h"}, r"a window needs a start"),
    ({"start": None, "duration": "4h"}, r"a window needs a start"),
    ({"start": 5, "duration": "4h"}, r"a window needs a start.*got 5"),
    ({"start": "0 2 * * *"}, r"a window needs a duration \(seconds \(3600\) or a number with d, h, m, s"),
    ({"start": "0 2 * * *", "duration": None}, r"a window needs a duration"),
    ({"start": "0 2 * * *", "duration": ""}, r"a window needs a duration"),
    ("0 2 * * *", r"a window needs a duration: a window is a dict with start"),
    (["0 2 * * *"], r"a window is a dict with start \(a cron expression\) and duration"),
    (42, r"a window is a dict"),
    ({"start": "0 2 * * *", "duration": "4h", "timezone": "Mars/Olympus"},
     r"unknown timezone 'Mars/Olympus'; use an IANA name such as Europe/Berlin"),
    ({"start": "0 2 * * *", "duration": "4h", "timezone": "../etc/passwd"}, r"unknown timezone"),
    ({"start": "0 2 * * *", "duration": "4h", "timezone": 5}, r"a timezone is an IANA name"),
    ({"start": "0 2 * * *", "duration": 59}, r"a window's duration must be at least 1 minute \(60 seconds\), got 59s"),
    ({"start": "0 2 * * *", "duration": "8d"},
     r"a window's duration must be at most 7 days \(604800 seconds\), got 8d"),
    ({"start": "0 2 * * *", "duration": "7d1s"}, r"at most 7 days"),
    ({"start": "0 2 * * *", "duration": "soon"}, r"duration: 'soon' is not a duration"),
    ({"start": "0 2 * * *", "duration": 0}, r"duration: a duration must be more than 0 seconds"),
    ({"start": "0 2 * * *", "duration": "4h", "durration": "1h"}, r"unknown key\(s\) durration; a window has start"),
])
def test_bad_windows_name_the_option_and_the_rule(value, rule):
    message = fails(rule, windows.parse_window, value, "host dev-7 iot_maintenance_window")
    assert message.startswith("host dev-7 iot_maintenance_window: ")


def test_a_bad_default_timezone_is_named_too():
    message = fails("unknown timezone 'Nowhere/Town'", windows.parse_window, {"start": "0 2 * * *", "duration": "1h"},
                    "staged_rollout_maintenance_window", "Nowhere/Town")
    assert message.startswith("staged_rollout_maintenance_window: ")


def test_window_durations_at_the_limits_are_accepted():
    assert window("0 2 * * *", 60).duration == 60
    assert window("0 2 * * *", "7d").duration == 7 * DAY


def test_windows_of_a_list_are_distinct_in_a_canonical_order_and_errors_name_the_entry():
    night = {"start": "0 2 * * *", "duration": "4h"}
    noon = {"start": "0 12 * * *", "duration": "1h", "timezone": "Asia/Shanghai"}
    found = windows.parse_windows([night, noon, {"start": "0 2 * * *", "duration": 14400}], OPTION)
    assert found == windows.parse_windows([noon, night], OPTION)
    assert len(found) == 2 and set(found) == {window("0 2 * * *", "4h"), window("0 12 * * *", "1h", "Asia/Shanghai")}
    assert windows.parse_windows(night, OPTION) == (window("0 2 * * *", "4h"),)
    assert windows.parse_windows([], OPTION) == ()
    message = fails(r"staged_rollout_maintenance_window\[1\]: a window needs a duration", windows.parse_windows,
                    [night, {"start": "0 3 * * *"}], OPTION)
    assert "[1]" in message
    fails(r"staged_rollout_maintenance_window\[0\]: an empty window in the list", windows.parse_windows, [None], OPTION)
    fails(r"staged_rollout_maintenance_window: a window is a dict", windows.parse_windows, 7, OPTION)


def test_equal_windows_compare_and_hash_equal_and_group_devices():
    a = windows.parse_window({"start": "0 2 * * mon-fri", "duration": "4h", "timezone": "Europe/Berlin"}, OPTION)
    b = windows.parse_window({"start": "0  2 * * 1-5", "duration": 14400}, OPTION, "Europe/Berlin")
    c = windows.parse_window({"start": "0 2 * * 1-5", "duration": 14400, "timezone": "Europe/Paris"}, OPTION)
    d = windows.parse_window({"start": "0 2 * * 1-5", "duration": "3h"}, OPTION, "Europe/Berlin")
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != c and a != d
    groups = {}
    for found in (a, b, c, d, b):
        groups.setdefault(found, []).append(found)
    assert [len(groups[key]) for key in (a, c, d)] == [3, 1, 1]
    # questions asked of one window do not change its equality
    a.is_open(at("2026-12-04T01:00:00Z"))
    assert a == b and hash(a) == hash(b) and {a, b} == {b}
    assert (a, c) == (b, c)
    assert repr(a) == "Window(cron='0 2 * * 1-5', duration=14400, timezone='Europe/Berlin')"


def test_windows_are_immutable_and_survive_copy_and_pickle():
    found = window("0 2 * * *", "4h", "Europe/Berlin")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.duration = 60
    found.is_open(at("2026-12-04T01:00:00Z"))
    for other in (copy.copy(found), copy.deepcopy(found), pickle.loads(pickle.dumps(found))):
        assert other == found and hash(other) == hash(found)
        assert other.is_open(at("2026-12-04T02:00:00Z")) and not other.is_open(at("2026-12-04T06:00:00Z"))


def test_the_window_constructor_wants_the_normalized_form():
    assert windows.Window("0 2 * * 1-5", 3600, "UTC") == window("0 2 * * mon-fri", "1h")
    fails("not a normalized cron text", windows.Window, "0 2 * * mon-fri", 3600, "UTC")
    fails("duration must be whole seconds", windows.Window, "0 2 * * *", "1h", "UTC")
    fails("at least 1 minute", windows.Window, "0 2 * * *", 30, "UTC")
    fails("unknown timezone", windows.Window, "0 2 * * *", 3600, "No/Where")


# ---------------------------------------------------------------------------------------------------------------
# open / closed / next opening


def test_weekday_night_window_in_berlin_winter_boundaries():
    night = window("0 2 * * 1-5", "4h", "Europe/Berlin")  # 02:00-06:00 CET = 01:00-05:00 UTC
    friday = at("2026-12-04T01:00:00Z")
    assert not night.is_open(friday - 1)
    assert night.next_opening(friday - 1) == friday
    assert night.closes_at(friday - 1) is None
    assert night.is_open(friday) and night.next_opening(friday) == friday
    assert night.closes_at(friday) == at("2026-12-04T05:00:00Z")
    assert night.is_open(friday + 4 * HOUR - 1)
    assert night.next_opening(friday + 4 * HOUR - 0.5) == friday + 4 * HOUR - 0.5
    assert not night.is_open(friday + 4 * HOUR)
    assert night.closes_at(friday + 4 * HOUR) is None
    # the weekend is closed: Saturday's and Sunday's 02:00 do not open, Monday's does
    monday = at("2026-12-07T01:00:00Z")
    for moment in (friday + 4 * HOUR, at("2026-12-05T01:30:00Z"), at("2026-12-06T03:00:00Z"), monday - 0.001):
        assert not night.is_open(moment)
        assert night.next_opening(moment) == monday


def test_a_window_across_midnight_is_open_after_midnight_from_the_day_before():
    late = window("0 22 * * fri", "4h")  # Friday 22:00 - Saturday 02:00 UTC
    assert not late.is_open(at("2026-12-04T21:59:59Z"))
    assert late.is_open(at("2026-12-04T22:00:00Z"))
    assert late.is_open(at("2026-12-05T00:00:00Z"))  # Saturday: the day does not match, Friday's opening does
    assert late.is_open(at("2026-12-05T01:59:59Z"))
    assert late.closes_at(at("2026-12-05T01:00:00Z")) == at("2026-12-05T02:00:00Z")
    assert not late.is_open(at("2026-12-05T02:00:00Z"))
    assert late.next_opening(at("2026-12-05T02:00:00Z")) == at("2026-12-11T22:00:00Z")
    assert not late.is_open(at("2026-12-05T22:30:00Z"))


def test_a_window_in_a_timezone_east_of_utc_opens_the_utc_day_before():
    shanghai = window("0 1 * * mon", "2h", "Asia/Shanghai")  # Monday 01:00 +08:00 = Sunday 17:00 UTC
    assert shanghai.next_opening(at("2026-12-05T00:00:00Z")) == at("2026-12-06T17:00:00Z")
    assert shanghai.is_open(at("2026-12-06T18:59:59Z")) and not shanghai.is_open(at("2026-12-06T19:00:00Z"))
    assert not shanghai.is_open(at("2026-12-07T17:30:00Z"))  # Monday 17:30 UTC is Tuesday in Shanghai


def test_a_multi_day_window_is_looked_back_up_to_its_duration():
    weekend = window("0 0 * * sat", "2d")  # Saturday 00:00 - Monday 00:00 UTC
    assert weekend.is_open(at("2026-12-06T23:59:59Z"))
    assert weekend.closes_at(at("2026-12-06T12:00:00Z")) == at("2026-12-07T00:00:00Z")
    assert not weekend.is_open(at("2026-12-07T00:00:00Z"))
    week = window("0 0 * * mon", "6d")  # Monday 00:00 - Sunday 00:00
    assert week.is_open(at("2026-12-12T23:59:59Z"))  # started 6 days earlier
    assert not week.is_open(at("2026-12-13T00:00:00Z"))
    assert week.next_opening(at("2026-12-13T00:00:00Z")) == at("2026-12-14T00:00:00Z")
    full = window("0 0 * * mon", "7d")  # one opening ends where the next begins: always open
    assert all(full.is_open(at("2026-12-07T00:00:00Z") + step * 3571) for step in range(400))


def test_openings_that_overlap_or_touch_close_together():
    hours = window("0 0-3 * * *", "1h")  # 00:00-04:00 as four touching openings
    assert hours.closes_at(at("2026-12-01T00:30:00Z")) == at("2026-12-01T04:00:00Z")
    assert hours.closes_at(at("2026-12-01T03:59:59Z")) == at("2026-12-01T04:00:00Z")
    overlapping = window("0 */2 * * *", "3h")  # every two hours for three hours: never closes
    moment = at("2026-12-01T05:00:00Z")
    assert overlapping.is_open(moment)
    assert overlapping.closes_at(moment) >= moment + 365 * DAY
    gaps = window("0 */6 * * *", "1h")
    assert gaps.closes_at(at("2026-12-01T06:10:00Z")) == at("2026-12-01T07:00:00Z")
    assert gaps.next_opening(at("2026-12-01T07:00:00Z")) == at("2026-12-01T12:00:00Z")


def test_next_opening_is_the_start_itself_at_the_start_and_none_beyond_a_year():
    night = window("30 2 * * *", "1h")
    start = at("2026-12-01T02:30:00Z")
    assert night.next_opening(start) == start and night.next_opening(start - 0.25) == start
    leap = window("0 0 29 2 *", "1h")
    assert leap.next_opening(at("2026-03-01T00:00:00Z")) is None  # the next 29 February is in 2028
    assert not leap.is_open(at("2026-03-01T00:00:00Z"))
    assert leap.next_opening(at("2027-06-01T00:00:00Z")) == at("2028-02-29T00:00:00Z")
    yearly = window("@yearly", "1d")
    assert yearly.next_opening(at("2026-01-01T00:00:01Z")) == at("2026-01-01T00:00:01Z")
    assert yearly.next_opening(at("2026-01-02T00:00:00Z")) == at("2027-01-01T00:00:00Z")


def test_day_of_month_and_day_of_week_both_restricted_match_either():
    either = window("0 0 1 * mon", "1h")
    assert either.is_open(at("2026-12-01T00:30:00Z"))  # Tuesday the 1st: the day of month matches
    assert either.is_open(at("2026-12-07T00:30:00Z"))  # Monday the 7th: the weekday matches
    assert not either.is_open(at("2026-12-02T00:30:00Z"))
    assert either.next_opening(at("2026-12-01T01:00:00Z")) == at("2026-12-07T00:00:00Z")
    only_day = window("0 0 1 * *", "1h")
    assert only_day.is_open(at("2026-12-01T00:30:00Z")) and not only_day.is_open(at("2026-12-07T00:30:00Z"))
    only_weekday = window("0 0 * * mon", "1h")
    assert not only_weekday.is_open(at("2026-12-01T00:30:00Z")) and only_weekday.is_open(at("2026-12-07T00:30:00Z"))
    months = window("0 0 * jan,jul *", "1h")
    assert months.next_opening(at("2026-12-01T00:30:00Z")) == at("2027-01-01T00:00:00Z")


def test_steps_and_lists_of_minutes_and_hours():
    quarter = window("*/15 9-17 * * *", 60)
    assert quarter.is_open(at("2026-12-01T09:45:30Z")) and not quarter.is_open(at("2026-12-01T09:46:00Z"))
    assert quarter.next_opening(at("2026-12-01T09:46:00Z")) == at("2026-12-01T10:00:00Z")
    assert quarter.next_opening(at("2026-12-01T17:46:00Z")) == at("2026-12-02T09:00:00Z")


# ---------------------------------------------------------------------------------------------------------------
# daylight saving time (Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST, 2026-10-25 03:00 CEST -> 02:00 CET)


def test_a_start_in_the_spring_gap_is_skipped_that_day():
    gap = window("30 2 * * *", "1h", "Europe/Berlin")
    assert gap.next_opening(at("2026-03-28T03:00:00Z")) == at("2026-03-30T02:30:00+02:00")
    assert not gap.is_open(at("2026-03-29T01:30:00Z"))  # 03:30 CEST: no 02:30 that night
    assert gap.is_open(at("2026-03-28T02:00:00+01:00") + 45 * 60)
    before = window("0 1 * * *", "4h", "Europe/Berlin")  # 01:00 CET exists; four hours later is 06:00 CEST
    assert before.closes_at(at("2026-03-29T01:00:00+01:00")) == at("2026-03-29T06:00:00+02:00")
    assert before.is_open(at("2026-03-29T05:59:00+02:00")) and not before.is_open(at("2026-03-29T06:00:00+02:00"))
    after = window("0 3 * * *", "1h", "Europe/Berlin")  # 03:00 CEST exists
    assert after.next_opening(at("2026-03-29T00:00:00Z")) == at("2026-03-29T03:00:00+02:00")


def test_a_start_in_the_repeated_autumn_hour_opens_once_at_its_first_occurrence():
    fold = window("30 2 * * *", "30m", "Europe/Berlin")
    first = at("2026-10-25T02:30:00+02:00")  # 00:30 UTC
    second = at("2026-10-25T02:30:00+01:00")  # 01:30 UTC, the same wall time again
    assert fold.next_opening(at("2026-10-24T12:00:00Z")) == first
    assert fold.is_open(first) and fold.closes_at(first) == first + 1800
    assert not fold.is_open(second) and not fold.is_open(second + 60)
    assert fold.next_opening(first + 1800) == at("2026-10-26T02:30:00+01:00")


def test_the_same_wall_time_is_a_different_utc_time_in_summer_and_winter():
    night = window("0 2 * * *", "1h", "Europe/Berlin")
    assert night.next_opening(at("2026-07-01T00:00:00Z")) == at("2026-07-01T00:00:00Z")  # 02:00 CEST
    assert night.next_opening(at("2026-01-01T00:00:00Z")) == at("2026-01-01T01:00:00Z")  # 02:00 CET
    assert night.next_opening(at("2026-03-29T01:00:00Z")) == at("2026-03-30T00:00:00Z")  # skipped on the 29th


# ---------------------------------------------------------------------------------------------------------------
# against a minute-by-minute reference


def reference_open(matches, zone, duration, epoch):
    """Open when some whole UTC minute in (epoch - duration, epoch] is a first-occurrence local minute matching."""
    minute = int(epoch // 60) * 60
    while minute > epoch - duration:
        local = datetime.datetime.fromtimestamp(minute, zone)
        if local.fold == 0 and matches(local):
            return True
        minute -= 60
    return False


def reference_next(matches, zone, epoch, days):
    minute = int(-(-epoch // 60)) * 60
    while minute <= epoch + days * DAY:
        local = datetime.datetime.fromtimestamp(minute, zone)
        if local.fold == 0 and matches(local):
            return float(minute)
        minute += 60
    return None


def weekday(local):
    return local.isoweekday() % 7  # Sunday = 0


REFERENCE_CASES = [
    ("0 2 * * 1-5", "4h", "Europe/Berlin", lambda t: t.minute == 0 and t.hour == 2 and 1 <= weekday(t) <= 5),
    ("30 2 * * *", "1h", "Europe/Berlin", lambda t: t.minute == 30 and t.hour == 2),
    ("*/20 22-23,0-1 * * *", "10m", "America/New_York",
     lambda t: t.minute % 20 == 0 and t.hour in (22, 23, 0, 1)),
    ("0 0 1,15 * fri", "90m", "Asia/Kolkata", lambda t: t.minute == 0 and t.hour == 0 and (
        t.day in (1, 15) or weekday(t) == 5)),
    ("45 23 * * sun", "3h", "Australia/Lord_Howe", lambda t: t.minute == 45 and t.hour == 23 and weekday(t) == 0),
    ("15 1 * mar,oct,nov *", "2h", "Europe/London",
     lambda t: t.minute == 15 and t.hour == 1 and t.month in (3, 10, 11)),
]


@pytest.mark.parametrize("cron, duration, tz, matches", REFERENCE_CASES, ids=[c[0] for c in REFERENCE_CASES])
def test_is_open_and_next_opening_agree_with_a_minute_by_minute_reference(cron, duration, tz, matches):
    found = window(cron, duration, tz)
    zone = zoneinfo.ZoneInfo(tz)
    seconds = timing.parse_duration(duration, "opt")
    rng = random.Random(cron)
    base = at("2026-01-01T00:00:00Z")
    # random moments over two years (jumps back and forth), plus every quarter hour around both DST changes
    moments = [base + rng.randrange(0, 2 * 365 * DAY) + rng.choice((0, 0.5, 59.999)) for dummy in range(150)]
    for change in ("2026-03-29T00:00:00Z", "2026-10-25T00:00:00Z", "2026-03-08T04:00:00Z", "2026-11-01T04:00:00Z",
                   "2026-04-05T12:00:00Z", "2026-10-04T12:00:00Z"):
        moments += [at(change) + step * 900 for step in range(-4, 20)]
    for moment in moments:
        expected_open = reference_open(matches, zone, seconds, moment)
        assert found.is_open(moment) == expected_open, utc(moment)
        expected_next = moment if expected_open else reference_next(matches, zone, moment, 9)
        if expected_next is not None:  # every case opens at least weekly or monthly around the checked days
            assert found.next_opening(moment) == expected_next, utc(moment)
        elif found.next_opening(moment) is not None:
            assert found.next_opening(moment) > moment + 9 * DAY


# ---------------------------------------------------------------------------------------------------------------
# lists of windows


def test_windows_open_is_the_union_and_next_opening_the_earliest():
    night = window("0 2 * * *", "1h")  # 02:00-03:00 UTC
    noon = window("0 12 * * *", "1h", "Asia/Shanghai")  # 04:00-05:00 UTC
    both = windows.parse_windows([night.record(), noon.record()], OPTION)
    assert windows.windows_open(both, at("2026-12-01T02:30:00Z"))
    assert windows.windows_open(both, at("2026-12-01T04:30:00Z"))
    assert not windows.windows_open(both, at("2026-12-01T04:00:00Z") - 1)
    assert not windows.windows_open(both, at("2026-12-01T03:00:00Z"))
    assert windows.next_opening(both, at("2026-12-01T04:00:00Z") - 1) == at("2026-12-01T04:00:00Z")
    assert windows.next_opening(both, at("2026-12-01T05:00:00Z")) == at("2026-12-02T02:00:00Z")
    assert windows.next_opening(both, at("2026-12-01T02:30:00Z")) == at("2026-12-01T02:30:00Z")
    assert windows.next_opening((night,), at("2026-12-01T05:00:00Z")) == at("2026-12-02T02:00:00Z")


def test_no_windows_is_always_open_and_a_window_that_never_opens_within_a_year_gives_none():
    assert windows.windows_open((), 0.0) and windows.windows_open([], at("2026-12-01T00:00:00Z"))
    assert windows.next_opening((), 1234.5) == 1234.5
    leap = window("0 0 29 2 *", "1h")
    assert windows.next_opening((leap,), at("2026-03-01T00:00:00Z")) is None
    assert windows.next_opening((leap, window("0 0 1 1 *", "1h")), at("2026-03-01T00:00:00Z")) == \
        at("2027-01-01T00:00:00Z")


def test_journal_records_read_back_to_equal_windows():
    found = windows.parse_windows([{"start": "0 2 * * mon-fri", "duration": "4h"},
                                   {"start": "@weekly", "duration": "1d", "timezone": "America/Chicago"}],
                                  OPTION, "Europe/Berlin")
    records = [w.record() for w in found]
    assert windows.parse_windows(records, "chunk k window") == found


def test_100000_questions_over_20_windows_are_fast():
    crons = ["0 2 * * 1-5", "30 1 * * *", "0 22 * * fri", "*/15 9-17 * * *", "0 0 1,15 * *", "0 3 * * sat,sun",
             "0 */4 * * *", "45 23 * * *", "0 12 * * mon", "0 0 * * *"]
    zones = ["Europe/Berlin", "Asia/Shanghai"]
    windows = [window(cron, "2h" if n % 2 else "45m", zone) for n, cron in enumerate(crons) for zone in zones]
    assert len(set(windows)) == 20
    base = at("2026-12-01T00:00:00Z")
    started = time.perf_counter()
    opened = 0
    for n in range(50000):
        one = windows[n % 20]
        moment = base + n * 53.7  # a new minute almost every time, over a month
        if one.is_open(moment):
            opened += 1
        if one.next_opening(moment) is None:
            raise AssertionError("no opening")
    elapsed = time.perf_counter() - started
    assert 0 < opened < 50000
    assert elapsed < 2.0, elapsed


def test_questions_far_apart_in_time_keep_answering_correctly():
    night = window("0 2 * * *", "1h", "Europe/Berlin")
    moments = ["2026-07-01T00:30:00Z", "2031-01-15T01:30:00Z", "2026-07-01T01:00:00Z", "2019-03-31T00:30:00Z",
               "2026-07-02T00:59:59Z"]
    assert [night.is_open(at(m)) for m in moments] == [True, True, False, False, True]
    assert night.next_opening(at("2019-03-31T00:30:00Z")) == at("2019-04-01T00:00:00Z")
