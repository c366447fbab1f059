# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The controller-side rollout engine: one wave in one action plugin call, against the provider contract.

* :mod:`.state`    the journal store: the state file read and written under the run lock.
* :mod:`.state_file` the state file: shape check, atomic writes (tmp + fsync + ``os.replace``), appended lines.
* :mod:`.lock`     the run lock: a lease with a heartbeat; stale locks are taken over.
* :mod:`.planner`  what a wave still has to create (one lookup per platform scope, then only the missing chunks).
* :mod:`.poller`   the progress of a wave's tasks by pages, merged into the gate's summary.
* :mod:`.driver`   the wave: both platforms in parallel (one thread each), the poll loop, gate, abort, cancel.
* :mod:`.refresh`  plan-time refresh of the devices' current versions from the platforms.
* :mod:`.report`   failed devices, what is still in flight, empty waves, in the JSON and Markdown reports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
