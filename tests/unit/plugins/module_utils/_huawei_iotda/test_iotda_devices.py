"""IoTDA v5 devices (``ListDevices``, taken from the official SDK: the reference documents no v5 device query) against
canned answers, community.dns style (tests/kit/iotda.py, the ``make`` fixture of conftest.py): every test lists the
exact calls it expects, in order."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError

from kit.iotda import DEVICES, PACKAGE, device, devices_page, devices_query, error, get, package, package_path

MARKER_1 = "64000000000000000000012c"
MARKER_2 = "6400000000000000000000fa"
PACKAGE_PATH = package_path()


FULL_1 = [device(number) for number in range(100, 50, -1)]  # 50 devices, newest first
FULL_2 = [device(number) for number in range(50, 0, -1)]


def test_iter_devices_reads_every_page_as_neutral_rows(make):
    provider = make(
        get(DEVICES, devices_query(app_id="app-1"), answer=devices_page(FULL_1, 101, MARKER_1)),
        get(DEVICES, devices_query(MARKER_1, app_id="app-1"), answer=devices_page(FULL_2, 101, MARKER_2)),
        get(DEVICES, devices_query(MARKER_2, app_id="app-1"),
            answer=devices_page([device(0, fw=None, sw="", status="OFFLINE")], 101, "640000000000000000000001")),
    )
    rows = list(provider.iter_devices({"app_id": "app-1"}))
    assert len(rows) == 101 and len(provider.call_log) == 3
    first = rows[0]
    assert first == {"device_id": "dev-100", "platform": "huawei_iotda", "product_id": "prod-meter",
                     "firmware_version": "1.0.0", "software_version": "1.0.0", "name": "meter 100",
                     "node_id": "node-100", "gateway_id": "dev-100", "product_name": None, "app_id": "app-1",
                     "model": None, "device_type": None, "manufacturer": None, "online": True, "status": "ONLINE",
                     "raw": device(100)}
    last = rows[-1]
    # no fw_version and an empty sw_version: unknown versions, not an error
    assert (last["device_id"], last["firmware_version"], last["software_version"], last["online"]) == (
        "dev-000", None, None, False)
    assert [call["call"] for call in provider.call_log] == ["Huawei IoTDA ListDevices"] * 3


def test_device_versions_firmware_narrowed_to_the_package_product_and_stops_when_all_seen(make):
    provider = make(
        get(PACKAGE_PATH, answer=package(product_id="prod-meter")),
        get(DEVICES, devices_query(product_id="prod-meter"), answer=devices_page(
            FULL_1[:10] + [device(90, fw="2.0.0", sw="1.5.0"), device(89, fw=None)] + FULL_1[12:], 300, MARKER_1)),
        # the second page is never asked for: every device sought was on the first one
    )
    work = provider.validate({"package_id": PACKAGE, "targets": ["dev-090", "dev-089", "dev-100"]})
    provider.prepare(work)
    versions = provider.device_versions(["dev-090", "dev-089", "dev-100"], work)
    assert versions == {"dev-090": "2.0.0", "dev-100": "1.0.0"}  # dev-089 reports no fw_version: left out


def test_device_versions_software_upgrade_reads_sw_version(make):
    provider = make(
        get(PACKAGE_PATH, answer=package(product_id="prod-meter")),
        get(DEVICES, devices_query(product_id="prod-meter"), answer=devices_page(FULL_1, 100, MARKER_1)),
        get(DEVICES, devices_query(MARKER_1, product_id="prod-meter"), answer=devices_page(
            [device(50, fw="9.9.9", sw="2.0.0")] + FULL_2[1:], 100, MARKER_2)),
    )
    work = provider.validate({"package_id": PACKAGE, "targets": ["dev-050", "dev-001", "dev-777"],
                              "task_type": "softwareUpgrade"})
    provider.prepare(work)
    # dev-777 is not in the listing: every page is read, and it is left out (unknown)
    assert provider.device_versions(["dev-050", "dev-001", "dev-777"], work) == {"dev-050": "2.0.0",
                                                                                 "dev-001": "1.0.0"}


def test_device_versions_without_a_work_nor_package_product_lists_the_project(make):
    listed = [device(3, fw="1.2.3"), device(2), device(1, fw=None)]
    provider = make(get(DEVICES, devices_query(), answer=devices_page(listed, 3, "640000000000000000000001")))
    assert provider.device_versions(["dev-003", "dev-002", "dev-001"]) == {"dev-003": "1.2.3", "dev-002": "1.0.0"}


def test_device_versions_of_no_device_sends_nothing(make):
    provider = make()
    assert provider.device_versions([], {"task_type": "firmwareUpgrade"}) == {}


@pytest.mark.parametrize("answer, expected", [
    ({"page": {"count": 0, "marker": None}}, "field 'devices' is missing"),
    ({"devices": None, "page": {"count": 0}}, "field 'devices' is null"),
    ({"devices": {"device_id": "dev-001"}}, "field 'devices' is an object, expected a list"),
    ({"devices": ["dev-001"]}, "devices[0]"),
    ({"devices": [{"node_id": "n1", "fw_version": "1.0.0"}]}, "devices[0].device_id"),
    ({"devices": [device(1, fw={"v": 1})]}, "devices[0].fw_version"),
    ({"devices": [device(1, status=["ONLINE"])]}, "devices[0].status"),
    ({"devices": [], "page": {"count": "many"}}, "page.count"),
    ("<html>maintenance</html>", "not JSON"),
])
def test_garbage_listing_is_an_error_naming_the_call(make, answer, expected):
    provider = make(get(DEVICES, devices_query(), answer=answer))
    with pytest.raises(IoTError) as info:
        list(provider.iter_devices({}))
    assert info.value.code == "InvalidResponse" and info.value.call == "Huawei IoTDA ListDevices"
    assert "Huawei IoTDA ListDevices" in str(info.value) and expected in str(info.value), str(info.value)


def test_full_page_without_a_new_marker_is_an_error(make):
    provider = make(get(DEVICES, devices_query(), answer=devices_page(FULL_1, 500, None)))
    with pytest.raises(IoTError) as info:
        provider.device_versions(["dev-001", "dev-002", "dev-003", "dev-004", "dev-005", "dev-006", "dev-007",
                                  "dev-008", "dev-009", "dev-010", "dev-011"])
    assert "ListDevices" in str(info.value) and "page.marker" in str(info.value)


def test_error_envelope_names_the_call(make):
    provider = make(get(DEVICES, devices_query(), answer=error("IOTDA.000017", "bad limit"), status=400))
    with pytest.raises(IoTError) as info:
        list(provider.iter_devices({}))
    assert info.value.code == "IOTDA.000017" and "Huawei IoTDA ListDevices failed: HTTP 400" in str(info.value)


def test_one_page_keeps_the_page_marker(make):
    provider = make(get(DEVICES, {"product_id": "prod-meter", "limit": 20, "marker": MARKER_1, "offset": 40},
                        answer=devices_page(FULL_2[:20], 300, MARKER_2)))
    rows, answered = provider.api.list_devices_page(product_id="prod-meter", limit=20, marker=MARKER_1, offset=40)
    assert len(rows) == 20 and answered == {"count": 300, "marker": MARKER_2}
