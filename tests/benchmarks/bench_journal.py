"""Benchmark of the rollout journal's writes (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_journal.py [--devices 1000000] [--creates 200] [--journal PATH]

Builds the journal of a rollout of N devices (half Huawei in tasks of 256, half Tencent in tasks of 500; three waves:
10, 10 % and the rest; every wave started, as the last wave's creates see it) in a temporary directory, or copies
``--journal`` (e.g. the state file a ``bench_rollout.py`` run left), then times what recording one created task costs:

* **append**: ``StateStore.record_chunks`` (one line: the task id, and the next chunk's mark), as the engine does now;
* **whole write**: the whole document encoded and written atomically (``StateStore.update``), as every create did
  before the append-only journal (and as every transition still does);
* reading the journal back with the lines (``state_file.load_state``).

It prints the journal's size, the bytes and seconds per create of each kind, and the peak RSS of this process.
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import conftest  # noqa: E402  (puts the collection and tests/ on sys.path)
COLLECTIONS_ROOT = conftest.COLLECTIONS_ROOT
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout  # noqa: E402
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import state, state_file  # noqa: E402

TARGETS = {"huawei_file_id": "fw-wm100-2.0.0", "huawei_target_version": "2.0.0",
           "tencent_firmware_version": "2.0.0", "tencent_fw_type": "mcu"}
AT = "2026-12-05T20:00:00Z"
OWNER = {"pid": os.getpid(), "started": None, "host": None}


def chunks_of(wave, first, last):
    """The chunks of devices ``first`` .. ``last - 1``: Huawei 256 per task, Tencent 500 (4 products)."""
    huawei = ["hw-%07d" % n for n in range(first, last) if n % 2]
    chunks = [{"key": "%s/huawei/%04d" % (wave, i), "platform": "huawei", "product_id": None,
               "devices": huawei[start:start + 256], "size": len(huawei[start:start + 256])}
              for i, start in enumerate(range(0, len(huawei), 256))]
    for product in range(4):
        tencent = ["tc-%07d" % n for n in range(first, last) if n % 8 == 2 * product]
        chunks += [{"key": "%s/tencent/PROD%d/%04d" % (wave, product, i), "platform": "tencent",
                    "product_id": "PROD%d" % product, "devices": tencent[start:start + 500],
                    "size": len(tencent[start:start + 500])} for i, start in enumerate(range(0, len(tencent), 500))]
    return chunks


def build(path, devices):
    current, dummy = rollout.apply_event(None, "start", {"rollout_id": "bench", "targets": TARGETS}, AT)
    bounds = [("canary", 0, 10), ("wave1", 10, 10 + devices // 10), ("rest", 10 + devices // 10, devices)]
    for index, (name, first, last) in enumerate(bounds):
        chunks = chunks_of(name, first, last)
        current, dummy = rollout.apply_event(current, "wave_started", {"wave": {
            "name": name, "index": index, "gate": {}, "chunks": chunks}}, AT)
        if name != "rest":
            ids = dict((chunk["key"], "task-%s" % chunk["key"]) for chunk in chunks)
            current, dummy = rollout.apply_event(current, "tasks_created", {"wave": name, "task_ids": ids}, AT)
            current, dummy = rollout.apply_event(current, "wave_passed", {"wave": name, "result": {}}, AT)
    state_file.atomic_write(path, state_file.dump_state(current))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000000)
    parser.add_argument("--creates", type=int, default=200, help="creates recorded by each kind of write")
    parser.add_argument("--journal", help="time the writes on a copy of this journal instead of a built one")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-journal-")
    try:
        path = os.path.join(tmp, "bench.json")
        if args.journal:
            shutil.copy(args.journal, path)
        else:
            build(path, args.devices)
        store = state.StateStore(path, "bench", owner=OWNER)
        started = time.perf_counter()
        current = store.load()
        print("journal %s: %.1f MB, read in %.3f s"
              % (args.journal or "of %d devices" % args.devices, os.path.getsize(path) / 1e6, time.perf_counter() - started))
        name = (current.get("order") or sorted(current["waves"]))[-1]
        keys = [chunk["key"] for chunk in current["waves"][name]["chunks"]][:args.creates + 1]
        started = time.perf_counter()
        for number, key in enumerate(keys[:-1]):
            store.record_chunks(name, {key: {"task_id": "bench-%d" % number, "posting_at": None},
                                       keys[number + 1]: {"posting_at": 1796126400.0 + number}})
        seconds = time.perf_counter() - started
        counts = store.stats()
        print("append:      %d creates, %.0f bytes and %.2f ms per create (%d whole writes among them)"
              % (len(keys) - 1, counts["appended_bytes"] / float(max(1, counts["appends"])),
                 1000.0 * seconds / max(1, len(keys) - 1), counts["writes"]))
        started = time.perf_counter()
        again = state_file.load_state(path)
        print("read back with %d lines: %.3f s" % (counts["appends"], time.perf_counter() - started))
        assert again["waves"][name]["chunks"][0]["task_id"] == "bench-0"
        whole = max(1, min(20, args.creates))
        before = store.stats()
        started = time.perf_counter()
        for number in range(whole):
            store.update(lambda now: (now, True))
        seconds = time.perf_counter() - started
        print("whole write: %d creates, %.0f bytes and %.1f ms per create"
              % (whole, (store.stats()["written_bytes"] - before["written_bytes"]) / float(whole),
                 1000.0 * seconds / whole))
        print("peak RSS of this process: %.1f MB" % peak_rss_mb())
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
