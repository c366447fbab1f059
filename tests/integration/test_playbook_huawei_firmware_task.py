"""Huawei modules end to end: real ansible-playbook against the emulator (fixtures in conftest.py)."""
import json
import os
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET

pytestmark = pytest.mark.integration
PLAYBOOK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "huawei")

LOGIN = "/iocm/app/sec/v1.1.0/login"
DEVICES = "/iocm/app/dm/v1.4.0/devices"
OPS = "/iodm/northbound/v1.5.0/operations"
CREATE = OPS + "/firmwareUpgrade"
CATEGORY = "/iodm/northbound/v1.5.0/category"


def calls(emulator, method=None, path=None, exact=False):
    entries = emulator.calls(platform="huawei", method=method, path=path)
    return [entry for entry in entries if not exact or entry["path"] == path]


def posts(emulator):
    return calls(emulator, "POST", CREATE, exact=True)


def huawei_tasks(emulator):
    return emulator.state()["huawei"]["tasks"]


def read_json(path):
    with open(str(path)) as handle:
        return json.load(handle)


def run(run_playbook, emulator, playbook, expect_rc=0, env=None, **kwargs):
    full_env = emulator.huawei_env()
    full_env.update(env or {})
    return run_playbook("huawei/" + playbook, env=full_env, expect_rc=expect_rc, **kwargs)


def huawei_time(moment):
    return moment.strftime("%Y%m%dT%H%M%SZ")


@pytest.fixture(autouse=True)
def own_pacing_dir(tmp_path, monkeypatch):
    """Every test shares its rate limit and token only between its own module runs."""
    monkeypatch.setenv("IOTFLEET_PACING_DIR", str(tmp_path / "pacing"))


def no_echo(emulator):
    emulator.behaviour(documented_only=True)


def duplicates(emulator):
    return emulator.control("GET", "stats")["huawei"]["duplicates"]


def refused(emulator, code):
    return [entry for entry in calls(emulator) if entry.get("error_code") == code]


def task_run(run_playbook, emulator, tmp_path, name, expect_rc=0, **extra_vars):
    result_file = tmp_path / (name + ".json")
    extra_vars["result_file"] = str(result_file)
    run(run_playbook, emulator, "task.yml", expect_rc=expect_rc, extra_vars=extra_vars)
    return read_json(result_file)


# --------------------------------------------------------------------------- create, re-run unchanged, wait

def test_create_then_rerun_unchanged(emulator, run_playbook, tmp_path):
    first = run(run_playbook, emulator, "devices.yml",
                extra_vars={"expect_changed": True, "result_file": str(tmp_path / "first.json")})
    assert first.host()["changed"] == 1 and first.host()["failed"] == 0
    second = run(run_playbook, emulator, "devices.yml",
                 extra_vars={"expect_changed": False, "result_file": str(tmp_path / "second.json")})
    assert second.host()["changed"] == 0 and second.host()["failed"] == 0
    assert read_json(tmp_path / "first.json")["operation_id"] == read_json(tmp_path / "second.json")["operation_id"]
    assert len(posts(emulator)) == 1 and len(huawei_tasks(emulator)) == 1
    # one login for both runs (the token is shared), and the exact calls of the first run: three devices are read
    # with one page of the device listing
    assert len(calls(emulator, "POST", LOGIN)) == 1
    first_run = [(e["method"], e["path"]) for e in calls(emulator)][:6]
    op_id = read_json(tmp_path / "first.json")["operation_id"]
    assert first_run == [("POST", LOGIN), ("GET", CATEGORY + "/fw-wm100-2.0.0"), ("GET", OPS), ("GET", DEVICES),
                         ("POST", CREATE), ("GET", OPS + "/" + op_id)]


def test_wait_to_completion_with_counts(emulator, run_playbook, tmp_path):
    result_file = tmp_path / "result.json"
    first = run(run_playbook, emulator, "devices.yml",
                extra_vars={"expect_changed": True, "wait": True, "result_file": str(result_file),
                            "devices": ["hw-meter-0011", "hw-meter-0012", "hw-meter-0013", "hw-meter-0014"]})
    assert first.host()["changed"] == 1
    result = read_json(result_file)
    assert result["wait"]["status"] == "success" and result["wait"]["timed_out"] is False
    assert result["counts"] == {"total": 4, "wait": 0, "processing": 0, "success": 4, "fail": 0, "stop": 0,
                                "timeout": 0}
    assert result["summary"] == {"total": 4, "succeeded": 4, "failed": 0, "in_progress": 0, "finished": 4,
                                 "success_percent": 100.0, "failure_percent": 0.0}
    task_reads = calls(emulator, "GET", OPS + "/" + result["operation_id"], exact=True)
    # the read after the create, one per poll, and the final read of the task after the wait
    assert len(task_reads) == 2 + result["wait"]["polls"] and result["wait"]["polls"] >= 1
    versions = dict((d["deviceId"], d["version"]) for d in emulator.state()["huawei"]["devices"])
    assert versions["hw-meter-0011"] == "2.0.0" and versions["hw-meter-0015"] == "1.0.0"


# --------------------------------------------------------------------------- check mode and diff

def test_check_mode_never_writes_and_diff_is_shown(emulator, run_playbook):
    predicted = run(run_playbook, emulator, "check_diff.yml", check=True, diff=True,
                    extra_vars={"expect_changed": True})
    assert predicted.host()["changed"] == 1
    assert posts(emulator) == [] and huawei_tasks(emulator) == []
    assert {(e["method"], e["path"].split("/")[-1]) for e in calls(emulator)} <= {
        ("POST", "login"), ("GET", "fw-wm100-2.0.0"), ("GET", "operations"), ("GET", "devices")}
    assert "device_online" in predicted.stdout and "after: new task" in predicted.stdout  # the diff

    real = run(run_playbook, emulator, "check_diff.yml", extra_vars={"expect_changed": True})
    assert real.host()["changed"] == 1 and len(posts(emulator)) == 1

    again = run(run_playbook, emulator, "check_diff.yml", check=True, diff=True, extra_vars={"expect_changed": False})
    assert again.host()["changed"] == 0 and len(posts(emulator)) == 1


# --------------------------------------------------------------------------- validation

def test_every_validation_rule_fails_before_any_request(emulator, run_playbook):
    result = run(run_playbook, emulator, "validation.yml")
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 2
    assert result.stdout.count("Invalid options:") >= 20
    assert calls(emulator) == []


@pytest.mark.parametrize("errors_with_http_200", [False, True], ids=["http-status", "http-200"])
def test_validation_needing_the_platform_never_creates(emulator, run_playbook, errors_with_http_200):
    emulator.behaviour(huawei_errors_with_http_200=errors_with_http_200)
    result = run(run_playbook, emulator, "validation_remote.yml")
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 3
    assert posts(emulator) == [] and huawei_tasks(emulator) == []
    unknown = calls(emulator, "GET", CATEGORY + "/fw-does-not-exist")
    assert len(unknown) == 1 and unknown[0]["status"] == (200 if errors_with_http_200 else 404)


# --------------------------------------------------------------------------- lost answers, throttling, tokens

def test_lost_create_response_creates_no_duplicate(emulator, run_playbook, tmp_path):
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind="drop_response", times=1)
    result_file = tmp_path / "result.json"
    result = run(run_playbook, emulator, "devices.yml",
                 extra_vars={"expect_changed": True, "expect_reconciled": True, "result_file": str(result_file)})
    assert result.host()["changed"] == 1
    warning = result.stderr + result.stdout
    assert "was lost" in warning and "was found by looking it up" in warning
    assert len(posts(emulator)) == 1 and len(huawei_tasks(emulator)) == 1
    assert read_json(result_file)["operation_id"] == huawei_tasks(emulator)[0]["operationId"]
    again = run(run_playbook, emulator, "devices.yml", extra_vars={"expect_changed": False})
    assert again.host()["changed"] == 0 and len(huawei_tasks(emulator)) == 1 and len(posts(emulator)) == 1


@pytest.mark.parametrize("kind", ["reset", "http_500", "http_503"])
def test_unanswered_create_is_never_posted_twice(emulator, run_playbook, kind):
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind=kind, times=1)
    result = run(run_playbook, emulator, "devices.yml", expect_rc=2,
                 extra_vars={"expect_changed": True, "reconcile_timeout": 3})
    assert "may still appear" in result.stdout and "a re-run will reconcile it" in result.stdout
    assert [e.get("fault") for e in posts(emulator)] == [kind]  # looked up for 3 s, never posted again
    assert len(calls(emulator, "GET", OPS, exact=True)) >= 1 + 2
    assert huawei_tasks(emulator) == []
    again = run(run_playbook, emulator, "devices.yml", extra_vars={"expect_changed": True})
    assert again.host()["changed"] == 1 and len(posts(emulator)) == 2 and len(huawei_tasks(emulator)) == 1


def test_throttled_create_waits_for_the_window_and_is_sent_again(emulator, run_playbook, tmp_path):
    # a throttle answer means "refused before execution": safe to send again, after the 60 s window
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind="throttle", times=1)
    result_file = tmp_path / "result.json"
    result = run(run_playbook, emulator, "devices.yml",
                 extra_vars={"expect_changed": True, "wait": True, "result_file": str(result_file)})
    assert result.host()["changed"] == 1
    assert [e.get("fault") for e in posts(emulator)] == ["throttle", None]
    assert len(huawei_tasks(emulator)) == 1
    data = read_json(result_file)
    assert data["throttle_waits"] == 1 and data["wait"]["status"] == "success"
    assert [entry["call"] for entry in data["retries"]] == ["Huawei IoT POST " + CREATE]


def test_token_expiry_is_recovered(emulator, run_playbook, tmp_path):
    emulator.inject(platform="huawei", method="GET", path=OPS, kind="expire_token", times=1)
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind="expire_token", times=1)
    result = run(run_playbook, emulator, "devices.yml", extra_vars={"expect_changed": True, "wait": True})
    assert result.host()["changed"] == 1
    assert len(calls(emulator, "POST", LOGIN)) == 3  # the first login plus one per refused token
    rejected = [e for e in calls(emulator) if e.get("error_code") == "1010005"]
    assert len(rejected) == 2
    assert [e.get("error_code") for e in posts(emulator)] == ["1010005", None]
    assert len(huawei_tasks(emulator)) == 1


# --------------------------------------------------------------------------- absent (no stop call in v1.5.0)

def test_absent_reports_the_missing_stop_call(emulator, run_playbook):
    start = datetime.now(timezone.utc) + timedelta(days=1)
    result = run(run_playbook, emulator, "absent.yml",
                 extra_vars={"start_time": huawei_time(start), "end_time": huawei_time(start + timedelta(hours=1))})
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 2
    assert len(posts(emulator)) == 1 and huawei_tasks(emulator)[0]["status"] == "wait"


# --------------------------------------------------------------------------- info

def test_info_module(emulator, run_playbook, tmp_path):
    run(run_playbook, emulator, "devices.yml",
        extra_vars={"expect_changed": True, "result_file": str(tmp_path / "a.json")})
    run(run_playbook, emulator, "devices.yml",
        extra_vars={"expect_changed": True, "devices": ["hw-meter-0010"], "result_file": str(tmp_path / "b.json")})
    ids = [read_json(tmp_path / name)["operation_id"] for name in ("a.json", "b.json")]
    emulator.control("DELETE", "requests")
    result = run(run_playbook, emulator, "info.yml", extra_vars={"operation_ids": ids, "expected_devices": 4})
    assert result.host()["failed"] == 0 and result.host()["changed"] == 0
    assert all(e["method"] == "GET" for e in calls(emulator) if e["path"] != LOGIN)  # the info module only reads
    assert len(calls(emulator, "POST", LOGIN)) == 0  # the token of the earlier runs is shared
    subtask_reads = [e for e in calls(emulator) if e["path"].endswith("/subOperations")]
    assert len(subtask_reads) == 3


# --------------------------------------------------------------------------- mutual TLS

def test_mutual_tls(emulator_tls, run_playbook):
    result = run_playbook("huawei/mtls.yml", extra_vars={
        "endpoint": emulator_tls.url, "ca_path": emulator_tls.ca_path, "client_cert": emulator_tls.client_cert,
        "client_key": emulator_tls.client_key, "app_id": HUAWEI_APP_ID, "secret": HUAWEI_SECRET},
        env={"HUAWEI_IOT_ENDPOINT": "", "HUAWEI_IOT_APP_ID": "", "HUAWEI_IOT_SECRET": ""})
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 2
    assert len(emulator_tls.calls(platform="huawei", method="POST", path=CREATE)) == 1


# --------------------------------------------------------------------------- secrets

def test_secrets_absent_from_vvv_output(emulator, run_playbook):
    answer = requests.post(emulator.url + LOGIN, data={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}, timeout=10)
    token = answer.json()["accessToken"]
    result = run(run_playbook, emulator, "secrets.yml", extra_vars={"token": token}, verbosity=3)
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 1
    output = result.stdout + result.stderr
    assert "invocation" in output.lower()  # -vvv really printed the module arguments
    assert HUAWEI_SECRET not in output and token not in output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output


# --------------------------------------------------------------------------- no echo: identity from documented facts

def test_no_echo_rerun_is_unchanged_then_up_to_date(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    emulator.behaviour(time_scale=1)  # the task stays active between the first two runs
    first = task_run(run_playbook, emulator, tmp_path, "first")
    assert first["changed"] is True and first["created"] is True and "extendPara" not in first["task"]
    second = task_run(run_playbook, emulator, tmp_path, "second")
    assert second["changed"] is False and second["operation_id"] == first["operation_id"]
    emulator.control("POST", "advance", {"seconds": 3600})  # the task finishes
    third = task_run(run_playbook, emulator, tmp_path, "third")
    assert third["changed"] is False and third["operation_id"] is None
    assert third["up_to_date_devices"] == ["hw-meter-0001", "hw-meter-0002"]
    assert len(posts(emulator)) == 1 and len(huawei_tasks(emulator)) == 1 and duplicates(emulator) == []


def test_no_echo_slow_commit_within_twice_the_timeout_is_adopted(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    # executed 8 s after receipt, the answer never comes (the client gives up after its 3 s timeout)
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind="slow_commit", delay=4, commit_after=8)
    result = task_run(run_playbook, emulator, tmp_path, "slow", timeout=3)
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True and result["reconciled"] is True
    assert len(posts(emulator)) == 1 and len(huawei_tasks(emulator)) == 1 and duplicates(emulator) == []


def test_no_echo_slow_commit_beyond_the_reconcile_timeout_fails_then_reconciles(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    emulator.behaviour(time_scale=1)  # the late task stays active until the re-run
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind="slow_commit", delay=4, commit_after=30)
    result = task_run(run_playbook, emulator, tmp_path, "slow", timeout=3, reconcile_timeout=2)
    assert result["failed"] is True
    assert "may still appear" in result["msg"] and "a re-run will reconcile it" in result["msg"]
    emulator.control("POST", "advance", {"seconds": 30})  # the late create takes effect
    again = task_run(run_playbook, emulator, tmp_path, "again")
    assert again["changed"] is False and again["operation_id"] == huawei_tasks(emulator)[0]["operationId"]
    assert len(posts(emulator)) == 1 and len(huawei_tasks(emulator)) == 1 and duplicates(emulator) == []


def test_no_echo_forty_calls_in_a_loop_are_paced_under_the_throttle(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    emulator.behaviour(huawei_calls_per_minute=50, time_scale=1)  # the task stays active: 2 calls per re-run
    result_file = tmp_path / "loop.json"
    run(run_playbook, emulator, "loop.yml", extra_vars={"api_calls_per_minute": 50, "result_file": str(result_file)})
    assert read_json(result_file) == [True] + [False] * 39
    # 1 login + 6 calls for the create (package, list, 2 devices, create, task) + 2 per re-run (package, list) = 85
    # calls > 50 per minute: paced, never refused
    assert refused(emulator, "1010009") == [] and len(calls(emulator)) == 85
    times = [entry["time"] for entry in calls(emulator)]
    assert times[-1] - times[0] >= 59
    assert len(huawei_tasks(emulator)) == 1 and duplicates(emulator) == []


def test_no_echo_forks_share_one_token_and_create_no_duplicate(emulator, run_playbook):
    no_echo(emulator)
    emulator.behaviour(time_scale=1)  # the tasks stay active for the second runs
    inventory = os.path.join(PLAYBOOK_DIR, "forks_inventory.yml")
    result = run(run_playbook, emulator, "forks.yml", inventory=inventory, extra_args=["--forks", "10"])
    assert all(result.host("fork%02d" % number).get("failed") == 0 for number in range(1, 11)), result.stdout
    assert len(calls(emulator, "POST", LOGIN)) == 1  # the login lock: one token for all 20 module runs
    assert refused(emulator, "1010005") == [] and refused(emulator, "1010009") == []
    assert len(posts(emulator)) == 10 and len(huawei_tasks(emulator)) == 10 and duplicates(emulator) == []


def test_forks_given_the_same_device_at_once_create_one_task(emulator, run_playbook):
    # 10 module runs for one device at the same moment: nothing on the platform serialises find -> create; the
    # work lock of the app id does, so one run creates and the other nine find its task
    no_echo(emulator)
    emulator.behaviour(time_scale=1)
    inventory = os.path.join(PLAYBOOK_DIR, "forks_inventory.yml")
    result = run(run_playbook, emulator, "forks_same.yml", inventory=inventory, extra_args=["--forks", "10"],
                 extra_vars={"shared_device": "hw-meter-0120"})
    assert all(result.host("fork%02d" % number).get("failed") == 0 for number in range(1, 11)), result.stdout
    assert len(posts(emulator)) == 1 and len(huawei_tasks(emulator)) == 1
    assert duplicates(emulator) == []  # GET /_emulator/stats
