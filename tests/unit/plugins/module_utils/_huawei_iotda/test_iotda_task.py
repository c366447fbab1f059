"""IoTDA v5 pure logic (task.py) and the connection options (connection.py): no request is made."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import task as tt

CALL = "Huawei IoTDA ShowBatchTask"


def errors_of(params):
    with pytest.raises(ValidationError) as info:
        tt.validate(params)
    return info.value.errors


# ---- validation -------------------------------------------------------------------------------------------

def test_validate_defaults_and_normalisation():
    work = tt.validate({"package_id": " p1 ", "targets": [" d1", "d2", "d1"]})
    assert work["task_type"] == "firmwareUpgrade" and work["package_id"] == "p1"
    assert work["devices"] == ["d1", "d2"] and work["policy"] == {} and work["state"] == "present"
    assert tt.validate({"package_id": "p", "targets": {"devices": ["a"]}})["devices"] == ["a"]


@pytest.mark.parametrize("params, fragment", [
    ({"package_id": "p", "targets": ["a"], "task_type": "firmware_upgrade"}, "task_type must be one of"),
    ({"targets": ["a"]}, "package_id is required"),
    ({"package_id": "p"}, "targets is required"),
    ({"package_id": "p", "targets": []}, "targets must name at least one device id"),
    ({"package_id": "p", "targets": ["ok", "bad id", "x" * 129, "a/b"]}, "'bad id', 'xxxx"),
    ({"package_id": "p", "targets": "d1"}, "targets must be a list of device ids"),
    ({"package_id": "p", "targets": {"groups": ["g"]}}, "targets has unknown keys groups"),
    ({"package_id": "p", "targets": ["a"], "task_name": "n" * 129}, "task_name must be at most 128 characters"),
    ({"package_id": "p", "targets": ["a"], "task_name": "has-dash"}, "task_name may contain only letters"),
    ({"package_id": "p", "targets": ["a"], "app_id": "x" * 37}, "app_id must be 1 to 36 characters"),
    ({"package_id": "p", "targets": ["a"], "policy": {"retry_count": 6, "retry_interval": 10}},
     "policy.retry_count must be between 1 and 5, got 6"),
    ({"package_id": "p", "targets": ["a"], "policy": {"retry_count": 2, "retry_interval": 1441}},
     "policy.retry_interval must be between 1 and 1440, got 1441"),
    ({"package_id": "p", "targets": ["a"], "policy": {"retry_count": 2}}, "must be given together"),
    ({"package_id": "p", "targets": ["a"], "policy": {"schedule_time": "2026-12-05 10:00"}},
     "policy.schedule_time must use the format"),
    ({"package_id": "p", "targets": ["a"], "policy": {"schedule_time": "20261345T250000Z"}}, "not a valid date"),
    ({"package_id": "p", "targets": ["a"], "policy": {"when": "now"}}, "policy has unknown keys when"),
    ({"package_id": "p", "targets": ["a"], "task_ext_info": {"x": "y" * 505}},
     "task_ext_info must be at most 512 characters as compact JSON, got 513"),
    ({"package_id": "p", "targets": ["a"], "task_ext_info": {"note": "说" * 502}},
     "task_ext_info must be at most 512 characters as compact JSON, got 513"),  # characters, not bytes
    ({"package_id": "p", "targets": ["a"], "task_ext_info": "plain text"},
     "task_ext_info must be a dictionary (a JSON object, sent as the object task_ext_info), got a string"),
    ({"package_id": "p", "targets": ["a"], "task_ext_info": "[1, 2]"}, "task_ext_info must be a dictionary"),
    ({"package_id": "p", "targets": ["a"], "task_ext_info": ["a"]}, "task_ext_info must be a dictionary"),
    ({"package_id": "p", "targets": ["a"], "state": "gone"}, "state must be one of present, absent, retried"),
])
def test_validate_rules(params, fragment):
    assert any(fragment in error for error in errors_of(params)), errors_of(params)


def test_validate_accepts_the_documented_extremes():
    work = tt.validate({"package_id": "p", "targets": ["A-z_0" * 25 + "abc"], "task_name": "固件_升级_1" + "x" * 121,
                        "policy": {"retry_count": 5, "retry_interval": 1440, "schedule_time": "20261206T000000Z"},
                        "app_id": "a" * 36, "need_confirm": True, "task_ext_info": {"x": "y" * 504}})
    body = tt.build_body(work)
    assert body["task_ext_info"] == {"x": "y" * 504} and len(tt.ext_info_json(body["task_ext_info"])) == 512
    assert body["task_policy"] == {"retry_count": 5, "retry_interval": 1440, "schedule_time": "20261206T000000Z"}
    assert body["need_confirm"] is True and body["app_id"] == "a" * 36 and len(body["task_name"]) == 128


def test_task_ext_info_is_sent_as_an_object():
    work = tt.validate({"package_id": "p", "targets": ["a"], "task_ext_info": '{"reboot": false, "notes": "x"}'})
    assert tt.build_body(work)["task_ext_info"] == {"reboot": False, "notes": "x"}
    work = tt.validate({"package_id": "p", "targets": ["a"], "task_ext_info": {"reboot": True}})
    assert tt.build_body(work)["task_ext_info"] == {"reboot": True}
    assert "task_ext_info" not in tt.build_body(tt.validate({"package_id": "p", "targets": ["a"]}))


def test_more_than_30000_targets_are_split_not_refused():
    devices = ["d%05d" % index for index in range(65000)]
    work = tt.validate({"package_id": "p", "targets": devices})
    parts = tt.chunks(work["devices"])
    assert [len(part) for part in parts] == [30000, 30000, 5000]
    assert tt.build_body(work, parts[0])["targets"] == devices[:30000]
    with pytest.raises(ValidationError) as info:
        tt.build_body(work)
    assert "the caller splits" in str(info.value)


def test_default_task_name_is_deterministic_and_valid():
    first = tt.build_body(tt.validate({"package_id": "p", "targets": ["b", "a"]}))["task_name"]
    second = tt.build_body(tt.validate({"package_id": "p", "targets": ["a", "b"]}))["task_name"]
    assert first == second and tt.task_name_problem(first) is None
    assert first.startswith("iotfleet_firmwareUpgrade_")


def test_task_id_alone_is_enough():
    work = tt.validate({"task_id": "t-1", "state": "absent"})
    assert work["task_id"] == "t-1" and work["devices"] == []


# ---- statuses, counters, summary, failures ----------------------------------------------------------------

def test_statuses():
    assert all(tt.is_active(status) for status in ("Initializing", "Waitting", "Processing", "Stopping", "New?"))
    assert not any(tt.is_active(status) for status in ("Success", "Fail", "PartialSuccess", "Stopped"))


def test_summary_counts_stopped_and_removed_as_failed_and_unaccounted_as_in_progress():
    counts = dict((key, 0) for key in tt.COUNT_KEYS)
    counts.update(total=10, success=4, fail=1, stopped=1, removed=1, processing=1, waitting=1)
    assert tt.summarize(counts) == {"total": 10, "succeeded": 4, "failed": 3, "in_progress": 3, "finished": 7,
                                    "success_percent": 40.0, "failure_percent": 30.0}
    assert tt.summarize({"total": 0})["success_percent"] == 0.0


def test_counts_of_checks_types():
    assert tt.counts_of(CALL, {}) is None
    assert tt.counts_of(CALL, {"task_progress": {"total": "3", "success": 1}})["total"] == 3
    with pytest.raises(IoTError):
        tt.counts_of(CALL, {"task_progress": {"total": 1.5}})


def test_task_info_and_package_ids():
    raw = {"task_id": "t", "status": "Success", "targets": ["a"], "document": {"package_id": "p"},
           "create_time": "20261201T000000Z"}
    info = tt.task_info(CALL, raw)
    assert (info.task_id, info.active, info.devices, info.created) == ("t", False, frozenset(["a"]),
                                                                       "20261201T000000Z")
    assert tt.package_ids(CALL, raw) == frozenset(["p"])
    assert tt.package_ids(CALL, {"document": {"package_ids": ["p", "q"], "package_id": "r"}}) == frozenset("pqr")
    assert tt.package_ids(CALL, {}) is None
    assert tt.task_info(CALL, {"task_id": "g", "status": "Processing"}).devices is None
    with pytest.raises(IoTError) as info:
        tt.task_info(CALL, {"task_id": "t", "status": "Success", "targets": ["a", 5]})
    assert "targets[1]" in info.value.message


def test_failures_of():
    rows = [{"target": "a", "status": "Fail", "error": {"error_code": "E1", "error_msg": "boom"}},
            {"target": "b", "status": "Fail", "output": "timeout"}, {"target": "c", "status": "Fail"}]
    assert [row["detail"] for row in tt.failures_of(CALL, rows)] == ["E1: boom", "timeout", "failed"]
    with pytest.raises(IoTError) as info:
        tt.failures_of(CALL, [{"target": "a", "status": "Success"}])
    assert info.value.code == "InvalidResponse" and info.value.call == CALL
    with pytest.raises(IoTError):
        tt.failures_of(CALL, [{"target": "a", "status": "Fail", "error": "boom"}])


# ---- connection -------------------------------------------------------------------------------------------

def test_argument_spec_secrets_and_env_names():
    spec = connection.argument_spec()
    assert spec["secret_key"]["no_log"] and spec["security_token"]["no_log"]
    assert not spec["access_key"].get("no_log")
    env = dict((name, option["fallback"][1]) for name, option in spec.items() if "fallback" in option)
    assert env["access_key"] == ["HUAWEICLOUD_SDK_AK"] and env["secret_key"] == ["HUAWEICLOUD_SDK_SK"]
    assert env["project_id"] == ["HUAWEICLOUD_SDK_PROJECT_ID"]
    assert env["security_token"] == ["HUAWEICLOUD_SDK_SECURITY_TOKEN"]
    for name in ("region", "endpoint", "instance_id", "validate_certs", "ca_path", "timeout"):
        assert name in spec


def test_env_names_are_the_sdk_ones():
    from huaweicloudsdkcore.auth import provider  # the test-only reference
    names = provider.EnvCredentialProvider
    assert (names._AK_ENV_NAME, names._SK_ENV_NAME, names._PROJECT_ID_ENV_NAME, names._SECURITY_TOKEN_ENV_NAME) == (
        "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_SECURITY_TOKEN")


def test_connection_validate_names_options():
    with pytest.raises(ValidationError) as info:
        connection.validate({"access_key": "", "secret_key": "s ", "project_id": "p/1", "region": "North 4",
                             "endpoint": "ftp://x", "instance_id": "a b", "timeout": 0, "api_calls_per_window": 0,
                             "api_window_seconds": 0})
    text = "\n".join(info.value.errors)
    for fragment in ("access_key is required (or the HUAWEICLOUD_SDK_AK", "secret_key has leading or trailing",
                     "project_id must be", "region must be a Huawei Cloud region id", "endpoint must be an http(s)",
                     "instance_id must be", "timeout must be at least 1", "api_calls_per_window must be at least 1",
                     "api_window_seconds must be more than 0"):
        assert fragment in text


def test_blank_optional_options_are_unset(tmp_path):
    provider = connection.provider_from_params({
        "access_key": "AK1", "secret_key": "secret-1", "project_id": "p1", "region": "ap-southeast-1",
        "endpoint": "", "instance_id": "", "security_token": "", "ca_path": "", "pacing_dir": str(tmp_path)})
    assert provider.api.host == "iotda.ap-southeast-1.myhuaweicloud.com" and not provider.api.derived
    assert provider.api.instance_id is None and provider.secrets == ["secret-1"]
    assert provider.reconcile_timeout == 60
    assert provider.capabilities.platform == "huawei_iotda" and provider.capabilities.max_devices_per_task == 30000
    provider.close()
