# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Tencent Cloud IoT Explorer package declares for the controller's rollout engine (see
``_rollout_facts.RolloutFacts``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_facts import RolloutFacts

# The device filter options (lists) of the inventory plugin: GetDeviceList lists one product and takes one
# FirmwareVersion (one listing per product and version, ``devices.py``).
DEVICE_FILTERS = ("product_ids", "firmware_versions")


class TencentFacts(RolloutFacts):
    name = "tencent"
    label = "Tencent Cloud IoT Explorer"
    short = "Tencent"
    product_scoped = True  # device names are unique within a product only
    # BatchUpdateFirmware documents no maximum for DeviceNames; 500 names keep one request well below any plausible
    # body limit and a failed task small (configurable)
    max_chunk = None
    default_chunk = 500
    target_keys = ("firmware_version", "fw_type")
    required_targets = ("firmware_version",)
    version_key = "firmware_version"
    target_labels = {"firmware_version": "Tencent firmware version", "fw_type": "Tencent fw_type"}
    task_options = ("timeout_interval", "rate_limit", "max_retry_num", "retry_interval")
    create_call = "BatchUpdateFirmware"
    progress_call = "DescribeFirmwareTaskDevices pages"
    progress_per_product = True
    progress_page = 0  # the device rows of the version, whatever the number of tasks (20 calls per second)
    progress_calls_per_minute = 0
    prepare_needs_target = ""  # always: it sets the product + version the device rows are read for
    connection_hint = ("TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_REGION (or module_defaults "
                       "for group/iotfleet.firmware.tencent_iot; in AWX: a credential of the Tencent type)")
    throttle_codes = ("RequestLimitExceeded", "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
                      "RequestLimitExceeded.UinLimitExceeded", "RequestLimitExceeded.IPLimitExceeded")

    can_cancel = True  # UpdateOtaTaskStatus(Status=6)
    call_prefix = "Tencent Cloud "  # errors.call_name

    def chunk_params(self, chunk, targets, options, rollout_id, wave_name):
        params = {"product_id": chunk["product_id"], "firmware_version": self.target(targets, "firmware_version"),
                  "device_names": list(chunk["devices"]), "state": "present", "wait": False,
                  "task_user_define": {"rollout": rollout_id, "wave": wave_name, "chunk": chunk.get("key")}}
        if self.target(targets, "fw_type"):
            params["fw_type"] = self.target(targets, "fw_type")
        for key in self.task_options:
            if (options or {}).get("tencent_" + key) is not None:
                params[key] = options["tencent_" + key]
        return params

    def describe_create(self, chunk, targets, sample):
        fw_type = self.target(targets, "fw_type")
        return "Tencent %s ProductId=%s FirmwareVersion=%s%s DeviceNames=[%d: %s]" % (
            self.create_call, chunk["product_id"], self.target(targets, "firmware_version"),
            " FwType=%s" % fw_type if fw_type else "", len(chunk["devices"]), sample)


FACTS = TencentFacts()
