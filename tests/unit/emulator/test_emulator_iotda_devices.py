"""The emulator's IoTDA v5 device listing ``GET /v5/iot/{project_id}/devices`` (``ListDevices``): not in huawei-iot.md
§10, it follows the official SDK's models (``ListDevicesRequest``, ``ListDevicesResponse``, ``QueryDeviceSimplify``,
``Page``). Driven over real HTTP with the independent signer of test_emulator_iotda.py; time moves with ``advance``."""

import pytest
import requests

from test_emulator_iotda import BASE, PROJECT, TIMEOUT, emu, v5  # emu, v5: the fixtures

__all__ = ["emu", "v5"]  # the fixtures

# QueryDeviceSimplify fields (SDK) the emulator answers; every one is documented by the SDK's model
SDK_FIELDS = {"app_id", "device_id", "node_id", "gateway_id", "device_name", "node_type", "product_id", "status",
              "fw_version", "sw_version"}


def meters(numbers):
    return ["iotda-meter-%04d" % number for number in numbers]


def test_every_page_by_marker_newest_record_first(v5):
    seen, marker, pages = [], None, 0
    while True:
        params = {"limit": 50}
        if marker:
            params["marker"] = marker
        answer = v5.ok("GET", "/devices", params=params)
        assert set(answer) == {"devices", "page"} and answer["page"]["count"] == 300
        pages += 1
        seen += [item["device_id"] for item in answer["devices"]]
        if len(answer["devices"]) < 50:
            break
        marker = answer["page"]["marker"]
        assert len(marker) == 24 and int(marker, 16) >= 0
    assert seen == meters(range(300, 0, -1)) and pages == 7  # the 7th page is empty
    assert answer["page"]["marker"] is None  # an empty page has no marker


def test_device_object_has_the_sdk_fields_only(v5):
    item = v5.ok("GET", "/devices", params={"limit": 1})["devices"][0]
    assert set(item) == SDK_FIELDS
    assert item == {"app_id": "iotda-demo-app", "device_id": "iotda-meter-0300", "node_id": "iotda-meter-0300",
                    "gateway_id": "iotda-meter-0300", "device_name": "iotda-meter-0300", "node_type": "GATEWAY",
                    "product_id": "iotda-meter", "status": "ONLINE", "fw_version": "1.0.0", "sw_version": "1.0.0"}


def test_query_filters_and_offset(v5):
    assert v5.ok("GET", "/devices", params={"product_id": "other-product"}) == {
        "devices": [], "page": {"count": 0, "marker": None}}
    by_app = v5.ok("GET", "/devices", params={"app_id": "iotda-demo-app", "product_id": "iotda-meter", "limit": 3,
                                              "offset": 2})
    assert [item["device_id"] for item in by_app["devices"]] == meters((298, 297, 296))
    assert by_app["page"]["count"] == 300
    by_node = v5.ok("GET", "/devices", params={"node_id": "iotda-meter-0042"})
    assert [item["device_id"] for item in by_node["devices"]] == ["iotda-meter-0042"]
    assert by_node["page"]["count"] == 1


def test_versions_follow_the_upgrades_and_a_missing_version_is_left_out(emu, v5):
    emu.patch_devices({"huawei_iotda": {"iotda-meter-0002": {"sw_version": None, "online": False}}})
    v5.create(targets=["iotda-meter-0001"])
    emu.advance(3600)
    answer = v5.ok("GET", "/devices", params={"limit": 50, "offset": 298})  # 0002 and 0001
    items = dict((item["device_id"], item) for item in answer["devices"])
    assert (items["iotda-meter-0001"]["fw_version"], items["iotda-meter-0001"]["sw_version"]) == ("2.0.0", "1.0.0")
    assert "sw_version" not in items["iotda-meter-0002"] and items["iotda-meter-0002"]["status"] == "OFFLINE"


@pytest.mark.parametrize("params, status, code", [
    ({"limit": 0}, 400, "IOTDA.000017"),
    ({"limit": 51}, 400, "IOTDA.000017"),
    ({"marker": "zz"}, 400, "IOTDA.000006"),
    ({"offset": 501}, 400, "IOTDA.000006"),
    ({"product_id": "bad product!"}, 400, "IOTDA.000006"),
    ({"app_id": "x" * 37}, 400, "IOTDA.000006"),
])
def test_bad_query_is_refused(v5, params, status, code):
    v5.error("GET", "/devices", status, code, params=params)


def test_the_listing_verifies_the_signature(emu, v5):
    v5.error("GET", "/devices", 401, "APIGW.0301", sk="WRONG" + "0" * 35)
    unsigned = requests.get(emu.url + BASE + "/devices", timeout=TIMEOUT)
    assert unsigned.status_code == 401 and unsigned.json()["error_code"] == "APIGW.0301"
    stats = emu.control("GET", "stats")["huawei_iotda"]
    assert stats["by_kind"].get("list_devices") == 2


# --------------------------------------------------------------------------- ShowDevice (SDK, not in §10)

# ShowDeviceResponse fields (SDK) the emulator answers: the listing's plus auth_info (AuthInfoRes)
SHOW_FIELDS = SDK_FIELDS | {"auth_info"}


def test_show_device_answers_the_sdk_fields_and_a_fake_secret(emu, v5):
    from iotemu.iotda import device_secret

    v5.create(targets=["iotda-meter-0007"])
    emu.advance(3600)
    item = v5.ok("GET", "/devices/iotda-meter-0007")
    assert set(item) == SHOW_FIELDS
    assert (item["device_id"], item["product_id"], item["fw_version"], item["sw_version"]) == (
        "iotda-meter-0007", "iotda-meter", "2.0.0", "1.0.0")
    secret = device_secret(PROJECT, "iotda-meter-0007")
    assert item["auth_info"] == {"auth_type": "SECRET", "secret": secret, "secure_access": True, "timeout": 0}
    assert 8 <= len(secret) <= 32 and secret != device_secret(PROJECT, "iotda-meter-0008")
    emu.patch_devices({"huawei_iotda": {"iotda-meter-0002": {"fw_version": None}}})
    assert "fw_version" not in v5.ok("GET", "/devices/iotda-meter-0002")


def test_show_device_of_an_unknown_or_malformed_id(v5):
    assert "does not exist" in v5.error("GET", "/devices/iotda-meter-9999", 404, "IOTDA.014904")
    v5.error("GET", "/devices/bad%20id", 400, "IOTDA.000006")


def test_show_device_verifies_the_signature_and_is_counted(emu, v5):
    v5.error("GET", "/devices/iotda-meter-0001", 401, "APIGW.0301", sk="WRONG" + "0" * 35)
    unsigned = requests.get(emu.url + BASE + "/devices/iotda-meter-0001", timeout=TIMEOUT)
    assert unsigned.status_code == 401 and unsigned.json()["error_code"] == "APIGW.0301"
    v5.ok("GET", "/devices/iotda-meter-0001")
    stats = emu.control("GET", "stats")["huawei_iotda"]
    assert stats["by_kind"].get("show_device") == 3 and not stats["by_kind"].get("list_devices")
