"""Memory of the rollout engine alone at fleet scale (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_engine_memory.py [--devices 1000000] [--trace]

Writes the fleet of ``bench_rollout_plan.py`` as a devices file (half Huawei, half Tencent in 4 products, 10 % on the
target version), plans it with ``planning.make_plan`` and runs the whole rollout in this process
(``machine.RolloutRun``: canary 10, wave1 10 %, rest 100 %) against fake providers that answer at once (the kit's
``ScriptedProvider``: every lookup finds nothing, every create succeeds, every task is done at its first read), with a
journal in a temporary directory. It prints the peak RSS of this process (``resource.getrusage``) after planning and
after each wave, the run's wall and CPU time and the journal's writes: what the engine itself holds at each step,
without ansible-playbook, HTTP or the platforms' answers. ``--trace`` adds tracemalloc (slower): the largest
allocation sites at the end of the last wave's polls, compared with the end of planning.
"""
import argparse
import gc
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import conftest  # noqa: E402  (puts the collection and tests/ on sys.path)
import bench_rollout_plan  # noqa: E402
COLLECTIONS_ROOT = conftest.COLLECTIONS_ROOT
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import driver, machine, planning, state  # noqa: E402
from kit.clock import Clock  # noqa: E402
from kit.providers import ScriptedProvider, lookup, progress  # noqa: E402

STAGES = [{"name": "canary", "count": 10}, {"name": "wave1", "percent": 10}, {"name": "rest", "percent": 100}]


class Instant(ScriptedProvider):
    """A provider that answers every call at once: nothing exists yet, every create succeeds, every task is done."""

    def __init__(self, platform):
        super(Instant, self).__init__(platform)
        self.created = 0

    def _call(self, method, *args):
        if method == "find":
            return lookup(remaining=list(args[0]))
        if method == "create":
            self.created += 1
            return "%s-%d" % (self.platform, self.created)
        if method == "history":
            return []
        return 0 if method == "active_tasks" else None

    def progress(self, tasks, with_failures=False):
        return dict((task.task_id, progress(task.task_id, succeeded=len(task.devices or ()))) for task in tasks)


class InstantSets:
    """``connect.ProviderSets`` of :class:`Instant` providers."""

    @staticmethod
    def new():
        return {"huawei": Instant("huawei"), "tencent": Instant("tencent")}

    @staticmethod
    def all_secrets():
        return []


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def mark(label):
    gc.collect()
    traced = " (traced now %.1f MB)" % (tracemalloc.get_traced_memory()[0] / 1e6) if tracemalloc.is_tracing() else ""
    print("  %-36s peak RSS %8.1f MB%s" % (label, peak_rss_mb(), traced), flush=True)


def plan_args(path, state_dir):
    args = {"rollout_id": "bench-2026", "devices": [], "devices_file": path, "hosts": None, "inventory_vars": "full",
            "stages": STAGES, "poll_seconds": 30, "resume_aborted": False, "allow_uncovered": False,
            "state_dir": state_dir, "refresh_versions": False, "ramp": None, "max_in_progress": None,
            "maintenance_window": None, "timezone": "UTC", "window_max_wait": 0, "success_percent": None,
            "error_percent": None, "min_finished": None, "wave_timeout": None, "pause_seconds": None,
            "approval": None, "huawei_chunk_size": 256, "tencent_chunk_size": 500, "huawei_iotda_chunk_size": 30000}
    args.update(bench_rollout_plan.TARGETS)
    return args


def watch_waves(snapshots):
    """Print the peak RSS after each wave's polls and after its end (and keep a tracemalloc snapshot of the last)."""
    drive, finish = driver.WaveDriver._drive, driver.WaveDriver._finish

    def drive_marked(self, *args, **kwargs):
        out = drive(self, *args, **kwargs)
        mark("wave %s polled" % self.name)
        if tracemalloc.is_tracing():
            snapshots["polled"] = tracemalloc.take_snapshot()
        return out

    def finish_marked(self, *args, **kwargs):
        out = finish(self, *args, **kwargs)
        mark("wave %s ended" % self.name)
        return out

    driver.WaveDriver._drive, driver.WaveDriver._finish = drive_marked, finish_marked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: the largest allocation sites")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-engine-")
    try:
        path = os.path.join(tmp, "fleet.csv")
        bench_rollout_plan.write_csv(path, args.devices)
        print("engine, %d devices:" % args.devices)
        if args.trace:
            tracemalloc.start(8)
        mark("imports")
        made = planning.make_plan(plan_args(path, os.path.join(tmp, "state")), {})
        mark("planned")
        snapshots = {"planned": tracemalloc.take_snapshot()} if args.trace else {}
        watch_waves(snapshots)
        store = state.StateStore(os.path.join(tmp, "state", "bench-2026.json"), "bench-2026",
                                 owner={"pid": os.getpid(), "started": None, "host": None})
        options = planning.wave_options(made["args"])
        options.update(resume_aborted=False, uncovered=0, chunk_sizes=planning.chunk_sizes(made["args"]),
                       settle_seconds=0, show_progress=False, verify_versions=False)
        clock = Clock()
        run = machine.RolloutRun(store, made, InstantSets(), {}, options, sleep=clock.sleep, clock=clock.time)
        started, cpu = time.perf_counter(), time.process_time()
        status = run.run()
        print("  %-36s %s in %.1f s (CPU %.1f s)" % ("run", status[0], time.perf_counter() - started,
                                                     time.process_time() - cpu))
        counts = store.stats()
        print("  %-36s %d whole writes (%.1f MB), %d appended lines (%.0f bytes each)" % (
            "journal", counts["writes"], counts["written_bytes"] / 1e6, counts["appends"],
            counts["appended_bytes"] / float(max(1, counts["appends"]))))
        if args.trace and "polled" in snapshots:
            print("largest growth from the end of planning to the end of the last wave's polls:")
            for stat in snapshots["polled"].compare_to(snapshots["planned"], "lineno")[:15]:
                print("  %s" % stat)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
