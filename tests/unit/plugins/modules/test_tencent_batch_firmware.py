"""The two Tencent modules end to end in-process: argument spec vs documentation, results, secrets."""
import os
import sys

import pytest
import yaml

from module_runner import run  # tests/unit/plugins/modules/module_runner.py

from ansible_collections.iotfleet.firmware.plugins.doc_fragments import tencent_iot as tencent_fragment
from ansible_collections.iotfleet.firmware.plugins.doc_fragments import wait as wait_fragment
from ansible_collections.iotfleet.firmware.plugins.module_utils import tencent_iot
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_batch_firmware as batch_module
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_batch_firmware_info as info_module

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils"))
from test_tencent_fake_platform import (  # noqa: E402
    ENDPOINT, PRODUCT, REGION, SECRET_ID, SECRET_KEY, SESSION_TOKEN, FakeTencent)

DEVICES = ["tc-sensor-0001", "tc-sensor-0002"]


# --------------------------------------------------------------------------- documentation == argument spec

def documented_options(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment", []):
        source = {"iotfleet.firmware.tencent_iot": tencent_fragment, "iotfleet.firmware.wait": wait_fragment}.get(fragment)
        if source is None:  # attribute-only fragments (_attributes) add no options
            continue
        options.update(yaml.safe_load(source.ModuleDocFragment.DOCUMENTATION)["options"])
    return options


@pytest.mark.parametrize("module", [batch_module, info_module], ids=["batch", "info"])
def test_documentation_matches_argument_spec(module):
    spec = module.argument_spec()
    docs = documented_options(module)
    assert sorted(docs) == sorted(spec)
    for name, arg in spec.items():
        doc = docs[name]
        assert doc.get("type", "str") == arg.get("type", "str"), name
        assert doc.get("default") == arg.get("default"), name
        assert doc.get("choices") == arg.get("choices"), name
        assert doc.get("elements") == arg.get("elements"), name
        assert bool(doc.get("required")) == bool(arg.get("required")), name
        descriptions = doc["description"] if isinstance(doc["description"], list) else [doc["description"]]
        assert all(isinstance(line, str) for line in descriptions), name
    assert spec["secret_key"]["no_log"] and spec["session_token"]["no_log"]
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


# --------------------------------------------------------------------------- running main()

@pytest.fixture
def fake(monkeypatch):
    platform = FakeTencent()
    monkeypatch.setattr(tencent_iot, "HttpSession", lambda **kwargs: platform)
    monkeypatch.setattr(tencent_iot.time, "sleep", lambda seconds: None)
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN",
                 "TENCENTCLOUD_REGION", "IOTFLEET_TENCENT_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    return platform


def connection(**extra):
    args = {"secret_id": SECRET_ID, "secret_key": SECRET_KEY, "region": REGION, "endpoint": ENDPOINT}
    args.update(extra)
    return args


def test_create_then_unchanged(fake, capsys):
    args = connection(product_id=PRODUCT, firmware_version="2.0.0", fw_type="mcu", device_names=DEVICES)
    first, dummy_output = run(batch_module, args, capsys)
    assert first["changed"] is True and first["task_id"] == 1001 and "diff" not in first
    assert fake.actions() == ["DescribeFirmware", "DescribeFirmwareTasks", "BatchUpdateFirmware",
                              "DescribeFirmwareTask", "DescribeFirmwareTaskDevices"]
    second, dummy_output = run(batch_module, args, capsys)
    assert second["changed"] is False and second["task_id"] == 1001
    assert first["summary"]["total"] == 2 and first["retries"] == []


def test_check_and_diff(fake, capsys):
    args = connection(product_id=PRODUCT, firmware_version="2.0.0", fw_type="mcu", device_names=DEVICES)
    result, dummy_output = run(batch_module, args, capsys, check=True, diff=True)
    assert result["changed"] is True and "BatchUpdateFirmware" not in fake.actions()
    assert result["diff"]["before"] == {} and result["diff"]["after"]["request"]["DeviceNames"] == DEVICES


def test_env_fallbacks_and_session_token(fake, capsys, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("TENCENTCLOUD_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("TENCENTCLOUD_REGION", REGION)
    monkeypatch.setenv("IOTFLEET_TENCENT_ENDPOINT", ENDPOINT)
    result, out = run(info_module, {"product_id": PRODUCT, "firmware_version": "2.0.0"}, capsys)
    assert result["changed"] is False and result["tasks"] == []
    assert fake.headers[0]["X-TC-Token"] == SESSION_TOKEN
    assert SECRET_KEY not in out and SESSION_TOKEN not in out


def test_validation_fails_before_any_request(fake, capsys):
    args = connection(product_id=PRODUCT, firmware_version="2.0.0", device_names=DEVICES,
                      firmware_ori_version="1.0.0", timeout_interval=5)
    result, dummy_output = run(batch_module, args, capsys)
    assert result["failed"] is True and fake.calls == []
    assert "give exactly one upgrade mode" in result["msg"] and "timeout_interval must be between 120 and 900" in result["msg"]
    assert len(result["errors"]) == 2


def test_secrets_never_in_failure_output(fake, capsys):
    fake.fault("DescribeFirmware", ("error", "InvalidParameter", "echo %s %s" % (SECRET_KEY, SESSION_TOKEN)))
    args = connection(session_token=SESSION_TOKEN, product_id=PRODUCT, firmware_version="2.0.0", device_names=DEVICES)
    result, out = run(batch_module, args, capsys)
    assert result["failed"] is True and result["error_code"] == "InvalidParameter"
    assert SECRET_KEY not in out and SESSION_TOKEN not in out


def test_absent_and_info_modules(fake, capsys):
    args = connection(product_id=PRODUCT, firmware_version="2.0.0", fw_type="mcu", device_names=DEVICES)
    created, dummy_output = run(batch_module, args, capsys)
    info_args = connection(product_id=PRODUCT, firmware_version="2.0.0", task_ids=[created["task_id"]], include_devices=True)
    info, dummy_output = run(info_module, info_args, capsys)
    assert info["summary"]["total"] == 2 and len(info["devices"]) == 2 and info["changed"] is False
    cancelled, dummy_output = run(batch_module, dict(args, state="absent"), capsys, diff=True)
    assert cancelled["changed"] is True and cancelled["cancelled_task_ids"] == [created["task_id"]]
    assert cancelled["diff"]["after"]["tasks"][0]["state"] == "cancelled"


def test_info_rejects_paging_with_ids(fake, capsys):
    result, dummy_output = run(info_module, connection(product_id=PRODUCT, firmware_version="2.0.0", task_id=1, limit=5), capsys)
    assert result["failed"] is True and "cannot be combined" in result["msg"] and fake.calls == []


def test_bad_endpoint_fails_cleanly(fake, capsys):
    result, dummy_output = run(info_module, connection(endpoint="ftp://nope", product_id=PRODUCT, firmware_version="2.0.0"), capsys)
    assert result["failed"] is True and "endpoint must be an http(s) URL" in result["msg"]
