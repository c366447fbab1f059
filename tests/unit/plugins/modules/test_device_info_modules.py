"""The four info modules end to end in-process against the emulator: the exact HTTP calls, results, errors."""
import pytest
import yaml

from module_runner import run  # tests/unit/plugins/modules/module_runner.py
from device_info_harness import (  # tests/unit/plugins/modules/device_info_harness.py
    CATEGORY, DEVICES, LOGIN, huawei_devices_page, platform, tencent_device_list)

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection as huawei_connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection as tencent_connection
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_device_info as hw_devices
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_package_info as hw_packages
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_device_info as tc_devices
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_firmware_info as tc_firmwares

from kit.credentials import HUAWEI_SECRET, TENCENT_SECRET_KEY
from kit.docs import compare, documented_options

__all__ = ["platform"]  # the fixture

MODULES = [hw_devices, hw_packages, tc_devices, tc_firmwares]


# ---- documentation == argument spec ----------------------------------------------------------------------------

@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_documentation_matches_argument_spec(module):
    compare(module.argument_spec(), documented_options(module))
    assert yaml.safe_load(module.EXAMPLES)
    returned = yaml.safe_load(module.RETURN)
    plural = [key for key in ("devices", "packages", "firmwares") if key in returned]
    assert len(plural) == 1 and returned[plural[0]]["type"] == "list" and returned[plural[0]]["returned"] == "always"
    assert {"missing", "total", "api_calls", "throttle_waits", "retries"} <= set(returned)


# ---- huawei_iot_device_info -----------------------------------------------------------------------------------

def test_huawei_devices_all_pages_with_controller_filters(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, huawei_connection, LOGIN, huawei_devices_page(0),
                                     huawei_devices_page(1), huawei_devices_page(2))
    result, raw = run(hw_devices, platform.huawei_params(models=["WM-100"], firmware_versions=["1.0.0"]), capsys,
                      check=True)
    session.assert_done()
    assert result["changed"] is False and result["total"] == 250 and result["api_calls"] == 4
    first = result["devices"][0]
    assert {key: first[key] for key in ("device_id", "platform", "firmware_version", "software_version", "model",
                                        "device_type", "manufacturer", "online")} == {
        "device_id": "hw-meter-0001", "platform": "huawei", "firmware_version": "1.0.0",
        "software_version": "1.0.0", "model": "WM-100", "device_type": "WaterMeter", "manufacturer": "Acme",
        "online": True}
    assert first["raw"]["deviceInfo"]["fwVersion"] == "1.0.0"
    assert HUAWEI_SECRET not in raw


def test_huawei_devices_nothing_matches_gives_an_empty_list(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, huawei_connection, LOGIN,
                                     huawei_devices_page(0, deviceType="GasMeter"))
    result, _raw = run(hw_devices, platform.huawei_params(device_types=["GasMeter"]), capsys)
    session.assert_done()
    assert result["devices"] == [] and result["missing"] == [] and result["total"] == 0


def test_huawei_devices_one_listing_per_gateway(platform, monkeypatch, capsys):
    session = platform.patch_factory(
        monkeypatch, huawei_connection, LOGIN,
        huawei_devices_page(0, deviceType="WaterMeter", gatewayId="hw-meter-0001"),
        huawei_devices_page(0, deviceType="WaterMeter", gatewayId="hw-meter-0002"))
    params = platform.huawei_params(device_types=["WaterMeter"], gateway_ids=["hw-meter-0001", "hw-meter-0002"])
    result, _raw = run(hw_devices, params, capsys)
    session.assert_done()
    assert [device["device_id"] for device in result["devices"]] == ["hw-meter-0001", "hw-meter-0002"]


def test_huawei_devices_by_id_and_missing(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, huawei_connection, LOGIN, DEVICES + "/hw-meter-0002",
                                     DEVICES + "/no-such-meter")
    result, _raw = run(hw_devices, platform.huawei_params(device_ids=["hw-meter-0002", "no-such-meter"]), capsys)
    session.assert_done()
    assert [device["device_id"] for device in result["devices"]] == ["hw-meter-0002"]
    assert result["missing"] == ["no-such-meter"]


def test_huawei_devices_one_page(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, huawei_connection, LOGIN, huawei_devices_page(2, 10))
    result, _raw = run(hw_devices, platform.huawei_params(page_no=2, page_size=10), capsys)
    session.assert_done()
    assert [device["device_id"] for device in result["devices"]][:2] == ["hw-meter-0021", "hw-meter-0022"]
    assert (result["total"], result["page_no"], result["page_size"], len(result["devices"])) == (250, 2, 10, 10)


@pytest.mark.parametrize("params, message", [
    (dict(page_size=101), "page_size must be at most 100"),
    (dict(page_no=-1), "page_no must be at least 0"),
    (dict(page_no=0, device_types=["A", "B"]), "device_types: one page"),
])
def test_huawei_devices_bad_input_before_any_request(platform, monkeypatch, capsys, params, message):
    session = platform.patch_factory(monkeypatch, huawei_connection)  # no request allowed
    result, _raw = run(hw_devices, platform.huawei_params(**params), capsys)
    assert result["failed"] and message in result["msg"]
    assert session.requests == []


def test_huawei_devices_platform_error_names_the_call(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, huawei_connection, LOGIN)
    result, raw = run(hw_devices, platform.huawei_params(secret="wrong-secret-value"), capsys)
    session.assert_done()
    assert result["failed"] and "POST /iocm/app/sec/v1.1.0/login" in result["msg"]
    assert "wrong-secret-value" not in raw


# ---- huawei_iot_package_info ----------------------------------------------------------------------------------

def test_huawei_packages_filtered_list(platform, monkeypatch, capsys):
    session = platform.patch_factory(
        monkeypatch, huawei_connection, LOGIN,
        CATEGORY + "?fileType=firmwarePackage&model=WM-100&pageNo=0&pageSize=100")
    result, _raw = run(hw_packages, platform.huawei_params(file_type="firmwarePackage", model="WM-100"), capsys,
                       check=True)
    session.assert_done()
    assert [package["fileId"] for package in result["packages"]] == ["fw-wm100-1.0.0", "fw-wm100-2.0.0"]
    assert result["packages"][1]["version"] == "2.0.0" and result["total"] == 2


def test_huawei_packages_by_id_one_page_and_empty(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, huawei_connection, LOGIN, CATEGORY + "/fw-wm100-2.0.0",
                                     CATEGORY + "/no-such-package")
    result, _raw = run(hw_packages, platform.huawei_params(file_ids=["fw-wm100-2.0.0", "no-such-package"]), capsys)
    session.assert_done()
    assert [package["fileId"] for package in result["packages"]] == ["fw-wm100-2.0.0"]
    assert result["missing"] == ["no-such-package"]

    session = platform.patch_factory(monkeypatch, huawei_connection, CATEGORY + "?pageNo=1&pageSize=1",
                                     CATEGORY + "?pageNo=0&pageSize=100&version=9.9.9")
    result, _raw = run(hw_packages, platform.huawei_params(page_no=1, page_size=1), capsys)
    assert [package["fileId"] for package in result["packages"]] == ["fw-wm100-2.0.0"]
    assert (result["total"], result["page_no"], result["page_size"]) == (2, 1, 1)
    result, _raw = run(hw_packages, platform.huawei_params(version="9.9.9"), capsys)  # same provider factory
    session.assert_done()
    assert result["packages"] == [] and result["total"] == 0


# ---- tencent_iot_device_info ----------------------------------------------------------------------------------

def test_tencent_devices_all_pages_on_a_version(platform, monkeypatch, capsys):
    session = platform.patch_factory(
        monkeypatch, tencent_connection, tencent_device_list(0, FirmwareVersion="1.0.0", FwType="mcu"),
        tencent_device_list(100, FirmwareVersion="1.0.0", FwType="mcu"),
        tencent_device_list(200, FirmwareVersion="1.0.0", FwType="mcu"))
    params = platform.tencent_params(product_id="TCPROD0001", firmware_version="1.0.0", fw_type="mcu")
    result, raw = run(tc_devices, params, capsys, check=True)
    session.assert_done()
    assert result["total"] == 250 and len(result["devices"]) == 250 and result["api_calls"] == 3
    first = result["devices"][0]
    assert (first["device_id"], first["product_id"], first["firmware_version"], first["product_name"]) == (
        "tc-sensor-0001", "TCPROD0001", "1.0.0", "SmartSensor")
    for secret_field in ("DevicePsk", "DeviceCert", "AppKey", "AppSKey", "NwkSKey"):
        assert secret_field not in raw
    assert TENCENT_SECRET_KEY not in raw


def test_tencent_devices_by_name_with_firmwares(platform, monkeypatch, capsys):
    session = platform.patch_factory(
        monkeypatch, tencent_connection, "DescribeDevice DeviceName=tc-sensor-0003 ProductId=TCPROD0001",
        "DescribeDevice DeviceName=no-such-sensor ProductId=TCPROD0001",
        "DescribeDeviceFirmwares DeviceName=tc-sensor-0003 ProductId=TCPROD0001")
    params = platform.tencent_params(product_id="TCPROD0001", device_names=["tc-sensor-0003", "no-such-sensor"],
                                     include_firmwares=True)
    result, _raw = run(tc_devices, params, capsys)
    session.assert_done()
    assert [device["device_id"] for device in result["devices"]] == ["tc-sensor-0003"]
    assert result["missing"] == ["no-such-sensor"]
    assert [(item["FwType"], item["Version"]) for item in result["devices"][0]["firmwares"]] == [("mcu", "1.0.0")]


def test_tencent_devices_one_page_and_empty(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, tencent_connection, tencent_device_list(240, 20),
                                     tencent_device_list(0, FirmwareVersion="9.9.9"))
    result, _raw = run(tc_devices, platform.tencent_params(product_id="TCPROD0001", offset=240, limit=20), capsys)
    assert (len(result["devices"]), result["total"], result["offset"], result["limit"]) == (10, 250, 240, 20)
    result, _raw = run(tc_devices, platform.tencent_params(product_id="TCPROD0001", firmware_version="9.9.9"), capsys)
    session.assert_done()
    assert result["devices"] == [] and result["total"] == 0


def test_tencent_unknown_product_fails_naming_the_action(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, tencent_connection, tencent_device_list(0, product="NOPE"))
    result, raw = run(tc_devices, platform.tencent_params(product_id="NOPE"), capsys)
    session.assert_done()
    assert result["failed"] and "GetDeviceList" in result["msg"] and "Traceback" not in raw


# ---- tencent_iot_firmware_info --------------------------------------------------------------------------------

def test_tencent_firmwares_list_and_given(platform, monkeypatch, capsys):
    session = platform.patch_factory(
        monkeypatch, tencent_connection, "ListFirmwares PageNum=1 PageSize=100 ProductID=TCPROD0001",
        "DescribeFirmware FirmwareVersion=2.0.0 FwType=mcu ProductID=TCPROD0001",
        "DescribeFirmware FirmwareVersion=9.9.9 FwType=mcu ProductID=TCPROD0001",
        "ListFirmwares PageNum=2 PageSize=1 ProductID=TCPROD0001")
    result, _raw = run(tc_firmwares, platform.tencent_params(product_id="TCPROD0001"), capsys, check=True)
    assert [item["Version"] for item in result["firmwares"]] == ["1.0.0", "2.0.0"] and result["total"] == 2
    params = platform.tencent_params(product_id="TCPROD0001", versions=["2.0.0", "9.9.9"], fw_type="mcu")
    result, _raw = run(tc_firmwares, params, capsys)
    assert [item["Version"] for item in result["firmwares"]] == ["2.0.0"] and result["missing"] == ["9.9.9"]
    assert "RequestId" not in result["firmwares"][0]
    result, _raw = run(tc_firmwares, platform.tencent_params(product_id="TCPROD0001", page_num=2, page_size=1),
                       capsys)
    session.assert_done()
    assert [item["Version"] for item in result["firmwares"]] == ["2.0.0"]
    assert (result["total"], result["page_num"], result["page_size"]) == (2, 2, 1)


def test_tencent_firmwares_versions_need_a_product(platform, monkeypatch, capsys):
    session = platform.patch_factory(monkeypatch, tencent_connection)
    result, _raw = run(tc_firmwares, platform.tencent_params(versions=["2.0.0"]), capsys)
    assert result["failed"] and "product_id" in result["msg"] and session.requests == []
