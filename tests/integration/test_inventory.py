"""Integration tests of the inventory plugins and the info modules: real ansible-inventory / ansible-playbook /
ansible-doc against the emulator's demo fleet (300 Huawei meters + 300 Tencent sensors)."""
import json
import os
import subprocess
import sys

import pytest
import yaml

from inventory_runner import ansible_inventory, hosts_of, inventory_env  # tests/integration/inventory_runner.py
from kit.credentials import HUAWEI_SECRET

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "playbooks", "inventory")
ROLLOUT = os.path.join(HERE, "playbooks", "rollout", "rollout.yml")
BIN_DIR = os.path.dirname(sys.executable)
FLEET = [os.path.join(CONFIGS, name) for name in ("fleet.huawei_iot.yml", "fleet.tencent_iot.yml")]
HUAWEI_CREATE = "/iodm/northbound/v1.5.0/operations/firmwareUpgrade"


def env_of(emulator, tmp_path):
    return inventory_env(tmp_path, emulator.huawei_env(), emulator.tencent_env())


def listing_calls(emulator):
    return [(entry["platform"], entry.get("action") or "%s %s" % (entry["method"], entry["path"].split("?")[0]))
            for entry in emulator.requests()]


def test_list_the_demo_fleet(emulator, tmp_path):
    listing = ansible_inventory(env_of(emulator, tmp_path), tmp_path, FLEET)
    hostvars = listing["_meta"]["hostvars"]
    assert len(hostvars) == 600
    assert len(hosts_of(listing, "iot_devices")) == 600
    assert len(hosts_of(listing, "iot_huawei_fw_1_0_0")) == 300 and len(hosts_of(listing, "iot_tencent_fw_1_0_0")) == 300
    assert all(variables["iot_firmware_version"] == "1.0.0" for variables in hostvars.values())
    assert hostvars["hw-meter-0300"]["iot_platform"] == "huawei" and hostvars["hw-meter-0300"]["iot_model"] == "WM-100"
    sensor = hostvars["tc-sensor-0300"]
    assert (sensor["iot_platform"], sensor["iot_device_id"], sensor["iot_product_id"]) == (
        "tencent", "tc-sensor-0300", "TCPROD0001")
    # paged reads: a login and 3 pages of 100 on Huawei, 3 pages of 100 on Tencent
    calls = listing_calls(emulator)
    assert calls.count(("huawei", "GET /iocm/app/dm/v1.4.0/devices")) == 3
    assert calls.count(("tencent", "GetDeviceList")) == 3 and len(calls) == 7
    text = json.dumps(listing)
    assert HUAWEI_SECRET not in text and "DevicePsk" not in text


def test_keyed_groups_on_firmware_version(emulator, tmp_path):
    emulator.control("POST", "devices", {
        "huawei": dict(("hw-meter-%04d" % n, {"version": "2.0.0"}) for n in range(1, 6)),
        "tencent": dict(("TCPROD0001/tc-sensor-%04d" % n, {"versions": {"mcu": "2.0.0"}}) for n in (7, 8, 9))})
    emulator.control("POST", "devices", {"huawei": {"hw-meter-0100": {"online": False}}})
    sources = [os.path.join(CONFIGS, name) for name in ("keyed.huawei_iot.yml", "keyed.tencent_iot.yml")]
    listing = ansible_inventory(env_of(emulator, tmp_path), tmp_path, sources)
    assert hosts_of(listing, "huawei_firmware_2_0_0") == ["hw-meter-%04d" % n for n in range(1, 6)]
    assert len(hosts_of(listing, "huawei_firmware_1_0_0")) == 295
    assert hosts_of(listing, "huawei_offline") == ["hw-meter-0100"]
    assert hosts_of(listing, "tencent_firmware_TCPROD0001_2_0_0") == ["tc-sensor-0007", "tc-sensor-0008",
                                                                      "tc-sensor-0009"]
    assert len(hosts_of(listing, "tencent_firmware_TCPROD0001_1_0_0")) == 297
    assert hosts_of(listing, "iot_tencent_fw_2_0_0") == hosts_of(listing, "tencent_firmware_TCPROD0001_2_0_0")


def test_cache_second_listing_makes_no_call(emulator, tmp_path):
    config = {"plugin": "iotfleet.firmware.huawei_iot", "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
              "cache_connection": str(tmp_path / "cache"), "cache_timeout": 3600}
    source = tmp_path / "cached.huawei_iot.yml"
    source.write_text(yaml.safe_dump(config))
    first = ansible_inventory(env_of(emulator, tmp_path), tmp_path, [str(source)])
    assert len(first["_meta"]["hostvars"]) == 300
    emulator.control("DELETE", "requests")
    second = ansible_inventory(env_of(emulator, tmp_path), tmp_path, [str(source)])
    assert second["_meta"]["hostvars"] == first["_meta"]["hostvars"]
    assert emulator.requests() == []
    ansible_inventory(env_of(emulator, tmp_path), tmp_path, [str(source)], "--flush-cache")
    assert listing_calls(emulator).count(("huawei", "GET /iocm/app/dm/v1.4.0/devices")) == 3


def writes(emulator):
    return [entry for entry in emulator.requests()
            if (entry["platform"] == "huawei" and entry["method"] == "POST" and entry["path"].startswith(HUAWEI_CREATE))
            or (entry["platform"] == "tencent" and entry.get("action") in ("BatchUpdateFirmware", "UpdateOtaTaskStatus"))]


def test_rollout_driven_by_the_plugin_configs_then_nothing_to_do(run_playbook, emulator, tmp_path):
    extra = {"staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports"),
             "staged_rollout_id": "it-inventory"}
    env = env_of(emulator, tmp_path)
    result = run_playbook(ROLLOUT, extra_vars=extra, env=env, inventory=FLEET)
    assert "Rollout it-inventory: COMPLETED" in result.stdout
    state = emulator.state()
    assert all(device["version"] == "2.0.0" for device in state["huawei"]["devices"])
    assert len(state["huawei"]["devices"]) == 300 and len(state["tencent"]["devices"]) == 300
    assert all(device["versions"]["mcu"] == "2.0.0" for device in state["tencent"]["devices"])

    # a new rollout over the same plugin configs: the platforms say every device is on 2.0.0 now
    emulator.control("DELETE", "requests")
    again = run_playbook(ROLLOUT, extra_vars=dict(extra, staged_rollout_id="it-inventory-again"), env=env,
                         inventory=FLEET)
    assert "600 already on the target version" in again.stdout
    assert "Rollout it-inventory-again: COMPLETED" in again.stdout
    assert writes(emulator) == []


def test_info_modules_in_a_playbook(run_playbook, emulator, tmp_path):
    emulator.control("POST", "devices", {"huawei": {"hw-meter-0001": {"version": "2.0.0"}},
                                         "tencent": {"TCPROD0001/tc-sensor-0001": {"versions": {"mcu": "2.0.0"}}}})
    result = run_playbook(os.path.join(HERE, "playbooks", "device_info.yml"), env=env_of(emulator, tmp_path), check=True,
                          extra_vars={"expected_huawei_old": "299", "expected_tencent_old": "299"})
    assert "huawei_old=299 tencent_old=299" in result.stdout
    assert result.host()["failed"] == 0 and result.host()["changed"] == 0
    assert writes(emulator) == []


def test_ansible_doc_renders_the_plugins_and_modules():
    for args in (["-t", "inventory", "iotfleet.firmware.huawei_iot"], ["-t", "inventory", "iotfleet.firmware.tencent_iot"],
                 ["iotfleet.firmware.huawei_iot_device_info"], ["iotfleet.firmware.huawei_iot_package_info"],
                 ["iotfleet.firmware.tencent_iot_device_info"], ["iotfleet.firmware.tencent_iot_firmware_info"]):
        proc = subprocess.run([os.path.join(BIN_DIR, "ansible-doc")] + args, capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode == 0 and "[WARNING]" not in proc.stderr, (args, proc.stderr)
        assert "EXAMPLES" in proc.stdout


def test_quick_start_with_the_example_configs(run_playbook, emulator, tmp_path):
    """docs/inventory.md's quick start: playbooks/inventories/fleet.*.yml (cache in tmp) and playbooks/rollout.yml."""
    examples = os.path.join(os.path.dirname(os.path.dirname(HERE)), "playbooks", "inventories")
    sources = []
    for name in ("fleet.huawei_iot.yml", "fleet.tencent_iot.yml"):
        with open(os.path.join(examples, name)) as handle:
            config = yaml.safe_load(handle)
        config["cache_connection"] = str(tmp_path / "cache")
        sources.append(str(tmp_path / name))
        with open(sources[-1], "w") as handle:
            yaml.safe_dump(config, handle)
    playbook = os.path.join(os.path.dirname(os.path.dirname(HERE)), "playbooks", "rollout.yml")
    extra = {"staged_rollout_id": "fw-2.0.0", "staged_rollout_huawei_file_id": "fw-wm100-2.0.0",
             "staged_rollout_huawei_target_version": "2.0.0", "staged_rollout_tencent_firmware_version": "2.0.0",
             "staged_rollout_tencent_fw_type": "mcu", "staged_rollout_poll_seconds": 2,
             "staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports")}
    env = env_of(emulator, tmp_path)
    plan = run_playbook(playbook, extra_vars=extra, env=env, inventory=sources, check=True)
    assert "600 devices in the fleet, 600 to upgrade" in plan.stdout and writes(emulator) == []
    result = run_playbook(playbook, extra_vars=extra, env=env, inventory=sources, extra_args=["--flush-cache"])
    assert "Rollout fw-2.0.0: COMPLETED" in result.stdout
    emulator.control("DELETE", "requests")
    again = run_playbook(playbook, extra_vars=dict(extra, staged_rollout_id="fw-2.0.0-again"), env=env,
                         inventory=sources, extra_args=["--flush-cache"])
    assert "600 already on the target version" in again.stdout and writes(emulator) == []
