# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Attributes shared by modules: the action group each platform's modules belong to (meta/runtime.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Only the sub-fragments below are meant to be used.
    DOCUMENTATION = r"""
options: {}
"""

    ACTIONGROUP_HUAWEI = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/iotfleet.firmware.huawei_iot) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iotfleet.firmware.huawei_iot
"""

    ACTIONGROUP_TENCENT = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/iotfleet.firmware.tencent_iot) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iotfleet.firmware.tencent_iot
"""
