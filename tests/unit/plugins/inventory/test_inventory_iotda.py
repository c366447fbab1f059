"""The inventory plugin iotfleet.firmware.huawei_iotda with the real IoTDA v5 provider against canned answers: the exact
``ListDevices`` calls (taken from the official SDK: the reference documents no v5 device query), host variables,
groups, filters, errors and the options shared with the modules."""
import pytest
import yaml

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader

from ansible_collections.iotfleet.firmware.plugins.inventory import huawei_iotda
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection

from inventory_loading import assert_connection_options, device_vars, load_plugin  # tests/unit/plugins/inventory/inventory_loading.py

from kit.calls import Calls
from kit.clock import Clock
from kit.credentials import IOTDA_ACCESS_KEY, IOTDA_PROJECT_ID, IOTDA_REGION, IOTDA_SECRET_KEY as SK
from kit.iotda import DEVICES, TOKEN, device, devices_page as page, devices_query as query, error, get, signed

MARKER = "640000000000000000000033"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def parse(tmp_path, clock):
    """``parse(config, *calls)`` -> (plugin, inventory); the kit's recorder must receive exactly ``calls``, signed
    (tests/kit/iotda.py)."""
    sessions = []

    def run(config, *calls, **kwargs):
        full = {"plugin": "iotfleet.firmware.huawei_iotda", "access_key": IOTDA_ACCESS_KEY, "secret_key": SK,
                "project_id": IOTDA_PROJECT_ID, "region": IOTDA_REGION, "pacing_dir": str(tmp_path / "pacing"),
                "api_calls_per_window": 1000}
        full.update(config)
        path = tmp_path / "fleet.huawei_iotda.yml"
        path.write_text(yaml.safe_dump(full))
        session = Calls(*calls, check=signed(clock=clock))
        sessions.append(session)
        plugin = load_plugin(huawei_iotda)
        plugin.provider_kwargs = dict(session=session, sleep=clock.sleep, clock=clock.time, monotonic=clock.monotonic)
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), **kwargs)
        return plugin, inventory

    yield run
    for session in sessions:
        session.assert_done()


def group_hosts(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def test_listing_calls_host_vars_and_default_groups(parse):
    first = [device(number) for number in range(60, 10, -1)]  # a full page of 50
    rest = [device(10, fw="2.0.0", sw="3.0.0"), device(9, fw=None, sw=None, status="OFFLINE")]
    _plugin, inventory = parse({}, get(DEVICES, query(), answer=page(first, 52, MARKER)),
                               get(DEVICES, query(MARKER), answer=page(rest, 52, "640000000000000000000009")))
    assert len(inventory.hosts) == 52
    assert device_vars(inventory, "dev-010") == {
        "iot_platform": "huawei_iotda", "iot_device_id": "dev-010", "iot_product_id": "prod-meter",
        "iot_firmware_version": "2.0.0", "iot_software_version": "3.0.0", "iot_device_name": "meter 10",
        "iot_gateway_id": "dev-010", "iot_online": True, "iot_status": "ONLINE"}
    # a device without fw_version / sw_version: the variables are not set, the device is in the "unknown" group
    assert device_vars(inventory, "dev-009") == {
        "iot_platform": "huawei_iotda", "iot_device_id": "dev-009", "iot_product_id": "prod-meter",
        "iot_device_name": "meter 9", "iot_gateway_id": "dev-009", "iot_online": False, "iot_status": "OFFLINE"}
    assert group_hosts(inventory, "iot_huawei_iotda_fw_unknown") == ["dev-009"]
    assert group_hosts(inventory, "iot_huawei_iotda_fw_2_0_0") == ["dev-010"]
    assert len(group_hosts(inventory, "iot_huawei_iotda_fw_1_0_0")) == 50
    assert [child.name for child in inventory.groups["iot_devices"].child_groups] == ["iot_huawei_iotda"]


def test_one_listing_per_product_in_the_resource_space_and_version_filters(parse):
    _plugin, inventory = parse(
        {"app_id": "app-1", "product_ids": ["prod-a", "prod-b"], "firmware_versions": ["1.0.0"],
         "software_versions": ["1.0.0", "1.1.0"], "raw_vars": True},
        get(DEVICES, query(app_id="app-1", product_id="prod-a"), answer=page(
            [device(3, product="prod-a"), device(2, product="prod-a", fw="2.0.0")], 2)),
        get(DEVICES, query(app_id="app-1", product_id="prod-b"), answer=page(
            [device(1, product="prod-b", sw="1.1.0"), device(0, product="prod-b", sw="9.0.0")], 2)))
    assert sorted(host for host in inventory.hosts) == ["dev-001", "dev-003"]
    assert inventory.get_host("dev-001").get_vars()["iot_raw"] == device(1, product="prod-b", sw="1.1.0")


def test_a_page_without_devices_is_a_parser_error_naming_the_call(parse):
    with pytest.raises(AnsibleParserError) as info:
        parse({"security_token": TOKEN}, get(DEVICES, query(), answer={"page": {"count": 3}}, token=TOKEN))
    text = str(info.value)
    assert "iotfleet.firmware.huawei_iotda" in text and "Huawei IoTDA ListDevices" in text and "devices" in text
    assert SK not in text and TOKEN not in text


def test_an_error_answer_is_a_parser_error_without_secrets(parse):
    answer = error("APIGW.0301", "Incorrect IAM authentication information %s" % SK)
    with pytest.raises(AnsibleParserError) as info:
        parse({}, get(DEVICES, query(), answer=answer, status=401))
    assert "APIGW.0301" in str(info.value) and SK not in str(info.value)


@pytest.mark.parametrize("config, text", [
    ({"region": "Beijing"}, "region must be a Huawei Cloud region id"),
    ({"endpoint": "iotda.example.com"}, "endpoint must be an http(s) URL"),
    ({"api_calls_per_window": 0}, "api_calls_per_window must be at least 1"),
])
def test_bad_connection_option_fails_before_any_request(parse, config, text):
    with pytest.raises(AnsibleParserError) as info:
        parse(config)  # no call expected
    assert text in str(info.value)


def test_the_listing_is_paced_by_the_shared_limiter(parse, clock):
    pages = [get(DEVICES, query(), answer=page([device(n) for n in range(100, 50, -1)], 101, MARKER)),
             get(DEVICES, query(MARKER), answer=page([device(n) for n in range(50, 0, -1)], 101,
                                                     "640000000000000000000001")),
             get(DEVICES, query("640000000000000000000001"), answer=page([device(0)], 101))]
    plugin, _inventory = parse({"api_calls_per_window": 1, "api_window_seconds": 10.0}, *pages)
    # 3 calls at 1 per 10 s: the second and the third each wait for the window
    assert [round(seconds, 3) for seconds in clock.sleeps] == [10.0, 10.0]


def test_options_match_the_connection_argument_spec():
    assert_connection_options(huawei_iotda, connection)


def test_verify_file_takes_only_its_suffixes(tmp_path):
    plugin = load_plugin(huawei_iotda)
    for name, expected in (("a.huawei_iotda.yml", True), ("a.huawei_iotda.yaml", True), ("a.huawei_iot.yml", False)):
        path = tmp_path / name
        path.write_text("plugin: iotfleet.firmware.huawei_iotda\n")
        assert plugin.verify_file(str(path)) is expected, name
