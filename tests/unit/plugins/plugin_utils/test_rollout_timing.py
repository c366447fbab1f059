"""Unit tests of the rollout's time control and pacing (plugin_utils/_rollout/timing.py): maintenance windows (cron,
duration, timezone, daylight saving time), stage schedules, the ramp and the pace caps. Fixed epochs, no clock."""
import copy
import dataclasses
import datetime
import pickle
import random
import time
import zoneinfo

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import timing
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout.common import RolloutError

OPTION = "staged_rollout_maintenance_window"
HOUR = 3600
DAY = 86400


def at(text):
    """Epoch of an ISO time with Z or an offset (independent of timing.parse_time)."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def utc(epoch):
    return None if epoch is None else datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def window(start, duration, timezone=None):
    value = {"start": start, "duration": duration}
    if timezone:
        value["timezone"] = timezone
    return timing.parse_window(value, OPTION)


def fails(match, function, *args, **kwargs):
    with pytest.raises(RolloutError, match=match) as caught:
        function(*args, **kwargs)
    return str(caught.value)


# ---------------------------------------------------------------------------------------------------------------
# durations


@pytest.mark.parametrize("value, seconds", [
    (3600, 3600), ("3600", 3600), ("90m", 5400), ("4h", 14400), ("1h30m", 5400), ("2d", 172800), ("45s", 45),
    (" 2H ", 7200), (3600.0, 3600), ("1d2h3m4s", 93784), ("1h 30m", 5400), ("0h90m", 5400),
])
def test_durations_in_seconds_or_with_units(value, seconds):
    assert timing.parse_duration(value, "opt") == seconds


@pytest.mark.parametrize("value, rule", [
    (0, "more than 0 seconds"), (-5, "more than 0 seconds"), ("0m", "more than 0 seconds"), ("0", "more than 0"),
    ("abc", "not a duration"), ("4x", "not a duration"), ("", "not a duration"), ("h", "not a duration"),
    ("1.5h", "not a duration"), ("4h30", "not a duration"), ("30m4h", "not a duration"), (None, "not a duration"),
    (True, "not a duration"), (1.5, "not a whole number of seconds"), (float("nan"), "not a whole number"),
])
def test_bad_durations_name_the_option_and_the_rule(value, rule):
    message = fails(rule, timing.parse_duration, value, "stage 'w': pause")
    assert message.startswith("stage 'w': pause: ")


@pytest.mark.parametrize("seconds, text", [(14400, "4h"), (5400, "1h30m"), (172800, "2d"), (45, "45s"),
                                           (93784, "1d2h3m4s"), (60, "1m"), (604800, "7d")])
def test_durations_read_back_as_text(seconds, text):
    assert timing.format_duration(seconds) == text
    assert timing.parse_duration(text, "opt") == seconds


# ---------------------------------------------------------------------------------------------------------------
# cron


@pytest.mark.parametrize("cron, normalized", [
    ("0 2 * * 1-5", "0 2 * * 1-5"),
    ("0   2 * *   mon-fri", "0 2 * * 1-5"),
    ("0 2 * * MON,TUE,wed,thu,fri", "0 2 * * 1-5"),
    ("*/15 * * * *", "*/15 * * * *"),
    ("0-59/15 * * * *", "*/15 * * * *"),
    ("0,15,30,45 * * * *", "*/15 * * * *"),
    ("5-55/10 * * * *", "5-55/10 * * * *"),
    ("0 22-23,0-2 * * *", "0 0-2,22-23 * * *"),
    ("0,30 9 * * *", "0,30 9 * * *"),
    ("0 0 1,15 * sun", "0 0 1,15 * 0"),
    ("0 0 * * 7", "0 0 * * 0"),
    ("0 0 * * 0-7", "0 0 * * *"),
    ("0 0 * * 0-6", "0 0 * * *"),
    ("0 0 1-31 1-12 *", "0 0 * * *"),
    ("0 9 1/2 * *", "0 9 */2 * *"),
    ("30 1 * jan-mar,dec *", "30 1 * 1-3,12 *"),
    ("0 3 * * sat,sun", "0 3 * * 0,6"),
])
def test_cron_text_is_normalized(cron, normalized):
    assert timing.parse_cron(cron, OPTION)[0] == normalized
    # normalizing is idempotent: the journal's form reads back to itself
    assert timing.parse_cron(normalized, OPTION)[0] == normalized


@pytest.mark.parametrize("macro, normalized", [
    ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@WEEKLY", "0 0 * * 0"),
    ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"),
])
def test_cron_macros(macro, normalized):
    assert timing.parse_cron(macro, OPTION)[0] == normalized


@pytest.mark.parametrize("cron, rule", [
    ("60 * * * *", r"the minute field has 60, outside its range 0-59"),
    ("0 24 * * *", r"the hour field has 24, outside its range 0-23"),
    ("0 0 0 * *", r"the day of month field has 0, outside its range 1-31"),
    ("0 0 32 * *", r"the day of month field has 32, outside its range 1-31"),
    ("0 0 * 13 *", r"the month field has 13, outside its range 1-12 or jan-dec"),
    ("0 0 * 0 *", r"the month field has 0, outside its range 1-12"),
    ("0 0 * * 8", r"the day of week field has 8, outside its range 0-7 or sun-sat, 0 and 7 = Sunday"),
    ("0 0 * * funday", r"the day of week field has 'funday', which is not a number; allowed: 0-7 or sun-sat"),
    ("0 0 * foo *", r"the month field has 'foo', which is not a number; allowed: 1-12 or jan-dec"),
    ("x 0 * * *", r"the minute field has 'x', which is not a number; allowed: 0-59"),
    ("-1 0 * * *", r"the minute field has '', which is not a number"),
    ("*/0 * * * *", r"the minute field has the step '0'; a step is a whole number of at least 1"),
    ("*/x * * * *", r"the minute field has the step 'x'"),
    ("0 5-1 * * *", r"the hour field has the range '5-1' going downwards"),
    ("0 3 * * sat-sun", r"the day of week field has the range 'sat-sun' going downwards"),
    ("1,,2 * * * *", r"the minute field '1,,2' has an empty list entry"),
    ("0 0 * *", r"has 4 fields; a window's start needs 5 \(minute hour day-of-month month day-of-week\)"),
    ("0 0 * * * *", r"has 6 fields"),
    ("@reboot", r"unknown macro"),
    ("0 0 30 2 *", r"never matches: no month of 2 has a day 30"),
    ("0 0 31 4,6,9,11 *", r"never matches"),
])
def test_bad_cron_names_the_option_the_field_and_its_range(cron, rule):
    message = fails(rule, timing.parse_window, {"start": cron, "duration": "1h"}, "host dev-7 iot_maintenance_window")
    assert message.startswith("host dev-7 iot_maintenance_window: ")


def test_feb_29_or_a_dom_that_only_some_months_have_is_accepted():
    assert window("0 0 29 2 *", "1h").cron == "0 0 29 2 *"
    assert window("0 0 31 * *", "1h").cron == "0 0 31 * *"
    # restricted day of week: the day of month alone need not exist (either matches)
    assert window("0 0 30 2 mon", "1h").cron == "0 0 30 2 1"


# ---------------------------------------------------------------------------------------------------------------
# parse_window / parse_windows


@pytest.mark.parametrize("value", [None, "", "   ", {}])
def test_no_window_is_always_open(value):
    assert timing.parse_window(value, OPTION) is None
    assert timing.parse_windows(value, OPTION) == ()


def test_a_window_has_a_normalized_cron_a_duration_in_seconds_and_a_timezone():
    found = timing.parse_window({"start": "0 2 * * mon-fri", "duration": "4h", "timezone": "Europe/Berlin"}, OPTION)
    assert (found.cron, found.duration, found.timezone) == ("0 2 * * 1-5", 14400, "Europe/Berlin")
    assert found.describe() == "0 2 * * 1-5 for 4h (Europe/Berlin)"
    assert window("30 1 * * *", "1h30m").describe() == "30 1 * * * for 1h30m (UTC)"
    assert found.record() == {"start": "0 2 * * 1-5", "duration": 14400, "timezone": "Europe/Berlin"}
    assert timing.parse_window(found.record(), OPTION) == found


def test_the_timezone_defaults_to_the_given_default_and_the_window_own_wins():
    assert timing.parse_window({"start": "0 2 * * *", "duration": 3600}, OPTION, "Asia/Shanghai").timezone == \
        "Asia/Shanghai"
    assert timing.parse_window({"start": "0 2 * * *", "duration": 3600, "timezone": " Europe/Berlin "}, OPTION,
                               "Asia/Shanghai").timezone == "Europe/Berlin"
    assert timing.parse_window({"start": "0 2 * * *", "duration": 3600, "timezone": ""}, OPTION).timezone == "UTC"
    assert timing.parse_window({"start": "0 2 * * *", "duration": 3600}, OPTION, None).timezone == "UTC"


def test_a_window_as_json_text_from_an_ini_inventory_or_a_survey():
    text = '{"start": "0 2 * * *", "duration": "4h"}'
    assert timing.parse_window(text, OPTION) == window("0 2 * * *", "4h")
    assert timing.parse_windows("[%s]" % text, OPTION) == (window("0 2 * * *", "4h"),)
    fails("is not valid JSON", timing.parse_windows, "[{", OPTION)


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
    message = fails(rule, timing.parse_window, value, "host dev-7 iot_maintenance_window")
    assert message.startswith("host dev-7 iot_maintenance_window: ")


def test_a_bad_default_timezone_is_named_too():
    message = fails("unknown timezone 'Nowhere/Town'", timing.parse_window, {"start": "0 2 * * *", "duration": "1h"},
                    "staged_rollout_maintenance_window", "Nowhere/Town")
    assert message.startswith("staged_rollout_maintenance_window: ")


def test_window_durations_at_the_limits_are_accepted():
    assert window("0 2 * * *", 60).duration == 60
    assert window("0 2 * * *", "7d").duration == 7 * DAY


def test_windows_of_a_list_are_distinct_in_a_canonical_order_and_errors_name_the_entry():
    night = {"start": "0 2 * * *", "duration": "4h"}
    noon = {"start": "0 12 * * *", "duration": "1h", "timezone": "Asia/Shanghai"}
    found = timing.parse_windows([night, noon, {"start": "0 2 * * *", "duration": 14400}], OPTION)
    assert found == timing.parse_windows([noon, night], OPTION)
    assert len(found) == 2 and set(found) == {window("0 2 * * *", "4h"), window("0 12 * * *", "1h", "Asia/Shanghai")}
    assert timing.parse_windows(night, OPTION) == (window("0 2 * * *", "4h"),)
    assert timing.parse_windows([], OPTION) == ()
    message = fails(r"staged_rollout_maintenance_window\[1\]: a window needs a duration", timing.parse_windows,
                    [night, {"start": "0 3 * * *"}], OPTION)
    assert "[1]" in message
    fails(r"staged_rollout_maintenance_window\[0\]: an empty window in the list", timing.parse_windows, [None], OPTION)
    fails(r"staged_rollout_maintenance_window: a window is a dict", timing.parse_windows, 7, OPTION)


def test_equal_windows_compare_and_hash_equal_and_group_devices():
    a = timing.parse_window({"start": "0 2 * * mon-fri", "duration": "4h", "timezone": "Europe/Berlin"}, OPTION)
    b = timing.parse_window({"start": "0  2 * * 1-5", "duration": 14400}, OPTION, "Europe/Berlin")
    c = timing.parse_window({"start": "0 2 * * 1-5", "duration": 14400, "timezone": "Europe/Paris"}, OPTION)
    d = timing.parse_window({"start": "0 2 * * 1-5", "duration": "3h"}, OPTION, "Europe/Berlin")
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
    assert timing.Window("0 2 * * 1-5", 3600, "UTC") == window("0 2 * * mon-fri", "1h")
    fails("not a normalized cron text", timing.Window, "0 2 * * mon-fri", 3600, "UTC")
    fails("duration must be whole seconds", timing.Window, "0 2 * * *", "1h", "UTC")
    fails("at least 1 minute", timing.Window, "0 2 * * *", 30, "UTC")
    fails("unknown timezone", timing.Window, "0 2 * * *", 3600, "No/Where")


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
    both = timing.parse_windows([night.record(), noon.record()], OPTION)
    assert timing.windows_open(both, at("2026-12-01T02:30:00Z"))
    assert timing.windows_open(both, at("2026-12-01T04:30:00Z"))
    assert not timing.windows_open(both, at("2026-12-01T04:00:00Z") - 1)
    assert not timing.windows_open(both, at("2026-12-01T03:00:00Z"))
    assert timing.next_opening(both, at("2026-12-01T04:00:00Z") - 1) == at("2026-12-01T04:00:00Z")
    assert timing.next_opening(both, at("2026-12-01T05:00:00Z")) == at("2026-12-02T02:00:00Z")
    assert timing.next_opening(both, at("2026-12-01T02:30:00Z")) == at("2026-12-01T02:30:00Z")
    assert timing.next_opening((night,), at("2026-12-01T05:00:00Z")) == at("2026-12-02T02:00:00Z")


def test_no_windows_is_always_open_and_a_window_that_never_opens_within_a_year_gives_none():
    assert timing.windows_open((), 0.0) and timing.windows_open([], at("2026-12-01T00:00:00Z"))
    assert timing.next_opening((), 1234.5) == 1234.5
    leap = window("0 0 29 2 *", "1h")
    assert timing.next_opening((leap,), at("2026-03-01T00:00:00Z")) is None
    assert timing.next_opening((leap, window("0 0 1 1 *", "1h")), at("2026-03-01T00:00:00Z")) == \
        at("2027-01-01T00:00:00Z")


def test_journal_records_read_back_to_equal_windows():
    found = timing.parse_windows([{"start": "0 2 * * mon-fri", "duration": "4h"},
                                  {"start": "@weekly", "duration": "1d", "timezone": "America/Chicago"}],
                                 OPTION, "Europe/Berlin")
    records = [w.record() for w in found]
    assert timing.parse_windows(records, "chunk k window") == found


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


# ---------------------------------------------------------------------------------------------------------------
# times and schedules


@pytest.mark.parametrize("value, expected", [
    ("2026-12-06T02:00:00Z", "2026-12-06T02:00:00Z"),
    ("2026-12-06T03:00:00+01:00", "2026-12-06T02:00:00Z"),
    ("2026-12-06t02:00:00z", "2026-12-06T02:00:00Z"),
    (" 2026-12-06 10:00:00+08:00 ", "2026-12-06T02:00:00Z"),
    ("2026-12-06T02:00Z", "2026-12-06T02:00:00Z"),
    ("2026-12-06T02:00:00.500000Z", "2026-12-06T02:00:00Z"),
    (datetime.datetime(2026, 12, 6, 3, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")), "2026-12-06T02:00:00Z"),
    (1796522400, "2026-12-06T02:00:00Z"),
])
def test_times_are_iso_8601_with_a_timezone(value, expected):
    assert utc(timing.parse_time(value, "opt")) == expected
    assert timing.format_time(timing.parse_time(value, "opt")) == expected


@pytest.mark.parametrize("value, rule", [
    ("2026-12-06T02:00:00", r"'2026-12-06T02:00:00' needs a timezone: end it with Z \(UTC\) or an offset"),
    (datetime.datetime(2026, 12, 6, 2, 0), r"needs a timezone"),
    ("2026-12-06", r"needs a time of day and a timezone"),
    (datetime.date(2026, 12, 6), r"needs a time of day and a timezone"),
    ("next tuesday", r"'next tuesday' is not an ISO 8601 time; use 2026-12-06T02:00:00Z or"),
    ("", r"is not an ISO 8601 time"),
    (None, r"None is not a time"),
    (True, r"True is not a time"),
    (float("inf"), r"is not a time"),
])
def test_bad_times_name_the_option_and_the_rule(value, rule):
    message = fails(rule, timing.parse_time, value, "stage 'w': start_at")
    assert message.startswith("stage 'w': start_at: ")


def test_a_stage_without_times_has_no_schedule_and_stops_at_its_end():
    assert timing.parse_schedule({"name": "w", "percent": 100}, "stage 'w'") == \
        {"start_at": None, "end_at": None, "at_end": "stop"}
    assert timing.parse_schedule({}, "stage 'w'") == {"start_at": None, "end_at": None, "at_end": "stop"}
    assert timing.parse_schedule(None, "stage 'w'") == {"start_at": None, "end_at": None, "at_end": "stop"}
    assert timing.parse_schedule({"start_at": "", "end_at": None, "at_end": ""}, "stage 'w'") == \
        {"start_at": None, "end_at": None, "at_end": "stop"}


def test_a_stage_schedule_in_epochs():
    found = timing.parse_schedule({"start_at": "2026-12-06T02:00:00Z", "end_at": "2026-12-06T06:00:00+01:00",
                                   "at_end": "Cancel"}, "stage 'w'")
    assert found == {"start_at": at("2026-12-06T02:00:00Z"), "end_at": at("2026-12-06T05:00:00Z"),
                     "at_end": "cancel"}
    assert timing.parse_schedule({"start_at": "2026-12-06T02:00:00Z"}, "stage 'w'")["end_at"] is None
    assert timing.parse_schedule({"end_at": "2026-12-06T02:00:00Z", "at_end": "stop"}, "stage 'w'") == \
        {"start_at": None, "end_at": at("2026-12-06T02:00:00Z"), "at_end": "stop"}


@pytest.mark.parametrize("stage, rule", [
    ({"start_at": "2026-12-06T02:00:00Z", "end_at": "2026-12-06T01:00:00Z"},
     r"end_at must be after start_at \(end_at 2026-12-06T01:00:00Z, start_at 2026-12-06T02:00:00Z\)"),
    ({"start_at": "2026-12-06T02:00:00Z", "end_at": "2026-12-06T03:00:00+01:00"}, r"end_at must be after start_at"),
    ({"at_end": "cancel"}, r"at_end needs an end_at"),
    ({"start_at": "2026-12-06T02:00:00Z", "at_end": "stop"}, r"at_end needs an end_at"),
    ({"end_at": "2026-12-06T02:00:00Z", "at_end": "abort"}, r"at_end must be stop or cancel, got 'abort'"),
    ({"end_at": "2026-12-06T02:00:00Z", "at_end": True}, r"at_end must be stop or cancel, got True"),
    ({"end_at": "2026-12-06T02:00:00"}, r"end_at: '2026-12-06T02:00:00' needs a timezone"),
    ({"start_at": "soon"}, r"start_at: 'soon' is not an ISO 8601 time"),
])
def test_bad_schedules_name_the_stage_and_the_rule(stage, rule):
    message = fails(rule, timing.parse_schedule, stage, "staged_rollout_stages[2] 'wave1'")
    assert message.startswith("staged_rollout_stages[2] 'wave1': ")


def test_a_schedule_of_something_else_than_a_dict_is_refused():
    fails(r"stage 'w': a stage is a dict", timing.parse_schedule, ["2026-12-06T02:00:00Z"], "stage 'w'")


# ---------------------------------------------------------------------------------------------------------------
# ramp


@pytest.mark.parametrize("total, start, factor, maximum, sizes", [
    (100, 10, 2, 30, [10, 20, 30, 30, 10]),
    (100, 10, 2, 1000, [10, 20, 40, 30]),
    (10, 1, 1.5, 100, [1, 1, 2, 3, 3]),
    (7, 1, 2, 500, [1, 2, 4]),
    (8, 1, 2, 500, [1, 2, 4, 1]),
    (5, 2, 1, 500, [2, 2, 1]),
    (3, 10, 2, 500, [3]),
    (0, 10, 2, 500, []),
    (1, 1, 2, 500, [1]),
    (1000, 100, 1.15, 10 ** 9, [100, 115, 132, 152, 174, 201, 126]),  # 100 * 1.15 is 114.999... as a float
    (10, 50, 2, 4, [4, 4, 2]),  # the start is capped at the maximum too
    (12, 3, 10, 5, [3, 5, 4]),
])
def test_ramp_sizes_grow_are_capped_and_add_up(total, start, factor, maximum, sizes):
    assert timing.ramp_sizes(total, start, factor, maximum) == sizes


def test_ramp_sizes_properties_over_many_inputs():
    rng = random.Random(16)
    for dummy in range(500):
        total, start = rng.randrange(0, 5000), rng.randrange(1, 200)
        factor, maximum = rng.choice((1, 1.1, 1.5, 2, 3, 10)), rng.randrange(1, 1000)
        sizes = timing.ramp_sizes(total, start, factor, maximum)
        assert sum(sizes) == total
        assert all(1 <= size <= maximum for size in sizes)
        assert sizes[:-1] == sorted(sizes[:-1])  # growing, only the last one cut
        if sizes:
            assert sizes[0] == min(start, maximum, total)


def test_a_huge_ramp_terminates_quickly():
    sizes = timing.ramp_sizes(10 ** 6, 1, 1.0001, 10 ** 9)
    assert sum(sizes) == 10 ** 6 and sizes[0] == 1


def test_a_ramp_is_start_factor_and_max_failure_rate():
    assert timing.parse_ramp({"start": 50, "factor": 2, "max_failure_rate": 5}, "staged_rollout_ramp", 10 ** 9) == \
        {"start": 50, "factor": 2.0, "max_failure_rate": 5.0}
    assert timing.parse_ramp({"start": "10", "factor": "1.5"}, "staged_rollout_ramp", 100) == \
        {"start": 10, "factor": 1.5, "max_failure_rate": 10.0}
    assert timing.parse_ramp({"start": 1, "factor": 1, "max_failure_rate": 0}, "opt", 1)["max_failure_rate"] == 0
    assert timing.parse_ramp({"start": 1, "factor": 1, "max_failure_rate": 100}, "opt", 1)["max_failure_rate"] == 100
    assert timing.parse_ramp('{"start": 5, "factor": 3}', "opt", 100) == {"start": 5, "factor": 3.0,
                                                                         "max_failure_rate": 10.0}
    for empty in (None, {}, ""):
        assert timing.parse_ramp(empty, "staged_rollout_ramp", 100) is None


@pytest.mark.parametrize("value, rule", [
    ({"start": 5, "factor": 0.5},
     r"a ramp factor below 1 \(0.5\) would shrink the chunks; the factor must be at least 1"),
    ({"start": 5, "factor": 0}, r"a ramp factor below 1"),
    ({"start": 5, "factor": "x"}, r"factor must be a number, got 'x'"),
    ({"start": 5, "factor": float("inf")}, r"factor must be a finite number"),
    ({"start": 0, "factor": 2}, r"a ramp start below 1 \(0\) sends nothing"),
    ({"start": -3, "factor": 2}, r"a ramp start below 1"),
    ({"start": 1.5, "factor": 2}, r"start must be a whole number, got 1.5"),
    ({"start": True, "factor": 2}, r"start must be a number, got True"),
    ({"start": 101, "factor": 2}, r"a ramp start of 101 is more than the 100 allowed"),
    ({"factor": 2}, r"a ramp needs a start, the number of devices in its first chunk"),
    ({"start": 5}, r"a ramp needs a factor, how much each chunk grows \(at least 1"),
    ({"start": 5, "factor": 2, "max_failure_rate": 101}, r"max_failure_rate is a percent from 0 to 100, got 101"),
    ({"start": 5, "factor": 2, "max_failure_rate": -1}, r"max_failure_rate is a percent from 0 to 100"),
    ({"start": 5, "factor": 2, "rate": 1}, r"unknown key\(s\) rate; a ramp has start, factor and max_failure_rate"),
    ([5, 2], r"a ramp is a dict with start"),
    ("fast", r"a ramp is a dict with start"),
])
def test_bad_ramps_name_the_option_and_the_rule(value, rule):
    message = fails(rule, timing.parse_ramp, value, "stage 'w': ramp", 100)
    assert message.startswith("stage 'w': ramp: ")


# ---------------------------------------------------------------------------------------------------------------
# pace


def test_caps_per_platform_and_per_group():
    assert timing.parse_concurrency(None, "staged_rollout_max_in_progress") == {}
    assert timing.parse_concurrency({}, "staged_rollout_max_in_progress") == {}
    assert timing.parse_concurrency({"huawei": 500, "tencent": 1000}, "opt") == {"huawei": 500, "tencent": 1000}
    assert timing.parse_concurrency({"group:site_berlin": 200}, "opt") == {"group:site_berlin": 200}
    assert timing.parse_concurrency({" tencent ": "1000", "group:a": 1.0}, "opt") == {"tencent": 1000, "group:a": 1}
    assert timing.parse_concurrency('{"tencent": 5}', "opt") == {"tencent": 5}


@pytest.mark.parametrize("value, rule", [
    ({"huawei": 0}, r"huawei must be a whole number of devices, at least 1, got 0"),
    ({"group:site_berlin": -5}, r"group:site_berlin must be a whole number of devices, at least 1, got -5"),
    ({"tencent": 2.5}, r"tencent must be a whole number of devices, at least 1, got 2.5"),
    ({"tencent": "many"}, r"tencent must be a whole number.*got 'many'"),
    ({"tencent": True}, r"tencent must be a whole number.*got True"),
    ({"tencent": None}, r"tencent must be a whole number.*got None"),
    ({"tencent": float("nan")}, r"tencent must be a whole number"),
    ({"": 5}, r"a cap needs a name"),
    ({"tencent": 5, " tencent": 6}, r"tencent is given twice"),
    ([("tencent", 5)], r"caps are a dict of a platform name or group:<inventory group>"),
    ("tencent=5", r"caps are a dict"),
])
def test_bad_caps_name_the_option_and_the_key(value, rule):
    message = fails(rule, timing.parse_concurrency, value, "staged_rollout_max_in_progress")
    assert message.startswith("staged_rollout_max_in_progress: ")
