"""Fleet-scale benchmark of a Huawei Cloud IoTDA v5 staged rollout (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_iotda.py --devices 100000 [--calls-per-second 5] [--time-scale 600]
    .venv/bin/python tests/benchmarks/bench_iotda.py --devices 100000 --until-first-create --label LABEL
        --output /tmp/first-create.json             (only up to the canary's first create; no docs written)

It writes a fleet file with one IoTDA v5 project of N devices (``iotda-meter-000001`` ...) on firmware 1.0.0 and a
firmware package 2.0.0 (``tests/emulator/iotemu/fleet.py``'s ``huawei_iotda`` part), starts the emulator on it
(``python -m iotemu --fleet FILE``) with a fast simulated upgrade clock and ``iotda_calls_per_second`` equal to the
controller's pacing (``IOTFLEET_IOTDA_CALLS_PER_WINDOW``; IoTDA documents no rate limit, the collection's default is
5 calls per second), runs the ``staged_rollout`` role with ``ansible-playbook`` over an inventory of one host per
device (role defaults: canary 10, wave1 10 %, rest 100 %; plan-time version refresh and version read-back on, as by
default), and reports:

* wall time (``ansible-playbook`` from start to end) and per wave the engine's phase seconds;
* the v5 calls by kind (the emulator's ``GET /_emulator/stats``), throttle answers, duplicates;
* creates per wave against ``ceil(devices of the wave / 30,000)`` (one task takes at most 30,000 devices);
* the ``ListDevices`` calls of the plan-time refresh and of the read-backs (versions of the succeeded devices);
* the first create: the time from the start of ``ansible-playbook`` (and from the first v5 call) to the first
  ``CreateBatchTask`` in the emulator's request log, and the v5 calls before it by kind (``ListDevices`` pages,
  ``ShowDevice`` reads...).

``--until-first-create`` stops ``ansible-playbook`` at the first create and reports only that (for the collection's
default pacing, where a whole run takes too long, or for another checkout of the collection: the script measures
the collection it lies in). ``--first-create-runs FILE...`` adds such results (their ``--label``) to the section's
first-create table.

It replaces the section "IoTDA v5 at N devices" of ``docs/performance.md`` (``--docs``, ``''`` to skip) and writes
a JSON result file (``--output``).
"""
import argparse
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
# puts the collection on sys.path and sets ANSIBLE_COLLECTIONS_PATH for the ansible-playbook it runs
import conftest  # noqa: E402  pylint: disable=unused-import
from kit.control import EmulatorProcess  # noqa: E402  (tests/kit: conftest put tests/ on sys.path)
from kit.credentials import IOTDA_ACCESS_KEY, IOTDA_PROJECT_ID, IOTDA_REGION, IOTDA_SECRET_KEY  # noqa: E402
from kit.credentials import iotda_env  # noqa: E402

BIN = os.path.dirname(sys.executable)
MAX_TARGETS = 30000  # CreateBatchTask: at most 30,000 targets (reference §10.2)
PAGE = 50  # ListDevices / ListBatchTasks page (limit 1-50)
DEFAULT_CALLS_PER_SECOND = 5  # the collection's default pacing of the v5 calls (api.CALLS_PER_WINDOW)
PRODUCT = "iotda-meter"
PACKAGE = "iotda-fw-2.0.0"

PLAYBOOK = """---
- name: IoTDA v5 staged rollout benchmark
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    staged_rollout_hosts: iot_devices
    staged_rollout_inventory_vars: inventory
    staged_rollout_huawei_iotda_package_id: %s
    staged_rollout_huawei_iotda_target_version: 2.0.0
    staged_rollout_show_progress: true
  roles:
    - role: iotfleet.firmware.staged_rollout
""" % PACKAGE


def device_id(number):
    return "iotda-meter-%06d" % number


def write_fleet(path, count):
    """The fleet file: an IoTDA v5 project only (no legacy Huawei or Tencent part)."""
    fleet = {"huawei_iotda": {
        "project_id": IOTDA_PROJECT_ID, "region": IOTDA_REGION, "default_app_id": "iotda-bench-app",
        "credentials": [{"ak": IOTDA_ACCESS_KEY, "sk": IOTDA_SECRET_KEY}],
        "packages": [{"package_id": PACKAGE, "package_type": "firmwarePackage", "product_id": PRODUCT,
                      "version": "2.0.0"}],
        "devices": [{"device_id": device_id(number), "product_id": PRODUCT, "fw_version": "1.0.0"}
                    for number in range(1, count + 1)]}}
    with open(path, "w") as handle:
        json.dump(fleet, handle)


def write_inventory(path, count):
    with open(path, "w") as handle:
        handle.write("""all:
  children:
    iot_devices:
      children:
        iotda_meters:
    iotda_meters:
      hosts:
        iotda-meter-[000001:%06d]:
      vars: {iot_platform: huawei_iotda, iot_firmware_version: 1.0.0}
""" % count)


def start_emulator(workdir, fleet, args):
    """The emulator on the fleet file as a subprocess (the kit's ``EmulatorProcess``; its log in ``workdir``),
    enforcing the controller's pacing; ``.control`` is the kit's control client."""
    return EmulatorProcess(["--port", "0", "--fleet", fleet, "--time-scale", args.time_scale, "--upgrade-seconds",
                            args.upgrade_seconds, "--behaviour",
                            json.dumps({"iotda_calls_per_second": args.calls_per_second})],
                           workdir, start_timeout=600, timeout=600)


V5_PATH = re.compile(r"^/v5/iot/[^/]+(?P<rest>/.*)$")


def call_kind(entry):
    """The v5 operation of a request-log entry (method and path; the log has no bodies)."""
    match = V5_PATH.match(entry.get("path") or "")
    rest = match.group("rest") if match else ""
    parts = rest.strip("/").split("/")
    if parts[0] == "devices":
        return "ListDevices" if len(parts) == 1 else "ShowDevice"
    if parts[0] == "batchtasks":
        if entry["method"] == "POST":
            return "CreateBatchTask" if len(parts) == 1 else parts[-1].capitalize() + "BatchTask"
        return "ListBatchTasks" if len(parts) == 1 else "ShowBatchTask"
    if parts[0] == "ota-upgrades":
        return "ListOtaPackageInfo" if len(parts) == 2 else "ShowOtaPackage"
    return "other"


class FirstCreate:
    """Watches the emulator (its stats, every 0.2 s) until the first create; then reads its request log once: the
    first ``CreateBatchTask`` entry's time and the v5 calls before it."""

    def __init__(self, emulator, started):
        self.emulator = emulator
        self.started = started
        self.result = None

    def check(self):
        if self.result is not None:
            return True
        stats = self.emulator.control.stats().get("huawei_iotda") or {}
        if not stats.get("creates"):
            return False
        log = self.emulator.control.requests("huawei_iotda")
        index = next((i for i, entry in enumerate(log) if call_kind(entry) == "CreateBatchTask"), None)
        if index is None:
            return False
        before = log[:index]
        by_kind = {}
        for entry in before:
            by_kind[call_kind(entry)] = by_kind.get(call_kind(entry), 0) + 1
        first_call = log[0]["time"] if log else log[index]["time"]
        self.result = {"after_seconds": round(log[index]["time"] - self.started, 1),
                       "after_first_call_seconds": round(log[index]["time"] - first_call, 1),
                       "calls_before": len(before), "by_kind": by_kind,
                       "log_complete": bool(log) and log[0].get("seq") == 1}
        return True


# the plan-time refresh ("read from the platform") and the later waves' read while the earlier ones ran
REFRESH_LINE = re.compile(r"^Versions of ([\d,]+) (\S+) devices read (from the platform|while the earlier waves ran) "
                          r"\(([\d,]+) API calls\)", re.MULTILINE)


def run(args):
    workdir = tempfile.mkdtemp(prefix="bench-iotda-%d-" % args.devices)
    print("N=%d: running in %s" % (args.devices, workdir), flush=True)
    fleet = os.path.join(workdir, "fleet.json")
    inventory = os.path.join(workdir, "inventory.yml")
    playbook = os.path.join(workdir, "rollout.yml")
    write_fleet(fleet, args.devices)
    write_inventory(inventory, args.devices)
    with open(playbook, "w") as handle:
        handle.write(PLAYBOOK)
    emulator = start_emulator(workdir, fleet, args)
    try:
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", **iotda_env(emulator.url))
        env.update(IOTFLEET_IOTDA_CALLS_PER_WINDOW=str(args.calls_per_second), IOTFLEET_IOTDA_WINDOW_SECONDS="1",
                   IOTFLEET_PACING_DIR=os.path.join(workdir, "pacing"),
                   PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        extra = {"staged_rollout_id": "bench-iotda-%d" % args.devices,
                 "staged_rollout_state_dir": os.path.join(workdir, "state"),
                 "staged_rollout_report_dir": os.path.join(workdir, "reports"),
                 "staged_rollout_poll_seconds": args.poll_seconds,
                 "staged_rollout_refresh_versions": not args.no_refresh,
                 "staged_rollout_verify_versions": not args.no_verify}
        cmd = [os.path.join(BIN, "ansible-playbook"), playbook, "-i", inventory, "-e", json.dumps(extra)]
        log_path = os.path.join(workdir, "ansible.log")
        started = time.time()
        first = FirstCreate(emulator, started)
        with open(log_path, "w") as log:
            process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
            while process.poll() is None:
                if first.check() and args.until_first_create:
                    process.send_signal(signal.SIGTERM)
                    process.wait()
                    break
                time.sleep(0.2)
            rc = process.returncode
        wall = time.time() - started
        first.check()
        stats = emulator.control.stats().get("huawei_iotda") or {}
    finally:
        emulator.stop()
    with open(log_path) as handle:
        output = handle.read()
    state_path = os.path.join(workdir, "state", "bench-iotda-%d.json" % args.devices)
    state = json.load(open(state_path)) if os.path.exists(state_path) else {"waves": {}, "status": "no state"}
    waves = []
    for name in state.get("order") or []:
        wave = state["waves"][name]
        chunks = [chunk for chunk in wave["chunks"] if chunk["platform"] == "huawei_iotda"]
        devices = sum(len(chunk["devices"]) for chunk in chunks)
        engine = wave.get("engine") or {}
        waves.append({"name": name, "status": wave["status"], "devices": devices,
                      "creates": len([chunk for chunk in chunks if chunk.get("task_id")]),
                      "expected_creates": int(math.ceil(devices / float(MAX_TARGETS))) if devices else 0,
                      "phase_seconds": engine.get("phase_seconds"), "rounds": engine.get("rounds"),
                      "api_calls": (engine.get("api_calls") or {}).get("huawei_iotda")})
    refresh = [{"devices": int(match.group(1).replace(",", "")), "api_calls": int(match.group(4).replace(",", "")),
                "when": "plan" if match.group(3) == "from the platform" else "prefetch"}
               for match in REFRESH_LINE.finditer(output.split("PLAY RECAP")[0])]
    by_kind = stats.get("by_kind") or {}
    return {
        "devices": args.devices, "rc": rc, "status": state.get("status"), "wall_seconds": round(wall, 1),
        "calls": stats.get("calls"), "by_kind": by_kind, "creates": stats.get("creates"),
        "throttled": stats.get("throttled"), "duplicates": len(stats.get("duplicates") or []),
        "waves": waves, "refresh": refresh, "first_create": first.result, "label": args.label,
        "until_first_create": bool(args.until_first_create),
        "creates_ok": all(w["creates"] == w["expected_creates"] for w in waves)
        and (stats.get("creates") or 0) == sum(w["expected_creates"] for w in waves),
        "list_devices_lower_bound": int(math.ceil(args.devices / float(PAGE))),
        "settings": {"calls_per_second": args.calls_per_second, "time_scale": args.time_scale,
                     "upgrade_seconds": args.upgrade_seconds, "poll_seconds": args.poll_seconds,
                     "refresh": not args.no_refresh, "verify": not args.no_verify},
        "commit": commit_of(REPO),
        "workdir": workdir, "measured": time.strftime("%Y-%m-%d"),
    }


def commit_of(repo):
    """The short commit of the collection measured (``+dirty`` with local changes), or None outside git."""
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "plugins"], capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "%.1f" % value
    return "{:,}".format(value) if isinstance(value, int) else str(value)


def first_create_row(result):
    first = result.get("first_create") or {}
    kinds = first.get("by_kind") or {}
    return "| %s | %s | %s | %s | %s | %s s | %s s |" % (
        ("%s (this run)" % result["label"] if result.get("label") else "this run")
        if not result.get("until_first_create") else result.get("label") or "-",
        result["settings"]["calls_per_second"], fmt(first.get("calls_before")), fmt(kinds.get("ListDevices", 0)),
        fmt(kinds.get("ShowDevice", 0)), fmt(first.get("after_seconds")), fmt(first.get("after_first_call_seconds")))


def first_create_table(result, extra):
    """The canary's first create: this run and the ``--first-create-runs`` results (before/after, other pacing)."""
    out = ["**First create**: the time of the canary's first `CreateBatchTask` in the emulator's request log, from "
           "the start of `ansible-playbook` (which includes loading the %s-host inventory, 20 to 50 s here depending "
           "on the machine's load) and from the first v5 call (the plan's version read: the comparable figure), and "
           "the v5 calls before it as the emulator logged them (throttled attempts included). The calls before it "
           "are the plan's read of the canary's versions, the create's package and task lookups, and the first "
           "pages of the later waves' read, which a thread starts once the plan is made. The other rows were stopped "
           "at the first create (`--until-first-create`); the rows marked \"before\" ran the same script in an "
           "export of the commit named (`git archive`), the code before `ShowDevice`." % fmt(result["devices"]), "",
           "| run | calls/s | v5 calls before it | of which ListDevices | of which ShowDevice | first create after "
           "(from ansible-playbook start) | (from the first v5 call) |", "|---|---|---|---|---|---|---|"]
    out += [first_create_row(other) for other in extra] + [first_create_row(result)]
    if extra:
        out += ["", "The other rows' commands:", ""] + ["* %s (measured %s): `%s`" % (
            other.get("label") or "-", other.get("measured") or "-", other.get("command") or "-") for other in extra]
    return "\n".join(out)


def markdown(result, command, extra=None):
    settings = result["settings"]
    n = result["devices"]
    out = ["## IoTDA v5 at %s devices" % fmt(n), "",
           "Measured with `tests/benchmarks/bench_iotda.py` on %s (2 cores shared with other work):" % result["measured"],
           "", "```bash", command, "```", "",
           "One IoTDA v5 project of %s devices on firmware 1.0.0 (a fleet file, `huawei_iotda` part), one host per "
           "device in the inventory, the `staged_rollout` role with its defaults (canary 10, wave1 10 %%, rest 100 %%; "
           "plan-time version refresh %s, version read-back %s), polls every %s s. The controller paces the v5 calls "
           "at %s per second (`IOTFLEET_IOTDA_CALLS_PER_WINDOW`; the collection's default is 5, IoTDA documents no "
           "limit) and the emulator enforces the same; its simulated upgrade clock runs %sx (one device upgrade: %s "
           "simulated seconds)." % (fmt(n), "on" if settings["refresh"] else "off",
                                    "on" if settings["verify"] else "off", settings["poll_seconds"],
                                    settings["calls_per_second"], fmt(float(settings["time_scale"])),
                                    fmt(float(settings["upgrade_seconds"]))), "",
           "| outcome | wall time | v5 calls | creates | throttle answers | duplicates |",
           "|---|---|---|---|---|---|",
           "| %s | %s s | %s | %s | %s | %s |" % (
               result["status"], fmt(result["wall_seconds"]), fmt(result["calls"]), fmt(result["creates"]),
               fmt(result["throttled"]), fmt(result["duplicates"])), "",
           "**Creates per wave** (one task takes at most 30,000 devices, so a wave needs `ceil(devices / 30,000)`):", "",
           "| wave | devices | creates | ceil(devices / 30,000) | create s | poll s | rounds | v5 calls of the wave |",
           "|---|---|---|---|---|---|---|---|"]
    for wave in result["waves"]:
        phases = wave.get("phase_seconds") or {}
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            wave["name"], fmt(wave["devices"]), wave["creates"], wave["expected_creates"],
            fmt(phases.get("create")), fmt(phases.get("poll")), fmt(wave.get("rounds")),
            fmt((wave.get("api_calls") or {}).get("total") if isinstance(wave.get("api_calls"), dict)
                else wave.get("api_calls"))))
    out += ["", "Creates = ceil(N / 30,000) per wave: **%s**." % ("yes" if result["creates_ok"] else "no"), "",
            "**Calls by kind** (the emulator's counters): %s." % ", ".join(
                "%s %s" % (kind, fmt(count)) for kind, count in sorted(result["by_kind"].items())), ""]
    refresh = result["refresh"]
    listings = result["by_kind"].get("list_devices") or 0
    shows = result["by_kind"].get("show_device") or 0
    out += ["Where the calls go: the device reads are the plan-time refresh%s and the version read-back after each "
            "wave (the versions of the devices their tasks report as succeeded): %s `ListDevices` pages (50 devices "
            "each, no device-id filter, newest device first; %s pages list the fleet once) and %s `ShowDevice` reads "
            "(one device each, from the official SDK). Each read takes whichever costs fewer calls: the first listing "
            "page tells the product's size (`page.count`), and the listing goes on only while its remaining pages "
            "are fewer than the devices still missing, which are then read one by one; so the canary and its "
            "read-back cost a page and a read per device, the large waves a listing. Creates, task reads and polls "
            "are a few dozen calls. At %s calls per second the device reads alone take about %s s."
            % (" (%s)" % "; ".join("%s: %s devices in %s calls" % (
                "at plan time" if r["when"] == "plan" else "the later waves, read while the canary ran",
                fmt(r["devices"]), fmt(r["api_calls"])) for r in refresh) if refresh else "",
               fmt(listings), fmt(result["list_devices_lower_bound"]), fmt(shows), settings["calls_per_second"],
               fmt(int(round((listings + shows) / float(settings["calls_per_second"]))))), ""]
    out += first_create_table(result, extra or []), ""
    if settings["calls_per_second"] != DEFAULT_CALLS_PER_SECOND:
        seconds = (result["calls"] or 0) / float(DEFAULT_CALLS_PER_SECOND)
        out += ["At the collection's default pacing of %d calls per second the same %s calls take at least %s s "
                "(%.0f min) of pacing alone. This run raised the pacing and the emulator's limit to %d per second "
                "because a run at %d would take more than 10 minutes: the emulator's time scaling speeds up the "
                "upgrades, not the calls." % (DEFAULT_CALLS_PER_SECOND, fmt(result["calls"]), fmt(int(round(seconds))),
                                              seconds / 60.0, settings["calls_per_second"], DEFAULT_CALLS_PER_SECOND),
                ""]
    return "\n".join(out)


def replace_section(path, title_prefix, text):
    """``path`` with the section whose title starts with ``title_prefix`` replaced by ``text`` (or added at the
    end): from its ``## `` title to the next one."""
    content = open(path).read() if os.path.exists(path) else ""
    lines = content.split("\n")
    start = next((index for index, line in enumerate(lines) if line.startswith(title_prefix)), None)
    if start is None:
        new = content.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    else:
        end = next((index for index in range(start + 1, len(lines)) if lines[index].startswith("## ")), len(lines))
        new = "\n".join(lines[:start] + text.rstrip("\n").split("\n") + [""] + lines[end:]).rstrip("\n") + "\n"
    with open(path, "w") as handle:
        handle.write(new)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=100000)
    parser.add_argument("--calls-per-second", type=int, default=5,
                        help="controller pacing and emulator limit of the v5 calls (default 5, the collection's)")
    parser.add_argument("--time-scale", type=float, default=600.0)
    parser.add_argument("--upgrade-seconds", type=float, default=300.0)
    parser.add_argument("--poll-seconds", type=int, default=10)
    parser.add_argument("--no-refresh", action="store_true", help="staged_rollout_refresh_versions=false")
    parser.add_argument("--no-verify", action="store_true", help="staged_rollout_verify_versions=false")
    parser.add_argument("--output", default=os.path.join(tempfile.gettempdir(), "bench_iotda.json"))
    parser.add_argument("--docs", default=os.path.join(REPO, "docs", "performance.md"),
                        help="Markdown file whose 'IoTDA v5 at N devices' section is replaced ('' to skip)")
    parser.add_argument("--render-only", action="store_true", help="only write --docs from the result in --output")
    parser.add_argument("--until-first-create", action="store_true",
                        help="stop ansible-playbook at the first CreateBatchTask and report only the first create "
                             "(--docs is not written)")
    parser.add_argument("--label", default=None, help="the run's name in the first-create table")
    parser.add_argument("--first-create-runs", nargs="*", default=[], metavar="FILE",
                        help="JSON results of --until-first-create runs to list in the first-create table")
    args = parser.parse_args()
    if args.render_only:
        with open(args.output) as handle:
            result = json.load(handle)
        for key in ("calls_per_second", "time_scale", "upgrade_seconds", "poll_seconds"):
            setattr(args, key, result["settings"][key])
        args.no_refresh, args.no_verify = not result["settings"]["refresh"], not result["settings"]["verify"]
        args.devices = result["devices"]
    else:
        result = run(args)
        result["command"] = ".venv/bin/python tests/benchmarks/bench_iotda.py " + " ".join(
            shlex.quote(arg) for arg in sys.argv[1:])
        print(json.dumps(result, indent=1), flush=True)
        with open(args.output, "w") as handle:
            json.dump(result, handle, indent=2)
    if args.until_first_create:
        print("first create: %s" % json.dumps(result["first_create"]))
        return 0 if result["first_create"] else 1
    if args.docs:
        extra = []
        for path in args.first_create_runs:
            with open(path) as handle:
                extra.append(json.load(handle))
        command = ("tests/benchmarks/bench_iotda.py --devices %d --calls-per-second %d --time-scale %s "
                   "--upgrade-seconds %s --poll-seconds %d%s%s" % (
                       args.devices, args.calls_per_second, fmt(args.time_scale), fmt(args.upgrade_seconds),
                       args.poll_seconds, " --no-refresh" if args.no_refresh else "",
                       " --no-verify" if args.no_verify else ""))
        if result.get("label"):
            command += " --label %s" % shlex.quote(result["label"])
        replace_section(args.docs, "## IoTDA v5 at ", markdown(result, ".venv/bin/python " + command, extra))
    print("wrote %s%s" % (args.output, " and %s" % args.docs if args.docs else ""))
    return 0 if result["rc"] == 0 and result["creates_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
