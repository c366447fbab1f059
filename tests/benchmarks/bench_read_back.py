"""What a lost journal costs (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_read_back.py --devices 10000

Against the emulator at the documented rate limits (as ``bench_rollout.py``): a rollout of N devices (half Huawei,
half Tencent; role defaults: canary 10, wave1 10 %, rest 100 %) runs to completion; then the same rollout runs
again twice: with its journal (the state file kept), and on an empty disk (as an AWX job without a persistent
volume), where every wave is read back from the platforms. For each run it prints the platform calls by kind,
the creates (0 expected after the first run) and the wall time.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import bench_rollout as bench


def one_run(emulator, cmd, env, workdir, label):
    emulator.control.clear_requests()
    rc, wall, peak = bench.run_playbook(cmd, env, os.path.join(workdir, "%s.log" % label))
    stats = emulator.control.stats()
    calls = dict((platform, stats[platform].get("calls")) for platform in ("huawei", "tencent"))
    kinds = dict((platform, stats[platform].get("by_kind")) for platform in ("huawei", "tencent"))
    creates = dict((platform, stats[platform].get("creates")) for platform in ("huawei", "tencent"))
    duplicates = sum(len(stats[platform].get("duplicates") or []) for platform in ("huawei", "tencent"))
    return {"run": label, "rc": rc, "wall_seconds": round(wall, 1), "peak_rss_mb": round(peak[0] / 1048576.0, 1),
            "calls": calls, "by_kind": kinds, "creates": creates, "duplicates": duplicates}


def measure(n, args, workdir):
    emulator = bench.start_emulator(workdir, ["--devices", str(n)], args.time_scale, args.upgrade_seconds)
    try:
        inv = os.path.join(workdir, "inventory.yml")
        bench.inventory(inv, (n + 1) // 2, n // 2)
        playbook = os.path.join(workdir, "rollout.yml")
        with open(playbook, "w") as handle:
            handle.write(bench.PLAYBOOK)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", IOTFLEET_PACING_DIR=os.path.join(workdir, "pacing"),
                   ANSIBLE_LOCALHOST_WARNING="0", PATH=bench.BIN + os.pathsep + os.environ.get("PATH", ""),
                   **bench.platform_env(emulator.url))
        state_dir = os.path.join(workdir, "state")
        extra = {"staged_rollout_id": "bench-read-back-%d" % n, "staged_rollout_state_dir": state_dir,
                 "staged_rollout_report_dir": os.path.join(workdir, "reports"),
                 "staged_rollout_poll_seconds": args.poll_seconds, "staged_rollout_refresh_versions": args.refresh}
        cmd = [os.path.join(bench.BIN, "ansible-playbook"), playbook, "-i", inv, "-e", json.dumps(extra)]
        results = [one_run(emulator, cmd, env, workdir, "first")]
        results.append(one_run(emulator, cmd, env, workdir, "rerun-with-journal"))
        shutil.rmtree(state_dir)
        results.append(one_run(emulator, cmd, env, workdir, "rerun-lost-journal"))
    finally:
        emulator.stop()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=10000)
    parser.add_argument("--time-scale", type=float, default=600.0)
    parser.add_argument("--upgrade-seconds", type=float, default=300.0)
    parser.add_argument("--poll-seconds", type=int, default=10)
    parser.add_argument("--refresh", action="store_true", help="staged_rollout_refresh_versions=true")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="iotfleet-bench-read-back-")
    try:
        results = measure(args.devices, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    header = ("run", "rc", "wall s", "huawei", "tencent", "creates", "dupl.", "RSS MB")
    print("%-20s %4s %8s %8s %8s %8s %8s %5s" % header)
    for result in results:
        print("%-20s %4s %8s %8s %8s %8s %8s %5s" % (
            result["run"], result["rc"], result["wall_seconds"], result["calls"]["huawei"],
            result["calls"]["tencent"], sum(v or 0 for v in result["creates"].values()), result["duplicates"],
            result["peak_rss_mb"]))
    print(json.dumps(results, indent=1, sort_keys=True))
    return 0 if all(result["rc"] == 0 for result in results) else 1


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
