# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud IoT Explorer's call-frequency limits, per action: the one table of them.

Each API 3.0 action page states its own default limit ("默认接口请求频率限制: N次/秒"), counted per action and
SecretId; no shared per-account budget across actions is documented, so each action is paced on its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The limit of an action whose page states none here (DescribeFirmwareTaskDevices, CancelDeviceFirmwareTask,
# DescribeDeviceFirmwares: their limits were not retrieved); 20/s is the default the documented actions state.
DEFAULT_CALLS_PER_SECOND = 20

ACTION_CALLS_PER_SECOND = {
    "BatchUpdateFirmware": 20,           # DOC-BUF
    "DescribeFirmware": 20,              # DOC-DF
    "ListFirmwares": 20,                 # DOC-LF
    "DescribeFirmwareTask": 20,          # DOC-DFT
    "DescribeFirmwareTasks": 20,         # DOC-DFTS
    "DescribeFirmwareUpdateStatus": 20,  # DOC-DFUS
    "GetDeviceList": 10,                 # the GetDeviceList page (iotexplorer 2019-04-23): 10 per second
    "DescribeDevice": 50,                # the DescribeDevice page: 50 per second (issue 17)
}


def calls_per_second(action, cap=None):
    """The calls per second ``action`` is paced at: its documented limit, at most ``cap`` when one is set."""
    rate = ACTION_CALLS_PER_SECOND.get(action, DEFAULT_CALLS_PER_SECOND)
    return min(rate, int(cap)) if cap else rate
