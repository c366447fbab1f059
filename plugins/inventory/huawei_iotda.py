# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: huawei_iotda
short_description: Huawei Cloud IoTDA v5 devices as inventory hosts
version_added: 0.1.0
description:
  - Lists the devices of a Huawei Cloud IoTDA project (C(ListDevices), C(GET /v5/iot/{project_id}/devices), every
    page of 50) and makes each device an inventory host carrying the variables the C(iotfleet.firmware.staged_rollout)
    role reads (C(iot_platform=huawei_iotda), C(iot_device_id), C(iot_firmware_version) from C(fw_version)) plus
    C(iot_product_id), C(iot_software_version) (C(sw_version)), C(iot_device_name), C(iot_gateway_id),
    C(iot_product_name), C(iot_status) (C(status) as sent) and C(iot_online) (true when that status is C(ONLINE)).
    A variable the platform does not report for a device is not set.
  - The device listing is not in the collection's IoTDA reference; its query and answer are taken from Huawei's
    official SDK (C(huaweicloudsdkiotda) C(ListDevices), C(QueryDeviceSimplify)). C(fw_version) and C(sw_version)
    are optional there; a device without them has no C(iot_firmware_version) / C(iot_software_version) and is in the
    C(iot_huawei_iotda_fw_unknown) group, which is not an error. A page without a C(devices) list is one.
  - The host name is the C(device_id) (with O(hostname_prefix) in front).
  - "Default groups (O(default_groups)): C(iot_devices) > C(iot_huawei_iotda) > C(iot_huawei_iotda_fw_<version>), the
    firmware version with every character outside C([A-Za-z0-9_]) replaced by C(_) (C(1.0.0) ->
    C(iot_huawei_iotda_fw_1_0_0))."
  - Reads are paged and paced like the modules' (the same controller-wide rate limiter per endpoint and access key,
    see O(api_calls_per_window)). At the default 5 calls per second and pages of 50 devices, a 100,000-device project
    takes 2,000 calls, that is at least 400 seconds; enable the inventory cache (O(cache)) to pay it once per
    O(cache_timeout).
  - The configuration file name must end with C(.huawei_iotda.yml) or C(.huawei_iotda.yaml).
  - The connection options have the names, defaults and environment variables of the modules'
    (C(iotfleet.firmware.huawei_iotda_batch_task) and the others), and are validated by the same code before any
    request.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iotda.plugin_options
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [iotfleet.firmware.huawei_iotda]
  app_id:
    description:
      - Only devices of this resource space (query parameter C(app_id) of the listing). Every resource space of the
        project when not set.
    type: str
  product_ids:
    description:
      - Only devices of these products (query parameter C(product_id) of the listing; one listing per product).
    type: list
    elements: str
    default: []
  firmware_versions:
    description:
      - Only devices whose current firmware (C(fw_version)) is one of these, for example V(1.0.0) for "every device
        still on 1.0.0"; filtered on the controller (the listing has no version parameter).
    type: list
    elements: str
    default: []
  software_versions:
    description:
      - Only devices whose current software (C(sw_version)) is one of these; filtered on the controller.
    type: list
    elements: str
    default: []
  hostname_prefix:
    description:
      - Put in front of every host name, for example when two projects (or platforms) could share device IDs.
    type: str
    default: ""
  default_groups:
    description:
      - Add the hosts to the groups C(iot_devices), C(iot_huawei_iotda) and C(iot_huawei_iotda_fw_<version>).
    type: bool
    default: true
  raw_vars:
    description:
      - Also set C(iot_raw), the device object as the platform returned it (C(node_id), C(node_type), C(tags)...),
        for O(compose), O(groups) and O(keyed_groups). It is also kept in the inventory cache.
    type: bool
    default: false
notes:
  - C(iot_firmware_version) is the firmware version (C(fw_version)), the one a C(firmwareUpgrade) changes. For a
    rollout of a software package (C(staged_rollout_huawei_iotda_task_type=softwareUpgrade)) the role's plan-time
    version refresh reads C(sw_version) from the platform; without it, set
    C(compose) C(iot_firmware_version) to C(iot_software_version).
  - A listing of many pages during a rollout competes with it for the same calls per window; use the cache.
  - A cached inventory shows the versions of the time it was listed; the rollout does not rely on them alone
    (it refreshes the planned devices' versions from the platform at plan time).
"""

EXAMPLES = r"""
# inventory/fleet.huawei_iotda.yml: credentials, project and region from HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
# HUAWEICLOUD_SDK_PROJECT_ID and HW_REGION_NAME
#   plugin: iotfleet.firmware.huawei_iotda
#   product_ids: [iotda-meter]
#   firmware_versions: ["1.0.0"]

# Another inventory file: an instance's own endpoint, groups per product and software version, a one-hour cache
plugin: iotfleet.firmware.huawei_iotda
endpoint: https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com
instance_id: 0a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b
app_id: meters
keyed_groups:
  - key: iot_product_id
    prefix: product
  - key: iot_software_version | default('unknown')
    prefix: iotda_software
groups:
  iotda_offline: not (iot_online | default(true))
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/iotfleet-inventory
cache_timeout: 3600
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.facts import DEVICE_FILTERS
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._inventory import IotInventoryPlugin


class InventoryModule(IotInventoryPlugin):
    NAME = "iotfleet.firmware.huawei_iotda"
    PLATFORM = "huawei_iotda"
    SUFFIXES = (".huawei_iotda.yml", ".huawei_iotda.yaml")
    FILTER_OPTIONS = DEVICE_FILTERS
    LISTING_OPTIONS = ("app_id",)

    def status_of(self, device):
        return device.get("status")
