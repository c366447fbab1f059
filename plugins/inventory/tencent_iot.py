# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: tencent_iot
short_description: Tencent Cloud IoT Explorer devices as inventory hosts
version_added: 0.1.0
description:
  - Lists the devices of the given IoT Explorer products (C(GetDeviceList), every page) and makes each device an
    inventory host carrying the variables the C(iotfleet.firmware.staged_rollout) role reads (C(iot_platform),
    C(iot_device_id) = C(DeviceName), C(iot_product_id), C(iot_firmware_version) = C(Version)) plus
    C(iot_product_name), C(iot_device_type) and C(iot_status) (C(Status) as sent; Tencent documents no values,
    so no C(iot_online) is derived from it). A variable the platform does not report for a device is not set.
  - Device secrets the listing returns (C(DevicePsk), C(DeviceCert), C(AppKey), C(AppSKey), C(NwkSKey)) are never
    kept, cached or shown.
  - "Default groups (O(default_groups)): C(iot_devices) > C(iot_tencent) > C(iot_tencent_fw_<version>), the version
    with every character outside C([A-Za-z0-9_]) replaced by C(_) (C(1.0.0) -> C(iot_tencent_fw_1_0_0))."
  - Reads are paged and paced like the modules' (the same controller-wide rate limiter per SecretId, see
    O(api_calls_per_second)); enable the inventory cache (O(cache)) to list a large fleet once per O(cache_timeout).
  - The configuration file name must end with C(.tencent_iot.yml) or C(.tencent_iot.yaml).
  - The connection options have the names, defaults and environment variables of the modules'
    (C(iotfleet.firmware.tencent_iot_batch_firmware) and the others), and are validated by the same code before
    any request.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.tencent_iot.plugin_options
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [iotfleet.firmware.tencent_iot]
  product_ids:
    description:
      - The products whose devices are listed (C(GetDeviceList) requires a C(ProductId); one listing per product).
    type: list
    elements: str
    required: true
  firmware_versions:
    description:
      - Only devices on one of these firmware versions (the C(FirmwareVersion) parameter of C(GetDeviceList); one
        listing per product and version), for example V(1.0.0) for "every device still on 1.0.0".
    type: list
    elements: str
    default: []
  fw_type:
    description:
      - Firmware module (C(FwType), for example V(mcu)) whose version becomes C(iot_firmware_version) and which
        O(firmware_versions) compares; the platform's default module when not set. Use the module the rollout
        upgrades (C(staged_rollout_tencent_fw_type)).
    type: str
  hostname:
    description:
      - V(device_name) names each host after its C(DeviceName); device names are unique within a product only, so
        two products with the same device name fail with a clear error.
      - V(product_device) names it C(<ProductId>_<DeviceName>).
      - O(hostname_prefix) is put in front of either.
    type: str
    choices: [device_name, product_device]
    default: device_name
  hostname_prefix:
    description:
      - Put in front of every host name.
    type: str
    default: ""
  default_groups:
    description:
      - Add the hosts to the groups C(iot_devices), C(iot_tencent) and C(iot_tencent_fw_<version>).
    type: bool
    default: true
  raw_vars:
    description:
      - Also set C(iot_raw), the C(DeviceInfo) object without the device secrets (C(LoginTime), C(EnableState),
        C(IsLora)...), for O(compose), O(groups) and O(keyed_groups). It is also kept in the inventory cache.
    type: bool
    default: false
notes:
  - Tencent documents neither the rate limit of C(GetDeviceList) nor its largest C(Limit); the listing uses the
    firmware actions' 20 calls per second and the page size the platform layer chooses.
  - A cached inventory shows the versions of the time it was listed; the rollout does not rely on them alone
    (it refreshes the planned devices' versions from the platform at plan time).
"""

EXAMPLES = r"""
# inventory/sensors.tencent_iot.yml: credentials and region from TENCENTCLOUD_SECRET_ID /
# TENCENTCLOUD_SECRET_KEY / TENCENTCLOUD_REGION
#   plugin: iotfleet.firmware.tencent_iot
#   product_ids: [TCPROD0001]
#   firmware_versions: ["1.0.0"]

# Another inventory file: two products, hosts named <ProductId>_<DeviceName>, groups per product and version,
# cached for an hour
plugin: iotfleet.firmware.tencent_iot
region: ap-guangzhou
product_ids: [TCPROD0001, TCPROD0002]
hostname: product_device
keyed_groups:
  - key: iot_product_id
    prefix: product
  - key: iot_product_id ~ '_' ~ iot_firmware_version
    prefix: tencent_firmware
fw_type: mcu
groups:
  tencent_status_1: iot_status | default(None) == 1
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/iotfleet-inventory
cache_timeout: 3600
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.facts import DEVICE_FILTERS
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._inventory import IotInventoryPlugin


class InventoryModule(IotInventoryPlugin):
    NAME = "iotfleet.firmware.tencent_iot"
    PLATFORM = "tencent"
    SUFFIXES = (".tencent_iot.yml", ".tencent_iot.yaml")
    FILTER_OPTIONS = DEVICE_FILTERS
    LISTING_OPTIONS = ("fw_type",)

    def status_of(self, device):
        return (device.get("raw") or {}).get("Status")

    def host_name(self, device):
        name = device["device_id"]
        if self.get_option("hostname") == "product_device":
            name = "%s_%s" % (device.get("product_id"), name)
        return "%s%s" % (self.get_option("hostname_prefix") or "", name)

    def unique_name_hint(self):
        return " or 'hostname: product_device'"
