"""Helpers of the tests of the rollout's time control (plugin_utils/_rollout/cron.py, windows.py, timing.py): fixed
epochs from ISO texts, windows from their dict form, errors that must name the option and the rule."""
import datetime

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import windows
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
    return windows.parse_window(value, OPTION)


def fails(match, function, *args, **kwargs):
    with pytest.raises(RolloutError, match=match) as caught:
        function(*args, **kwargs)
    return str(caught.value)
