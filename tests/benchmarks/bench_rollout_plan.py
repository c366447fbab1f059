"""Benchmark of the staged rollout planner (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_rollout_plan.py [--devices 100000] [--inventory]
    .venv/bin/python tests/benchmarks/bench_rollout_plan.py --devices 1000000 --devices-file

Prints how long planning takes for N synthetic devices (half Huawei, half Tencent in 4 products,
10 % already on the target version), and with ``--inventory`` also how long reading them from a
real Ansible inventory of N hosts takes (the rollout_plan action's path through hostvars).

``--devices-file`` measures the path of ``staged_rollout_devices_file`` instead, alone in this process: it writes the
same fleet as an N-line CSV file to a temporary directory, then times what a run does before its first call
(``planning.make_plan`` with the version refresh off: reading the file line by line and normalizing each line, the
plan, its lines), the plan made again (a live run with the refresh on plans twice: once to know the first wave, once
with its versions read), and prints the peak RSS of this process (``resource.getrusage``; the file's bytes are never
held whole). Each part is timed in wall-clock and CPU seconds (other processes share the cores: CPU is the fair
figure); the cyclic collector is paused while the devices are made and planned, so its one full pass over them
after ``make_plan`` (``gc.collect()``) is timed too.
"""
import argparse
import gc
import json
import os
import resource
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


def write_csv(path, count):
    """The fleet of :func:`raw_devices` as a devices file, written line by line."""
    with open(path, "w") as handle:
        handle.write("platform,id,product_id,version\n")
        for number in range(count):
            version = "2.0.0" if number % 10 == 0 else "1.0.0"
            if number % 2:
                handle.write("huawei,hw-%07d,,%s\n" % (number, version))
            else:
                handle.write("tencent,tc-%07d,PROD%d,%s\n" % (number, number % 8 // 2, version))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def bench_devices_file(count):
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planning

    print("devices file, %d lines:" % count)
    before = peak_rss_mb()
    print("  %-44s %8.1f MB" % ("peak RSS before (imports)", before))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fleet.csv")
        timed("write the CSV file", write_csv, path, count)
        print("  %-44s %8.1f MB" % ("file size", os.path.getsize(path) / 1e6))
        args = {"rollout_id": "bench-2026", "devices": [], "devices_file": path, "hosts": None,
                "inventory_vars": "full", "stages": STAGES, "poll_seconds": 30, "resume_aborted": False,
                "allow_uncovered": False, "state_dir": None, "refresh_versions": False, "ramp": None,
                "max_in_progress": None, "maintenance_window": None, "timezone": "UTC", "window_max_wait": 0,
                "success_percent": None, "error_percent": None, "min_finished": None, "wave_timeout": None,
                "pause_seconds": None, "approval": None, "huawei_chunk_size": 256, "tencent_chunk_size": 500,
                "huawei_iotda_chunk_size": 30000}
        args.update(TARGETS)
        select = planning.select_devices
        read_cpu = []

        def select_devices(*given):  # make_plan's reading, timed in CPU too
            cpu = time.process_time()
            try:
                return select(*given)
            finally:
                read_cpu.append(time.process_time() - cpu)

        planning.select_devices = select_devices
        try:
            started, cpu = time.perf_counter(), time.process_time()
            made = planning.make_plan(args, {})
            total, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            planning.select_devices = select
        print("  %-44s %8.3f s (CPU %.3f s)"
              % ("read + normalize (make_plan's select_devices)", made["timing"]["inventory_seconds"], read_cpu[0]))
        print("  %-44s %8.3f s (CPU %.3f s)"
              % ("plan + its lines (make_plan's rest)", made["timing"]["plan_seconds"], cpu - read_cpu[0]))
        print("  %-44s %8.3f s (CPU %.3f s)" % ("make_plan in all (refresh off)", total, cpu))
        cpu = time.process_time()
        timed("the collector's first full pass after it", gc.collect)
        print("  %-44s %8.3f s" % ("  its CPU time", time.process_time() - cpu))
        cpu = time.process_time()
        timed("plan_from again (the refresh-on run's 2nd plan)", planning.plan_from, made["args"], made["devices"],
              made["targets"], None)
        print("  %-44s %8.3f s" % ("  its CPU time", time.process_time() - cpu))
        totals = made["plan"]["totals"]
        print("  waves %s, devices %s, chunks %d" % ([w["devices"] for w in made["plan"]["waves"]],
                                                     totals["to_upgrade"], totals["chunks"]))
    peak = peak_rss_mb()
    print("  %-44s %8.1f MB (%.0f bytes per device over the imports)"
          % ("peak RSS of this process", peak, (peak - before) * 1048576 / count))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100000)
    parser.add_argument("--inventory", action="store_true", help="also read the devices from a real inventory")
    parser.add_argument("--devices-file", action="store_true",
                        help="only the staged_rollout_devices_file path (a CSV file of N lines), peak RSS of it alone")
    args = parser.parse_args()
    if args.devices_file:
        bench_devices_file(args.devices)
        return
    bench_plan(args.devices)
    if args.inventory:
        bench_inventory(args.devices)


if __name__ == "__main__":
    main()
