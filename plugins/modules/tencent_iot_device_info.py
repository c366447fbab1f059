#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tencent_iot_device_info
short_description: Read Tencent Cloud IoT Explorer devices with their firmware versions
version_added: 0.1.0
description:
  - Returns given devices of a product (C(DescribeDevice), one call each), or the product's devices (C(GetDeviceList),
    all pages or one C(Offset)/C(Limit) page), optionally only those on one firmware version.
  - With O(include_firmwares), adds every firmware module's version of each device (C(DescribeDeviceFirmwares), one
    call per device).
  - Device secrets (C(DevicePsk), C(DeviceCert), C(AppKey), C(AppSKey), C(NwkSKey)) are never returned.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.tencent_iot
  - iotfleet.firmware._attributes.actiongroup_tencent
  - iotfleet.firmware._attributes.info_module
options:
  product_id:
    description: The product (C(ProductId)).
    type: str
    required: true
  device_names:
    description:
      - Return these devices (C(DeviceName)) instead of listing. A device the platform does not know is listed in
        RV(missing), not an error. O(firmware_version) still applies.
    type: list
    elements: str
  firmware_version:
    description:
      - Only devices on this firmware version (the C(FirmwareVersion) parameter of C(GetDeviceList)).
    type: str
  fw_type:
    description:
      - Firmware module (C(FwType), for example V(mcu)) whose version the listing reports and O(firmware_version)
        compares; the platform's default module when not set.
    type: str
  include_firmwares:
    description:
      - Add C(firmwares), the list of every module's C(FwType), C(Version) and C(UpdateTime), to each device
        (C(DescribeDeviceFirmwares), one call per device).
    type: bool
    default: false
  offset:
    description:
      - Read only one page of the listing, starting at this C(Offset), instead of every page.
    type: int
  limit:
    description:
      - Devices per page (C(Limit); the largest is not documented, 100 is used). Setting it alone reads the first
        page only.
    type: int
notes:
  - Each action is paced at its documented limit (C(GetDeviceList) 10 calls per second, C(DescribeDevice) 50, see
    O(api_calls_per_second)); the largest C(Limit) is not documented.
"""

EXAMPLES = r"""
- name: Every sensor of the product still on 1.0.0 (mcu module)
  iotfleet.firmware.tencent_iot_device_info:
    product_id: TCPROD0001
    firmware_version: 1.0.0
    fw_type: mcu
  register: old_sensors

- name: Two sensors with the versions of all their firmware modules
  iotfleet.firmware.tencent_iot_device_info:
    secret_id: "{{ vault_tencent_secret_id }}"
    secret_key: "{{ vault_tencent_secret_key }}"
    region: ap-guangzhou
    product_id: TCPROD0001
    device_names: [tc-sensor-0001, tc-sensor-0002]
    include_firmwares: true
  register: two

- name: The second page of 50 devices
  iotfleet.firmware.tencent_iot_device_info:
    product_id: TCPROD0001
    offset: 50
    limit: 50
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
      description: C(DeviceName).
      type: str
    platform:
      description: Always V(tencent).
      type: str
    product_id:
      description: C(ProductId).
      type: str
    firmware_version:
      description: C(Version), the version of the module O(fw_type) (else the platform's default module).
      type: str
    name:
      description: C(DeviceName).
      type: str
    device_type:
      description: C(DeviceType).
      type: int
    product_name:
      description: C(ProductName).
      type: str
    online:
      description: Always null; C(Status) is in RV(devices[].raw) (its values are not documented).
      type: bool
    raw:
      description: The C(DeviceInfo) object without the device secrets.
      type: dict
    firmwares:
      description: With O(include_firmwares), one entry per firmware module (C(FwType), C(Version), C(UpdateTime)).
      type: list
      elements: dict
      returned: when O(include_firmwares=true)
  sample:
    - device_id: tc-sensor-0001
      platform: tencent
      product_id: TCPROD0001
      firmware_version: 1.0.0
      name: tc-sensor-0001
      product_name: SmartSensor
      online: null
      raw: {DeviceName: tc-sensor-0001, ProductId: TCPROD0001, Version: 1.0.0, Status: 1}
missing:
  description: The O(device_names) the platform does not know.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description: For one page, the C(Total) the listing reports; else the number of devices returned.
  returned: always
  type: int
  sample: 300
offset:
  description: The C(Offset) of the page returned.
  returned: when one page was read
  type: int
  sample: 0
limit:
  description: The C(Limit) used.
  returned: when one page was read
  type: int
  sample: 100
api_calls:
  description: The number of HTTP requests sent.
  returned: always
  type: int
  sample: 3
throttle_waits:
  description: The number of requests sent only after waiting for the rate limit, a throttle answer or a backoff.
  returned: always
  type: int
  sample: 0
retries:
  description: The requests that repeated an earlier attempt.
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.device_info import run_device_info


def argument_spec():
    spec = connection.argument_spec()
    spec.update(
        product_id=dict(type="str", required=True),
        device_names=dict(type="list", elements="str"),
        firmware_version=dict(type="str"),
        fw_type=dict(type="str"),
        include_firmwares=dict(type="bool", default=False),
        offset=dict(type="int"),
        limit=dict(type="int"),
    )
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[["device_names", "offset"], ["device_names", "limit"]])
    run_device_info(module, connection.provider_from_params)


if __name__ == "__main__":
    main()
