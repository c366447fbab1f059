"""Control API, request log hygiene, fleets (demo, demo:N, JSON file) and the command line."""

import json
import os
import subprocess
import sys

import pytest
import requests

from emu_helpers import PRODUCT, TIMEOUT
from kit.control import EmulatorProcess
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET, TENCENT_SECRET_ID, TENCENT_SECRET_KEY
from iotemu import fleet as fleet_module
from iotemu.core import validate_behaviour

EMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "emulator")


def test_demo_fleet_details():
    demo = fleet_module.load_fleet("demo")
    huawei, tencent = demo["huawei"], demo["tencent"]
    assert huawei["apps"] == {HUAWEI_APP_ID: HUAWEI_SECRET}  # the kit's demo credentials are the emulator's
    assert sorted(huawei["packages"]) == ["fw-wm100-1.0.0", "fw-wm100-2.0.0"]
    assert len(huawei["devices"]) == 300
    first, second, last = huawei["devices"]["hw-meter-0001"], huawei["devices"]["hw-meter-0002"], huawei["devices"]["hw-meter-0300"]
    assert (first["deviceType"], first["model"], first["manufacturerName"], first["version"]) == ("WaterMeter", "WM-100", "Acme", "1.0.0")
    assert first["groups"] == ["north", "lab"] and second["groups"] == ["south", "lab"] and last["groups"] == ["south"]
    assert sum("lab" in device["groups"] for device in huawei["devices"].values()) == 10
    assert list(tencent["credentials"]) == [TENCENT_SECRET_ID]
    assert tencent["credentials"][TENCENT_SECRET_ID]["secret_key"] == TENCENT_SECRET_KEY
    assert tencent["products"] == {"TCPROD0001": {"ProductId": "TCPROD0001", "ProductName": "SmartSensor"}}
    assert [(fw["Version"], fw["FwType"]) for fw in tencent["firmwares"]] == [("1.0.0", "mcu"), ("2.0.0", "mcu")]
    assert len(tencent["devices"]) == 300 and ("TCPROD0001", "tc-sensor-0300") in tencent["devices"]
    assert len(fleet_module.load_fleet("demo:7")["tencent"]["devices"]) == 7


def test_fleet_file_and_errors(tmp_path):
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"tencent": {"products": [{"ProductId": "P1"}], "devices": [{"ProductId": "P1", "DeviceName": "d"}]}}))
    loaded = fleet_module.load_fleet(str(path))
    assert loaded["tencent"]["devices"][("P1", "d")]["versions"] == {"mcu": "1.0.0"}
    assert loaded["huawei"]["devices"] == {}
    for bad in ("demo:x", str(tmp_path / "missing.json"), {"tencent": {"devices": [{"ProductId": "P9", "DeviceName": "d"}]}},
                {"huawei": {"packages": [{"fileId": "p"}]}}):
        with pytest.raises(fleet_module.FleetError):
            fleet_module.load_fleet(bad)


def test_behaviour_validation():
    assert validate_behaviour({"time_scale": 60, "failure_rates": {"a*": 0.5}}) == {"time_scale": 60.0,
                                                                                    "failure_rates": [["a*", 0.5]]}
    for bad in ({"time_scale": 0}, {"colour": 1}, {"failure_rates": {"x": 2}}, {"tencent_skew_check": "no"},
                {"huawei_calls_per_minute": 1.5}):
        with pytest.raises(ValueError):
            validate_behaviour(bad)


def test_health_behaviour_and_state(emulator):
    assert emulator.control("GET", "health") == {"ok": True}
    merged = emulator.control("POST", "behaviour", {"time_scale": 60, "failure_rates": {"tc-*": 0.1}})
    assert merged["time_scale"] == 60 and merged["failure_rates"] == {"tc-*": 0.1} and merged["upgrade_seconds"] == 300
    assert emulator.control("GET", "behaviour")["time_scale"] == 60
    emulator.control("POST", "behaviour", {"nope": 1}, expect=400)
    state = emulator.state()
    assert state["time"]["time_scale"] == 60
    assert len(state["huawei"]["devices"]) == 20 and len(state["tencent"]["devices"]) == 20
    assert HUAWEI_SECRET not in json.dumps(state) and TENCENT_SECRET_KEY not in json.dumps(state)


def test_reset(emulator, tencent):
    tencent.create(DeviceNames=["tc-sensor-0001"])
    emulator.inject(kind="http_500")
    emulator.control("POST", "behaviour", {"time_scale": 99})
    emulator.control("POST", "reset")
    state = emulator.state()
    assert state["tencent"]["tasks"] == [] and state["time"]["time_scale"] == 1
    assert emulator.control("GET", "faults")["faults"] == [] and emulator.requests() == [
        entry for entry in emulator.requests() if entry["platform"] == "control"]
    emulator.control("POST", "reset", {"fleet": "demo:3", "behaviour": {"time_scale": 5}})
    state = emulator.state()
    assert len(state["tencent"]["devices"]) == 3 and state["time"]["time_scale"] == 5
    emulator.control("POST", "reset", {"fleet": "demo:x"}, expect=400)


def test_request_log_has_no_secrets(emulator, huawei, tencent):
    tencent.create(DeviceNames=["tc-sensor-0001"])
    tencent.error("DescribeFirmware", {"ProductID": "NOPE", "FirmwareVersion": "2.0.0"})
    huawei.get("/operations")
    huawei.get("/operations", token="bad")
    log = emulator.requests()
    dumped = json.dumps(log)
    for secret in (HUAWEI_SECRET, TENCENT_SECRET_KEY, huawei.token, "Bearer", "TC3-HMAC"):
        assert secret not in dumped
    platforms = [(entry["platform"], entry["method"], entry["action"], entry["status"], entry["error_code"]) for entry in log]
    assert ("tencent", "POST", "BatchUpdateFirmware", 200, None) in platforms
    assert ("tencent", "POST", "DescribeFirmware", 200, "ResourceNotFound.StudioProductNotExist") in platforms
    assert ("huawei", "GET", None, 403, "1010005") in platforms
    assert [entry["seq"] for entry in log] == sorted(entry["seq"] for entry in log)
    assert set(log[0]) == {"seq", "time", "platform", "method", "path", "action", "status", "error_code", "fault"}
    emulator.control("DELETE", "requests")
    assert emulator.requests() == []


def test_unknown_paths(emulator):
    assert requests.get(emulator.url + "/nothing", timeout=TIMEOUT).status_code == 404
    assert requests.get(emulator.url + "/_emulator/nothing", timeout=TIMEOUT).status_code == 404
    huawei_unknown = requests.get(emulator.url + "/iodm/northbound/v1.5.0/nothing", timeout=TIMEOUT)
    assert huawei_unknown.status_code == 404 and huawei_unknown.json()["error_code"] == "404"


def test_patch_devices_errors(emulator):
    emulator.control("POST", "devices", {"huawei": {"hw-meter-9999": {"online": False}}}, expect=400)
    emulator.control("POST", "devices", {"tencent": {"tc-sensor-0001": {"online": False}}}, expect=400)
    emulator.control("POST", "devices", {"tencent": {PRODUCT + "/tc-sensor-0001": {"online": False}}})
    devices = dict((d["DeviceName"], d) for d in emulator.state()["tencent"]["devices"])
    assert devices["tc-sensor-0001"]["online"] is False


def test_command_line(tmp_path):
    emulator = EmulatorProcess(["--port", "0", "--fleet", "demo:5", "--time-scale", "60", "--tls", "server",
                                "--tls-dir", str(tmp_path / "tls"), "--failure-rate", "tc-sensor-000[1-2]=1"],
                               str(tmp_path), start_timeout=20)
    try:
        info = emulator.info
        assert info["pid"] == emulator.process.pid and info["url"].startswith("https://127.0.0.1:")
        assert info["ca_path"] == str(tmp_path / "tls" / "ca.pem")
        behaviour = emulator.control.behaviour()  # over HTTPS, trusting the emulator's CA
        assert behaviour["time_scale"] == 60 and behaviour["failure_rates"] == {"tc-sensor-000[1-2]": 1.0}
    finally:
        assert emulator.stop(timeout=10) == 0  # SIGTERM: a clean exit


def test_command_line_bad_fleet(tmp_path):
    env = dict(os.environ, PYTHONPATH=EMULATOR_DIR)
    result = subprocess.run([sys.executable, "-m", "iotemu", "--fleet", str(tmp_path / "missing.json")], env=env,
                            capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode == 2 and "fleet file not found" in result.stderr
