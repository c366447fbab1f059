#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iotda_package_info
short_description: Read Huawei Cloud IoTDA v5 OTA upgrade packages
version_added: 0.1.0
description:
  - Returns given OTA packages (C(ShowOtaPackage), one call each), or every package of the package list
    (C(ListOtaPackageInfo), all pages of 50) with its documented filters.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iotda
  - iotfleet.firmware.huawei_iotda.actiongroup
  - iotfleet.firmware._attributes.info_module
options:
  package_ids:
    description:
      - Return these packages instead of listing. A package the platform does not know (HTTP 404) is listed in
        RV(missing), not an error.
      - Mutually exclusive with the list filters.
    type: list
    elements: str
  app_id:
    description: List filter C(app_id) (resource space).
    type: str
  package_type:
    description: List filter C(package_type).
    type: str
    choices: [firmwarePackage, softwarePackage]
  product_id:
    description: List filter C(product_id).
    type: str
  version:
    description: List filter C(version).
    type: str
seealso:
  - module: iotfleet.firmware.huawei_iotda_batch_task
"""

EXAMPLES = r"""
- name: The firmware packages of product iotda-meter
  iotfleet.firmware.huawei_iotda_package_info:
    package_type: firmwarePackage
    product_id: iotda-meter
  register: packages

- name: The package_id of version 2.0.0
  ansible.builtin.set_fact:
    package_id: "{{ (packages.packages | selectattr('version', 'equalto', '2.0.0') | first).package_id }}"

- name: One package by ID
  iotfleet.firmware.huawei_iotda_package_info:
    package_ids: [iotda-fw-2.0.0]
  register: package
  failed_when: package.missing | length > 0
"""

RETURN = r"""
packages:
  description:
    - The packages as the API returns them (C(package_id), C(app_id), C(package_type), C(product_id), C(version), and
      whatever else the platform answers). Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  sample:
    - package_id: iotda-fw-2.0.0
      app_id: iotda-demo-app
      package_type: firmwarePackage
      product_id: iotda-meter
      version: 2.0.0
missing:
  description: The O(package_ids) the platform does not know.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description: The number of packages returned.
  returned: always
  type: int
  sample: 2
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

from ansible_collections.iotfleet.firmware.plugins.module_utils import _device_info
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import expect_dict, expect_str
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import errors

LIST_FILTERS = ("app_id", "package_type", "product_id", "version")


def argument_spec():
    spec = connection.argument_spec()
    spec["access_key"] = dict(spec["access_key"], no_log=False)  # an access key ID is not a secret (validate-modules)
    spec.update(
        package_ids=dict(type="list", elements="str"),
        app_id=dict(type="str"),
        package_type=dict(type="str", choices=["firmwarePackage", "softwarePackage"]),
        product_id=dict(type="str"),
        version=dict(type="str"),
    )
    return spec


def _package(call, raw, where):
    """A package object, type-checked: ``package_id`` a string, ``version`` a string when present."""
    package = dict(expect_dict(call, raw, where))
    expect_str(call, package, "package_id", where=where)
    expect_str(call, package, "version", required=False, where=where)
    return package


def packages(provider, params):
    """Given packages (``ShowOtaPackage``; 404 = missing) or every package of the filtered list."""
    if params.get("package_ids"):
        found, missing = [], []
        call = errors.call_name("ShowOtaPackage")
        for package_id in params["package_ids"]:
            try:
                found.append(_package(call, provider.api.show_ota_package(package_id), "the answer"))
            except IoTError as exc:
                if not errors.not_found(exc):
                    raise
                missing.append(package_id)
        return {"packages": found, "missing": missing, "total": len(found)}
    call = errors.call_name("ListOtaPackageInfo")
    raws = provider.api.list_ota_packages(**dict((name, params.get(name)) for name in LIST_FILTERS))
    found = [_package(call, raw, "packages[%d]" % index) for index, raw in enumerate(raws)]
    return {"packages": found, "missing": [], "total": len(found)}


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[["package_ids", name] for name in LIST_FILTERS])
    _device_info.run(module, connection.provider_factory, packages)


if __name__ == "__main__":
    main()
