"""Where the rollout worker's memory goes at fleet scale, apart from the engine (not part of the test suite).

    .venv/bin/python tests/benchmarks/bench_worker_memory.py [--devices 100000] [--part inventory|listing|both]

``inventory``: ``ansible-playbook`` with the inventory of ``bench_rollout.py`` (N hosts, half Huawei, half Tencent)
runs one task on ``localhost`` whose action (a playbook-adjacent action plugin written to a temporary directory)
reads the fleet as ``rollout_run`` does (``planning.select_hosts``, then each host's variables through
``hostvars[host]``, then ``rollout.normalize_devices``) and prints the worker's ``VmRSS`` and ``VmHWM``
(``/proc/self/status``) after each step. The worker is a fork of ``ansible-playbook``: its RSS at the action's start
is the inventory and ansible-playbook's own.

``listing``: the Huawei provider's ``device_versions`` (the version refresh and the read-back) over a listing of
N / 2 devices from a fake API that answers emulator-shaped pages of 100 devices decoded from JSON text, as the HTTP
client does: the peak RSS it adds (``resource.getrusage``) and its wall time.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import conftest  # noqa: E402  (puts the collection on sys.path, sets ANSIBLE_COLLECTIONS_PATH)
import bench_rollout  # noqa: E402
COLLECTIONS_ROOT = conftest.COLLECTIONS_ROOT
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.devices import HuaweiDevices  # noqa: E402

BIN = os.path.dirname(sys.executable)

PROBE = '''
import time

from ansible.plugins.action import ActionBase
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planning


def memory():
    found = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line.split(":")[0]] = int(line.split()[1]) / 1024.0
    return found


class ActionModule(ActionBase):
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        marks = [("start of the action", 0.0, memory())]
        started = time.time()
        names = planning.select_hosts("iot_devices", task_vars["groups"])
        marks.append(("select_hosts (%d hosts)" % len(names), time.time() - started, memory()))
        started = time.time()
        hostvars = task_vars["hostvars"]
        raws = [rollout.device_from_hostvars(name, planning._vars_of(hostvars, name)) for name in names]
        marks.append(("hostvars[host] of each host", time.time() - started, memory()))
        started = time.time()
        devices = rollout.normalize_devices(raws, "host")[0]
        marks.append(("normalize_devices (%d devices)" % len(devices), time.time() - started, memory()))
        result["marks"] = marks
        return result
'''

PLAYBOOK = """---
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Probe
      memprobe:
      register: probe
    - name: Marks
      copy:
        content: "{{ probe.marks | to_json }}"
        dest: "{{ playbook_dir }}/marks.json"
"""


def inventory_part(devices):
    tmp = tempfile.mkdtemp(prefix="bench-worker-")
    try:
        os.makedirs(os.path.join(tmp, "action_plugins"))
        with open(os.path.join(tmp, "action_plugins", "memprobe.py"), "w") as handle:
            handle.write(PROBE)
        with open(os.path.join(tmp, "probe.yml"), "w") as handle:
            handle.write(PLAYBOOK)
        inventory = os.path.join(tmp, "inventory.yml")
        bench_rollout.inventory(inventory, (devices + 1) // 2, devices // 2)
        env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_NOCOLOR="1")
        started = time.time()
        subprocess.check_call([os.path.join(BIN, "ansible-playbook"), os.path.join(tmp, "probe.yml"), "-i",
                               inventory], env=env, stdout=subprocess.DEVNULL)
        print("inventory, %d hosts (ansible-playbook %.1f s): the worker's memory after each step" % (
            devices, time.time() - started))
        with open(os.path.join(tmp, "marks.json")) as handle:
            for label, seconds, memory in json.load(handle):
                print("  %-36s %5.1f s  VmRSS %7.1f MB  VmHWM %7.1f MB"
                      % (label, seconds, memory["VmRSS"], memory["VmHWM"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ROW = json.dumps({
    "deviceId": "%s", "gatewayId": "%s", "nodeType": "GATEWAY", "createTime": "20261205T101010Z",
    "lastModifiedTime": "20261205T101010Z",
    "deviceInfo": {"nodeId": "%s", "name": "%s", "description": None, "manufacturerId": "mf-1",
                   "manufacturerName": "Acme", "mac": None, "location": None, "deviceType": "WaterMeter",
                   "model": "WM100", "swVersion": "1.0.0", "fwVersion": "1.0.0", "hwVersion": None,
                   "protocolType": "CoAP", "bridgeId": None, "status": "ONLINE", "statusDetail": "NONE",
                   "mute": "FALSE", "supportedSecurity": None, "isSecurity": None, "signalStrength": None,
                   "sigVersion": None, "serialNumber": None, "batteryLevel": None},
    "services": []})


class PagedApi:
    """The device listing of ``count`` devices in pages of 100, each page decoded from its JSON text."""

    def __init__(self, count):
        self.count = count

    def device_pages(self, query):
        del query
        pages = (self.count + 99) // 100
        for page in range(pages):
            ids = ["hw-meter-%06d" % index for index in range(page * 100, min(self.count, page * 100 + 100))]
            yield json.loads("[%s]" % ",".join(ROW.replace("%s", device) for device in ids)), pages

    def get_device(self, device_id):
        raise AssertionError("%s: the listing has every device" % device_id)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def listing_part(devices):
    count = (devices + 1) // 2
    provider = HuaweiDevices()
    provider.api = PagedApi(count)
    wanted = ["hw-meter-%06d" % index for index in range(count)]
    before, started = peak_rss_mb(), time.time()
    versions = provider.device_versions(wanted)
    print("listing, Huawei device_versions of %d devices (%d pages): %d versions, peak RSS %.1f MB -> %.1f MB "
          "(+%.1f MB), %.2f s" % (count, (count + 99) // 100, len(versions), before, peak_rss_mb(),
                                  peak_rss_mb() - before, time.time() - started))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100000)
    parser.add_argument("--part", choices=("inventory", "listing", "both"), default="both")
    args = parser.parse_args()
    if args.part in ("listing", "both"):
        listing_part(args.devices)
    if args.part in ("inventory", "both"):
        inventory_part(args.devices)


if __name__ == "__main__":
    main()
