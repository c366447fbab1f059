# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Huawei Cloud IoTDA v5 package declares for the controller's rollout engine (see
``_provider.RolloutFacts``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import api as iapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import task as tt
from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_facts import RolloutFacts

BATCHTASKS = "/v5/iot/{project_id}/batchtasks"
# The device filter options (lists) of the inventory plugin and of huawei_iotda_device_info: product_id is a query
# parameter of ListDevices (the official SDK's, not in the reference), the versions are checked on the controller
# (``devices.py``).
DEVICE_FILTERS = ("product_ids", "firmware_versions", "software_versions")


class IotdaFacts(RolloutFacts):
    name = "huawei_iotda"
    label = "Huawei Cloud IoTDA"
    short = "IoTDA"
    product_scoped = False  # device ids are unique in the instance
    max_chunk = tt.MAX_TARGETS  # CreateBatchTask targets: at most 30,000 device ids (reference §10.2)
    default_chunk = tt.MAX_TARGETS
    target_keys = ("package_id", "target_version", "task_type")
    required_targets = ("package_id",)
    version_key = "target_version"
    target_labels = {"package_id": "IoTDA OTA package (package_id)", "target_version": "IoTDA target version",
                     "task_type": "IoTDA task type"}
    task_options = ("policy",)
    create_call = "POST %s" % BATCHTASKS
    progress_call = "GET %s/{task_id} per task (task_progress)" % BATCHTASKS
    progress_per_product = False
    progress_page = 1  # one ShowBatchTask per task and round
    # the v5 API documents no rate limit (reference §10.5): a round stays under 80 % of the configured default
    progress_calls_per_minute = int(iapi.CALLS_PER_WINDOW * 60 / iapi.WINDOW_SECONDS * 0.8)
    prepare_needs_target = "package_id"  # a task's progress is read by its id; the package only for a lookup
    connection_hint = ("HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID and HW_REGION_NAME (or "
                       "module_defaults for group/iotfleet.firmware.huawei_iotda; in AWX: a credential of the IoTDA "
                       "type)")
    throttle_codes = errors.THROTTLE_CODES
    can_cancel = True  # StopBatchTask (reference §10.5)
    call_prefix = "Huawei IoTDA "  # errors.call_name
    # at most 10 unfinished tasks of the same type per account (reference §10.5, [V5-DEVG])
    max_active_tasks = 10

    def chunk_params(self, chunk, targets, options, rollout_id, wave_name):
        params = {"package_id": self.target(targets, "package_id"), "targets": list(chunk["devices"]),
                  "state": "present", "wait": False}
        if self.target(targets, "task_type"):
            params["task_type"] = self.target(targets, "task_type")
        if (options or {}).get("huawei_iotda_policy") is not None:
            params["policy"] = options["huawei_iotda_policy"]
        return params

    def describe_create(self, chunk, targets, sample):
        return "IoTDA %s task_type=%s document.package_ids=[%s] targets=[%d: %s]" % (
            self.create_call, self.target(targets, "task_type") or tt.TASK_TYPES[0],
            self.target(targets, "package_id"), len(chunk["devices"]), sample)


FACTS = IotdaFacts()
