# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Huawei legacy northbound package declares for the controller's rollout engine (see
``_rollout_facts.RolloutFacts``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_facts import RolloutFacts

API = "/iodm/northbound/v1.5.0"

# The device filter options (lists) of the inventory plugin and of huawei_iot_device_info: deviceType and gatewayId
# are query parameters of the device listing, every filter is checked on the controller (``devices.py``).
DEVICE_FILTERS = ("device_types", "models", "manufacturers", "gateway_ids", "firmware_versions")


class HuaweiFacts(RolloutFacts):
    name = "huawei"
    label = "Huawei IoT"
    short = "Huawei"
    product_scoped = False
    max_chunk = 256  # targets.devices holds at most 256 device IDs per task (reference §3.2)
    default_chunk = 256
    target_keys = ("file_id", "target_version")
    required_targets = ("file_id",)
    version_key = "target_version"
    target_labels = {"file_id": "Huawei package (file_id)", "target_version": "Huawei target version"}
    task_options = ("policy",)
    create_call = "POST %s/operations/firmwareUpgrade" % API
    progress_call = "GET %s/operations pages (staResult of all the wave's tasks)" % API
    progress_per_product = False
    progress_page = 100  # tasks per page of the task list (GET /operations with staResult)
    # a poll round's reads stay under this share of the documented 100 calls per minute (creates of the next
    # wave and other processes of the controller share the budget)
    progress_calls_per_minute = 80
    prepare_needs_target = "file_id"  # its progress reads work without the package
    connection_hint = ("HUAWEI_IOT_ENDPOINT, HUAWEI_IOT_APP_ID and HUAWEI_IOT_SECRET (or module_defaults for "
                       "group/iotfleet.firmware.huawei_iot; in AWX: a credential of the Huawei type)")
    throttle_codes = ("1010009",)
    call_prefix = "Huawei IoT "  # api.label
    can_cancel = False  # the v1.5.0 northbound API has no stop call (reference §8)

    def chunk_params(self, chunk, targets, options, rollout_id, wave_name):
        params = {"file_id": self.target(targets, "file_id"), "targets": {"devices": list(chunk["devices"])},
                  "state": "present", "wait": False}
        if (options or {}).get("huawei_policy") is not None:
            params["policy"] = options["huawei_policy"]
        return params

    def describe_create(self, chunk, targets, sample):
        return "Huawei %s fileId=%s devices=[%d: %s]" % (
            self.create_call, self.target(targets, "file_id"), len(chunk["devices"]), sample)


FACTS = HuaweiFacts()
