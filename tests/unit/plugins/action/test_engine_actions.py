"""The controller actions of the engine: connection settings (module_defaults, environment), rollout_wave."""
import json
import os
from unittest import mock

import pytest

from ansible.playbook.play_context import PlayContext

from ansible_collections.iotfleet.firmware.plugins.action import huawei_iot_connection, rollout_wave, \
    tencent_iot_connection
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import lock, state_file

from kit.providers import ScriptedProvider, lookup, progress

TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": "2.0.0",
           "tencent_fw_type": "mcu"}


def action(cls, args, check_mode=False):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    task.diff = False
    context = PlayContext()
    context.check_mode = check_mode
    return cls(task, mock.MagicMock(), context, loader=None, templar=None, shared_loader_obj=None)


ENV = ("HUAWEI_IOT_ENDPOINT", "HUAWEI_IOT_APP_ID", "HUAWEI_IOT_SECRET", "HUAWEI_IOT_ACCESS_TOKEN",
       "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_REGION", "IOTFLEET_TENCENT_ENDPOINT",
       "TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECURITY_TOKEN")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_huawei_connection_takes_its_arguments_then_the_environment(clean_env):
    clean_env.setenv("HUAWEI_IOT_ENDPOINT", "https://env.example:8743")
    clean_env.setenv("HUAWEI_IOT_APP_ID", "env-app")
    clean_env.setenv("HUAWEI_IOT_SECRET", "env-secret")
    # the arguments are what module_defaults for group/iotfleet.firmware.huawei_iot put there
    result = action(huawei_iot_connection.ActionModule, {"app_id": "defaults-app"}).run(task_vars={})
    assert not result.get("failed"), result
    connection = result["connection"]
    assert connection["endpoint"] == "https://env.example:8743" and connection["app_id"] == "defaults-app"
    assert connection["secret"] == "env-secret" and connection["timeout"] == 30 and connection["validate_certs"]
    assert result["changed"] is False


def test_the_tencent_connection_reads_the_environment(clean_env):
    clean_env.setenv("TENCENTCLOUD_SECRET_ID", "AKIDx")
    clean_env.setenv("TENCENTCLOUD_SECRET_KEY", "key-1234")
    clean_env.setenv("TENCENTCLOUD_REGION", "ap-guangzhou")
    clean_env.setenv("TENCENTCLOUD_SECURITY_TOKEN", "tok-1234")
    result = action(tencent_iot_connection.ActionModule, {}).run(task_vars={})
    assert not result.get("failed"), result
    assert result["connection"]["session_token"] == "tok-1234"
    assert result["connection"]["endpoint"] == "https://iotexplorer.tencentcloudapi.com"


def test_a_bad_connection_fails_naming_the_option_before_any_request(clean_env):
    result = action(huawei_iot_connection.ActionModule, {"endpoint": "iot.example", "app_id": "a",
                                                         "secret": "s3cret"}).run(task_vars={})
    assert result["failed"] is True and "endpoint" in result["msg"]
    missing = action(tencent_iot_connection.ActionModule, {}).run(task_vars={})
    assert missing["failed"] is True and missing["connection"] is None
    assert missing["missing"] == ["region", "secret_id", "secret_key"]
    assert "missing required arguments: region, secret_id, secret_key" in missing["msg"]


def test_an_optional_connection_without_settings_names_what_is_missing_and_succeeds(clean_env):
    """The role reads both platforms' settings with optional=true: a one-platform fleet needs one credential."""
    result = action(tencent_iot_connection.ActionModule, {"optional": True}).run(task_vars={})
    assert not result.get("failed"), result
    assert result["connection"] is None and result["missing"] == ["region", "secret_id", "secret_key"]
    clean_env.setenv("HUAWEI_IOT_ENDPOINT", "https://iot.example:8743")
    clean_env.setenv("HUAWEI_IOT_APP_ID", "app")
    clean_env.setenv("HUAWEI_IOT_SECRET", "s3cret")
    given = action(huawei_iot_connection.ActionModule, {"optional": True}).run(task_vars={})
    assert not given.get("failed") and given["connection"]["app_id"] == "app" and "optional" not in given["connection"]


@pytest.fixture
def started(tmp_path):
    path = str(tmp_path / "r1.json")
    start, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-01T12:00:00Z")
    state_file.atomic_write(path, state_file.dump_state(start))
    return str(tmp_path)


def wave_args(state_dir, chunks):
    gate = rollout.normalize_gate({"min_finished": 1})
    return {"rollout_id": "r1", "state_dir": state_dir, "targets": TARGETS,
            "wave": {"index": 1, "name": "w1", "gate": gate, "skipped": 0, "assigned": 1, "poll_seconds": 1,
                     "chunks": chunks},
            "huawei_connection": {"endpoint": "https://iot.example:8743", "app_id": "a", "secret": "s3cret-secret"}}


def test_rollout_wave_builds_one_provider_per_platform_and_redacts_its_secrets(started, monkeypatch):
    made = []
    chunk = {"key": "w1/huawei/1", "platform": "huawei", "product_id": None, "size": 1, "devices": ["hw-1"],
             "task_id": None}

    def factory(platform, params, on_secret):
        assert params["secret"] == "s3cret-secret"
        on_secret("token-abcdef")
        provider = ScriptedProvider(platform, [
            ("prepare", [("hw-1",)], None), ("find", [("hw-1",), ()], lookup(remaining=["hw-1"])),
            ("create", [("hw-1",)], "op-token-abcdef"),
            ("progress", [("op-token-abcdef",), False], {"op-token-abcdef": progress("op-token-abcdef", 1)})])
        made.append(provider)
        return provider

    monkeypatch.setattr(rollout_wave, "PROVIDER_FACTORY", factory)
    monkeypatch.setattr(lock, "run_owner", lambda pid=None: {"pid": os.getpid(), "started": None, "host": None})
    result = action(rollout_wave.ActionModule, wave_args(started, [chunk])).run(task_vars={})
    assert result["status"] == "passed" and result["recorded"] is True
    assert len(made) == 1 and made[0].closed
    text = json.dumps(result)
    assert "token-abcdef" not in text and "s3cret-secret" not in text  # secrets given and obtained are masked


def test_rollout_wave_in_check_mode_does_nothing(started, monkeypatch):
    monkeypatch.setattr(rollout_wave, "PROVIDER_FACTORY", lambda *a: pytest.fail("no provider in check mode"))
    result = action(rollout_wave.ActionModule, wave_args(started, []), check_mode=True).run(task_vars={})
    assert result["changed"] is False and result["skipped"] is True


def test_rollout_wave_refuses_a_corrupt_state_file_naming_it(started, monkeypatch):
    with open(os.path.join(started, "r1.json"), "w") as handle:
        handle.write("[]")
    monkeypatch.setattr(rollout_wave, "PROVIDER_FACTORY", lambda *a: pytest.fail("no provider for a corrupt state"))
    result = action(rollout_wave.ActionModule, wave_args(started, [])).run(task_vars={})
    assert result["failed"] is True and os.path.join(started, "r1.json") in result["msg"]
    assert result["recorded"] is False


def test_rollout_gate_reads_each_scope_once_through_the_providers(monkeypatch):
    from ansible_collections.iotfleet.firmware.plugins.action import rollout_gate

    scripts = {
        "huawei": [("progress", [("op-1", "op-2"), False], {"op-1": progress("op-1", 2), "op-2": progress("op-2", 1)})],
        "tencent": [("prepare", [("7",)], None),  # sets the product + version the device rows are read for
                    ("progress", [(7,), False], {7: progress(7, 1, in_progress=2)})],
    }
    made = []

    def factory(platform, params, on_secret):
        made.append(ScriptedProvider(platform, scripts[platform]))
        return made[-1]

    monkeypatch.setattr(rollout_gate, "PROVIDER_FACTORY", factory)
    args = {"wave": "w1", "gate": {"min_finished": 1}, "elapsed": 5.0, "tencent_firmware_version": "2.0.0",
            "chunks": [{"platform": "huawei", "task_id": "op-1", "size": 2},
                       {"platform": "huawei", "task_id": "op-2", "size": 1},
                       {"platform": "tencent", "product_id": "P", "task_id": 7, "size": 3}],
            "huawei_connection": {"app_id": "a"}, "tencent_connection": {"secret_id": "x"}}
    result = action(rollout_gate.ActionModule, args).run(task_vars={})
    assert result["decision"] == "wait" and result["summary"]["succeeded"] == 4 and result["summary"]["total"] == 6
    assert result["platforms"]["tencent"]["in_progress"] == 2
    for provider in made:
        provider.assert_done()
    missing = action(rollout_gate.ActionModule, dict(args, tencent_connection=None)).run(task_vars={})
    assert missing["failed"] is True and "tencent_connection" in missing["msg"]


# ---- bad input names the option --------------------------------------------------------------------------------

def test_a_policy_that_is_not_a_dict_fails_naming_the_option(started, monkeypatch):
    from ansible.errors import AnsibleActionFail

    monkeypatch.setattr(rollout_wave, "PROVIDER_FACTORY", lambda *a: pytest.fail("no provider for bad arguments"))
    with pytest.raises(AnsibleActionFail) as info:
        action(rollout_wave.ActionModule, dict(wave_args(started, []), huawei_policy="abc")).run(task_vars={})
    assert "'huawei_policy'" in str(info.value) and "dict" in str(info.value)


@pytest.mark.parametrize("policy, text", [
    ({"retry_type": True, "retry_times": "x"}, "policy.retry_times: "),
    ({"retry_type": "maybe", "retry_times": 2}, "policy.retry_type: The value 'maybe' is not a valid boolean"),
], ids=["retry_times", "retry_type"])
def test_a_wrong_type_inside_the_policy_fails_the_wave_naming_it_before_any_call(started, monkeypatch, policy, text):
    """The engine hands huawei_policy to the platform as given (no AnsibleModule): the platform's validate
    converts it like AnsibleModule and names the suboption."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task as huawei_task

    class Validating(ScriptedProvider):  # the real validation; any call would fail the test (empty script)
        def validate(self, params):
            return huawei_task.validate(params)

    made = []
    monkeypatch.setattr(rollout_wave, "PROVIDER_FACTORY", lambda platform, *a: made.append(
        Validating(platform, [])) or made[-1])
    monkeypatch.setattr(lock, "run_owner", lambda pid=None: {"pid": os.getpid(), "started": None, "host": None})
    chunk = {"key": "w1/huawei/1", "platform": "huawei", "product_id": None, "size": 1, "devices": ["hw-1"],
             "task_id": None}
    result = action(rollout_wave.ActionModule, dict(wave_args(started, [chunk]), huawei_policy=policy)).run(
        task_vars={})
    assert result["failed"] is True and text in result["msg"] and "w1/huawei/1" in result["msg"], result
    assert made and made[0].calls == []
