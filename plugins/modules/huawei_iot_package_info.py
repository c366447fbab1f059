#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iot_package_info
short_description: Read Huawei IoT (legacy northbound) firmware and software version packages
version_added: 0.1.0
description:
  - Returns given version packages (C(GET /iodm/northbound/v1.5.0/category/{fileId}), one call each), or the package
    list (C(GET /iodm/northbound/v1.5.0/category)) with its documented filters, all pages or one page.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iot
  - iotfleet.firmware._attributes.actiongroup_huawei
  - iotfleet.firmware._attributes.info_module
options:
  file_ids:
    description:
      - Return these packages instead of listing. A package the platform does not know is listed in RV(missing),
        not an error.
    type: list
    elements: str
  file_type:
    description: List filter C(fileType).
    type: str
    choices: [firmwarePackage, softwarePackage]
  device_type:
    description: List filter C(deviceType).
    type: str
  model:
    description: List filter C(model).
    type: str
  manufacturer_name:
    description: List filter C(manufacturerName).
    type: str
  version:
    description: List filter C(version).
    type: str
  page_no:
    description:
      - Read only this page of the list (C(pageNo), 0 = first page) instead of every page.
    type: int
  page_size:
    description:
      - Packages per page (C(pageSize), documented range 1 to 100). Setting it alone reads the first page only.
    type: int
"""

EXAMPLES = r"""
- name: The firmware packages of the WM-100 water meters
  iotfleet.firmware.huawei_iot_package_info:
    file_type: firmwarePackage
    device_type: WaterMeter
    model: WM-100
    manufacturer_name: Acme
  register: packages

- name: The fileId of version 2.0.0
  ansible.builtin.set_fact:
    file_id: "{{ (packages.packages | selectattr('version', 'equalto', '2.0.0') | first).fileId }}"

- name: One package by ID
  iotfleet.firmware.huawei_iot_package_info:
    file_ids: [fw-wm100-2.0.0]
  register: package
  failed_when: package.missing | length > 0
"""

RETURN = r"""
packages:
  description:
    - The packages as the API returns them (C(fileId), C(name), C(version), C(fileType), C(deviceType), C(model),
      C(manufacturerName), C(protocolType), C(description), C(date), C(uploadTime)). Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  sample:
    - fileId: fw-wm100-2.0.0
      name: WM-100 firmware 2.0.0
      version: 2.0.0
      fileType: firmwarePackage
      deviceType: WaterMeter
      model: WM-100
      manufacturerName: Acme
missing:
  description: The O(file_ids) the platform does not know.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description: For one page, the total the list reports (C(totalCount)); else the number of packages returned.
  returned: always
  type: int
  sample: 2
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
  sample: 2
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

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.device_info import run_package_info


def argument_spec():
    spec = connection.argument_spec()
    spec.update(
        file_ids=dict(type="list", elements="str"),
        file_type=dict(type="str", choices=["firmwarePackage", "softwarePackage"]),
        device_type=dict(type="str"),
        model=dict(type="str"),
        manufacturer_name=dict(type="str"),
        version=dict(type="str"),
        page_no=dict(type="int"),
        page_size=dict(type="int"),
    )
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[["file_ids", "page_no"], ["file_ids", "page_size"]])
    run_package_info(module, connection.provider_from_params)


if __name__ == "__main__":
    main()
