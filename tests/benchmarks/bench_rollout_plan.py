"""Benchmark of the staged rollout planner (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_rollout_plan.py [--devices 100000] [--inventory]

Prints how long planning takes for N synthetic devices (half Huawei, half Tencent in 4 products,
10 % already on the target version), and with ``--inventory`` also how long reading them from a
real Ansible inventory of N hosts takes (the rollout_plan action's path through hostvars).
"""
import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import conftest  # noqa: E402  (puts the collection on sys.path)

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout  # noqa: E402

TARGETS = {"huawei_file_id": "fw-wm100-2.0.0", "huawei_target_version": "2.0.0",
           "tencent_firmware_version": "2.0.0", "tencent_fw_type": "mcu"}
STAGES = [{"name": "canary", "count": 10}, {"name": "wave1", "percent": 1}, {"name": "wave2", "percent": 10},
          {"name": "wave3", "percent": 50}, {"name": "rest", "percent": 100}]


COLLECTIONS_ROOT = conftest.COLLECTIONS_ROOT


def raw_devices(count):
    raws = []
    for number in range(count):
        version = "2.0.0" if number % 10 == 0 else "1.0.0"
        if number % 2:
            raws.append({"platform": "huawei", "id": "hw-%07d" % number, "version": version})
        else:
            raws.append({"platform": "tencent", "id": "tc-%07d" % number, "product_id": "PROD%d" % (number % 8 // 2),
                         "version": version})
    return raws


def timed(label, func, *args, **kwargs):
    started = time.perf_counter()
    value = func(*args, **kwargs)
    print("  %-44s %8.3f s" % (label, time.perf_counter() - started))
    return value


def bench_plan(count):
    print("planner, %d devices:" % count)
    raws = raw_devices(count)
    devices, errors, duplicates = timed("normalize_devices", rollout.normalize_devices, raws)
    assert not errors and not duplicates
    plan = timed("plan_rollout", rollout.plan_rollout, "bench-2026", devices, STAGES, TARGETS)
    timed("plan_lines", rollout.plan_lines, plan)
    state, dummy = rollout.apply_event(None, "start", {"rollout_id": "bench-2026", "targets": TARGETS}, "2026-11-02T08:00:00Z")
    for wave in plan["waves"][:4]:
        spec = {"name": wave["name"], "index": wave["index"], "gate": wave["gate"], "chunks": wave["chunks"]}
        state, dummy = timed("apply_event wave_started %s" % wave["name"], rollout.apply_event, state, "wave_started",
                             {"wave": spec}, "2026-11-02T08:00:00Z")
        ids = dict((chunk["key"], "task-%d" % number) for number, chunk in enumerate(wave["chunks"]))
        state, dummy = rollout.apply_event(state, "tasks_created", {"wave": wave["name"], "task_ids": ids}, "2026-11-02T08:00:00Z")
        if wave["name"] != "wave3":
            state, dummy = rollout.apply_event(state, "wave_passed", {"wave": wave["name"], "result": {"decision": "pass"}},
                                               "2026-11-02T08:00:00Z")
    print("  %-44s %8.1f MB" % ("state file (4 waves recorded)", len(json.dumps(state)) / 1e6))
    resumed = timed("plan_rollout resuming that state", rollout.plan_rollout, "bench-2026", devices, STAGES, TARGETS,
                    state=state)
    assert [w["action"] for w in resumed["waves"]] == ["skip", "skip", "skip", "resume", "run"]
    size = len(json.dumps(plan))
    print("  %-44s %8.1f MB" % ("plan as JSON", size / 1e6))
    totals = plan["totals"]
    print("  waves %s, devices %s, chunks %d (Huawei <= 256, Tencent <= 500)"
          % ([w["devices"] for w in plan["waves"]], totals["to_upgrade"], totals["chunks"]))


def bench_inventory(count):
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.hostvars import HostVars
    from ansible.vars.manager import VariableManager

    from ansible_collections.iotfleet.firmware.plugins.action import rollout_plan

    print("inventory, %d hosts:" % count)
    half = count // 2
    text = ("all:\n  children:\n    iot_devices:\n      children:\n        huawei_meters:\n        tencent_sensors:\n"
            "    huawei_meters:\n      hosts:\n        hw-[0000001:%07d]:\n      vars:\n        iot_platform: huawei\n"
            "        iot_firmware_version: 1.0.0\n"
            "    tencent_sensors:\n      hosts:\n        tc-[0000001:%07d]:\n      vars:\n        iot_platform: tencent\n"
            "        iot_product_id: PROD0\n        iot_firmware_version: 1.0.0\n" % (half, count - half))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fleet.yml")
        with open(path, "w") as handle:
            handle.write(text)
        loader = DataLoader()
        inventory = timed("parse the inventory (ansible itself)", InventoryManager, loader=loader, sources=[path])
        variables = VariableManager(loader=loader, inventory=inventory)
        hostvars = HostVars(inventory=inventory, variable_manager=variables, loader=loader)
        task_vars = {"hostvars": hostvars, "groups": inventory.get_groups_dict()}
        fast = timed("devices_from_inventory, inventory_vars=inventory", rollout_plan.devices_from_inventory,
                     "iot_devices", task_vars, "inventory")
        raws = timed("devices_from_inventory, inventory_vars=full", rollout_plan.devices_from_inventory,
                     "iot_devices", task_vars, "full")
        assert fast == raws
        devices, errors, dummy = timed("normalize_devices", rollout.normalize_devices, raws)
        assert not errors and len(devices) == count
        timed("plan_rollout", rollout.plan_rollout, "bench-2026", devices, STAGES, TARGETS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100000)
    parser.add_argument("--inventory", action="store_true", help="also read the devices from a real inventory")
    args = parser.parse_args()
    bench_plan(args.devices)
    if args.inventory:
        bench_inventory(args.devices)


if __name__ == "__main__":
    main()
