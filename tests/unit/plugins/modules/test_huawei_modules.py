"""The two Huawei modules' main() in-process against the emulator (documented-only): docs, results, secrets."""
import pytest
import requests
import yaml

from ansible.module_utils.basic import AnsibleModule
from module_runner import run  # tests/unit/plugins/modules/module_runner.py

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection as huawei_connection
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_firmware_task as task_module
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_firmware_task_info as info_module

from iotemu.server import EmulatorServer  # tests/emulator is on sys.path (tests/conftest.py)

from kit.control import EmulatorControl
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET
from kit.docs import compare, documented_options

OPS = "/iodm/northbound/v1.5.0/operations"
CREATE = OPS + "/firmwareUpgrade"
LOGIN = "/iocm/app/sec/v1.1.0/login"

FILE = "fw-wm100-2.0.0"
DEVICES = ["hw-meter-0001", "hw-meter-0002"]


# --------------------------------------------------------------------------- documentation == argument spec

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
def emu(tmp_path, monkeypatch):
    server = EmulatorServer(fleet="demo:20", behaviour={"documented_only": True}).start()
    for name in ("HUAWEI_IOT_ENDPOINT", "HUAWEI_IOT_APP_ID", "HUAWEI_IOT_SECRET", "HUAWEI_IOT_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IOTFLEET_PACING_DIR", str(tmp_path / "pacing"))
    yield EmulatorControl(server, platform="huawei")
    server.stop()


def log(emu):
    return ["%s %s" % (entry["method"], entry["path"]) for entry in emu.requests()]


def tasks(emu):
    return emu.tasks()


def issued_token(emu):
    """The access token the emulator issued (in-process: the control API does not hand out secrets)."""
    return emu.server.core.huawei.tokens[HUAWEI_APP_ID].access


def connection(emu, **extra):
    args = {"endpoint": emu.url, "app_id": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}
    args.update(extra)
    return args


def test_create_then_unchanged_and_token_hidden(emu, capsys):
    args = connection(emu, file_id=FILE, targets={"devices": DEVICES})
    first, out = run(task_module, args, capsys)
    assert first["changed"] is True and first["created"] is True and "diff" not in first
    op_id = first["operation_id"]
    devices = "GET /iocm/app/dm/v1.4.0/devices/"
    assert log(emu) == ["POST " + LOGIN, "GET /iodm/northbound/v1.5.0/category/" + FILE, "GET " + OPS,
                        devices + DEVICES[0], devices + DEVICES[1], "POST " + CREATE, "GET %s/%s" % (OPS, op_id)]
    issued = issued_token(emu)
    assert HUAWEI_SECRET not in out and issued not in out
    second, out = run(task_module, args, capsys)
    assert second["changed"] is False and second["operation_id"] == op_id and second["retries"] == []
    assert second["api_calls"] == 2 and issued not in out  # the shared token: no second login
    assert len(tasks(emu)) == 1


def test_check_and_diff(emu, capsys):
    args = connection(emu, file_id=FILE, targets={"devices": DEVICES}, policy={"execute_type": "device_online"})
    result, dummy = run(task_module, args, capsys, check=True, diff=True)
    assert result["changed"] is True and "POST " + CREATE not in log(emu)
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"file_id": FILE, "targets": {"devices": DEVICES},
                                       "policy": {"execute_type": "device_online", "retry_type": False}}
    assert result["request"]["policy"] == {"executeType": "device_online", "retryType": False}


def test_env_fallbacks(emu, capsys, monkeypatch):
    monkeypatch.setenv("HUAWEI_IOT_ENDPOINT", emu.url)
    monkeypatch.setenv("HUAWEI_IOT_APP_ID", HUAWEI_APP_ID)
    monkeypatch.setenv("HUAWEI_IOT_SECRET", HUAWEI_SECRET)
    monkeypatch.setenv("HUAWEI_IOT_API_CALLS_PER_MINUTE", "50")
    limits = []

    class Recording(huawei_connection.RateLimiter):
        def __init__(self, *args, **kwargs):
            limits.append(kwargs.get("calls"))
            super(Recording, self).__init__(*args, **kwargs)

    # ansible-core 2.21 no longer returns ``invocation``: the emulator and the limiter tell what the module used
    monkeypatch.setattr(huawei_connection, "RateLimiter", Recording)
    result, out = run(info_module, {"operation_type": "firmware_upgrade"}, capsys)
    assert result["changed"] is False and result["tasks"] == [] and result["total"] == 0
    assert log(emu) == ["POST " + LOGIN, "GET " + OPS]  # the endpoint, app id and secret came from the environment
    assert limits == [50]
    assert HUAWEI_SECRET not in out


def test_validation_fails_before_any_request(emu, capsys):
    args = connection(emu, file_id=FILE, targets={"device_groups": ["north"]},
                      policy={"execute_type": "custom", "retry_times": 9})
    result, dummy = run(task_module, args, capsys)
    assert result["failed"] is True and log(emu) == []
    assert len(result["errors"]) == 3
    assert "targets.device_groups requires" in result["msg"] and "policy.execute_type=custom requires" in result["msg"]


@pytest.mark.parametrize("extra, count, texts", [
    ({"targets": "abc"}, 1, ["targets: dictionary requested, could not parse JSON or key=value (got 'abc')"]),
    ({"policy": "abc"}, 1, ["policy: dictionary requested, could not parse JSON or key=value (got 'abc')"]),
    ({"targets": "abc", "policy": {"retry_type": "maybe", "retry_times": "x"}}, 3,
     ["targets: dictionary requested", "policy.retry_type: ", "not a valid boolean", "policy.retry_times: ",
      "cannot be converted to an int (got 'x')"]),
], ids=["targets", "policy", "suboptions"])
def test_type_errors_name_the_option_before_any_request(emu, capsys, extra, count, texts):
    """ansible-core's own first error for a dict with suboptions given as a string names no option."""
    args = connection(emu, file_id=FILE, targets={"devices": DEVICES})
    args.update(extra)
    result, out = run(task_module, args, capsys)
    assert result["failed"] is True and log(emu) == []
    assert result["msg"].startswith("Invalid options: ") and len(result["errors"]) == count
    for text in texts:
        assert text in result["msg"]
    assert HUAWEI_SECRET not in out


def test_type_error_of_a_secret_does_not_show_it(emu, capsys):
    args = connection(emu, file_id=FILE, targets="abc", secret=["s3cret-in-a-list"])
    result, out = run(task_module, args, capsys)
    assert result["failed"] is True and "targets: dictionary requested" in result["msg"]
    assert "s3cret-in-a-list" not in out


def test_valid_strings_are_converted_as_ansible_core_converts_them(emu, capsys):
    args = connection(emu, file_id=FILE, targets="devices=%s" % DEVICES[0],
                      policy={"retry_type": "yes", "retry_times": "2"})
    result, dummy = run(task_module, args, capsys, check=True, diff=True)
    assert result["changed"] is True, result
    assert result["diff"]["after"]["targets"] == {"devices": [DEVICES[0]]}
    assert result["diff"]["after"]["policy"] == {"execute_type": "now", "retry_type": True, "retry_times": 2}


def test_mutually_exclusive_operation_id(emu, capsys):
    result, dummy = run(task_module, connection(emu, operation_id="op-1", file_id=FILE), capsys)
    assert result["failed"] is True and "mutually exclusive" in result["msg"] and log(emu) == []


@pytest.mark.parametrize("extra, text", [
    ({"secret": None}, "secret (or the HUAWEI_IOT_SECRET environment variable) is required"),
    ({"client_key": "/k.pem"}, "client_key requires client_cert"),
    ({"timeout": 0}, "timeout must be at least 1"),
    ({"api_calls_per_minute": 0}, "api_calls_per_minute must be at least 1"),
    ({"endpoint": "iot.example.com:8743"}, "endpoint must be a full URL"),
])
def test_connection_rules_fail_before_any_request(emu, capsys, extra, text):
    args = connection(emu, file_id=FILE, targets={"devices": DEVICES})
    args.update(extra)
    args = dict((key, value) for key, value in args.items() if value is not None)
    result, dummy = run(task_module, args, capsys)
    assert result["failed"] is True and text in result["msg"] and log(emu) == []


def test_access_token_never_in_output(emu, capsys):
    login = {"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}
    token = requests.post(emu.url + LOGIN, data=login, timeout=10).json()["accessToken"]
    args = {"endpoint": emu.url, "app_id": HUAWEI_APP_ID, "access_token": token, "file_id": FILE,
            "targets": {"devices": DEVICES}}
    result, out = run(task_module, args, capsys)
    assert result["changed"] is True and token not in out
    assert log(emu).count("POST " + LOGIN) == 1  # only the test's own login


def test_secrets_never_in_failure_output(emu, capsys):
    emu.inject(kind="mutate", method="GET", path=OPS,
               set={"error_code": "120015", "error_desc": "echo %s" % HUAWEI_SECRET})
    result, out = run(task_module, connection(emu, file_id=FILE, targets={"devices": DEVICES}), capsys)
    assert result["failed"] is True and result["error_code"] == "120015"
    assert HUAWEI_SECRET not in out and issued_token(emu) not in out


def test_absent_running_task_fails(emu, capsys):
    run(task_module, connection(emu, file_id=FILE, targets={"devices": DEVICES}), capsys)
    result, dummy = run(task_module, connection(emu, state="absent", file_id=FILE, targets={"devices": DEVICES}),
                        capsys)
    assert result["failed"] is True and result["error_code"] == "StopNotSupported"


def test_policy_difference_warning(emu, capsys, monkeypatch):
    # Record warnings where the module emits them: how ansible-core collects them into the result differs
    # between a module process and this test process (which also imports controller code in other tests).
    warnings = []
    original_warn = AnsibleModule.warn
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: (warnings.append(msg), original_warn(self, msg)))
    run(task_module, connection(emu, file_id=FILE, targets={"devices": DEVICES}), capsys)
    result, dummy = run(task_module, connection(emu, file_id=FILE, targets={"devices": DEVICES},
                                                policy={"retry_type": True, "retry_times": 2}), capsys, diff=True)
    assert result["changed"] is False
    assert any("policy differs in retry_times, retry_type" in warning for warning in warnings)


def test_info_rejects_bad_combinations(emu, capsys):
    result, dummy = run(info_module, connection(emu, operation_id="op-1", page_no=2), capsys)
    assert result["failed"] is True and "cannot be combined" in result["msg"]
    result, dummy = run(info_module, connection(emu, page_size=101), capsys)
    assert result["failed"] is True and "page_size must be between 1 and 100" in result["msg"]
    result, dummy = run(info_module, connection(emu, sub_operation_status="fail"), capsys)
    assert result["failed"] is True and "include_subtasks" in result["msg"]
    assert log(emu) == []


def test_info_by_id(emu, capsys):
    first, dummy = run(task_module, connection(emu, file_id=FILE, targets={"devices": DEVICES}), capsys)
    emu.advance(1000)  # both upgrades finish
    emu.clear_requests()
    result, dummy = run(info_module, connection(emu, operation_id=first["operation_id"], include_subtasks=True),
                        capsys, check=True)
    assert result["changed"] is False and result["summary"]["succeeded"] == 2 and result["all_done"] is True
    assert len(result["tasks"][0]["subtasks"]) == 2
    assert log(emu) == ["GET %s/%s" % (OPS, first["operation_id"]),
                        "GET %s/%s/subOperations" % (OPS, first["operation_id"])]


def test_info_list_page(emu, capsys):
    run(task_module, connection(emu, file_id=FILE, targets={"devices": DEVICES}), capsys)
    result, dummy = run(info_module, connection(emu, operation_type="firmware_upgrade", page_size=10), capsys)
    assert result["total"] == 1 and result["page_no"] == 0 and result["page_size"] == 10
    assert len(result["operation_ids"]) == 1
