#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iotda_device_info
short_description: Read Huawei Cloud IoTDA v5 devices with their firmware and software versions
version_added: 0.1.0
description:
  - Returns the devices of an IoTDA project (C(ListDevices), C(GET /v5/iot/{project_id}/devices)), all pages of 50
    or one page, with their current firmware (C(fw_version)) and software (C(sw_version)) versions, or given devices
    looked up in that listing.
  - The device listing is not in the collection's IoTDA reference; its query and answer are taken from Huawei's
    official SDK (C(huaweicloudsdkiotda) C(ListDevices), C(QueryDeviceSimplify)). The module treats C(fw_version)
    and C(sw_version) as optional; a device that does not report one has RV(devices[].firmware_version) or
    RV(devices[].software_version) V(null) (unknown), which is not an error.
  - The filters are those of the C(iotfleet.firmware.huawei_iotda) inventory plugin. O(app_id) and O(product_ids)
    are query parameters of the listing (one listing per product); the listing has no version parameter, so
    O(firmware_versions) and O(software_versions) are applied to what the platform returns.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iotda
  - iotfleet.firmware.huawei_iotda.actiongroup
  - iotfleet.firmware._attributes.info_module
options:
  device_ids:
    description:
      - Return these devices (C(device_id)), each 1 to 128 letters, digits, C(_) or C(-). They are looked up in the
        listing (there is no per-device read, see notes), which is read only until every one was seen. A device the
        listing does not return is listed in RV(missing), not an error. The filters still apply.
      - Mutually exclusive with O(limit), O(marker) and O(offset).
    type: list
    elements: str
  app_id:
    description:
      - Only devices of this resource space (query parameter C(app_id)), 1 to 36 letters, digits, C(_) or C(-).
    type: str
  product_ids:
    description:
      - Only devices of these products (query parameter C(product_id); one listing per product).
    type: list
    elements: str
  firmware_versions:
    description:
      - Only devices whose current firmware (C(fw_version)) is one of these, checked on the controller. A device
        without C(fw_version) never matches.
    type: list
    elements: str
  software_versions:
    description:
      - Only devices whose current software (C(sw_version)) is one of these, checked on the controller.
    type: list
    elements: str
  limit:
    description:
      - Read only one page of this many devices (C(limit), 1 to 50) instead of every page. The filters checked on
        the controller then apply to that page. At most one value of O(product_ids).
    type: int
  marker:
    description:
      - Read only the page after this record (C(marker), the RV(marker) of the previous page, 24 hexadecimal
        characters). Pages are in descending record order (newest device first).
    type: str
  offset:
    description:
      - Skip this many records after O(marker) (C(offset), 0 to 500) and read one page.
    type: int
notes:
  - Listing all pages costs one call per 50 devices, paced by O(api_calls_per_window) (shared with every other
    module and rollout of this controller using the access key).
  - This module lists devices only (C(ListDevices)). The rollout's version reads may use the per-device read
    (C(ShowDevice)), whose answer also carries the device's authentication data (C(auth_info), its secret); that
    part is dropped as soon as an answer is parsed and is never returned or logged.
seealso:
  - module: iotfleet.firmware.huawei_iotda_batch_task
  - module: iotfleet.firmware.huawei_iotda_package_info
"""

EXAMPLES = r"""
- name: Every meter of product iotda-meter still on firmware 1.0.0
  iotfleet.firmware.huawei_iotda_device_info:
    product_ids: [iotda-meter]
    firmware_versions: ["1.0.0"]
  register: old_meters

- name: Upgrade them
  iotfleet.firmware.huawei_iotda_batch_task:
    package_id: iotda-fw-2.0.0
    targets: "{{ old_meters.devices | map(attribute='device_id') | list }}"
  when: old_meters.devices | length > 0

- name: Two devices by ID, with explicit credentials
  iotfleet.firmware.huawei_iotda_device_info:
    access_key: "{{ vault_iotda_ak }}"
    secret_key: "{{ vault_iotda_sk }}"
    project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789
    region: cn-north-4
    device_ids: [iotda-meter-0001, iotda-meter-0002]
  register: two

- name: The first page of 20 devices, then the next one
  iotfleet.firmware.huawei_iotda_device_info:
    limit: 20
  register: first_page

- name: The second page
  iotfleet.firmware.huawei_iotda_device_info:
    limit: 20
    marker: "{{ first_page.marker }}"
  when: first_page.marker is not none
"""

RETURN = r"""
devices:
  description:
    - The devices found, in the platform's order (with O(device_ids), in their order). Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    device_id:
      description: C(device_id).
      type: str
    platform:
      description: Always V(huawei_iotda).
      type: str
    product_id:
      description: C(product_id).
      type: str
    firmware_version:
      description: C(fw_version); V(null) when the device does not report it (unknown).
      type: str
    software_version:
      description: C(sw_version); V(null) when the device does not report it (unknown).
      type: str
    name:
      description: C(device_name).
      type: str
    node_id:
      description: C(node_id) (the device's IMEI, MAC address or serial number as registered).
      type: str
    gateway_id:
      description: C(gateway_id) (the device itself for a directly connected device).
      type: str
    product_name:
      description: C(product_name).
      type: str
    app_id:
      description: C(app_id), the resource space.
      type: str
    status:
      description: C(status) as sent (V(ONLINE), V(OFFLINE), V(ABNORMAL), V(INACTIVE) or V(FROZEN) per the SDK).
      type: str
    online:
      description: Whether C(status) is V(ONLINE); V(null) when there is no status.
      type: bool
    raw:
      description: The device object as the platform returned it.
      type: dict
  sample:
    - device_id: iotda-meter-0001
      platform: huawei_iotda
      product_id: iotda-meter
      firmware_version: 1.0.0
      software_version: 1.0.0
      name: iotda-meter-0001
      node_id: iotda-meter-0001
      gateway_id: iotda-meter-0001
      product_name: null
      app_id: iotda-demo-app
      status: ONLINE
      online: true
      raw: {device_id: iotda-meter-0001, product_id: iotda-meter, fw_version: 1.0.0, sw_version: 1.0.0, status: ONLINE}
missing:
  description: The O(device_ids) the listing did not return.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description:
    - For one page, the C(page.count) the listing reports (every record matching the query parameters, before the
      controller-side filters); else the number of devices returned.
  returned: always
  type: int
  sample: 300
limit:
  description: The page size used.
  returned: when one page was read
  type: int
  sample: 50
offset:
  description: The offset used.
  returned: when one page was read
  type: int
  sample: 0
marker:
  description:
    - The C(page.marker) of the page read (its last record), to give as O(marker) for the next page; V(null) on an
      empty page.
  returned: when one page was read
  type: str
  sample: 64000000000000000000012c
api_calls:
  description: The number of HTTP requests sent.
  returned: always
  type: int
  sample: 6
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

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.facts import DEVICE_FILTERS
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.device_info import run_device_info

PAGE_OPTIONS = ("limit", "marker", "offset")


def argument_spec():
    spec = connection.argument_spec()
    spec["access_key"] = dict(spec["access_key"], no_log=False)  # an access key ID is not a secret (validate-modules)
    spec.update((name, dict(type="list", elements="str")) for name in ("device_ids",) + DEVICE_FILTERS)
    spec.update(app_id=dict(type="str"), limit=dict(type="int"), marker=dict(type="str"), offset=dict(type="int"))
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[["device_ids", name] for name in PAGE_OPTIONS])
    run_device_info(module, connection.provider_factory)


if __name__ == "__main__":
    main()
