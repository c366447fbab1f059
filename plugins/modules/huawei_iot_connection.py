#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iot_connection
short_description: The Huawei IoT connection settings from module_defaults and the environment
version_added: 0.1.0
description:
  - Validates the Huawei IoT connection options and returns them as RV(connection), for the controller plugins
    that talk to the platform themselves (M(iotfleet.firmware.rollout_wave), M(iotfleet.firmware.rollout_gate),
    M(iotfleet.firmware.rollout_plan) with O(iotfleet.firmware.rollout_plan#module:refresh_versions)).
  - It is a member of the action group C(iotfleet.firmware.huawei_iot), so the play's C(module_defaults) for
    C(group/iotfleet.firmware.huawei_iot) apply to it exactly as to the modules; options not set there fall back to
    the same environment variables (read on the controller, in the C(ansible-playbook) process).
  - "Sends nothing. The result holds the secrets in clear text (the controller plugins need them), so B(register it
    with) C(no_log: true)."
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iot
  - iotfleet.firmware._attributes.actiongroup_huawei
  - iotfleet.firmware._attributes.connection_action
"""

EXAMPLES = r"""
- name: Read the huawei connection settings
  iotfleet.firmware.huawei_iot_connection:
  register: huawei
  no_log: true
"""

RETURN = r"""
connection:
  description: The validated connection options (defaults and environment fallbacks applied), secrets included.
  returned: success
  type: dict
platform:
  description: V(huawei).
  returned: always
  type: str
missing:
  description: The required connection options that are not set (with O(optional=true)).
  returned: when a required option is not set
  type: list
  elements: str
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.connection import argument_spec


def main():
    module = IotModule(argument_spec=dict(argument_spec(), optional=dict(type="bool", default=False)),
                       supports_check_mode=True)
    module.fail_json(msg="iotfleet.firmware.huawei_iot_connection runs on the controller as an action plugin; "
                         "it cannot be executed as a module")


if __name__ == "__main__":
    main()
