"""Tencent modules end to end: real ansible-playbook against the emulator (fixtures in conftest.py)."""
import json
import sys
import time

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import limits
from kit.credentials import TENCENT_SECRET_ID, TENCENT_SECRET_KEY

pytestmark = pytest.mark.integration

BUF = "BatchUpdateFirmware"
CANCEL = "UpdateOtaTaskStatus"
SESSION_TOKEN_SENTINEL = "iotfleet-session-token-sentinel-7f3a9c2e5b"


def tencent_calls(emulator, action=None):
    return emulator.calls(platform="tencent", action=action)


def read_json(path):
    with open(str(path)) as handle:
        return json.load(handle)


def tencent_tasks(emulator):
    """Tencent tasks from the emulator state (a list or a dict keyed by id, under "tencent")."""
    state = emulator.state()
    tencent = state.get("tencent", state)
    tasks = tencent.get("tasks", []) if isinstance(tencent, dict) else []
    if isinstance(tasks, dict):
        tasks = list(tasks.values())
    return tasks


def run(run_playbook, emulator, playbook, expect_rc=0, env=None, **kwargs):
    full_env = emulator.tencent_env()
    full_env.update(env or {})
    return run_playbook("tencent/" + playbook, env=full_env, expect_rc=expect_rc, **kwargs)


# --------------------------------------------------------------------------- each mode, re-run unchanged

def test_device_names_create_then_rerun_unchanged(emulator, run_playbook, tmp_path):
    emulator.behaviour(time_scale=1)  # still running at the re-run: the same task is found
    first = run(run_playbook, emulator, "devicenames.yml",
                extra_vars={"expect_changed": True, "result_file": str(tmp_path / "first.json")})
    assert first.host()["changed"] == 1 and first.host()["failed"] == 0
    second = run(run_playbook, emulator, "devicenames.yml",
                 extra_vars={"expect_changed": False, "result_file": str(tmp_path / "second.json")})
    assert second.host()["changed"] == 0 and second.host()["failed"] == 0
    assert read_json(tmp_path / "first.json")["task_id"] == read_json(tmp_path / "second.json")["task_id"]
    assert len(tencent_calls(emulator, BUF)) == 1
    assert len(tencent_tasks(emulator)) == 1


def test_original_version_wait_with_counts_then_unchanged(emulator, run_playbook, tmp_path):
    result_file = tmp_path / "result.json"
    first = run(run_playbook, emulator, "original_version.yml",
                extra_vars={"expect_changed": True, "result_file": str(result_file)})
    assert first.host()["changed"] == 1
    result = read_json(result_file)
    assert result["wait"]["timed_out"] is False and result["elapsed"] >= 0
    assert result["summary"]["total"] == result["summary"]["finished"] > 0
    assert sum(result["counts"].values()) == result["summary"]["total"]
    polls = len(tencent_calls(emulator, "DescribeFirmwareTaskDevices"))
    assert polls >= 2  # the initial read plus at least one poll
    again = run(run_playbook, emulator, "original_version.yml", extra_vars={"expect_changed": False})
    assert again.host()["changed"] == 0
    assert len(tencent_calls(emulator, BUF)) == 1


def test_device_list_file(emulator, run_playbook):
    files = emulator_device_list_files(emulator)
    if not files:
        pytest.skip("the emulator's demo fleet has no device_list_files")
    name, spec = sorted(files.items())[0]
    extra = {"file_name": name, "file_md5": spec["md5"], "file_size": spec["size"],
             "expected_total": len(spec["devices"])}
    first = run(run_playbook, emulator, "filename.yml", extra_vars=dict(extra, expect_changed=True))
    assert first.host()["changed"] == 1
    second = run(run_playbook, emulator, "filename.yml", extra_vars=dict(extra, expect_changed=False))
    assert second.host()["changed"] == 0
    assert len(tencent_calls(emulator, BUF)) == 1


def emulator_device_list_files(emulator):
    """``{name: {"md5", "size", "devices"}}`` of the fleet's device-list files, from the emulator state."""
    state = emulator.state()
    tencent = state.get("tencent", {}) if isinstance(state, dict) else {}
    files = tencent.get("device_list_files") or state.get("device_list_files") or {}
    if isinstance(files, list):
        files = dict((item.get("name") or item.get("file_name"), item) for item in files)
    result = {}
    for name, item in files.items():
        md5 = item.get("md5") or item.get("file_md5") or item.get("FileMd5")
        size = item.get("size") or item.get("file_size") or item.get("FileSize")
        devices = item.get("devices") or item.get("device_names") or []
        if name and md5 and size:
            result[name] = {"md5": md5, "size": size, "devices": devices}
    return result


# --------------------------------------------------------------------------- check mode and diff

def test_check_mode_never_writes_and_diff_is_shown(emulator, run_playbook):
    emulator.behaviour(time_scale=1)  # devices stay in progress for minutes: something to cancel later
    predicted = run(run_playbook, emulator, "check_diff.yml", check=True, diff=True,
                    extra_vars={"expect_changed": True, "wait": True})
    assert predicted.host()["changed"] == 1
    assert tencent_calls(emulator, BUF) == [] and tencent_tasks(emulator) == []
    assert "tc-sensor-0011" in predicted.stdout and "DeviceNames" in predicted.stdout  # the diff
    assert {entry["action"] for entry in tencent_calls(emulator)} <= {
        "DescribeFirmware", "DescribeFirmwareTaskDevices", "GetDeviceList"}

    real = run(run_playbook, emulator, "check_diff.yml", extra_vars={"expect_changed": True})
    assert real.host()["changed"] == 1 and len(tencent_calls(emulator, BUF)) == 1

    emulator.control("DELETE", "requests")
    again = run(run_playbook, emulator, "check_diff.yml", check=True, diff=True,
                extra_vars={"expect_changed": False, "check_cancel": True})
    assert again.host()["changed"] == 1  # only the predicted cancel
    assert tencent_calls(emulator, BUF) == [] and tencent_calls(emulator, CANCEL) == []


# --------------------------------------------------------------------------- cancel

def test_cancel_and_replace(emulator, run_playbook, tmp_path):
    ids_file = tmp_path / "ids.json"
    emulator.behaviour(time_scale=1)  # keep the devices awaiting confirmation while the play cancels
    result = run(run_playbook, emulator, "cancel.yml", extra_vars={"result_file": str(ids_file)})
    assert result.host()["failed"] == 0
    ids = read_json(ids_file)
    cancels = tencent_calls(emulator, CANCEL)
    assert len(cancels) == 1
    assert len(tencent_calls(emulator, BUF)) == 2  # the task and its replacement after the cancel
    assert ids["created"] != ids["replaced"]


# --------------------------------------------------------------------------- validation

def test_every_validation_rule_fails_before_any_request(emulator, run_playbook):
    result = run(run_playbook, emulator, "validation.yml")
    assert result.host()["failed"] == 0 and result.host().get("ignored", 0) == 30
    actions = [entry["action"] for entry in tencent_calls(emulator)]
    assert actions == ["DescribeFirmware"]  # only the unknown-firmware case reaches the platform


# --------------------------------------------------------------------------- lost answers and throttling

def test_lost_create_response_creates_no_duplicate(emulator, run_playbook):
    emulator.behaviour(time_scale=1)
    emulator.inject(platform="tencent", action=BUF, kind="drop_response", times=1)
    result = run(run_playbook, emulator, "devicenames.yml", extra_vars={"expect_changed": True})
    assert result.host()["changed"] == 1
    assert len(tencent_calls(emulator, BUF)) == 1
    assert len(tencent_tasks(emulator)) == 1
    again = run(run_playbook, emulator, "devicenames.yml", extra_vars={"expect_changed": False})
    assert again.host()["changed"] == 0 and len(tencent_tasks(emulator)) == 1


def test_server_error_on_create_is_never_posted_again(emulator, run_playbook):
    emulator.behaviour(time_scale=1)
    emulator.inject(platform="tencent", action=BUF, kind="http_500", times=1)
    failed = run(run_playbook, emulator, "devicenames.yml", expect_rc=2,
                 extra_vars={"expect_changed": True, "reconcile_timeout": 2})
    assert "may have been executed" in failed.stdout and "re-run will reconcile it" in failed.stdout
    assert len(tencent_calls(emulator, BUF)) == 1 and tencent_tasks(emulator) == []  # one POST, never a second
    result = run(run_playbook, emulator, "devicenames.yml", extra_vars={"expect_changed": True})
    assert result.host()["changed"] == 1  # the re-run finds nothing and creates it
    assert len(tencent_calls(emulator, BUF)) == 2 and len(tencent_tasks(emulator)) == 1


def test_throttling_is_survived(emulator, run_playbook, tmp_path):
    for action, times in (("DescribeFirmware", 1), ("DescribeFirmwareTaskDevices", 2), ("GetDeviceList", 1),
                          (BUF, 1)):
        emulator.inject(platform="tencent", action=action, kind="throttle", times=times)
    result_file = tmp_path / "result.json"
    result = run(run_playbook, emulator, "devicenames.yml",
                 extra_vars={"expect_changed": True, "wait": True, "result_file": str(result_file)})
    assert result.host()["changed"] == 1
    throttled = [e for e in tencent_calls(emulator) if (e.get("error_code") or "").startswith("RequestLimitExceeded")
                 or e.get("fault") == "throttle"]
    assert len(throttled) == 5
    assert len([e for e in tencent_calls(emulator, BUF) if not e.get("fault")]) == 1
    assert len(tencent_tasks(emulator)) == 1
    data = read_json(result_file)
    assert len(data["retries"]) == 5 and data["throttle_waits"] == 5
    assert data["wait"]["timed_out"] is False and data["summary"]["in_progress"] == 0


def test_rerun_after_completion_reports_every_device_up_to_date(emulator, run_playbook, tmp_path):
    run(run_playbook, emulator, "devicenames.yml", extra_vars={"expect_changed": True, "wait": True})
    result_file = tmp_path / "again.json"
    run(run_playbook, emulator, "no_echo.yml", extra_vars={"runs": 1, "created": 0, "result_file": str(result_file)})
    again = read_json(result_file)[0]
    assert again["task_id"] is None and sorted(again["up_to_date_devices"]) == [
        "tc-sensor-0001", "tc-sensor-0002", "tc-sensor-0003"]
    assert len(tencent_calls(emulator, BUF)) == 1


# --------------------------------------------------------------------------- no echo (documented-only emulator)

def no_echo(emulator, **behaviour):
    """Documented-only answers (no TaskUserDefine echo); devices stay in progress for minutes."""
    emulator.behaviour(documented_only=True, time_scale=1, **behaviour)


def tencent_stats(emulator):
    return emulator.control("GET", "stats")["tencent"]


def test_no_echo_rerun_is_unchanged_with_one_task(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    run(run_playbook, emulator, "no_echo.yml", extra_vars={"runs": 2, "created": 1})
    assert len(tencent_calls(emulator, BUF)) == 1 and len(tencent_tasks(emulator)) == 1
    assert tencent_stats(emulator)["duplicates"] == []


def test_no_echo_loop_of_module_calls_under_the_real_throttle(emulator, run_playbook, tmp_path):
    no_echo(emulator)  # the emulator enforces 20 calls/s per SecretId in real time
    result_file = tmp_path / "loop.json"
    run(run_playbook, emulator, "no_echo.yml", extra_vars={"runs": 40, "created": 1, "result_file": str(result_file)})
    results = read_json(result_file)
    assert len(results) == 40 and not any(item.get("failed") for item in results)
    assert len(tencent_calls(emulator, BUF)) == 1 and len(tencent_tasks(emulator)) == 1
    stats = tencent_stats(emulator)
    assert stats["duplicates"] == [] and stats["calls"] >= 160
    # paced by the shared limiter: no call was refused for rate
    assert stats["throttled"] == 0, stats


def test_no_echo_ten_forks_on_one_secret_id_stay_under_the_limit(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    inventory = tmp_path / "forks.ini"
    hosts = ("tc%02d ansible_connection=local ansible_python_interpreter=%s\n" % (index, sys.executable) for index in range(10))
    inventory.write_text("[all]\n" + "".join(hosts))
    out = tmp_path / "out"
    out.mkdir()
    run(run_playbook, emulator, "parallel.yml", inventory=str(inventory), extra_args=["-f", "10"],
        extra_vars={"runs": 4, "result_dir": str(out)})
    results = [item for path in sorted(out.iterdir()) for item in read_json(path)]
    assert len(results) == 40 and sum(1 for item in results if item["changed"]) == 1
    assert len(tencent_tasks(emulator)) == 1  # forks racing to create: the losers were refused and adopted it
    stats = tencent_stats(emulator)
    assert stats["duplicates"] == [] and stats["throttled"] == 0, stats  # paced by the shared limiter
    # each action within its own documented limit (IoT Explorer limits each action on its own)
    calls = tencent_calls(emulator)
    for action in sorted(set(entry["action"] for entry in calls)):
        times = sorted(entry["time"] for entry in calls if entry["action"] == action)
        busiest = max(sum(1 for other in times if start <= other < start + 1.0) for start in times)
        assert busiest <= limits.calls_per_second(action), (action, busiest)


def test_no_echo_slow_commit_within_the_reconcile_window_is_adopted(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    emulator.inject(platform="tencent", action=BUF, kind="slow_commit", commit_after=3, delay=0.5)
    result_file = tmp_path / "slow.json"
    extra = {"runs": 2, "created": 1, "reconcile_timeout": 20, "result_file": str(result_file)}
    run(run_playbook, emulator, "no_echo.yml", extra_vars=extra)
    first, second = read_json(result_file)
    assert first["reconciled"] is True and first["created"] is False and second["changed"] is False
    assert len(tencent_calls(emulator, BUF)) == 1 and len(tencent_tasks(emulator)) == 1
    assert tencent_stats(emulator)["duplicates"] == []


def test_no_echo_slow_commit_beyond_the_window_fails_then_a_rerun_reconciles(emulator, run_playbook, tmp_path):
    no_echo(emulator)
    emulator.inject(platform="tencent", action=BUF, kind="slow_commit", commit_after=6, delay=0.5)
    failed = run(run_playbook, emulator, "no_echo.yml", expect_rc=2,
                 extra_vars={"runs": 1, "created": 0, "reconcile_timeout": 2})
    assert "may still appear" in failed.stdout and tencent_tasks(emulator) == []
    result_file = tmp_path / "later.json"
    for _attempt in range(40):  # the commit is due 6 real seconds after the create was received
        if not emulator.control("GET", "stats")["tencent"]["pending_commits"]:
            break
        time.sleep(0.25)
    run(run_playbook, emulator, "no_echo.yml", extra_vars={"runs": 1, "created": 0, "result_file": str(result_file)})
    assert read_json(result_file)[0]["matched_by"] == "rows"
    assert len(tencent_calls(emulator, BUF)) == 1 and len(tencent_tasks(emulator)) == 1
    assert tencent_stats(emulator)["duplicates"] == []


# --------------------------------------------------------------------------- info

def test_info_module(emulator, run_playbook, tmp_path):
    run(run_playbook, emulator, "devicenames.yml",
        extra_vars={"expect_changed": True, "result_file": str(tmp_path / "a.json")})
    run(run_playbook, emulator, "check_diff.yml", extra_vars={"expect_changed": True})
    first = read_json(tmp_path / "a.json")["task_id"]
    ids = sorted(int(task_id) for task_id in [first] + [
        t.get("TaskId", t.get("task_id")) for t in tencent_tasks(emulator)
        if int(t.get("TaskId", t.get("task_id"))) != int(first)])
    result = run(run_playbook, emulator, "info.yml", extra_vars={"task_ids": ids, "expected_devices": 5})
    assert result.host()["failed"] == 0 and result.host()["changed"] == 0
    assert {e["action"] for e in tencent_calls(emulator)} >= {"DescribeFirmwareTasks", "DescribeFirmwareTask"}


# --------------------------------------------------------------------------- secrets

def test_secrets_absent_from_vvv_output(emulator, run_playbook):
    env = {
        "IT_TENCENT_SECRET_ID": TENCENT_SECRET_ID,
        "IT_TENCENT_SECRET_KEY": TENCENT_SECRET_KEY,
        "IT_TENCENT_SESSION_TOKEN": SESSION_TOKEN_SENTINEL,
        "IT_TENCENT_WRONG_KEY": "wrong-secret-key-for-the-signature-test-0001",
        "IT_TENCENT_ENDPOINT": emulator.url,
        # the connection comes from module_defaults only
        "TENCENTCLOUD_SECRET_ID": "", "TENCENTCLOUD_SECRET_KEY": "", "TENCENTCLOUD_REGION": "",
    }
    result = run_playbook("tencent/secrets.yml", env=env, verbosity=3)
    assert result.host()["failed"] == 0
    output = result.stdout + result.stderr
    assert "Invocation" in output or "invocation" in output  # -vvv really printed the module arguments
    for secret in (TENCENT_SECRET_KEY, SESSION_TOKEN_SENTINEL, "wrong-secret-key-for-the-signature-test-0001"):
        assert secret not in output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output


def test_clock_skew_is_explained(emulator, run_playbook):
    emulator.behaviour(tencent_max_skew=0)
    result = run(run_playbook, emulator, "clock_skew.yml")
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 1
    assert [e["error_code"] for e in tencent_calls(emulator)] == ["AuthFailure.SignatureExpire"]  # not retried
