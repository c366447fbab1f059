"""The huawei_iotda_connection action (controller side): arguments, environment, optional settings."""
from unittest import mock

from ansible.playbook.play_context import PlayContext

from ansible_collections.iotfleet.firmware.plugins.action import huawei_iotda_connection as connection_action

from kit.credentials import IOTDA_ACCESS_KEY as AK, IOTDA_PROJECT_ID as PROJECT, IOTDA_REGION as REGION
from kit.credentials import IOTDA_SECRET_KEY as SK
ENV = ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_PROJECT_ID",
       "HW_REGION_NAME", "IOTFLEET_IOTDA_ENDPOINT", "IOTFLEET_IOTDA_INSTANCE_ID", "IOTFLEET_IOTDA_CA_PATH",
       "IOTFLEET_IOTDA_CALLS_PER_WINDOW", "IOTFLEET_IOTDA_WINDOW_SECONDS")


def action(args):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = False
    task.diff = False
    return connection_action.ActionModule(task, mock.MagicMock(), PlayContext(), loader=None, templar=None,
                                          shared_loader_obj=None)


def test_connection_action_takes_arguments_then_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", SK)
    monkeypatch.setenv("HW_REGION_NAME", REGION)
    result = action({"project_id": PROJECT}).run(task_vars={})
    assert not result.get("failed"), result
    assert result["platform"] == "huawei_iotda" and result["changed"] is False
    conn = result["connection"]
    assert conn["project_id"] == PROJECT and conn["secret_key"] == SK and conn["api_calls_per_window"] == 5
    bad = action({"project_id": PROJECT, "endpoint": "iotda.example"}).run(task_vars={})
    assert bad["failed"] is True and "endpoint" in bad["msg"]


def test_connection_action_optional_names_what_is_missing(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    result = action({"optional": True}).run(task_vars={})
    assert not result.get("failed") and result["connection"] is None
    assert result["missing"] == ["access_key", "project_id", "region", "secret_key"]
    required = action({}).run(task_vars={})
    assert required["failed"] is True and "access_key" in required["msg"]
