"""IoTDA v5 devices end to end (``ListDevices``, taken from the official SDK): the inventory plugin with the real
ansible-inventory, a rollout planned from it, and the huawei_iotda_device_info module in a real ansible-playbook,
against the emulator (fixtures in conftest.py)."""
import json
import os

import pytest

from inventory_runner import ansible_inventory, hosts_of, inventory_env  # tests/integration/inventory_runner.py
from kit.credentials import IOTDA_PROJECT_ID, IOTDA_SECRET_KEY as SECRET_KEY

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "playbooks", "inventory", "fleet.huawei_iotda.yml")
ROLLOUT = os.path.join(HERE, "playbooks", "rollout", "rollout.yml")
DEVICES = "/v5/iot/%s/devices" % IOTDA_PROJECT_ID


def meters(numbers):
    return ["iotda-meter-%04d" % number for number in numbers]


@pytest.fixture
def fleet(emulator):
    """The demo v5 fleet with 0001-0005 on firmware 2.0.0, 0010 on software 2.0.0, 0009 reporting no version, 0100
    offline."""
    changes = dict((name, {"fw_version": "2.0.0"}) for name in meters(range(1, 6)))
    changes.update({"iotda-meter-0010": {"sw_version": "2.0.0"}, "iotda-meter-0100": {"online": False},
                    "iotda-meter-0009": {"fw_version": None, "sw_version": None}})
    emulator.control("POST", "devices", {"huawei_iotda": changes})
    emulator.control("DELETE", "requests")
    return emulator


def env_of(emulator, tmp_path):
    return inventory_env(tmp_path, emulator.iotda_env())


def device_calls(emulator):
    return [(entry["method"], entry["path"], entry["status"]) for entry in emulator.requests("huawei_iotda")]


def test_ansible_inventory_lists_the_v5_fleet(fleet, tmp_path):
    listing = ansible_inventory(env_of(fleet, tmp_path), tmp_path, [CONFIG], secrets=[SECRET_KEY])
    hostvars = listing["_meta"]["hostvars"]
    assert sorted(hostvars) == meters(range(1, 301))
    assert hosts_of(listing, "iot_devices") == meters(range(1, 301))
    assert hosts_of(listing, "iot_huawei_iotda_fw_2_0_0") == meters(range(1, 6))
    assert hosts_of(listing, "iot_huawei_iotda_fw_unknown") == ["iotda-meter-0009"]
    assert len(hosts_of(listing, "iot_huawei_iotda_fw_1_0_0")) == 294
    assert hosts_of(listing, "iotda_software_2_0_0") == ["iotda-meter-0010"]
    assert hosts_of(listing, "iotda_software_unknown") == ["iotda-meter-0009"]
    assert hosts_of(listing, "iotda_offline") == ["iotda-meter-0100"]
    read_at = hostvars["iotda-meter-0010"].pop("iot_version_read_at")  # when the listing read it (ISO 8601, UTC)
    assert len(read_at) == 20 and read_at.endswith("Z")
    assert hostvars["iotda-meter-0010"] == {
        "iot_platform": "huawei_iotda", "iot_device_id": "iotda-meter-0010", "iot_product_id": "iotda-meter",
        "iot_firmware_version": "1.0.0", "iot_software_version": "2.0.0", "iot_device_name": "iotda-meter-0010",
        "iot_gateway_id": "iotda-meter-0010", "iot_online": True, "iot_status": "ONLINE"}
    assert "iot_firmware_version" not in hostvars["iotda-meter-0009"]
    # 300 devices: 6 signed pages of 50 (the emulator verifies every signature: a 401 would fail the listing)
    assert device_calls(fleet) == [("GET", DEVICES, 200)] * 6


def test_a_rollout_planned_from_the_plugin_reads_the_versions_from_the_platform(fleet, run_playbook, tmp_path):
    """--check: the plan of a rollout over the plugin's hosts; the plan-time refresh does not read again the versions
    the plugin read moments ago (iot_version_read_at), only the one device without a version, by one ShowDevice
    (cheaper than the product's 6 ListDevices pages), and writes nothing."""
    extra = {"staged_rollout_id": "it-iotda-plan", "staged_rollout_state_dir": str(tmp_path / "state"),
             "staged_rollout_report_dir": str(tmp_path / "reports"),
             "staged_rollout_huawei_iotda_package_id": "iotda-fw-2.0.0",
             "staged_rollout_huawei_iotda_target_version": "2.0.0"}
    fleet.control("POST", "devices", {"huawei_iotda": {"iotda-meter-0006": {"fw_version": "2.0.0"}}})
    result = run_playbook(ROLLOUT, extra_vars=extra, env=env_of(fleet, tmp_path), inventory=[CONFIG], check=True)
    out = result.stdout
    assert "300 devices in the fleet, 294 to upgrade" in out, out[-3000:]
    assert "6 already on the target version" in out
    assert "1 devices report no version" in out
    calls = device_calls(fleet)
    assert [call for call in calls if call[0] != "GET"] == []
    listings = [call for call in calls if call[1] == DEVICES]
    assert len(listings) == 6  # the inventory's 6 pages; the refresh lists nothing
    assert [call for call in calls if call[1] != DEVICES and call[1].startswith(DEVICES)] == [
        ("GET", DEVICES + "/iotda-meter-0009", 200)]
    assert "Versions of 1 huawei_iotda product iotda-meter devices read from the platform (2 API calls)" in out


def test_device_info_module_in_a_playbook(fleet, run_playbook, tmp_path):
    result_file = tmp_path / "devices.json"
    env = dict(env_of(fleet, tmp_path), HUAWEICLOUD_SDK_PROJECT_ID="", HW_REGION_NAME="")
    result = run_playbook("huawei_iotda/device_info.yml", env=env, verbosity=3,
                          extra_vars={"result_file": str(result_file)})
    assert result.host()["failed"] == 0 and result.host()["changed"] == 0 and result.host()["ignored"] == 1
    with open(str(result_file)) as handle:
        data = json.load(handle)
    assert data["unknown"]["firmware_version"] is None and data["unknown"]["software_version"] is None
    assert [row["device_id"] for row in data["every"]] == meters(range(300, 0, -1))
    calls = device_calls(fleet)
    assert all(call == ("GET", DEVICES, 200) for call in calls)
    # every page for the listing and the two filters, every page for the given devices (one is unknown), 2 single pages
    assert len(calls) == 6 + 6 + 6 + 6 + 1 + 1
    output = result.stdout + result.stderr
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output and SECRET_KEY not in output
