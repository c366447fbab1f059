# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The IoTDA v5 connection settings from module_defaults (group/iotfleet.firmware.huawei_iotda) and the environment."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine.connection_action import connection_action

ActionModule = connection_action("huawei_iotda")
