"""Unit tests of the inventory plugins' shared logic with a scripted provider (no HTTP).

The provider here stands for the platform layer's contract (``iter_devices``); what the platform is asked over
HTTP is tested with the real providers in ``test_inventory_calls.py``.
"""
import os

import pytest

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible_collections.iotfleet.firmware.plugins.inventory import huawei_iot, tencent_iot
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.devices import HuaweiDevices
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.devices import TencentDevices
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _inventory

from inventory_loading import device_vars, load_plugin  # tests/unit/plugins/inventory/inventory_loading.py

from kit.providers import ScriptedProvider

PLUGINS = {"huawei": huawei_iot, "tencent": tencent_iot}

SECRET = "s3cr3t-value-never-shown"


def huawei_device(number, version="1.0.0", **extra):
    device = {"device_id": "hw-meter-%04d" % number, "platform": "huawei", "firmware_version": version,
              "software_version": "1.0.0", "name": "meter %d" % number, "model": "WM-100",
              "device_type": "WaterMeter", "manufacturer": "Acme", "online": number % 2 == 1,
              "raw": {"deviceId": "hw-meter-%04d" % number, "gatewayId": "gw-%d" % (number % 3)}}
    device.update(extra)
    return device


def tencent_device(name, product="TCPROD0001", version="1.0.0"):
    return {"device_id": name, "platform": "tencent", "product_id": product, "firmware_version": version,
            "product_name": "SmartSensor", "device_type": None, "online": None,
            "raw": {"DeviceName": name, "ProductId": product, "Version": version, "Status": 1}}


class HuaweiListings(ScriptedProvider):
    """The kit's fake provider as a device source, behind the Huawei provider's listings (``device_listings``)."""
    device_listings = HuaweiDevices.device_listings


class TencentListings(ScriptedProvider):
    """The kit's fake provider as a device source, behind the Tencent provider's listings (``device_listings``)."""
    device_listings = TencentDevices.device_listings


class FakeConnection:
    """The shape of ``_huawei.connection`` / ``_tencent.connection``: argument_spec, validate, provider_from_params."""

    def __init__(self, spec, script, errors=(), provider_class=HuaweiListings):
        self.spec = spec
        self.provider_class = provider_class
        self.script = script
        self.errors = list(errors)
        self.log = []
        self.providers = []

    def argument_spec(self):
        return dict(self.spec)

    def validate(self, params):
        self.log.append(("validate", dict(params)))
        if self.errors:
            raise ValidationError(self.errors)

    def listings(self):
        """The filters of every ``iter_devices`` of the providers made, in order."""
        return [args[0] for provider in self.providers for method, args in provider.calls if method == "iter_devices"]

    def provider_from_params(self, params, **injected):
        self.log.append(("provider_from_params", sorted(injected)))
        provider = self.provider_class("huawei" if self.provider_class is HuaweiListings else "tencent",
                                       devices=self.script, secrets=[SECRET])
        self.providers.append(provider)
        return provider


HUAWEI_SPEC = {"endpoint": {"type": "str"}, "app_id": {"type": "str"}, "secret": {"type": "str", "no_log": True},
               "access_token": {"type": "str", "no_log": True}, "validate_certs": {"type": "bool", "default": True},
               "timeout": {"type": "int", "default": 30}, "reconcile_timeout": {"type": "int"}}
TENCENT_SPEC = {"secret_id": {"type": "str"}, "secret_key": {"type": "str", "no_log": True},
                "region": {"type": "str"}, "endpoint": {"type": "str"}}


@pytest.fixture
def make(tmp_path, monkeypatch):
    for name in ("HUAWEI_IOT_ENDPOINT", "HUAWEI_IOT_APP_ID", "HUAWEI_IOT_SECRET", "TENCENTCLOUD_SECRET_ID",
                 "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_REGION", "IOTFLEET_TENCENT_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)

    def _make(platform, config, script=(), errors=(), inventory=None, filename=None):
        plugin = load_plugin(PLUGINS[platform])
        conn = FakeConnection(HUAWEI_SPEC if platform == "huawei" else TENCENT_SPEC, list(script), errors,
                              HuaweiListings if platform == "huawei" else TencentListings)
        monkeypatch.setattr(plugin, "connection", lambda: conn)
        path = tmp_path / (filename or "fleet.%s_iot.yml" % platform)
        path.write_text(config)
        inventory = inventory if inventory is not None else InventoryData()

        def parse(cache=True):
            plugin.parse(inventory, DataLoader(), str(path), cache=cache)
            return inventory

        return plugin, conn, parse, str(path)

    return _make


HUAWEI_CONFIG = "plugin: iotfleet.firmware.huawei_iot\nendpoint: https://iot.example:8743\napp_id: app\nsecret: %s\n" % SECRET
TENCENT_CONFIG = ("plugin: iotfleet.firmware.tencent_iot\nsecret_id: AKID1\nsecret_key: %s\nregion: ap-guangzhou\n"
                  "product_ids: [TCPROD0001]\n" % SECRET)


def group_hosts(inventory, name):
    return sorted(host.name for host in inventory.groups[name].get_hosts())


def test_verify_file_by_suffix(make, tmp_path):
    plugin, _conn, _parse, path = make("huawei", HUAWEI_CONFIG)
    assert plugin.verify_file(path)
    for other in ("fleet.yml", "fleet.tencent_iot.yml", "fleet.huawei_iot.yml.bak"):
        (tmp_path / other).write_text("plugin: x\n")
        assert not plugin.verify_file(str(tmp_path / other))
    (tmp_path / "b.huawei_iot.yaml").write_text(HUAWEI_CONFIG)
    assert plugin.verify_file(str(tmp_path / "b.huawei_iot.yaml"))
    tencent = load_plugin(tencent_iot)
    assert not tencent.verify_file(path)


def test_hosts_variables_and_default_groups(make):
    script = [huawei_device(1), huawei_device(2), huawei_device(3, version="2.0.0"), huawei_device(4, version=None)]
    _plugin, conn, parse, _path = make("huawei", HUAWEI_CONFIG, script)
    inventory = parse()
    assert sorted(inventory.hosts) == ["hw-meter-0001", "hw-meter-0002", "hw-meter-0003", "hw-meter-0004"]
    assert device_vars(inventory, "hw-meter-0002") == {
        "iot_platform": "huawei", "iot_device_id": "hw-meter-0002", "iot_firmware_version": "1.0.0",
        "iot_software_version": "1.0.0", "iot_device_name": "meter 2", "iot_model": "WM-100",
        "iot_device_type": "WaterMeter", "iot_manufacturer": "Acme", "iot_online": False}
    assert "iot_firmware_version" not in device_vars(inventory, "hw-meter-0004")
    assert "iot_raw" not in device_vars(inventory, "hw-meter-0001")
    assert group_hosts(inventory, "iot_huawei_fw_1_0_0") == ["hw-meter-0001", "hw-meter-0002"]
    assert group_hosts(inventory, "iot_huawei_fw_2_0_0") == ["hw-meter-0003"]
    assert group_hosts(inventory, "iot_huawei_fw_unknown") == ["hw-meter-0004"]
    assert len(group_hosts(inventory, "iot_devices")) == 4
    assert [g.name for g in inventory.groups["iot_devices"].child_groups] == ["iot_huawei"]
    # the connection parameters are the modules' spec, filled from the options; reconcile_timeout is not one
    validate = [entry for entry in conn.log if entry[0] == "validate"][0][1]
    assert validate == {"endpoint": "https://iot.example:8743", "app_id": "app", "secret": SECRET,
                        "access_token": None, "validate_certs": True, "timeout": 30, "reconcile_timeout": None}
    assert conn.listings() == [{"device_type": None, "gateway_id": None}] and conn.providers[-1].closed


def test_env_vars_feed_the_connection_options(make, monkeypatch):
    monkeypatch.setenv("HUAWEI_IOT_ENDPOINT", "https://env.example:8743")
    monkeypatch.setenv("HUAWEI_IOT_APP_ID", "env-app")
    monkeypatch.setenv("HUAWEI_IOT_SECRET", "env-secret")
    _plugin, conn, parse, _path = make("huawei", "plugin: iotfleet.firmware.huawei_iot\n", [huawei_device(1)])
    parse()
    params = [entry for entry in conn.log if entry[0] == "validate"][0][1]
    expected = ("https://env.example:8743", "env-app", "env-secret")
    assert (params["endpoint"], params["app_id"], params["secret"]) == expected


def test_missing_required_option_fails_before_any_request(make):
    _plugin, conn, parse, _path = make("huawei", "plugin: iotfleet.firmware.huawei_iot\napp_id: a\n")
    with pytest.raises(Exception) as info:
        parse()
    assert "endpoint" in str(info.value)
    assert conn.log == []


def test_validation_error_names_the_option_before_any_request(make):
    errors = ["secret or access_token is required (neither is set)"]
    _plugin, conn, parse, _path = make("huawei", HUAWEI_CONFIG, [huawei_device(1)], errors=errors)
    with pytest.raises(AnsibleParserError) as info:
        parse()
    assert "iotfleet.firmware.huawei_iot: secret or access_token is required" in str(info.value)
    assert [entry[0] for entry in conn.log] == ["validate"]


def test_platform_error_is_redacted_and_names_the_call(make):
    class FakeIoTError(Exception):
        call = "Huawei IoT GET /iocm/app/dm/v1.4.0/devices"
        code = "1010009"

    boom = FakeIoTError("throttled for app with secret %s" % SECRET)
    _plugin, conn, parse, _path = make("huawei", HUAWEI_CONFIG, [huawei_device(1), boom])
    with pytest.raises(AnsibleParserError) as info:
        parse()
    text = str(info.value)
    assert SECRET not in text
    assert "Huawei IoT GET /iocm/app/dm/v1.4.0/devices" in text and "1010009" in text
    assert conn.providers[0].closed


def test_filters_reach_the_provider_and_are_exact_on_the_controller(make):
    config = HUAWEI_CONFIG + "models: [WM-100]\nfirmware_versions: ['1.0.0']\ndevice_types: [WaterMeter]\n"
    script = [huawei_device(1), huawei_device(2, version="2.0.0"), huawei_device(3, model="WM-200")]
    _plugin, conn, parse, _path = make("huawei", config, script)
    inventory = parse()
    assert sorted(inventory.hosts) == ["hw-meter-0001"]
    # deviceType is a query parameter of the listing; model and version are checked on the controller
    assert conn.listings() == [{"device_type": "WaterMeter", "gateway_id": None}]


def test_one_listing_per_device_type_and_gateway(make):
    config = HUAWEI_CONFIG + "device_types: [WaterMeter, GasMeter]\ngateway_ids: [gw-1, gw-2]\n"
    _plugin, conn, parse, _path = make("huawei", config, [huawei_device(1, device_type="GasMeter", gateway_id="gw-1")])
    inventory = parse()
    assert list(inventory.hosts) == ["hw-meter-0001"]  # listed by four listings, added once
    assert conn.listings() == [
        {"device_type": "WaterMeter", "gateway_id": "gw-1"}, {"device_type": "WaterMeter", "gateway_id": "gw-2"},
        {"device_type": "GasMeter", "gateway_id": "gw-1"}, {"device_type": "GasMeter", "gateway_id": "gw-2"}]


def test_keyed_groups_compose_groups_and_raw_vars(make):
    config = HUAWEI_CONFIG + """raw_vars: true
keyed_groups:
  - key: iot_firmware_version
    prefix: fw
  - key: iot_model
compose:
  iot_gateway: iot_raw.gatewayId
groups:
  offline: not iot_online
  on_gateway_1: iot_gateway == 'gw-1'
"""
    script = [huawei_device(1), huawei_device(2), huawei_device(3, version="2.0.0")]
    _plugin, _conn, parse, _path = make("huawei", config, script)
    inventory = parse()
    assert group_hosts(inventory, "fw_1_0_0") == ["hw-meter-0001", "hw-meter-0002"]
    assert group_hosts(inventory, "fw_2_0_0") == ["hw-meter-0003"]
    assert group_hosts(inventory, "_WM_100") == ["hw-meter-0001", "hw-meter-0002", "hw-meter-0003"]
    assert group_hosts(inventory, "offline") == ["hw-meter-0002"]
    assert group_hosts(inventory, "on_gateway_1") == ["hw-meter-0001"]
    assert device_vars(inventory, "hw-meter-0001")["iot_raw"] == {"deviceId": "hw-meter-0001", "gatewayId": "gw-1"}


def test_strict_fails_on_an_undefined_variable(make):
    compose = "compose:\n  x: iot_product_id.upper()\n"
    _plugin, _conn, parse, _path = make("huawei", HUAWEI_CONFIG + compose, [huawei_device(1)])
    assert "x" not in parse().get_host("hw-meter-0001").get_vars()  # not strict: skipped
    _plugin, _conn, parse, _path = make("huawei", HUAWEI_CONFIG + "strict: true\n" + compose, [huawei_device(1)])
    with pytest.raises(Exception) as info:
        parse()
    assert "iot_product_id" in str(info.value)


def test_default_groups_can_be_disabled_and_prefix_applies(make):
    config = HUAWEI_CONFIG + "default_groups: false\nhostname_prefix: 'site1-'\n"
    _plugin, _conn, parse, _path = make("huawei", config, [huawei_device(1)])
    inventory = parse()
    assert list(inventory.hosts) == ["site1-hw-meter-0001"]
    assert device_vars(inventory, "site1-hw-meter-0001")["iot_device_id"] == "hw-meter-0001"
    assert "iot_devices" not in inventory.groups


def test_cache_second_parse_makes_no_listing(make, tmp_path):
    config = HUAWEI_CONFIG + "cache: true\ncache_plugin: jsonfile\ncache_connection: %s\n" % (
        tmp_path / "cache")
    plugin, conn, parse, path = make("huawei", config, [huawei_device(1), huawei_device(2)])
    parse()
    assert len(conn.listings()) == 1
    plugin.update_cache_if_changed()  # what ansible-core does after parsing every source
    cache_files = os.listdir(str(tmp_path / "cache"))
    assert len(cache_files) == 1
    content = (tmp_path / "cache" / cache_files[0]).read_text()
    assert SECRET not in content and "raw" not in content and "gatewayId" not in content

    second = load_plugin(huawei_iot)
    second.connection = lambda: conn
    inventory = InventoryData()
    second.parse(inventory, DataLoader(), path, cache=True)
    assert sorted(inventory.hosts) == ["hw-meter-0001", "hw-meter-0002"]
    assert len(conn.listings()) == 1  # from the cache

    third = load_plugin(huawei_iot)
    third.connection = lambda: conn
    third.parse(InventoryData(), DataLoader(), path, cache=False)  # --flush-cache / refresh_inventory
    assert len(conn.listings()) == 2


def test_without_cache_option_the_cache_is_not_used(make):
    _plugin, conn, parse, _path = make("huawei", HUAWEI_CONFIG, [huawei_device(1)])
    parse()
    parse()
    assert len(conn.listings()) == 2


def test_tencent_hosts_and_product(make):
    script = [tencent_device("tc-sensor-0001"), tencent_device("tc-sensor-0002", version="2.0.0")]
    _plugin, conn, parse, _path = make("tencent", TENCENT_CONFIG + "firmware_versions: ['1.0.0', '2.0.0']\n", script)
    inventory = parse()
    variables = device_vars(inventory, "tc-sensor-0001")
    assert variables == {
        "iot_platform": "tencent", "iot_device_id": "tc-sensor-0001", "iot_product_id": "TCPROD0001",
        "iot_firmware_version": "1.0.0", "iot_product_name": "SmartSensor", "iot_status": 1}
    assert group_hosts(inventory, "iot_tencent_fw_2_0_0") == ["tc-sensor-0002"]
    assert conn.listings() == [
        {"product_ids": ["TCPROD0001"], "firmware_version": "1.0.0", "fw_type": None},
        {"product_ids": ["TCPROD0001"], "firmware_version": "2.0.0", "fw_type": None}]


def test_tencent_product_ids_are_required(make):
    config = "plugin: iotfleet.firmware.tencent_iot\nsecret_id: a\nsecret_key: b\nregion: r\n"
    _plugin, conn, parse, _path = make("tencent", config, [])
    with pytest.raises(Exception) as info:
        parse()
    assert "product_ids" in str(info.value)
    assert conn.log == []


def test_tencent_same_device_name_in_two_products(make):
    script = [tencent_device("dev1", "P1"), tencent_device("dev1", "P2")]
    config = TENCENT_CONFIG.replace("[TCPROD0001]", "[P1, P2]")
    _plugin, _conn, parse, _path = make("tencent", config, script)
    with pytest.raises(AnsibleParserError) as info:
        parse()
    assert "'dev1'" in str(info.value) and "hostname: product_device" in str(info.value)
    _plugin, _conn, parse, _path = make("tencent", config + "hostname: product_device\n", script)
    assert sorted(parse().hosts) == ["P1_dev1", "P2_dev1"]


def test_host_of_another_platform_with_the_same_name_fails(make):
    inventory = InventoryData()
    _plugin, _conn, parse, _path = make("huawei", HUAWEI_CONFIG, [huawei_device(1)], inventory=inventory)
    parse()
    clash = [tencent_device("hw-meter-0001")]
    _plugin, _conn, parse, _path = make("tencent", TENCENT_CONFIG, clash, inventory=inventory)
    with pytest.raises(AnsibleParserError) as info:
        parse()
    assert "hostname_prefix" in str(info.value)


def test_safe_group_part():
    assert _inventory.safe_group_part("1.0.0") == "1_0_0"
    assert _inventory.safe_group_part("v2.1-rc 1") == "v2_1_rc_1"
    assert _inventory.safe_group_part(None) == "unknown"
    assert _inventory.safe_group_part("") == "unknown"


def test_platform_values_are_never_templated(make):
    from ansible.template import Templar

    _plugin, _conn, parse, _path = make("huawei", HUAWEI_CONFIG, [huawei_device(1, name="{{ 6 * 7 }}")])
    inventory = parse()
    value = inventory.get_host("hw-meter-0001").get_vars()["iot_device_name"]
    assert Templar(loader=DataLoader()).template(value) == "{{ 6 * 7 }}"
