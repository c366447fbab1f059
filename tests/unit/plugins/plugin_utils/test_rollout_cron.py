"""Unit tests of the cron starts of maintenance windows (plugin_utils/_rollout/cron.py): normalized text, macros,
errors naming the option, the field and its range."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import windows
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout.cron import parse_cron

from rollout_time_helpers import OPTION, fails, window


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
    assert parse_cron(cron, OPTION)[0] == normalized
    # normalizing is idempotent: the journal's form reads back to itself
    assert parse_cron(normalized, OPTION)[0] == normalized


@pytest.mark.parametrize("macro, normalized", [
    ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@WEEKLY", "0 0 * * 0"),
    ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"),
])
def test_cron_macros(macro, normalized):
    assert parse_cron(macro, OPTION)[0] == normalized


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
    message = fails(rule, windows.parse_window, {"start": cron, "duration": "1h"}, "host dev-7 iot_maintenance_window")
    assert message.startswith("host dev-7 iot_maintenance_window: ")


def test_feb_29_or_a_dom_that_only_some_months_have_is_accepted():
    assert window("0 0 29 2 *", "1h").cron == "0 0 29 2 *"
    assert window("0 0 31 * *", "1h").cron == "0 0 31 * *"
    # restricted day of week: the day of month alone need not exist (either matches)
    assert window("0 0 30 2 mon", "1h").cron == "0 0 30 2 1"
