"""Huawei modules end to end: real ansible-playbook against the emulator (fixtures in conftest.py)."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from demo_credentials import HUAWEI_APP_ID, HUAWEI_SECRET

pytestmark = pytest.mark.integration

LOGIN = "/iocm/app/sec/v1.1.0/login"
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
    # one login per module run, and the exact calls of the first run
    assert len(calls(emulator, "POST", LOGIN)) == 2
    first_run = [(e["method"], e["path"]) for e in calls(emulator)][:5]
    op_id = read_json(tmp_path / "first.json")["operation_id"]
    assert first_run == [("POST", LOGIN), ("GET", CATEGORY + "/fw-wm100-2.0.0"), ("GET", OPS), ("POST", CREATE),
                         ("GET", OPS + "/" + op_id)]


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
    assert len(task_reads) == 1 + result["wait"]["polls"] and result["wait"]["polls"] >= 1
    versions = dict((d["deviceId"], d["version"]) for d in emulator.state()["huawei"]["devices"])
    assert versions["hw-meter-0011"] == "2.0.0" and versions["hw-meter-0015"] == "1.0.0"


# --------------------------------------------------------------------------- check mode and diff

def test_check_mode_never_writes_and_diff_is_shown(emulator, run_playbook):
    predicted = run(run_playbook, emulator, "check_diff.yml", check=True, diff=True,
                    extra_vars={"expect_changed": True})
    assert predicted.host()["changed"] == 1
    assert posts(emulator) == [] and huawei_tasks(emulator) == []
    assert {(e["method"], e["path"].split("/")[-1]) for e in calls(emulator)} <= {
        ("POST", "login"), ("GET", "fw-wm100-2.0.0"), ("GET", "operations")}
    assert "device_online" in predicted.stdout and "new firmware upgrade task" in predicted.stdout  # the diff

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
    assert "answer to the create request was lost" in result.stderr + result.stdout  # the warning
    assert len(posts(emulator)) == 1 and len(huawei_tasks(emulator)) == 1
    assert read_json(result_file)["operation_id"] == huawei_tasks(emulator)[0]["operationId"]
    again = run(run_playbook, emulator, "devices.yml", extra_vars={"expect_changed": False})
    assert again.host()["changed"] == 0 and len(huawei_tasks(emulator)) == 1 and len(posts(emulator)) == 1


@pytest.mark.parametrize("kind", ["reset", "http_500", "http_503"])
def test_unanswered_create_that_did_nothing_is_posted_once_more(emulator, run_playbook, kind):
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind=kind, times=1)
    result = run(run_playbook, emulator, "devices.yml", extra_vars={"expect_changed": True})
    assert result.host()["changed"] == 1
    assert [e.get("fault") for e in posts(emulator)] == [kind, None]  # reconciled (nothing found), posted again
    lookups = calls(emulator, "GET", OPS, exact=True)
    assert len(lookups) == 1 + 3
    assert len(huawei_tasks(emulator)) == 1


def test_throttle_burst_is_survived(emulator, run_playbook, tmp_path):
    emulator.inject(platform="huawei", method="GET", path=CATEGORY, kind="throttle", times=1)
    emulator.inject(platform="huawei", method="GET", path=OPS, kind="throttle", times=3)
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind="throttle", times=2)
    result_file = tmp_path / "result.json"
    result = run(run_playbook, emulator, "devices.yml",
                 extra_vars={"expect_changed": True, "wait": True, "result_file": str(result_file)})
    assert result.host()["changed"] == 1
    throttled = [e for e in calls(emulator) if e.get("error_code") == "1010009"]
    assert len(throttled) == 6
    assert [e.get("fault") for e in posts(emulator)] == ["throttle", "throttle", None]
    assert len(huawei_tasks(emulator)) == 1
    data = read_json(result_file)
    assert len(data["retries"]) == 6 and {r["error_code"] for r in data["retries"]} == {"1010009"}
    assert data["wait"]["status"] == "success"


def test_token_expiry_is_recovered(emulator, run_playbook, tmp_path):
    emulator.inject(platform="huawei", method="GET", path=OPS, kind="expire_token", times=1)
    emulator.inject(platform="huawei", method="POST", path=CREATE, kind="expire_token", times=1)
    result = run(run_playbook, emulator, "devices.yml", extra_vars={"expect_changed": True, "wait": True})
    assert result.host()["changed"] == 1
    assert len(calls(emulator, "POST", LOGIN)) == 3  # the first login plus one per expiry
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
    assert len(calls(emulator, "POST", LOGIN)) == 4  # one login per module run
    subtask_reads = [e for e in calls(emulator) if e["path"].endswith("/subOperations")]
    assert len(subtask_reads) == 3


# --------------------------------------------------------------------------- mutual TLS

def test_mutual_tls(emulator_tls, run_playbook):
    result = run_playbook("huawei/mtls.yml", extra_vars={
        "endpoint": emulator_tls.url, "ca_path": emulator_tls.ca_path, "client_cert": emulator_tls.client_cert,
        "client_key": emulator_tls.client_key},
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
