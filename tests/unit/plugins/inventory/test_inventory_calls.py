"""The inventory plugins with the real providers against the emulator: exact HTTP calls, pacing, cache, options."""
import os

import pytest
import yaml

from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader

from ansible_collections.iotfleet.firmware.plugins.inventory import huawei_iot, tencent_iot
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection as huawei_connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection as tencent_connection

from device_info_harness import LOGIN, huawei_devices_page, platform, tencent_device_list  # tests/unit/plugins/modules
from inventory_loading import assert_connection_options, device_vars, load_plugin  # tests/unit/plugins/inventory/inventory_loading.py

from kit.credentials import HUAWEI_SECRET, TENCENT_SECRET_KEY

__all__ = ["platform"]  # the fixture


def write_config(tmp_path, name, config):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def parse(module, path, injected, inventory=None, cache=True):
    plugin = load_plugin(module)
    plugin.provider_kwargs = injected
    inventory = inventory if inventory is not None else InventoryData()
    plugin.parse(inventory, DataLoader(), path, cache=cache)
    return plugin, inventory


def huawei_config(platform, **extra):
    config = dict(plugin="iotfleet.firmware.huawei_iot", **platform.huawei_params())
    config.update(extra)
    return config


def tencent_config(platform, **extra):
    config = dict(plugin="iotfleet.firmware.tencent_iot", product_ids=["TCPROD0001"], **platform.tencent_params())
    config.update(extra)
    return config


def test_huawei_listing_calls_and_hosts(platform, tmp_path):
    path = write_config(tmp_path, "fleet.huawei_iot.yml", huawei_config(platform))
    injected = platform.injected(LOGIN, huawei_devices_page(0), huawei_devices_page(1), huawei_devices_page(2))
    _plugin, inventory = parse(huawei_iot, path, injected)
    platform.sessions[-1].assert_done()
    assert len(inventory.hosts) == 250
    assert device_vars(inventory, "hw-meter-0250") == {
        "iot_platform": "huawei", "iot_device_id": "hw-meter-0250", "iot_firmware_version": "1.0.0",
        "iot_software_version": "1.0.0", "iot_device_name": "hw-meter-0250", "iot_model": "WM-100",
        "iot_device_type": "WaterMeter", "iot_manufacturer": "Acme", "iot_online": True, "iot_status": "ONLINE",
        "iot_gateway_id": "hw-meter-0250"}
    assert len(inventory.groups["iot_huawei_fw_1_0_0"].get_hosts()) == 250


def test_huawei_keyed_groups_on_firmware_version_after_an_upgrade(platform, tmp_path):
    platform.control.patch_devices({"huawei": {"hw-meter-0002": {"version": "2.0.0"}}})
    config = huawei_config(platform, device_types=["WaterMeter"], models=["WM-100"],
                           keyed_groups=[{"key": "iot_firmware_version", "prefix": "fw"}])
    path = write_config(tmp_path, "fleet.huawei_iot.yml", config)
    pages = [huawei_devices_page(page, deviceType="WaterMeter") for page in range(3)]
    _plugin, inventory = parse(huawei_iot, path, platform.injected(LOGIN, *pages))
    platform.sessions[-1].assert_done()
    assert [host.name for host in inventory.groups["fw_2_0_0"].get_hosts()] == ["hw-meter-0002"]
    assert len(inventory.groups["fw_1_0_0"].get_hosts()) == 249
    assert [host.name for host in inventory.groups["iot_huawei_fw_2_0_0"].get_hosts()] == ["hw-meter-0002"]


def test_huawei_listing_is_paced_by_the_shared_limiter(platform, tmp_path):
    path = write_config(tmp_path, "slow.huawei_iot.yml", huawei_config(platform, api_calls_per_minute=2))
    pages = [huawei_devices_page(page) for page in range(3)]
    parse(huawei_iot, path, platform.injected(LOGIN, *pages))
    platform.sessions[-1].assert_done()
    # 4 requests at 2 per 60 s: the third and fourth each wait for a free slot of the window
    assert sum(platform.clock.sleeps) >= 60


def test_huawei_cache_serves_the_second_run_without_any_call(platform, tmp_path):
    config = huawei_config(platform, cache=True, cache_plugin="jsonfile", cache_connection=str(tmp_path / "cache"))
    path = write_config(tmp_path, "cached.huawei_iot.yml", config)
    plugin, _inventory = parse(huawei_iot, path, platform.injected(LOGIN, *[huawei_devices_page(p) for p in range(3)]))
    plugin.update_cache_if_changed()
    platform.sessions[-1].assert_done()
    cached = open(os.path.join(str(tmp_path / "cache"), os.listdir(str(tmp_path / "cache"))[0])).read()
    assert HUAWEI_SECRET not in cached
    _plugin, inventory = parse(huawei_iot, path, platform.injected())  # no request allowed
    assert len(inventory.hosts) == 250
    _plugin, inventory = parse(huawei_iot, path, platform.injected(*[huawei_devices_page(p) for p in range(3)]),
                               cache=False)  # --flush-cache: listed again (token from the shared cache)
    platform.sessions[-1].assert_done()


def test_tencent_one_listing_per_version(platform, tmp_path):
    platform.control.patch_devices({"tencent": {"TCPROD0001/tc-sensor-0007": {"versions": {"mcu": "2.0.0"}}}})
    config = tencent_config(platform, firmware_versions=["1.0.0", "2.0.0"], fw_type="mcu")
    path = write_config(tmp_path, "sensors.tencent_iot.yml", config)
    script = [tencent_device_list(offset, FirmwareVersion="1.0.0", FwType="mcu") for offset in (0, 100, 200)]
    script.append(tencent_device_list(0, FirmwareVersion="2.0.0", FwType="mcu"))
    _plugin, inventory = parse(tencent_iot, path, platform.injected(*script))
    platform.sessions[-1].assert_done()
    assert len(inventory.hosts) == 250
    assert device_vars(inventory, "tc-sensor-0007") == {
        "iot_platform": "tencent", "iot_device_id": "tc-sensor-0007", "iot_product_id": "TCPROD0001",
        "iot_firmware_version": "2.0.0", "iot_device_name": "tc-sensor-0007", "iot_device_type": 0,
        "iot_product_name": "SmartSensor", "iot_status": 1}
    assert [host.name for host in inventory.groups["iot_tencent_fw_2_0_0"].get_hosts()] == ["tc-sensor-0007"]


def test_tencent_device_secrets_never_reach_hostvars(platform, tmp_path):
    path = write_config(tmp_path, "raw.tencent_iot.yml", tencent_config(platform, raw_vars=True))
    script = [tencent_device_list(offset) for offset in (0, 100, 200)]
    _plugin, inventory = parse(tencent_iot, path, platform.injected(*script))
    raw = inventory.get_host("tc-sensor-0001").get_vars()["iot_raw"]
    assert raw["DeviceName"] == "tc-sensor-0001"
    assert not set(raw) & {"DevicePsk", "DeviceCert", "AppKey", "AppSKey", "NwkSKey"}


def test_platform_error_is_a_parser_error_without_secrets(platform, tmp_path):
    from ansible.errors import AnsibleParserError

    path = write_config(tmp_path, "bad.tencent_iot.yml", tencent_config(platform, product_ids=["NOPE"]))
    with pytest.raises(AnsibleParserError) as info:
        parse(tencent_iot, path, platform.injected(tencent_device_list(0, product="NOPE")))
    assert "GetDeviceList" in str(info.value) and TENCENT_SECRET_KEY not in str(info.value)


def test_bad_connection_option_fails_before_any_request(platform, tmp_path):
    from ansible.errors import AnsibleParserError

    path = write_config(tmp_path, "bad.huawei_iot.yml", huawei_config(platform, endpoint="iot.example:8743"))
    with pytest.raises(AnsibleParserError) as info:
        parse(huawei_iot, path, platform.injected())
    assert "endpoint" in str(info.value)


# ---- the inventory options are the modules' connection options ----------------------------------------------

@pytest.mark.parametrize("module, connection", [(huawei_iot, huawei_connection), (tencent_iot, tencent_connection)],
                         ids=["huawei", "tencent"])
def test_options_match_the_connection_argument_spec(module, connection):
    assert_connection_options(module, connection)
