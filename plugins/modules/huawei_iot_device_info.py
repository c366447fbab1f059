#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iot_device_info
short_description: Read Huawei IoT (legacy northbound) devices with their firmware and software versions
version_added: 0.1.0
description:
  - Returns given devices (C(GET /iocm/app/dm/v1.4.0/devices/{deviceId}), one call each), or the devices of the
    application (C(GET /iocm/app/dm/v1.4.0/devices)), all pages or one page, with their current firmware
    (C(deviceInfo.fwVersion)) and software (C(deviceInfo.swVersion)) versions.
  - The filters are those of the C(iotfleet.firmware.huawei_iot) inventory plugin. O(device_types) and
    O(gateway_ids) are query parameters of the listing (one listing per value); the listing documents no
    parameter for model, manufacturer or version, so O(models), O(manufacturers) and O(firmware_versions) are
    applied to what the platform returns.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iot
  - iotfleet.firmware._attributes.actiongroup_huawei
  - iotfleet.firmware._attributes.info_module
options:
  device_ids:
    description:
      - Return these devices instead of listing. A device the platform does not know is listed in RV(missing),
        not an error. The filters still apply.
    type: list
    elements: str
  device_types:
    description:
      - Only devices of these device types (C(deviceType) query parameter; one listing per type).
    type: list
    elements: str
  gateway_ids:
    description:
      - Only devices behind these gateways (C(gatewayId) query parameter; one listing per gateway).
    type: list
    elements: str
  models:
    description:
      - Only devices of these models (C(deviceInfo.model)), checked on the controller.
    type: list
    elements: str
  manufacturers:
    description:
      - Only devices of these manufacturers (C(deviceInfo.manufacturerName)), checked on the controller.
    type: list
    elements: str
  firmware_versions:
    description:
      - Only devices whose current firmware (C(deviceInfo.fwVersion)) is one of these, checked on the controller.
    type: list
    elements: str
  page_no:
    description:
      - Read only this page of the listing (C(pageNo), 0 = first page) instead of every page. The filters checked on
        the controller then apply to that page. At most one value of O(device_types) and of O(gateway_ids).
    type: int
  page_size:
    description:
      - Devices per page (C(pageSize), 1 to 100; the largest accepted page is not documented, 100 is what clients
        use). Setting it alone reads the first page only.
    type: int
notes:
  - Listing all pages costs one call per 100 devices (plus the login) from the application's 100 calls per minute,
    shared with every other module and rollout of this controller using the application.
"""

EXAMPLES = r"""
- name: Every WM-100 meter still on firmware 1.0.0
  iotfleet.firmware.huawei_iot_device_info:
    models: [WM-100]
    firmware_versions: ["1.0.0"]
  register: old_meters

- name: Upgrade them
  iotfleet.firmware.huawei_iot_firmware_task:
    file_id: fw-wm100-2.0.0
    targets:
      devices: "{{ old_meters.devices | map(attribute='device_id') | list }}"
  when: old_meters.devices | length > 0

- name: Two devices by ID
  iotfleet.firmware.huawei_iot_device_info:
    endpoint: https://iot.example.com:8743
    app_id: "{{ vault_huawei_app_id }}"
    secret: "{{ vault_huawei_secret }}"
    device_ids: [hw-meter-0001, hw-meter-0002]
  register: two

- name: The first page of 50 water meters
  iotfleet.firmware.huawei_iot_device_info:
    device_types: [WaterMeter]
    page_no: 0
    page_size: 50
"""

RETURN = r"""
devices:
  description:
    - The devices found, in the platform's order. Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    device_id:
      description: C(deviceId).
      type: str
    platform:
      description: Always V(huawei).
      type: str
    firmware_version:
      description: C(deviceInfo.fwVersion), null when the platform does not report it.
      type: str
    software_version:
      description: C(deviceInfo.swVersion).
      type: str
    name:
      description: C(deviceInfo.name).
      type: str
    model:
      description: C(deviceInfo.model).
      type: str
    device_type:
      description: C(deviceInfo.deviceType).
      type: str
    manufacturer:
      description: C(deviceInfo.manufacturerName).
      type: str
    gateway_id:
      description: C(gatewayId).
      type: str
    online:
      description: Whether C(deviceInfo.status) is C(ONLINE); null when there is no status.
      type: bool
    raw:
      description: The device object as the platform returned it (C(deviceId), C(gatewayId), C(nodeType),
        C(deviceInfo), C(services)...).
      type: dict
  sample:
    - device_id: hw-meter-0001
      platform: huawei
      firmware_version: 1.0.0
      software_version: 1.0.0
      name: hw-meter-0001
      model: WM-100
      device_type: WaterMeter
      manufacturer: Acme
      gateway_id: hw-meter-0001
      online: true
      raw: {deviceId: hw-meter-0001, deviceInfo: {fwVersion: 1.0.0, model: WM-100, status: ONLINE}}
missing:
  description: The O(device_ids) the platform does not know.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description:
    - For one page, the total the listing reports (C(totalCount), before the controller-side filters); else the
      number of devices returned.
  returned: always
  type: int
  sample: 300
page_no:
  description: The page returned.
  returned: when one page was read
  type: int
  sample: 0
page_size:
  description: The page size used.
  returned: when one page was read
  type: int
  sample: 100
api_calls:
  description: The number of HTTP requests sent (login included).
  returned: always
  type: int
  sample: 4
throttle_waits:
  description: The number of requests sent only after waiting for the rate limit, a throttle answer or a backoff.
  returned: always
  type: int
  sample: 0
retries:
  description: The requests that repeated an earlier attempt (C(call), C(status), C(code), C(attempt), C(waited)).
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.facts import DEVICE_FILTERS
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.device_info import run_device_info


def argument_spec():
    spec = connection.argument_spec()
    spec.update((name, dict(type="list", elements="str")) for name in ("device_ids",) + DEVICE_FILTERS)
    spec.update(page_no=dict(type="int"), page_size=dict(type="int"))
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[["device_ids", "page_no"], ["device_ids", "page_size"]])
    run_device_info(module, connection.provider_from_params)


if __name__ == "__main__":
    main()
