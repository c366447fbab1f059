# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The argument specs of the staged rollout's controller plugins (``rollout_plan``, ``rollout_wave``,
``rollout_gate``, ``rollout_state``).

One definition serves both the action plugins (validation) and their documentation stubs in plugins/modules (what
ansible-doc and validate-modules read); the planning itself is controller-only (``plugin_utils/_rollout.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.facts import FACTS as HUAWEI
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.facts import FACTS as TENCENT
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.facts import FACTS as IOTDA

# the default devices per task of the per-platform options below: what the platform packages declare
HUAWEI_MAX_CHUNK = HUAWEI.max_chunk
TENCENT_DEFAULT_CHUNK = TENCENT.default_chunk
IOTDA_MAX_CHUNK = IOTDA.max_chunk

# the events of the state file (plugin_utils/_rollout.apply_event)
EVENTS = ("start", "wave_recovered", "wave_approved", "wave_started", "tasks_created", "wave_passed", "wave_aborted",
          "abort_accepted", "awaiting_approval", "awaiting_window", "awaiting_health", "health_checked", "paused",
          "stopped", "completed", "failed")

PLAN_ARGUMENT_SPEC = dict(
    rollout_id=dict(type="str", required=True),
    hosts=dict(type="str"),
    devices=dict(type="list", elements="dict"),
    devices_file=dict(type="str"),
    stages=dict(type="raw", required=True),
    huawei_file_id=dict(type="str"),
    huawei_target_version=dict(type="str"),
    tencent_firmware_version=dict(type="str"),
    tencent_fw_type=dict(type="str"),
    huawei_iotda_package_id=dict(type="str"),
    huawei_iotda_target_version=dict(type="str"),
    huawei_iotda_task_type=dict(type="str", choices=["firmwareUpgrade", "softwareUpgrade"]),
    success_percent=dict(type="float"),
    error_percent=dict(type="float"),
    min_finished=dict(type="int"),
    wave_timeout=dict(type="int"),
    pause_seconds=dict(type="int"),
    approval=dict(type="bool"),
    poll_seconds=dict(type="int", default=30),
    huawei_chunk_size=dict(type="int", default=HUAWEI_MAX_CHUNK),
    tencent_chunk_size=dict(type="int", default=TENCENT_DEFAULT_CHUNK),
    huawei_iotda_chunk_size=dict(type="int", default=IOTDA_MAX_CHUNK),
    state_dir=dict(type="str"),
    resume_aborted=dict(type="bool", default=False),
    allow_uncovered=dict(type="bool", default=False),
    inventory_vars=dict(type="str", default="full", choices=["full", "inventory"]),
    scope_only=dict(type="bool", default=False),
    maintenance_window=dict(type="raw"),
    timezone=dict(type="str", default="UTC"),
    ramp=dict(type="raw"),
    max_in_progress=dict(type="raw"),
    version_max_age=dict(type="int", default=900),
)

GATE_ARGUMENT_SPEC = dict(
    wave=dict(type="str", required=True),
    chunks=dict(type="list", elements="dict", required=True),
    gate=dict(type="dict", default={}),
    started_at=dict(type="str"),
    elapsed=dict(type="float"),
    tencent_firmware_version=dict(type="str"),
    tencent_fw_type=dict(type="str"),
    show_progress=dict(type="bool", default=True),
)

STATE_ARGUMENT_SPEC = dict(
    rollout_id=dict(type="str", required=True),
    state_dir=dict(type="str", required=True),
    event=dict(type="str", choices=list(EVENTS)),
    data=dict(type="dict", default={}),
    report_dir=dict(type="str"),
    waves=dict(type="list", elements="dict"),
)

# The controller engine's plugins (plugins/plugin_utils/_engine): one wave per call, version refresh at plan time.
WAVE_ARGUMENT_SPEC = dict(
    rollout_id=dict(type="str", required=True),
    state_dir=dict(type="str", required=True),
    wave=dict(type="dict", required=True),
    targets=dict(type="dict", required=True),
    huawei_connection=dict(type="dict", no_log=True),
    tencent_connection=dict(type="dict", no_log=True),
    huawei_iotda_connection=dict(type="dict", no_log=True),
    huawei_policy=dict(type="dict"),
    tencent_timeout_interval=dict(type="int"),
    tencent_rate_limit=dict(type="int"),
    tencent_max_retry_num=dict(type="int"),
    tencent_retry_interval=dict(type="int"),
    huawei_iotda_policy=dict(type="dict"),
    cancel_on_abort=dict(type="bool", default=True),
    show_progress=dict(type="bool", default=True),
    poll_seconds=dict(type="int"),
)

REFRESH_ARGUMENT_SPEC = dict(
    refresh_versions=dict(type="bool", default=False),
    huawei_connection=dict(type="dict", no_log=True),
    tencent_connection=dict(type="dict", no_log=True),
    huawei_iotda_connection=dict(type="dict", no_log=True),
)

# rollout_gate reads progress through the engine's providers: the connection settings come as options.
GATE_ENGINE_ARGUMENT_SPEC = dict(
    GATE_ARGUMENT_SPEC,
    huawei_file_id=dict(type="str"),
    huawei_connection=dict(type="dict", no_log=True),
    tencent_connection=dict(type="dict", no_log=True),
    huawei_iotda_connection=dict(type="dict", no_log=True),
)

# rollout_run: the whole run of the role (plan, read back, waves, approvals, reports) in one call of the state machine.
RUN_ARGUMENT_SPEC = dict(
    PLAN_ARGUMENT_SPEC,
    **dict(
        REFRESH_ARGUMENT_SPEC,
        state_dir=dict(type="str", required=True),
        report_dir=dict(type="str"),
        interactive=dict(type="str", default="auto", choices=["auto", "true", "false"]),
        approved_waves=dict(type="list", elements="str", default=[]),
        workflow_wave=dict(type="str"),
        previous_result=dict(type="raw"),
        prompt_approved=dict(type="str"),
        lock_ttl=dict(type="int", default=900),
        settle_seconds=dict(type="int", default=15),
        window_max_wait=dict(type="int", default=3600),
        verify_versions=dict(type="bool", default=True),
        health_check=dict(type="bool", default=False),
        command=dict(type="str", default="run", choices=["run", "pause", "resume", "advance", "stop"]),
        health_result=dict(type="dict"),
        health_timeout=dict(type="int", default=1800),
        health_wait_seconds=dict(type="int", default=60),
        huawei_missing=dict(type="list", elements="str", default=[]),
        tencent_missing=dict(type="list", elements="str", default=[]),
        huawei_iotda_missing=dict(type="list", elements="str", default=[]),
        # derived rollouts (plugin_utils/_engine/derive.py): the retry of a wave's failed devices, the rollback
        retry_wave=dict(type="str", default=""),
        rollback=dict(type="bool", default=False),
        rollback_targets=dict(type="dict", default={}),
        rollback_on_abort=dict(type="bool", default=False),
        # the engine's wave options, as rollout_wave takes them
        **dict((key, WAVE_ARGUMENT_SPEC[key]) for key in ("huawei_policy", "tencent_timeout_interval",
                                                          "tencent_rate_limit", "tencent_max_retry_num",
                                                          "tencent_retry_interval", "huawei_iotda_policy",
                                                          "cancel_on_abort", "show_progress"))
    )
)
