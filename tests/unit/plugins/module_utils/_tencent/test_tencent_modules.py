"""The two Tencent modules: documentation matches the argument spec, options checked before any request,
environment fallbacks (moved from tests/unit/plugins/modules/test_tencent_batch_firmware.py)."""
import pytest
import yaml

from tencent_calls import DEVICES, DF, PRODUCT

from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_batch_firmware as batch_module
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_batch_firmware_info as info_module

from kit.credentials import TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY
from kit.docs import compare, documented_options

ENV = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN",
       "TENCENTCLOUD_SECURITY_TOKEN", "TENCENTCLOUD_REGION", "IOTFLEET_TENCENT_ENDPOINT", "TENCENTCLOUD_CA_PATH",
       "TENCENT_IOT_API_CALLS_PER_SECOND", "IOTFLEET_PACING_DIR")


@pytest.mark.parametrize("module", [batch_module, info_module], ids=["batch", "info"])
def test_documentation_matches_argument_spec(module):
    spec = module.argument_spec()
    compare(spec, documented_options(module))
    assert spec["secret_key"]["no_log"] and spec["session_token"]["no_log"]
    yaml.safe_load(module.EXAMPLES)
    returned = yaml.safe_load(module.RETURN)
    for key in ("api_calls", "throttle_waits", "retries"):
        assert key in returned, key


def test_batch_module_documents_the_new_result_keys():
    returned = yaml.safe_load(batch_module.RETURN)
    for key in ("up_to_date_devices", "busy_devices", "task_ids", "marker", "reconciled", "matched_by"):
        assert key in returned, key


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("token_variable", ["TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECURITY_TOKEN"])
def test_env_fallbacks_and_session_token(emulator, calls, run_module, clean_env, tmp_path, token_variable):
    clean_env.setenv("TENCENTCLOUD_SECRET_ID", TENCENT_SECRET_ID)
    clean_env.setenv("TENCENTCLOUD_SECRET_KEY", TENCENT_SECRET_KEY)
    clean_env.setenv(token_variable, "env-session-token-0123456789")
    clean_env.setenv("TENCENTCLOUD_REGION", TENCENT_REGION)
    clean_env.setenv("IOTFLEET_TENCENT_ENDPOINT", emulator.url)
    clean_env.setenv("IOTFLEET_PACING_DIR", str(tmp_path / "pacing-env"))
    calls.expect("DescribeFirmwareTasks")  # no task: no progress read
    result, out = run_module({"product_id": PRODUCT, "firmware_version": "2.0.0"}, info=True, base=False)
    calls.assert_done()
    assert result["changed"] is False and result["tasks"] == [] and result["all_done"] is False
    assert [request.headers.get("X-TC-Token") for request in calls.requests] == ["env-session-token-0123456789"]
    assert "env-session-token-0123456789" not in out and TENCENT_SECRET_KEY not in out
    assert (tmp_path / "pacing-env").is_dir()


@pytest.mark.parametrize("args, fragments", [
    ({"device_names": DEVICES, "firmware_ori_version": "1.0.0", "timeout_interval": 5},
     ["give exactly one upgrade mode", "timeout_interval must be between 120 and 900"]),
    ({"device_names": DEVICES, "api_calls_per_second": 0}, ["api_calls_per_second must be at least 1"]),
    ({"device_names": DEVICES, "endpoint": "https://iotexplorer.tencentcloudapi.com/v3"},
     ["endpoint must not have a path"]),
    ({"device_names": DEVICES, "secret_id": " AKID"}, ["secret_id has leading or trailing spaces"]),
    ({"device_names": DEVICES, "reconcile_timeout": -1}, ["reconcile_timeout must be at least 0"]),
])
def test_bad_options_fail_before_any_request(calls, run_module, args, fragments):
    result, _out = run_module(dict({"product_id": PRODUCT, "firmware_version": "2.0.0"}, **args))
    assert result["failed"] is True and calls.requests == []
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]


def test_info_rejects_paging_with_ids(calls, run_module):
    result, _out = run_module({"product_id": PRODUCT, "firmware_version": "2.0.0", "task_id": 1, "limit": 5},
                              info=True)
    assert result["failed"] is True and "cannot be combined" in result["msg"] and calls.requests == []


def test_missing_firmware_names_product_and_version(calls, run_module):
    calls.expect(DF)
    result, _out = run_module({"product_id": PRODUCT, "firmware_version": "9.9.9", "device_names": DEVICES})
    calls.assert_done()
    assert result["failed"] is True and result["error_code"] == "ResourceNotFound.FirmwareNotExist"
    assert "Firmware version 9.9.9 of product %s does not exist" % PRODUCT in result["msg"]
