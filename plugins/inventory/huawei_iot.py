# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: huawei_iot
short_description: Huawei IoT (legacy northbound) devices as inventory hosts
version_added: 0.1.0
description:
  - Lists the devices of a Huawei IoT northbound application (C(GET /iocm/app/dm/v1.4.0/devices), every page) and
    makes each device an inventory host carrying the variables the C(iotfleet.firmware.staged_rollout) role reads
    (C(iot_platform), C(iot_device_id), C(iot_firmware_version)) plus C(iot_software_version), C(iot_device_name),
    C(iot_model), C(iot_device_type), C(iot_manufacturer), C(iot_gateway_id), C(iot_status) (C(deviceInfo.status)
    as sent) and C(iot_online) (true when that status is C(ONLINE)). A variable the platform does not report for a
    device is not set.
  - The host name is the C(deviceId) (with O(hostname_prefix) in front).
  - "Default groups (O(default_groups)): C(iot_devices) > C(iot_huawei) > C(iot_huawei_fw_<version>), the version
    with every character outside C([A-Za-z0-9_]) replaced by C(_) (C(1.0.0) -> C(iot_huawei_fw_1_0_0)); devices
    whose firmware version the platform does not report are in C(iot_huawei_fw_unknown)."
  - Reads are paged and paced like the modules' (the same controller-wide rate limiter per application, see
    O(api_calls_per_minute)). At the default 100 calls per minute and pages of 100 devices, a 100,000-device
    application takes 1,000 calls, that is at least 10 minutes; enable the inventory cache (O(cache)) to pay it
    once per O(cache_timeout).
  - The configuration file name must end with C(.huawei_iot.yml) or C(.huawei_iot.yaml).
  - The connection options have the names, defaults and environment variables of the modules'
    (C(iotfleet.firmware.huawei_iot_firmware_task) and the others), and are validated by the same code before any
    request.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iot.plugin_options
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [iotfleet.firmware.huawei_iot]
  device_types:
    description:
      - Only devices of these device types (C(deviceType), a documented query parameter of the listing).
    type: list
    elements: str
    default: []
  models:
    description:
      - Only devices of these models (C(deviceInfo.model)).
      - The device listing documents no model parameter; the devices are filtered on the controller (the
        listing costs the same calls).
    type: list
    elements: str
    default: []
  manufacturers:
    description:
      - Only devices of these manufacturers (C(deviceInfo.manufacturerName)); filtered on the controller like
        O(models).
    type: list
    elements: str
    default: []
  gateway_ids:
    description:
      - Only devices behind these gateways (C(gatewayId), a documented query parameter of the listing; one listing
        per gateway).
    type: list
    elements: str
    default: []
  firmware_versions:
    description:
      - Only devices whose current firmware (C(deviceInfo.fwVersion)) is one of these, for example V(1.0.0) for
        "every device still on 1.0.0"; filtered on the controller.
    type: list
    elements: str
    default: []
  hostname_prefix:
    description:
      - Put in front of every host name, for example when two applications (or platforms) could share device IDs.
    type: str
    default: ""
  default_groups:
    description:
      - Add the hosts to the groups C(iot_devices), C(iot_huawei) and C(iot_huawei_fw_<version>).
    type: bool
    default: true
  raw_vars:
    description:
      - Also set C(iot_raw), the device object as the platform returned it (C(deviceInfo), C(gatewayId),
        C(nodeType)...), for O(compose), O(groups) and O(keyed_groups). It is also kept in the inventory cache.
    type: bool
    default: false
notes:
  - The northbound API v1.5.0 documents no call that lists the members of a device group, so this plugin has no
    group filter. Upgrade a whole device group with the C(device_groups) option of
    C(iotfleet.firmware.huawei_iot_firmware_task), or build groups here with O(groups) / O(keyed_groups).
  - A listing of many pages during a rollout competes with it for the same 100 calls per minute; use the cache.
  - A cached inventory shows the versions of the time it was listed; the rollout does not rely on them alone
    (it refreshes the planned devices' versions from the platform at plan time).
"""

EXAMPLES = r"""
# inventory/fleet.huawei_iot.yml: endpoint and credentials from HUAWEI_IOT_ENDPOINT / HUAWEI_IOT_APP_ID /
# HUAWEI_IOT_SECRET
#   plugin: iotfleet.firmware.huawei_iot
#   models: [WM-100]
#   firmware_versions: ["1.0.0"]

# Another inventory file: groups per model and per firmware version, a composed variable, a one-hour cache
plugin: iotfleet.firmware.huawei_iot
endpoint: https://iot.example.com:8743
ca_path: /etc/pki/huawei-iot/ca.pem
client_cert: /etc/pki/huawei-iot/client.pem
client_key: /etc/pki/huawei-iot/client.key
raw_vars: true
keyed_groups:
  - key: iot_model
    prefix: model
  - key: iot_firmware_version
    prefix: huawei_firmware
compose:
  iot_node_type: iot_raw.nodeType | default(None)
groups:
  huawei_offline: not (iot_online | default(true))
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/iotfleet-inventory
cache_timeout: 3600
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.facts import DEVICE_FILTERS
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._inventory import IotInventoryPlugin


class InventoryModule(IotInventoryPlugin):
    NAME = "iotfleet.firmware.huawei_iot"
    PLATFORM = "huawei"
    SUFFIXES = (".huawei_iot.yml", ".huawei_iot.yaml")
    FILTER_OPTIONS = DEVICE_FILTERS

    def status_of(self, device):
        return ((device.get("raw") or {}).get("deviceInfo") or {}).get("status")
