"""The two Huawei modules end to end in-process: argument spec vs documentation, results, secrets."""
import os
import sys

import pytest
import yaml

from ansible.module_utils.basic import AnsibleModule
from module_runner import run  # tests/unit/plugins/modules/module_runner.py

from ansible_collections.iotfleet.firmware.plugins.doc_fragments import huawei_iot as huawei_fragment
from ansible_collections.iotfleet.firmware.plugins.doc_fragments import wait as wait_fragment
from ansible_collections.iotfleet.firmware.plugins.module_utils import huawei_iot
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_firmware_task as task_module
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_firmware_task_info as info_module

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils"))
from test_huawei_fake_platform import (  # noqa: E402
    APP_ID, CREATE, ENDPOINT, LOGIN, OPS, SECRET, FakeHuawei)

FILE = "fw-wm100-2.0.0"
DEVICES = ["hw-meter-0001", "hw-meter-0002"]
FRAGMENTS = {"iotfleet.firmware.huawei_iot": huawei_fragment, "iotfleet.firmware.wait": wait_fragment}


# --------------------------------------------------------------------------- documentation == argument spec

def documented_options(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment", []):
        options.update(yaml.safe_load(FRAGMENTS[fragment].ModuleDocFragment.DOCUMENTATION)["options"])
    return options


def compare(spec, docs, where=""):
    assert sorted(docs) == sorted(spec), where
    for name, arg in spec.items():
        doc = docs[name]
        label = where + name
        assert doc.get("type", "str") == arg.get("type", "str"), label
        assert doc.get("default") == arg.get("default"), label
        assert doc.get("choices") == arg.get("choices"), label
        assert doc.get("elements") == arg.get("elements"), label
        assert bool(doc.get("required")) == bool(arg.get("required")), label
        assert isinstance(doc["description"], list) and all(isinstance(line, str) for line in doc["description"]), label
        if arg.get("options"):
            compare(arg["options"], doc.get("suboptions") or {}, label + ".")
        else:
            assert "suboptions" not in doc, label


@pytest.mark.parametrize("module", [task_module, info_module], ids=["task", "info"])
def test_documentation_matches_argument_spec(module):
    compare(module.argument_spec(), documented_options(module))
    spec = module.argument_spec()
    assert spec["secret"]["no_log"] and spec["access_token"]["no_log"]
    examples = yaml.safe_load(module.EXAMPLES)
    assert examples and yaml.safe_load(module.RETURN)
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc["version_added"] == "0.1.0" and doc["module"] == module.__name__.rsplit(".", 1)[-1]


def test_examples_use_the_module_defaults_group():
    assert "group/iotfleet.firmware.huawei_iot" in task_module.EXAMPLES


# --------------------------------------------------------------------------- running main()

@pytest.fixture
def fake(monkeypatch):
    platform = FakeHuawei()
    monkeypatch.setattr(huawei_iot, "HttpSession", lambda **kwargs: platform)
    monkeypatch.setattr(huawei_iot.time, "sleep", lambda seconds: None)
    for name in ("HUAWEI_IOT_ENDPOINT", "HUAWEI_IOT_APP_ID", "HUAWEI_IOT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return platform


def connection(**extra):
    args = {"endpoint": ENDPOINT, "app_id": APP_ID, "secret": SECRET}
    args.update(extra)
    return args


def test_create_then_unchanged_and_token_hidden(fake, capsys):
    args = connection(file_id=FILE, targets={"devices": DEVICES})
    first, out = run(task_module, args, capsys)
    assert first["changed"] is True and first["operation_id"] == "op-0001" and "diff" not in first
    assert fake.paths() == ["POST " + LOGIN, "GET /iodm/northbound/v1.5.0/category/" + FILE, "GET " + OPS,
                            "POST " + CREATE, "GET " + OPS + "/op-0001"]
    assert SECRET not in out and fake.tokens_issued[0] not in out
    second, dummy = run(task_module, args, capsys)
    assert second["changed"] is False and second["operation_id"] == "op-0001" and second["retries"] == []


def test_check_and_diff(fake, capsys):
    args = connection(file_id=FILE, targets={"devices": DEVICES}, policy={"execute_type": "device_online"})
    result, dummy = run(task_module, args, capsys, check=True, diff=True)
    assert result["changed"] is True and "POST " + CREATE not in fake.paths()
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"file_id": FILE, "targets": {"devices": DEVICES},
                                       "policy": {"execute_type": "device_online", "retry_type": False}}
    assert result["request"]["policy"] == {"executeType": "device_online", "retryType": False}


def test_env_fallbacks(fake, capsys, monkeypatch):
    monkeypatch.setenv("HUAWEI_IOT_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("HUAWEI_IOT_APP_ID", APP_ID)
    monkeypatch.setenv("HUAWEI_IOT_SECRET", SECRET)
    result, out = run(info_module, {"operation_type": "firmware_upgrade"}, capsys)
    assert result["changed"] is False and result["tasks"] == [] and result["total"] == 0
    assert SECRET not in out


def test_validation_fails_before_any_request(fake, capsys):
    args = connection(file_id=FILE, targets={"device_groups": ["north"]},
                      policy={"execute_type": "custom", "retry_times": 9})
    result, dummy = run(task_module, args, capsys)
    assert result["failed"] is True and fake.calls == []
    assert len(result["errors"]) == 3
    assert "targets.device_groups requires" in result["msg"] and "policy.execute_type=custom requires" in result["msg"]


def test_mutually_exclusive_operation_id(fake, capsys):
    result, dummy = run(task_module, connection(operation_id="op-1", file_id=FILE), capsys)
    assert result["failed"] is True and "mutually exclusive" in result["msg"] and fake.calls == []


def test_secret_or_token_required(fake, capsys):
    result, dummy = run(task_module, {"endpoint": ENDPOINT, "app_id": APP_ID, "file_id": FILE,
                                      "targets": {"devices": DEVICES}}, capsys)
    assert result["failed"] is True and "secret" in result["msg"] and fake.calls == []


def test_access_token_never_in_output(fake, capsys):
    fake.token = "given-token-0123456789"
    args = {"endpoint": ENDPOINT, "app_id": APP_ID, "access_token": fake.token, "file_id": FILE,
            "targets": {"devices": DEVICES}}
    result, out = run(task_module, args, capsys)
    assert result["changed"] is True and "given-token-0123456789" not in out
    assert "POST " + LOGIN not in fake.paths()


def test_secrets_never_in_failure_output(fake, capsys):
    fake.fault("GET", OPS, ("error", 400, "120015", "echo %s" % SECRET))
    result, out = run(task_module, connection(file_id=FILE, targets={"devices": DEVICES}), capsys)
    assert result["failed"] is True and result["error_code"] == "120015"
    assert SECRET not in out and fake.tokens_issued[0] not in out


def test_absent_running_task_fails(fake, capsys):
    fake.add_task(FILE, devices=DEVICES)
    result, dummy = run(task_module, connection(state="absent", file_id=FILE, targets={"devices": DEVICES}), capsys)
    assert result["failed"] is True and result["error_code"] == "StopNotSupported"


def test_policy_difference_warning(fake, capsys, monkeypatch):
    # Record warnings where the module emits them: how ansible-core collects them into the result differs
    # between a module process and this test process (which also imports controller code in other tests).
    warnings = []
    original_warn = AnsibleModule.warn
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: (warnings.append(msg), original_warn(self, msg)))
    fake.add_task(FILE, devices=DEVICES)
    result, dummy = run(task_module, connection(file_id=FILE, targets={"devices": DEVICES},
                                                policy={"retry_type": True, "retry_times": 2}), capsys, diff=True)
    assert result["changed"] is False and result["policy_differences"] == ["retry_times", "retry_type"]
    assert any("policy differs" in warning for warning in warnings)
    assert result["diff"]["before"]["policy"] != result["diff"]["after"]["policy"]


def test_info_rejects_bad_combinations(fake, capsys):
    result, dummy = run(info_module, connection(operation_id="op-1", page_no=2), capsys)
    assert result["failed"] is True and "cannot be combined" in result["msg"]
    result, dummy = run(info_module, connection(page_size=101), capsys)
    assert result["failed"] is True and "page_size must be between 1 and 100" in result["msg"]
    result, dummy = run(info_module, connection(sub_operation_status="fail"), capsys)
    assert result["failed"] is True and "include_subtasks" in result["msg"]
    assert fake.calls == []


def test_info_by_id(fake, capsys):
    op_id = fake.add_task(FILE, devices=DEVICES, status="success")
    result, dummy = run(info_module, connection(operation_id=op_id, include_subtasks=True), capsys, check=True)
    assert result["changed"] is False and result["summary"]["succeeded"] == 2
    assert len(result["tasks"][0]["subtasks"]) == 2


def test_bad_endpoint_fails_cleanly(fake, capsys):
    result, dummy = run(info_module, connection(endpoint="iot.example.com:8743"), capsys)
    assert result["failed"] is True and "endpoint must be a full URL" in result["msg"]
