# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compute a staged rollout plan on the controller from the inventory (or an explicit device list)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.iotfleet.firmware.plugins.module_utils import _rollout_args
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import refresh

HOST_VARS = ("iot_platform", "iot_device_id", "iot_product_id", "iot_firmware_version")

ARGUMENT_SPEC = dict(_rollout_args.PLAN_ARGUMENT_SPEC, **_rollout_args.REFRESH_ARGUMENT_SPEC)


def _vars_of(hostvars, host):
    """The four device host variables of one host, through ``hostvars[host]`` (each value templated on access)."""
    variables = hostvars[host]
    return dict((key, variables[key] if key in variables else None) for key in HOST_VARS)


def select_hosts(pattern, groups):
    """Resolve an inventory pattern (groups, hosts, wildcards, ``:&``, ``:!``) ignoring ``--limit``.

    Rebuilds an inventory from the ``groups`` magic variable (the whole inventory, whatever ``--limit`` says) like
    the ``ansible.builtin.inventory_hostnames`` lookup does; unlike that lookup, a pattern error (or a pattern that
    matches nothing with ``host_pattern_mismatch=error``) is reported instead of giving no hosts.
    """
    from ansible.inventory.manager import InventoryManager

    manager = InventoryManager(None, parse=False)
    try:
        for group, members in (groups or {}).items():
            manager.add_group(group)
            for host in members:
                manager.add_host(host, group=group)
        return [host.name for host in manager.get_hosts(pattern=pattern)]
    except AnsibleError as exc:
        raise rollout.RolloutError("cannot resolve staged_rollout_hosts %r: %s" % (pattern, exc))


def devices_from_inventory(pattern, task_vars, inventory_vars="full"):
    """Raw device descriptions of the hosts matching ``pattern`` (see :func:`rollout.device_from_hostvars`).

    Each host's variables are read like ``hostvars[host]`` (exact precedence, ``group_vars/``/``host_vars/`` files
    included). ``inventory_vars="inventory"`` used to read the inventory sources' variables alone through the
    run's inventory object, a private ansible-core attribute; it is accepted and reads like ``"full"``.
    """
    del inventory_vars
    hostvars = task_vars.get("hostvars")
    if hostvars is None or task_vars.get("groups") is None:
        raise rollout.RolloutError("no hostvars or groups available to read the inventory")
    names = select_hosts(pattern, task_vars["groups"])
    return [rollout.device_from_hostvars(name, _vars_of(hostvars, name)) for name in names]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        started = time.time()
        problem = rollout.scope_problem(
            limit=task_vars.get("ansible_limit"),
            job_template_name=task_vars.get("awx_job_template_name", task_vars.get("tower_job_template_name")),
            workflow_job_name=task_vars.get("awx_workflow_job_name", task_vars.get("tower_workflow_job_name")))
        if problem or args["scope_only"]:
            result.update(failed=bool(problem), changed=False, msg=problem or "this run covers the whole fleet")
            return result
        try:
            if args["huawei_chunk_size"] < 1 or args["huawei_chunk_size"] > rollout.HUAWEI_MAX_CHUNK:
                raise rollout.RolloutError("staged_rollout_huawei_chunk_size must be 1..%d" % rollout.HUAWEI_MAX_CHUNK)
            if args["tencent_chunk_size"] < 1:
                raise rollout.RolloutError("staged_rollout_tencent_chunk_size must be at least 1")
            if args["poll_seconds"] < 1:
                raise rollout.RolloutError("staged_rollout_poll_seconds must be at least 1")
            rollout_id = rollout.validate_rollout_id(args["rollout_id"])
            if args["devices"]:
                raws = args["devices"]
                source = "staged_rollout_devices (%d entries)" % len(raws)
                label = "staged_rollout_devices entry"
            else:
                if not args["hosts"]:
                    raise rollout.RolloutError("set staged_rollout_hosts (an inventory group or pattern) or "
                                               "staged_rollout_devices (an explicit device list)")
                raws = devices_from_inventory(args["hosts"], task_vars, args["inventory_vars"])
                source = "inventory pattern %r (%d hosts)" % (args["hosts"], len(raws))
                label = "host"
            devices, errors, duplicates = rollout.normalize_devices(raws, label)
            if errors:
                shown = errors[:20]
                more = " ... and %d more" % (len(errors) - len(shown)) if len(errors) > len(shown) else ""
                raise rollout.RolloutError("invalid devices from %s: %s%s" % (source, "; ".join(shown), more))
            if not devices:
                raise rollout.RolloutError("no device selected by %s" % source)
            extracted = time.time()
            state_path = rollout_files.state_path(args["state_dir"], rollout_id) if args["state_dir"] else None
            state = rollout_files.read_state(state_path) if state_path else None
            targets = dict((key, args[key]) for key in ("huawei_file_id", "huawei_target_version",
                                                        "tencent_firmware_version", "tencent_fw_type"))
            refreshed = refresh.plan_hook(args, devices, targets, state)  # current versions from the platforms
            gate_defaults = {
                "success_percent": args["success_percent"],
                "error_percent": args["error_percent"],
                "min_finished": args["min_finished"],
                "timeout": args["wave_timeout"],
                "pause_seconds": args["pause_seconds"],
                "approval": args["approval"],
            }
            plan = rollout.plan_rollout(
                rollout_id, devices, args["stages"], targets, gate_defaults=gate_defaults,
                chunk_sizes={"huawei": args["huawei_chunk_size"], "tencent": args["tencent_chunk_size"]},
                state=state, resume_aborted=args["resume_aborted"], poll_seconds=args["poll_seconds"])
        except (rollout.RolloutError, rollout_files.RolloutFileError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        plan["source"] = source
        plan["duplicates"] = duplicates
        lines = rollout.plan_lines(plan)
        lines[1:1] = refresh.refresh_lines(refreshed)
        if duplicates:
            lines.insert(1, "NOTE: %d devices were listed more than once and are counted once (%s%s)."
                         % (len(duplicates), ", ".join(duplicates[:5]), ", ..." if len(duplicates) > 5 else ""))
        finished = time.time()
        result.update(
            changed=False,
            plan=plan,
            waves=rollout.plan_brief(plan),
            lines=lines,
            state_path=state_path,
            state_status=(state or {}).get("status"),
            timing={"inventory_seconds": round(extracted - started, 3), "plan_seconds": round(finished - extracted, 3)},
            msg="%d devices to upgrade in %d waves" % (plan["totals"]["to_upgrade"], len(plan["waves"])),
        )
        return result
