#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tencent_iot_firmware_info
short_description: Read the firmware versions of Tencent Cloud IoT Explorer products
version_added: 0.1.0
description:
  - Returns given firmware versions of a product (C(DescribeFirmware), one call each), or the firmware list
    (C(ListFirmwares)), all pages or one C(PageNum)/C(PageSize) page.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.tencent_iot
  - iotfleet.firmware._attributes.actiongroup_tencent
  - iotfleet.firmware._attributes.info_module
options:
  product_id:
    description:
      - The product (C(ProductID)). Required with O(versions); without it C(ListFirmwares) lists the firmware of
        every product the credentials may see.
    type: str
  versions:
    description:
      - Return these versions (C(FirmwareVersion) of C(DescribeFirmware)) instead of listing. A version the platform
        does not know (C(ResourceNotFound.FirmwareNotExist)) is listed in RV(missing), not an error.
    type: list
    elements: str
  fw_type:
    description:
      - Firmware module (C(FwType)). Sent to C(DescribeFirmware); the listing is filtered on the controller (the keys
        C(ListFirmwares) accepts in C(Filters) are not documented).
    type: str
  page_num:
    description:
      - Read only this page of the list (C(PageNum), from 1) instead of every page.
    type: int
  page_size:
    description:
      - Firmware versions per page (C(PageSize); the largest is not documented, 100 is used). Setting it alone reads
        the first page only.
    type: int
"""

EXAMPLES = r"""
- name: Does version 2.0.0 exist for the product?
  iotfleet.firmware.tencent_iot_firmware_info:
    product_id: TCPROD0001
    versions: [2.0.0]
    fw_type: mcu
  register: fw
  failed_when: fw.missing | length > 0

- name: Every mcu firmware of the product
  iotfleet.firmware.tencent_iot_firmware_info:
    secret_id: "{{ vault_tencent_secret_id }}"
    secret_key: "{{ vault_tencent_secret_key }}"
    region: ap-guangzhou
    product_id: TCPROD0001
    fw_type: mcu
  register: firmwares
"""

RETURN = r"""
firmwares:
  description:
    - The firmware versions as the API returns them (C(Version), C(ProductId), C(Name), C(Description), C(Md5sum),
      C(FwType), C(ProductName), C(UserDefined), and C(Createtime) from C(DescribeFirmware) or C(CreateTime) from
      C(ListFirmwares)). Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  sample:
    - Version: 2.0.0
      ProductId: TCPROD0001
      Name: sensor-2.0.0
      FwType: mcu
      Md5sum: 0cc175b9c0f1b6a831c399e269772661
      ProductName: SmartSensor
missing:
  description: The O(versions) the platform does not know.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description:
    - For one page, the C(TotalCount) the list reports (before the O(fw_type) filter); else the number of firmware
      versions returned.
  returned: always
  type: int
  sample: 2
page_num:
  description: The page returned.
  returned: when one page was read
  type: int
  sample: 1
page_size:
  description: The page size used.
  returned: when one page was read
  type: int
  sample: 100
api_calls:
  description: The number of HTTP requests sent.
  returned: always
  type: int
  sample: 1
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
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.device_info import run_package_info


def argument_spec():
    spec = connection.argument_spec()
    spec.update(
        product_id=dict(type="str"),
        versions=dict(type="list", elements="str"),
        fw_type=dict(type="str"),
        page_num=dict(type="int"),
        page_size=dict(type="int"),
    )
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[["versions", "page_num"], ["versions", "page_size"]],
                       required_by={"versions": "product_id"})
    run_package_info(module, connection.provider_from_params)


if __name__ == "__main__":
    main()
