"""Fleet-scale benchmark of the staged rollout (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_rollout.py --devices 1000 10000 [100000] [--baseline 200]

For each N it starts the emulator (``python -m iotemu --devices N``: half Huawei, half Tencent) with the
documented rate limits enforced in real time (Huawei 100 calls/min per app, Tencent 20/s) and a fast simulated
upgrade clock, runs the ``staged_rollout`` role with ``ansible-playbook`` (role defaults: canary 10, wave1 10 %,
rest 100 %; polls every ``--poll-seconds``), and reports:

* calls by kind per platform (the emulator's ``GET /_emulator/stats``) against the careful-client lower bound,
* throttle answers, and those that reached the user (failed tasks),
* wall time by phase (plan, per wave: create / poll), planning time, peak RSS of the ansible-playbook process tree,
* the per-device baseline (``ansible.builtin.uri``, one create call per device) measured on ``--baseline`` Huawei
  devices and extrapolated (labelled as such).

It writes ``docs/performance.md`` (``--docs``) and a JSON result file (``--output``).

Issue 17 (fleet-scale reading) adds:

* "first create after": the time of the first create request in the emulator's request log (a Huawei
  ``firmwareUpgrade`` POST or a Tencent ``BatchUpdateFirmware``), from the start of ``ansible-playbook`` and from the
  end of planning (the moment the plan's first line, ``Rollout <id>: N devices in the fleet``, reaches its stdout);
* ``--no-verify``: ``staged_rollout_verify_versions=false`` (no version read-back after each wave);
* ``--devices-file``: the fleet from a CSV file (``staged_rollout_devices_file``) with an inventory of ``localhost``
  alone, instead of an inventory of one host per device;
* ``--scale-limits K``: the emulator's rate limits K times the documented ones (Huawei 100 K calls/min, Tencent
  20 K calls/s) and Huawei's pacing with them (``HUAWEI_IOT_API_CALLS_PER_MINUTE``), for fleets the documented limits
  would take hours to roll out to. ``TENCENT_IOT_API_CALLS_PER_SECOND`` is set to 20 K too, but it only caps Tencent's
  per-action limits (``_tencent/limits.py``): Tencent stays paced at its documented limits;
* the CPU time of ``ansible-playbook`` and its workers (``controller_cpu_s``) and a summary row per run.
"""
import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import conftest  # noqa: E402  (puts the collection on sys.path, sets ANSIBLE_COLLECTIONS_PATH)
from kit.control import EmulatorProcess  # noqa: E402  (tests/kit: conftest put tests/ on sys.path)
from kit.credentials import huawei_env, tencent_env  # noqa: E402

COLLECTIONS_ROOT = conftest.COLLECTIONS_ROOT
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import state_file  # noqa: E402

BIN = os.path.dirname(sys.executable)
HUAWEI_PER_TASK = 256
TENCENT_PER_TASK = 500  # the Tencent provider's max_devices_per_task (no maximum is documented)
PAGE = 100  # Huawei task list page; Tencent DescribeFirmwareTaskDevices Limit (1..100)
HUAWEI_RATE = 100.0 / 60  # documented calls per second
TENCENT_RATE = 20.0

PLAYBOOK = """---
- name: Staged rollout benchmark
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    staged_rollout_hosts: iot_devices
    staged_rollout_inventory_vars: inventory
    staged_rollout_huawei_file_id: fw-wm100-2.0.0
    staged_rollout_huawei_target_version: 2.0.0
    staged_rollout_tencent_firmware_version: 2.0.0
    staged_rollout_tencent_fw_type: mcu
    staged_rollout_show_progress: true
  roles:
    - role: iotfleet.firmware.staged_rollout
"""

BASELINE_PLAYBOOK = """---
- name: Per-device baseline (ansible.builtin.uri, one create call per device)
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Log in
      ansible.builtin.uri:
        url: "{{ lookup('env', 'HUAWEI_IOT_ENDPOINT') }}/iocm/app/sec/v1.1.0/login"
        method: POST
        body_format: form-urlencoded
        body: {appId: "{{ lookup('env', 'HUAWEI_IOT_APP_ID') }}", secret: "{{ lookup('env', 'HUAWEI_IOT_SECRET') }}"}
      register: login
    - name: One upgrade task per device
      ansible.builtin.uri:
        url: "{{ lookup('env', 'HUAWEI_IOT_ENDPOINT') }}/iodm/northbound/v1.5.0/operations/firmwareUpgrade"
        method: POST
        body_format: json
        headers: {app_key: "{{ lookup('env', 'HUAWEI_IOT_APP_ID') }}", Authorization: "Bearer {{ login.json.accessToken }}"}
        body: {fileId: fw-wm100-2.0.0, targets: {devices: ["{{ item }}"]}}
        status_code: [200, 201, 403]
      loop: "{{ devices }}"
      register: created
      until: created.status != 403
      retries: 100
      delay: 5
"""


def inventory(path, huawei, tencent):
    def hosts(prefix, count):
        out = []
        if count >= 1:
            out.append("        %s-[0001:%04d]:" % (prefix, min(count, 9999)))
        if count >= 10000:
            out.append("        %s-[10000:%d]:" % (prefix, count))
        return "\n".join(out)

    with open(path, "w") as handle:
        handle.write("""all:
  children:
    iot_devices:
      children:
        huawei_meters:
        tencent_sensors:
    huawei_meters:
      hosts:
%s
      vars: {iot_platform: huawei, iot_firmware_version: 1.0.0}
    tencent_sensors:
      hosts:
%s
      vars: {iot_platform: tencent, iot_product_id: TCPROD0001, iot_firmware_version: 1.0.0}
""" % (hosts("hw-meter", huawei), hosts("tc-sensor", tencent)))


def start_emulator(workdir, fleet_args, time_scale, upgrade_seconds):
    """The emulator as a subprocess (the kit's ``EmulatorProcess``; its log in ``workdir``); ``.control`` is the
    kit's control client."""
    return EmulatorProcess(["--port", "0", "--time-scale", time_scale, "--upgrade-seconds", upgrade_seconds]
                           + fleet_args, workdir, start_timeout=300, timeout=120)


def platform_env(url):
    """The demo credentials and endpoints of both platforms (``kit.credentials``) for the emulator at ``url``."""
    return dict(huawei_env(url), **tencent_env(url))


def _memory(pid):
    """``(rss, pss)`` of one process in bytes; PSS shares the pages a forked worker has in common with its parent."""
    rss = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def tree_memory(root):
    """``(rss, pss, largest rss)`` in bytes of ``root`` and all its descendants (from /proc); the largest is the RSS of
    the biggest process alone (the worker that runs the rollout)."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(name))
        except (OSError, IndexError, ValueError):
            continue
    rss = pss = largest = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        one = _memory(pid)
        rss += one[0]
        pss += one[1]
        largest = max(largest, one[0])
    return rss, pss, largest


PLAN_LINE = re.compile(r"Rollout \S+: [\d,]+ devices in the fleet")


def run_playbook(cmd, env, log_path, marks=None):
    """``(rc, wall seconds, [peak rss, peak pss, peak rss of one process])``; ``marks`` (a dict) gets ``started``
    (epoch), ``plan_shown``, the epoch at which the plan's first line reached ansible-playbook's stdout, and
    ``peak_at`` / ``peak_line``: when the tree's RSS peaked (seconds after the start) and the last line of output then."""
    peak = [0, 0, 0]
    last_line = [""]
    marks = {} if marks is None else marks
    with open(log_path, "w") as log:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        marks["started"] = started
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   cwd=os.path.dirname(log_path))
        done = threading.Event()

        def sample():
            while not done.is_set():
                rss, pss, largest = tree_memory(process.pid)
                if rss > peak[0]:
                    marks["peak_at"], marks["peak_line"] = round(time.time() - started, 1), last_line[0]
                peak[0], peak[1], peak[2] = max(peak[0], rss), max(peak[1], pss), max(peak[2], largest)
                done.wait(0.5)

        def read():
            for raw in process.stdout:
                line = raw.decode("utf-8", "replace")
                if "plan_shown" not in marks and PLAN_LINE.search(line):
                    marks["plan_shown"] = time.time()
                if line.strip():
                    last_line[0] = line.strip()[:200]
                log.write(line)
            log.flush()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        rc = process.wait()
        reader.join()
        done.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # the CPU time of ansible-playbook and the workers it waited for (the emulator still runs: not counted)
        marks["controller_cpu_s"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
    return rc, time.time() - started, peak


def is_create(entry):
    return ((entry.get("platform") == "huawei" and entry.get("method") == "POST"
             and (entry.get("path") or "").startswith("/iodm/northbound/v1.5.0/operations/firmwareUpgrade"))
            or (entry.get("platform") == "tencent" and entry.get("action") == "BatchUpdateFirmware"))


class FirstCreate(threading.Thread):
    """Watches the emulator's request log (``GET /_emulator/requests``, its last 20,000 entries) until the first create
    request shows, and keeps its time: read while the run goes on, so a long run cannot push it out of the log."""

    def __init__(self, emulator):
        super(FirstCreate, self).__init__(daemon=True)
        self.emulator = emulator
        self.at = None
        self.stop = threading.Event()

    def check(self):
        entries = self.emulator.control.requests()
        times = [e["time"] for e in entries if is_create(e)]
        if times and (self.at is None or min(times) < self.at):
            self.at = min(times)

    def run(self):
        while self.at is None and not self.stop.wait(1.0):
            try:
                self.check()
            except requests.RequestException:
                pass

    def finish(self):
        self.stop.set()
        self.join()
        if self.at is None:
            self.check()
        return self.at


def planning_seconds(huawei, tencent):
    """The planner on the same fleet, in this process (what ``rollout_plan`` computes after reading the hosts)."""
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

    raws = [{"platform": "huawei", "id": "hw-meter-%04d" % n, "version": "1.0.0"} for n in range(1, huawei + 1)]
    raws += [{"platform": "tencent", "id": "tc-sensor-%04d" % n, "product_id": "TCPROD0001", "version": "1.0.0"}
             for n in range(1, tencent + 1)]
    targets = {"huawei_file_id": "fw-wm100-2.0.0", "huawei_target_version": "2.0.0",
               "tencent_firmware_version": "2.0.0", "tencent_fw_type": "mcu"}
    started = time.time()
    devices, _errors, _duplicates = rollout.normalize_devices(raws)
    rollout.plan_rollout("bench", devices, [{"name": "canary", "count": 10}, {"name": "wave1", "percent": 10},
                                            {"name": "rest", "percent": 100}], targets)
    return round(time.time() - started, 3)


def lower_bound(state):
    """The careful-client lower bound per platform from the waves as run: one login, per wave and platform one
    package read, one listing page and ``ceil(devices / per task)`` creates, and one final read of the progress
    (Huawei task-list pages, Tencent device-row pages of the wave)."""
    bound = {"huawei": 1, "tencent": 0}
    for wave in state["waves"].values():
        for platform, per_task in (("huawei", HUAWEI_PER_TASK), ("tencent", TENCENT_PER_TASK)):
            devices = sum(int(c.get("created") or 0) for c in wave["chunks"] if c["platform"] == platform)
            if not devices:
                continue
            tasks = int(math.ceil(devices / float(per_task)))
            reads = int(math.ceil((tasks if platform == "huawei" else devices) / float(PAGE)))
            bound[platform] += 1 + 1 + tasks + reads
    return bound


def devices_csv(path, huawei, tencent):
    """The fleet of the emulator's ``--devices`` as a ``staged_rollout_devices_file`` (CSV)."""
    with open(path, "w") as handle:
        handle.write("platform,id,product_id,version\n")
        for number in range(1, huawei + 1):
            handle.write("huawei,hw-meter-%04d,,1.0.0\n" % number)
        for number in range(1, tencent + 1):
            handle.write("tencent,tc-sensor-%04d,TCPROD0001,1.0.0\n" % number)


def rollout_run(n, args, workdir):
    huawei = (n + 1) // 2
    tencent = n // 2
    scale = args.scale_limits
    limits = ["--behaviour", json.dumps({"huawei_calls_per_minute": int(100 * scale),
                                         "tencent_calls_per_second": int(20 * scale),
                                         "tencent_action_calls_per_second": {
                                             "GetDeviceList": int(10 * scale), "DescribeDevice": int(50 * scale)}})] if scale != 1 else []
    emulator = start_emulator(workdir, ["--devices", str(n)] + limits, args.time_scale, args.upgrade_seconds)
    try:
        playbook = os.path.join(workdir, "rollout.yml")
        with open(playbook, "w") as handle:
            handle.write(PLAYBOOK)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1",
                   IOTFLEET_PACING_DIR=os.path.join(workdir, "pacing"), ANSIBLE_LOCALHOST_WARNING="0",
                   PATH=BIN + os.pathsep + os.environ.get("PATH", ""), **platform_env(emulator.url))
        if scale != 1:
            env.update(HUAWEI_IOT_API_CALLS_PER_MINUTE=str(int(100 * scale)),
                       TENCENT_IOT_API_CALLS_PER_SECOND=str(int(20 * scale)))
        extra = {"staged_rollout_id": "bench-%d" % n, "staged_rollout_state_dir": os.path.join(workdir, "state"),
                 "staged_rollout_report_dir": os.path.join(workdir, "reports"),
                 "staged_rollout_poll_seconds": args.poll_seconds,
                 "staged_rollout_refresh_versions": args.refresh,
                 "staged_rollout_verify_versions": not args.no_verify}
        if args.devices_file:
            fleet = os.path.join(workdir, "fleet.csv")
            devices_csv(fleet, huawei, tencent)
            extra["staged_rollout_devices_file"] = fleet
            inv = "localhost,"
        else:
            inv = os.path.join(workdir, "inventory.yml")
            inventory(inv, huawei, tencent)
        cmd = [os.path.join(BIN, "ansible-playbook"), playbook, "-i", inv, "-e", json.dumps(extra)]
        emulator.control.clear_requests()
        watcher = FirstCreate(emulator)
        watcher.start()
        marks = {}
        rc, wall, peak = run_playbook(cmd, env, os.path.join(workdir, "ansible.log"), marks)
        first_create = watcher.finish()
        stats = emulator.control.stats()
    finally:
        emulator.stop()
    state_path = os.path.join(workdir, "state", "bench-%d.json" % n)
    # the engine's reader: the journal's document with the lines appended since (a run stopped mid-wave leaves some)
    state = state_file.load_state(state_path) or {"waves": {}, "status": "no state"}
    with open(os.path.join(workdir, "ansible.log")) as handle:
        log = handle.read()
    waves = []
    for name in state.get("order") or []:
        wave = state["waves"][name]
        engine = wave.get("engine") or {}
        waves.append({"name": name, "status": wave["status"],
                      "devices": sum(int(c.get("created") or 0) for c in wave["chunks"]),
                      "tasks": {p: len([c for c in wave["chunks"] if c["platform"] == p and c.get("task_id")])
                                for p in ("huawei", "tencent")},
                      "phase_seconds": engine.get("phase_seconds"), "rounds": engine.get("rounds"),
                      "journal": engine.get("journal"),
                      "api_calls": dict((p, v.get("total")) for p, v in (engine.get("api_calls") or {}).items()),
                      "started_at": wave.get("started_at"), "finished_at": wave.get("finished_at")})
    bound = lower_bound(state)
    platforms = {}
    for platform in ("huawei", "tencent"):
        mine = stats.get(platform) or {}
        platforms[platform] = {"calls": mine.get("calls"), "by_kind": mine.get("by_kind"),
                               "throttled": mine.get("throttled"), "creates": mine.get("creates"),
                               "logins": mine.get("logins"), "lower_bound": bound[platform],
                               "duplicates": len(mine.get("duplicates") or [])}
    huawei_creates_bound = sum(int(math.ceil(w["devices_h"] / float(HUAWEI_PER_TASK))) for w in [
        {"devices_h": sum(int(c.get("created") or 0) for c in wave["chunks"] if c["platform"] == "huawei")}
        for wave in state["waves"].values()])
    total_calls = sum((platforms[p]["calls"] or 0) for p in platforms)
    api_bound_seconds = (platforms["huawei"]["calls"] or 0) / (HUAWEI_RATE * scale)

    def since(mark):
        return round(first_create - mark, 1) if first_create is not None and mark is not None else None
    return {
        "devices": n, "huawei_devices": huawei, "tencent_devices": tencent, "rc": rc,
        "status": state.get("status"), "wall_seconds": round(wall, 1), "peak_rss_mb": round(peak[0] / 1048576.0, 1),
        "peak_pss_mb": round(peak[1] / 1048576.0, 1),
        "plan_seconds": planning_seconds(huawei, tencent),
        "waves_seconds": round(sum(sum((w.get("phase_seconds") or {}).values()) for w in waves), 1),
        "waves": waves, "platforms": platforms, "total_calls": total_calls,
        "lower_bound_calls": bound["huawei"] + bound["tencent"],
        "huawei_creates_lower_bound": huawei_creates_bound,
        "throttle_answers": sum((platforms[p]["throttled"] or 0) for p in platforms),
        "throttle_errors_to_user": len(re.findall(r"1010009|RequestLimitExceeded", log.split("PLAY RECAP")[0])),
        "api_bound_seconds_huawei": round(api_bound_seconds, 1),
        "refresh_versions": args.refresh,
        "verify_versions": not args.no_verify,
        "devices_file": bool(args.devices_file),
        "scale_limits": scale,
        "plan_shown_after_start_s": (round(marks["plan_shown"] - marks["started"], 1)
                                     if marks.get("plan_shown") else None),
        "first_create_after_start_s": since(marks["started"]),
        "first_create_after_plan_s": since(marks.get("plan_shown")),
        "controller_cpu_s": marks.get("controller_cpu_s"),
        "peak_rss_one_process_mb": round(peak[2] / 1048576.0, 1),
        "peak_at_s": marks.get("peak_at"), "peak_line": marks.get("peak_line"),
        "journal": journal_figures(waves),
    }


def journal_figures(waves):
    """The journal's writes over the waves (their records' ``engine.journal``): whole writes and appended lines, bytes
    and seconds, and per appended line (one per create, plus the marks before each scope's first create)."""
    total = {}
    for wave in waves:
        for key, value in (wave.get("journal") or {}).items():
            total[key] = total.get(key, 0) + value
    appends = total.get("appends") or 0
    if appends:
        total["bytes_per_append"] = round(total.get("appended_bytes", 0) / float(appends), 1)
        total["ms_per_append"] = round(1000.0 * total.get("append_seconds", 0) / appends, 3)
    if total.get("writes"):
        total["ms_per_write"] = round(1000.0 * total.get("write_seconds", 0) / total["writes"], 1)
    return total


def baseline_run(n, args, workdir):
    emulator = start_emulator(workdir, ["--devices", str(2 * n)], args.time_scale, args.upgrade_seconds)
    try:
        playbook = os.path.join(workdir, "baseline.yml")
        with open(playbook, "w") as handle:
            handle.write(BASELINE_PLAYBOOK)
        devices = ["hw-meter-%04d" % number for number in range(1, n + 1)]
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
                   PATH=BIN + os.pathsep + os.environ.get("PATH", ""), **huawei_env(emulator.url))
        emulator.control.clear_requests()
        rc, wall, peak = run_playbook([os.path.join(BIN, "ansible-playbook"), playbook, "-i", "localhost,",
                                       "-e", json.dumps({"devices": devices, "ansible_python_interpreter":
                                                         sys.executable})], env,
                                      os.path.join(workdir, "baseline.log"))
        stats = emulator.control.stats("huawei")
    finally:
        emulator.stop()
    return {"devices": n, "rc": rc, "wall_seconds": round(wall, 1), "calls": stats.get("calls"),
            "throttled": stats.get("throttled"), "creates": stats.get("creates"),
            "calls_per_device": round((stats.get("calls") or 0) / float(n), 2)}


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "%.1f" % value
    return "{:,}".format(value) if isinstance(value, int) else str(value)


def summary_row(r):
    """One row of the issue 17 table: devices, source, refresh, verify, calls, throttle answers, wall, first create
    (from the start; from the end of planning), peak RSS, the controller's CPU time, status."""
    h, t = r["platforms"]["huawei"], r["platforms"]["tencent"]
    return "| %s | %s | %s | %s | %s (%s + %s) | %s | %s s | %s s / %s s | %s MB | %s s | %s |" % (
        fmt(r["devices"]), "file" if r.get("devices_file") else "inventory",
        "on" if r.get("refresh_versions") else "off", "on" if r.get("verify_versions", True) else "off",
        fmt(r["total_calls"]), fmt(h["calls"]), fmt(t["calls"]), fmt(r["throttle_answers"]), fmt(r["wall_seconds"]),
        fmt(r.get("first_create_after_start_s")), fmt(r.get("first_create_after_plan_s")), fmt(r["peak_rss_mb"]),
        fmt(r.get("controller_cpu_s")), r["status"])


def markdown(results, baseline, args):
    out = ["# Performance of the staged rollout", "",
           "Measured with `tests/benchmarks/bench_rollout.py` against the emulator with the documented rate limits "
           "enforced in real time (Huawei 100 calls per minute per application, Tencent 20 calls per second); the "
           "simulated upgrade clock runs %sx (one device upgrade: %s simulated seconds). Mixed fleet, half Huawei, half "
           "Tencent (one product); role defaults (canary 10, wave1 10 %%, rest 100 %%), polls every %s s, "
           "`staged_rollout_inventory_vars: inventory`, version refresh %s. Measured on %s (2 cores shared with other "
           "work)." % (fmt(args.time_scale), fmt(args.upgrade_seconds), args.poll_seconds,
                       "on" if args.refresh else "off", time.strftime("%Y-%m-%d")), "",
           "## Results", "",
           "| devices | outcome | wall time | API calls (Huawei + Tencent) | lower bound | calls / bound | Huawei creates "
           "/ bound | throttle answers | reaching the user | peak RSS | planning | first create after (from the start "
           "/ from the plan) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        h, t = r["platforms"]["huawei"], r["platforms"]["tencent"]
        out.append("| %s | %s | %s s | %s (%s + %s) | %s | %.2f | %s / %s | %s | %s | %s MB | %s s | %s s / %s s |" % (
            fmt(r["devices"]), r["status"], fmt(r["wall_seconds"]), fmt(r["total_calls"]), fmt(h["calls"]),
            fmt(t["calls"]), fmt(r["lower_bound_calls"]), r["total_calls"] / float(r["lower_bound_calls"] or 1),
            fmt(h["creates"]), fmt(r["huawei_creates_lower_bound"]), fmt(r["throttle_answers"]),
            fmt(r["throttle_errors_to_user"]), fmt(r["peak_rss_mb"]), fmt(r["plan_seconds"]),
            fmt(r.get("first_create_after_start_s")), fmt(r.get("first_create_after_plan_s"))))
    out += ["", "## Calls by kind", ""]
    for r in results:
        out.append("**%s devices**" % fmt(r["devices"]))
        out.append("")
        for platform in ("huawei", "tencent"):
            kinds = r["platforms"][platform]["by_kind"] or {}
            out.append("* %s: %s; lower bound %s" % (platform, ", ".join(
                "%s %s" % (k, fmt(v)) for k, v in sorted(kinds.items())), fmt(r["platforms"][platform]["lower_bound"])))
        out.append("")
    out += ["## Wall time by wave and phase", "",
            "| devices | wave | devices created | Huawei / Tencent tasks | create s | poll s | rounds | calls (H / T) |",
            "|---|---|---|---|---|---|---|---|"]
    for r in results:
        for w in r["waves"]:
            phases = w.get("phase_seconds") or {}
            out.append("| %s | %s | %s | %s / %s | %s | %s | %s | %s / %s |" % (
                fmt(r["devices"]), w["name"], fmt(w["devices"]), w["tasks"]["huawei"], w["tasks"]["tencent"],
                fmt(phases.get("create")), fmt(phases.get("poll")), fmt(w.get("rounds")),
                fmt((w.get("api_calls") or {}).get("huawei")), fmt((w.get("api_calls") or {}).get("tencent"))))
    out.append("")
    if baseline:
        factor = baseline["calls_per_device"]
        out += ["## Per-device baseline (`ansible.builtin.uri`)", "",
                "Measured on %d Huawei devices: one login, then one create call per device (`until` retries on "
                "`403 1010009`), no progress reads: %s calls, %s throttle answers, %s s, rc %s. **Extrapolated** "
                "(linear, %s calls per device, at 100 calls per minute):" % (
                    baseline["devices"], fmt(baseline["calls"]), fmt(baseline["throttled"]),
                    fmt(baseline["wall_seconds"]), baseline["rc"], factor), "",
                "| devices | baseline calls (extrapolated) | engine calls | ratio | baseline API time (extrapolated) |",
                "|---|---|---|---|---|"]
        for r in results:
            calls = int(round(factor * r["devices"]))
            ratio = calls / float(r["total_calls"] or 1)
            out.append("| %s | %s | %s | %.0fx | %s min |"
                       % (fmt(r["devices"]), fmt(calls), fmt(r["total_calls"]), ratio, fmt(calls / 100.0)))
        out.append("")
    largest = results[-1] if results else None
    if largest:
        h = largest["platforms"]["huawei"]
        ratio = largest["total_calls"] / float(largest["lower_bound_calls"] or 1)
        # the waves' time minus the deliberate waits between poll rounds (waiting for the devices, not for the API)
        huawei_api_seconds = sum(sum((w.get("phase_seconds") or {}).values())
                                 - max(0, (w.get("rounds") or 1) - 1) * args.poll_seconds for w in largest["waves"])
        rows = [
            ("the rollout completes", largest["status"] == "completed", largest["status"]),
            ("0 throttle errors reach the user", largest["throttle_errors_to_user"] == 0,
             "%s throttle answers, %s reached the user" % (largest["throttle_answers"],
                                                           largest["throttle_errors_to_user"])),
            ("Huawei creates = lower bound", h["creates"] - (h["throttled"] or 0) <= largest["huawei_creates_lower_bound"],
             "%s create requests (%s answered with a throttle), %s tasks needed"
             % (h["creates"], h["throttled"], largest["huawei_creates_lower_bound"])),
            ("total calls <= 1.25 x lower bound", ratio <= 1.25, "%.2f x" % ratio),
            ("API-bound time <= 1.25 x (Huawei calls / 100 per min)",
             huawei_api_seconds <= 1.25 * largest["api_bound_seconds_huawei"],
             "%.0f s in the waves without the waits between poll rounds, for %.0f s of Huawei calls (%.2f x)" % (
                 huawei_api_seconds, largest["api_bound_seconds_huawei"],
                 huawei_api_seconds / (largest["api_bound_seconds_huawei"] or 1))),
            ("peak RSS < 400 MB", largest["peak_rss_mb"] < 400, "%s MB (sum of the processes' RSS; PSS %s MB)"
             % (largest["peak_rss_mb"], largest.get("peak_pss_mb", "-"))),
            ("planning < 1 s", (largest["plan_seconds"] or 0) < 1, "%s s" % largest["plan_seconds"]),
        ]
        if baseline and baseline.get("calls"):
            calls = baseline["calls_per_device"] * largest["devices"]
            rows.append((">= 100 x fewer calls than the per-device baseline", calls >= 100 * largest["total_calls"],
                         "%.0f x (extrapolated)" % (calls / float(largest["total_calls"] or 1))))
        out += ["## Targets at %s devices" % fmt(largest["devices"]), "", "| target | met | figure |", "|---|---|---|"]
        out += ["| %s | %s | %s |" % (name, "yes" if met else "**no**", figure) for name, met, figure in rows]
        out.append("")
    if largest:
        out += ["Where a target is missed:", ""]
        misses = [name for name, met, dummy in rows if not met]
        reasons = {
            "total calls <= 1.25 x lower bound": "the extra calls are poll rounds: a round reads every device row of "
            "the Tencent version (the API has no task filter) and the Huawei task pages; rounds continue while "
            "devices upgrade.",
            "API-bound time <= 1.25 x (Huawei calls / 100 per min)": "each Huawei throttle answer (%s here) makes the "
            "shared rate limiter pause a whole 60 s window; the emulator counts a call when it arrives, the limiter "
            "when it is sent, so a call sent at the window's edge can still be refused (the transport tier could "
            "keep a small margin, or wait only until the oldest call leaves the window)."
            % largest["platforms"]["huawei"]["throttled"],
            "peak RSS < 400 MB": "the sum counts the pages forked workers share with ansible-playbook once per "
            "process; PSS is the fairer figure.",
            "planning < 1 s": "the machine was shared with other work; bench_rollout_plan.py measures 0.4 to 0.8 s.",
        }
        out += ["* **%s**: %s" % (name, reasons.get(name, "see the figure")) for name in misses] or ["* none"]
        out.append("")
    out += ["## Notes", "",
            "* Lower bound (careful client): one Huawei login; per wave and platform one package read, one listing "
            "page, `ceil(devices / per task)` creates (Huawei 256, Tencent 500: the provider's task size, no maximum "
            "is documented) and one final progress read (Huawei task-list pages of 100 tasks, Tencent device-row "
            "pages of 100). Polls beyond the last one are the price of waiting for the devices and grow with the "
            "poll interval; the rounds column shows them.",
            "* API-bound time: the waves' create, poll and failure phases without the waits between poll rounds "
            "(those wait for the devices), against Huawei calls / (100 per minute); Tencent at 20/s is never the "
            "bound.",
            "* Peak RSS: the sum of the RSS of the `ansible-playbook` process and all its children (the forked workers "
            "count the pages they share with it again), sampled every 0.5 s; PSS splits shared pages between them.",
            "* Planning: the planner (ranking, stages, chunks) on the same fleet, timed in the benchmark process; "
            "the rest of the wall time outside the waves is ansible-playbook reading the inventory, templating and "
            "the role's other tasks (`wall time` - `waves_seconds` in the JSON result).", ""]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--baseline", type=int, default=200, help="devices of the uri baseline (0: skip)")
    parser.add_argument("--time-scale", type=float, default=600.0)
    parser.add_argument("--upgrade-seconds", type=float, default=300.0)
    parser.add_argument("--poll-seconds", type=int, default=10)
    parser.add_argument("--refresh", action="store_true", help="staged_rollout_refresh_versions=true")
    parser.add_argument("--no-verify", action="store_true", help="staged_rollout_verify_versions=false")
    parser.add_argument("--devices-file", action="store_true",
                        help="the fleet from a CSV staged_rollout_devices_file, an inventory of localhost alone")
    parser.add_argument("--scale-limits", type=float, default=1.0, metavar="K",
                        help="the emulator's rate limits and Huawei's pacing K times the documented ones (Tencent's "
                             "per-action pacing stays at its documented limits)")
    parser.add_argument("--output", default=os.path.join(REPO, "docs", "performance.json"))
    parser.add_argument("--docs", default=os.path.join(REPO, "docs", "performance.md"),
                        help="Markdown report to write ('' to skip)")
    parser.add_argument("--merge", action="store_true", help="add to the results already in --output")
    parser.add_argument("--render-only", action="store_true", help="only write --docs from the results in --output")
    args = parser.parse_args()
    if args.render_only:
        previous = json.load(open(args.output))
        for key in ("time_scale", "upgrade_seconds", "poll_seconds", "refresh"):
            setattr(args, key, previous["settings"][key])
        with open(args.docs, "w") as handle:
            handle.write(markdown(previous["results"], previous.get("baseline"), args))
        return
    results, baseline = [], None
    if args.merge and os.path.exists(args.output):
        previous = json.load(open(args.output))
        results, baseline = previous.get("results") or [], previous.get("baseline")
    for n in args.devices:
        workdir = tempfile.mkdtemp(prefix="bench-rollout-%d-" % n)
        print("N=%d: running in %s" % (n, workdir), flush=True)
        result = rollout_run(n, args, workdir)
        result["workdir"] = workdir
        results = [r for r in results if r["devices"] != n] + [result]
        print(json.dumps(dict((k, v) for k, v in result.items() if k not in ("waves",)), indent=1),
              flush=True)
        print(summary_row(result), flush=True)
    if args.baseline:
        workdir = tempfile.mkdtemp(prefix="bench-baseline-")
        baseline = baseline_run(args.baseline, args, workdir)
        print(json.dumps(baseline, indent=1), flush=True)
    results.sort(key=lambda r: r["devices"])
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as handle:
        json.dump({"results": results, "baseline": baseline, "settings": vars(args)}, handle, indent=2)
    if args.docs:
        with open(args.docs, "w") as handle:
            handle.write(markdown(results, baseline, args))
    print("wrote %s%s" % (args.output, " and %s" % args.docs if args.docs else ""))


if __name__ == "__main__":
    main()
