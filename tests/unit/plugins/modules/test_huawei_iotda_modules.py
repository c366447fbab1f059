"""The Huawei IoTDA v5 modules' main() in-process against the emulator: docs, results, errors, secrets."""
import importlib

import pytest
import yaml

from module_runner import run  # tests/unit/plugins/modules/module_runner.py

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection as iotda_connection
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iotda_batch_task as task_module
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iotda_batch_task_info as info_module
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iotda_connection as connection_stub
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iotda_device_info as device_module
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iotda_package_info as package_module

from iotemu.server import EmulatorServer  # tests/emulator is on sys.path (tests/conftest.py)

from kit.control import EmulatorControl
from kit.credentials import IOTDA_ACCESS_KEY as AK, IOTDA_PROJECT_ID as PROJECT, IOTDA_REGION as REGION
from kit.credentials import IOTDA_SECRET_KEY as SK, iotda_env
from kit.docs import compare, documented_options

BASE = "/v5/iot/%s" % PROJECT
TASKS = BASE + "/batchtasks"
PACKAGES = BASE + "/ota-upgrades/packages"
PACKAGE = "iotda-fw-2.0.0"
DEVICES = ["iotda-meter-0001", "iotda-meter-0002"]
ENV = ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_PROJECT_ID",
       "HW_REGION_NAME", "IOTFLEET_IOTDA_ENDPOINT", "IOTFLEET_IOTDA_INSTANCE_ID", "IOTFLEET_IOTDA_CA_PATH",
       "IOTFLEET_IOTDA_CALLS_PER_WINDOW", "IOTFLEET_IOTDA_WINDOW_SECONDS")
MODULES = [task_module, info_module, package_module, device_module, connection_stub]


# --------------------------------------------------------------------------- documentation == argument spec

def module_spec(module):
    if module is connection_stub:
        return dict(iotda_connection.argument_spec(), optional=dict(type="bool", default=False))
    return module.argument_spec()


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_documentation_matches_argument_spec(module):
    compare(module_spec(module), documented_options(module))
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc["version_added"] == "0.1.0" and doc["module"] == module.__name__.rsplit(".", 1)[-1]
    assert "iotfleet.firmware.huawei_iotda.actiongroup" in doc["extends_documentation_fragment"]
    assert yaml.safe_load(module.EXAMPLES) and yaml.safe_load(module.RETURN)
    spec = module_spec(module)
    assert spec["secret_key"]["no_log"] and spec["security_token"]["no_log"]


def test_the_task_options_are_the_providers():
    """Every option of the task module is one the platform package's validate reads, or a connection/wait one."""
    own = set(task_module.argument_spec()) - set(iotda_connection.argument_spec()) - {"wait", "wait_timeout",
                                                                                      "wait_sleep"}
    assert own == {"state", "task_id", "package_id", "task_type", "targets", "task_name", "app_id", "policy",
                   "need_confirm", "task_ext_info", "retry_targets"}


def test_runtime_group_lists_the_five_members():
    with open(importlib.import_module("ansible_collections.iotfleet.firmware").__path__[0] + "/meta/runtime.yml") as fh:
        runtime = yaml.safe_load(fh)
    assert runtime["action_groups"]["huawei_iotda"] == [
        "huawei_iotda_batch_task", "huawei_iotda_batch_task_info", "huawei_iotda_package_info",
        "huawei_iotda_device_info", "huawei_iotda_connection"]


# --------------------------------------------------------------------------- running main()

@pytest.fixture
def emu(tmp_path, monkeypatch):
    """The emulator (the kit's control client of its v5 platform); time moves only with ``emu.advance``."""
    server = EmulatorServer(fleet="demo:20", behaviour={"time_scale": 1}).start()
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IOTFLEET_PACING_DIR", str(tmp_path / "pacing"))
    yield EmulatorControl(server, platform="huawei_iotda")
    server.stop()


def log(emu):
    return ["%s %s" % (entry["method"], entry["path"]) for entry in emu.requests("huawei_iotda")]


def writes(emu):
    return [line for line in log(emu) if not line.startswith("GET ")]


def tasks(emu):
    return emu.tasks()


def connection(emu, **extra):
    args = {"access_key": AK, "secret_key": SK, "project_id": PROJECT, "region": REGION, "endpoint": emu.url,
            "api_calls_per_window": 100}
    args.update(extra)
    return args


def test_create_then_unchanged_and_secret_hidden(emu, capsys):
    args = connection(emu, package_id=PACKAGE, targets=DEVICES)
    first, out = run(task_module, args, capsys)
    assert first["changed"] is True and first["created"] is True and first["reconciled"] is False
    task_id = first["task_id"]
    assert first["task"]["task_id"] == task_id and first["task"]["targets"] == DEVICES
    assert first["request"]["document"] == {"package_ids": [PACKAGE]} and first["request"]["targets"] == DEVICES
    assert first["counts"]["total"] == 2 and first["summary"]["total"] == 2 and "diff" not in first
    assert log(emu) == ["GET %s/%s" % (PACKAGES, PACKAGE), "GET " + TASKS, "POST " + TASKS,
                        "GET %s/%s" % (TASKS, task_id), "GET %s/%s" % (TASKS, task_id)]
    assert SK not in out
    second, out = run(task_module, args, capsys)
    assert second["changed"] is False and second["task_id"] == task_id and second["matched_by"] == "targets"
    assert second["task_ids"] == [task_id] and second["busy_devices"] == {} and "request" not in second
    assert SK not in out and len(tasks(emu)) == 1


def test_check_mode_and_diff_send_no_write(emu, capsys):
    args = connection(emu, package_id=PACKAGE, targets=DEVICES, policy={"retry_count": 2, "retry_interval": 5},
                      wait=True)
    result, _out = run(task_module, args, capsys, check=True, diff=True)
    assert result["changed"] is True and result["task_id"] is None and writes(emu) == [] and tasks(emu) == []
    assert result["diff"]["before"] == {} and result["diff"]["after_header"] == "new task"
    assert result["diff"]["after"]["targets"] == sorted(DEVICES)
    assert result["diff"]["after"]["task_policy"] == {"retry_count": 2, "retry_interval": 5}
    assert result["request"]["task_policy"] == {"retry_count": 2, "retry_interval": 5}
    assert result["wait"]["skipped"] is True


def test_absent_stops_the_task_and_check_mode_does_not(emu, capsys):
    args = connection(emu, package_id=PACKAGE, targets=DEVICES)
    created, _out = run(task_module, args, capsys)
    task_id = created["task_id"]
    emu.advance(10)  # past Initializing (the emulator reports Initializing before Stopping)
    predicted, _out = run(task_module, dict(args, state="absent"), capsys, check=True)
    assert predicted["changed"] is True and predicted["cancelled_task_ids"] == [task_id]
    assert [line for line in writes(emu) if line.endswith("/stop")] == []
    stopped, _out = run(task_module, dict(args, state="absent"), capsys)
    assert stopped["changed"] is True and stopped["cancelled_task_ids"] == [task_id]
    assert stopped["task"]["status"] in ("Stopping", "Stopped")
    assert writes(emu) == ["POST " + TASKS, "POST %s/%s/stop" % (TASKS, task_id)]
    emu.advance(3600)
    again, _out = run(task_module, dict(args, state="absent"), capsys)
    assert again["changed"] is False and again["task_ids"] == [] and again["task_id"] is None
    assert len([line for line in writes(emu) if line.endswith("/stop")]) == 1


def test_wait_by_task_id(emu, capsys):
    created, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=DEVICES), capsys)
    emu.advance(3600)
    waited, _out = run(task_module, connection(emu, task_id=created["task_id"], wait=True, wait_sleep=1), capsys)
    assert waited["changed"] is False and waited["matched_by"] == "given"
    assert waited["wait"]["status"] == "Success" and waited["wait"]["timed_out"] is False
    assert waited["counts"]["success"] == 2 and waited["summary"]["success_percent"] == 100.0


@pytest.mark.parametrize("extra, text", [
    ({"package_id": PACKAGE, "targets": DEVICES, "policy": {"retry_count": 2}}, "policy.retry_interval"),
    ({"package_id": PACKAGE, "targets": DEVICES, "policy": {"schedule_time": "2026-12-05 12:00"}},
     "policy.schedule_time"),
    ({"package_id": PACKAGE, "targets": ["bad id!"]}, "targets"),
    ({"package_id": PACKAGE, "targets": DEVICES, "task_name": "not-allowed-dash"}, "task_name"),
    ({"targets": DEVICES}, "package_id is required"),
    ({"package_id": PACKAGE}, "targets is required"),
    ({"package_id": PACKAGE, "targets": DEVICES, "region": "Beijing"}, "region"),
    ({"package_id": PACKAGE, "targets": DEVICES, "endpoint": "ftp://example"}, "endpoint"),
    ({"package_id": PACKAGE, "targets": DEVICES, "wait_sleep": 0}, "wait_sleep"),
    ({"package_id": PACKAGE, "targets": DEVICES, "task_type": "firmware_upgrade"}, "task_type"),
    ({"package_id": PACKAGE, "task_id": "abc"}, "task_id|package_id"),
])
def test_option_errors_name_the_option_before_any_request(emu, capsys, extra, text):
    result, out = run(task_module, dict(connection(emu), **extra), capsys)
    assert result["failed"] is True and text in result["msg"], result["msg"]
    assert log(emu) == [] and SK not in out


def test_missing_credentials_name_the_option(emu, capsys):
    args = connection(emu, package_id=PACKAGE, targets=DEVICES)
    del args["secret_key"]
    result, _out = run(task_module, args, capsys)
    assert result["failed"] is True and "secret_key" in result["msg"] and log(emu) == []


def test_env_fallbacks(emu, capsys, monkeypatch):
    for name, value in dict(iotda_env(emu.url), IOTFLEET_IOTDA_CALLS_PER_WINDOW="100").items():
        monkeypatch.setenv(name, value)
    result, out = run(package_module, {"package_ids": [PACKAGE]}, capsys)
    assert result["packages"][0]["package_id"] == PACKAGE and SK not in out


def test_secrets_never_in_failure_output(emu, capsys):
    wrong = "WRONGSK00000000000000000000000000000000000"
    result, out = run(task_module, connection(emu, secret_key=wrong, security_token="sts-token-1234567890",
                                              package_id=PACKAGE, targets=DEVICES), capsys)
    assert result["failed"] is True and result["api_calls"] >= 1
    assert wrong not in out and "sts-token-1234567890" not in out and tasks(emu) == []


@pytest.mark.parametrize("extra, text", [
    ({"policy": "abc"}, "policy: dictionary requested, could not parse JSON or key=value (got 'abc')"),
    ({"policy": {"retry_count": "x"}}, "policy.retry_count: "),
])
def test_a_type_error_names_its_option_and_shows_no_secret(emu, capsys, extra, text):
    result, out = run(task_module, connection(emu, package_id=PACKAGE, targets=DEVICES, **extra), capsys)
    assert result["failed"] is True and log(emu) == []
    assert result["msg"].startswith("Invalid options: ") and text in result["msg"]
    assert SK not in out  # ansible-core's unnamed NoLogError would have left the secret in invocation


def test_info_by_id_with_details_and_listing(emu, capsys):
    first, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=DEVICES), capsys)
    second, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=["iotda-meter-0003"]), capsys)
    emu.advance(3600)
    before = len(log(emu))
    result, out = run(info_module, connection(emu, task_ids=[first["task_id"], second["task_id"]],
                                              include_details=True), capsys)
    assert result["changed"] is False and result["task_ids"] == [first["task_id"], second["task_id"]]
    assert result["all_done"] is True and result["counts"]["success"] == 3 and result["summary"]["total"] == 3
    assert sorted(row["target"] for row in result["tasks"][0]["task_details"]) == DEVICES
    assert result["per_task"][first["task_id"]]["status"] == "Success"
    assert all(line.startswith("GET ") for line in log(emu)[before:]) and SK not in out
    listed, _out = run(info_module, connection(emu, task_type="firmwareUpgrade", status="Success"), capsys)
    assert sorted(listed["task_ids"]) == sorted([first["task_id"], second["task_id"]]) and listed["total"] == 2
    assert "task_details" not in listed["tasks"][0]


@pytest.mark.parametrize("extra, text", [
    ({"task_detail_status": "Fail"}, "task_detail_status needs include_details"),
    ({"task_id": "abc", "status": "Success"}, "cannot be combined"),
    ({"status": "Done"}, "status"),
])
def test_info_option_errors_before_any_request(emu, capsys, extra, text):
    result, _out = run(info_module, dict(connection(emu), **extra), capsys)
    assert result["failed"] is True and text in result["msg"] and log(emu) == []


def test_package_info(emu, capsys):
    given, _out = run(package_module, connection(emu, package_ids=[PACKAGE, "nope"]), capsys)
    assert [item["package_id"] for item in given["packages"]] == [PACKAGE] and given["missing"] == ["nope"]
    assert given["packages"][0]["version"] == "2.0.0" and given["changed"] is False
    listed, _out = run(package_module, connection(emu, package_type="softwarePackage"), capsys)
    assert [item["package_id"] for item in listed["packages"]] == ["iotda-sw-2.0.0"] and listed["total"] == 1
    mixed, _out = run(package_module, connection(emu, package_ids=[PACKAGE], version="2.0.0"), capsys)
    assert mixed["failed"] is True and "package_ids|version" in mixed["msg"]


# --------------------------------------------------------------------------- task_ext_info (an object, reference §10.2)

def test_task_ext_info_dict_is_sent_as_an_object(emu, capsys):
    ext = {"release_notes": "https://example.com/2.0.0", "reboot": False}
    created, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=DEVICES, task_ext_info=ext), capsys)
    assert created["changed"] is True and created["request"]["task_ext_info"] == ext
    assert created["task"]["task_ext_info"] == ext and tasks(emu)[0]["task_ext_info"] == ext  # echoed as an object
    as_json, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=["iotda-meter-0005"],
                                                task_ext_info='{"reboot": true}'), capsys, check=True)
    assert as_json["request"]["task_ext_info"] == {"reboot": True}


@pytest.mark.parametrize("value, text", [
    ({"notes": "x" * 510}, "task_ext_info must be at most 512 characters as compact JSON, got 522"),
    ("just text", "task_ext_info"),
])
def test_task_ext_info_errors_before_any_request(emu, capsys, value, text):
    result, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=DEVICES, task_ext_info=value), capsys)
    assert result["failed"] is True and text in result["msg"], result["msg"]
    assert log(emu) == [] and tasks(emu) == []


# --------------------------------------------------------------------------- state=retried (RetryBatchTask)

THREE = ["iotda-meter-0001", "iotda-meter-0002", "iotda-meter-0003"]


def partial_task(emu, capsys):
    """A task of THREE whose iotda-meter-0002 failed: PartialSuccess."""
    emu.behaviour(failure_rates=[["iotda-meter-0002", 1.0]])
    created, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=THREE), capsys)
    emu.advance(3600)
    emu.behaviour(failure_rates=[])  # the retry succeeds
    return created["task_id"]


def retries(emu, task_id):
    return [line for line in writes(emu) if line == "POST %s/%s/retry" % (TASKS, task_id)]


def test_retried_check_mode_then_once_then_nothing_to_retry(emu, capsys):
    task_id = partial_task(emu, capsys)
    args = connection(emu, state="retried", task_id=task_id)
    predicted, _out = run(task_module, args, capsys, check=True, diff=True)
    assert predicted["changed"] is True and predicted["status_before"] == "PartialSuccess"
    assert predicted["retry_requests"] == [{}] and predicted["retriable"] == 1
    assert predicted["retried_devices"] == [] and predicted["diff"]["before"]["retriable"] == 1
    assert retries(emu, task_id) == []
    retried, out = run(task_module, args, capsys)
    assert retried["changed"] is True and retried["retried_devices"] == ["iotda-meter-0002"]
    assert retried["retry_failures"] == [] and retried["task_id"] == task_id
    assert retried["task"]["status"] == "Processing" and len(retries(emu, task_id)) == 1
    assert SK not in out
    again, _out = run(task_module, args, capsys)  # running again: nothing failed any more, nothing is sent
    assert again["changed"] is False and again["retry_requests"] == [] and len(retries(emu, task_id)) == 1
    emu.advance(3600)
    finished, _out = run(task_module, args, capsys)  # the task is Success now: no retry is allowed
    assert finished["failed"] is True and finished["error_code"] == "RetryNotAllowed"
    assert finished["status_before"] == "Success" and "Success" in finished["msg"]
    assert len(retries(emu, task_id)) == 1 and len(tasks(emu)) == 1  # nothing was ever created


def test_retried_named_devices_skip_those_not_failed(emu, capsys):
    task_id = partial_task(emu, capsys)
    result, _out = run(task_module, connection(emu, state="retried", task_id=task_id,
                                               retry_targets=["iotda-meter-0001", "iotda-meter-0002"]), capsys)
    assert result["changed"] is True and result["retry_requests"] == [{"targets": ["iotda-meter-0002"]}]
    assert result["skipped_devices"] == ["iotda-meter-0001"] and result["retried_devices"] == ["iotda-meter-0002"]
    # the warning naming the skipped device: tests/integration/test_playbook_huawei_iotda_retry.py (ansible-core keeps
    # warnings in a process-wide list, so an in-process run cannot tell its own)
    details = [line for line in log(emu) if line == "GET %s/%s" % (TASKS, task_id)]
    assert len(details) >= 4  # the task, then its Fail, FailWaitRetry and Stopped rows before the retry


@pytest.mark.parametrize("advance, status", [(0, "Initializing"), (3600, "Success")])
def test_retried_refused_by_the_status_read_first(emu, capsys, advance, status):
    created, _out = run(task_module, connection(emu, package_id=PACKAGE, targets=DEVICES), capsys)
    emu.advance(advance)
    result, _out = run(task_module, connection(emu, state="retried", task_id=created["task_id"]), capsys)
    assert result["failed"] is True and result["error_code"] == "RetryNotAllowed"
    assert status in result["msg"] and "RetryBatchTask was not sent" in result["msg"]
    assert retries(emu, created["task_id"]) == []


@pytest.mark.parametrize("extra, text", [
    ({"state": "retried", "package_id": PACKAGE, "targets": DEVICES}, "state=retried needs task_id"),
    ({"state": "retried", "task_id": "abc", "retry_targets": ["bad id!"]}, "retry_targets"),
    ({"package_id": PACKAGE, "targets": DEVICES, "retry_targets": DEVICES}, "retry_targets is only used with"),
])
def test_retried_option_errors_before_any_request(emu, capsys, extra, text):
    result, _out = run(task_module, dict(connection(emu), **extra), capsys)
    assert result["failed"] is True and text in result["msg"], result["msg"]
    assert log(emu) == []


# --------------------------------------------------------------------------- huawei_iotda_device_info (ListDevices: SDK)

DEVICE_LIST = "GET %s/devices" % BASE


def meters(numbers):
    return ["iotda-meter-%04d" % number for number in numbers]


def test_device_info_every_page_and_the_version_filters(emu, capsys):
    emu.patch_devices({"huawei_iotda": {"iotda-meter-0007": {"fw_version": "2.0.0"},
                                        "iotda-meter-0008": {"sw_version": "2.0.0"},
                                        "iotda-meter-0009": {"fw_version": None, "sw_version": None}}})
    result, out = run(device_module, connection(emu), capsys)
    assert result["changed"] is False and result["total"] == 300 and result["missing"] == []
    assert [row["device_id"] for row in result["devices"]] == meters(range(300, 0, -1))  # newest record first
    assert log(emu) == [DEVICE_LIST] * 6 and result["api_calls"] == 6  # 6 pages of 50
    rows = dict((row["device_id"], row) for row in result["devices"])
    assert rows["iotda-meter-0007"]["firmware_version"] == "2.0.0"
    assert rows["iotda-meter-0008"]["software_version"] == "2.0.0"
    # a device without fw_version / sw_version: unknown (null), not an error
    assert (rows["iotda-meter-0009"]["firmware_version"], rows["iotda-meter-0009"]["software_version"]) == (None, None)
    assert rows["iotda-meter-0001"] == dict(rows["iotda-meter-0001"], platform="huawei_iotda", product_id="iotda-meter",
                                            status="ONLINE", online=True, app_id="iotda-demo-app")
    assert SK not in out
    fw, _out = run(device_module, connection(emu, product_ids=["iotda-meter"], firmware_versions=["2.0.0"]), capsys)
    assert [row["device_id"] for row in fw["devices"]] == ["iotda-meter-0007"] and fw["api_calls"] == 6
    sw, _out = run(device_module, connection(emu, software_versions=["2.0.0"]), capsys)
    assert [row["device_id"] for row in sw["devices"]] == ["iotda-meter-0008"]
    other, _out = run(device_module, connection(emu, product_ids=["another-product"]), capsys)
    assert other["devices"] == [] and other["api_calls"] == 1


def test_device_info_given_devices_read_until_all_seen(emu, capsys):
    found, _out = run(device_module, connection(emu, device_ids=["iotda-meter-0299", "iotda-meter-0300"]), capsys)
    assert [row["device_id"] for row in found["devices"]] == ["iotda-meter-0299", "iotda-meter-0300"]
    assert found["missing"] == [] and found["api_calls"] == 1  # both on the first page: no second one
    missing, _out = run(device_module, connection(emu, device_ids=["iotda-meter-0001", "iotda-ghost-01"]), capsys)
    assert [row["device_id"] for row in missing["devices"]] == ["iotda-meter-0001"]
    assert missing["missing"] == ["iotda-ghost-01"] and missing["api_calls"] == 6  # every page, then missing


def test_device_info_one_page_then_the_next(emu, capsys):
    first, _out = run(device_module, connection(emu, limit=20), capsys)
    assert [row["device_id"] for row in first["devices"]] == meters(range(300, 280, -1))
    assert (first["total"], first["limit"], first["offset"], first["api_calls"]) == (300, 20, 0, 1)
    second, _out = run(device_module, connection(emu, limit=20, marker=first["marker"], offset=5), capsys)
    assert [row["device_id"] for row in second["devices"]] == meters(range(275, 255, -1))
    assert log(emu) == [DEVICE_LIST] * 2


@pytest.mark.parametrize("extra, text", [
    ({"limit": 0}, "limit must be between 1 and 50"),
    ({"limit": 51}, "limit must be between 1 and 50"),
    ({"offset": 501}, "offset must be between 0 and 500"),
    ({"marker": "not-a-record"}, "marker must be the 24-character hexadecimal record id"),
    ({"app_id": "bad space!"}, "app_id must be 1 to 36"),
    ({"product_ids": ["a", "b"], "limit": 10}, "product_ids: one page"),
    ({"product_ids": ["x" * 37]}, "product_ids: each product id"),
    ({"device_ids": ["bad id!"]}, "device_ids: each device id"),
    ({"device_ids": ["iotda-meter-0001"], "limit": 10}, "device_ids|limit"),
])
def test_device_info_option_errors_before_any_request(emu, capsys, extra, text):
    result, out = run(device_module, dict(connection(emu), **extra), capsys)
    assert result["failed"] is True and text in result["msg"], result["msg"]
    assert log(emu) == [] and SK not in out


# --------------------------------------------------------------------------- the connection action
