# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options that set when and how fast a wave's chunks are dispatched (rollout_plan, rollout_run).
    DOCUMENTATION = r"""
options:
  maintenance_window:
    description:
      - When devices may be upgraded, for every device without its own window (host variable
        C(iot_maintenance_window), a device entry's C(maintenance_window)).
      - A recurring window is a dictionary with C(start) (a cron expression, minute hour day-of-month month
        day-of-week), C(duration) (for example V(4h) or V(90m), 1 minute to 7 days) and optionally C(timezone)
        (an IANA name, default O(timezone) or the device's C(iot_timezone)). A list of windows means any of them.
      - A chunk of devices is dispatched only while its devices' window is open. Unset means always.
    type: raw
  timezone:
    description:
      - The timezone of windows that name none, for devices without an C(iot_timezone) host variable.
    type: str
    default: UTC
  ramp:
    description:
      - An exponential ramp inside every wave (a stage's C(ramp) key overrides it), a dictionary with C(start)
        (devices in the first chunk), C(factor) (at least 1) and C(max_failure_rate) (percent of finished devices,
        default 10).
      - Chunks grow as start, start*factor, start*factor^2, ... up to the platform's chunk size. Each is dispatched
        after the chunks before it finished with at most C(max_failure_rate) percent failed; above it the wave
        aborts.
    type: raw
  max_in_progress:
    description:
      - 'Caps on the devices upgrading at once, per platform (its name) and per inventory group (C(group:<name>)),
        for example C({"tencent": 1000, "group:site_berlin": 200}).'
      - A chunk is dispatched only when it fits under every cap that concerns it, or when nothing under that cap is
        in progress. A platform's cap also bounds its chunk size.
    type: raw
  version_max_age:
    description:
      - With O(refresh_versions), a device whose version an inventory source read less than this many seconds ago
        (host variable C(iot_version_read_at), set by the collection's inventory plugins) is not read again, so a
        fleet listed by the inventory plugin a moment ago is not listed a second time. V(0) reads every version.
    type: int
    default: 900
"""
