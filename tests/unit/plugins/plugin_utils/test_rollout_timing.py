"""Unit tests of the rollout's time and pace (plugin_utils/_rollout/timing.py): durations, stage schedules, the ramp
and the pace caps. Fixed epochs, no clock."""
import datetime
import random
import zoneinfo

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import timing
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout.common import utc_text

from rollout_time_helpers import at, fails, utc


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
    assert utc_text(timing.parse_time(value, "opt")) == expected


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
    assert timing.parse_ramp('{"start": 5, "factor": 3}', "opt", 100) == {
        "start": 5, "factor": 3.0, "max_failure_rate": 10.0}
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
